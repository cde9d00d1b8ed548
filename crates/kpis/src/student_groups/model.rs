//! Student groups: their wire types and rules. Everyone with `kpi:read` reads the catalogue;
//! only administrators change it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, GroupFilter, GroupRow};
use crate::kpi_definitions::model::any_slug;
use auth::Scope;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource};
use platform::db::{DbConnection, Stamp, Stored};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;
use privacy::Partition;

/// The writable fields of a student group.
///
/// Across fields: `part_of` and `dimension` go together; `part_of` names an existing group, never
/// the group itself or one of its parts; `code` never changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "ell", "name": "English learners", "part_of": "all",
    "dimension": "english_learner"}))]
pub struct GroupInput {
    /// A stable slug; unique. Records and targets name their group by it. It cannot change.
    #[serde(default)]
    #[validate(required, custom(function = "any_slug"))]
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
    /// The code of the group this one is a part of. The groups that share `part_of` and
    /// `dimension` together make up `part_of`: `ell` and `non_ell` make up `all`. Set with
    /// `dimension`, or neither.
    #[serde(default)]
    #[validate(custom(function = "any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub part_of: Option<String>,
    /// What splits `part_of` into this group and its siblings (`grade`, `english_learner`).
    #[serde(default)]
    #[validate(custom(function = "any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub dimension: Option<String>,
}

impl GroupInput {
    fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if self.part_of.is_some() != self.dimension.is_some() {
            extra.push(FieldError::new(
                "dimension",
                "part_of_and_dimension",
                "part_of and dimension go together: set both, or neither",
            ));
        }
        if self.part_of.is_some() && self.part_of == self.code {
            extra.push(FieldError::new(
                "part_of",
                "part_of_itself",
                "a group cannot be a part of itself",
            ));
        }
        check_all(self, extra)
    }
}

/// A student group KPI records and targets may be reported for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192b3c0-0000-7000-8000-000000000116",
    "code": "ell",
    "name": "English learners",
    "part_of": "all",
    "dimension": "english_learner",
    "version": 1,
    "created_at": "2026-12-01T00:00:00Z",
    "updated_at": "2026-12-01T00:00:00Z"
}))]
pub struct StudentGroup {
    /// The group's id.
    pub id: String,
    /// The group's slug; records and targets name the group by it. It never changes.
    pub code: String,
    /// A readable name.
    pub name: String,
    /// The group this one is a part of, with its siblings of the same `dimension`.
    pub part_of: Option<String>,
    /// What splits `part_of` into this group and its siblings; `null` exactly when `part_of` is.
    pub dimension: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When it was added (UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<GroupRow> for StudentGroup {
    fn from(row: GroupRow) -> Self {
        StudentGroup {
            id: row.id,
            code: row.code,
            name: row.name,
            part_of: row.part_of,
            dimension: row.dimension,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

platform::sort_enum! {
    /// Order of the catalogue: by `code` (the default), or by time; `-` for descending.
    pub enum GroupSort default Code {
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

/// The filters of `GET /student-groups`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// Only the parts of this group (code).
    pub part_of: Option<String>,
    /// Only groups of this dimension (such as `grade` or `english_learner`).
    pub dimension: Option<String>,
    /// Only groups changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// The partitions a catalogue declares, one per (`part_of`, `dimension`).
pub fn partitions(groups: &[GroupRow]) -> Vec<Partition> {
    let mut by_key: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for g in groups {
        if let (Some(whole), Some(dimension)) = (&g.part_of, &g.dimension) {
            by_key
                .entry((whole.as_str(), dimension.as_str()))
                .or_default()
                .push(g.code.clone());
        }
    }
    by_key
        .into_iter()
        .map(|((whole, _), parts)| Partition {
            whole: whole.to_owned(),
            parts,
        })
        .collect()
}

pub struct StudentGroups;

impl Resource for StudentGroups {
    const TOPIC: Topic = Topic::published("student_group");
    const READ: Scope = Scope::KpiRead;
    const WRITE: Scope = Scope::Admin;

    type Row = GroupRow;
    type Input = GroupInput;
    type Output = StudentGroup;
    type Filter = GroupQuery;
    type Sort = GroupSort;

    fn represent(row: GroupRow) -> Result<StudentGroup, ApiError> {
        Ok(StudentGroup::from(row))
    }

    fn writable(row: &GroupRow) -> Result<GroupInput, ApiError> {
        Ok(GroupInput {
            code: Some(row.code.clone()),
            name: Some(row.name.clone()),
            part_of: row.part_of.clone(),
            dimension: row.dimension.clone(),
        })
    }

    fn check(input: &GroupInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: GroupInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&GroupRow>,
        _ctx: &CallerContext,
    ) -> Result<GroupRow, ApiError> {
        Ok(GroupRow {
            id: stamp.id,
            code: input.code.unwrap_or_default(),
            name: input.name.unwrap_or_default(),
            part_of: input.part_of,
            dimension: input.dimension,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A group is named by its id or by its code.
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
        query: GroupQuery,
        page: &PageRequest,
    ) -> Result<Vec<GroupRow>, ApiError> {
        let filter = GroupFilter {
            part_of: query.part_of,
            dimension: query.dimension,
            updated_since: query.updated_since,
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The code is what records name; the group it is part of exists, and following `part_of`
    /// from it never comes back to this group.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        before: Option<&GroupRow>,
        after: &GroupRow,
    ) -> Result<(), ApiError> {
        if before.is_some_and(|b| b.code != after.code) {
            return Err(ApiError::field(
                "code",
                "immutable",
                "a group's code cannot change: records and targets name the group by it",
            ));
        }
        let mut next = after.part_of.clone();
        let mut steps = 0;
        while let Some(code) = next {
            let Some(parent) = <store::GroupRow as Stored>::find_key(conn, &code)? else {
                return Err(ApiError::field(
                    "part_of",
                    "unknown_student_group",
                    format!("no student group has the code {code:?}"),
                ));
            };
            steps += 1;
            if parent.code == after.code || steps > 64 {
                return Err(ApiError::field(
                    "part_of",
                    "part_of_cycle",
                    "following part_of from this group comes back to it",
                ));
            }
            next = parent.part_of;
        }
        Ok(())
    }

    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &GroupRow,
    ) -> Result<(), ApiError> {
        if store::in_use(conn, &row.code)? {
            return Err(ApiError::Conflict(format!(
                "KPI records, targets or other groups use the student group {:?}",
                row.code
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(code: &str, part_of: Option<&str>, dimension: Option<&str>) -> GroupRow {
        let at = chrono::NaiveDateTime::default();
        GroupRow {
            id: code.to_owned(),
            code: code.to_owned(),
            name: code.to_owned(),
            part_of: part_of.map(str::to_owned),
            dimension: dimension.map(str::to_owned),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn siblings_of_one_dimension_make_a_partition() {
        let groups = [
            group("all", None, None),
            group("ell", Some("all"), Some("english_learner")),
            group("non_ell", Some("all"), Some("english_learner")),
            group("grade_09", Some("all"), Some("grade")),
            group("program_participants", None, None),
        ];
        let found = partitions(&groups);
        assert_eq!(found.len(), 2);
        assert!(found.contains(&Partition {
            whole: "all".into(),
            parts: vec!["ell".into(), "non_ell".into()],
        }));
        assert!(found.contains(&Partition {
            whole: "all".into(),
            parts: vec!["grade_09".into()],
        }));
    }

    #[test]
    fn part_of_and_dimension_go_together() {
        let input = GroupInput {
            code: Some("ell".into()),
            name: Some("English learners".into()),
            part_of: Some("all".into()),
            dimension: None,
        };
        assert!(input.check().is_err());
        let itself = GroupInput {
            part_of: Some("ell".into()),
            dimension: Some("x_dim".into()),
            ..input.clone()
        };
        assert!(itself.check().is_err());
        let fine = GroupInput {
            dimension: Some("english_learner".into()),
            ..input
        };
        assert!(fine.check().is_ok());
    }
}
