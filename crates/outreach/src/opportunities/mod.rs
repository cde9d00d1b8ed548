//! The opportunities board: a school's asks (what students are working on and the help they
//! need), partners matched to them with the reasons, and partners volunteering.

pub mod api;
pub mod matches;
pub mod model;
pub(crate) mod store;

pub use api::all_routes as routes;
