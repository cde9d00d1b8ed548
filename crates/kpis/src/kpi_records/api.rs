//! Routes for `/kpi-records`: the bulk batch endpoint and the filtered read (JSON pages or a
//! streamed CSV export), with small cells suppressed.

use std::collections::{BTreeSet, HashSet};
use std::io::{Seek, Write};

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ingest::{self, BatchMode, BatchOutcome, Format, Ingest};
use super::store::{self, FamilyKey, RecordFilter, RecordRow};
use super::suppression::CellJudge;
use auth::{Caller, Role, Scope};
use journal::audit;
use platform::db::keyset::{After, ListSort, Sort};
use platform::db::{self, write_transaction, DbConnection, DbPool};
use platform::error::{ApiError, FieldError};
use platform::http::negotiate;
use platform::http::paging::{self, PageRequest};
use platform::http::text::inert;
use platform::settings::Policy;
use privacy::Suppression;

/// One aggregate value: a KPI for a school (and optionally an agreement), a student group and
/// a period. For tokens without `kpi:read_small_cells`, `value`, `n`, `numerator` and
/// `denominator` are `null` with `suppressed: true` when the record is too small (fewer
/// students than the KPI's threshold, `KPI_MIN_CELL_SIZE` by default), too extreme (fewer
/// than the threshold counted, or not counted, in a rate), or could give a hidden record of
/// the same KPI, school, agreement and period away by subtraction.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0aca",
    "kpi_code": "attendance_rate",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a2c",
    "agreement_id": null,
    "student_group": "all",
    "period_start": "2026-09-01",
    "period_end": "2026-09-30",
    "value": 93.4,
    "n": 412,
    "numerator": 7702.0,
    "denominator": 8246.0,
    "suppressed": false,
    "source": "sis-nightly",
    "version": 1,
    "created_at": "2026-10-01T06:00:12.318452Z",
    "updated_at": "2026-10-01T06:00:12.318452Z"
}))]
pub struct KpiRecord {
    /// The record's id.
    pub id: String,
    /// The KPI's code.
    pub kpi_code: String,
    /// The school the value is about.
    pub school_id: String,
    /// The agreement it was reported under; `null` for a school's own figures.
    pub agreement_id: Option<String>,
    /// The student group's code.
    pub student_group: String,
    /// First day of the period the value covers.
    pub period_start: NaiveDate,
    /// Last day of the period the value covers.
    pub period_end: NaiveDate,
    /// The value, in the KPI's unit; `null` when suppressed.
    pub value: Option<f64>,
    /// Students in the group; `null` when suppressed.
    pub n: Option<i64>,
    /// For rates, the count on top; `null` when not given or suppressed.
    pub numerator: Option<f64>,
    /// For rates, the base; `null` when not given or suppressed.
    pub denominator: Option<f64>,
    /// Whether `value`, `n`, `numerator` and `denominator` are hidden from this caller.
    pub suppressed: bool,
    /// Where the value came from, as pushed; `null` if not given.
    pub source: Option<String>,
    /// 1 when first pushed; up by one each time a push changes the record.
    pub version: i64,
    /// When the record was first pushed (UTC).
    pub created_at: DateTime<Utc>,
    /// When a push last changed it (UTC).
    pub updated_at: DateTime<Utc>,
}

impl KpiRecord {
    fn from_row(row: RecordRow, hidden: bool) -> Self {
        let shown = |v: Option<f64>| v.filter(|_| !hidden);
        KpiRecord {
            value: shown(Some(row.value)),
            n: (!hidden).then_some(row.n),
            numerator: shown(row.numerator),
            denominator: shown(row.denominator),
            suppressed: hidden,
            id: row.id,
            kpi_code: row.kpi_code,
            school_id: row.school_id,
            agreement_id: row.agreement_id,
            student_group: row.student_group,
            period_start: row.period_start,
            period_end: row.period_end,
            source: row.source,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// Records as the caller may see them: each judged with the rest of its family.
fn judged(
    conn: &mut DbConnection,
    judge: &CellJudge,
    rows: Vec<RecordRow>,
) -> Result<Vec<KpiRecord>, ApiError> {
    if judge.is_open() {
        return Ok(rows
            .into_iter()
            .map(|r| KpiRecord::from_row(r, false))
            .collect());
    }
    let keys: BTreeSet<FamilyKey> = rows.iter().map(RecordRow::family).collect();
    let keys: Vec<FamilyKey> = keys.into_iter().collect();
    let members = store::families(conn, &keys)?;
    let hidden = judge.hidden_records(&members);
    let hidden: HashSet<(FamilyKey, &str)> = members
        .iter()
        .zip(hidden)
        .filter(|(_, h)| *h)
        .map(|(m, _)| (m.family(), m.student_group.as_str()))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let h = hidden.contains(&(r.family(), r.student_group.as_str()));
            KpiRecord::from_row(r, h)
        })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// `all` (default): one bad row rejects the batch; `partial`: good rows are written.
    pub mode: Option<BatchMode>,
}

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(Format::Json),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => Ok(Format::Ndjson),
        "text/csv" => Ok(Format::Csv),
        _ => Err(ApiError::UnsupportedMediaType(format!(
            "send the batch as application/json (an array), application/x-ndjson or text/csv, not {content_type:?}"
        ))),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the batch is larger than {limit} bytes (KPI_BATCH_MAX_BYTES); split it into smaller batches"
    ))
}

/// Writes the body to an anonymous temporary file (deleted when closed), so the database
/// transaction starts only once the whole batch has arrived and memory stays flat.
async fn spool(mut payload: web::Payload, limit: usize) -> Result<std::fs::File, ApiError> {
    let spool_failed =
        |e: std::io::Error| ApiError::Internal(format!("cannot spool the batch: {e}"));
    let mut file = tempfile::tempfile().map_err(spool_failed)?;
    let mut size = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        size += chunk.len();
        if size > limit {
            return Err(too_large(limit));
        }
        file.write_all(&chunk).map_err(spool_failed)?;
    }
    file.rewind().map_err(spool_failed)?;
    Ok(file)
}

/// Push KPI records in bulk (JSON array, NDJSON or CSV; same field names everywhere).
///
/// Each record is upserted on its natural key (KPI, school, agreement, student group, period):
/// pushing it again updates it, never duplicates it. The batch is one transaction. Rows are
/// numbered from 0 (`index`) and, for NDJSON and CSV, by body line (`line`). A CSV header
/// naming a column that is not a record field is 422 `unknown_field`; rows naming a KPI,
/// school, agreement or student group nobody has are `unknown_kpi`, `unknown_school`,
/// `unknown_agreement`, `unknown_student_group`, and a value outside its KPI's bounds is
/// `out_of_range`.
#[utoipa::path(tag = "kpis", params(BatchQuery),
    request_body(description = "The records: a JSON array of `KpiRecordInput`, or CSV with a \
header row of the same field names. By default one bad record fails the batch (422, every bad \
record listed by index, nothing written); with `?mode=partial` the good records are written and \
each bad one is reported in the answer's `errors`. Also accepted, one `KpiRecordInput` object per \
line: NDJSON (`application/x-ndjson`, `application/ndjson` or `application/jsonl`); it is not \
listed as a media type because generic tools cannot write it.",
        content(
            (Vec<super::model::KpiRecordInput> = "application/json", example = json!([{"kpi_code": "attendance_rate", "school_external_id": "042", "student_group": "all", "period_start": "2026-09-01", "period_end": "2026-09-30", "value": 93.4, "n": 412, "numerator": 7702, "denominator": 8246, "source": "sis-nightly"}])),
            (String = "text/csv", example = "kpi_code,school_external_id,student_group,period_start,period_end,value,n\nattendance_rate,042,all,2026-09-01,2026-09-30,93.4,412\n"),
        )),
    responses(
        (status = 200, description = "What the batch did", body = BatchOutcome),
        (status = 422, description = "Bad rows (all-or-nothing mode): every one listed in `rows`, nothing written", body = platform::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/kpi-records/batch")]
pub async fn ingest_kpi_records(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    query: web::Query<BatchQuery>,
    metrics: web::Data<platform::http::metrics::Metrics>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::KpiWrite)?;
    let format = format_of(&req)?;
    let encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok());
    if encoding.is_some_and(|e| !e.eq_ignore_ascii_case("identity")) {
        return Err(ApiError::UnsupportedMediaType(
            "send the batch uncompressed (no Content-Encoding)".to_owned(),
        ));
    }
    let max_bytes = settings.kpi_batch_max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(too_large(max_bytes));
    }
    let file = spool(payload, max_bytes).await?;
    let mode = query.into_inner().mode.unwrap_or(BatchMode::All);
    let max_rows = settings.kpi_batch_max_rows;
    let actor = caller.actor();
    let outcome = db::write(&pool, move |conn| {
        write_transaction(conn, |conn| {
            let mut batch = Ingest::new(conn, mode, max_rows);
            ingest::read(format, &file, &mut batch)?;
            let outcome = batch.finish()?;
            if outcome.inserted + outcome.updated > 0 {
                let counts = serde_json::json!({
                    "mode": mode.as_str(),
                    "received": outcome.received,
                    "inserted": outcome.inserted,
                    "updated": outcome.updated,
                    "unchanged": outcome.unchanged,
                    "rejected": outcome.rejected,
                });
                let batch = platform::db::sql::new_id();
                journal::changes::record_from(
                    conn,
                    super::model::BATCH_TOPIC,
                    &batch,
                    "created",
                    &counts,
                )?;
                audit::record(conn, &actor, "kpi_batch", &batch, "ingest", Some(counts))?;
            }
            Ok(outcome)
        })
    })
    .await?;
    metrics.ingested(
        outcome.inserted,
        outcome.updated,
        outcome.unchanged,
        outcome.rejected,
    );
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// A KPI code.
    pub kpi: Option<String>,
    /// Only records about this school.
    pub school_id: Option<String>,
    /// Only records reported under this agreement.
    pub agreement_id: Option<String>,
    /// Only records of this student group (code).
    pub student_group: Option<String>,
    /// Periods ending on or after this date.
    pub from: Option<NaiveDate>,
    /// Periods starting on or before this date.
    pub to: Option<NaiveDate>,
    /// Only records changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Page size, 1 to 500 (default 50). Ignored by the CSV export, which streams every row.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl RecordQuery {
    fn filter(&self, caller: &Caller) -> RecordFilter {
        RecordFilter {
            only_partner: caller.partner_scope(),
            kpi_code: self.kpi.clone(),
            school_id: self.school_id.clone(),
            agreement_id: self.agreement_id.clone(),
            student_group: self.student_group.clone(),
            from: self.from,
            to: self.to,
            updated_since: self.updated_since,
        }
    }
}

const CSV_HEADER: [&str; 15] = [
    "id",
    "kpi_code",
    "school_id",
    "agreement_id",
    "student_group",
    "period_start",
    "period_end",
    "value",
    "n",
    "numerator",
    "denominator",
    "suppressed",
    "source",
    "version",
    "updated_at",
];

fn csv_chunk(records: &[KpiRecord], header: bool) -> Result<web::Bytes, ApiError> {
    let fail = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::with_capacity(records.len() * 160));
    if header {
        out.write_record(CSV_HEADER).map_err(fail)?;
    }
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in records {
        out.write_record([
            r.id.as_str(),
            &r.kpi_code,
            &r.school_id,
            r.agreement_id.as_deref().unwrap_or(""),
            &r.student_group,
            &r.period_start.to_string(),
            &r.period_end.to_string(),
            &number(r.value),
            &r.n.map(|n| n.to_string()).unwrap_or_default(),
            &number(r.numerator),
            &number(r.denominator),
            if r.suppressed { "true" } else { "false" },
            &inert(r.source.as_deref().unwrap_or("")),
            &r.version.to_string(),
            &r.updated_at.to_rfc3339(),
        ])
        .map_err(fail)?;
    }
    out.into_inner()
        .map(web::Bytes::from)
        .map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))
}

const EXPORT_PAGE: i64 = 1000;

/// Every matching record as CSV, read page by page as the client takes them.
fn export_csv(
    pool: web::Data<DbPool>,
    filter: RecordFilter,
    after: Option<After>,
    suppression: Suppression,
) -> HttpResponse {
    let sort: Sort = ListSort::Id.into();
    struct State {
        pool: web::Data<DbPool>,
        filter: RecordFilter,
        after: Option<After>,
        /// Read with the first page and kept for the others.
        judge: Option<std::sync::Arc<CellJudge>>,
        first: bool,
        done: bool,
    }
    let state = State {
        pool,
        filter,
        after,
        judge: None,
        first: true,
        done: false,
    };
    let body = futures_util::stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let (filter, after) = (state.filter.clone(), state.after.clone());
        let judge = state.judge.clone();
        let page = db::run(&state.pool, move |conn| {
            let judge = match judge {
                Some(judge) => judge,
                None => std::sync::Arc::new(CellJudge::load(conn, suppression)?),
            };
            let rows = store::list(conn, &filter, sort, after.as_ref(), EXPORT_PAGE)?;
            let last = rows.last().map(|r| r.id.clone());
            Ok((judged(conn, &judge, rows)?, last, judge))
        })
        .await;
        let (records, last) = match page {
            Ok((records, last, judge)) => {
                state.judge = Some(judge);
                (records, last)
            }
            Err(e) => {
                // The status line is gone; end the body early so the client sees a broken
                // transfer rather than a short file that looks complete.
                log::error!("CSV export of KPI records failed: {e}");
                state.done = true;
                return Some((
                    Err(actix_web::error::ErrorInternalServerError("export failed")),
                    state,
                ));
            }
        };
        state.done = (records.len() as i64) < EXPORT_PAGE;
        state.after = last.map(|id| After {
            value: platform::db::keyset::KeyValue::Id,
            id,
        });
        let chunk = csv_chunk(&records, state.first)
            .map_err(|_| actix_web::error::ErrorInternalServerError("export failed"));
        state.first = false;
        Some((chunk, state))
    });
    negotiate::csv(Some("kpi-records.csv")).streaming(body)
}

/// KPI records, filtered, oldest first; `Accept: text/csv` streams all of them as CSV.
///
/// For roles other than admin an export holds at most `KPI_EXPORT_MAX_ROWS` records (default
/// 100,000); a larger one is 422 (`export_too_large`): narrow the filter.
#[utoipa::path(tag = "kpis", params(RecordQuery),
    responses((status = 200, description = "A page of records (or the CSV export)",
        content((paging::Page<KpiRecord> = "application/json"), (String = "text/csv"))),
        (status = 422, description = "The CSV export would exceed KPI_EXPORT_MAX_ROWS",
            body = platform::error::Problem, content_type = "application/problem+json")))]
#[get("/kpi-records")]
pub async fn list_kpi_records(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    settings: web::Data<Policy>,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::KpiRead)?;
    let query = query.into_inner();
    let PageRequest { sort, limit, after } =
        PageRequest::new(None, query.limit, query.cursor.as_deref())?;
    let filter = query.filter(&caller);
    let suppression = Suppression::for_caller(&caller, settings.kpi_min_cell_size);
    if negotiate::accepts(&req, "text/csv") {
        // An export is one request however many rows it holds: roles other than admin get
        // at most KPI_EXPORT_MAX_ROWS and narrow the filter for more.
        if caller.role != Role::Admin {
            let cap = settings.kpi_export_max_rows;
            let wanted = filter.clone();
            if db::run(&pool, move |conn| Ok(store::more_than(conn, &wanted, cap)?)).await? {
                return Err(ApiError::Validation(vec![FieldError::query(
                    "from",
                    "export_too_large",
                    format!(
                        "the export would hold more than {cap} records (KPI_EXPORT_MAX_ROWS); narrow it with from, to, school_id, agreement_id or kpi_code"
                    ),
                )]));
            }
        }
        return Ok(export_csv(pool, filter, after, suppression));
    }
    let (records, next_cursor) = db::run(&pool, move |conn| {
        let rows = store::list(conn, &filter, sort, after.as_ref(), limit + 1)?;
        let (rows, next_cursor) = paging::split(rows, limit, sort);
        let judge = CellJudge::load(conn, suppression)?;
        Ok((judged(conn, &judge, rows)?, next_cursor))
    })
    .await?;
    Ok(paging::respond(&req, records, next_cursor))
}
