//! Routes for `/partners/{partner_id}/contacts`.

use super::model::{Contact, ContactInput, ContactQuery, Contacts};

crate::resource_api! {
    resource: Contacts, tag: "contacts",
    collection: "/partners/{partner_id}/contacts", item: "/partners/{partner_id}/contacts/{id}",
    parent: [("partner_id" = String, Path, description = "The partner's id")],
    filter: ContactQuery, sort: crate::db::keyset::ListSort, input: ContactInput, output: Contact,
    /// List a partner's contacts.
    list: list_contacts,
    /// Add a contact to a partner.
    create: create_contact,
    /// Get one contact.
    get: get_contact,
    /// Replace a contact.
    replace: replace_contact,
    /// Change some fields of a contact (JSON Merge Patch, RFC 7396).
    patch: patch_contact,
    /// Remove a contact.
    delete: delete_contact,
}
