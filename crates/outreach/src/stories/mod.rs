//! Success stories and the public showcase: Markdown rendered to sanitised HTML, published with
//! consent, read without a token and followed as an Atom feed.

pub mod api;
pub mod feed;
pub mod model;
pub mod public;
pub(crate) mod store;

pub use api::all_routes as routes;
