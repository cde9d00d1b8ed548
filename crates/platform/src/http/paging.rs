//! Cursor paging: `limit` + opaque `cursor` in, `{data, next_cursor}` + `Link: rel="next"` out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::keyset::{self, After, Keyed, ListSort, Sort};
use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the order asked for; empty when nothing matches.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {n}"
        ))),
    }
}

/// What a list request asks for: order, page size, and where the previous page ended.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub sort: Sort,
    pub limit: i64,
    pub after: Option<After>,
}

impl PageRequest {
    /// Checks `limit` and decodes `cursor` for `sort` (default: by id); 400 when either is bad.
    pub fn new(
        sort: Option<Sort>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let sort: Sort = sort.unwrap_or_else(|| ListSort::Id.into());
        Ok(PageRequest {
            sort,
            limit: self::limit(limit)?,
            after: cursor.map(|c| keyset::decode_cursor(c, sort)).transpose()?,
        })
    }
}

/// Answers a page from the `limit + 1` rows a store fetched, converting each kept row.
pub fn respond_rows<R: Keyed, T: Serialize>(
    req: &HttpRequest,
    rows: Vec<R>,
    limit: i64,
    sort: Sort,
    convert: impl FnMut(R) -> Result<T, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (rows, next_cursor) = split(rows, limit, sort);
    let data = rows
        .into_iter()
        .map(convert)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(respond(req, data, next_cursor))
}

/// Cuts the one extra row a store fetched (limit + 1) and turns the last kept row into the
/// next cursor.
pub fn split<R: Keyed>(mut rows: Vec<R>, limit: i64, sort: Sort) -> (Vec<R>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let cursor = rows.last().map(|last| keyset::encode_cursor(sort, last));
    (rows, cursor)
}

/// Writes the page with a `Link` header pointing at the same query with the next cursor.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    data: Vec<T>,
    next_cursor: Option<String>,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "cursor");
        pairs.push(("cursor".to_owned(), cursor.clone()));
        if let Ok(query) = serde_urlencoded::to_string(&pairs) {
            response.insert_header((
                header::LINK,
                format!("<{}?{}>; rel=\"next\"", req.path(), query),
            ));
        }
    }
    response.json(Page { data, next_cursor })
}
