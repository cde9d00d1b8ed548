//! Routes for `/committees/{committee_id}/members`.

use super::model::{Member, MemberInput, MemberQuery, MemberSort, Members};

pipeline::resource_api! {
    resource: Members, tag: "community",
    collection: "/committees/{committee_id}/members", item: "/committees/{committee_id}/members/{id}",
    parent: [("committee_id" = String, Path, description = "The committee's id")],
    filter: MemberQuery, sort: MemberSort, input: MemberInput, output: Member,
    /// The committee's members, past and present.
    ///
    /// Needs `agreements:read` and a committee the caller sees (404 otherwise): a partner
    /// account only sees committees one of its contacts sits on today. `current=false` keeps
    /// the members whose term does not cover today.
    list: list_committee_members,
    /// Seat a user, a partner's contact or a community member on the committee.
    ///
    /// Needs `agreements:write`; staff only on committees of their schools (403). Exactly one
    /// of `user_id`, `contact_id`, `name` (422 `exactly_one`); ids must exist (`not_found`);
    /// `term_end` not before `term_start` (`before_start`). A user or contact whose other seat
    /// on this committee shares a day with the term is 409 `conflict`.
    create: create_committee_member,
    /// One member.
    ///
    /// Needs `agreements:read` and a committee the caller sees (404 otherwise). `name` is the
    /// user's or contact's current name for their seats.
    get: get_committee_member,
    /// Replace a member.
    ///
    /// Needs `agreements:write`; staff only on committees of their schools (403). The rules of
    /// creating apply (`exactly_one`, `not_found`, `before_start`, 409 on overlapping seats);
    /// a user's or contact's seat takes no `name`, though reads show theirs.
    replace: replace_committee_member,
    /// Change a member (JSON Merge Patch): end a term with `term_end`.
    ///
    /// Needs `agreements:write`; staff only on committees of their schools (403). The rules of
    /// creating apply to the merged seat: `exactly_one`, `not_found`, `before_start`, and 409
    /// `conflict` when the same person's seats would share a day.
    patch: patch_committee_member,
    /// Remove a member seated by mistake (end the term to keep the history).
    ///
    /// Needs `agreements:write`; staff only on committees of their schools (403). A member
    /// listed among a meeting's attendees cannot be removed (409 `conflict`).
    delete: delete_committee_member,
}
