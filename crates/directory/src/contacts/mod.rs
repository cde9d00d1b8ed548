//! Contacts: the people at a partner, under `/partners/{partner_id}/contacts`.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
