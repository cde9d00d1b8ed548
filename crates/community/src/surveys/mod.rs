//! Surveys of families, partners, staff and the community: needs assessments, feedback and
//! evaluations, with their questions; the district tailors its services to what they say.

pub mod api;
pub mod invitations;
pub mod model;
pub mod responses;
pub mod results;
pub(crate) mod store;

pub use api::all_routes as routes;
