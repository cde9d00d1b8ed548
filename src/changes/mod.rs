//! The change feed: every committed write of every resource, in commit order, for clients
//! that keep a copy (`GET /changes?after=<cursor>`). Writes record their change in their own
//! transaction, next to their audit event.

pub mod api;
pub mod model;
pub mod store;

pub use api::routes;
pub use store::record_from;

/// Purges changes older than `retention_days`, now and every hour after, for as long as the
/// server runs. A failure is logged and tried again the next hour.
pub async fn purge_every_hour(pool: crate::db::DbPool, retention_days: u32) {
    let mut hourly = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let cutoff = crate::db::now() - chrono::Duration::days(i64::from(retention_days));
        match crate::db::write(&pool, move |conn| Ok(store::purge(conn, cutoff)?)).await {
            Ok(0) => {}
            Ok(purged) => log::info!("purged {purged} changes older than {retention_days} days"),
            Err(e) => log::warn!("purging old changes failed: {e}"),
        }
    }
}
