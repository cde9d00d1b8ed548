//! Routes for `/relationships`, and the teacher-survey import.

use actix_web::{web, HttpRequest, HttpResponse};

use super::import::{import_sheet, RelationshipImport};
use super::model::{Relationship, RelationshipInput, RelationshipQuery, Relationships};
use crate::auth::Caller;
use crate::config::Policy;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::kpi_records::ingest::BatchMode;
use crate::resource::{Ctx, Resource};

crate::resource_api! {
    resource: Relationships, tag: "outreach",
    collection: "/relationships", item: "/relationships/{id}",
    parent: [],
    filter: RelationshipQuery, sort: crate::db::keyset::ListSort, input: RelationshipInput, output: Relationship,
    /// The relationships teachers have with community organisations: the district's own
    /// knowledge, not listed to partner accounts.
    list: list_relationships,
    /// Record a relationship (staff: of a teacher of their schools).
    create: create_relationship,
    /// One relationship.
    get: get_relationship,
    /// Replace a relationship.
    replace: replace_relationship,
    /// Change a relationship (JSON Merge Patch).
    patch: patch_relationship,
    /// Delete a relationship.
    delete: delete_relationship,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// `all` (default): one bad row rejects the sheet; `partial`: good rows are written.
    #[param(inline)]
    pub mode: Option<BatchMode>,
}

/// Import the teacher-survey spreadsheet (`Content-Type: text/csv`), one relationship a row.
/// Columns (headers, case aside): `teacher_email` (a user) or `teacher_name`;
/// `school_id` or `school_external_id`; `partner_external_id` and/or `partner_name` (matched
/// by external id, then by name ignoring case and accents; a partner not found is added as a
/// prospect of `partner_kind`, `other` by default); `contact_name` (matched by name among the
/// partner's contacts, else added); `kinds` (offerings separated by `;`); `since`,
/// `last_contact_on` (YYYY-MM-DD); `notes`. Every row passes the same rules as a single write.
/// `mode=all` (default): one bad row rejects the sheet (422, every bad row listed) and nothing
/// is written; `partial`: good rows are written and bad ones reported.
#[utoipa::path(tag = "outreach", params(SheetQuery),
    request_body(content = String, content_type = "text/csv",
        description = "teacher_email or teacher_name, school_id or school_external_id, partner_external_id, partner_name, partner_kind, contact_name, kinds, since, last_contact_on, notes"),
    responses((status = 200, description = "What the import did", body = RelationshipImport),
        (status = 415, description = "Not text/csv", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (mode=all) or a missing column", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("/relationships/batch")]
pub async fn import_relationships(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    query: web::Query<SheetQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Relationships::WRITE)?;
    let csv = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(ApiError::UnsupportedMediaType(
            "send the sheet as text/csv".into(),
        ));
    }
    let mode = query.into_inner().mode.unwrap_or(BatchMode::All);
    let actor = caller.actor();
    let outcome = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let ctx = Ctx {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            import_sheet(conn, &ctx, &body, mode)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// Registers the relationship routes; the import first.
pub fn all_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_relationships);
    routes(cfg);
}
