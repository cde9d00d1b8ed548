//! Invitation codes for letters home: printable, unguessable, each answering its survey once.
//! Only the digests are stored, so the codes are shown once, when made.

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{SurveyStatus, Surveys};
use super::responses::invitation_key;
use super::store;
use auth::secret::sha256_hex;
use auth::Caller;
use pipeline::{self as pipeline, Collection, Resource};
use platform::db::{self, now, DbPool};
use platform::error::{check_all, ApiError};
use platform::http::body::Body;

/// The letters a code is made of: no 0/O, 1/I/L or U, so a code read aloud or copied from
/// paper is typed right.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Letters in a code: 12 of 30 is about 59 bits, far beyond guessing at any rate the public
/// link allows.
const CODE_LETTERS: usize = 12;
/// The most codes one request makes.
pub const MAX_CODES: u32 = 1000;

/// How many invitation codes to make.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"count": 120}))]
pub struct InvitationRequest {
    /// How many codes to make, one per letter home: 1 to 1,000 a request.
    #[serde(default)]
    #[validate(required, range(min = 1, max = 1000))]
    #[schema(value_type = u32, required = true, minimum = 1, maximum = 1000)]
    pub count: Option<u32>,
}

/// New invitation codes, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"survey_id": "0193d6e1-4a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "codes": ["K7QX-M2PD-9TWR", "H4NB-8ZCE-3VKS"]}))]
pub struct Invitations {
    /// The survey the codes answer.
    pub survey_id: String,
    /// The codes, `XXXX-XXXX-XXXX`: print each on one letter. Only their digests are kept,
    /// so they cannot be read again.
    pub codes: Vec<String>,
}

/// One new code, `XXXX-XXXX-XXXX`, from the operating system's randomness.
fn new_code() -> Result<String, ApiError> {
    let mut letters = String::with_capacity(CODE_LETTERS + 2);
    // Bytes above the last whole multiple of the alphabet are dropped, so every letter is as
    // likely as any other.
    let fair = 256 - 256 % ALPHABET.len();
    let mut buffer = [0u8; 32];
    while letters.len() < CODE_LETTERS + 2 {
        getrandom::fill(&mut buffer)
            .map_err(|e| ApiError::Internal(format!("no randomness available: {e}")))?;
        for byte in buffer.iter().map(|b| usize::from(*b)).filter(|b| *b < fair) {
            if letters.len() == CODE_LETTERS + 2 {
                break;
            }
            if letters.len() % 5 == 4 {
                letters.push('-');
            }
            letters.push(char::from(ALPHABET[byte % ALPHABET.len()]));
        }
    }
    Ok(letters)
}

/// Make invitation codes for a survey's letters home: each answers the survey once through its
/// public link (as `invitation_code`), and a survey that `requires_invitation` takes no public
/// answer without one. The codes are in this answer only; only their digests are kept.
///
/// Needs `agreements:write`; staff only for surveys of their schools (403), and what is
/// district-wide is for administrators. A closed survey is 409 `conflict`. `count` is 1 to
/// 1,000 a request; ask again for more.
#[utoipa::path(tag = "community", params(pipeline::ItemPath),
    request_body = InvitationRequest,
    responses((status = 201, description = "The codes, shown this once", body = Invitations),
        (status = 409, description = "The survey is closed", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[post("/surveys/{id}/invitations")]
pub async fn create_invitations(
    caller: Caller,
    pool: web::Data<DbPool>,
    path: web::Path<pipeline::ItemPath>,
    body: Body<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Surveys::WRITE)?;
    let id = path.into_inner().id;
    let input = body.into_inner()?;
    check_all(&input, Vec::new())?;
    let count = input.count.unwrap_or_default().min(MAX_CODES);
    let actor = caller.actor();
    let made = db::write(&pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !platform::db::sql::is_id(&id) {
                return Err(Surveys::not_found());
            }
            let row = pipeline::locked::<Surveys>(conn, &caller, &Collection::TOP, &id)?;
            caller.check_school_or_district(row.school_id.as_deref())?;
            if row.status == SurveyStatus::Closed.as_str() {
                return Err(ApiError::Conflict(
                    "the survey is closed: it takes no more answers".into(),
                ));
            }
            let codes = (0..count)
                .map(|_| new_code())
                .collect::<Result<Vec<_>, _>>()?;
            let digests: Vec<String> = codes
                .iter()
                .map(|code| sha256_hex(format!("{id}:{}", invitation_key(code)).as_bytes()))
                .collect();
            store::insert_invitations(conn, &id, &digests, now())?;
            // The trail says that codes were made, never what they are.
            journal::audit::created(
                conn,
                &actor,
                journal::Topic::unpublished("survey_invitations"),
                &id,
                &json!({"survey_id": id, "count": count}),
            )?;
            Ok(Invitations {
                survey_id: id,
                codes,
            })
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(made))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_printable_and_fair() {
        let codes: Vec<String> = (0..200).map(|_| new_code().unwrap_or_default()).collect();
        for code in &codes {
            assert_eq!(code.len(), 14, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [4, 4, 4]
            );
            assert!(code.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)));
        }
        let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
        // Typed back loosely, a code is the same code.
        let typed = codes[0].to_lowercase().replace('-', " ");
        assert_eq!(invitation_key(&typed), invitation_key(&codes[0]));
    }
}
