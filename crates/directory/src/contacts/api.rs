//! Routes for `/partners/{partner_id}/contacts`.

use super::model::{Contact, ContactInput, ContactQuery, Contacts};

pipeline::resource_api! {
    resource: Contacts, tag: "contacts",
    collection: "/partners/{partner_id}/contacts", item: "/partners/{partner_id}/contacts/{id}",
    parent: [("partner_id" = String, Path, description = "The partner's id")],
    filter: ContactQuery, sort: platform::db::keyset::ListSort, input: ContactInput, output: Contact,
    /// List a partner's contacts.
    ///
    /// Needs `partners:read`; whoever sees the partner sees its contacts (a partner account only
    /// its own partner's). 404 when the partner is missing or not visible.
    list: list_contacts,
    /// Add a contact to a partner.
    ///
    /// Needs `partners:write` (admin, staff, integrations so scoped); the partner must exist
    /// (404). `name` is required, `external_id` unique (409). A `primary` contact makes the
    /// partner's previous primary contact non-primary, in the same write.
    create: create_contact,
    /// Get one contact.
    ///
    /// Needs `partners:read` and sight of the partner; a contact of another partner is 404.
    get: get_contact,
    /// Replace a contact.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared. Needs
    /// `partners:write`. The contact stays with its partner; making it `primary` demotes the
    /// previous primary contact.
    replace: replace_contact,
    /// Change some fields of a contact (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present are set, `null` clears, absent fields are kept; rules as on replace.
    /// Needs `partners:write`.
    patch: patch_contact,
    /// Remove a contact.
    ///
    /// Needs `partners:write`. Relationships, opportunity responses and responsibilities that
    /// named the contact keep their rows with the contact cleared; a committee seat refuses (409).
    delete: delete_contact,
}
