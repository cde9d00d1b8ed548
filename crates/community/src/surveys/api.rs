//! Routes for `/surveys`.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{Audience, Survey, SurveyInput, SurveyQuery, SurveySort, SurveyStatus, Surveys};
use super::responses::{respond, PublicSurvey, Respondent, ResponseReceipt, SurveyResponseInput};
use super::results::{
    csv, reads_live, released_answers, results, Breakdown, ResultsFormat, ResultsQuery,
    SurveyResults,
};
use super::store::{self, SurveyRow};
use auth::limits::PublicLimit;
use auth::{Caller, Role};
use journal::audit::Actor;
use pipeline::{self as pipeline, Collection, Resource, Stored};
use platform::db::{self, DbConnection, DbPool};
use platform::error::ApiError;
use platform::http::body::Body;
use platform::http::negotiate;

pipeline::resource_api! {
    resource: Surveys, tag: "community",
    collection: "/surveys", item: "/surveys/{id}",
    parent: [],
    filter: SurveyQuery, sort: SurveySort, input: SurveyInput, output: Survey,
    /// Surveys, newest first. A partner sees the open surveys addressed to partners.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. Everyone but partners sees every survey, whatever its school.
    list: list_surveys,
    /// Draft a survey: its questions, audiences, school (or the district) and dates. Staff
    /// draft for their schools; district-wide surveys are for administrators.
    ///
    /// Needs `agreements:write` (admin, staff, integrations granted it); staff get 403 outside
    /// their schools. `school_id`, `agreement_id` and each option's `need_code` must exist
    /// (422 `unknown_school`, `unknown_agreement`, `unknown_need`); `closes_on` not before
    /// `opens_on` (`before_opening`); codes unique (`duplicate`); choice questions have 2 to 50
    /// options (`too_few_options`), scale and text questions none (`not_allowed`).
    create: create_survey,
    /// One survey, with its questions and, once open, its public answering link's key.
    ///
    /// Needs `agreements:read`. A partner account gets 404 for a survey that is not open or
    /// not addressed to `partners`.
    get: get_survey,
    /// Replace a survey.
    ///
    /// Needs `agreements:write`; staff only for surveys of their schools, and not to move one
    /// elsewhere (403). `status` moves draft → open → closed only (422 `invalid_transition`);
    /// opening needs a question (`required`) and makes the `public_token`, which never changes.
    /// Once anyone has answered, only closing is allowed (409 `conflict`). Create's rules apply.
    replace: replace_survey,
    /// Change a survey (JSON Merge Patch); `status` opens (`open`) and closes (`closed`) it.
    ///
    /// Needs `agreements:write`; staff only for surveys of their schools (403). `status` moves
    /// forward only (422 `invalid_transition`); once the survey has responses, any change but
    /// closing is 409 `conflict`. `questions`, when given, replaces the whole list.
    patch: patch_survey,
    /// Delete a survey.
    ///
    /// Needs `agreements:write`; staff only for surveys of their schools (403). A survey that
    /// anyone has answered cannot be deleted (409 `conflict`): close it instead.
    delete: delete_survey,
}

/// Answer a survey as a signed-in caller: partner accounts answer as partners, everyone else
/// as staff. Only open surveys take answers, while today is within their dates; 422 names each
/// answer that does not fit its question.
///
/// Needs `agreements:read`; a partner account gets 404 unless the survey is open and asks
/// `partners`. The caller's audience must be one the survey asks (422 `not_asked`) and sends no
/// `respondent_key` or `invitation_code` (`not_allowed`). Each account answers a survey once
/// (409 `conflict` the second time), so nobody pads the released results with answers of
/// their own. Answers: `unknown_question`, `required`, `invalid_answer`;
/// 409 `conflict` when the survey is not open or today (UTC) is outside its dates.
#[utoipa::path(tag = "community", params(pipeline::ItemPath),
    request_body = SurveyResponseInput,
    responses((status = 201, description = "Recorded", body = ResponseReceipt),
        (status = 409, description = "The survey is not taking answers", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[post("/surveys/{id}/responses")]
pub async fn answer_survey(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<pipeline::ItemPath>,
    body: Body<SurveyResponseInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Surveys::READ)?;
    let id = path.into_inner().id;
    let input = body.into_inner()?;
    let actor = caller.actor();
    let account = caller.id.clone();
    let signed_in_as = match caller.role {
        Role::Partner => Audience::Partners,
        _ => Audience::Staff,
    };
    let receipt = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !platform::db::sql::is_id(&id) {
                return Err(Surveys::not_found());
            }
            // Locked, so the survey cannot close or change while the answer is judged.
            let row = pipeline::locked::<Surveys>(conn, &caller, &Collection::TOP, &id)?;
            respond(
                conn,
                &actor,
                row,
                input,
                &Respondent::SignedIn {
                    audience: signed_in_as,
                    account,
                },
            )
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(receipt))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    /// The survey's `public_token`.
    #[param(pattern = "^[A-Za-z0-9_-]{1,100}$")]
    pub token: String,
}

/// The open survey locked by its public link's key; 404 for any other key or state.
fn open_by_token(conn: &mut DbConnection, token: &str) -> Result<SurveyRow, ApiError> {
    let valid = !token.is_empty()
        && token.len() <= 100
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let found = match valid {
        true => store::by_token(conn, token)?,
        false => None,
    };
    match found {
        Some(row) if row.status == SurveyStatus::Open.as_str() => Ok(row),
        _ => Err(ApiError::not_found("survey")),
    }
}

/// A survey's questions, through its public link (no token): only while the survey is open.
///
/// Anyone may call it; requests are rate-limited per source address (429 with `Retry-After`).
/// An unknown key, or a survey in `draft` or `closed`, is 404. Only the `families` and
/// `community` audiences are listed, with the title, closing date and questions.
#[utoipa::path(tag = "community", params(TokenPath), security(()),
    responses((status = 200, description = "The questions", body = PublicSurvey),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[get("/public/surveys/{token}")]
pub async fn public_survey(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    path: web::Path<TokenPath>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let token = path.into_inner().token;
    let survey = db::run(&pool, move |conn| {
        Surveys::represent(open_by_token(conn, &token)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PublicSurvey::of(survey)))
}

/// Answer a survey through its public link, without an account or token: families and
/// community members. Rate-limited per address; never shows other answers. An optional
/// `respondent_key` answers once.
///
/// `audience` is required (422 `required`), must be `families` or `community` (`not_public`)
/// and one the survey asks (`not_asked`); answers are judged as for signed-in respondents. A
/// key already used on this survey, compared after trimming and case folding, is 409
/// `conflict` (only its SHA-256 digest is kept). A survey that `requires_invitation` needs an
/// `invitation_code` (422 `required`); a code the survey did not make is 422 `unknown_code`,
/// one that answered already 409 `conflict`. Without a code, one address gives one survey at
/// most `SURVEY_ANSWERS_PER_ADDRESS` answers in 24 hours (429 with `Retry-After`). 404 when
/// the link's key is unknown or the survey is not open; 409 outside its dates (UTC).
#[utoipa::path(tag = "community", params(TokenPath), security(()),
    request_body = SurveyResponseInput,
    responses((status = 201, description = "Recorded", body = ResponseReceipt),
        (status = 409, description = "Not taking answers, or this respondent key answered already",
            body = platform::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[post("/public/surveys/{token}/responses")]
pub async fn answer_public_survey(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    policy: web::Data<platform::settings::Policy>,
    pool: web::Data<DbPool>,
    path: web::Path<TokenPath>,
    body: Body<SurveyResponseInput>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let token = path.into_inner().token;
    let input = body.into_inner()?;
    let actor = Actor::public(platform::http::request_id::current());
    let respondent = Respondent::Public {
        address: limit.source_key(&req),
        per_day: policy.survey_answers_per_address,
    };
    let receipt = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let row = open_by_token(conn, &token)?;
            // Locked, so the survey cannot close or change while the answer is judged.
            if !SurveyRow::lock(conn, &row.id)? {
                return Err(ApiError::not_found("survey"));
            }
            let row = open_by_token(conn, &token)?;
            respond(conn, &actor, row, input, &respondent)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// A survey's results: per question the number who answered, counts per option and the mean of
/// scales; with `by=audience`, the same per audience. `format=csv` (or `Accept: text/csv`) for
/// a spreadsheet.
///
/// Needs `agreements:read`; a partner account gets 404 unless the survey is open and asks
/// `partners`. Admin, and staff of the survey's school (any staff for a district-wide survey),
/// with `kpi:read_small_cells`, read live results with free-text answers (`live: true`).
/// Everyone else (viewers, partners, integrations, staff of other schools) reads the responses
/// released so far, in whole blocks of `KPI_MIN_CELL_SIZE` in the order they came, so no
/// single answer shows between two reads; small counts, and those that would give them away
/// by subtraction (a hidden total included), read `null` with `suppressed: true`, free text is
/// left out, and a scale's mean is hidden whenever any of its counts is.
#[utoipa::path(tag = "community", params(pipeline::ItemPath, ResultsQuery),
    responses((status = 200, description = "The results",
        content((SurveyResults = "application/json"), (String = "text/csv")))))]
#[get("/surveys/{id}/results")]
pub async fn survey_results(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<platform::settings::Policy>,
    path: web::Path<pipeline::ItemPath>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Surveys::READ)?;
    let min = policy.kpi_min_cell_size;
    let id = path.into_inner().id;
    let query = query.into_inner();
    let (survey, stored, live) = db::run(&pool, move |conn| {
        let row = SurveyRow::find_key(conn, &id)?
            .filter(|r| Surveys::visible(&caller, r))
            .ok_or_else(Surveys::not_found)?;
        let live = reads_live(&caller, row.school_id.as_deref(), min);
        Ok((Surveys::represent(row)?, store::responses(conn, &id)?, live))
    })
    .await?;
    let (responses, invited) = released_answers(&stored, live, min)?;
    let by_audience = query.by == Some(Breakdown::Audience);
    // Judging a large survey's cells takes a while: off the worker that serves other requests.
    let counted = web::block(move || results(&survey, &responses, invited, by_audience, live, min))
        .await
        .map_err(|e| ApiError::Internal(format!("counting the results did not finish: {e}")))?;
    let wants_csv = match query.format {
        Some(format) => format == ResultsFormat::Csv,
        None => negotiate::accepts(&req, "text/csv"),
    };
    if wants_csv {
        let text = csv(&counted)
            .map_err(|e| ApiError::Internal(format!("cannot write the results as CSV: {e}")))?;
        return Ok(negotiate::csv(None).body(text));
    }
    Ok(HttpResponse::Ok().json(counted))
}

/// Registers the survey routes; the custom ones first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(survey_results);
    cfg.service(super::invitations::create_invitations);
    cfg.service(answer_survey);
    cfg.service(public_survey);
    cfg.service(answer_public_survey);
    routes(cfg);
}
