//! Answering a survey: the body, every answer judged against its question, and the write.
//! Signed-in callers answer as who they are (partners as partners, everyone else as staff);
//! families and community members answer through the survey's public link, without a token.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{Audience, Question, QuestionKind, Survey, SurveyStatus, Surveys};
use super::store::{self, ResponseRow, StoredAnswers, SurveyRow};
use auth::secret::sha256_hex;
use journal::audit::Actor;
use pipeline::Resource;
use platform::db::{now, today, DbConnection};
use platform::error::{check_all, ApiError, FieldError};

/// One respondent's answers.
///
/// Across fields: each answer fits its question (an option code of a single-choice question;
/// distinct option codes of a multiple-choice one; an integer 1 to 5 for a scale; text up to
/// 2,000 characters), every required question is answered, and no other code is.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"audience": "families", "respondent_key": "family-7f3a",
    "answers": {"needs": ["internet", "tutoring"], "satisfaction": 4, "ideas": "More evening events."}}))]
pub struct SurveyResponseInput {
    /// `{question code: answer}`.
    #[schema(schema_with = answers_schema)]
    pub answers: Map<String, Value>,
    /// Public link only: who answers, `families` or `community` (one of the survey's
    /// audiences). Signed-in callers answer as partners (partner accounts) or staff.
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Public link only, optional: any key the respondent keeps (a code from a letter home);
    /// the same key cannot answer the survey twice, compared after trimming and case folding
    /// (`LETTER-0042` is `letter-0042`). Only its digest is kept.
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub respondent_key: Option<String>,
    /// Public link only: the invitation code printed on a letter home (`POST
    /// /surveys/{id}/invitations`); required when the survey `requires_invitation`. Each code
    /// answers once; spaces, hyphens and case do not matter.
    #[serde(default)]
    #[validate(length(min = 1, max = 40))]
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = "^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$"
    )]
    pub invitation_code: Option<String>,
}

/// What is said back to a respondent: never anyone's answers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0194f0a3-6b7c-7d8e-9f0a-1b2c3d4e5f6a",
    "survey_id": "0193d6e1-4a2b-7c3d-8e4f-5a6b7c8d9e0f", "audience": "families",
    "created_at": "2027-01-14T18:32:05.271904Z"
}))]
pub struct ResponseReceipt {
    /// The recorded response's id (a UUID).
    pub id: String,
    /// The survey answered.
    pub survey_id: String,
    /// Who the response counts as: the audience sent, or `partners`/`staff` when signed in.
    pub audience: Audience,
    /// When the response was recorded (UTC).
    pub created_at: DateTime<Utc>,
}

/// What the public link shows: the questions, nothing internal.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "title": "Family needs 2027", "audiences": ["families", "community"], "closes_on": "2027-02-10",
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
    ]
}))]
pub struct PublicSurvey {
    /// The survey's title.
    pub title: String,
    /// Who may answer through the link.
    pub audiences: Vec<Audience>,
    /// The last day answers are taken (`YYYY-MM-DD`).
    pub closes_on: chrono::NaiveDate,
    /// The questions, in order; answers name them by `code`.
    pub questions: Vec<Question>,
}

impl PublicSurvey {
    pub fn of(survey: Survey) -> PublicSurvey {
        PublicSurvey {
            title: survey.title,
            audiences: survey
                .audiences
                .into_iter()
                .filter(|a| matches!(a, Audience::Families | Audience::Community))
                .collect(),
            closes_on: survey.closes_on,
            questions: survey.questions,
        }
    }
}

/// One response read back: who answered (the audience) and the answers by question code.
pub type Answered = (String, Map<String, Value>);

/// Stored responses (audience, answers as JSON) read back.
pub fn read_answers(stored: &[StoredAnswers]) -> Result<Vec<Answered>, ApiError> {
    stored
        .iter()
        .map(|s| match serde_json::from_str(&s.answers) {
            Ok(Value::Object(map)) => Ok((s.audience.clone(), map)),
            _ => Err(ApiError::Internal("stored answers cannot be read".into())),
        })
        .collect()
}

/// What one answer can be, by itself: an option code or text (a string), a scale point (1 to 5),
/// option codes (a list), or none. Which one a question takes is a rule across the survey's
/// questions, checked by [`judge`].
fn answers_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{
        AdditionalProperties, AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type,
    };
    use utoipa::openapi::RefOr;
    const CODE: &str = "^[a-z][a-z0-9_]{1,63}$";
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(2000))
        .pattern(Some(platform::http::text::TEXT_PATTERN));
    let scale = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(5));
    let codes = ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(CODE)),
        )
        .min_items(Some(1))
        .unique_items(true);
    let answer = AnyOfBuilder::new()
        .item(text)
        .item(scale)
        .item(codes)
        .item(ObjectBuilder::new().schema_type(Type::Null));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(CODE)),
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::AnyOf(
            answer.build(),
        )))))
        .description(Some(
            "`{question code: answer}`: an option code (single choice), option codes \
             (multiple choice), 1 to 5 (scale) or text (1 to 2,000 characters).",
        ))
        .build()
}

/// Every problem with `answers` against `questions`, each named `answers.{code}`.
pub fn judge(questions: &[Question], answers: &Map<String, Value>) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let bad = |code: &str, kind: &str, message: String| {
        FieldError::new(format!("answers.{code}"), kind, message)
    };
    for code in answers.keys() {
        if !questions.iter().any(|q| &q.code == code) {
            problems.push(bad(
                code,
                "unknown_question",
                "the survey has no such question".into(),
            ));
        }
    }
    for q in questions {
        let options: BTreeSet<&str> = q.options.iter().map(|o| o.code.as_str()).collect();
        let answer = answers.get(&q.code).filter(|a| !a.is_null());
        let Some(answer) = answer else {
            if q.required {
                problems.push(bad(
                    &q.code,
                    "required",
                    "this question must be answered".into(),
                ));
            }
            continue;
        };
        let problem = match q.kind {
            QuestionKind::SingleChoice => match answer.as_str() {
                Some(code) if options.contains(code) => None,
                _ => Some("must be one of the question's option codes"),
            },
            QuestionKind::MultipleChoice => match answer.as_array() {
                Some(chosen) if !chosen.is_empty() => {
                    let codes: Vec<Option<&str>> = chosen.iter().map(Value::as_str).collect();
                    let distinct: BTreeSet<Option<&str>> = codes.iter().copied().collect();
                    let valid = codes.iter().all(|c| c.is_some_and(|c| options.contains(c)));
                    (!valid || distinct.len() != codes.len())
                        .then_some("must be distinct option codes of the question")
                }
                _ => Some("must be a list of at least one option code"),
            },
            QuestionKind::Scale => match answer.as_i64() {
                Some(n) if (1..=5).contains(&n) => None,
                _ => Some("must be a whole number from 1 to 5"),
            },
            QuestionKind::Text => match answer.as_str() {
                Some(text) if !text.trim().is_empty() && text.chars().count() <= 2000 => None,
                _ => Some("must be text of 1 to 2,000 characters"),
            },
        };
        if let Some(message) = problem {
            problems.push(bad(&q.code, "invalid_answer", message.into()));
        }
    }
    problems
}

/// Who a respondent answers as, and the problems with it.
pub fn audience_of(
    survey: &Survey,
    asked: Option<Audience>,
    signed_in_as: Option<Audience>,
) -> Result<Audience, FieldError> {
    let audience = match (signed_in_as, asked) {
        (Some(own), _) => own,
        (None, Some(a @ (Audience::Families | Audience::Community))) => a,
        (None, Some(_)) => {
            return Err(FieldError::new(
                "audience",
                "not_public",
                "the public link is for families and community members",
            ))
        }
        (None, None) => {
            return Err(FieldError::new(
                "audience",
                "required",
                "say who answers: families or community",
            ))
        }
    };
    if !survey.audiences.contains(&audience) {
        return Err(FieldError::new(
            "audience",
            "not_asked",
            format!("this survey does not ask {}", audience.as_str()),
        ));
    }
    Ok(audience)
}

/// Who answers: a signed-in caller (as an audience), or someone through the public link.
#[derive(Debug, Clone)]
pub enum Respondent {
    /// A signed-in caller, as `audience`; `account` is its user or client id (each answers a
    /// survey once).
    SignedIn { audience: Audience, account: String },
    /// `address`: the key of the source address, when known; `per_day`: the answers one
    /// address may give one survey in 24 hours (0: no limit).
    Public {
        address: Option<String>,
        per_day: u32,
    },
}

/// A respondent key as compared: trimmed and case-folded, so `letter-0042`, `LETTER-0042` and
/// ` letter-0042` are one respondent.
pub fn normalised_key(key: &str) -> String {
    key.trim().to_lowercase()
}

/// An invitation code as compared: without spaces and hyphens, in capitals.
pub fn invitation_key(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Records one response to `row`, in the caller's transaction: the survey is open today, the
/// answers fit its questions, a respondent key answers once, an address answers a few times a
/// day. Audited as `actor`.
pub fn respond(
    conn: &mut DbConnection,
    actor: &Actor,
    row: SurveyRow,
    input: SurveyResponseInput,
    respondent: &Respondent,
) -> Result<ResponseReceipt, ApiError> {
    let survey = Surveys::represent(row)?;
    let today = today();
    if survey.status != SurveyStatus::Open || today < survey.opens_on || today > survey.closes_on {
        return Err(ApiError::Conflict(format!(
            "the survey takes answers while open, from {} to {}",
            survey.opens_on, survey.closes_on
        )));
    }
    let signed_in_as = match respondent {
        Respondent::SignedIn { audience, .. } => Some(*audience),
        Respondent::Public { .. } => None,
    };
    let mut problems = judge(&survey.questions, &input.answers);
    let audience = audience_of(&survey, input.audience, signed_in_as);
    if let Err(problem) = &audience {
        problems.push(problem.clone());
    }
    if signed_in_as.is_some() && input.respondent_key.is_some() {
        problems.push(FieldError::new(
            "respondent_key",
            "not_allowed",
            "signed-in respondents need no key",
        ));
    }
    match (&signed_in_as, &input.invitation_code) {
        (Some(_), Some(_)) => problems.push(FieldError::new(
            "invitation_code",
            "not_allowed",
            "signed-in respondents need no invitation",
        )),
        (None, None) if survey.requires_invitation => problems.push(FieldError::new(
            "invitation_code",
            "required",
            "this survey is answered with the invitation code of a letter home",
        )),
        _ => {}
    }
    check_all(&input, problems)?;
    let audience = audience.map_err(|e| ApiError::Validation(vec![e]))?;
    let digest_of = |what: &str| sha256_hex(format!("{}:{what}", survey.id).as_bytes());
    // An account's digest cannot meet a key's: the survey id is followed by `#`, not `:`.
    let digest = match respondent {
        Respondent::SignedIn { account, .. } => Some(sha256_hex(
            format!("{}#account#{account}", survey.id).as_bytes(),
        )),
        Respondent::Public { .. } => input
            .respondent_key
            .as_deref()
            .map(|key| digest_of(&normalised_key(key))),
    };
    if let Some(digest) = &digest {
        if store::answered(conn, &survey.id, digest)? {
            return Err(ApiError::Conflict(
                "this respondent (key or account) has answered the survey already".into(),
            ));
        }
    }
    let invited = match &input.invitation_code {
        Some(code) => {
            let digest = digest_of(&invitation_key(code));
            if !store::use_invitation(conn, &survey.id, &digest, now())? {
                return Err(match store::has_invitation(conn, &survey.id, &digest)? {
                    true => ApiError::Conflict("this invitation code has answered already".into()),
                    false => ApiError::Validation(vec![FieldError::new(
                        "invitation_code",
                        "unknown_code",
                        "this survey has no such invitation code",
                    )]),
                });
            }
            true
        }
        None => false,
    };
    if let Respondent::Public {
        address: Some(address),
        per_day,
    } = respondent
    {
        // A code answers once, so it is not held to the address's daily answers.
        if !invited && *per_day > 0 {
            let source = digest_of(&format!("address:{address}"));
            within_daily_answers(conn, &survey.id, &source, *per_day)?;
            store::note_source(conn, &survey.id, &source, now())?;
        }
    }
    let row = ResponseRow {
        id: platform::db::sql::new_id(),
        survey_id: survey.id.clone(),
        audience: audience.as_str().to_owned(),
        respondent_digest: digest,
        answers: Value::Object(input.answers).to_string(),
        created_at: now(),
        invited,
    };
    store::insert_response(conn, &row)?;
    let receipt = ResponseReceipt {
        id: row.id.clone(),
        survey_id: row.survey_id.clone(),
        audience,
        created_at: row.created_at.and_utc(),
    };
    journal::audit::created(
        conn,
        actor,
        journal::Topic::unpublished("survey_response"),
        &row.id,
        &receipt,
    )?;
    Ok(receipt)
}

/// 429, with the wait until the oldest of them is a day old, when `source` gave `survey`
/// `per_day` answers in the last 24 hours.
fn within_daily_answers(
    conn: &mut DbConnection,
    survey: &str,
    source: &str,
    per_day: u32,
) -> Result<(), ApiError> {
    let day = chrono::Duration::hours(24);
    let (given, oldest) = store::answers_from_source(conn, survey, source, now() - day)?;
    if given < i64::from(per_day) {
        return Ok(());
    }
    let wait = oldest.map_or(day, |oldest| oldest + day - now());
    Err(ApiError::TooManyRequests {
        retry_after: u64::try_from(wait.num_seconds()).unwrap_or(0) + 1,
        detail: format!(
            "this address has answered this survey {per_day} times in 24 hours; retry later"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::model::QuestionOption;
    use serde_json::json;

    fn questions() -> Vec<Question> {
        let option = |code: &str| QuestionOption {
            code: code.into(),
            label: code.into(),
            need_code: None,
        };
        vec![
            Question {
                code: "needs".into(),
                prompt: "?".into(),
                kind: QuestionKind::MultipleChoice,
                options: vec![option("internet"), option("tutoring")],
                required: true,
            },
            Question {
                code: "best".into(),
                prompt: "?".into(),
                kind: QuestionKind::SingleChoice,
                options: vec![option("internet"), option("tutoring")],
                required: false,
            },
            Question {
                code: "mood".into(),
                prompt: "?".into(),
                kind: QuestionKind::Scale,
                options: Vec::new(),
                required: false,
            },
            Question {
                code: "ideas".into(),
                prompt: "?".into(),
                kind: QuestionKind::Text,
                options: Vec::new(),
                required: false,
            },
        ]
    }

    fn fields(answers: Value) -> Vec<String> {
        let Value::Object(answers) = answers else {
            panic!("an object")
        };
        judge(&questions(), &answers)
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn answers_fit_their_questions() {
        assert!(fields(
            json!({"needs": ["internet"], "best": "tutoring", "mood": 5, "ideas": "x"})
        )
        .is_empty());
        assert_eq!(fields(json!({"mood": 3})), ["answers.needs"]);
        assert_eq!(
            fields(
                json!({"needs": ["internet", "internet"], "best": ["internet"], "mood": 6,
                "ideas": "", "extra": 1})
            ),
            [
                "answers.extra",
                "answers.needs",
                "answers.best",
                "answers.mood",
                "answers.ideas"
            ]
        );
        assert_eq!(
            fields(json!({"needs": ["jetpack"], "mood": 2.5})),
            ["answers.needs", "answers.mood"]
        );
    }
}
