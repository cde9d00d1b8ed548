//! SQL for procedures and their versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pipeline::history::VersionTable;

use platform::db::keyset::{After, Sort};
use platform::db::schema::procedures;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = procedures, treat_none_as_null = true)]
pub struct ProcedureRow {
    pub id: String,
    pub title: String,
    pub audience: String,
    /// Markdown.
    pub body: String,
    /// Sets, written ",a,b,".
    pub tags: String,
    pub continuum_level_ids: String,
    pub agreement_ids: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(ProcedureRow, procedures, name = title);

/// The filters of a page of procedures.
#[derive(Debug, Default)]
pub struct ProcedureFilter {
    pub audience: Option<String>,
    pub tag: Option<String>,
    pub continuum_level_id: Option<String>,
    pub agreement_id: Option<String>,
}

/// Up to `limit` procedures after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &ProcedureFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<ProcedureRow>> {
    let mut query = procedures::table
        .select(ProcedureRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(audience) = &filter.audience {
        query = query.filter(procedures::audience.eq(audience.clone()));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(procedures::tags.like(format!("%,{tag},%")));
    }
    if let Some(level) = &filter.continuum_level_id {
        query = query.filter(procedures::continuum_level_ids.like(format!("%,{level},%")));
    }
    if let Some(agreement) = &filter.agreement_id {
        query = query.filter(procedures::agreement_ids.like(format!("%,{agreement},%")));
    }
    let query = platform::keyset_page!(query, procedures, title, sort, after);
    query.limit(limit).load(conn)
}

/// The procedure's versions, kept whole (`pipeline::history`).
pub const VERSIONS: VersionTable = VersionTable {
    table: "procedure_versions",
    owner: "procedure_id",
};
