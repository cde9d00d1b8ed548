//! A committee's meetings: when and where (a partner's place, at times: the power of place),
//! the agenda, the minutes, the decisions and who came.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
