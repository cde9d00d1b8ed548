//! The OpenAPI root: info, tags, shared components, and the standard error responses every
//! operation can give.

use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDoc, PathItem, Ref, RefOr, Response, ResponseBuilder,
};
use utoipa::{Modify, OpenApi};

mod contract;
pub use platform::http::routes::{published_schema_names, PublishedNames, Routes};
pub use platform::http::text::{CONDITION_PATTERN, LINE_PATTERN, QUERY_PATTERN, TEXT_PATTERN};

use crate::auth::Scope;

use crate::activities::model::TotalsBy;
use crate::agreements::report::ExportFormat;
use crate::error::{FieldError, Problem};
use crate::resource::import::BatchMode;
use crate::webhooks::model::WebhookEvent;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Partnerships API",
        description = "System of record for a school district's community partnerships: schools, \
partners and their contacts, agreements with responsibilities, timelines and activities, KPIs \
with targets, bulk ingest and small-cell suppression, and dashboards.\n\n\
Conventions: JSON with snake_case fields; RFC 3339 UTC times; every resource has a server-assigned \
UUIDv7 `id`, a `version`, `created_at` and `updated_at`; schools, partners, contacts, continuum \
levels, agreements, responsibilities and activities also carry an optional unique `external_id` \
(the district's own key; schools, partners and agreements can be listed by it with \
`?external_id=`). Reads \
return an `ETag`; PUT, PATCH and DELETE honour `If-Match` (412 when stale). PATCH takes JSON Merge \
Patch (RFC 7396). Lists take `limit` (1-500, default 50) and an opaque `cursor`, and answer \
`{\"data\": [...], \"next_cursor\": ...}` with a `Link: <...>; rel=\"next\"` header. Errors are \
RFC 9457 `application/problem+json` with the request id; 422 lists every invalid field at once. \
Send `X-Request-Id` to correlate logs; one is generated otherwise and always echoed.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The server that serves this document: every path is under its root")),
    tags(
        (name = "schools", description = "The district's schools and their external ids (SIS, NCES, state)."),
        (name = "partners", description = "Community partners: businesses, nonprofits, colleges, museums, libraries and more."),
        (name = "contacts", description = "The people at a partner."),
        (name = "calendars", description = "Calendar feeds: secret iCalendar URLs that calendar apps subscribe to without a token, showing the agreements, timelines, check-ins and due dates their creator may read."),
        (name = "changes", description = "The change feed: every committed write of every resource, in commit order, for clients that keep a copy. Poll with the last next_cursor; each resource type needs its read scope, and a partner account sees only changes that concern it."),
        (name = "continuum", description = "The district's partnership continuum: levels from light involvement to deep engagement."),
        (name = "auth", description = "Access tokens: OAuth2 client credentials for scripts, sign-in for people."),
        (name = "clients", description = "API clients and their secrets (admin)."),
        (name = "users", description = "People who sign in (admin)."),
        (name = "agreements", description = "The portrait of a partnership: purpose, vision, outcomes, contributions, status lifecycle and version history."),
        (name = "responsibilities", description = "Who does what by when, and what each party invests."),
        (name = "timeline", description = "Kickoff, check-ins, milestones, exhibitions, reviews and renewals of an agreement."),
        (name = "activities", description = "What actually happened: talks, field trips, mentoring, donations."),
        (name = "kpis", description = "Key performance indicators: the catalogue of metrics, agreement targets, aggregate records pushed in bulk (JSON, NDJSON, CSV), progress per agreement and the district dashboard. For tokens without kpi:read_small_cells, values are suppressed (null, with suppressed: true) when fewer students than the KPI's threshold (min_cell_size, else KPI_MIN_CELL_SIZE) are behind them, when a rate counts fewer than the threshold on either side, and when they would give a hidden value of the same KPI, school, agreement and period away through the student-group catalogue's partitions; target baselines follow the same rules."),
        (name = "webhooks", description = "Webhook endpoints (admin): every committed change an endpoint subscribes to is POSTed to it as a Standard Webhooks event (schema WebhookEvent), signed with the endpoint's secret, in order and at least once, retried with backoff for WEBHOOK_RETRY_HOURS. Only public https receivers are reached unless their host is in WEBHOOK_ALLOWED_HOSTS."),
        (name = "community", description = "Community voice: surveys of families, partners, staff and the community (needs assessments, feedback, evaluations; draft → open → closed), the need-category catalogue (what families and partners say they need, and the partner offerings that address each), committees and site councils with their members and meetings (a partner sees those its contacts sit on), and communication plans (goals, audiences, channels, tasks, targets, evaluation; overdue tasks worked out on read)."),
        (name = "outreach", description = "Outreach and reciprocity: the opportunities board (what students are working on and the help they need, partners matched with the reasons, partners volunteering, the school accepting into an activity or a draft agreement), success stories (Markdown rendered to sanitised HTML; published with consent; a public showcase and an Atom feed without a token), the school giving back with its facilities (gym, computer lab, library…) that partners and community groups may ask for, the school's answer (approved bookings of a facility never overlap), the public list of open facilities with their free and busy times, the inventory of relationships teachers already have with partners (and the teacher-survey import), the power of place (meetings at partners' places), and standard operating procedures (Markdown, versioned with history and diffs; a partner reads those for partners)."),
        (name = "dashboards", description = "One call per page: the district at a glance."),
        (name = "audit", description = "The audit trail of every write (admin)."),
        (name = "health", description = "Liveness and readiness probes."),
    ),
    modifiers(&SecuritySchemes, &ChangeWebhook),
    // Types only referenced from query parameters are not collected from the routes.
    components(schemas(Problem, FieldError, TotalsBy, ExportFormat, BatchMode, WebhookEvent))
)]
pub struct ApiDoc;

pub const BEARER: &str = "bearer";
pub const OAUTH2: &str = "oauth2";
/// The scheme of `/metrics`: the operator's `METRICS_TOKEN`, not an API token.
pub const METRICS: &str = "metrics_token";

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token from POST /api/v1/oauth/token or /api/v1/auth/login, or from the \
                         district's identity provider when configured.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            METRICS,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The METRICS_TOKEN the server was started with (Prometheus scrapes with it).",
                    ))
                    .build(),
            ),
        );
        let descriptions: Vec<(&str, String)> = Scope::ALL
            .iter()
            .map(|s| (s.as_str(), scope_description(*s)))
            .collect();
        let scopes = Scopes::from_iter(descriptions.iter().map(|(s, d)| (*s, d.as_str())));
        components.add_security_scheme(
            OAUTH2,
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new(crate::TOKEN_PATH, scopes),
            )])),
        );
    }
}

/// What an endpoint registered under `/webhooks` receives (OpenAPI's `webhooks`).
struct ChangeWebhook;

impl Modify for ChangeWebhook {
    fn modify(&self, doc: &mut OpenApiDoc) {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder};
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::{PathsBuilder, Required};
        let body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("WebhookEvent")))
                    .build(),
            )
            .required(Some(Required::True))
            .build();
        let operation = OperationBuilder::new()
            .operation_id(Some("receiveChange"))
            .tag("webhooks")
            .summary(Some(
                "A committed change, POSTed to each endpoint subscribed to it",
            ))
            .description(Some(
                "Signed with the endpoint's secret (Standard Webhooks headers `webhook-id`, \
                 `webhook-timestamp`, `webhook-signature`), in commit order, at least once: a \
                 receiver that answers anything but 2xx, or nothing in time, gets it again with \
                 backoff for WEBHOOK_RETRY_HOURS.",
            ))
            .request_body(Some(body))
            .response(
                "2XX",
                ResponseBuilder::new().description("Received").build(),
            )
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("Refused; delivered again with backoff")
                    .build(),
            )
            .security(SecurityRequirement::default())
            .build();
        doc.webhooks = Some(
            PathsBuilder::new()
                .path("change", PathItem::new(HttpMethod::Post, operation))
                .build(),
        );
    }
}

fn scope_description(scope: Scope) -> String {
    if scope == Scope::Admin {
        return "administer clients, users, the audit trail and the continuum (admin role only)"
            .to_owned();
    }
    let (resource, access) = scope
        .as_str()
        .split_once(':')
        .unwrap_or((scope.as_str(), ""));
    match access {
        "write" => format!("create, change and delete {resource} (includes read)"),
        "decide" => format!("decide {resource}: a partner's vetting status and dates"),
        "read_small_cells" => {
            "read KPI values of cells under the suppression threshold, unsuppressed".to_owned()
        }
        _ => format!("read {resource}"),
    }
}

/// The scopes an operation needs (all of them), by its tag, method and path. Some roles do
/// narrower writes with less (a partner logging its own activity); the operations say so.
fn required_scopes(tag: &str, method: &str, path: &str) -> Vec<Scope> {
    use Scope::*;
    let write = method != "get";
    let path = path.trim_start_matches(crate::API_PREFIX);
    let pick = |read: Scope, written: Scope| vec![if write { written } else { read }];
    match tag {
        "schools" => pick(SchoolsRead, SchoolsWrite),
        "partners" | "contacts" => pick(PartnersRead, PartnersWrite),
        "community" if path.starts_with("/community-needs") => vec![PartnersRead, AgreementsRead],
        // Whoever sees a survey may answer it.
        "community" if path.starts_with("/surveys") && path.ends_with("/responses") => {
            vec![AgreementsRead]
        }
        "community"
            if path.starts_with("/surveys")
                || path.starts_with("/committees")
                || path.starts_with("/communication-plans") =>
        {
            pick(AgreementsRead, AgreementsWrite)
        }
        "continuum" | "community" => pick(PartnersRead, Admin),
        "outreach" if path.starts_with("/public/") => Vec::new(),
        "outreach" if path.starts_with("/relationships") => pick(PartnersRead, PartnersWrite),
        "outreach" if path.starts_with("/procedures") => pick(AgreementsRead, Admin),
        "outreach" => pick(AgreementsRead, AgreementsWrite),
        "agreements" | "responsibilities" | "timeline" | "activities" => {
            pick(AgreementsRead, AgreementsWrite)
        }
        "clients" | "users" | "audit" | "webhooks" => vec![Admin],
        "kpis" if path.starts_with("/kpi-definitions") || path.starts_with("/student-groups") => {
            pick(KpiRead, Admin)
        }
        "kpis" if path.starts_with("/kpi-records") => pick(KpiRead, KpiWrite),
        "kpis" if write => vec![AgreementsWrite],
        "kpis" => vec![AgreementsRead, KpiRead],
        "dashboards" => vec![AgreementsRead, PartnersRead, KpiRead],
        "calendars" => vec![AgreementsRead],
        _ => Vec::new(),
    }
}

/// The problem answers operations share, by status: each is one `components.responses` entry
/// that operations refer to, so the document says it once.
const SHARED_PROBLEMS: [(&str, &str, &str); 11] = [
    ("400", "BadRequest", "Malformed request: bad JSON, wrong types, unknown fields or bad query parameters"),
    ("401", "Unauthorized", "No token, or the token is invalid, expired or revoked (see WWW-Authenticate)"),
    ("403", "Forbidden", "The token's role or scopes do not allow this"),
    ("404", "NotFound", "No such resource, or none the caller may see"),
    ("409", "Conflict", "Conflicts with the stored data: a unique field is taken, the resource's current state does not allow this (an illegal transition, a revoked client), other records depend on it, or a request with the same Idempotency-Key is still running"),
    ("412", "PreconditionFailed", "`If-Match` does not match the current version"),
    ("413", "PayloadTooLarge", "Body larger than the configured limit"),
    ("415", "UnsupportedMediaType", "Body is not in a media type the operation takes"),
    ("422", "ValidationFailed", "Validation failed: every invalid field or query parameter, and every rule the request breaks, is listed in `errors`; or the Idempotency-Key was used for another request"),
    ("500", "ServerError", "Server fault; quote the request id"),
    ("503", "Unavailable", "The database is unavailable or busy; retry after `Retry-After` seconds"),
];

/// A reference to the shared problem answer of `status`, if there is one.
pub fn shared_problem(status: &str) -> Option<RefOr<Response>> {
    SHARED_PROBLEMS
        .iter()
        .find(|(code, _, _)| *code == status)
        .map(|(_, name, _)| Ref::new(format!("#/components/responses/{name}")).into())
}

fn add_shared_problems(doc: &mut OpenApiDoc) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, description) in SHARED_PROBLEMS {
        let mut response = ResponseBuilder::new().description(description).content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        );
        if status == "503" {
            response = response.header(
                "Retry-After",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(
                        utoipa::openapi::schema::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer),
                    ))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        components
            .responses
            .insert(name.to_owned(), response.build().into());
    }
}

/// Adds to every operation what it can answer besides success, by what it takes: a body
/// (400, 409, 413, 415, 422), a path id (404), a precondition (412), a token (401, 403; and
/// its security requirement: bearer, or OAuth2 with the scope its tag and method need); every
/// one can give 400, 500 and 503. The token endpoint answers in OAuth2's own format, documented
/// on the handler, and is left alone.
pub fn add_standard_errors(mut doc: OpenApiDoc) -> OpenApiDoc {
    add_shared_problems(&mut doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        if path == crate::TOKEN_PATH {
            continue;
        }
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
            ("get", get, false),
            ("post", post, false),
            ("put", put, true),
            ("patch", patch, true),
            ("delete", delete, true),
        ];
        for (method, op, conditional) in ops {
            let Some(op) = op.as_mut() else { continue };
            let has_body = op.request_body.is_some();
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            // Public operations declare `security(())`; health probes need none.
            let public = op.security.is_some() || tag == "health";
            if !public {
                let mut requirements = vec![SecurityRequirement::new(BEARER, Vec::<String>::new())];
                let scopes = required_scopes(&tag, method, path);
                if !scopes.is_empty() {
                    requirements.push(SecurityRequirement::new(
                        OAUTH2,
                        scopes.iter().map(|s| s.as_str()),
                    ));
                }
                op.security = Some(requirements);
            }
            let mut add = |status: &str| {
                if let Some(shared) = shared_problem(status) {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert(shared);
                }
            };
            add("400");
            if !public {
                add("401");
                add("403");
            }
            if has_id {
                add("404");
            }
            if has_body {
                for status in ["409", "413", "415", "422"] {
                    add(status);
                }
            }
            if has_id && method == "post" {
                add("409");
            }
            if conditional {
                add("409");
                add("412");
            }
            add("500");
            add("503");
        }
    }
    state_rules(doc)
}

/// Runs the contract pass (see [`contract`]) over the document.
fn state_rules(doc: OpenApiDoc) -> OpenApiDoc {
    let Ok(mut json) = serde_json::to_value(&doc) else {
        return doc;
    };
    contract::state_rules(&mut json);
    serde_json::from_value(json).unwrap_or(doc)
}
