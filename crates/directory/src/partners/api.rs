//! Routes for `/partners`.

use super::model::{Partner, PartnerInput, PartnerQuery, Partners};

pipeline::resource_api! {
    resource: Partners, tag: "partners",
    collection: "/partners", item: "/partners/{id}",
    parent: [],
    filter: PartnerQuery, sort: platform::db::keyset::ListSort, input: PartnerInput, output: Partner,
    /// List partners.
    ///
    /// Needs `partners:read`: admin, staff and viewers see every partner, a partner account only
    /// its own. `vetting.notes` is shown to admin and staff only, `known_by` is empty for partner
    /// accounts. `vetting_expiring_within_days` above 3650 is a 400.
    list: list_partners,
    /// Create a partner.
    ///
    /// Approving or rejecting the vetting needs an administrator.
    /// Needs `partners:write` (admin, staff, integrations so scoped). Setting a vetting status
    /// other than `not_started`, or any vetting date, needs admin or `vetting:decide` (403);
    /// `vetting.status` `expired` is computed (422 `read_only`). `referred_by` and
    /// `continuum_level_id` must name existing rows (422 `not_found`); `external_id` is unique.
    create: create_partner,
    /// Get one partner.
    ///
    /// Needs `partners:read`; a partner account gets 404 for any partner but its own.
    /// `vetting.status` reads `expired` once an approval's check or insurance date has passed.
    get: get_partner,
    /// Replace a partner.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared.
    /// Needs `partners:write`. Rules as on create; a partner cannot refer itself (422
    /// `self_reference`). Changing the vetting status or a date needs admin or `vetting:decide`
    /// and is recorded in the vetting history; only admin and staff can change `vetting.notes`.
    replace: replace_partner,
    /// Change some fields of a partner (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present in the body are set, `null` clears a field, absent fields are kept. To
    /// retire a partner, set `status` to `archived`.
    /// Needs `partners:write`; the merged result is checked as on replace.
    patch: patch_partner,
    /// Delete a partner and its contacts.
    ///
    /// Refused with 409 while other records refer to the partner (e.g. partners it referred);
    /// set `status` to `archived` instead.
    /// Needs `partners:write` (admin, staff, integrations so scoped).
    delete: delete_partner,
}
