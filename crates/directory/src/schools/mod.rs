//! Schools: the district's sites, with the ids other systems know them by.

pub mod api;
pub mod import;
pub mod model;
pub mod store;
