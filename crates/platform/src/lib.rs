//! The ground floor of the service: what every crate above needs and nothing that knows a
//! resource, a caller or a district setting. Errors answer as RFC 9457 problem+json; the
//! database is one connection type over SQLite and PostgreSQL; `http` holds the request and
//! response pieces (ETags, paging, text rules, CSV sheets, metrics).

pub mod address;
pub mod db;
pub mod error;
pub mod http;
pub mod memory;
pub mod settings;
mod text_enum;
