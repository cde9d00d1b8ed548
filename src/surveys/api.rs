//! Routes for `/surveys`.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{Audience, Survey, SurveyInput, SurveyQuery, SurveySort, SurveyStatus, Surveys};
use super::responses::{respond, PublicSurvey, ResponseInput, ResponseReceipt};
use super::results::{csv, results, Breakdown, ResultsFormat, ResultsQuery, SurveyResults};
use super::store::{self, SurveyRow};
use crate::audit::Actor;
use crate::auth::limits::PublicLimit;
use crate::auth::{Caller, Role};
use crate::db::{self, DbConnection, DbPool};
use crate::error::ApiError;
use crate::http::body::Body;
use crate::resource::{self as pipeline, Place, Resource, Stored};

crate::resource_api! {
    resource: Surveys, tag: "community",
    collection: "/surveys", item: "/surveys/{id}",
    parent: [],
    filter: SurveyQuery, sort: SurveySort, input: SurveyInput, output: Survey,
    /// Surveys, newest first. A partner sees the open surveys addressed to partners.
    list: list_surveys,
    /// Draft a survey: its questions, audiences, school (or the district) and dates. Staff
    /// draft for their schools; district-wide surveys are for administrators.
    create: create_survey,
    /// One survey, with its questions and, once open, its public answering link's key.
    get: get_survey,
    /// Replace a survey.
    replace: replace_survey,
    /// Change a survey (JSON Merge Patch); `status` opens (`open`) and closes (`closed`) it.
    patch: patch_survey,
    /// Delete a survey.
    delete: delete_survey,
}

/// Answer a survey as a signed-in caller: partner accounts answer as partners, everyone else
/// as staff. Only open surveys take answers, while today is within their dates; 422 names each
/// answer that does not fit its question.
#[utoipa::path(tag = "community", params(crate::resource::ItemPath),
    request_body = ResponseInput,
    responses((status = 201, description = "Recorded", body = ResponseReceipt),
        (status = 409, description = "The survey is not taking answers", body = crate::error::Problem,
            content_type = "application/problem+json")))]
#[post("/surveys/{id}/responses")]
pub async fn answer_survey(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<crate::resource::ItemPath>,
    body: Body<ResponseInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Surveys::READ)?;
    let id = path.into_inner().id;
    let input = body.into_inner()?;
    let actor = caller.actor();
    let signed_in_as = match caller.role {
        Role::Partner => Audience::Partners,
        _ => Audience::Staff,
    };
    let receipt = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !crate::db::sql::is_id(&id) {
                return Err(Surveys::not_found());
            }
            // Locked, so the survey cannot close or change while the answer is judged.
            let row = pipeline::locked::<Surveys>(conn, &caller, &Place::TOP, &id)?;
            respond(conn, &actor, row, input, Some(signed_in_as))
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
#[utoipa::path(tag = "community", params(TokenPath), security(()),
    responses((status = 200, description = "The questions", body = PublicSurvey),
        (status = 429, description = "Too many requests from this address", body = crate::error::Problem,
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
#[utoipa::path(tag = "community", params(TokenPath), security(()),
    request_body = ResponseInput,
    responses((status = 201, description = "Recorded", body = ResponseReceipt),
        (status = 409, description = "Not taking answers, or this respondent key answered already",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = crate::error::Problem,
            content_type = "application/problem+json")))]
#[post("/public/surveys/{token}/responses")]
pub async fn answer_public_survey(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    path: web::Path<TokenPath>,
    body: Body<ResponseInput>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let token = path.into_inner().token;
    let input = body.into_inner()?;
    let actor = Actor::public(crate::http::request_id::current());
    let receipt = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let row = open_by_token(conn, &token)?;
            // Locked, so the survey cannot close or change while the answer is judged.
            if !SurveyRow::lock(conn, &row.id)? {
                return Err(ApiError::not_found("survey"));
            }
            let row = open_by_token(conn, &token)?;
            respond(conn, &actor, row, input, None)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// A survey's results: per question the number who answered, counts per option and the mean of
/// scales; with `by=audience`, the same per audience. For roles other than admin and staff,
/// counts below `KPI_MIN_CELL_SIZE` (and those that would give them away by subtraction) read
/// `null` with `suppressed: true`, and free-text answers are left out. `format=csv` (or
/// `Accept: text/csv`) for a spreadsheet.
#[utoipa::path(tag = "community", params(crate::resource::ItemPath, ResultsQuery),
    responses((status = 200, description = "The results",
        content((SurveyResults = "application/json"), (String = "text/csv")))))]
#[get("/surveys/{id}/results")]
pub async fn survey_results(
    req: HttpRequest,
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<crate::config::Policy>,
    path: web::Path<crate::resource::ItemPath>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Surveys::READ)?;
    let open = matches!(caller.role, Role::Admin | Role::Staff);
    let min = policy.kpi_min_cell_size;
    let id = path.into_inner().id;
    let query = query.into_inner();
    let (survey, stored) = db::run(&pool, move |conn| {
        let row = SurveyRow::find_key(conn, &id)?
            .filter(|r| Surveys::visible(&caller, r))
            .ok_or_else(Surveys::not_found)?;
        Ok((Surveys::represent(row)?, store::responses(conn, &id)?))
    })
    .await?;
    let responses = super::responses::read_answers(stored)?;
    let by_audience = query.by == Some(Breakdown::Audience);
    let counted = results(&survey, &responses, by_audience, open, min);
    let wants_csv = query.format == Some(ResultsFormat::Csv)
        || (query.format.is_none()
            && req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/csv")));
    if wants_csv {
        let text = csv(&counted)
            .map_err(|e| ApiError::Internal(format!("cannot write the results as CSV: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(text));
    }
    Ok(HttpResponse::Ok().json(counted))
}

/// Registers the survey routes; the custom ones first.
pub fn all_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(survey_results);
    cfg.service(answer_survey);
    cfg.service(public_survey);
    cfg.service(answer_public_survey);
    routes(cfg);
}
