//! `partnerships seed --demo`: a believable district through the API's own rules, the same
//! every time, written once.

use std::collections::BTreeSet;

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::Role;
use partnerships::config::Policy;
use partnerships::db;

both!(the_demo_district_has_everything_a_front_end_shows);

fn seed(db: &TestDb) -> partnerships::seed::DemoOutcome {
    let mut conn = db.pool.get().unwrap();
    db::write_transaction(&mut conn, |conn| {
        partnerships::seed::demo(conn, &Policy::default())
    })
    .unwrap()
}

async fn the_demo_district_has_everything_a_front_end_shows(db: TestDb) {
    let first = seed(&db);
    assert!(first.seeded);
    assert_eq!((first.schools, first.partners), (12, 60));
    let app = app(&db).await;
    let partners = all_pages(&app, "/api/v1/partners?limit=100").await;
    let kinds: BTreeSet<&str> = partners
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 11, "every kind of partner: {kinds:?}");
    let vetting: BTreeSet<&str> = partners
        .iter()
        .map(|p| p["vetting"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        vetting,
        BTreeSet::from(["approved", "expired", "not_started", "pending", "rejected"])
    );
    assert!(partners.iter().any(|p| !p["referred_by"].is_null()));
    let agreements = all_pages(&app, "/api/v1/agreements?limit=100").await;
    let statuses: BTreeSet<&str> = agreements
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from([
            "active",
            "completed",
            "draft",
            "expired",
            "on_hold",
            "proposed",
            "terminated"
        ])
    );
    let active = agreements.iter().find(|a| a["status"] == "active").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let summary = get(&app, &format!("/api/v1/agreements/{active}/summary"))
        .await
        .expect(200);
    assert!(
        summary.text.contains("check_in"),
        "check-ins were generated"
    );
    // The year up to today holds weekly records.
    let kpis = get(&app, &format!("/api/v1/agreements/{active}/kpis"))
        .await
        .expect(200);
    assert!(kpis.body["kpis"].as_array().unwrap().len() >= 4);
    // A viewer meets suppression: the small program group of the first active agreement.
    let raw = raw_app(&db, auth_settings()).await;
    let viewer = principal(&db, Role::Viewer, &[], None);
    let mut hidden = 0;
    for a in agreements.iter().filter(|a| a["status"] == "active") {
        let reply = send(
            &raw,
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/kpi-records?agreement_id={}&limit=50",
                    a["id"].as_str().unwrap()
                ))
                .insert_header(viewer.header()),
        )
        .await
        .expect(200);
        hidden += reply.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["suppressed"] == true)
            .count();
    }
    assert!(hidden > 0, "some small cells show as suppressed");
    get(&app, "/api/v1/dashboards/district").await.expect(200);
    // The demo's records reach the agreements' series through the rollup too.
    crate::rollups::assert_rollup_is_raw(&db, "after the demo seed");

    // Once: a second run writes nothing.
    let schools = count_rows(&db.pool, "schools");
    let again = seed(&db);
    assert!(!again.seeded);
    assert_eq!(count_rows(&db.pool, "schools"), schools);
}

/// A database that holds anything else is not the demo's to fill.
#[actix_web::test]
async fn the_demo_refuses_a_database_in_use() {
    let db = TestDb::sqlite();
    let app = app(&db).await;
    post(&app, "/api/v1/schools", json!({"name": "Real School"}))
        .await
        .expect(201);
    let mut conn = db.pool.get().unwrap();
    let refused = db::write_transaction(&mut conn, |conn| {
        partnerships::seed::demo(conn, &Policy::default())
    });
    assert!(matches!(
        refused,
        Err(partnerships::error::ApiError::Conflict(_))
    ));
    assert_eq!(count_rows(&db.pool, "schools"), 1);
}
