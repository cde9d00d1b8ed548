//! The relationship inventory: what the district's teachers already have with community
//! organisations, kept one by one or imported from the teacher-survey spreadsheet.

pub mod api;
pub mod import;
pub mod model;
pub(crate) mod store;

pub use api::all_routes as routes;
