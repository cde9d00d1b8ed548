//! Agreements and what they commit each party to: responsibilities and investment, the timeline and its check-ins, activities and hours, and the procedures that run them.

pub mod activities;
pub mod agreements;
pub mod procedures;
pub mod responsibilities;
pub mod timeline;
