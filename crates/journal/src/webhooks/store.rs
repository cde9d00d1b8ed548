//! SQL for webhook endpoints and their outbox of deliveries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{webhook_deliveries, webhook_endpoints};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    /// The event patterns, space-separated.
    pub events: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub secret: String,
    pub failing_since: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    pub claimed_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

platform::stored_rows!(EndpointRow, webhook_endpoints, name = url);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub seq: i64,
    pub id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    /// When retries began: the event is given up once `WEBHOOK_RETRY_HOURS` have passed since.
    pub retry_from: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub endpoint_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub state: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub retry_from: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// Up to `limit` endpoints after `after` in `sort` order (`SortKey::Name` is the URL).
pub fn page(
    conn: &mut DbConnection,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let query = webhook_endpoints::table
        .select(EndpointRow::as_select())
        .into_boxed::<MultiBackend>();
    let query = platform::keyset_page!(query, webhook_endpoints, url, sort, after);
    query.limit(limit).load(conn)
}

/// Every endpoint's id and event patterns, for the outbox (a paused endpoint still queues).
pub fn listening(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    webhook_endpoints::table
        .select((webhook_endpoints::id, webhook_endpoints::events))
        .load(conn)
}

pub fn insert_delivery(conn: &mut DbConnection, new: &NewDelivery) -> QueryResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// One of an endpoint's deliveries.
pub fn delivery(
    conn: &mut DbConnection,
    endpoint: &str,
    id: &str,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .filter(webhook_deliveries::id.eq(id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// An endpoint's deliveries, newest first: up to `limit` before `before` (a `seq`), of `state`
/// when given.
pub fn deliveries(
    conn: &mut DbConnection,
    endpoint: &str,
    state: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint.to_owned()))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::seq.desc())
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(state) = state {
        query = query.filter(webhook_deliveries::state.eq(state.to_owned()));
    }
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::seq.lt(before));
    }
    query.load(conn)
}

/// Puts a delivery back in its endpoint's queue, to be sent now and retried afresh.
pub fn requeue(conn: &mut DbConnection, seq: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::seq.eq(seq)))
        .set((
            webhook_deliveries::state.eq(PENDING),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::retry_from.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The oldest undelivered event of an endpoint: the only one that may be sent, so events
/// arrive in order.
pub fn head(conn: &mut DbConnection, endpoint: &str) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .filter(webhook_deliveries::state.eq(PENDING))
        .order(webhook_deliveries::seq.asc())
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// The oldest undelivered event of the endpoint `e`: the one its turn waits on.
const HEAD_DUE: &str = "(SELECT d.next_attempt_at FROM webhook_deliveries d \
     WHERE d.endpoint_id = e.id AND d.state = 'pending' ORDER BY d.seq LIMIT 1)";

/// Enabled endpoints whose oldest undelivered event is due, and that no worker holds, the
/// longest waiting first. On PostgreSQL the rows are locked and those another replica is
/// claiming are skipped (`SKIP LOCKED`; `NO KEY UPDATE`, so writers queueing events for them
/// are not held up); SQLite's one writer already keeps claims apart.
pub fn claimable(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let (now1, now2, lim, lock) = match postgres {
        true => ("$1", "$2", "$3", " FOR NO KEY UPDATE OF e SKIP LOCKED"),
        false => ("?", "?", "?", ""),
    };
    let sql = format!(
        "SELECT e.id FROM webhook_endpoints e \
         WHERE e.enabled AND (e.claimed_until IS NULL OR e.claimed_until < {now1}) \
         AND {HEAD_DUE} <= {now2} \
         ORDER BY {HEAD_DUE}, e.id LIMIT {lim}{lock}"
    );
    let rows: Vec<Candidate> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)?;
    Ok(rows.into_iter().map(|c| c.id).collect())
}

/// Whether `worker` still holds the lease on `endpoint` (a lease that lapsed may have been
/// taken by another worker, whose record of the event wins).
pub fn holds(conn: &mut DbConnection, endpoint: &str, worker: &str) -> QueryResult<bool> {
    let holder: Option<Option<String>> = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(endpoint))
        .select(webhook_endpoints::claimed_by)
        .first(conn)
        .optional()?;
    Ok(holder.flatten().as_deref() == Some(worker))
}

/// Takes the lease on an endpoint until `until`.
pub fn lease(
    conn: &mut DbConnection,
    endpoint: &str,
    worker: &str,
    until: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(endpoint)))
        .set((
            webhook_endpoints::claimed_until.eq(until),
            webhook_endpoints::claimed_by.eq(worker),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Gives the lease back, if this worker still holds it.
pub fn release(conn: &mut DbConnection, endpoint: &str, worker: &str) -> QueryResult<()> {
    diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(endpoint))
            .filter(webhook_endpoints::claimed_by.eq(worker)),
    )
    .set((
        webhook_endpoints::claimed_until.eq(None::<NaiveDateTime>),
        webhook_endpoints::claimed_by.eq(None::<String>),
    ))
    .execute(conn)
    .map(|_| ())
}

/// What one attempt did to a delivery.
pub struct Attempt<'a> {
    pub state: &'a str,
    /// When this event's retries began (its first attempt, or its redelivery).
    pub retry_from: NaiveDateTime,
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    pub next_attempt_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

pub fn record_attempt(conn: &mut DbConnection, seq: i64, attempt: &Attempt) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::seq.eq(seq)))
        .set((
            webhook_deliveries::state.eq(attempt.state),
            webhook_deliveries::retry_from.eq(attempt.retry_from),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_status.eq(attempt.status),
            webhook_deliveries::last_error.eq(attempt.error),
            webhook_deliveries::next_attempt_at.eq(attempt.next_attempt_at),
            webhook_deliveries::delivered_at.eq(attempt.delivered_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Marks an endpoint failing with `error`, or healthy again (`None`), as a new version when
/// that changes what readers see.
pub fn set_health(
    conn: &mut DbConnection,
    endpoint: &str,
    error: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let current: Option<(Option<NaiveDateTime>, Option<String>)> = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(endpoint))
        .select((
            webhook_endpoints::failing_since,
            webhook_endpoints::last_error,
        ))
        .first(conn)
        .optional()?;
    let Some((failing_since, last_error)) = current else {
        return Ok(());
    };
    let target = webhook_endpoints::table.filter(webhook_endpoints::id.eq(endpoint));
    match error {
        None if failing_since.is_some() => diesel::update(target)
            .set((
                webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                webhook_endpoints::version.eq(webhook_endpoints::version + 1),
                webhook_endpoints::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ()),
        None => Ok(()),
        Some(error) if failing_since.is_some() && last_error.as_deref() == Some(error) => Ok(()),
        Some(error) => diesel::update(target)
            .set((
                webhook_endpoints::failing_since.eq(failing_since.unwrap_or(now)),
                webhook_endpoints::last_error.eq(error),
                webhook_endpoints::last_error_at.eq(now),
                webhook_endpoints::version.eq(webhook_endpoints::version + 1),
                webhook_endpoints::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ()),
    }
}

/// Undelivered events, by state (`pending`, `failed`), for the metrics.
pub fn backlog(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::state.ne(DELIVERED))
        .group_by(webhook_deliveries::state)
        .select((webhook_deliveries::state, diesel::dsl::count_star()))
        .load(conn)
}

/// How many enabled endpoints are failing, for the metrics.
pub fn failing(conn: &mut DbConnection) -> QueryResult<i64> {
    webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .filter(webhook_endpoints::failing_since.is_not_null())
        .count()
        .get_result(conn)
}

/// Forgets delivered events older than `cutoff`; how many went.
pub fn purge_delivered(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(DELIVERED))
            .filter(webhook_deliveries::created_at.lt(cutoff)),
    )
    .execute(conn)
}
