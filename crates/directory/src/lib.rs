//! The district's directory: schools, partners and their contacts, the continuum of partnership levels, vetting, teachers' relationships with partners, and user accounts.

pub mod contacts;
pub mod continuum;
pub mod partners;
pub mod relationships;
pub mod schools;
pub mod users;
pub mod vetting;
