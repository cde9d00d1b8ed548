//! Contacts: the people at a partner, under `/partners/{partner_id}/contacts`.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{find, ContactRow};

pub use api::routes;
