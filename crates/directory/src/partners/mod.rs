//! Partners: the businesses, nonprofits, colleges, museums, libraries… the district works with.

pub mod access;
pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
