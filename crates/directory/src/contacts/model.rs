//! Contacts: the people of a partner, their rules and scoping.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, ContactFilter, ContactRow};
use auth::Scope;
use journal::audit;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

/// The writable fields of a contact (POST and PUT bodies; PATCH merges into this shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Dana Whitcomb",
    "email": "dana.whitcomb@kennebecmuseum.example.org",
    "phone": "+1 207 555 0142",
    "role": "Education director",
    "primary": true,
    "external_id": null
}))]
pub struct ContactInput {
    /// The person's name: required, one line, trimmed.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub name: Option<String>,
    /// The person's email address (422 `email` when malformed).
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        email,
        length(max = 254),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Digits with spaces, `+ - ( ) .` and an `x` extension; 7 to 20 digits.
    #[serde(default)]
    #[validate(length(max = 40), custom(function = "platform::http::text::phone"))]
    #[schema(max_length = 40, pattern = r"^[ +().x-]*([0-9][ +().x-]*){7,20}$")]
    pub phone: Option<String>,
    /// The person's role or title at the partner.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub role: Option<String>,
    /// The partner's primary contact. At most one per partner: making a contact primary
    /// makes the previous primary contact non-primary. Defaults to false.
    #[serde(default)]
    pub primary: Option<bool>,
    /// The district's own id for the contact; unique.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 100), custom(function = "platform::http::text::one_line"))]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub external_id: Option<String>,
}

/// A person at a partner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-9d8e-7f6a-8b5c-4d3e2f1a0b9c",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "name": "Dana Whitcomb",
    "email": "dana.whitcomb@kennebecmuseum.example.org",
    "phone": "+1 207 555 0142",
    "role": "Education director",
    "primary": true,
    "external_id": null,
    "version": 1,
    "created_at": "2026-11-23T19:20:00.123456Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Contact {
    /// The contact's id (a UUID), assigned by the server.
    pub id: String,
    /// The partner the person belongs to (from the path; never changes).
    pub partner_id: String,
    /// The person's name.
    pub name: String,
    /// The person's email address; `null` if unknown.
    pub email: Option<String>,
    /// The person's phone number, as entered; `null` if unknown.
    pub phone: Option<String>,
    /// The person's role or title at the partner; `null` if unset.
    pub role: Option<String>,
    /// Whether this is the partner's primary contact (at most one per partner).
    pub primary: bool,
    /// The district's own id for the contact; `null` if unset.
    pub external_id: Option<String>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the contact was created (UTC, set by the server).
    pub created_at: DateTime<Utc>,
    /// When the contact last changed (UTC, set by the server).
    pub updated_at: DateTime<Utc>,
}

impl From<ContactRow> for Contact {
    fn from(row: ContactRow) -> Self {
        Contact {
            id: row.id,
            partner_id: row.partner_id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            role: row.role,
            primary: row.is_primary,
            external_id: row.external_id,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The filters of `GET /partners/{partner_id}/contacts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Search in the name, ignoring case and accents.
    pub q: Option<String>,
    /// Only the primary contact (true) or only the others (false).
    pub primary: Option<bool>,
    /// Only contacts changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Contacts, under their partner: whoever sees the partner sees its contacts.
pub struct Contacts;

impl Resource for Contacts {
    const TOPIC: Topic = Topic::published("contact");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::PartnersWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("partner_id", "partner"));

    type Row = ContactRow;
    type Input = ContactInput;
    type Output = Contact;
    type Filter = ContactQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: ContactRow) -> Result<Contact, ApiError> {
        Ok(Contact::from(row))
    }

    fn writable(row: &ContactRow) -> Result<ContactInput, ApiError> {
        Ok(ContactInput {
            name: Some(row.name.clone()),
            email: row.email.clone(),
            phone: row.phone.clone(),
            role: row.role.clone(),
            primary: Some(row.is_primary),
            external_id: row.external_id.clone(),
        })
    }

    fn check(input: &ContactInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, Vec::new())
    }

    fn build(
        _conn: &mut DbConnection,
        input: ContactInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&ContactRow>,
        _ctx: &CallerContext,
    ) -> Result<ContactRow, ApiError> {
        Ok(ContactRow {
            id: stamp.id,
            partner_id: place.parent()?.to_owned(),
            external_id: input.external_id,
            search_key: platform::db::search::search_form(
                input.name.as_deref().unwrap_or_default(),
            ),
            name: input.name.unwrap_or_default(),
            email: input.email,
            phone: input.phone,
            role: input.role,
            is_primary: input.primary.unwrap_or(false),
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
        crate::partners::access::authorize(conn, ctx, place, access)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: ContactQuery,
        page: &PageRequest,
    ) -> Result<Vec<ContactRow>, ApiError> {
        let filter = ContactFilter {
            q: query.q,
            primary: query.primary,
            updated_since: query.updated_since,
        };
        Ok(store::list(
            conn,
            place.parent()?,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// A partner has one primary contact: making this one primary demotes the other.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&ContactRow>,
        row: &ContactRow,
    ) -> Result<(), ApiError> {
        if !row.is_primary {
            return Ok(());
        }
        for previous in store::other_primaries(conn, &row.partner_id, &row.id)? {
            let demoted = ContactRow {
                is_primary: false,
                version: previous.version + 1,
                updated_at: row.updated_at,
                ..previous.clone()
            };
            if !demoted.update(conn, previous.version)? {
                return Err(ApiError::raced());
            }
            let (old, new) = (Contact::from(previous), Contact::from(demoted));
            audit::updated(conn, ctx.actor, Self::TOPIC, &new.id, &old, &new)?;
        }
        Ok(())
    }
}

/// The problem with `contact_id` (of a relationship, a response to an opportunity) when it
/// names no contact of `partner`.
pub fn not_of_partner(
    conn: &mut DbConnection,
    contact: Option<&str>,
    partner: &str,
) -> Result<Option<FieldError>, ApiError> {
    let Some(contact) = contact else {
        return Ok(None);
    };
    let theirs = ContactRow::find_key(conn, contact)?.is_some_and(|c| c.partner_id == partner);
    Ok((!theirs).then(|| {
        FieldError::new(
            "contact_id",
            "not_found",
            "contact_id must be the id of one of the partner's contacts",
        )
    }))
}
