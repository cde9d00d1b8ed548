//! The seats of a committee: users, partners' contacts and community members, with their role,
//! whom they represent and their term.

pub mod api;
pub mod model;
pub(crate) mod store;

pub use api::routes;
