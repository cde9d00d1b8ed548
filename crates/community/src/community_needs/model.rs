//! The community-needs view, computed from the need catalogue, one needs assessment and the
//! active partners.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::need_categories::store::NeedRow;
use crate::surveys::model::Question;
use crate::surveys::results::{Figure, SurveyResults};
use directory::partners::model::{offerings_from_column, Offering};
use directory::partners::PartnerRow;
use platform::error::ApiError;

/// The parameters of `GET /community-needs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NeedsQuery {
    /// The school; the district's own needs assessments when left out.
    pub school_id: Option<String>,
}

/// A partner that can help, and with what.
#[derive(Debug, Serialize, ToSchema)]
pub struct Helper {
    /// The partner's id.
    pub partner_id: String,
    /// The partner's name.
    pub name: String,
    /// Its offerings that address the need.
    pub offerings: Vec<Offering>,
}

/// One need: how many respondents named it, and who can help.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedLine {
    /// The need category's code.
    pub code: String,
    /// The need category's name.
    pub name: String,
    /// Respondents who chose an answer naming this need (suppressed below the threshold for
    /// callers who do not read the survey live).
    pub respondents: Figure,
    /// Active partners offering something that addresses the need, by name; may be empty.
    pub partners: Vec<Helper>,
}

/// What a school's (or the district's) families need, and the partners that address it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "survey_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a5a",
    "respondents": {"value": 212.0, "suppressed": false},
    "needs": [
        {"code": "transportation", "name": "Transportation",
            "respondents": {"value": 64.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4c",
                "name": "Kennebec Explorer Transit", "offerings": ["transportation"]}]},
        {"code": "internet_access", "name": "Internet access",
            "respondents": {"value": 51.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                "name": "Gardiner Public Library", "offerings": ["internet_access"]}]},
        {"code": "tutoring", "name": "Tutoring",
            "respondents": {"value": 47.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                "name": "Gardiner Public Library", "offerings": ["tutoring"]},
                {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4d",
                "name": "Kennebec Valley Community College",
                "offerings": ["mentoring", "tutoring"]}]},
        {"code": "childcare", "name": "Childcare",
            "respondents": {"value": 33.0, "suppressed": false}, "partners": []},
        {"code": "food", "name": "Food",
            "respondents": {"value": 29.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4b",
                "name": "Gardiner Food Pantry", "offerings": ["food_support"]}]},
        {"code": "language_support", "name": "Language support",
            "respondents": {"value": 18.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                "name": "Gardiner Public Library", "offerings": ["language_support"]}]},
        {"code": "meeting_space", "name": "Meeting space",
            "respondents": {"value": 12.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                "name": "Gardiner Public Library", "offerings": ["meeting_space"]}]},
        {"code": "employment", "name": "Employment",
            "respondents": {"value": 10.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4d",
                "name": "Kennebec Valley Community College", "offerings": ["internship"]}]},
        {"code": "adult_learning", "name": "Adult learning",
            "respondents": {"value": 0.0, "suppressed": false},
            "partners": [{"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4a",
                "name": "Gardiner Public Library", "offerings": ["adult_learning"]},
                {"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a4d",
                "name": "Kennebec Valley Community College", "offerings": ["adult_learning"]}]},
        {"code": "health", "name": "Health",
            "respondents": {"value": null, "suppressed": true}, "partners": []}
    ]
}))]
pub struct CommunityNeeds {
    /// The school asked about; `null` for the district's own needs assessments.
    pub school_id: Option<String>,
    /// The needs assessment counted: the one that closed last (`null` when there is none).
    pub survey_id: Option<String>,
    /// How many responded to that assessment (0 when there is none).
    pub respondents: Figure,
    /// Every need of the catalogue: most named first, suppressed ones last; ties by code.
    pub needs: Vec<NeedLine>,
}

/// The assessment counted: its id, and per response the needs its answers name.
pub struct Assessment {
    pub id: String,
    pub named: Vec<BTreeSet<String>>,
    /// Needs whose count would show what the survey's results hide from the caller.
    pub hidden_needs: BTreeSet<String>,
    /// Whether the results hide the number of respondents from the caller.
    pub respondents_hidden: bool,
}

/// The needs whose count would give away what `results` hides from the caller: those named
/// by an option whose count is hidden (a single-choice question's options add up to those who
/// answered), and those named by several options when the count, set against the options'
/// shown counts, leaves a small difference (respondents who chose one option and not the
/// other) or a small overlap. Needs named by three or more options are hidden outright.
pub fn hidden_needs(
    questions: &[Question],
    results: &SurveyResults,
    named: &[BTreeSet<String>],
    min: i64,
) -> BTreeSet<String> {
    let mut options_of: std::collections::BTreeMap<&str, Vec<Option<i64>>> = Default::default();
    for (question, counted) in questions.iter().zip(&results.all.questions) {
        for (option, count) in question.options.iter().zip(&counted.options) {
            if let Some(need) = &option.need_code {
                let shown = (!count.count.suppressed)
                    .then_some(count.count.value)
                    .flatten()
                    .map(|v| v as i64);
                options_of.entry(need.as_str()).or_default().push(shown);
            }
        }
    }
    let small = |n: i64| (1..min).contains(&n);
    let mut hidden = BTreeSet::new();
    for (need, counts) in options_of {
        let Some(counts) = counts.into_iter().collect::<Option<Vec<i64>>>() else {
            hidden.insert(need.to_owned());
            continue;
        };
        if counts.len() < 2 {
            continue;
        }
        let union = named.iter().filter(|n| n.contains(need)).count() as i64;
        let leaks = counts.len() > 2
            || counts.iter().any(|c| small(union - c))
            || small(counts.iter().sum::<i64>() - union);
        if leaks {
            hidden.insert(need.to_owned());
        }
    }
    hidden
}

fn figure(value: i64, open: bool, min: i64) -> Figure {
    let hidden = !open && (1..min).contains(&value);
    Figure {
        value: (!hidden).then_some(value as f64),
        suppressed: hidden,
    }
}

/// The view from its parts; `open` shows every count.
pub fn community_needs(
    school_id: Option<String>,
    survey: Option<Assessment>,
    needs: Vec<NeedRow>,
    partners: &[PartnerRow],
    open: bool,
    min: i64,
) -> Result<CommunityNeeds, ApiError> {
    let hidden = survey
        .as_ref()
        .map(|a| a.hidden_needs.clone())
        .unwrap_or_default();
    let respondents_hidden = survey.as_ref().is_some_and(|a| a.respondents_hidden);
    let (survey_id, named) = match &survey {
        Some(a) => (Some(a.id.clone()), a.named.as_slice()),
        None => (None, &[][..]),
    };
    let respondents = named.len() as i64;
    let partner_offerings = partners
        .iter()
        .map(|p| Ok((p, offerings_from_column(&p.offerings)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut lines = Vec::new();
    for need in needs {
        let addressing = offerings_from_column(&need.offerings)?;
        let count = named.iter().filter(|n| n.contains(&need.code)).count() as i64;
        let helpers = partner_offerings
            .iter()
            .filter_map(|(p, offered)| {
                let matching: Vec<Offering> = offered
                    .iter()
                    .copied()
                    .filter(|o| addressing.contains(o))
                    .collect();
                (!matching.is_empty()).then(|| Helper {
                    partner_id: p.id.clone(),
                    name: p.name.clone(),
                    offerings: matching,
                })
            })
            .collect();
        let respondents = match hidden.contains(&need.code) {
            true => Figure {
                value: None,
                suppressed: true,
            },
            false => figure(count, open, min),
        };
        lines.push(NeedLine {
            code: need.code,
            name: need.name,
            respondents,
            partners: helpers,
        });
    }
    // The needs most named first; suppressed ones after the shown, by code.
    lines.sort_by(|a, b| {
        let key = |l: &NeedLine| -(l.respondents.value.unwrap_or(-1.0) as i64);
        key(a).cmp(&key(b)).then_with(|| a.code.cmp(&b.code))
    });
    Ok(CommunityNeeds {
        school_id,
        survey_id,
        respondents: match respondents_hidden {
            true => Figure {
                value: None,
                suppressed: true,
            },
            false => figure(respondents, open, min),
        },
        needs: lines,
    })
}
