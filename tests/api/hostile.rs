//! The hostile-input corpus: every text field of every create and every query parameter of
//! every list, read from the OpenAPI document, gets NUL, control characters, 10,000 characters,
//! right-to-left text, emoji, SQL metacharacters and spreadsheet formula prefixes. Never a 5xx;
//! a refused write stores nothing; CSV exports neutralise every formula prefix.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::agreements::vetted_partner;
use crate::both;
use crate::support::*;

both!(hostile_values_never_break_the_service);

fn hostile() -> Vec<String> {
    vec![
        "nul\u{0}inside".to_owned(),
        "bell\u{7}and\u{1b}[31mescape".to_owned(),
        "x".repeat(10_000),
        "\u{202e}gnp.exe \u{5e9}\u{5dc}\u{5d5}\u{5dd}".to_owned(),
        "🏫👩‍🏫🧪 emoji".to_owned(),
        "'; DROP TABLE schools; -- \" OR 1=1 %_\\".to_owned(),
        "=HYPERLINK(\"http://evil.example\",\"x\")".to_owned(),
        "+SUM(1,2)".to_owned(),
        "-2+3".to_owned(),
        "@cmd".to_owned(),
        "\tTabbed".to_owned(),
        "\rReturned".to_owned(),
        String::new(),
        "   ".to_owned(),
    ]
}

fn audit_events(db: &TestDb) -> i64 {
    count_rows(&db.pool, "audit_events")
}

/// The schema of a JSON request body, with `$ref`s followed.
fn body_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    Some(&doc["components"]["schemas"][name])
}

fn is_text(property: &Value) -> bool {
    match &property["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

async fn hostile_values_never_break_the_service(db: TestDb) {
    let app = app(&db).await;
    let doc = serde_json::to_value(partnerships::openapi_document()).unwrap();
    let school = post(&app, "/api/v1/schools", json!({"name": "Base School"}))
        .await
        .expect(201)
        .id();
    let partner = vetted_partner(&app, "Base Partner").await;
    let agreement = post(
        &app,
        "/api/v1/agreements",
        json!({"title": "Base", "lead_partner_id": partner, "school_ids": [school],
               "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    )
    .await
    .expect(201)
    .id();
    post(
        &app,
        "/api/v1/kpi-definitions",
        json!({"code": "base_kpi", "name": "Base", "unit": "percent",
               "direction": "higher_is_better", "aggregation": "weighted_mean"}),
    )
    .await
    .expect(201);
    let fill = |path: &str| {
        path.replace("{partner_id}", &partner)
            .replace("{agreement_id}", &agreement)
    };
    // An agreement has one target per KPI and group: each hostile target gets its own group.
    const TARGET_GROUPS: u32 = 120;
    for i in 0..TARGET_GROUPS {
        post(
            &app,
            "/api/v1/student-groups",
            json!({"code": format!("hg_{i}"), "name": "H"}),
        )
        .await
        .expect(201);
    }
    let mut serial = 0u32;
    let mut targets = 0u32;
    let mut base = |path: &str| -> Option<Value> {
        serial += 1;
        let n = serial;
        Some(match path {
            "/schools" => json!({"name": "H"}),
            "/partners" => json!({"name": "H", "kind": "other"}),
            "/partners/{partner_id}/contacts" => json!({"name": "H"}),
            "/partners/{partner_id}/vetting" => json!({"status": "pending", "evidence": "e"}),
            "/continuum-levels" => json!({"rank": 10 + n % 80, "name": "H"}),
            "/agreements" => json!({"title": "H", "lead_partner_id": partner,
                "school_ids": [school], "start_date": "2027-01-01", "end_date": "2027-12-31"}),
            "/agreements/{agreement_id}/responsibilities" => {
                json!({"party": "school", "description": "H"})
            }
            "/agreements/{agreement_id}/timeline" => {
                json!({"kind": "event", "title": "H", "scheduled_on": "2027-03-01"})
            }
            "/agreements/{agreement_id}/kpi-targets" => {
                targets += 1;
                assert!(targets < TARGET_GROUPS, "more hostile targets than groups");
                json!({"kpi_code": "base_kpi", "student_group": format!("hg_{targets}"),
                    "target_value": 90, "target_date": "2027-06-30"})
            }
            "/student-groups" => json!({"code": format!("hs_{n}"), "name": "H"}),
            "/activities" => json!({"partner_id": partner, "school_id": school,
                "agreement_id": agreement, "kind": "talk", "occurred_on": "2026-10-01"}),
            "/kpi-definitions" => json!({"code": format!("k_{n}"), "name": "H", "unit": "count",
                "direction": "neutral", "aggregation": "sum"}),
            "/users" => json!({"email": format!("h{n}@hostile.example"), "name": "H",
                "role": "viewer"}),
            "/clients" => json!({"name": "H", "role": "viewer"}),
            _ => return None,
        })
    };

    let mut writes = 0;
    let paths = doc["paths"].as_object().unwrap().clone();
    for (full, item) in &paths {
        let path = full.trim_start_matches("/api/v1");
        let Some(op) = item.get("post") else { continue };
        let Some(schema) = body_schema(&doc, op) else {
            continue;
        };
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        if base(path).is_none() {
            continue;
        }
        for (field, property) in properties {
            if !is_text(property) {
                continue;
            }
            for value in hostile() {
                let mut body = base(path).unwrap_or_default();
                body[field.as_str()] = Value::String(value.clone());
                let before = audit_events(&db);
                let reply = send(&app, TestRequest::post().uri(&fill(full)).set_json(&body)).await;
                let status = reply.status.as_u16();
                assert!(
                    status < 500,
                    "POST {path} with {field} = {:?}: {status} {}",
                    value.chars().take(40).collect::<String>(),
                    reply.text
                );
                if status >= 400 {
                    assert_eq!(
                        audit_events(&db),
                        before,
                        "POST {path} refused {field} = {:?} but stored something",
                        value.chars().take(40).collect::<String>()
                    );
                }
                writes += 1;
            }
        }
    }
    assert!(writes > 300, "only {writes} hostile writes were tried");

    // Every query parameter of every list.
    let mut reads = 0;
    for (full, item) in &paths {
        let Some(op) = item.get("get") else { continue };
        if full.ends_with('}') || full.contains("{id}") || full.contains("{version}") {
            continue;
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            // Shared parameters are references to `components.parameters`.
            let param = match param["$ref"].as_str() {
                Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(param),
                None => param,
            };
            if param["in"] != "query" {
                continue;
            }
            let name = param["name"].as_str().unwrap();
            for value in hostile() {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair(name, &value)
                    .finish();
                let reply = get(&app, &format!("{}?{query}", fill(full))).await;
                let status = reply.status.as_u16();
                assert!(
                    status < 500,
                    "GET {full}?{name}={:?}: {status} {}",
                    value.chars().take(40).collect::<String>(),
                    reply.text
                );
                reads += 1;
            }
        }
    }
    assert!(reads > 200, "only {reads} hostile reads were tried");

    // Whatever was stored, a spreadsheet opening an export runs no formula.
    let agreements = get(&app, "/api/v1/agreements?limit=100").await.expect(200);
    let mut cells = 0;
    for a in agreements.body["data"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let csv = get(&app, &format!("/api/v1/agreements/{id}/export?format=csv"))
            .await
            .expect(200);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "a live formula in an export: {cell:?}"
                );
                cells += 1;
            }
        }
    }
    assert!(cells > 100);
}
