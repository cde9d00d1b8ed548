//! A partner's vetting history: decisions (admin, or `vetting:decide`) that set what the vetting
//! rule reads, and proposals of evidence (staff, integrations) that do not. Appended, never
//! edited.

pub mod api;
pub mod model;
pub(crate) mod store;

pub use api::routes;
