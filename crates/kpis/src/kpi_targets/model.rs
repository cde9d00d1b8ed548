use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, Target, TargetRow};
use crate::kpi_definitions::model::group_slug;
use crate::kpi_records::model::date_in_range;
use crate::kpi_records::suppression::{counts_of, CellJudge};
use auth::Scope;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp, Stored};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;
use privacy::{Cell, Suppression};

/// The writable fields of a KPI target.
///
/// Across fields: `baseline_period_start` and `baseline_period_end` go together, and the end is
/// not before the start; `baseline_value` and `target_value` lie within the KPI's
/// `min_value`..`max_value`; one target per KPI and student group of an agreement (409);
/// `student_group` is a code of the student-group catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kpi_code": "attendance_rate", "student_group": "program_participants",
    "baseline_value": 88.5, "baseline_period_start": "2025-09-01", "baseline_period_end": "2026-06-15",
    "target_value": 93.0, "target_date": "2027-06-15"}))]
pub struct TargetInput {
    /// The KPI, by code (or id).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 64),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub kpi_code: Option<String>,
    /// The student group the target is for; `all` when left out.
    #[serde(default)]
    #[validate(custom(function = "group_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$", example = "all")]
    pub student_group: Option<String>,
    /// Where the KPI stood before the partnership (for progress).
    #[serde(default)]
    pub baseline_value: Option<f64>,
    /// The students behind the baseline. Tokens without `kpi:read_small_cells` see a baseline
    /// only when this is given and the baseline passes the same suppression rules as a record.
    #[serde(default)]
    #[validate(range(min = 0, max = 100_000_000))]
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub baseline_n: Option<i64>,
    /// First day of the period the baseline was measured over; give it with the end.
    #[serde(default)]
    #[schema(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-")]
    pub baseline_period_start: Option<NaiveDate>,
    /// Last day of the baseline period; on or after its start.
    #[serde(default)]
    #[schema(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-")]
    pub baseline_period_end: Option<NaiveDate>,
    /// The value to reach, in the KPI's unit and within its `min_value`..`max_value`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = f64, required = true)]
    pub target_value: Option<f64>,
    /// When the target should be reached.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true, pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)-")]
    pub target_date: Option<NaiveDate>,
    /// Notes on the target.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

impl TargetInput {
    pub fn group(&self) -> &str {
        self.student_group.as_deref().unwrap_or("all")
    }

    /// Field rules plus those spanning fields; the KPI's range is checked where the KPI is
    /// known (`check_range`).
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [
            ("baseline_value", self.baseline_value),
            ("target_value", self.target_value),
        ] {
            if value.is_some_and(|v| !v.is_finite()) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be a finite number"),
                ));
            }
        }
        for (field, date) in [
            ("baseline_period_start", self.baseline_period_start),
            ("baseline_period_end", self.baseline_period_end),
            ("target_date", self.target_date),
        ] {
            if date.is_some_and(|d| !date_in_range(d)) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be from 1900 to 2100"),
                ));
            }
        }
        match (self.baseline_period_start, self.baseline_period_end) {
            (Some(start), Some(end)) if end < start => extra.push(FieldError::new(
                "baseline_period_end",
                "date_order",
                "baseline_period_end must not be before baseline_period_start",
            )),
            (Some(_), None) | (None, Some(_)) => extra.push(FieldError::new(
                "baseline_period_end",
                "required_together",
                "baseline_period_start and baseline_period_end go together",
            )),
            _ => {}
        }
        check_all(self, extra)
    }

    /// Baseline and target must lie in the KPI's allowed range.
    pub fn check_range(&self, min: Option<f64>, max: Option<f64>) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("baseline_value", self.baseline_value),
            ("target_value", self.target_value),
        ] {
            if let Some(v) = value {
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    errors.push(FieldError::new(
                        field,
                        "out_of_range",
                        format!(
                            "{field} must be within the KPI's range {}",
                            range_text(min, max)
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Where an agreement means to take a KPI for one student group.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0aba",
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3d",
    "kpi_id": "0192b3c0-0000-7000-8000-000000000101",
    "kpi_code": "attendance_rate",
    "student_group": "program_participants",
    "baseline_value": 88.5,
    "baseline_n": 96,
    "baseline_period_start": "2025-09-01",
    "baseline_period_end": "2026-06-15",
    "baseline_suppressed": false,
    "target_value": 93.0,
    "target_date": "2027-06-15",
    "notes": "Baseline from last year's 8th graders; target set with the museum in August.",
    "version": 1,
    "created_at": "2026-08-21T14:05:09.481203Z",
    "updated_at": "2026-08-21T14:05:09.481203Z"
}))]
pub struct KpiTarget {
    /// The target's id.
    pub id: String,
    /// The agreement it belongs to.
    pub agreement_id: String,
    /// The KPI's id.
    pub kpi_id: String,
    /// The KPI's code.
    pub kpi_code: String,
    /// The student group's code.
    pub student_group: String,
    /// `null` when suppressed.
    pub baseline_value: Option<f64>,
    /// `null` when suppressed.
    pub baseline_n: Option<i64>,
    /// First day of the baseline period; `null` if none was given (shown even when suppressed).
    pub baseline_period_start: Option<NaiveDate>,
    /// Last day of the baseline period; `null` if none was given.
    pub baseline_period_end: Option<NaiveDate>,
    /// The baseline is hidden from this caller: too few students behind it (or no
    /// `baseline_n`), too extreme, or it would give another hidden baseline away.
    pub baseline_suppressed: bool,
    /// The value to reach, in the KPI's unit.
    pub target_value: f64,
    /// When the target should be reached.
    pub target_date: NaiveDate,
    /// Notes on the target; `null` if none.
    pub notes: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was set (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl KpiTarget {
    pub fn from_row(row: TargetRow, kpi_code: String) -> Self {
        KpiTarget {
            id: row.id,
            agreement_id: row.agreement_id,
            kpi_id: row.kpi_id,
            kpi_code,
            student_group: row.student_group,
            baseline_value: row.baseline_value,
            baseline_n: row.baseline_n,
            baseline_period_start: row.baseline_period_start,
            baseline_period_end: row.baseline_period_end,
            baseline_suppressed: false,
            target_value: row.target_value,
            target_date: row.target_date,
            notes: row.notes,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

platform::sort_enum! {
    /// Order of an agreement's targets: by `kpi_code` (the default), or by time.
    pub enum TargetSort default KpiCode {
        KpiCode => "kpi_code": Name;
        KpiCodeDesc => "-kpi_code": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// `GET /agreements/{agreement_id}/kpi-targets` takes no filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {}

/// KPI targets, under their agreement: whoever may write the agreement sets its targets;
/// whoever may see it (and read KPIs) reads them.
pub struct KpiTargets;

impl Resource for KpiTargets {
    const TOPIC: Topic = Topic::published("kpi_target");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("agreement_id", "agreement"));

    type Row = Target;
    type Input = TargetInput;
    type Output = KpiTarget;
    type Filter = TargetQuery;
    type Sort = TargetSort;

    fn represent(target: Target) -> Result<KpiTarget, ApiError> {
        Ok(KpiTarget::from_row(target.row, target.kpi_code))
    }

    fn writable(target: &Target) -> Result<TargetInput, ApiError> {
        let row = &target.row;
        Ok(TargetInput {
            kpi_code: Some(target.kpi_code.clone()),
            student_group: Some(row.student_group.clone()),
            baseline_value: row.baseline_value,
            baseline_n: row.baseline_n,
            baseline_period_start: row.baseline_period_start,
            baseline_period_end: row.baseline_period_end,
            target_value: Some(row.target_value),
            target_date: Some(row.target_date),
            notes: row.notes.clone(),
        })
    }

    fn check(input: &TargetInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    /// Resolves the KPI (422 when unknown, or when a value is out of its range).
    fn build(
        conn: &mut DbConnection,
        input: TargetInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&Target>,
        _ctx: &CallerContext,
    ) -> Result<Target, ApiError> {
        let code = input.kpi_code.clone().unwrap_or_default();
        let kpi = <crate::kpi_definitions::DefinitionRow as Stored>::find_key(conn, &code)?
            .ok_or_else(|| {
                ApiError::field(
                    "kpi_code",
                    "unknown_kpi",
                    format!("no KPI definition has the code {code:?}"),
                )
            })?;
        input.check_range(kpi.min_value, kpi.max_value)?;
        let group = input.group();
        if <crate::student_groups::GroupRow as Stored>::find_key(conn, group)?
            .is_none_or(|g| g.code != group)
        {
            return Err(ApiError::field(
                "student_group",
                "unknown_student_group",
                format!("no student group has the code {group:?}; GET /student-groups lists them"),
            ));
        }
        let row = TargetRow {
            id: stamp.id,
            agreement_id: place.parent()?.to_owned(),
            kpi_id: kpi.id,
            student_group: input.group().to_owned(),
            baseline_value: input.baseline_value,
            baseline_n: input.baseline_n,
            baseline_period_start: input.baseline_period_start,
            baseline_period_end: input.baseline_period_end,
            target_value: input.target_value.unwrap_or_default(),
            target_date: input.target_date.unwrap_or_default(),
            notes: input.notes,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        };
        Ok(Target {
            row,
            kpi_code: kpi.code,
        })
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        if access == Access::Read {
            ctx.caller.require(Scope::KpiRead)?;
        }
        commitments::agreements::access::authorize(conn, ctx.caller, place.parent()?, access)
    }

    /// Baselines follow suppression, judged with the other targets of the agreement.
    fn for_caller(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        mut targets: Vec<KpiTarget>,
    ) -> Result<Vec<KpiTarget>, ApiError> {
        let suppression = Suppression::for_caller(ctx.caller, ctx.policy.kpi_min_cell_size);
        if suppression.is_open() {
            return Ok(targets);
        }
        let judge = CellJudge::load(conn, suppression)?;
        let agreements: BTreeSet<String> = targets.iter().map(|t| t.agreement_id.clone()).collect();
        let agreements: Vec<String> = agreements.into_iter().collect();
        let all: Vec<TargetRow> = store::list(conn, &agreements)?
            .into_iter()
            .map(|(row, _)| row)
            .collect();
        let hidden = hidden_baselines(&judge, &all);
        for target in &mut targets {
            if hidden.contains(&target.id) {
                target.baseline_value = None;
                target.baseline_n = None;
                target.baseline_suppressed = true;
            }
        }
        Ok(targets)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        _query: TargetQuery,
        page: &PageRequest,
    ) -> Result<Vec<Target>, ApiError> {
        Ok(store::page(
            conn,
            place.parent()?,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }
}

/// `[0, 100]`, `[0, …)`: how a KPI's allowed range reads in messages.
pub fn range_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("[{a}, {b}]"),
        (Some(a), None) => format!("[{a}, …)"),
        (None, Some(b)) => format!("(…, {b}]"),
        (None, None) => "(any)".to_owned(),
    }
}

/// The ids of the targets, among `targets`, whose baseline this judge hides. A baseline is a
/// cell like a record's: its family is the other baselines of the same agreement, KPI and
/// baseline period, and one without `baseline_n` is always hidden.
pub fn hidden_baselines(judge: &CellJudge, targets: &[TargetRow]) -> HashSet<String> {
    let with_baseline: Vec<&TargetRow> = targets
        .iter()
        .filter(|t| t.baseline_value.is_some())
        .collect();
    let hidden = judge.hidden(
        &with_baseline,
        |t| {
            let period = (t.baseline_period_start, t.baseline_period_end);
            (t.kpi_id.clone(), (t.agreement_id.clone(), period))
        },
        |t, unit| Cell {
            group: t.student_group.clone(),
            counts: t
                .baseline_n
                .map(|n| counts_of(unit, n, t.baseline_value.unwrap_or_default(), None, None)),
        },
    );
    with_baseline
        .iter()
        .zip(hidden)
        .filter(|(_, h)| *h)
        .map(|(t, _)| t.id.clone())
        .collect()
}

/// A target as a caller sees it when its baseline is hidden: progress is then measured
/// without one.
pub fn without_baseline(target: &TargetRow) -> TargetRow {
    TargetRow {
        baseline_value: None,
        baseline_n: None,
        baseline_period_start: None,
        baseline_period_end: None,
        ..target.clone()
    }
}
