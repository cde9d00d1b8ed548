use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, DefinitionRow};
use auth::Scope;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// The unit a KPI's values are measured in.
    pub enum KpiUnit {
        Percent => "percent",
        Count => "count",
        Hours => "hours",
        Score => "score",
        Currency => "currency",
        Ratio => "ratio",
    }
}

platform::text_enum! {
    /// Which way is better, so progress and on-track flags can be computed.
    pub enum KpiDirection {
        HigherIsBetter => "higher_is_better",
        LowerIsBetter => "lower_is_better",
        Neutral => "neutral",
    }
}

platform::text_enum! {
    /// How values combine across schools and groups: mean weighted by `n`, sum, or a rate
    /// (Σnumerator / Σdenominator).
    pub enum KpiAggregation {
        WeightedMean => "weighted_mean",
        Sum => "sum",
        Rate => "rate",
    }
}

/// 2 to 64 characters of a-z, 0-9 and _, starting with a letter: KPI codes and student groups.
pub fn is_slug(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && text.as_bytes()[0].is_ascii_lowercase()
}

pub const SLUG_RULE: &str = "2 to 64 characters of a-z, 0-9 and _, starting with a letter";

/// The slug rule as a field error, its message naming `field` (or none).
fn slug_for(field: Option<&str>, text: &str) -> Result<(), validator::ValidationError> {
    if is_slug(text) {
        return Ok(());
    }
    let mut e = validator::ValidationError::new("slug");
    e.message = Some(match field {
        Some(field) => format!("{field} must be {SLUG_RULE}").into(),
        None => format!("must be {SLUG_RULE}").into(),
    });
    Err(e)
}

fn slug(code: &str) -> Result<(), validator::ValidationError> {
    slug_for(Some("code"), code)
}

/// Validator for student group codes (`all`, `grade_09`, `program_participants`).
pub fn group_slug(group: &str) -> Result<(), validator::ValidationError> {
    slug_for(Some("student_group"), group)
}

/// Validator for any slug field; the field error names the field.
pub fn any_slug(text: &str) -> Result<(), validator::ValidationError> {
    slug_for(None, text)
}

/// The writable fields of a KPI definition.
///
/// Across fields: `max_value` is not below `min_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "attendance_rate", "name": "Attendance rate", "unit": "percent",
    "direction": "higher_is_better", "aggregation": "rate", "min_value": 0, "max_value": 100}))]
pub struct DefinitionInput {
    /// A stable slug; unique. Records name their KPI by it.
    #[serde(default)]
    #[validate(required, custom(function = "slug"))]
    #[schema(value_type = String, required = true, pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: Option<String>,
    /// A readable name, on one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// What the KPI measures and how, in words.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The unit values are measured in.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiUnit, required = true)]
    pub unit: Option<KpiUnit>,
    /// Which way is better; `progress` and `on_track` follow it.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiDirection, required = true)]
    pub direction: Option<KpiDirection>,
    /// How values of several schools combine into one.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = KpiAggregation, required = true)]
    pub aggregation: Option<KpiAggregation>,
    /// Smallest allowed value of a record.
    #[serde(default)]
    pub min_value: Option<f64>,
    /// Largest allowed value of a record.
    #[serde(default)]
    pub max_value: Option<f64>,
    /// Values of this KPI computed from fewer students (or with fewer students on either side
    /// of a rate) are suppressed; `null` uses the district default, `KPI_MIN_CELL_SIZE`.
    #[serde(default)]
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub min_cell_size: Option<i64>,
}

impl DefinitionInput {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        for (field, value) in [("min_value", self.min_value), ("max_value", self.max_value)] {
            if value.is_some_and(|v| !v.is_finite()) {
                extra.push(FieldError::new(
                    field,
                    "invalid",
                    format!("{field} must be a finite number"),
                ));
            }
        }
        if let (Some(min), Some(max)) = (self.min_value, self.max_value) {
            if min > max {
                extra.push(FieldError::new(
                    "max_value",
                    "range_order",
                    "max_value must not be below min_value",
                ));
            }
        }
        check_all(self, extra)
    }
}

/// A metric the district tracks.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192b3c0-0000-7000-8000-000000000101",
    "code": "attendance_rate",
    "name": "Attendance rate",
    "description": "Share of enrolled days attended.",
    "unit": "percent",
    "direction": "higher_is_better",
    "aggregation": "rate",
    "min_value": 0.0,
    "max_value": 100.0,
    "min_cell_size": null,
    "version": 1,
    "created_at": "2026-11-23T00:00:00Z",
    "updated_at": "2026-11-23T00:00:00Z"
}))]
pub struct KpiDefinition {
    /// The definition's id.
    pub id: String,
    /// The KPI's slug; records and targets name the KPI by it.
    pub code: String,
    /// A readable name.
    pub name: String,
    /// What the KPI measures and how; `null` if not written.
    pub description: Option<String>,
    /// The unit values are measured in.
    pub unit: KpiUnit,
    /// Which way is better; `progress` and `on_track` follow it.
    pub direction: KpiDirection,
    /// How values of several schools combine into one.
    pub aggregation: KpiAggregation,
    /// Smallest value a record or target may have; `null`: no lower bound.
    pub min_value: Option<f64>,
    /// Largest value a record or target may have; `null`: no upper bound.
    pub max_value: Option<f64>,
    /// The suppression threshold of this KPI; `null`: the district default (`KPI_MIN_CELL_SIZE`).
    pub min_cell_size: Option<i64>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn stored<T>(value: Option<T>, what: &str, text: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal(format!("stored {what} {text:?} is unknown")))
}

impl TryFrom<DefinitionRow> for KpiDefinition {
    type Error = ApiError;

    fn try_from(row: DefinitionRow) -> Result<Self, ApiError> {
        Ok(KpiDefinition {
            unit: stored(KpiUnit::parse(&row.unit), "unit", &row.unit)?,
            direction: stored(
                KpiDirection::parse(&row.direction),
                "direction",
                &row.direction,
            )?,
            aggregation: stored(
                KpiAggregation::parse(&row.aggregation),
                "aggregation",
                &row.aggregation,
            )?,
            id: row.id,
            code: row.code,
            name: row.name,
            description: row.description,
            min_value: row.min_value,
            max_value: row.max_value,
            min_cell_size: row.min_cell_size,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

platform::sort_enum! {
    /// Order of the catalogue: by `code` (the default), or by time; `-` for descending.
    pub enum DefinitionSort default Code {
        Code => "code": Name;
        CodeDesc => "-code": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /kpi-definitions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DefinitionQuery {
    /// Only KPIs measured in this unit.
    pub unit: Option<KpiUnit>,
    /// Only definitions changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// The KPI catalogue: everyone with `kpi:read` reads it; only administrators change it.
pub struct KpiDefinitions;

impl Resource for KpiDefinitions {
    const TOPIC: Topic = Topic::published("kpi_definition");
    const READ: Scope = Scope::KpiRead;
    const WRITE: Scope = Scope::Admin;

    type Row = DefinitionRow;
    type Input = DefinitionInput;
    type Output = KpiDefinition;
    type Filter = DefinitionQuery;
    type Sort = DefinitionSort;

    fn represent(row: DefinitionRow) -> Result<KpiDefinition, ApiError> {
        KpiDefinition::try_from(row)
    }

    fn writable(row: &DefinitionRow) -> Result<DefinitionInput, ApiError> {
        Ok(DefinitionInput {
            code: Some(row.code.clone()),
            name: Some(row.name.clone()),
            description: row.description.clone(),
            unit: KpiUnit::parse(&row.unit),
            direction: KpiDirection::parse(&row.direction),
            aggregation: KpiAggregation::parse(&row.aggregation),
            min_value: row.min_value,
            max_value: row.max_value,
            min_cell_size: row.min_cell_size,
        })
    }

    fn check(input: &DefinitionInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: DefinitionInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&DefinitionRow>,
        _ctx: &CallerContext,
    ) -> Result<DefinitionRow, ApiError> {
        Ok(DefinitionRow {
            id: stamp.id,
            code: input.code.unwrap_or_default(),
            name: input.name.unwrap_or_default(),
            description: input.description,
            unit: input.unit.unwrap_or(KpiUnit::Count).as_str().to_owned(),
            direction: input
                .direction
                .unwrap_or(KpiDirection::Neutral)
                .as_str()
                .to_owned(),
            aggregation: input
                .aggregation
                .unwrap_or(KpiAggregation::Sum)
                .as_str()
                .to_owned(),
            min_value: input.min_value,
            max_value: input.max_value,
            min_cell_size: input.min_cell_size,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A definition is named by its id or by its code.
    fn authorize(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        pipeline::admin_writes(ctx, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        query: DefinitionQuery,
        page: &PageRequest,
    ) -> Result<Vec<DefinitionRow>, ApiError> {
        Ok(store::page(
            conn,
            query.unit.map(KpiUnit::as_str),
            query.updated_since,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_slugs() {
        assert!(slug("attendance_rate").is_ok());
        assert!(slug("Attendance").is_err());
        assert!(slug("1rate").is_err());
        assert!(slug("a").is_err());
        assert!(slug("rate-2").is_err());
    }
}
