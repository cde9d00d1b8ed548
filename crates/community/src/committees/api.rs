//! Routes for `/committees`.

use super::model::{Committee, CommitteeInput, CommitteeQuery, Committees};

pipeline::resource_api! {
    resource: Committees, tag: "community",
    collection: "/committees", item: "/committees/{id}",
    parent: [],
    filter: CommitteeQuery, sort: platform::db::keyset::ListSort, input: CommitteeInput, output: Committee,
    /// Committees and site councils. A partner sees the committees one of its contacts sits on.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. Staff and viewers see every school's committees; a partner's seat counts
    /// while its term holds today (from `term_start`, through `term_end` if set).
    list: list_committees,
    /// Form a committee of a school (staff of the school) or of the district (administrators).
    ///
    /// Needs `agreements:write` (admin, staff, integrations granted it); staff get 403 for
    /// another school or for a district committee. `school_id` must be an existing school
    /// (422 `not_found`); `status` is `active` when left out.
    create: create_committee,
    /// One committee.
    ///
    /// Needs `agreements:read`. A partner account gets 404 unless one of its contacts holds a
    /// seat on the committee today.
    get: get_committee,
    /// Replace a committee.
    ///
    /// Needs `agreements:write`; staff only for committees of their schools, and not to move
    /// one to another school or to the district (403). `school_id` must exist (422
    /// `not_found`). `status` may go from `active` to `retired` and back.
    replace: replace_committee,
    /// Change a committee (JSON Merge Patch); `status: retired` retires it.
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403), and a new
    /// `school_id` must be one of theirs too. `school_id` must exist (422 `not_found`).
    patch: patch_committee,
    /// Delete a committee that has no members, meetings or plans (retire it otherwise).
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403). Any member
    /// (past or present), meeting or communication plan it owns makes this 409 `conflict`.
    delete: delete_committee,
}
