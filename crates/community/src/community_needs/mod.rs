//! Families' needs met by partners: what the latest closed needs assessment of a school (or of
//! the district) says families need, next to the active partners whose offerings address
//! each need.

pub mod api;
pub mod model;

pub use api::routes;
