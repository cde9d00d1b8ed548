//! Cross-cutting HTTP pieces every resource uses.

pub mod body;
pub mod client;
pub mod decoding;
pub mod etag;
pub mod extract;
pub mod fallback;
pub mod health;
pub mod markdown;
pub mod merge_patch;
pub mod metrics;
pub mod negotiate;
pub mod paging;
pub mod request_id;
pub mod routes;
pub mod sheet;
pub mod text;

/// Where every operation of the API lives (`/api/v1/...`).
pub const API_PREFIX: &str = "/api/v1";
