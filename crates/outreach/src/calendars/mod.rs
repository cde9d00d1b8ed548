//! Calendar feeds: secret iCalendar URLs that calendar apps subscribe to, showing the dated
//! things of the agreements their creator may read.

pub mod api;
pub mod model;
pub(crate) mod store;

pub use api::routes;
