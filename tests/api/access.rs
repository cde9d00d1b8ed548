//! Who may do what: every role against every operation, and no operation without a token.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};

both!(
    every_documented_operation_needs_a_token,
    role_endpoint_matrix
);

/// Walks the OpenAPI document, so an endpoint added without the `Caller` extractor fails here.
async fn every_documented_operation_needs_a_token(db: TestDb) {
    let raw = raw_app(&db, auth_settings()).await;
    let doc = serde_json::to_value(partnerships::openapi_document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Public, or behind the operator's METRICS_TOKEN (tested in `metrics`).
            let public = op["security"].as_array().is_some_and(|reqs| {
                reqs.iter().any(|r| {
                    r.as_object()
                        .is_some_and(|o| o.is_empty() || o.contains_key("metrics_token"))
                })
            });
            if public {
                continue;
            }
            let uri = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        uuid::Uuid::now_v7().to_string()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = send(
                &raw,
                TestRequest::default()
                    .method(method.clone())
                    .uri(&uri)
                    .set_json(json!({})),
            )
            .await;
            assert_eq!(
                reply.status, 401,
                "{method} {uri} answered without a token: {}",
                reply.text
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations checked");
}

/// What a caller may do, as the design gives it.
struct Can {
    read_schools: bool,
    write_schools: bool,
    read_partners: bool,
    write_partners: bool,
    admin: bool,
    /// The partner role sees only this partner.
    only_partner: bool,
}

fn status(allowed: bool, success: u16) -> u16 {
    if allowed {
        success
    } else {
        403
    }
}

struct Fixture {
    school: String,
    own: String,
    other: String,
    own_contact: String,
    other_contact: String,
    client: String,
    user: String,
}

async fn role_endpoint_matrix(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let fx = Fixture {
        school: post(&admin, "/api/v1/schools", json!({"name": "Matrix School"}))
            .await
            .expect(201)
            .id(),
        own: post(
            &admin,
            "/api/v1/partners",
            json!({"name": "Own", "kind": "museum"}),
        )
        .await
        .expect(201)
        .id(),
        other: post(
            &admin,
            "/api/v1/partners",
            json!({"name": "Other", "kind": "library"}),
        )
        .await
        .expect(201)
        .id(),
        own_contact: String::new(),
        other_contact: String::new(),
        client: post(
            &admin,
            "/api/v1/clients",
            json!({"name": "Some client", "role": "viewer"}),
        )
        .await
        .expect(201)
        .id(),
        user: post(
            &admin,
            "/api/v1/users",
            json!({"email": "u@d.org", "name": "U", "role": "viewer"}),
        )
        .await
        .expect(201)
        .id(),
    };
    let fx = Fixture {
        own_contact: post(
            &admin,
            &format!("/api/v1/partners/{}/contacts", fx.own),
            json!({"name": "Own contact"}),
        )
        .await
        .expect(201)
        .id(),
        other_contact: post(
            &admin,
            &format!("/api/v1/partners/{}/contacts", fx.other),
            json!({"name": "Other contact"}),
        )
        .await
        .expect(201)
        .id(),
        ..fx
    };
    let events_before = all_pages(&admin, "/api/v1/audit-events?limit=500")
        .await
        .len();
    let mut successful_writes = 0;

    let everything = Can {
        read_schools: true,
        write_schools: true,
        read_partners: true,
        write_partners: true,
        admin: true,
        only_partner: false,
    };
    let roles: Vec<(&str, Option<Principal>, Can)> = vec![
        (
            "admin",
            Some(principal(&db, Role::Admin, &[], None)),
            everything,
        ),
        (
            "staff",
            Some(principal(&db, Role::Staff, &[], None)),
            Can {
                read_schools: true,
                write_schools: false,
                read_partners: true,
                write_partners: true,
                admin: false,
                only_partner: false,
            },
        ),
        (
            "partner",
            Some(principal(&db, Role::Partner, &[], Some(&fx.own))),
            Can {
                read_schools: true,
                write_schools: false,
                read_partners: true,
                write_partners: false,
                admin: false,
                only_partner: true,
            },
        ),
        (
            "viewer",
            Some(principal(&db, Role::Viewer, &[], None)),
            Can {
                read_schools: true,
                write_schools: false,
                read_partners: true,
                write_partners: false,
                admin: false,
                only_partner: false,
            },
        ),
        (
            "integration partners:read",
            Some(principal(
                &db,
                Role::Integration,
                &[Scope::PartnersRead],
                None,
            )),
            Can {
                read_schools: false,
                write_schools: false,
                read_partners: true,
                write_partners: false,
                admin: false,
                only_partner: false,
            },
        ),
        (
            "integration schools:write partners:write",
            Some(principal(
                &db,
                Role::Integration,
                &[Scope::SchoolsWrite, Scope::PartnersWrite],
                None,
            )),
            Can {
                read_schools: true,
                write_schools: true,
                read_partners: true,
                write_partners: true,
                admin: false,
                only_partner: false,
            },
        ),
        (
            "anonymous",
            None,
            Can {
                read_schools: false,
                write_schools: false,
                read_partners: false,
                write_partners: false,
                admin: false,
                only_partner: false,
            },
        ),
    ];

    for (role, who, can) in &roles {
        // Rows this role may delete (made by the admin; counted as writes).
        let doomed_school = post(
            &admin,
            "/api/v1/schools",
            json!({"name": format!("Doomed {role}")}),
        )
        .await
        .expect(201)
        .id();
        let doomed_partner = post(
            &admin,
            "/api/v1/partners",
            json!({"name": format!("Doomed {role}"), "kind": "other"}),
        )
        .await
        .expect(201)
        .id();
        let doomed_contact = post(
            &admin,
            &format!("/api/v1/partners/{}/contacts", fx.own),
            json!({"name": "Doomed"}),
        )
        .await
        .expect(201)
        .id();
        let doomed_client = post(
            &admin,
            "/api/v1/clients",
            json!({"name": format!("Doomed {role}"), "role": "viewer"}),
        )
        .await
        .expect(201)
        .id();
        successful_writes += 4;
        let foreign = |ok: u16| if can.only_partner { 404 } else { ok };
        let (s, o, p, oc, pc) = (
            &fx.school,
            &fx.own,
            &fx.other,
            &fx.own_contact,
            &fx.other_contact,
        );
        let tag = role.replace([' ', ':'], "-");
        let ops: Vec<(TestRequest, u16)> = vec![
            (
                TestRequest::get().uri("/api/v1/schools"),
                status(can.read_schools, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/schools/{s}")),
                status(can.read_schools, 200),
            ),
            (
                TestRequest::post()
                    .uri("/api/v1/schools")
                    .set_json(json!({"name": format!("New {role}")})),
                status(can.write_schools, 201),
            ),
            (
                merge(
                    TestRequest::patch().uri(&format!("/api/v1/schools/{s}")),
                    json!({"state_id": format!("ST-{tag}")}),
                ),
                status(can.write_schools, 200),
            ),
            (
                TestRequest::put()
                    .uri(&format!("/api/v1/schools/{s}"))
                    .set_json(json!({"name": format!("School of {role}")})),
                status(can.write_schools, 200),
            ),
            (
                TestRequest::delete().uri(&format!("/api/v1/schools/{doomed_school}")),
                status(can.write_schools, 204),
            ),
            (
                TestRequest::get().uri("/api/v1/partners"),
                status(can.read_partners, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{o}")),
                status(can.read_partners, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{p}")),
                status(can.read_partners, foreign(200)),
            ),
            (
                TestRequest::post()
                    .uri("/api/v1/partners")
                    .set_json(json!({"name": format!("New {role}"), "kind": "other"})),
                status(can.write_partners, 201),
            ),
            (
                merge(
                    TestRequest::patch().uri(&format!("/api/v1/partners/{p}")),
                    json!({"description": format!("by {role}")}),
                ),
                status(can.write_partners, 200),
            ),
            (
                TestRequest::put()
                    .uri(&format!("/api/v1/partners/{p}"))
                    .set_json(json!({"name": format!("Other of {role}"), "kind": "library"})),
                status(can.write_partners, 200),
            ),
            (
                TestRequest::delete().uri(&format!("/api/v1/partners/{doomed_partner}")),
                status(can.write_partners, 204),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{o}/contacts")),
                status(can.read_partners, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{o}/contacts/{oc}")),
                status(can.read_partners, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{p}/contacts")),
                status(can.read_partners, foreign(200)),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/partners/{p}/contacts/{pc}")),
                status(can.read_partners, foreign(200)),
            ),
            (
                TestRequest::post()
                    .uri(&format!("/api/v1/partners/{o}/contacts"))
                    .set_json(json!({"name": format!("New {role}")})),
                status(can.write_partners, 201),
            ),
            (
                merge(
                    TestRequest::patch().uri(&format!("/api/v1/partners/{o}/contacts/{oc}")),
                    json!({"role": format!("by {role}")}),
                ),
                status(can.write_partners, 200),
            ),
            (
                TestRequest::put()
                    .uri(&format!("/api/v1/partners/{o}/contacts/{oc}"))
                    .set_json(json!({"name": format!("Contact of {role}")})),
                status(can.write_partners, 200),
            ),
            (
                TestRequest::delete()
                    .uri(&format!("/api/v1/partners/{o}/contacts/{doomed_contact}")),
                status(can.write_partners, 204),
            ),
            (
                TestRequest::get().uri("/api/v1/clients"),
                status(can.admin, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/clients/{}", fx.client)),
                status(can.admin, 200),
            ),
            (
                TestRequest::post()
                    .uri("/api/v1/clients")
                    .set_json(json!({"name": format!("By {role}"), "role": "viewer"})),
                status(can.admin, 201),
            ),
            (
                merge(
                    TestRequest::patch().uri(&format!("/api/v1/clients/{}", fx.client)),
                    json!({"name": format!("Renamed by {role}")}),
                ),
                status(can.admin, 200),
            ),
            (
                TestRequest::post().uri(&format!("/api/v1/clients/{doomed_client}/secret")),
                status(can.admin, 200),
            ),
            (
                TestRequest::post().uri(&format!("/api/v1/clients/{doomed_client}/revoke")),
                status(can.admin, 200),
            ),
            (
                TestRequest::get().uri("/api/v1/users"),
                status(can.admin, 200),
            ),
            (
                TestRequest::get().uri(&format!("/api/v1/users/{}", fx.user)),
                status(can.admin, 200),
            ),
            (
                TestRequest::post().uri("/api/v1/users").set_json(
                    json!({"email": format!("{tag}@d.org"), "name": "N", "role": "viewer"}),
                ),
                status(can.admin, 201),
            ),
            (
                merge(
                    TestRequest::patch().uri(&format!("/api/v1/users/{}", fx.user)),
                    json!({"name": format!("Renamed by {role}")}),
                ),
                status(can.admin, 200),
            ),
            (
                TestRequest::get().uri("/api/v1/audit-events"),
                status(can.admin, 200),
            ),
        ];
        for (req, expected) in ops {
            let req = match who {
                Some(p) => req.insert_header(p.header()),
                None => req,
            };
            let expected = if who.is_none() { 401 } else { expected };
            let probe = req.to_request();
            let label = format!("{role}: {} {}", probe.method(), probe.path());
            let method = probe.method().clone();
            let reply = send_request(&raw, probe).await;
            assert_eq!(reply.status.as_u16(), expected, "{label}: {}", reply.text);
            if reply.status.is_success() && method != Method::GET {
                successful_writes += 1;
            }
        }
        if can.only_partner {
            let mine = send(
                &raw,
                TestRequest::get()
                    .uri("/api/v1/partners")
                    .insert_header(who.as_ref().unwrap().header()),
            )
            .await
            .expect(200);
            assert_eq!(
                ids(mine.body["data"].as_array().unwrap()),
                std::slice::from_ref(&fx.own),
                "the partner role lists only its partner"
            );
            let filtered = send(
                &raw,
                TestRequest::get()
                    .uri("/api/v1/partners?external_id=x&q=Other")
                    .insert_header(who.as_ref().unwrap().header()),
            )
            .await
            .expect(200);
            assert_eq!(filtered.body["data"], json!([]));
        }
    }
    // Every allowed write left exactly one audit event; refused ones left none.
    let events_after = all_pages(&admin, "/api/v1/audit-events?limit=500").await;
    let writes: Vec<&Value> = events_after[events_before..]
        .iter()
        .filter(|e| e["action"] != "token_issued" && e["action"] != "login")
        .collect();
    assert_eq!(
        writes.len(),
        successful_writes,
        "one audit event per successful write"
    );
}

fn merge(req: TestRequest, body: Value) -> TestRequest {
    req.insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(body.to_string())
}
