//! Surveys: needs assessments, feedback and evaluations, their questions and their lifecycle
//! (draft → open → closed). Staff run the surveys of their schools, administrators any; a
//! partner sees the open surveys addressed to partners.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, SurveyFilter, SurveyRow};
use auth::{Caller, Role, Scope};
use journal::Topic;
use kpis::kpi_definitions::model::any_slug;
use pipeline::{CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// What a survey is for.
    pub enum Purpose {
        NeedsAssessment => "needs_assessment",
        Feedback => "feedback",
        Evaluation => "evaluation",
    }
}

platform::text_enum! {
    /// Who a survey asks.
    pub enum Audience {
        Families => "families",
        Partners => "partners",
        Staff => "staff",
        Community => "community",
    }
}

platform::text_enum! {
    /// Where a survey stands: drafted, taking answers, or done. It moves forward only.
    pub enum SurveyStatus {
        Draft => "draft",
        Open => "open",
        Closed => "closed",
    }
}

platform::text_enum! {
    /// How a question is answered: one option, any options, a scale of 1 to 5, or text.
    pub enum QuestionKind {
        SingleChoice => "single_choice",
        MultipleChoice => "multiple_choice",
        Scale => "scale",
        Text => "text",
    }
}

/// One answer a choice question offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    /// A slug, unique within the question.
    #[validate(custom(function = "any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: String,
    /// The text respondents see for this option, one line.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub label: String,
    /// The need this answer names (a code of `/need-categories`): a family choosing it says it
    /// has that need.
    #[serde(default)]
    #[validate(custom(function = "any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub need_code: Option<String>,
}

/// One question of a survey.
///
/// Across fields: choice questions have 2 to 50 options with distinct codes; scale and text
/// questions have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// A slug, unique within the survey; answers name their question by it.
    #[validate(custom(function = "any_slug"))]
    #[schema(pattern = "^[a-z][a-z0-9_]{1,63}$")]
    pub code: String,
    /// The question as respondents read it.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub prompt: String,
    /// How it is answered: one option, several options, a 1–5 scale, or free text.
    pub kind: QuestionKind,
    /// The answers offered: 2 to 50 for choice questions, none for `scale` and `text`.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub options: Vec<QuestionOption>,
    /// Whether every response must answer it.
    #[serde(default)]
    pub required: bool,
}

/// The writable fields of a survey.
///
/// Across fields: `opens_on` is not after `closes_on`; a survey opens with at least one
/// question; `status` moves draft → open → closed only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Family needs 2027", "purpose": "needs_assessment",
    "audiences": ["families", "community"], "school_id": null,
    "opens_on": "2027-01-10", "closes_on": "2027-02-10",
    "questions": [{"code": "needs", "prompt": "What would help your family most?",
        "kind": "multiple_choice", "required": true, "options": [
            {"code": "internet", "label": "Internet at home", "need_code": "internet_access"},
            {"code": "tutoring", "label": "Tutoring", "need_code": "tutoring"}]}]}))]
pub struct SurveyInput {
    /// The survey's title, one line; shown on the public answering link too.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// What the survey is for: `needs_assessment`, `feedback` or `evaluation`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Purpose, required = true)]
    pub purpose: Option<Purpose>,
    /// Who is asked; a set.
    #[serde(default)]
    #[validate(required, length(min = 1, max = 4))]
    #[schema(value_type = Vec<Audience>, required = true, min_items = 1, max_items = 4)]
    pub audiences: Option<Vec<Audience>>,
    /// The school it is for; none for the whole district.
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    /// The agreement it is about, if any.
    #[serde(default, deserialize_with = "trimmed")]
    pub agreement_id: Option<String>,
    /// The programme it is about, if any.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 200), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub programme: Option<String>,
    /// The first day answers are taken (`YYYY-MM-DD`, UTC days).
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub opens_on: Option<NaiveDate>,
    /// The last day answers are taken (`YYYY-MM-DD`); not before `opens_on`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub closes_on: Option<NaiveDate>,
    /// `draft` when left out.
    #[serde(default)]
    pub status: Option<SurveyStatus>,
    /// The questions, in order; up to 100, at least one once the survey is not a draft.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    #[schema(max_items = 100)]
    pub questions: Option<Vec<Question>>,
    /// Whether an answer through the public link needs an invitation code (made with
    /// `POST /surveys/{id}/invitations`, printed on letters home); `false` when left out.
    #[serde(default)]
    pub requires_invitation: Option<bool>,
}

impl SurveyInput {
    fn check(&self) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if let (Some(opens), Some(closes)) = (self.opens_on, self.closes_on) {
            if opens > closes {
                extra.push(FieldError::new(
                    "closes_on",
                    "before_opening",
                    "closes_on is before opens_on",
                ));
            }
        }
        let questions = self.questions.as_deref().unwrap_or_default();
        if self.status != Some(SurveyStatus::Draft) && self.status.is_some() && questions.is_empty()
        {
            extra.push(FieldError::new(
                "questions",
                "required",
                "a survey opens with at least one question",
            ));
        }
        extra.extend(question_problems(questions));
        check_all(self, extra)
    }
}

/// The rules across a question's fields and across questions.
fn question_problems(questions: &[Question]) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut codes = BTreeSet::new();
    for (i, q) in questions.iter().enumerate() {
        if !codes.insert(q.code.as_str()) {
            problems.push(FieldError::new(
                format!("questions[{i}].code"),
                "duplicate",
                format!("another question has the code {:?}", q.code),
            ));
        }
        let choice = matches!(
            q.kind,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        );
        if choice && q.options.len() < 2 {
            problems.push(FieldError::new(
                format!("questions[{i}].options"),
                "too_few_options",
                "a choice question offers at least two options",
            ));
        }
        if !choice && !q.options.is_empty() {
            problems.push(FieldError::new(
                format!("questions[{i}].options"),
                "not_allowed",
                "scale and text questions have no options",
            ));
        }
        let mut option_codes = BTreeSet::new();
        for (j, o) in q.options.iter().enumerate() {
            if !option_codes.insert(o.code.as_str()) {
                problems.push(FieldError::new(
                    format!("questions[{i}].options[{j}].code"),
                    "duplicate",
                    format!("another option has the code {:?}", o.code),
                ));
            }
        }
    }
    problems
}

/// Whether a survey may move from `from` to `to`.
pub fn may_move(from: SurveyStatus, to: SurveyStatus) -> bool {
    use SurveyStatus::*;
    matches!(
        (from, to),
        (Draft, Draft) | (Draft, Open) | (Open, Open) | (Open, Closed) | (Closed, Closed)
    )
}

/// A survey.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193d6e1-4a2b-7c3d-8e4f-5a6b7c8d9e0f", "title": "Family needs 2027",
    "purpose": "needs_assessment", "audiences": ["families", "community"], "school_id": null,
    "agreement_id": null, "programme": "Community schools", "opens_on": "2027-01-10",
    "closes_on": "2027-02-10", "status": "open",
    "questions": [
        {
            "code": "needs", "prompt": "What would help your family most?",
            "kind": "multiple_choice", "required": true,
            "options": [
                {"code": "internet", "label": "Internet at home", "need_code": "internet_access"},
                {"code": "tutoring", "label": "Tutoring", "need_code": "tutoring"},
                {"code": "childcare", "label": "Childcare", "need_code": "childcare"}
            ]
        },
        {
            "code": "satisfaction",
            "prompt": "How well do the school and its partners keep you informed?", "kind": "scale",
            "required": false, "options": []
        },
        {
            "code": "ideas", "prompt": "What else should the school and its partners offer?",
            "kind": "text", "required": false, "options": []
        }
    ],
    "public_token": "k3Vx9QpLm2TzR8wYb5NcHf7GdJ4sAe6U", "requires_invitation": false,
    "version": 2,
    "created_at": "2026-12-07T15:02:41.337190Z", "updated_at": "2027-01-09T16:45:10.902554Z"
}))]
pub struct Survey {
    /// The survey's id (a UUID).
    pub id: String,
    /// The survey's title.
    pub title: String,
    /// What the survey is for.
    pub purpose: Purpose,
    /// Who is asked, in a fixed order; each appears once.
    pub audiences: Vec<Audience>,
    /// The school it is for; `null` for a district-wide survey.
    pub school_id: Option<String>,
    /// The agreement it is about; `null` when none.
    pub agreement_id: Option<String>,
    /// The programme it is about; `null` when none.
    pub programme: Option<String>,
    /// The first day answers are taken.
    pub opens_on: NaiveDate,
    /// The last day answers are taken.
    pub closes_on: NaiveDate,
    /// `draft`, `open` (taking answers within its dates) or `closed`.
    pub status: SurveyStatus,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Once open: the key of the public answering link
    /// (`/api/v1/public/surveys/{public_token}/responses`), for families and community members
    /// without accounts.
    pub public_token: Option<String>,
    /// Whether an answer through the public link needs an invitation code.
    pub requires_invitation: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the survey was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the survey last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("stored survey {what} cannot be read: {e}"))
}

fn audiences_to_column(audiences: &[Audience]) -> String {
    let set: BTreeSet<Audience> = audiences.iter().copied().collect();
    let mut column = String::from(",");
    for a in set {
        column.push_str(a.as_str());
        column.push(',');
    }
    column
}

fn audiences_from_column(column: &str) -> Result<Vec<Audience>, ApiError> {
    column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Audience::parse(s).ok_or_else(|| corrupt("audience", s)))
        .collect()
}

impl Survey {
    fn from_row(row: SurveyRow) -> Result<Survey, ApiError> {
        Ok(Survey {
            purpose: Purpose::parse(&row.purpose)
                .ok_or_else(|| corrupt("purpose", &row.purpose))?,
            audiences: audiences_from_column(&row.audiences)?,
            status: SurveyStatus::parse(&row.status)
                .ok_or_else(|| corrupt("status", &row.status))?,
            questions: serde_json::from_str(&row.questions).map_err(|e| corrupt("questions", e))?,
            id: row.id,
            title: row.title,
            school_id: row.school_id,
            agreement_id: row.agreement_id,
            programme: row.programme,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            public_token: row.public_token,
            requires_invitation: row.requires_invitation,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

platform::sort_enum! {
    /// Order of the surveys: newest first (the default), by `title`, or by time.
    pub enum SurveySort default CreatedAtDesc {
        CreatedAtDesc => "-created_at": CreatedAt desc;
        CreatedAt => "created_at": CreatedAt;
        Title => "title": Name;
        TitleDesc => "-title": Name desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /surveys`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SurveyQuery {
    /// Only surveys in this status (partner accounts only ever see `open` ones).
    #[param(inline)]
    pub status: Option<SurveyStatus>,
    /// Only surveys with this purpose.
    #[param(inline)]
    pub purpose: Option<Purpose>,
    /// Only the surveys of this school (district-wide surveys are left out).
    pub school_id: Option<String>,
    /// Only the surveys about this agreement.
    pub agreement_id: Option<String>,
    /// Only surveys that ask this audience (partner accounts: always `partners`).
    #[param(inline)]
    pub audience: Option<Audience>,
}

pub struct Surveys;

impl Resource for Surveys {
    const TOPIC: Topic = Topic::published("survey");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = SurveyRow;
    type Input = SurveyInput;
    type Output = Survey;
    type Filter = SurveyQuery;
    type Sort = SurveySort;

    fn represent(row: SurveyRow) -> Result<Survey, ApiError> {
        Survey::from_row(row)
    }

    fn writable(row: &SurveyRow) -> Result<SurveyInput, ApiError> {
        let survey = Survey::from_row(row.clone())?;
        Ok(SurveyInput {
            title: Some(survey.title),
            purpose: Some(survey.purpose),
            audiences: Some(survey.audiences),
            school_id: survey.school_id,
            agreement_id: survey.agreement_id,
            programme: survey.programme,
            opens_on: Some(survey.opens_on),
            closes_on: Some(survey.closes_on),
            status: Some(survey.status),
            questions: Some(survey.questions),
            requires_invitation: Some(survey.requires_invitation),
        })
    }

    fn check(input: &SurveyInput, _id: Option<&str>) -> Result<(), ApiError> {
        input.check()
    }

    fn build(
        _conn: &mut DbConnection,
        input: SurveyInput,
        _place: &Collection,
        stamp: Stamp,
        current: Option<&SurveyRow>,
        _ctx: &CallerContext,
    ) -> Result<SurveyRow, ApiError> {
        let status = input.status.unwrap_or(SurveyStatus::Draft);
        let questions = serde_json::to_string(&input.questions.unwrap_or_default())
            .map_err(|e| ApiError::Internal(format!("cannot store questions: {e}")))?;
        // The public link exists from the moment the survey opens, and keeps its key.
        let public_token = match current.and_then(|c| c.public_token.clone()) {
            Some(token) => Some(token),
            None if status != SurveyStatus::Draft => Some(auth::password::random_token(24)?),
            None => None,
        };
        Ok(SurveyRow {
            id: stamp.id,
            title: input.title.unwrap_or_default(),
            purpose: input
                .purpose
                .unwrap_or(Purpose::Feedback)
                .as_str()
                .to_owned(),
            audiences: audiences_to_column(input.audiences.as_deref().unwrap_or_default()),
            school_id: input.school_id,
            agreement_id: input.agreement_id,
            programme: input.programme,
            opens_on: input.opens_on.unwrap_or_default(),
            closes_on: input.closes_on.unwrap_or_default(),
            status: status.as_str().to_owned(),
            questions,
            public_token,
            requires_invitation: input.requires_invitation.unwrap_or(false),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner sees the open surveys addressed to partners.
    fn visible(caller: &Caller, row: &SurveyRow) -> bool {
        caller.role != Role::Partner
            || (row.status == SurveyStatus::Open.as_str() && row.audiences.contains(",partners,"))
    }

    /// Staff run the surveys of their schools; district-wide surveys are for administrators.
    fn may_change(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &SurveyRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(row.school_id.as_deref())
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: SurveyQuery,
        page: &PageRequest,
    ) -> Result<Vec<SurveyRow>, ApiError> {
        let partner = ctx.caller.role == Role::Partner;
        let filter = SurveyFilter {
            status: match partner {
                true => Some(SurveyStatus::Open.as_str().to_owned()),
                false => query.status.map(|s| s.as_str().to_owned()),
            },
            purpose: query.purpose.map(|p| p.as_str().to_owned()),
            school_id: query.school_id,
            agreement_id: query.agreement_id,
            audience: match partner {
                true => Some(Audience::Partners.as_str().to_owned()),
                false => query.audience.map(|a| a.as_str().to_owned()),
            },
        };
        let mut rows = store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?;
        // A partner asking for closed surveys sees none.
        if partner && query.status.is_some_and(|s| s != SurveyStatus::Open) {
            rows.clear();
        }
        Ok(rows)
    }

    /// The school, agreement and needs named exist; the status moves forward; staff write for
    /// their schools.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        before: Option<&SurveyRow>,
        after: &SurveyRow,
    ) -> Result<(), ApiError> {
        ctx.caller
            .check_school_or_district(after.school_id.as_deref())?;
        if let Some(before) = before {
            // Answers are judged against the questions as they were: once a survey has them,
            // only closing it changes anything.
            let mut probe = after.clone();
            probe.status.clone_from(&before.status);
            probe.version = before.version;
            probe.updated_at = before.updated_at;
            if probe != *before && store::has_responses(conn, &before.id)? {
                return Err(ApiError::Conflict(
                    "the survey has responses: it can only be closed".into(),
                ));
            }
        }
        let mut problems = Vec::new();
        if let Some(before) = before {
            let from = SurveyStatus::parse(&before.status).unwrap_or(SurveyStatus::Draft);
            let to = SurveyStatus::parse(&after.status).unwrap_or(SurveyStatus::Draft);
            if !may_move(from, to) {
                problems.push(FieldError::new(
                    "status",
                    "invalid_transition",
                    format!(
                        "a survey moves draft → open → closed; it cannot go from {} to {}",
                        from.as_str(),
                        to.as_str()
                    ),
                ));
            }
        }
        if let Some(school) = &after.school_id {
            if directory::schools::SchoolRow::find_key(conn, school)?.is_none() {
                problems.push(FieldError::new(
                    "school_id",
                    "unknown_school",
                    "no school has this id",
                ));
            }
        }
        if let Some(agreement) = &after.agreement_id {
            if commitments::agreements::AgreementWithParties::find_key(conn, agreement)?.is_none() {
                problems.push(FieldError::new(
                    "agreement_id",
                    "unknown_agreement",
                    "no agreement has this id",
                ));
            }
        }
        let questions: Vec<Question> = serde_json::from_str(&after.questions)
            .map_err(|e| ApiError::Internal(format!("cannot read questions back: {e}")))?;
        for (i, q) in questions.iter().enumerate() {
            for (j, o) in q.options.iter().enumerate() {
                if let Some(need) = &o.need_code {
                    if <crate::need_categories::NeedRow as platform::db::Stored>::find_key(
                        conn, need,
                    )?
                    .is_none()
                    {
                        problems.push(FieldError::new(
                            format!("questions[{i}].options[{j}].need_code"),
                            "unknown_need",
                            format!("no need category has the code {need:?}"),
                        ));
                    }
                }
            }
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(ApiError::Validation(problems)),
        }
    }

    /// A survey with responses is kept: close it instead.
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &SurveyRow,
    ) -> Result<(), ApiError> {
        if store::has_responses(conn, &row.id)? {
            return Err(ApiError::Conflict(
                "the survey has responses: close it instead".into(),
            ));
        }
        // Codes printed for a survey nobody answered go with it.
        store::delete_invitations(conn, &row.id)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_moves_forward_only() {
        use SurveyStatus::*;
        assert!(may_move(Draft, Open));
        assert!(may_move(Open, Closed));
        assert!(!may_move(Open, Draft));
        assert!(!may_move(Closed, Open));
        assert!(!may_move(Draft, Closed));
    }

    #[test]
    fn questions_are_judged_across_their_fields() {
        let q = |code: &str, kind, options: Vec<&str>| Question {
            code: code.into(),
            prompt: "?".into(),
            kind,
            options: options
                .into_iter()
                .map(|o| QuestionOption {
                    code: o.into(),
                    label: o.into(),
                    need_code: None,
                })
                .collect(),
            required: false,
        };
        let problems = question_problems(&[
            q("a", QuestionKind::SingleChoice, vec!["x"]),
            q("a", QuestionKind::Scale, vec!["x", "y"]),
            q("b", QuestionKind::MultipleChoice, vec!["x", "x"]),
        ]);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "questions[0].options",
                "questions[1].code",
                "questions[1].options",
                "questions[2].options[1].code"
            ]
        );
    }
}
