//! People who sign in: district admins, school staff, partner contacts, viewers.

pub mod actions;
pub mod api;
pub mod model;
pub mod store;

pub use api::all_routes as routes;
