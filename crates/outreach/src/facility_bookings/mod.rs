//! Requests for a school's facility by partners and community groups, and the school's
//! answer; approved bookings of a facility never overlap.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::hosted;

pub use api::routes;
