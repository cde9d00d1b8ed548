//! Communication plans: what a communication committee means to tell whom, through which
//! channels and languages, the tasks that do it, the targets and how the plan was evaluated.

pub mod api;
pub mod model;
pub(crate) mod store;

// What other crates may use of this folder's store.
pub use store::all_tasks;

pub use api::routes;
