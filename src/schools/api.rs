//! Routes for `/schools`.

use super::import::{import_orgs, ImportOutcome};
use super::model::{School, SchoolInput, SchoolQuery, Schools};
use crate::kpi_records::ingest::BatchMode;

crate::resource_api! {
    resource: Schools, tag: "schools",
    collection: "/schools", item: "/schools/{id}",
    parent: [],
    filter: SchoolQuery, sort: crate::db::keyset::ListSort, input: SchoolInput, output: School,
    /// List schools.
    list: list_schools,
    /// Create a school.
    create: create_school,
    /// Get one school.
    get: get_school,
    /// Replace a school.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared.
    replace: replace_school,
    /// Change some fields of a school (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present in the body are set, `null` clears a field, absent fields are kept.
    patch: patch_school,
    /// Delete a school.
    ///
    /// Refused with 409 while other records refer to the school; set `active` to false instead.
    delete: delete_school,
}

/// Import the district's schools from a OneRoster 1.1 or 1.2 `orgs.csv` (`Content-Type:
/// text/csv`). Rows of type `school` are upserted by `sourcedId` (the school's `external_id`);
/// `name` and `identifier` (the `state_id`) follow the file; status `tobedeleted` deactivates
/// the school, `active` brings it back. Other org types are skipped. `mode=all` (default): one
/// bad row rejects the file (422, every bad row listed); `partial`: good rows are written.
/// Admin, or an integration with `schools:write`.
#[utoipa::path(tag = "schools", params(ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "A OneRoster orgs.csv: sourcedId, status, dateLastModified, name, type, identifier, parentSourcedId"),
    responses((status = 200, description = "What the import did", body = ImportOutcome),
        (status = 415, description = "Not text/csv", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (mode=all) or a missing column", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/schools/import")]
pub async fn import_schools(
    req: actix_web::HttpRequest,
    caller: crate::auth::Caller,
    pool: actix_web::web::Data<crate::db::DbPool>,
    query: actix_web::web::Query<ImportQuery>,
    body: actix_web::web::Bytes,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    use crate::auth::{Role, Scope};
    use crate::error::ApiError;
    caller.require(Scope::SchoolsWrite)?;
    if matches!(caller.role, Role::Staff | Role::Partner) {
        return Err(ApiError::Forbidden(
            "the school list is the district's: import it as admin or as the SIS integration"
                .into(),
        ));
    }
    let csv = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(ApiError::UnsupportedMediaType(
            "send orgs.csv as text/csv".into(),
        ));
    }
    let mode = query.into_inner().mode.unwrap_or(BatchMode::All);
    let actor = caller.actor();
    let outcome = crate::db::write(&pool, move |conn| {
        crate::db::write_transaction(conn, |conn| import_orgs(conn, &body, mode, &actor))
    })
    .await?;
    Ok(actix_web::HttpResponse::Ok().json(outcome))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `all` (default): one bad row rejects the file; `partial`: good rows are written.
    pub mode: Option<BatchMode>,
}
