//! Activities: their wire types, rules and scoping, and totals.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ActivityAmounts, ActivityFilter, ActivityRow};
use crate::responsibilities::model::{from_centi, to_centi};
use auth::{Caller, Role, Scope};
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource};
use platform::db::sql::is_id;
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// What kind of activity it was.
    pub enum ActivityKind {
        Talk => "talk",
        Volunteering => "volunteering",
        FieldTrip => "field_trip",
        Mentoring => "mentoring",
        Tour => "tour",
        Event => "event",
        Donation => "donation",
        InternshipHours => "internship_hours",
        Other => "other",
    }
}

platform::sort_enum! {
    /// Sort order of activities: a field, descending when prefixed with `-`. Ties break on `id`.
    pub enum ActivitySort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The writable fields of an activity.
///
/// Across fields: `partner_id`, `school_id` and `agreement_id` name existing rows, and the
/// partner is a party to the agreement when one is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b", "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "kind": "field_trip", "occurred_on": "2026-10-14", "hours": 3.5, "students_reached": 58, "families_reached": 0}))]
pub struct ActivityInput {
    /// The partner whose activity it is; a partner account may name only its own.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub partner_id: Option<String>,
    /// The agreement it belongs to, if any; the partner must be part of it.
    #[serde(default, deserialize_with = "trimmed")]
    pub agreement_id: Option<String>,
    /// The school it was for, if any; staff must name one of their schools.
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    /// What kind of activity it was.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = ActivityKind, required = true)]
    pub kind: Option<ActivityKind>,
    /// The day it happened.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub occurred_on: Option<NaiveDate>,
    /// Hours given (volunteer or internship hours); up to two decimals are kept.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 100000.0))]
    #[schema(minimum = 0, maximum = 100000)]
    pub hours: Option<f64>,
    /// How many students it reached; 0 when left out.
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    #[schema(minimum = 0, maximum = 1000000)]
    pub students_reached: Option<i32>,
    /// How many families it reached; 0 when left out.
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    #[schema(minimum = 0, maximum = 1000000)]
    pub families_reached: Option<i32>,
    /// Notes on the activity.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// The district's own id for it; unique when set (409 when already in use).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
    /// The partner whose place it happened at (the power of place).
    #[serde(default, deserialize_with = "trimmed")]
    pub host_partner_id: Option<String>,
    /// Where it happened.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub venue: Option<String>,
}

impl ActivityInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("partner_id", &self.partner_id),
            ("agreement_id", &self.agreement_id),
            ("school_id", &self.school_id),
            ("host_partner_id", &self.host_partner_id),
        ] {
            if value.as_deref().is_some_and(|v| !is_id(v)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be an id"),
                ));
            }
        }
        check_all(self, extra)
    }
}

/// Something that happened between a partner and the schools.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a9a",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3d",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "kind": "field_trip",
    "occurred_on": "2026-10-14",
    "hours": 3.5,
    "students_reached": 58,
    "families_reached": 0,
    "notes": "Two 8th-grade classes toured the river gallery and sketched exhibit layouts.",
    "external_id": "ACT-2026-0147",
    "host_partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "venue": "Kennebec River Museum, river gallery",
    "version": 2,
    "created_at": "2026-10-14T19:20:00.123456Z",
    "updated_at": "2026-10-15T08:41:37.902114Z"
}))]
pub struct Activity {
    /// The activity's id.
    pub id: String,
    /// The partner whose activity it is.
    pub partner_id: String,
    /// The agreement it belongs to; `null` if none.
    pub agreement_id: Option<String>,
    /// The school it was for; `null` if none.
    pub school_id: Option<String>,
    /// What kind of activity it was.
    pub kind: ActivityKind,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// Hours given (two decimals); 0 when none were recorded.
    pub hours: f64,
    /// How many students it reached.
    pub students_reached: i32,
    /// How many families it reached.
    pub families_reached: i32,
    /// Notes on the activity; `null` if none.
    pub notes: Option<String>,
    /// The district's own id for it; `null` if none was given.
    pub external_id: Option<String>,
    /// The partner whose place it happened at; `null` if none.
    pub host_partner_id: Option<String>,
    /// Where it happened; `null` if not given.
    pub venue: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was logged (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = ApiError;

    fn try_from(row: ActivityRow) -> Result<Self, ApiError> {
        Ok(Activity {
            kind: ActivityKind::parse(&row.kind).ok_or_else(|| {
                ApiError::Internal(format!("stored kind {:?} is unknown", row.kind))
            })?,
            hours: from_centi(row.hours_centi),
            id: row.id,
            partner_id: row.partner_id,
            agreement_id: row.agreement_id,
            school_id: row.school_id,
            occurred_on: row.occurred_on,
            students_reached: row.students_reached,
            families_reached: row.families_reached,
            notes: row.notes,
            external_id: row.external_id,
            host_partner_id: row.host_partner_id,
            venue: row.venue,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Who may log or change this activity: a partner for its own partner; staff for their
/// schools; anyone else with `agreements:write`.
fn check_writer(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &ActivityRow,
) -> Result<(), ApiError> {
    match caller.role {
        Role::Partner => {
            caller.require(Scope::AgreementsRead)?;
            if caller.partner_id.as_deref() != Some(row.partner_id.as_str()) {
                return Err(ApiError::Forbidden(
                    "a partner logs activities of its own partner only".to_owned(),
                ));
            }
            Ok(())
        }
        _ => {
            caller.require(Scope::AgreementsWrite)?;
            if caller.role == Role::Staff {
                // Staff log activities of their schools, within agreements of their schools.
                caller.check_schools(&row.school_id.iter().cloned().collect::<Vec<_>>())?;
                if let Some(agreement) = &row.agreement_id {
                    let schools: Vec<String> = crate::agreements::store::schools_of(
                        conn,
                        std::slice::from_ref(agreement),
                    )?
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect();
                    caller.check_schools(&schools)?;
                }
            }
            Ok(())
        }
    }
}

/// The partner, school and agreement must exist, and the partner must be in the agreement.
fn check_references(conn: &mut DbConnection, row: &ActivityRow) -> Result<(), ApiError> {
    use directory::partners::PartnerRow;
    use directory::schools::SchoolRow;
    let mut references = References::new();
    references
        .to::<PartnerRow>(conn, "partner_id", "partner", Some(&row.partner_id))?
        .to::<PartnerRow>(
            conn,
            "host_partner_id",
            "partner",
            row.host_partner_id.as_deref(),
        )?
        .to::<SchoolRow>(conn, "school_id", "school", row.school_id.as_deref())?;
    if let Some(agreement) = &row.agreement_id {
        let partners =
            crate::agreements::store::partners_of(conn, std::slice::from_ref(agreement))?;
        if partners.is_empty() {
            references.push(FieldError::new(
                "agreement_id",
                "not_found",
                "agreement_id must be the id of an existing agreement",
            ));
        } else if !partners.iter().any(|(_, p, _)| *p == row.partner_id) {
            references.push(FieldError::new(
                "agreement_id",
                "partner_not_in_agreement",
                "the partner is not part of this agreement",
            ));
        }
    }
    references.done()
}

/// The filters of `GET /activities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only activities of this partner.
    pub partner_id: Option<String>,
    /// Only activities under this agreement.
    pub agreement_id: Option<String>,
    /// Only activities for this school.
    pub school_id: Option<String>,
    /// Only activities of this kind.
    pub kind: Option<ActivityKind>,
    /// Activities on or after this date.
    pub from: Option<NaiveDate>,
    /// Activities on or before this date.
    pub to: Option<NaiveDate>,
    /// Only activities changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

impl ActivityQuery {
    pub fn filter(&self, caller: &Caller) -> ActivityFilter {
        ActivityFilter {
            only_partner: caller.partner_scope(),
            partner_id: self.partner_id.clone(),
            agreement_id: self.agreement_id.clone(),
            school_id: self.school_id.clone(),
            kind: self.kind.map(ActivityKind::as_str),
            from: self.from,
            to: self.to,
            updated_since: self.updated_since,
        }
    }
}

platform::text_enum! {
    /// What activity totals are grouped by.
    pub enum TotalsBy {
        Partner => "partner",
        Agreement => "agreement",
        School => "school",
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TotalsQuery {
    /// Group by partner (default), agreement or school.
    pub by: Option<TotalsBy>,
    /// Only activities of this partner.
    pub partner_id: Option<String>,
    /// Only activities under this agreement.
    pub agreement_id: Option<String>,
    /// Only activities for this school.
    pub school_id: Option<String>,
    /// Only activities of this kind.
    pub kind: Option<ActivityKind>,
    /// Activities on or after this date.
    pub from: Option<NaiveDate>,
    /// Activities on or before this date.
    pub to: Option<NaiveDate>,
}

/// Sums of one group.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct ActivityTotal {
    /// The partner, agreement or school id; `null` for activities without one.
    pub key: Option<String>,
    /// How many activities are in the group.
    pub activities: usize,
    /// Hours given, summed (two decimals).
    pub hours: f64,
    /// Students reached, summed over activities (one student reached twice counts twice).
    pub students_reached: i64,
    /// Families reached, summed over activities (one family reached twice counts twice).
    pub families_reached: i64,
}

/// Activity totals per partner, agreement or school.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "by": "school",
    "groups": [
        {"key": null, "activities": 3, "hours": 12.0, "students_reached": 0,
            "families_reached": 41},
        {"key": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c", "activities": 9, "hours": 31.5,
            "students_reached": 412, "families_reached": 37},
        {"key": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2d", "activities": 5, "hours": 22.75,
            "students_reached": 186, "families_reached": 0}
    ]
}))]
pub struct ActivityTotals {
    /// What the groups are keyed by.
    pub by: TotalsBy,
    /// One group per partner, agreement or school, by `key` (the `null` group first).
    pub groups: Vec<ActivityTotal>,
}

/// Sums activity amounts per group.
pub fn totals(rows: &[ActivityAmounts], by: TotalsBy) -> Vec<ActivityTotal> {
    let mut groups: BTreeMap<Option<String>, (usize, i64, i64, i64)> = BTreeMap::new();
    for row in rows {
        let key = match by {
            TotalsBy::Partner => Some(row.partner_id.clone()),
            TotalsBy::Agreement => row.agreement_id.clone(),
            TotalsBy::School => row.school_id.clone(),
        };
        let g = groups.entry(key).or_default();
        g.0 += 1;
        g.1 += row.hours_centi;
        g.2 += i64::from(row.students_reached);
        g.3 += i64::from(row.families_reached);
    }
    groups
        .into_iter()
        .map(|(key, (n, h, s, f))| ActivityTotal {
            key,
            activities: n,
            hours: from_centi(h),
            students_reached: s,
            families_reached: f,
        })
        .collect()
}

/// Activities: a partner sees and logs its own; staff log those of their schools.
pub struct Activities;

impl Resource for Activities {
    const TOPIC: Topic = Topic::published("activity");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = ActivityRow;
    type Input = ActivityInput;
    type Output = Activity;
    type Filter = ActivityQuery;
    type Sort = ActivitySort;

    fn represent(row: ActivityRow) -> Result<Activity, ApiError> {
        Activity::try_from(row)
    }

    fn writable(row: &ActivityRow) -> Result<ActivityInput, ApiError> {
        Ok(ActivityInput {
            partner_id: Some(row.partner_id.clone()),
            agreement_id: row.agreement_id.clone(),
            school_id: row.school_id.clone(),
            kind: ActivityKind::parse(&row.kind),
            occurred_on: Some(row.occurred_on),
            hours: Some(from_centi(row.hours_centi)),
            students_reached: Some(row.students_reached),
            families_reached: Some(row.families_reached),
            notes: row.notes.clone(),
            external_id: row.external_id.clone(),
            host_partner_id: row.host_partner_id.clone(),
            venue: row.venue.clone(),
        })
    }

    fn check(input: &ActivityInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: ActivityInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&ActivityRow>,
        _ctx: &CallerContext,
    ) -> Result<ActivityRow, ApiError> {
        Ok(ActivityRow {
            id: stamp.id,
            external_id: input.external_id,
            partner_id: input.partner_id.unwrap_or_default(),
            agreement_id: input.agreement_id,
            school_id: input.school_id,
            kind: input
                .kind
                .unwrap_or(ActivityKind::Other)
                .as_str()
                .to_owned(),
            occurred_on: input.occurred_on.unwrap_or_default(),
            hours_centi: to_centi(input.hours.unwrap_or(0.0)),
            students_reached: input.students_reached.unwrap_or(0),
            families_reached: input.families_reached.unwrap_or(0),
            notes: input.notes,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
            host_partner_id: input.host_partner_id,
            venue: input.venue,
        })
    }

    fn visible(caller: &Caller, row: &ActivityRow) -> bool {
        caller.sees_partner(&row.partner_id)
    }

    /// A partner logs its own activities with `agreements:read`; the rule on whose they are is
    /// [`check_writer`].
    fn write_scope(caller: &Caller, _patch: Option<&serde_json::Value>) -> Scope {
        if caller.role == Role::Partner {
            Self::READ
        } else {
            Self::WRITE
        }
    }

    fn may_change(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &ActivityRow,
    ) -> Result<(), ApiError> {
        check_writer(conn, ctx.caller, row)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: ActivityQuery,
        page: &PageRequest,
    ) -> Result<Vec<ActivityRow>, ApiError> {
        let filter = query.filter(ctx.caller);
        Ok(store::list(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&ActivityRow>,
        row: &ActivityRow,
    ) -> Result<(), ApiError> {
        check_writer(conn, ctx.caller, row)?;
        check_references(conn, row)
    }
}
