//! Partners: the businesses, nonprofits, colleges, museums, libraries… the district works with.

pub mod access;
pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::{count, list, names, PartnerFilter, PartnerRow};

pub use api::routes;
