//! Routes for `/relationships`, and the teacher-survey import.

use actix_web::{web, HttpRequest, HttpResponse};

use super::import::{import_sheet, RelationshipImport};
use super::model::{Relationship, RelationshipInput, RelationshipQuery, Relationships};
use auth::Caller;
use pipeline::import::BatchMode;
use pipeline::{CallerContext, Resource};
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::http::sheet::Sheet;
use platform::settings::Policy;

pipeline::resource_api! {
    resource: Relationships, tag: "outreach",
    collection: "/relationships", item: "/relationships/{id}",
    parent: [],
    filter: RelationshipQuery, sort: platform::db::keyset::ListSort, input: RelationshipInput, output: Relationship,
    /// The relationships teachers have with community organisations: the district's own
    /// knowledge, not listed to partner accounts.
    ///
    /// Needs `partners:read`: admin, staff and viewers see every relationship; a partner
    /// account always gets an empty list. Filters combine (all must hold).
    list: list_relationships,
    /// Record a relationship (staff: of a teacher of their schools).
    ///
    /// Needs `partners:write`. Exactly one of `user_id` and `teacher_name` (422 `exactly_one`);
    /// `partner_id`, `school_id` and `user_id` must exist and `contact_id` must be one of the
    /// partner's contacts (422 `not_found`). Staff must give one of their own schools as
    /// `school_id` (403); a record without a school is for admins and integrations.
    create: create_relationship,
    /// One relationship.
    ///
    /// Needs `partners:read`; 404 for partner accounts.
    get: get_relationship,
    /// Replace a relationship.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared. Needs
    /// `partners:write`; rules as on create. Staff may change only relationships of their
    /// schools, and may not move one to a school not theirs (403).
    replace: replace_relationship,
    /// Change a relationship (JSON Merge Patch).
    ///
    /// Fields present are set, `null` clears, absent fields are kept; the merged result is
    /// checked as on replace. Staff: only relationships of their schools (403).
    patch: patch_relationship,
    /// Delete a relationship.
    ///
    /// Needs `partners:write`; staff may delete only relationships of their schools (403).
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

/// Import relationships from the teacher-survey spreadsheet.
///
/// Import the teacher-survey spreadsheet, one relationship a row: CSV (`Content-Type:
/// text/csv`) with a header row, or the same rows as a JSON array of `RelationshipSheetRow`.
/// Columns (headers, case aside): `teacher_email` (a user) or `teacher_name`;
/// `school_id` or `school_external_id`; `partner_external_id` and/or `partner_name` (matched
/// by external id, then by name ignoring case and accents; a partner not found is added as a
/// prospect of `partner_kind`, `other` by default); `contact_name` (matched by name among the
/// partner's contacts, else added); `kinds` (offerings separated by `;`); `since`,
/// `last_contact_on` (YYYY-MM-DD); `notes`. Every row passes the same rules as a single write.
/// `mode=all` (default): one bad row rejects the sheet (422, every bad row listed) and nothing
/// is written; `partial`: good rows are written and bad ones reported.
///
/// Needs `partners:write`. Each row is written as its own create would be, with the same
/// scoping (staff: rows of their schools, else the row is refused with `forbidden`); partners
/// and contacts it adds are audited like any other write.
#[utoipa::path(tag = "outreach", params(SheetQuery),
    request_body(description = "The sheet as CSV (teacher_email or teacher_name, school_id or school_external_id, partner_external_id, partner_name, partner_kind, contact_name, kinds, since, last_contact_on, notes), or its rows as JSON",
        content(
            (Vec<super::import::RelationshipSheetRow> = "application/json"),
            (String = "text/csv", example = "teacher_email,school_external_id,partner_name,partner_kind,kinds,since\nj.ramos@district.example.org,042,Kennebec River Museum,museum,field_trip_host,2024-09-01\n"),
        )),
    responses((status = 200, description = "What the import did", body = RelationshipImport),
        (status = 415, description = "Neither CSV nor JSON", body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (mode=all) or a missing column", body = platform::error::Problem, content_type = "application/problem+json")))]
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
    let sheet = Sheet::of(&req)?;
    let csv = sheet.csv::<super::import::RelationshipSheetRow>(&body)?;
    let mode = query.into_inner().mode.unwrap_or(BatchMode::All);
    let actor = caller.actor();
    let mut outcome = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let ctx = CallerContext {
                caller: &caller,
                actor: &actor,
                policy: &policy,
            };
            import_sheet(conn, &ctx, &csv, mode)
        })
    })
    .await
    .map_err(|e| sheet.unlined_error(e))?;
    sheet.unlined(&mut outcome.errors);
    Ok(HttpResponse::Ok().json(outcome))
}

/// Registers the relationship routes; the import first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(import_relationships);
    routes(cfg);
}
