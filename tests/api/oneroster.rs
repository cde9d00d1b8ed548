//! OneRoster `orgs.csv` import: schools upserted by sourcedId, `tobedeleted` deactivates,
//! other org types skipped, bad rows listed and nothing written, the CLI does the same.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};

both!(
    orgs_csv_keeps_the_school_list_in_step,
    bad_files_change_nothing,
    the_same_rows_as_json_import_alike
);

const ORGS_1_1: &str =
    "\u{feff}sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
    d-1,active,2026-08-01T00:00:00Z,Kennebec District,district,,\n\
    s-100,active,2026-08-01T00:00:00Z,Richmond Middle School,school,ME-1234,d-1\n\
    s-200,,,Gardiner High School,school,ME-2000,d-1\n\
    s-300,tobedeleted,2026-08-01T00:00:00Z,Old Annex,school,,d-1\n";

async fn import<A: TestApp>(app: &A, query: &str, csv: &str) -> Reply {
    send(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/schools/import{query}"))
            .insert_header(("content-type", "text/csv"))
            .set_payload(csv.to_owned()),
    )
    .await
}

async fn orgs_csv_keeps_the_school_list_in_step(db: TestDb) {
    let app = app(&db).await;
    // Gardiner exists already, under the SIS id, with another name.
    let gardiner = post(
        &app,
        "/api/v1/schools",
        json!({"name": "Gardiner Area High", "external_id": "s-200"}),
    )
    .await
    .expect(201)
    .id();
    let first = import(&app, "", ORGS_1_1).await.expect(200);
    assert_eq!(
        [
            "received",
            "created",
            "updated",
            "unchanged",
            "deactivated",
            "skipped",
            "rejected"
        ]
        .map(|k| first.body[k].as_u64().unwrap()),
        [4, 1, 1, 0, 0, 2, 0],
        "{}",
        first.text
    );
    let richmond = get(&app, "/api/v1/schools?external_id=s-100")
        .await
        .expect(200);
    let richmond = &richmond.body["data"][0];
    assert_eq!(
        (
            &richmond["name"],
            &richmond["state_id"],
            &richmond["active"]
        ),
        (
            &json!("Richmond Middle School"),
            &json!("ME-1234"),
            &json!(true)
        )
    );
    let renamed = get(&app, &format!("/api/v1/schools/{gardiner}"))
        .await
        .expect(200);
    assert_eq!(renamed.body["name"], "Gardiner High School");
    assert_eq!(renamed.body["version"], 2);

    // The same file again changes nothing; the next one retires Richmond (OneRoster 1.2
    // headers, another column order).
    let again = import(&app, "", ORGS_1_1).await.expect(200);
    assert_eq!(again.body["unchanged"], 2);
    let retire = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.district.code\n\
        s-100,tobedeleted,2026-09-01T00:00:00Z,Richmond Middle School,school,ME-1234,d-1,K1\n";
    let retired = import(&app, "", retire).await.expect(200);
    assert_eq!(retired.body["deactivated"], 1);
    let richmond = get(&app, "/api/v1/schools?external_id=s-100")
        .await
        .expect(200);
    assert_eq!(richmond.body["data"][0]["active"], false);
    // Every write is audited and in the change feed.
    let feed = get(&app, "/api/v1/changes?resource=school&limit=100")
        .await
        .expect(200);
    assert_eq!(feed.body["data"].as_array().unwrap().len(), 4);

    // An integration for the SIS may import; staff may not.
    let raw = raw_app(&db, auth_settings()).await;
    let sis = principal(&db, Role::Integration, &[Scope::SchoolsWrite], None);
    let staff = staff(&db, &[&gardiner]);
    for (who, status) in [(&sis, 200), (&staff, 403)] {
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/schools/import")
                .insert_header(who.header())
                .insert_header(("content-type", "text/csv"))
                .set_payload(ORGS_1_1),
        )
        .await
        .expect(status);
    }
}

async fn bad_files_change_nothing(db: TestDb) {
    let app = app(&db).await;
    let bad = "sourcedId,status,name,type,identifier\n\
        s-1,active,Fine School,school,\n\
        ,active,No Id,school,\n\
        s-3,active,,school,\n\
        s-4,gone,Odd Status,school,\n\
        s-1,active,Twice,school,\n";
    let rejected = import(&app, "", bad).await.expect(422);
    let fields: Vec<(u64, &str)> = rejected.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            (1, "sourcedId"),
            (2, "name"),
            (3, "status"),
            (4, "sourcedId")
        ]
    );
    assert_eq!(count_rows(&db.pool, "schools"), 0, "nothing written");
    // Partial: the good row goes in, the bad ones are reported.
    let partial = import(&app, "?mode=partial", bad).await.expect(200);
    assert_eq!(partial.body["created"], 1);
    assert_eq!(partial.body["rejected"], 4);
    assert_eq!(partial.body["errors"].as_array().unwrap().len(), 4);
    // A row that is not text is the whole row's fault: no field is named.
    let not_text = send(
        &app,
        TestRequest::post()
            .uri("/api/v1/schools/import")
            .insert_header(("content-type", "text/csv"))
            .set_payload(&b"sourcedId,name,type\ns-8,Caf\xe9,school\n"[..]),
    )
    .await
    .expect(422);
    let row = &not_text.body["rows"][0];
    assert_eq!(
        (row["code"].as_str(), row["line"].as_u64()),
        (Some("malformed"), Some(2))
    );
    assert!(row["field"].is_null(), "{}", not_text.text);
    import(&app, "", "sourcedId,name\ns-9,No type column\n")
        .await
        .expect(422);
    send(
        &app,
        TestRequest::post()
            .uri("/api/v1/schools/import")
            .insert_header(("content-type", "text/plain"))
            .set_payload("sourcedId,name,type\n"),
    )
    .await
    .expect(415);
}

async fn import_json(app: &impl TestApp, query: &str, rows: serde_json::Value) -> Reply {
    send(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/schools/import{query}"))
            .set_json(rows),
    )
    .await
}

/// Generated clients send the rows as JSON: the same rows, the same outcome, bad rows named by
/// index (a JSON body has no lines), and a body that is not an array of rows changes nothing.
async fn the_same_rows_as_json_import_alike(db: TestDb) {
    let app = app(&db).await;
    let rows = json!([
        {"sourcedId": "d-1", "status": "active", "name": "Kennebec District", "type": "district"},
        {"sourcedId": "s-100", "status": "active", "dateLastModified": "2026-08-01T00:00:00Z",
         "name": "Richmond Middle School", "type": "school", "identifier": "ME-1234",
         "parentSourcedId": "d-1"},
        {"sourcedId": "s-200", "name": "Gardiner High School", "type": "school",
         "identifier": "ME-2000"},
        {"sourcedId": "s-300", "status": "tobedeleted", "name": "Old Annex", "type": "school"}
    ]);
    let first = import_json(&app, "", rows.clone()).await.expect(200);
    assert_eq!(
        ["received", "created", "skipped", "rejected"].map(|k| first.body[k].as_u64().unwrap()),
        [4, 2, 2, 0],
        "{}",
        first.text
    );
    let again = import_json(&app, "", rows).await.expect(200);
    assert_eq!(again.body["unchanged"], 2);
    let richmond = get(&app, "/api/v1/schools?external_id=s-100")
        .await
        .expect(200);
    assert_eq!(richmond.body["data"][0]["state_id"], "ME-1234");

    // A duplicate id is a row rule: listed by index, without a line.
    let duplicate = json!([
        {"sourcedId": "s-400", "name": "New School", "type": "school"},
        {"sourcedId": "s-400", "name": "New School Again", "type": "school"}
    ]);
    let refused = import_json(&app, "", duplicate.clone()).await.expect(422);
    assert_eq!(refused.body["rows"][0]["index"], 1, "{}", refused.text);
    assert!(
        refused.body["rows"][0]["line"].is_null(),
        "{}",
        refused.text
    );
    let partial = import_json(&app, "?mode=partial", duplicate)
        .await
        .expect(200);
    assert_eq!(partial.body["created"], 1);
    assert_eq!(partial.body["errors"][0]["index"], 1, "{}", partial.text);
    assert!(partial.body["errors"][0]["line"].is_null());

    // Not rows: an unknown field, a blank name, an object. Nothing is written.
    let before = count_rows(&db.pool, "schools");
    let unknown = import_json(
        &app,
        "",
        json!([{"sourcedId": "s-5", "name": "X", "type": "school", "nom": "X"}]),
    )
    .await
    .expect(400);
    assert!(unknown.text.contains("nom"), "{}", unknown.text);
    let blank = import_json(
        &app,
        "",
        json!([{"sourcedId": "s-6", "name": "  ", "type": "school"}]),
    )
    .await
    .expect(422);
    assert!(blank.text.contains("name"), "{}", blank.text);
    import_json(&app, "", json!({"sourcedId": "s-7"}))
        .await
        .expect(400);
    assert_eq!(count_rows(&db.pool, "schools"), before);
}

/// `partnerships import oneroster-orgs FILE` from the server's shell.
#[test]
fn the_cli_imports_the_same_file() {
    let dir = std::env::temp_dir().join(format!("oneroster-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.csv");
    std::fs::write(&file, ORGS_1_1).unwrap();
    let database = format!("sqlite://{}", dir.join("cli.db").display());
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_partnerships"))
            .args(["import", "oneroster-orgs"])
            .arg(&file)
            .env("DATABASE_URL", &database)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let counts: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(
        (&counts["created"], &counts["skipped"]),
        (&json!(2), &json!(2))
    );
    let again: serde_json::Value = serde_json::from_slice(&run().stdout).unwrap();
    assert_eq!(again["unchanged"], 2);
    std::fs::write(&file, "sourcedId,name,type\n,Nameless,school\n").unwrap();
    let refused = run();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("sourcedId"));
    let _ = std::fs::remove_dir_all(&dir);
}
