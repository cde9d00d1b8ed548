//! Standard operating procedures: written down where everyone can find them, versioned with
//! their history and diffs.

pub mod api;
pub mod model;
pub(crate) mod store;

pub use api::all_routes as routes;
