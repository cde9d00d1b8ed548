//! SQL for communication plans.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{agreement_partners, committee_members, communication_plans};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = communication_plans, treat_none_as_null = true)]
pub struct PlanRow {
    pub id: String,
    pub title: String,
    pub school_id: Option<String>,
    pub agreement_id: Option<String>,
    pub committee_id: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The lists and the evaluation, as JSON.
    pub goals: String,
    pub audiences: String,
    pub channels: String,
    pub tasks: String,
    pub targets: String,
    pub evaluation: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(PlanRow, communication_plans, name = title);

/// The filters of a page of plans.
#[derive(Debug, Default)]
pub struct PlanFilter {
    pub school_id: Option<String>,
    pub agreement_id: Option<String>,
    pub committee_id: Option<String>,
    /// Only plans of the district (neither school nor agreement): `Some(true)`; only the
    /// others: `Some(false)`.
    pub district: Option<bool>,
    /// Only plans this partner sees: of its agreements, or of committees it sits on (with a
    /// seat that has not ended on `.1`).
    pub partner: Option<(String, NaiveDate)>,
}

/// Up to `limit` plans after `after` in `sort` order.
pub fn page(
    conn: &mut DbConnection,
    filter: &PlanFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<PlanRow>> {
    let mut query = communication_plans::table
        .select(PlanRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(school) = &filter.school_id {
        query = query.filter(communication_plans::school_id.eq(school.clone()));
    }
    if let Some(agreement) = &filter.agreement_id {
        query = query.filter(communication_plans::agreement_id.eq(agreement.clone()));
    }
    if let Some(committee) = &filter.committee_id {
        query = query.filter(communication_plans::committee_id.eq(committee.clone()));
    }
    match filter.district {
        Some(true) => {
            query = query
                .filter(communication_plans::school_id.is_null())
                .filter(communication_plans::agreement_id.is_null());
        }
        Some(false) => {
            query = query.filter(
                communication_plans::school_id
                    .is_not_null()
                    .or(communication_plans::agreement_id.is_not_null()),
            );
        }
        None => {}
    }
    if let Some((partner, today)) = &filter.partner {
        query = query.filter(
            communication_plans::agreement_id
                .eq_any(
                    agreement_partners::table
                        .filter(agreement_partners::partner_id.eq(partner.clone()))
                        .select(agreement_partners::agreement_id.nullable()),
                )
                .or(communication_plans::committee_id.eq_any(
                    committee_members::table
                        .filter(committee_members::partner_id.eq(partner.clone()))
                        .filter(committee_members::term_start.le(*today))
                        .filter(
                            committee_members::term_end
                                .is_null()
                                .or(committee_members::term_end.ge(*today)),
                        )
                        .select(committee_members::committee_id),
                )),
        );
    }
    let query = platform::keyset_page!(query, communication_plans, title, sort, after);
    query.limit(limit).load(conn)
}

/// Every plan's id, title and tasks (JSON), for the dashboard (a district has tens of plans).
pub fn all_tasks(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    communication_plans::table
        .order(communication_plans::id.asc())
        .select((
            communication_plans::id,
            communication_plans::title,
            communication_plans::tasks,
        ))
        .load(conn)
}
