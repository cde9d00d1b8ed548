//! SQL for facilities.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::facilities;
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = facilities, treat_none_as_null = true)]
pub struct FacilityRow {
    pub id: String,
    pub school_id: String,
    pub name: String,
    pub kind: String,
    pub capacity: Option<i32>,
    pub accessibility: Option<String>,
    pub rules: Option<String>,
    pub community_requestable: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(FacilityRow, facilities, name = name);

/// The filters of a page of facilities.
#[derive(Debug, Default)]
pub struct FacilityFilter {
    pub school_id: Option<String>,
    pub kind: Option<String>,
    pub community_requestable: Option<bool>,
}

/// Up to `limit` facilities after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &FacilityFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<FacilityRow>> {
    let mut query = facilities::table
        .select(FacilityRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(school) = &filter.school_id {
        query = query.filter(facilities::school_id.eq(school.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(facilities::kind.eq(kind.clone()));
    }
    if let Some(open) = filter.community_requestable {
        query = query.filter(facilities::community_requestable.eq(open));
    }
    let query = platform::keyset_page!(query, facilities, sort, after);
    query.limit(limit).load(conn)
}

/// Whether any booking names the facility.
pub fn has_bookings(conn: &mut DbConnection, facility: &str) -> QueryResult<bool> {
    use platform::db::schema::facility_bookings;
    diesel::select(diesel::dsl::exists(
        facility_bookings::table.filter(facility_bookings::facility_id.eq(facility)),
    ))
    .get_result(conn)
}
