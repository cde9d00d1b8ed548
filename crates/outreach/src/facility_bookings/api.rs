//! Routes for `/facility-bookings`.

use super::model::{Booking, BookingInput, BookingQuery, BookingSort, Bookings};

pipeline::resource_api! {
    resource: Bookings, tag: "outreach",
    collection: "/facility-bookings", item: "/facility-bookings/{id}",
    parent: [],
    filter: BookingQuery, sort: BookingSort, input: BookingInput, output: Booking,
    /// Bookings, soonest first. A partner sees its own.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it; all but partners see every booking. `from` and `to` keep the bookings that
    /// overlap that stretch; a year not of four digits is 400.
    list: list_facility_bookings,
    /// Ask for a slot: a partner for itself (`agreements:read` is enough), staff for a
    /// partner or a community group. Requests start as `requested`.
    ///
    /// Others need `agreements:write`; staff only for their schools' facilities (403). A
    /// partner asks only for itself, as `requested`, on a facility open to requests (else 409).
    /// One of `partner_id`, `group_name` (422 `exactly_one`); ids exist (`not_found`);
    /// `ends_at` after `starts_at` (`before_start`), ≤ 14 days later (`too_long`); attendance
    /// within capacity (`over_capacity`).
    create: create_facility_booking,
    /// One booking.
    ///
    /// Needs `agreements:read`; a partner account gets 404 for a booking not its own.
    get: get_facility_booking,
    /// Replace a booking.
    ///
    /// Staff only for their schools' facilities (403); a partner only its own, changing it
    /// while `requested` or cancelling it unchanged. `facility_id` cannot change (422
    /// `immutable`); `status` moves requested → approved, declined or cancelled, approved →
    /// cancelled (`invalid_transition`); approving over another approved booking is 409.
    replace: replace_facility_booking,
    /// Change a booking (JSON Merge Patch): staff of the school approve (`status: approved`,
    /// 409 when it overlaps an approved booking) or decline; the requester cancels.
    ///
    /// A partner (with `agreements:read`) changes its own booking while `requested`, or sets
    /// only `status: cancelled`; anything else is 403. The rules of replacing apply: a fixed
    /// `facility_id` (`immutable`), `invalid_transition`, `over_capacity`, the 14-day limit.
    patch: patch_facility_booking,
    /// Delete a booking still `requested` (cancel one that was answered).
    ///
    /// Staff for their schools' facilities, a partner for its own bookings (with
    /// `agreements:read`), admins and integrations with `agreements:write` any. A booking that
    /// is not `requested` is 409 `conflict`.
    delete: delete_facility_booking,
}
