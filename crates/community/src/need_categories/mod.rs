//! The need-category catalogue: what families and partners say they need in needs
//! assessments (internet access, meeting space, tutoring…), and the partner offerings that
//! address each, so the district can connect families to the partners that can help.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other folders and crates may use of this folder's store.
pub use store::NeedRow;

pub use api::routes;
