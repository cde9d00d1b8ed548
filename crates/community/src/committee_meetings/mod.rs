//! A committee's meetings: when and where (a partner's place, at times: the power of place),
//! the agenda, the minutes, the decisions and who came.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::per_host;

pub use api::routes;
