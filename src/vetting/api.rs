//! Routes for `/partners/{partner_id}/vetting`: the history is read and appended to, never
//! changed.

use super::model::{EntrySort, VettingEntries, VettingEntry, VettingEntryInput, VettingQuery};

crate::resource_api! {
    resource: VettingEntries, tag: "partners",
    collection: "/partners/{partner_id}/vetting", item: "/partners/{partner_id}/vetting/{id}",
    parent: [("partner_id" = String, Path, description = "The partner's id")],
    filter: VettingQuery, sort: EntrySort, input: VettingEntryInput, output: VettingEntry,
    /// A partner's vetting history.
    ///
    /// Every decision and every proposal of evidence, oldest first. Notes are shown to admin and
    /// staff only.
    list: list_vetting_entries,
    /// Decide a partner's vetting, or propose evidence.
    ///
    /// Needs `partners:write`. From an admin, or a client that also has `vetting:decide`, the
    /// entry is a decision: it names the
    /// status and dates, and becomes the partner's vetting. From anyone else it is a proposal: recorded in the history for a decider to act on, and
    /// the partner's vetting does not change.
    create: create_vetting_entry,
    /// One entry of a partner's vetting history.
    get: get_vetting_entry,
}
