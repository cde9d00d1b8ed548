//! Partners volunteering for an opportunity, and the school's answer: accepting may create the
//! activity or a draft agreement prefilled from the opportunity.

pub mod api;
pub mod model;
pub(crate) mod store;

pub use api::all_routes as routes;
