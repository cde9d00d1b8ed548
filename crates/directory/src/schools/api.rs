//! Routes for `/schools`.

use super::import::{import_orgs, ImportOutcome};
use super::model::{School, SchoolInput, SchoolQuery, Schools};
use pipeline::import::BatchMode;

pipeline::resource_api! {
    resource: Schools, tag: "schools",
    collection: "/schools", item: "/schools/{id}",
    parent: [],
    filter: SchoolQuery, sort: platform::db::keyset::ListSort, input: SchoolInput, output: School,
    /// List schools.
    ///
    /// Any caller with `schools:read` (every role; integrations by scope) sees every school,
    /// active or not. Filters combine (all must hold).
    list: list_schools,
    /// Create a school.
    ///
    /// Admin, or an integration with `schools:write`. `name` is required; `external_id`,
    /// `nces_id` and `state_id` are each unique across schools (409 when taken); `highest_grade`
    /// must not be below `lowest_grade` (422 `grade_span`). `active` defaults to true.
    create: create_school,
    /// Get one school.
    ///
    /// Any caller with `schools:read`. Send `If-None-Match` with a stored `ETag` to get 304 when
    /// the school has not changed.
    get: get_school,
    /// Replace a school.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared.
    /// Admin, or an integration with `schools:write`; an optional `If-Match` guards against lost
    /// updates (412 when stale). Same rules as create: unique ids (409), `grade_span` (422).
    replace: replace_school,
    /// Change some fields of a school (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present in the body are set, `null` clears a field, absent fields are kept.
    /// Admin, or an integration with `schools:write`; the merged result is checked as on create.
    patch: patch_school,
    /// Delete a school.
    ///
    /// Refused with 409 while other records refer to the school; set `active` to false instead.
    /// Admin, or an integration with `schools:write`.
    delete: delete_school,
}

/// Import schools from a OneRoster `orgs.csv`.
///
/// Import the district's schools from a OneRoster 1.1 or 1.2 `orgs.csv` (`Content-Type:
/// text/csv`), or the same rows as a JSON array of `OrgRow`. Rows of type `school` are upserted
/// by `sourcedId` (the school's `external_id`); `name` and `identifier` (the `state_id`) follow
/// the file; status `tobedeleted` deactivates the school, `active` brings it back. Other org
/// types are skipped. `mode=all` (default): one bad row rejects the file (422, every bad row
/// listed); `partial`: good rows are written. A `sourcedId` twice in one file is a bad row.
/// Admin, or an integration with `schools:write`.
#[utoipa::path(tag = "schools", params(ImportQuery),
    request_body(description = "A OneRoster orgs.csv (sourcedId, status, dateLastModified, name, type, identifier, parentSourcedId), or its rows as JSON",
        content(
            (Vec<super::import::OrgRow> = "application/json"),
            (String = "text/csv", example = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nsch-042,active,2026-08-01T00:00:00Z,Riverside Elementary,school,230042,district-1\n"),
        )),
    responses((status = 200, description = "What the import did", body = ImportOutcome),
        (status = 415, description = "Neither CSV nor JSON", body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (mode=all) or a missing column", body = platform::error::Problem, content_type = "application/problem+json")))]
#[post("/schools/import")]
pub async fn import_schools(
    req: actix_web::HttpRequest,
    caller: auth::Caller,
    pool: actix_web::web::Data<platform::db::DbPool>,
    query: actix_web::web::Query<ImportQuery>,
    body: actix_web::web::Bytes,
) -> Result<actix_web::HttpResponse, platform::error::ApiError> {
    use auth::{Role, Scope};
    use platform::error::ApiError;
    use platform::http::sheet::Sheet;
    caller.require(Scope::SchoolsWrite)?;
    if matches!(caller.role, Role::Staff | Role::Partner) {
        return Err(ApiError::Forbidden(
            "the school list is the district's: import it as admin or as the SIS integration"
                .into(),
        ));
    }
    let sheet = Sheet::of(&req)?;
    let csv = sheet.csv::<super::import::OrgRow>(&body)?;
    let mode = query.into_inner().mode.unwrap_or(BatchMode::All);
    let actor = caller.actor();
    let mut outcome = platform::db::write(&pool, move |conn| {
        platform::db::write_transaction(conn, |conn| import_orgs(conn, &csv, mode, &actor))
    })
    .await
    .map_err(|e| sheet.unlined_error(e))?;
    sheet.unlined(&mut outcome.errors);
    Ok(actix_web::HttpResponse::Ok().json(outcome))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `all` (default): one bad row rejects the file; `partial`: good rows are written.
    pub mode: Option<BatchMode>,
}
