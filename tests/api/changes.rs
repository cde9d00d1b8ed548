//! The change feed: every committed write once, in commit order, even under concurrent
//! writers; only what the caller may read; a cursor past the retention answers 410.

use std::collections::BTreeSet;
use std::rc::Rc;

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::vetted_partner;
use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};

both!(
    every_write_appears_once_in_order,
    concurrent_writers_are_never_missed,
    callers_follow_what_they_may_read,
    old_cursors_must_resync,
);

/// Every change after `cursor`, page by page: (the changes, the last cursor).
async fn follow<A: TestApp>(app: &A, query: &str, cursor: &str) -> (Vec<Value>, String) {
    let mut cursor = cursor.to_owned();
    let mut all = Vec::new();
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let page = get(
            app,
            &format!("/api/v1/changes?limit=7{sep}{query}&after={cursor}"),
        )
        .await
        .expect(200);
        let data = page.body["data"].as_array().unwrap().clone();
        cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        if data.is_empty() {
            return (all, cursor);
        }
        all.extend(data);
    }
}

fn summary(changes: &[Value]) -> Vec<(String, String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn every_write_appears_once_in_order(db: TestDb) {
    let app = app(&db).await;
    let start = get(&app, "/api/v1/changes").await.expect(200);
    let cursor = start.body["next_cursor"].as_str().unwrap().to_owned();
    let school = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Feed High", "external_id": "F-1"}),
    )
    .await
    .expect(201)
    .id();
    patch(
        &app,
        &format!("/api/v1/schools/{school}"),
        json!({"state_id": "S-9"}),
    )
    .await
    .expect(200);
    let partner = vetted_partner(&app, "Feed Museum").await;
    let contact = post(
        &app,
        &format!("/api/v1/partners/{partner}/contacts"),
        json!({"name": "Ada"}),
    )
    .await
    .expect(201)
    .id();
    send(
        &app,
        TestRequest::delete().uri(&format!("/api/v1/partners/{partner}/contacts/{contact}")),
    )
    .await
    .expect(204);
    let (changes, _) = follow(&app, "", &cursor).await;
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    let listed = summary(&changes);
    let expect = |resource: &str, id: &str, action: &str| {
        (resource.to_owned(), id.to_owned(), action.to_owned())
    };
    let school_changes: Vec<_> = listed.iter().filter(|c| c.1 == school).cloned().collect();
    assert_eq!(
        school_changes,
        [
            expect("school", &school, "created"),
            expect("school", &school, "updated")
        ]
    );
    let first = changes.iter().find(|c| c["id"] == school.as_str()).unwrap();
    assert_eq!(first["external_id"], "F-1");
    assert_eq!(first["version"], 1);
    let contact_changes: Vec<_> = listed.iter().filter(|c| c.1 == contact).cloned().collect();
    assert_eq!(
        contact_changes,
        [
            expect("contact", &contact, "created"),
            expect("contact", &contact, "deleted")
        ]
    );
    assert!(listed.contains(&expect("partner", &partner, "created")));
    // Nothing new: the cursor stays where it was.
    let (again, _) = follow(&app, "", &changes.last().unwrap()["seq"].to_string()).await;
    assert!(again.is_empty());
    // Only some resource types.
    let (schools, _) = follow(&app, "resource=school", &cursor).await;
    assert!(schools.iter().all(|c| c["resource"] == "school"));
    assert_eq!(schools.len(), 2);
    get(&app, "/api/v1/changes?resource=schools")
        .await
        .expect(422);
    get(&app, "/api/v1/changes?after=abc").await.expect(422);
}

/// Writers commit out of order while a client follows the feed: when every writer is done,
/// the client has seen every change exactly once, in increasing order, without ever going back.
async fn concurrent_writers_are_never_missed(db: TestDb) {
    const WRITERS: usize = 8;
    const EACH: usize = 12;
    let app = Rc::new(app(&db).await);
    let start = get(&*app, "/api/v1/changes").await.expect(200);
    let mut cursor = start.body["next_cursor"].as_str().unwrap().to_owned();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let app = app.clone();
            actix_web::rt::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..EACH {
                    let id = post(
                        &*app,
                        "/api/v1/schools",
                        json!({"name": format!("Writer {w} school {i}")}),
                    )
                    .await
                    .expect(201)
                    .id();
                    ids.push(id);
                }
                ids
            })
        })
        .collect();
    let mut seen: Vec<Value> = Vec::new();
    let mut done = false;
    while !done {
        done = writers.iter().all(|w| w.is_finished());
        let (changes, next) = follow(&*app, "resource=school", &cursor).await;
        seen.extend(changes);
        cursor = next;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut created = BTreeSet::new();
    for writer in writers {
        created.extend(writer.await.unwrap());
    }
    let (rest, _) = follow(&*app, "resource=school", &cursor).await;
    seen.extend(rest);
    let seqs: Vec<i64> = seen.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, once: {seqs:?}"
    );
    let ids: BTreeSet<String> = seen
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, created, "every school created was followed");
    assert_eq!(seen.len(), WRITERS * EACH);
    // The feed itself has no holes a late commit could fill: following from the start again
    // gives the same list.
    let (replay, _) = follow(
        &*app,
        "resource=school",
        start.body["next_cursor"].as_str().unwrap(),
    )
    .await;
    assert_eq!(summary(&replay), summary(&seen));
}

async fn callers_follow_what_they_may_read(db: TestDb) {
    let app = app(&db).await;
    let s = crate::kpi_records::setup(&app).await;
    let other = vetted_partner(&app, "Other Partner").await;
    post(
        &app,
        &format!("/api/v1/partners/{other}/contacts"),
        json!({"name": "Not yours"}),
    )
    .await
    .expect(201);
    let mine = post(
        &app,
        &format!("/api/v1/partners/{}/contacts", s.partner),
        json!({"name": "Yours"}),
    )
    .await
    .expect(201)
    .id();
    let raw = raw_app(&db, auth_settings()).await;
    let read = |who: Principal, query: &'static str| {
        let raw = &raw;
        async move {
            send(
                raw,
                TestRequest::get()
                    .uri(&format!("/api/v1/changes?limit=1000{query}"))
                    .insert_header(who.header()),
            )
            .await
        }
    };
    let partner = read(principal(&db, Role::Partner, &[], Some(&s.partner)), "")
        .await
        .expect(200);
    let ids: BTreeSet<&str> = partner.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(mine.as_str()), "its own contact");
    assert!(ids.contains(s.partner.as_str()), "itself");
    assert!(ids.contains(s.agreement.as_str()), "its agreement");
    assert!(!ids.contains(other.as_str()), "not another partner");
    assert!(
        !ids.contains(s.school.as_str()),
        "not the district's schools"
    );
    // An integration that reads only schools follows only schools.
    let schools_only = read(
        principal(&db, Role::Integration, &[Scope::SchoolsRead], None),
        "",
    )
    .await
    .expect(200);
    let kinds: BTreeSet<&str> = schools_only.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["school"]));
    read(
        principal(&db, Role::Integration, &[Scope::SchoolsRead], None),
        "&resource=partner",
    )
    .await
    .expect(403);
    read(principal(&db, Role::Integration, &[], None), "")
        .await
        .expect(403);
}

async fn old_cursors_must_resync(db: TestDb) {
    let app = app(&db).await;
    for i in 0..3 {
        post(&app, "/api/v1/schools", json!({"name": format!("Old {i}")}))
            .await
            .expect(201);
    }
    let (before, _) = follow(&app, "", "0").await;
    let last_old = before.last().unwrap()["seq"].as_i64().unwrap();
    // Three days pass, and the retention is two.
    let cutoff = partnerships::db::now() + chrono::Duration::days(1);
    let purged = partnerships::changes::store::purge(&mut db.pool.get().unwrap(), cutoff).unwrap();
    assert_eq!(purged, before.len());
    post(&app, "/api/v1/schools", json!({"name": "New"}))
        .await
        .expect(201);
    let gone = get(&app, &format!("/api/v1/changes?after={}", last_old - 1))
        .await
        .expect(410);
    assert_eq!(
        gone.header("content-type"),
        Some("application/problem+json")
    );
    // From the newest purged change on, or without a cursor, the feed goes on.
    let (after, _) = follow(&app, "", &last_old.to_string()).await;
    assert_eq!(after.len(), 1);
    let fresh = get(&app, "/api/v1/changes").await.expect(200);
    assert_eq!(fresh.body["data"].as_array().unwrap().len(), 1);
}
