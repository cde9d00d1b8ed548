//! Migrations, and the database edges of the security review: replicas migrating together, a
//! connection left inside a transaction, a statement that runs too long.

use std::time::Duration;

use diesel::connection::TransactionManager;
use diesel::prelude::*;

use crate::both;
use crate::support::{count_rows, settings, TestDb};
use partnerships::db::{self, Backend, DbConnection, PoolSettings};
use partnerships::error::ApiError;

both!(
    migrations_revert_and_reapply,
    replicas_migrate_together,
    a_connection_left_in_a_transaction_is_not_reused,
    runaway_statements_are_cancelled,
    vetting_decisions_made_before_the_history_are_backfilled,
    groups_in_use_join_the_catalogue,
    a_loopback_database_is_reached_without_tls,
);

async fn migrations_revert_and_reapply(db: TestDb) {
    let mut conn = db.pool.get().unwrap();
    let reverted = db::revert_all_migrations(&mut conn).expect("down.sql runs");
    assert!(!reverted.is_empty());
    let applied = db::run_migrations(&mut conn).expect("up.sql runs again");
    assert_eq!(applied.len(), reverted.len());
    assert!(
        db::run_migrations(&mut conn).unwrap().is_empty(),
        "idempotent"
    );
}

/// Three replicas start at once on an empty database: all come up, and the migrations are
/// applied once.
async fn replicas_migrate_together(db: TestDb) {
    let total = db::revert_all_migrations(&mut db.pool.get().unwrap())
        .unwrap()
        .len();
    let start = std::sync::Arc::new(std::sync::Barrier::new(3));
    let replicas: Vec<_> = (0..3)
        .map(|_| {
            let (backend, start) = (db.backend.clone(), start.clone());
            std::thread::spawn(move || {
                let pool = db::establish(&backend, &settings()).expect("pool");
                let mut conn = pool.get().expect("connection");
                start.wait();
                db::run_migrations(&mut conn).map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut applied = 0;
    for replica in replicas {
        let versions = replica
            .join()
            .expect("no panic")
            .expect("the replica came up");
        applied += versions.len();
    }
    assert_eq!(applied, total, "each migration applied exactly once");
}

/// A request that panicked, or failed to roll back, leaves its connection inside a
/// transaction; the pool drops it instead of handing it to the next request.
async fn a_connection_left_in_a_transaction_is_not_reused(db: TestDb) {
    let pool = db::establish(
        &db.backend,
        &PoolSettings {
            max_size: 1,
            ..settings()
        },
    )
    .unwrap();
    {
        let mut conn = pool.get().unwrap();
        <DbConnection as Connection>::TransactionManager::begin_transaction(&mut conn).unwrap();
        assert!(db::in_transaction(&mut conn));
    }
    let mut next = pool.get().unwrap();
    assert!(
        !db::in_transaction(&mut next),
        "the next request got a connection still inside the old transaction"
    );
    // And its writes commit: another connection sees them.
    let before = count_rows(&db.pool, "audit_events");
    let actor = partnerships::audit::Actor {
        kind: "test",
        id: "probe".to_owned(),
        role: "admin".to_owned(),
        request_id: None,
    };
    partnerships::audit::record(&mut next, &actor, "probe", "p1", "probe", None).unwrap();
    drop(next);
    assert_eq!(
        count_rows(&db.pool, "audit_events"),
        before + 1,
        "the write was lost in a transaction nobody commits"
    );
}

/// PostgreSQL cancels a statement past `DATABASE_STATEMENT_TIMEOUT_SECONDS`, and the caller
/// gets 503 with Retry-After, not a connection held for as long as the query runs.
async fn runaway_statements_are_cancelled(db: TestDb) {
    if !matches!(db.backend, Backend::Postgres(_)) {
        return; // SQLite has no statement timeout; its writers wait on busy_timeout instead.
    }
    let pool = db::establish(
        &db.backend,
        &PoolSettings {
            statement_timeout: Duration::from_millis(300),
            ..settings()
        },
    )
    .unwrap();
    let answer = db::run(&pool, |conn| {
        diesel::sql_query("SELECT pg_sleep(5)").execute(conn)?;
        Ok(())
    })
    .await;
    let Err(error) = answer else {
        panic!("a five-second statement ran to the end");
    };
    assert!(matches!(error, ApiError::Unavailable(_)), "{error:?}");
    let response = actix_web::ResponseError::error_response(&error);
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

/// A partner decided before the vetting history existed gets that decision as the first entry
/// of its history when the migration runs.
async fn vetting_decisions_made_before_the_history_are_backfilled(db: TestDb) {
    use crate::support::{app, get, patch, post};
    let app = app(&db).await;
    let partner = post(
        &app,
        "/api/v1/partners",
        serde_json::json!({"name": "Decided earlier", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let uri = format!("/api/v1/partners/{partner}");
    patch(
        &app,
        &uri,
        serde_json::json!({"vetting": {"status": "approved", "insurance_expires_on": "2030-01-01"}}),
    )
    .await
    .expect(200);
    let decided = get(&app, &uri).await.expect(200).body;
    {
        let mut conn = db.pool.get().unwrap();
        revert_through(&mut conn, "000007");
        assert_eq!(count_rows(&db.pool, "partners"), 1, "partners survive");
        db::run_migrations(&mut conn).unwrap();
    }
    let history = get(&app, &format!("{uri}/vetting")).await.expect(200).body;
    let entries = history["data"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{history}");
    assert_eq!(entries[0]["kind"], "decision");
    assert_eq!(entries[0]["status"], "approved");
    assert_eq!(entries[0]["insurance_expires_on"], "2030-01-01");
    assert_eq!(entries[0]["recorded_by"], decided["vetting"]["decided_by"]);
}

/// Reverts migrations, newest first, up to and including the one whose version ends with
/// `suffix`.
fn revert_through(conn: &mut DbConnection, suffix: &str) {
    let mut reverted = Vec::new();
    while !reverted
        .last()
        .is_some_and(|v: &String| v.ends_with(suffix))
    {
        // More reverts than there are migrations: the suffix names none of them.
        assert!(
            reverted.len() < 200,
            "the migration {suffix} was not found: {reverted:?}"
        );
        reverted.push(db::revert_last_migration(conn).unwrap());
    }
}

/// Records pushed for a group before the catalogue existed stay valid: the migration adds the
/// group, part of nothing.
async fn groups_in_use_join_the_catalogue(db: TestDb) {
    use crate::support::{app, get, post};
    let app = app(&db).await;
    let school = post(
        &app,
        "/api/v1/schools",
        serde_json::json!({"name": "Legacy High"}),
    )
    .await
    .expect(201)
    .id();
    post(
        &app,
        "/api/v1/student-groups",
        serde_json::json!({"code": "legacy_group", "name": "Pushed before the catalogue"}),
    )
    .await
    .expect(201);
    crate::kpi_records::push_json(
        &app,
        vec![
            serde_json::json!({"kpi_code": "students_served", "school_id": school,
            "student_group": "legacy_group", "period_start": "2026-09-01",
            "period_end": "2026-09-30", "value": 40, "n": 40}),
        ],
    )
    .await
    .expect(200);
    {
        let mut conn = db.pool.get().unwrap();
        revert_through(&mut conn, "000008");
        assert_eq!(count_rows(&db.pool, "kpi_records"), 1, "records survive");
        db::run_migrations(&mut conn).unwrap();
    }
    let group = get(&app, "/api/v1/student-groups/legacy_group")
        .await
        .expect(200)
        .body;
    assert_eq!(group["name"], "legacy_group");
    assert!(group["part_of"].is_null());
    assert!(partnerships::db::sql::is_id(group["id"].as_str().unwrap()));
    assert_eq!(
        count_rows(&db.pool, "student_groups"),
        24,
        "the seeded groups and the one in use"
    );
}

/// The review's attack on SQLite: writers queued behind the write lock held every pooled
/// connection while they waited (30 s), so reads found none and answered 503. Now writers
/// wait at the writer gate holding nothing, and reads go on.
#[actix_web::test]
async fn queued_writers_leave_connections_for_readers() {
    use std::rc::Rc;

    use crate::support::{app, get, post};
    let db = TestDb::sqlite();
    let Backend::Sqlite(path) = db.backend.clone() else {
        unreachable!("a SQLite test database")
    };
    let small = db::establish(
        &db.backend,
        &PoolSettings {
            max_size: 3,
            connect_timeout: Duration::from_secs(1),
            ..settings()
        },
    )
    .unwrap();
    let small = TestDb::wrap(small, db.backend.clone());
    let app = Rc::new(app(&small).await);
    // Another process holds the write lock.
    let mut holder = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "BEGIN IMMEDIATE").unwrap();
    let writers: Vec<_> = (0..10)
        .map(|i| {
            let app = app.clone();
            actix_web::rt::spawn(async move {
                post(
                    &*app,
                    "/api/v1/schools",
                    serde_json::json!({"name": format!("Queued {i}")}),
                )
                .await
                .status
                .as_u16()
            })
        })
        .collect();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let read = get(&*app, "/api/v1/schools").await;
    assert_eq!(
        read.status.as_u16(),
        200,
        "a read while ten writers queue: {}",
        read.text
    );
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "ROLLBACK").unwrap();
    for writer in writers {
        assert_eq!(
            writer.await.unwrap(),
            201,
            "every queued writer gets its turn"
        );
    }
    assert_eq!(count_rows(&db.pool, "schools"), 10);
}

/// TLS to a database on the same host protects nothing and cost reads a sixth of their rate:
/// the pool reaches a loopback address in plain, and a mode the URL names is kept.
async fn a_loopback_database_is_reached_without_tls(db: TestDb) {
    let Backend::Postgres(url) = &db.backend else {
        return; // SQLite is in the process.
    };
    let loopback = ["@127.0.0.1", "@localhost", "@[::1]"]
        .iter()
        .any(|host| url.contains(host));
    if !loopback || std::env::var_os("PGSSLMODE").is_some() {
        return; // Another host, or the environment chose: libpq's own rules apply.
    }
    // What PostgreSQL says of the connection a pooled connection holds.
    let ask = |pool: &db::DbPool, sql: &str| -> String {
        let mut conn = pool.get().unwrap();
        let DbConnection::Postgres(pg) = &mut **conn else {
            unreachable!("a PostgreSQL pool")
        };
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(sql))
            .get_result(pg)
            .unwrap()
    };
    let encrypted = |pool: &db::DbPool| {
        ask(
            pool,
            "(SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
        ) == "true"
    };
    assert!(!encrypted(&db.pool), "TLS on a loopback connection");
    let offered = ask(&db.pool, "current_setting('ssl')");
    if offered == "on" {
        let separator = if url.contains('?') { '&' } else { '?' };
        let required = Backend::Postgres(format!("{url}{separator}sslmode=require"));
        let pool = db::establish(&required, &settings()).unwrap();
        assert!(
            encrypted(&pool),
            "sslmode=require in the URL was overridden"
        );
    }
}
