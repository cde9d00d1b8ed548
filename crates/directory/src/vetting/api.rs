//! Routes for `/partners/{partner_id}/vetting`: the history is read and appended to, never
//! changed.

use super::model::{EntrySort, VettingEntries, VettingEntry, VettingEntryInput, VettingQuery};

pipeline::resource_api! {
    resource: VettingEntries, tag: "partners",
    collection: "/partners/{partner_id}/vetting", item: "/partners/{partner_id}/vetting/{id}",
    parent: [("partner_id" = String, Path, description = "The partner's id")],
    filter: VettingQuery, sort: EntrySort, input: VettingEntryInput, output: VettingEntry,
    /// A partner's vetting history.
    ///
    /// Every decision and every proposal of evidence, oldest first. Notes are shown to admin and
    /// staff only.
    /// Needs `partners:read`; a partner account sees only its own partner's history (404
    /// otherwise). Decisions made by writing the partner itself appear here too.
    list: list_vetting_entries,
    /// Decide a partner's vetting, or propose evidence.
    ///
    /// Needs `partners:write`. From an admin, or a client that also has `vetting:decide`, the
    /// entry is a decision: it names the
    /// status and dates, and becomes the partner's vetting. From anyone else it is a proposal: recorded in the history for a decider to act on, and
    /// the partner's vetting does not change.
    /// A decision requires `status` (422 `required`) and replaces all three dates, clearing
    /// those not sent; `expired` is never accepted (422 `read_only`). Entries cannot be changed
    /// or deleted. The partner must exist and be visible (404).
    create: create_vetting_entry,
    /// One entry of a partner's vetting history.
    ///
    /// Needs `partners:read` and sight of the partner; `notes` is `null` except for admin and
    /// staff.
    get: get_vetting_entry,
}
