//! Committee members: their wire types and rules. A seat is held by a user, a partner's
//! contact or a community member named on the seat: exactly one.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, MemberFilter, MemberRow};
use auth::Scope;
use directory::contacts::ContactRow;
use directory::users::UserRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// A member's part on the committee.
    pub enum MemberRole {
        Chair => "chair",
        Member => "member",
        Secretary => "secretary",
    }
}

platform::text_enum! {
    /// Whom a member speaks for.
    pub enum Represents {
        Family => "family",
        Community => "community",
        Business => "business",
        Staff => "staff",
        Student => "student",
    }
}

impl Represents {
    /// The seats the dashboard counts as community seats: everyone but staff and students.
    pub const COMMUNITY: [Represents; 3] = [
        Represents::Family,
        Represents::Community,
        Represents::Business,
    ];
}

/// The writable fields of a member.
///
/// Across fields: exactly one of `user_id`, `contact_id` and `name`; `term_end` is not
/// before `term_start`; a user or contact holds one seat at a time on a committee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Maria Lopez", "role": "member", "represents": "family",
    "term_start": "2026-09-01", "term_end": "2028-08-31"}))]
pub struct MemberInput {
    /// A user of this service (staff, most often).
    #[serde(default, deserialize_with = "trimmed")]
    pub user_id: Option<String>,
    /// A partner's contact: the partner then sees this committee.
    #[serde(default, deserialize_with = "trimmed")]
    pub contact_id: Option<String>,
    /// A family or community member without an account.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub name: Option<String>,
    /// The member's part on the committee: `chair`, `member` or `secretary`.
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = MemberRole, required = true)]
    pub role: Option<MemberRole>,
    /// Whom the member speaks for (`family`, `community`, `business`, `staff`, `student`).
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = Represents, required = true)]
    pub represents: Option<Represents>,
    /// The first day of the term (`YYYY-MM-DD`).
    #[serde(default)]
    #[validate(required)]
    #[schema(value_type = NaiveDate, required = true)]
    pub term_start: Option<NaiveDate>,
    /// None while the term runs on.
    #[serde(default)]
    pub term_end: Option<NaiveDate>,
}

impl MemberInput {
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let holders = [
            self.user_id.is_some(),
            self.contact_id.is_some(),
            self.name.is_some(),
        ];
        if holders.iter().filter(|h| **h).count() != 1 {
            problems.push(FieldError::new(
                "name",
                "exactly_one",
                "a seat is held by a user_id, a contact_id or a name: exactly one of them",
            ));
        }
        if let (Some(start), Some(end)) = (self.term_start, self.term_end) {
            if end < start {
                problems.push(FieldError::new(
                    "term_end",
                    "before_start",
                    "term_end is before term_start",
                ));
            }
        }
        problems
    }
}

/// A seat on a committee.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-2c3d-7e4f-8a5b-6c7d8e9f0a21",
    "committee_id": "0193a1f3-1b2c-7d3e-9f4a-5b6c7d8e9f01",
    "user_id": null,
    "contact_id": "0193a1f2-9d8e-7f6a-8b5c-4d3e2f1a0b9c",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Dana Whitcomb",
    "role": "member",
    "represents": "community",
    "term_start": "2026-09-01",
    "term_end": "2028-08-31",
    "current": true,
    "version": 1,
    "created_at": "2026-08-27T13:45:09.318204Z",
    "updated_at": "2026-08-27T13:45:09.318204Z"
}))]
pub struct Member {
    /// The seat's id (a UUID).
    pub id: String,
    /// The committee the seat is on.
    pub committee_id: String,
    /// The user holding the seat; `null` when a contact or a named person holds it.
    pub user_id: Option<String>,
    /// The partner contact holding the seat; `null` when a user or a named person holds it.
    pub contact_id: Option<String>,
    /// The contact's partner.
    pub partner_id: Option<String>,
    /// The member's name: as written on the seat, or the user's or contact's name.
    pub name: Option<String>,
    /// The member's part on the committee.
    pub role: MemberRole,
    /// Whom the member speaks for.
    pub represents: Represents,
    /// The first day of the term.
    pub term_start: NaiveDate,
    /// The last day of the term; `null` while it runs on.
    pub term_end: Option<NaiveDate>,
    /// Whether the term covers today.
    pub current: bool,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the seat was recorded (UTC).
    pub created_at: DateTime<Utc>,
    /// When the seat last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// Whether a term from `start` to `end` (open when `None`) covers `day`.
pub fn covers(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start <= day && end.is_none_or(|end| day <= end)
}

/// Whether two terms share a day.
pub fn overlap(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    a.1.is_none_or(|end| b.0 <= end) && b.1.is_none_or(|end| a.0 <= end)
}

fn corrupt(what: &str, value: &str) -> ApiError {
    ApiError::Internal(format!("stored member {what} {value:?} is unknown"))
}

platform::sort_enum! {
    /// Order of the members: by `term_start` (the default), or by time of change.
    pub enum MemberSort default TermStart {
        TermStart => "term_start": Date;
        TermStartDesc => "-term_start": Date desc;
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The filters of `GET /committees/{committee_id}/members`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Only members with this part on the committee.
    #[param(inline)]
    pub role: Option<MemberRole>,
    /// Only members who speak for this group.
    #[param(inline)]
    pub represents: Option<Represents>,
    /// `true`: only members whose term covers today.
    pub current: Option<bool>,
}

pub struct Members;

impl Resource for Members {
    const TOPIC: Topic = Topic::published("committee_member");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("committee_id", "committee"));

    type Row = MemberRow;
    type Input = MemberInput;
    type Output = Member;
    type Filter = MemberQuery;
    type Sort = MemberSort;

    fn represent(row: MemberRow) -> Result<Member, ApiError> {
        Ok(Member {
            role: MemberRole::parse(&row.role).ok_or_else(|| corrupt("role", &row.role))?,
            represents: Represents::parse(&row.represents)
                .ok_or_else(|| corrupt("represents", &row.represents))?,
            current: covers(row.term_start, row.term_end, platform::db::today()),
            id: row.id,
            committee_id: row.committee_id,
            user_id: row.user_id,
            contact_id: row.contact_id,
            partner_id: row.partner_id,
            name: row.name,
            term_start: row.term_start,
            term_end: row.term_end,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    /// Users and contacts are named as they are named today.
    fn for_caller(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        mut outputs: Vec<Member>,
    ) -> Result<Vec<Member>, ApiError> {
        let users: Vec<String> = outputs.iter().filter_map(|m| m.user_id.clone()).collect();
        let contacts: Vec<String> = outputs
            .iter()
            .filter_map(|m| m.contact_id.clone())
            .collect();
        if users.is_empty() && contacts.is_empty() {
            return Ok(outputs);
        }
        let (users, contacts) = store::names(conn, &users, &contacts)?;
        let users: BTreeMap<String, String> = users.into_iter().collect();
        let contacts: BTreeMap<String, String> = contacts.into_iter().collect();
        for m in &mut outputs {
            if let Some(user) = &m.user_id {
                m.name = users.get(user).cloned();
            } else if let Some(contact) = &m.contact_id {
                m.name = contacts.get(contact).cloned();
            }
        }
        Ok(outputs)
    }

    fn writable(row: &MemberRow) -> Result<MemberInput, ApiError> {
        let m = Self::represent(row.clone())?;
        Ok(MemberInput {
            user_id: m.user_id,
            contact_id: m.contact_id,
            name: m.name,
            role: Some(m.role),
            represents: Some(m.represents),
            term_start: Some(m.term_start),
            term_end: m.term_end,
        })
    }

    fn check(input: &MemberInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    /// A contact's seat carries the contact's partner.
    fn build(
        conn: &mut DbConnection,
        input: MemberInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&MemberRow>,
        _ctx: &CallerContext,
    ) -> Result<MemberRow, ApiError> {
        let partner_id = match &input.contact_id {
            Some(contact) => Some(
                ContactRow::find_key(conn, contact)?
                    .ok_or_else(|| {
                        ApiError::field(
                            "contact_id",
                            "not_found",
                            "contact_id must be the id of an existing contact",
                        )
                    })?
                    .partner_id,
            ),
            None => None,
        };
        Ok(MemberRow {
            id: stamp.id,
            committee_id: place.parent()?.to_owned(),
            user_id: input.user_id,
            contact_id: input.contact_id,
            partner_id,
            name: input.name,
            role: input.role.unwrap_or(MemberRole::Member).as_str().to_owned(),
            represents: input
                .represents
                .unwrap_or(Represents::Community)
                .as_str()
                .to_owned(),
            term_start: input.term_start.unwrap_or_default(),
            term_end: input.term_end,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        crate::committees::access::authorize(conn, ctx, place, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: MemberQuery,
        page: &PageRequest,
    ) -> Result<Vec<MemberRow>, ApiError> {
        let today = platform::db::today();
        let filter = MemberFilter {
            role: query.role.map(|r| r.as_str().to_owned()),
            represents: query.represents.map(|r| r.as_str().to_owned()),
            current_on: query.current.filter(|c| *c).map(|_| today),
            not_current_on: query.current.filter(|c| !*c).map(|_| today),
        };
        Ok(store::page(
            conn,
            place.parent()?,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The user exists; a user or contact holds one seat at a time.
    fn before_save(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        _before: Option<&MemberRow>,
        after: &MemberRow,
    ) -> Result<(), ApiError> {
        References::new()
            .to::<UserRow>(conn, "user_id", "user", after.user_id.as_deref())?
            .done()?;
        let term = (after.term_start, after.term_end);
        if store::other_seats(conn, after)?
            .iter()
            .any(|other| overlap(term, (other.term_start, other.term_end)))
        {
            return Err(ApiError::Conflict(
                "this person already holds a seat on the committee for part of this term".into(),
            ));
        }
        Ok(())
    }

    /// A member named in a meeting's attendance is history: end the term instead.
    fn before_delete(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        row: &MemberRow,
    ) -> Result<(), ApiError> {
        if crate::committee_meetings::store::attended_by(conn, &row.committee_id, &row.id)? {
            return Err(ApiError::Conflict(
                "the member came to meetings on record: end the term instead (term_end)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, day).unwrap_or_default()
    }

    #[test]
    fn terms_cover_their_days_and_open_terms_run_on() {
        assert!(covers(d(1), None, d(30)));
        assert!(covers(d(1), Some(d(10)), d(10)));
        assert!(!covers(d(1), Some(d(10)), d(11)));
        assert!(!covers(d(5), None, d(4)));
        assert!(overlap((d(1), Some(d(10))), (d(10), None)));
        assert!(!overlap((d(1), Some(d(9))), (d(10), None)));
        assert!(overlap((d(1), None), (d(20), Some(d(21)))));
    }

    #[test]
    fn a_seat_has_exactly_one_holder() {
        let input = |user: Option<&str>, name: Option<&str>| MemberInput {
            user_id: user.map(str::to_owned),
            contact_id: None,
            name: name.map(str::to_owned),
            role: Some(MemberRole::Member),
            represents: Some(Represents::Family),
            term_start: Some(d(2)),
            term_end: Some(d(1)),
        };
        let codes =
            |i: MemberInput| -> Vec<String> { i.problems().into_iter().map(|p| p.code).collect() };
        assert_eq!(
            codes(input(Some("u"), Some("n"))),
            ["exactly_one", "before_start"]
        );
        assert_eq!(codes(input(None, None)), ["exactly_one", "before_start"]);
        assert_eq!(codes(input(None, Some("n"))), ["before_start"]);
    }
}
