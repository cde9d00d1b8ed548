//! Routes for `/committees/{committee_id}/meetings`.

use super::model::{Meeting, MeetingInput, MeetingQuery, MeetingSort, Meetings};

crate::resource_api! {
    resource: Meetings, tag: "community",
    collection: "/committees/{committee_id}/meetings", item: "/committees/{committee_id}/meetings/{id}",
    parent: [("committee_id" = String, Path, description = "The committee's id")],
    filter: MeetingQuery, sort: MeetingSort, input: MeetingInput, output: Meeting,
    /// The committee's meetings, newest first.
    list: list_meetings,
    /// Record a meeting: planned (agenda) or held (minutes, decisions, attendees).
    create: create_meeting,
    /// One meeting.
    get: get_meeting,
    /// Replace a meeting.
    replace: replace_meeting,
    /// Change a meeting (JSON Merge Patch).
    patch: patch_meeting,
    /// Delete a meeting.
    delete: delete_meeting,
}
