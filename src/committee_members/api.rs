//! Routes for `/committees/{committee_id}/members`.

use super::model::{Member, MemberInput, MemberQuery, MemberSort, Members};

crate::resource_api! {
    resource: Members, tag: "community",
    collection: "/committees/{committee_id}/members", item: "/committees/{committee_id}/members/{id}",
    parent: [("committee_id" = String, Path, description = "The committee's id")],
    filter: MemberQuery, sort: MemberSort, input: MemberInput, output: Member,
    /// The committee's members, past and present.
    list: list_members,
    /// Seat a user, a partner's contact or a community member on the committee.
    create: create_member,
    /// One member.
    get: get_member,
    /// Replace a member.
    replace: replace_member,
    /// Change a member (JSON Merge Patch): end a term with `term_end`.
    patch: patch_member,
    /// Remove a member seated by mistake (end the term to keep the history).
    delete: delete_member,
}
