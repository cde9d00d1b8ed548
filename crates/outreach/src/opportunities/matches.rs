//! Partners matched to an opportunity, ranked, each with the reasons for its place: the
//! offerings that match, vetting valid for the whole period (required when students are
//! involved), its continuum level, its past activities with the school, and who referred it.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{self, OpportunityRow};
use directory::continuum::LevelRow;
use directory::partners::model::{offerings_from_column, Offering};
use directory::partners::PartnerRow;
use platform::db::DbConnection;
use platform::error::ApiError;

/// The parameters of `GET /opportunities/{id}/matches`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// How many, best first (1 to 100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// A continuum level, as a match names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchLevel {
    /// The continuum level's id.
    pub id: String,
    /// The level's name.
    pub name: String,
    /// The level's rank in the continuum; higher ranks add more to the score (up to 10).
    pub rank: i32,
}

/// The partner that referred a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct Referrer {
    /// The referring partner's id.
    pub partner_id: String,
    /// The referring partner's name; `null` when that partner no longer exists.
    pub name: Option<String>,
}

/// One partner and why it ranks where it does.
#[derive(Debug, Serialize, ToSchema)]
pub struct Match {
    /// The partner's id.
    pub partner_id: String,
    /// The partner's name.
    pub name: String,
    /// 10 per matching offering, 5 for vetting valid through the opportunity's end, 2 per past
    /// activity with the school (up to 5), the continuum level's rank (up to 10), 1 when
    /// referred by another partner.
    pub score: i64,
    /// The opportunity's offerings this partner offers; never empty.
    pub matching_offerings: Vec<Offering>,
    /// Approved, with no background check or insurance running out before the opportunity
    /// ends.
    pub vetting_valid: bool,
    /// The partner's level on the district's continuum; `null` when it has none.
    pub continuum_level: Option<MatchLevel>,
    /// How many activities the partner has had with the opportunity's school.
    pub past_activities_with_school: i64,
    /// The partner that referred this one; `null` when none did.
    pub referred_by: Option<Referrer>,
    /// The same, in words.
    pub reasons: Vec<String>,
}

/// The ranked partners of an opportunity.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "opportunity_id": "0193a1f3-8c9d-7e0f-9a1b-2c3d4e5f6a7b",
    "involves_students": true,
    "matches": [
        {"partner_id": "0193a1f4-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
            "name": "Cobbossee Structural Engineering", "score": 33,
            "matching_offerings": ["speaker", "mentoring"], "vetting_valid": true,
            "continuum_level": {"id": "0193a1f3-5f6a-7b7c-8d8e-9f0a1b2c3d4e",
                "name": "Collaborator", "rank": 3},
            "past_activities_with_school": 2,
            "referred_by": {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
                "name": "Kennebec River Museum"},
            "reasons": ["offers speaker, mentoring", "vetting valid through 2027-03-15",
                "continuum level 3 (Collaborator)", "2 past activities with this school",
                "referred by Kennebec River Museum"]},
        {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
            "name": "Kennebec River Museum", "score": 23,
            "matching_offerings": ["speaker"], "vetting_valid": true,
            "continuum_level": null, "past_activities_with_school": 4, "referred_by": null,
            "reasons": ["offers speaker", "vetting valid through 2027-03-15",
                "4 past activities with this school"]}
    ]
}))]
pub struct Matches {
    /// The opportunity matched.
    pub opportunity_id: String,
    /// When true, only partners vetted for the whole period are listed.
    pub involves_students: bool,
    /// The partners, highest `score` first (ties by name); `limit` of them at most.
    pub matches: Vec<Match>,
}

/// Whether the partner's vetting holds from `today` through `through`.
pub fn vetting_valid(partner: &PartnerRow, through: NaiveDate, today: NaiveDate) -> bool {
    let until = through.max(today);
    partner.vetting_status == "approved"
        && [
            partner.background_check_expires_on,
            partner.insurance_expires_on,
        ]
        .iter()
        .flatten()
        .all(|expires| *expires >= until)
}

/// The matches of `opportunity`, best first, at most `limit`.
pub fn matches(
    conn: &mut DbConnection,
    opportunity: &OpportunityRow,
    limit: usize,
    today: NaiveDate,
) -> Result<Matches, ApiError> {
    let wanted = offerings_from_column(&opportunity.offerings)?;
    let codes: Vec<&str> = wanted.iter().map(|o| o.as_str()).collect();
    let candidates = store::offering_partners(conn, &codes)?;
    let ids: Vec<String> = candidates.iter().map(|p| p.id.clone()).collect();
    let past: HashMap<String, i64> =
        store::activities_with_school(conn, &opportunity.school_id, &ids)?
            .into_iter()
            .collect();
    let referrers: Vec<String> = candidates
        .iter()
        .filter_map(|p| p.referred_by.clone())
        .collect();
    let referrer_names = directory::partners::names(conn, &referrers)?;
    let levels: HashMap<String, LevelRow> = directory::continuum::all(conn)?
        .into_iter()
        .map(|l| (l.id.clone(), l))
        .collect();
    let mut found = Vec::new();
    for partner in candidates {
        let offered = offerings_from_column(&partner.offerings)?;
        let matching: Vec<Offering> = wanted
            .iter()
            .copied()
            .filter(|o| offered.contains(o))
            .collect();
        let vetted = vetting_valid(&partner, opportunity.ends_on, today);
        if matching.is_empty() || (opportunity.involves_students && !vetted) {
            continue;
        }
        let past = past.get(&partner.id).copied().unwrap_or(0);
        let level = partner
            .continuum_level_id
            .as_ref()
            .and_then(|id| levels.get(id))
            .map(|l| MatchLevel {
                id: l.id.clone(),
                name: l.name.clone(),
                rank: l.rank,
            });
        let referred_by = partner.referred_by.as_ref().map(|id| Referrer {
            name: referrer_names.get(id).cloned(),
            partner_id: id.clone(),
        });
        let mut reasons = vec![format!(
            "offers {}",
            matching
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )];
        reasons.push(match vetted {
            true => format!("vetting valid through {}", opportunity.ends_on),
            false => "vetting not valid for the whole period".to_owned(),
        });
        if let Some(level) = &level {
            reasons.push(format!("continuum level {} ({})", level.rank, level.name));
        }
        if past > 0 {
            reasons.push(format!("{past} past activities with this school"));
        }
        if let Some(r) = &referred_by {
            reasons.push(format!(
                "referred by {}",
                r.name.clone().unwrap_or_else(|| r.partner_id.clone())
            ));
        }
        let score = 10 * matching.len() as i64
            + if vetted { 5 } else { 0 }
            + 2 * past.min(5)
            + level.as_ref().map_or(0, |l| i64::from(l.rank).min(10))
            + i64::from(referred_by.is_some());
        found.push(Match {
            partner_id: partner.id,
            name: partner.name,
            score,
            matching_offerings: matching,
            vetting_valid: vetted,
            continuum_level: level,
            past_activities_with_school: past,
            referred_by,
            reasons,
        });
    }
    found.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    found.truncate(limit);
    Ok(Matches {
        opportunity_id: opportunity.id.clone(),
        involves_students: opportunity.involves_students,
        matches: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn vetting_must_hold_through_the_end() {
        let mut p = PartnerRow {
            id: "p".into(),
            external_id: None,
            name: "P".into(),
            kind: "business".into(),
            description: None,
            website: None,
            address_line1: None,
            address_line2: None,
            city: None,
            region: None,
            postal_code: None,
            country: None,
            offerings: ",speaker,".into(),
            status: "active".into(),
            referred_by: None,
            version: 1,
            created_at: Default::default(),
            updated_at: Default::default(),
            continuum_level_id: None,
            vetting_status: "approved".into(),
            background_check_on: None,
            background_check_expires_on: Some(day("2027-03-01")),
            insurance_expires_on: None,
            vetting_notes: None,
            vetting_decided_by: None,
            vetting_decided_at: None,
            search_key: "p".into(),
            relationship_count: 0,
        };
        let today = day("2027-01-01");
        assert!(vetting_valid(&p, day("2027-03-01"), today));
        assert!(!vetting_valid(&p, day("2027-03-02"), today));
        p.vetting_status = "pending".into();
        assert!(!vetting_valid(&p, day("2027-02-01"), today));
    }
}
