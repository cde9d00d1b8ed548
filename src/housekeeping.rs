//! What the server tidies every hour: changes and delivered webhook events past
//! `CHANGES_RETENTION_DAYS`, idempotency keys past `IDEMPOTENCY_TTL_SECONDS`.

use std::time::Duration;

use crate::config::Policy;
use crate::db::{self, DbPool};

/// Tidies now and every hour after, for as long as the server runs. A failure is logged and
/// tried again the next hour.
pub async fn every_hour(pool: DbPool, policy: Policy) {
    let mut hourly = actix_web::rt::time::interval(Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let days = policy.changes_retention_days;
        let changes = db::now() - chrono::Duration::days(i64::from(days));
        match db::write(&pool, move |conn| {
            Ok(crate::changes::store::purge(conn, changes)?)
        })
        .await
        {
            Ok(0) => {}
            Ok(n) => log::info!("purged {n} changes older than {days} days"),
            Err(e) => log::warn!("purging old changes failed: {e}"),
        }
        match db::write(&pool, move |conn| {
            Ok(crate::webhooks::store::purge_delivered(conn, changes)?)
        })
        .await
        {
            Ok(0) => {}
            Ok(n) => log::info!("forgot {n} delivered webhook events older than {days} days"),
            Err(e) => log::warn!("purging delivered webhook events failed: {e}"),
        }
        let keys = db::now() - chrono::Duration::seconds(policy.idempotency_ttl_seconds);
        match db::write(&pool, move |conn| {
            Ok(crate::idempotency::store::purge(conn, keys)?)
        })
        .await
        {
            Ok(0) => {}
            Ok(n) => log::info!("forgot {n} idempotency keys"),
            Err(e) => log::warn!("purging idempotency keys failed: {e}"),
        }
    }
}
