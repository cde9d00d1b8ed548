//! KPI records: aggregate values per KPI, school, agreement, student group and period, pushed
//! in bulk by the district's nightly scripts and read back with small cells suppressed.

pub mod api;
pub mod ingest;
pub mod model;
pub mod rollup;
pub(crate) mod store;
pub mod suppression;

// What other crates may use of this folder's store.
pub use store::{chunk_rows, upsert, NewRecord, Strategy};

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    cfg.service(api::ingest_kpi_records)
        .service(api::list_kpi_records);
}
