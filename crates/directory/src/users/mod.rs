//! People who sign in: district admins, school staff, partner contacts, viewers.

pub mod actions;
pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{all, find, UserRow};

pub use api::all_routes as routes;
