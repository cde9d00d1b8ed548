//! Routes for `/facility-bookings`.

use super::model::{Booking, BookingInput, BookingQuery, BookingSort, Bookings};

crate::resource_api! {
    resource: Bookings, tag: "outreach",
    collection: "/facility-bookings", item: "/facility-bookings/{id}",
    parent: [],
    filter: BookingQuery, sort: BookingSort, input: BookingInput, output: Booking,
    /// Bookings, soonest first. A partner sees its own.
    list: list_bookings,
    /// Ask for a slot: a partner for itself (`agreements:read` is enough), staff for a
    /// partner or a community group. Requests start as `requested`.
    create: create_booking,
    /// One booking.
    get: get_booking,
    /// Replace a booking.
    replace: replace_booking,
    /// Change a booking (JSON Merge Patch): staff of the school approve (`status: approved`,
    /// 409 when it overlaps an approved booking) or decline; the requester cancels.
    patch: patch_booking,
    /// Delete a booking still `requested` (cancel one that was answered).
    delete: delete_booking,
}
