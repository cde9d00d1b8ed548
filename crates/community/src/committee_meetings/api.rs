//! Routes for `/committees/{committee_id}/meetings`.

use super::model::{Meeting, MeetingInput, MeetingQuery, MeetingSort, Meetings};

pipeline::resource_api! {
    resource: Meetings, tag: "community",
    collection: "/committees/{committee_id}/meetings", item: "/committees/{committee_id}/meetings/{id}",
    parent: [("committee_id" = String, Path, description = "The committee's id")],
    filter: MeetingQuery, sort: MeetingSort, input: MeetingInput, output: Meeting,
    /// The committee's meetings, newest first.
    ///
    /// Needs `agreements:read` and a committee the caller sees (404 otherwise): a partner
    /// account only sees committees one of its contacts sits on today. `from` and `to` bound
    /// `held_on`, both days included.
    list: list_committee_meetings,
    /// Record a meeting: planned (agenda) or held (minutes, decisions, attendees).
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403), district
    /// committees are for administrators. `host_partner_id` must be an existing partner (422
    /// `not_found`); every attendee must be a member (past or present) of this committee
    /// (`not_a_member`).
    create: create_committee_meeting,
    /// One meeting.
    ///
    /// Needs `agreements:read` and a committee the caller sees (404 otherwise).
    get: get_committee_meeting,
    /// Replace a meeting.
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403). The rules
    /// of creating apply: `host_partner_id` exists (422 `not_found`), attendees are members of
    /// the committee (`not_a_member`).
    replace: replace_committee_meeting,
    /// Change a meeting (JSON Merge Patch).
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403). A list
    /// given (`decisions`, `attendees`) replaces the whole list; the rules of creating apply.
    patch: patch_committee_meeting,
    /// Delete a meeting.
    ///
    /// Needs `agreements:write`; staff only for committees of their schools (403). Its
    /// attendees may then be removed from the committee, if no other meeting lists them.
    delete: delete_committee_meeting,
}
