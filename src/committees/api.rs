//! Routes for `/committees`.

use super::model::{Committee, CommitteeInput, CommitteeQuery, Committees};

crate::resource_api! {
    resource: Committees, tag: "community",
    collection: "/committees", item: "/committees/{id}",
    parent: [],
    filter: CommitteeQuery, sort: crate::db::keyset::ListSort, input: CommitteeInput, output: Committee,
    /// Committees and site councils. A partner sees the committees one of its contacts sits on.
    list: list_committees,
    /// Form a committee of a school (staff of the school) or of the district (administrators).
    create: create_committee,
    /// One committee.
    get: get_committee,
    /// Replace a committee.
    replace: replace_committee,
    /// Change a committee (JSON Merge Patch); `status: retired` retires it.
    patch: patch_committee,
    /// Delete a committee that has no members, meetings or plans (retire it otherwise).
    delete: delete_committee,
}
