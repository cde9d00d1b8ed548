//! SQL for surveys.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use platform::db::keyset::{After, Sort};
use platform::db::schema::{survey_answer_sources, survey_invitations, survey_responses, surveys};
use platform::db::{DbConnection, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = surveys, treat_none_as_null = true)]
pub struct SurveyRow {
    pub id: String,
    pub title: String,
    pub purpose: String,
    /// `,families,partners,`: a set in a fixed order.
    pub audiences: String,
    pub school_id: Option<String>,
    pub agreement_id: Option<String>,
    pub programme: Option<String>,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub status: String,
    /// The questions, as JSON.
    pub questions: String,
    pub public_token: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Public answers need an invitation code.
    pub requires_invitation: bool,
}

platform::stored_rows!(SurveyRow, surveys, name = title);

/// The filters of a page of surveys.
#[derive(Debug, Default)]
pub struct SurveyFilter {
    pub status: Option<String>,
    pub purpose: Option<String>,
    pub school_id: Option<String>,
    pub agreement_id: Option<String>,
    /// Only surveys addressed to this audience.
    pub audience: Option<String>,
}

/// Up to `limit` surveys after `after` in `sort` order (`SortKey::Name` is the title).
pub fn page(
    conn: &mut DbConnection,
    filter: &SurveyFilter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<SurveyRow>> {
    let mut query = surveys::table
        .select(SurveyRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(status) = &filter.status {
        query = query.filter(surveys::status.eq(status.clone()));
    }
    if let Some(purpose) = &filter.purpose {
        query = query.filter(surveys::purpose.eq(purpose.clone()));
    }
    if let Some(school) = &filter.school_id {
        query = query.filter(surveys::school_id.eq(school.clone()));
    }
    if let Some(agreement) = &filter.agreement_id {
        query = query.filter(surveys::agreement_id.eq(agreement.clone()));
    }
    if let Some(audience) = &filter.audience {
        query = query.filter(surveys::audiences.like(format!("%,{audience},%")));
    }
    let query = platform::keyset_page!(query, surveys, title, sort, after);
    query.limit(limit).load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = survey_responses)]
pub struct ResponseRow {
    pub id: String,
    pub survey_id: String,
    pub audience: String,
    pub respondent_digest: Option<String>,
    /// `{question code: answer}`, as JSON.
    pub answers: String,
    pub created_at: NaiveDateTime,
    /// Whether the answer came with an invitation code.
    pub invited: bool,
}

pub fn insert_response(conn: &mut DbConnection, row: &ResponseRow) -> QueryResult<()> {
    diesel::insert_into(survey_responses::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Whether anyone has answered the survey.
pub fn has_responses(conn: &mut DbConnection, survey: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        survey_responses::table.filter(survey_responses::survey_id.eq(survey)),
    ))
    .get_result(conn)
}

/// Whether this respondent key has answered the survey already.
pub fn answered(conn: &mut DbConnection, survey: &str, digest: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        survey_responses::table
            .filter(survey_responses::survey_id.eq(survey))
            .filter(survey_responses::respondent_digest.eq(digest)),
    ))
    .get_result(conn)
}

/// How many answers to `survey` came from the source `digest` since `since`, and when the
/// oldest of them came. Sources older than `since` are forgotten first: the limit needs no more.
pub fn answers_from_source(
    conn: &mut DbConnection,
    survey: &str,
    digest: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    diesel::delete(
        survey_answer_sources::table
            .filter(survey_answer_sources::survey_id.eq(survey))
            .filter(survey_answer_sources::answered_at.lt(since)),
    )
    .execute(conn)?;
    survey_answer_sources::table
        .filter(survey_answer_sources::survey_id.eq(survey))
        .filter(survey_answer_sources::source_digest.eq(digest))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(survey_answer_sources::answered_at),
        ))
        .first(conn)
}

/// Notes that the source `digest` answered `survey` at `at`.
pub fn note_source(
    conn: &mut DbConnection,
    survey: &str,
    digest: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(survey_answer_sources::table)
        .values((
            survey_answer_sources::id.eq(platform::db::sql::new_id()),
            survey_answer_sources::survey_id.eq(survey),
            survey_answer_sources::source_digest.eq(digest),
            survey_answer_sources::answered_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Forgets the invitation codes of `survey` (deleted before anyone answered).
pub fn delete_invitations(conn: &mut DbConnection, survey: &str) -> QueryResult<usize> {
    diesel::delete(survey_invitations::table.filter(survey_invitations::survey_id.eq(survey)))
        .execute(conn)
}

/// The survey whose public answering link has this key.
pub fn by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<SurveyRow>> {
    surveys::table
        .filter(surveys::public_token.eq(token))
        .select(SurveyRow::as_select())
        .first(conn)
        .optional()
}

/// One stored response as results read it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StoredAnswers {
    pub audience: String,
    /// `{question code: answer}`, as JSON.
    pub answers: String,
    /// Whether it came with an invitation code.
    pub invited: bool,
}

/// Every response's audience, answers (JSON) and whether it was invited, oldest first.
pub fn responses(conn: &mut DbConnection, survey: &str) -> QueryResult<Vec<StoredAnswers>> {
    survey_responses::table
        .filter(survey_responses::survey_id.eq(survey))
        // The order released blocks are cut in: answers are written under the survey's lock,
        // so none lands before one already read.
        .order((
            survey_responses::created_at.asc(),
            survey_responses::id.asc(),
        ))
        .select((
            survey_responses::audience,
            survey_responses::answers,
            survey_responses::invited,
        ))
        .load(conn)
}

/// Stores the digests of new invitation codes of `survey`.
pub fn insert_invitations(
    conn: &mut DbConnection,
    survey: &str,
    digests: &[String],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    // One statement a code: a multi-row insert has no form both backends share here, and a
    // request makes at most a thousand.
    let mut inserted = 0;
    for digest in digests {
        inserted += diesel::insert_into(survey_invitations::table)
            .values((
                survey_invitations::digest.eq(digest),
                survey_invitations::survey_id.eq(survey),
                survey_invitations::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(inserted)
}

/// Marks the invitation `digest` of `survey` used, if it is unused: whether it was.
pub fn use_invitation(
    conn: &mut DbConnection,
    survey: &str,
    digest: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let used = diesel::update(
        survey_invitations::table
            .filter(survey_invitations::digest.eq(digest))
            .filter(survey_invitations::survey_id.eq(survey))
            .filter(survey_invitations::used_at.is_null()),
    )
    .set(survey_invitations::used_at.eq(at))
    .execute(conn)?;
    Ok(used == 1)
}

/// Whether `survey` has the invitation `digest`, used or not.
pub fn has_invitation(conn: &mut DbConnection, survey: &str, digest: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        survey_invitations::table
            .filter(survey_invitations::digest.eq(digest))
            .filter(survey_invitations::survey_id.eq(survey)),
    ))
    .get_result(conn)
}

/// The needs assessment of `school` (of the district when `None`) that closed last.
pub fn latest_closed_assessment(
    conn: &mut DbConnection,
    school: Option<&str>,
) -> QueryResult<Option<SurveyRow>> {
    let mut query = surveys::table
        .filter(surveys::purpose.eq("needs_assessment"))
        .filter(surveys::status.eq("closed"))
        .select(SurveyRow::as_select())
        .into_boxed::<MultiBackend>();
    query = match school {
        Some(school) => query.filter(surveys::school_id.eq(school.to_owned())),
        None => query.filter(surveys::school_id.is_null()),
    };
    query
        .order((surveys::closes_on.desc(), surveys::id.desc()))
        .first(conn)
        .optional()
}
