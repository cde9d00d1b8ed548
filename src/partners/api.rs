//! Routes for `/partners`.

use super::model::{Partner, PartnerInput, PartnerQuery, Partners};

crate::resource_api! {
    resource: Partners, tag: "partners",
    collection: "/partners", item: "/partners/{id}",
    parent: [],
    filter: PartnerQuery, sort: crate::db::keyset::ListSort, input: PartnerInput, output: Partner,
    /// List partners.
    list: list_partners,
    /// Create a partner.
    ///
    /// Approving or rejecting the vetting needs an administrator.
    create: create_partner,
    /// Get one partner.
    get: get_partner,
    /// Replace a partner.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared.
    replace: replace_partner,
    /// Change some fields of a partner (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present in the body are set, `null` clears a field, absent fields are kept. To
    /// retire a partner, set `status` to `archived`.
    patch: patch_partner,
    /// Delete a partner and its contacts.
    ///
    /// Refused with 409 while other records refer to the partner (e.g. partners it referred);
    /// set `status` to `archived` instead.
    delete: delete_partner,
}
