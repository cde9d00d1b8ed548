use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, SchoolFilter, SchoolRow};
use auth::Scope;
use journal::Topic;
use pipeline::{CallerContext, Collection, Resource};
use platform::address::Address;
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// A grade level, from pre-kindergarten to grade 12.
    pub enum GradeLevel {
        PreKindergarten => "PK",
        Kindergarten => "KG",
        Grade01 => "01",
        Grade02 => "02",
        Grade03 => "03",
        Grade04 => "04",
        Grade05 => "05",
        Grade06 => "06",
        Grade07 => "07",
        Grade08 => "08",
        Grade09 => "09",
        Grade10 => "10",
        Grade11 => "11",
        Grade12 => "12",
    }
}

/// The writable fields of a school (POST and PUT bodies; PATCH merges into this shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Richmond Middle School",
    "external_id": "SIS-0412",
    "nces_id": "230000600123",
    "state_id": "ME-1234",
    "address": {"line1": "28 High Street", "city": "Richmond", "region": "ME", "postal_code": "04357", "country": "US"},
    "lowest_grade": "06",
    "highest_grade": "08",
    "active": true
}))]
/// Across fields: `highest_grade` is not below `lowest_grade`.
pub struct SchoolInput {
    /// The school's name: required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// The district's own id for the school (SIS id); unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
    /// NCES school id: 12 digits; unique.
    #[serde(default)]
    #[validate(custom(function = "nces_school_id"))]
    #[schema(pattern = "^[0-9]{12}$")]
    pub nces_id: Option<String>,
    /// State school id; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 50), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 50,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub state_id: Option<String>,
    /// The school's postal address; absent or `null` leaves every line empty.
    #[serde(default, deserialize_with = "platform::http::text::optional_object")]
    #[validate(nested)]
    pub address: Option<Address>,
    /// The lowest grade taught (`PK`, `KG`, `01` … `12`).
    #[serde(default)]
    pub lowest_grade: Option<GradeLevel>,
    /// The highest grade taught; not below `lowest_grade` (else 422 `grade_span`).
    #[serde(default)]
    pub highest_grade: Option<GradeLevel>,
    /// Defaults to true.
    #[serde(default)]
    pub active: Option<bool>,
}

fn nces_school_id(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("nces_id");
        e.message = Some("nces_id must be the 12-digit NCES school id".into());
        Err(e)
    }
}

impl SchoolInput {
    /// Every rule at once: field checks and the grade span.
    pub fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let (Some(low), Some(high)) = (self.lowest_grade, self.highest_grade) {
            if low > high {
                extra.push(FieldError::new(
                    "highest_grade",
                    "grade_span",
                    "highest_grade must not be below lowest_grade",
                ));
            }
        }
        check_all(self, extra)
    }
}

/// A school of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "name": "Richmond Middle School",
    "external_id": "SIS-0412",
    "nces_id": "230000600123",
    "state_id": "ME-1234",
    "address": {"line1": "28 High Street", "line2": null, "city": "Richmond", "region": "ME", "postal_code": "04357", "country": "US"},
    "lowest_grade": "06",
    "highest_grade": "08",
    "active": true,
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct School {
    /// The school's id (a UUID), assigned by the server.
    pub id: String,
    /// The school's name.
    pub name: String,
    /// The district's own id for the school (SIS id, OneRoster `sourcedId`); `null` if unset.
    pub external_id: Option<String>,
    /// The 12-digit NCES school id; `null` if unset.
    pub nces_id: Option<String>,
    /// The state's id for the school; `null` if unset.
    pub state_id: Option<String>,
    /// The school's postal address; lines not given are `null`.
    pub address: Address,
    /// The lowest grade taught; `null` if unset.
    pub lowest_grade: Option<GradeLevel>,
    /// The highest grade taught; `null` if unset.
    pub highest_grade: Option<GradeLevel>,
    /// Whether the school is in use; inactive schools are kept for history.
    pub active: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the school was created (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the school last changed (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

fn grade(text: Option<&str>) -> Result<Option<GradeLevel>, ApiError> {
    text.map(|t| {
        GradeLevel::parse(t)
            .ok_or_else(|| ApiError::Internal(format!("stored grade {t:?} is unknown")))
    })
    .transpose()
}

impl TryFrom<SchoolRow> for School {
    type Error = ApiError;

    fn try_from(row: SchoolRow) -> Result<Self, ApiError> {
        Ok(School {
            lowest_grade: grade(row.lowest_grade.as_deref())?,
            highest_grade: grade(row.highest_grade.as_deref())?,
            address: Address::from_columns([
                row.address_line1,
                row.address_line2,
                row.city,
                row.region,
                row.postal_code,
                row.country,
            ]),
            id: row.id,
            name: row.name,
            external_id: row.external_id,
            nces_id: row.nces_id,
            state_id: row.state_id,
            active: row.active,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// The filters of `GET /schools`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    /// Search in the name, ignoring case and accents.
    pub q: Option<String>,
    /// Only active (`true`) or only inactive (`false`) schools; both when absent.
    pub active: Option<bool>,
    /// Only the school with this district (SIS) id, matched exactly.
    pub external_id: Option<String>,
    /// Only schools changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Schools: everyone with `schools:read` reads them all.
pub struct Schools;

impl Resource for Schools {
    const TOPIC: Topic = Topic::published("school");
    const READ: Scope = Scope::SchoolsRead;
    const WRITE: Scope = Scope::SchoolsWrite;

    type Row = SchoolRow;
    type Input = SchoolInput;
    type Output = School;
    type Filter = SchoolQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: SchoolRow) -> Result<School, ApiError> {
        School::try_from(row)
    }

    fn writable(row: &SchoolRow) -> Result<SchoolInput, ApiError> {
        let s = School::try_from(row.clone())?;
        Ok(SchoolInput {
            name: Some(s.name),
            external_id: s.external_id,
            nces_id: s.nces_id,
            state_id: s.state_id,
            address: Some(s.address),
            lowest_grade: s.lowest_grade,
            highest_grade: s.highest_grade,
            active: Some(s.active),
        })
    }

    fn check(input: &SchoolInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: SchoolInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&SchoolRow>,
        _ctx: &CallerContext,
    ) -> Result<SchoolRow, ApiError> {
        Ok(row_from(input, stamp))
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _place: &Collection,
        query: SchoolQuery,
        page: &PageRequest,
    ) -> Result<Vec<SchoolRow>, ApiError> {
        let filter = SchoolFilter {
            q: query.q,
            active: query.active,
            external_id: query.external_id,
            updated_since: query.updated_since,
        };
        Ok(store::list(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }
}

/// The row `input` describes, with the identity and bookkeeping of `stamp`.
pub fn row_from(input: SchoolInput, stamp: Stamp) -> SchoolRow {
    let [address_line1, address_line2, city, region, postal_code, country] =
        input.address.unwrap_or_default().into_columns();
    SchoolRow {
        id: stamp.id,
        external_id: input.external_id,
        nces_id: input.nces_id,
        state_id: input.state_id,
        search_key: platform::db::search::search_form(input.name.as_deref().unwrap_or_default()),
        name: input.name.unwrap_or_default(),
        address_line1,
        address_line2,
        city,
        region,
        postal_code,
        country,
        lowest_grade: input.lowest_grade.map(|g| g.as_str().to_owned()),
        highest_grade: input.highest_grade.map(|g| g.as_str().to_owned()),
        active: input.active.unwrap_or(true),
        version: stamp.version,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> SchoolInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn reports_every_problem_at_once() {
        let Err(ApiError::Validation(errors)) = input(serde_json::json!({
            "name": "  ", "nces_id": "12", "lowest_grade": "05", "highest_grade": "KG"
        }))
        .check() else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["highest_grade", "name", "nces_id"]);
    }

    #[test]
    fn grade_levels_order_from_pre_k_to_12() {
        assert!(GradeLevel::PreKindergarten < GradeLevel::Kindergarten);
        assert!(GradeLevel::Grade09 < GradeLevel::Grade12);
    }
}
