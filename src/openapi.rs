//! The OpenAPI root: info, tags, shared components, and the standard error responses every
//! operation can give.

use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDoc, PathItem, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::OpenApi;

use crate::db::keyset::ListSort;
use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partnerships API",
        description = "System of record for a school district's community partnerships: schools, \
partners and their contacts (agreements, KPIs and dashboards follow).\n\n\
Conventions: JSON with snake_case fields; RFC 3339 UTC times; every resource has a server-assigned \
UUIDv7 `id`, an optional unique `external_id`, a `version`, `created_at` and `updated_at`. Reads \
return an `ETag`; PUT, PATCH and DELETE honour `If-Match` (412 when stale). PATCH takes JSON Merge \
Patch (RFC 7396). Lists take `limit` (1-500, default 50) and an opaque `cursor`, and answer \
`{\"data\": [...], \"next_cursor\": ...}` with a `Link: <...>; rel=\"next\"` header. Errors are \
RFC 9457 `application/problem+json` with the request id; 422 lists every invalid field at once. \
Send `X-Request-Id` to correlate logs; one is generated otherwise and always echoed.",
        license(name = "MIT"),
    ),
    tags(
        (name = "schools", description = "The district's schools and their external ids (SIS, NCES, state)."),
        (name = "partners", description = "Community partners: businesses, nonprofits, colleges, museums, libraries and more."),
        (name = "contacts", description = "The people at a partner."),
        (name = "health", description = "Liveness and readiness probes."),
    ),
    // Types only referenced from query parameters are not collected from the routes.
    components(schemas(Problem, FieldError, ListSort))
)]
pub struct ApiDoc;

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// Adds the problem responses an operation can give, by what it takes: a body (400, 413, 415,
/// 422, 409), a path id (404), a precondition (412); every one can give 400, 500 and 503.
pub fn add_standard_errors(mut doc: OpenApiDoc) -> OpenApiDoc {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        let PathItem {
            get,
            post,
            put,
            patch,
            delete,
            ..
        } = item;
        let ops = [
            (get, false, false),
            (post, true, false),
            (put, true, true),
            (patch, true, true),
            (delete, false, true),
        ];
        for (op, has_body, conditional) in ops {
            let Some(op) = op.as_mut() else { continue };
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem_response(description));
            };
            add(
                "400",
                "Malformed request: bad JSON, wrong types, unknown fields or bad query parameters",
            );
            if has_id {
                add("404", "No such resource");
            }
            if has_body {
                add(
                    "409",
                    "Conflicts with another record (a unique field is taken)",
                );
                add("413", "Body larger than the configured limit");
                add("415", "Body is not JSON");
                add(
                    "422",
                    "Validation failed; every invalid field is listed in `errors`",
                );
            }
            if conditional {
                add(
                    "409",
                    "Refused while other records depend on this one, or a unique field is taken",
                );
                add("412", "`If-Match` does not match the current version");
            }
            add("500", "Server fault; quote the request id");
            add("503", "Database unavailable; retry later");
        }
    }
    doc
}
