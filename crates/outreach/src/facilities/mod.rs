//! A school's spaces and whether the community may ask for them: the school giving back.

pub mod api;
pub mod model;
pub mod public;
pub(crate) mod store;

pub use api::all_routes as routes;
