//! Requests for a school's facility by partners and community groups, and the school's
//! answer; approved bookings of a facility never overlap.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
