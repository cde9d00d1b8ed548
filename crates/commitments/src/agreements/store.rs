//! SQL for agreements, their partners and schools, versions and transitions.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use pipeline::history::VersionTable;

use pipeline::Stored;
use platform::db::keyset::{After, KeyValue, Keyed, Sort, SortKey};
use platform::db::schema::{
    agreement_partners, agreement_schools, agreement_transitions, agreements,
};
use platform::db::search;
use platform::db::{DbConnection, MultiBackend, Stamp};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agreements, treat_none_as_null = true)]
pub struct AgreementRow {
    pub id: String,
    pub external_id: Option<String>,
    pub title: String,
    pub lead_partner_id: String,
    pub liaison_user_id: Option<String>,
    pub purpose: Option<String>,
    pub shared_vision: Option<String>,
    pub desired_outcomes: String,
    pub contributions: String,
    pub processes: Option<String>,
    pub communication_channels: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub review_cadence: String,
    pub involves_students: bool,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The name as `q` searches it (see `db::search`).
    pub search_key: String,
}

impl Keyed for AgreementRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn key(&self, key: SortKey) -> KeyValue {
        match key {
            SortKey::Id | SortKey::Rank | SortKey::Date => KeyValue::Id,
            SortKey::Name => KeyValue::Text(self.title.clone()),
            SortKey::CreatedAt => KeyValue::Time(self.created_at),
            SortKey::UpdatedAt => KeyValue::Time(self.updated_at),
        }
    }
}

/// A stored agreement with its partners (other than the lead) and schools: what the pipeline
/// reads, locks and writes as one.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementWithParties {
    pub row: AgreementRow,
    pub others: Vec<String>,
    pub schools: Vec<String>,
}

impl Keyed for AgreementWithParties {
    fn id(&self) -> &str {
        &self.row.id
    }

    fn key(&self, key: SortKey) -> KeyValue {
        self.row.key(key)
    }
}

impl Stored for AgreementWithParties {
    fn stamp(&self) -> Stamp {
        Stamp {
            id: self.row.id.clone(),
            version: self.row.version,
            created_at: self.row.created_at,
            updated_at: self.row.updated_at,
        }
    }

    fn version(&self) -> i64 {
        self.row.version
    }

    fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Self>> {
        let Some(row) = find(conn, id, None)? else {
            return Ok(None);
        };
        Ok(load_many(conn, vec![row])?.pop())
    }

    fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
        diesel::update(agreements::table.filter(agreements::id.eq(id)))
            .set(agreements::version.eq(agreements::version))
            .execute(conn)
            .map(|n| n == 1)
    }

    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()> {
        diesel::insert_into(agreements::table)
            .values(&self.row)
            .execute(conn)?;
        self.save_links(conn)
    }

    fn update(&self, conn: &mut DbConnection, expected_version: i64) -> QueryResult<bool> {
        let updated = diesel::update(
            agreements::table
                .filter(agreements::id.eq(&self.row.id))
                .filter(agreements::version.eq(expected_version)),
        )
        .set(&self.row)
        .execute(conn)?;
        if updated == 1 {
            self.save_links(conn)?;
        }
        Ok(updated == 1)
    }

    fn delete(conn: &mut DbConnection, id: &str, expected_version: i64) -> QueryResult<bool> {
        diesel::delete(
            agreements::table
                .filter(agreements::id.eq(id))
                .filter(agreements::version.eq(expected_version)),
        )
        .execute(conn)
        .map(|n| n == 1)
    }
}

impl AgreementWithParties {
    fn save_links(&self, conn: &mut DbConnection) -> QueryResult<()> {
        set_partners(conn, &self.row.id, &self.row.lead_partner_id, &self.others)?;
        set_schools(conn, &self.row.id, &self.schools)
    }
}

/// Loads agreements with their partners and schools (two queries for any number).
pub fn load_many(
    conn: &mut DbConnection,
    rows: Vec<AgreementRow>,
) -> QueryResult<Vec<AgreementWithParties>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (agreement, partner, is_lead) in partners_of(conn, &ids)? {
        if !is_lead {
            others.entry(agreement).or_default().push(partner);
        }
    }
    let mut schools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (agreement, school) in schools_of(conn, &ids)? {
        schools.entry(agreement).or_default().push(school);
    }
    Ok(rows
        .into_iter()
        .map(|row| AgreementWithParties {
            others: others.remove(&row.id).unwrap_or_default(),
            schools: schools.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// How many of `ids` are partners (an agreement's references must exist).
pub fn count_partners(conn: &mut DbConnection, ids: &[String]) -> QueryResult<i64> {
    use platform::db::schema::partners;
    partners::table
        .filter(partners::id.eq_any(ids))
        .count()
        .get_result(conn)
}

/// How many of `ids` are schools.
pub fn count_schools(conn: &mut DbConnection, ids: &[String]) -> QueryResult<i64> {
    use platform::db::schema::schools;
    schools::table
        .filter(schools::id.eq_any(ids))
        .count()
        .get_result(conn)
}

pub fn user_exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    use platform::db::schema::users;
    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)
}

/// Which agreements a caller may see: all, or (partner role) those its partner is part of.
pub type Visibility<'a> = Option<&'a str>;

/// `agreements.id IN (agreements of this partner)`.
macro_rules! of_partner {
    ($partner:expr) => {
        agreements::id.eq_any(
            agreement_partners::table
                .filter(agreement_partners::partner_id.eq($partner.to_owned()))
                .select(agreement_partners::agreement_id),
        )
    };
}

#[derive(Debug, Default)]
pub struct AgreementFilter {
    pub q: Option<String>,
    /// Stored statuses to match, with an end-date condition for active/expired.
    pub status: Option<StatusFilter>,
    pub partner_id: Option<String>,
    pub lead_partner_id: Option<String>,
    pub school_id: Option<String>,
    pub external_id: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// A status as readers see it, in SQL terms.
#[derive(Debug, Clone)]
pub enum StatusFilter {
    Stored(&'static str),
    /// Stored active, end date not passed.
    ActiveOn(NaiveDate),
    /// Stored active, end date passed.
    ExpiredOn(NaiveDate),
}

pub fn list(
    conn: &mut DbConnection,
    visible: Visibility,
    filter: &AgreementFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<AgreementRow>> {
    let mut query = agreements::table
        .select(AgreementRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(partner) = visible {
        query = query.filter(of_partner!(partner));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            agreements::search_key
                .like(search::contains(q))
                .escape('\\'),
        );
    }
    match &filter.status {
        Some(StatusFilter::Stored(s)) => query = query.filter(agreements::status.eq(*s)),
        Some(StatusFilter::ActiveOn(today)) => {
            query = query
                .filter(agreements::status.eq("active"))
                .filter(agreements::end_date.ge(*today))
        }
        Some(StatusFilter::ExpiredOn(today)) => {
            query = query
                .filter(agreements::status.eq("active"))
                .filter(agreements::end_date.lt(*today))
        }
        None => {}
    }
    if let Some(partner) = &filter.partner_id {
        query = query.filter(of_partner!(partner));
    }
    if let Some(lead) = &filter.lead_partner_id {
        query = query.filter(agreements::lead_partner_id.eq(lead.clone()));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(
            agreements::id.eq_any(
                agreement_schools::table
                    .filter(agreement_schools::school_id.eq(school.clone()))
                    .select(agreement_schools::agreement_id),
            ),
        );
    }
    if let Some(external_id) = &filter.external_id {
        query = query.filter(agreements::external_id.eq(external_id.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(agreements::updated_at.ge(since.naive_utc()));
    }
    let query = platform::keyset_page!(query, agreements, title, sort, after);
    query.limit(limit).load(conn)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    visible: Visibility,
) -> QueryResult<Option<AgreementRow>> {
    let mut query = agreements::table
        .filter(agreements::id.eq(id.to_owned()))
        .select(AgreementRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(partner) = visible {
        query = query.filter(of_partner!(partner));
    }
    query.first(conn).optional()
}

/// Replaces the partners (lead first) of an agreement.
pub fn set_partners(
    conn: &mut DbConnection,
    agreement_id: &str,
    lead: &str,
    others: &[String],
) -> QueryResult<()> {
    diesel::delete(
        agreement_partners::table.filter(agreement_partners::agreement_id.eq(agreement_id)),
    )
    .execute(conn)?;
    // One row at a time: the multi-backend connection has no multi-row insert, and an
    // agreement has a handful of partners.
    let lead = std::iter::once((lead, true));
    for (partner, is_lead) in lead.chain(others.iter().map(|o| (o.as_str(), false))) {
        diesel::insert_into(agreement_partners::table)
            .values((
                agreement_partners::agreement_id.eq(agreement_id),
                agreement_partners::partner_id.eq(partner),
                agreement_partners::is_lead.eq(is_lead),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_schools(
    conn: &mut DbConnection,
    agreement_id: &str,
    schools: &[String],
) -> QueryResult<()> {
    diesel::delete(
        agreement_schools::table.filter(agreement_schools::agreement_id.eq(agreement_id)),
    )
    .execute(conn)?;
    for school in schools {
        diesel::insert_into(agreement_schools::table)
            .values((
                agreement_schools::agreement_id.eq(agreement_id),
                agreement_schools::school_id.eq(school),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (agreement id, partner id, is lead) for the given agreements.
pub fn partners_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, bool)>> {
    agreement_partners::table
        .filter(agreement_partners::agreement_id.eq_any(ids))
        .select((
            agreement_partners::agreement_id,
            agreement_partners::partner_id,
            agreement_partners::is_lead,
        ))
        .order((
            agreement_partners::agreement_id,
            agreement_partners::partner_id,
        ))
        .load(conn)
}

/// (agreement id, school id) for the given agreements.
pub fn schools_of(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    agreement_schools::table
        .filter(agreement_schools::agreement_id.eq_any(ids))
        .select((
            agreement_schools::agreement_id,
            agreement_schools::school_id,
        ))
        .order((
            agreement_schools::agreement_id,
            agreement_schools::school_id,
        ))
        .load(conn)
}

/// The agreement's versions, kept whole (`pipeline::history`).
pub const VERSIONS: VersionTable = VersionTable {
    table: "agreement_versions",
    owner: "agreement_id",
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_transitions)]
pub struct TransitionRow {
    pub id: String,
    pub agreement_id: String,
    pub from_status: String,
    pub to_status: String,
    pub note: Option<String>,
    pub actor_id: String,
    pub actor_role: String,
    pub occurred_at: NaiveDateTime,
}

pub fn insert_transition(conn: &mut DbConnection, row: &TransitionRow) -> QueryResult<()> {
    diesel::insert_into(agreement_transitions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn transitions(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Vec<TransitionRow>> {
    agreement_transitions::table
        .filter(agreement_transitions::agreement_id.eq(agreement_id))
        .order(agreement_transitions::id.asc())
        .select(TransitionRow::as_select())
        .load(conn)
}
