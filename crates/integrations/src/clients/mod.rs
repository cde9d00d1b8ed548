//! API clients: the scripts and systems that call with OAuth2 client credentials.

pub mod actions;
pub mod api;
pub mod model;
pub mod store;

pub use api::all_routes as routes;
