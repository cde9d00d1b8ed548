//! Success stories: Markdown rendered safe, publication with consent, the public showcase and
//! its Atom feed without a token, and highlighted figures suppressed for the public.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::kpi_records::push_json;
use crate::support::*;
use partnerships::auth::Role;

both!(
    stories_are_published_with_consent_and_shown_to_the_public,
    small_figures_are_suppressed_on_the_showcase,
);

struct World {
    school: String,
    partner: String,
    agreement: String,
}

async fn world<A: TestApp>(app: &A) -> World {
    let school = post(app, "/api/v1/schools", json!({"name": "Lincoln Middle"}))
        .await
        .expect(201)
        .id();
    let partner = post(
        app,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let agreement = post(
        app,
        "/api/v1/agreements",
        json!({"title": "Museum nights", "lead_partner_id": partner, "school_ids": [school],
               "start_date": "2026-01-01", "end_date": "2027-12-31", "involves_students": false}),
    )
    .await
    .expect(201)
    .id();
    World {
        school,
        partner,
        agreement,
    }
}

fn last_month() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let end = today - chrono::Duration::days(10);
    (
        (end - chrono::Duration::days(29)).to_string(),
        end.to_string(),
    )
}

async fn figure<A: TestApp>(app: &A, w: &World, group: &str, n: i64) {
    let (start, end) = last_month();
    push_json(
        app,
        vec![json!({"kpi_code": "students_served", "school_id": w.school, "agreement_id": w.agreement,
            "student_group": group, "period_start": start, "period_end": end, "value": n, "n": n})],
    )
    .await
    .expect(200);
}

fn story(w: &World, slug: &str, group: &str) -> Value {
    json!({"title": "Eighth graders curate the museum", "slug": slug,
           "summary": "Students put their history projects in front of the town.",
           "body": "# Museum night\n\nNinety students **curated** a show.\n\n<script>alert('x')</script>\n\n[more](javascript:alert(1))",
           "agreement_id": w.agreement, "partner_ids": [w.partner], "school_ids": [w.school],
           "highlight": {"kpi_code": "students_served", "student_group": group,
                         "caption": "students exhibited their work"},
           "media_urls": ["https://photos.district.example/museum-night.jpg"]})
}

async fn stories_are_published_with_consent_and_shown_to_the_public(db: TestDb) {
    let admin = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let w = world(&admin).await;
    figure(&admin, &w, "all", 90).await;
    let made = post(&admin, "/api/v1/stories", story(&w, "museum-night", "all"))
        .await
        .expect(201);
    assert_eq!(made.body["status"], "draft");
    let html = made.body["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>curated</strong>"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert_eq!(made.body["highlight"]["latest"]["value"], 90.0);
    let uri = format!("/api/v1/stories/{}", made.id());

    let anyone = |uri: &str| TestRequest::get().uri(uri);
    send(&public, anyone("/api/v1/public/stories/museum-night"))
        .await
        .expect(404);
    // Publishing needs consent.
    let refused = patch(&admin, &uri, json!({"status": "published"}))
        .await
        .expect(422);
    assert_eq!(refused.error_fields(), ["consent_confirmed"]);
    let published = patch(
        &admin,
        &uri,
        json!({"status": "published", "consent_confirmed": true}),
    )
    .await
    .expect(200);
    assert!(published.body["published_at"].is_string());

    let listed = send(&public, anyone("/api/v1/public/stories"))
        .await
        .expect(200);
    let shown = &listed.body["data"][0];
    assert_eq!(shown["slug"], "museum-night");
    assert_eq!(shown["partners"], json!(["Kennebec Museum"]));
    assert_eq!(shown["schools"], json!(["Lincoln Middle"]));
    assert_eq!(shown["highlight"]["latest"]["value"], 90.0);
    for internal in [
        "id",
        "body",
        "consent_confirmed",
        "status",
        "version",
        "agreement_id",
        "partner_ids",
    ] {
        assert!(
            shown.get(internal).is_none(),
            "{internal} is internal: {shown}"
        );
    }
    let one = send(&public, anyone("/api/v1/public/stories/museum-night"))
        .await
        .expect(200);
    assert_eq!(one.body["title"], "Eighth graders curate the museum");

    // The feed, read back with the Atom crate.
    let feed = send(&public, anyone("/api/v1/public/stories.atom"))
        .await
        .expect(200);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("application/atom+xml"));
    let parsed = atom_syndication::Feed::read_from(feed.text.as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 1);
    let entry = &parsed.entries[0];
    assert_eq!(entry.title.value, "Eighth graders curate the museum");
    assert_eq!(entry.id, format!("urn:uuid:{}", made.id()));
    let content = entry.content.as_ref().unwrap().value.as_deref().unwrap();
    assert!(content.contains("<strong>curated</strong>") && !content.contains("<script"));
    assert!(entry.links[0]
        .href
        .ends_with("/api/v1/public/stories/museum-night"));

    // Slugs are unique and well formed.
    post(&admin, "/api/v1/stories", story(&w, "museum-night", "all"))
        .await
        .expect(409);
    let bad = post(&admin, "/api/v1/stories", story(&w, "Museum Night!", "all"))
        .await
        .expect(422);
    assert_eq!(bad.error_fields(), ["slug"]);

    // Who writes and who reads: staff of the story's schools; a partner reads.
    let other_school = post(&admin, "/api/v1/schools", json!({"name": "Other"}))
        .await
        .expect(201)
        .id();
    let outsider = staff(&db, &[&other_school]);
    send(
        &public,
        TestRequest::patch()
            .uri(&uri)
            .insert_header(outsider.header())
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"title": "Taken over"}"#),
    )
    .await
    .expect(403);
    // Nor show another school's agreement in a story of their own school.
    let mut borrowed = story(&w, "borrowed-figure", "all");
    borrowed["school_ids"] = json!([other_school]);
    send(
        &public,
        TestRequest::post()
            .uri("/api/v1/stories")
            .insert_header(outsider.header())
            .set_json(borrowed),
    )
    .await
    .expect(403);
    let other_partner = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Other", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    let draft = post(&admin, "/api/v1/stories", story(&w, "draft-story", "all"))
        .await
        .expect(201)
        .id();
    let stranger = principal(&db, Role::Partner, &[], Some(&other_partner));
    let named = principal(&db, Role::Partner, &[], Some(&w.partner));
    let read = |who: &Principal, uri: &str| TestRequest::get().uri(uri).insert_header(who.header());
    let draft_uri = format!("/api/v1/stories/{draft}");
    send(&public, read(&stranger, &draft_uri)).await.expect(404);
    send(&public, read(&named, &draft_uri)).await.expect(200);
    send(&public, read(&stranger, &uri)).await.expect(200);

    // Archived: off the showcase for good.
    patch(&admin, &uri, json!({"status": "archived"}))
        .await
        .expect(200);
    send(&public, anyone("/api/v1/public/stories/museum-night"))
        .await
        .expect(404);
    let feed = send(&public, anyone("/api/v1/public/stories.atom"))
        .await
        .expect(200);
    assert!(atom_syndication::Feed::read_from(feed.text.as_bytes())
        .unwrap()
        .entries
        .is_empty());
    let back = patch(&admin, &uri, json!({"status": "published"}))
        .await
        .expect(422);
    assert_eq!(back.error_fields(), ["status"]);
}

async fn small_figures_are_suppressed_on_the_showcase(db: TestDb) {
    let admin = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let w = world(&admin).await;
    figure(&admin, &w, "ell", 3).await;
    let mut body = story(&w, "small-group", "ell");
    body["status"] = json!("published");
    body["consent_confirmed"] = json!(true);
    let made = post(&admin, "/api/v1/stories", body).await.expect(201);
    assert_eq!(
        made.body["highlight"]["latest"]["value"], 3.0,
        "admin sees small cells"
    );
    let shown = send(
        &public,
        TestRequest::get().uri("/api/v1/public/stories/small-group"),
    )
    .await
    .expect(200);
    let latest = &shown.body["highlight"]["latest"];
    assert_eq!(latest["value"], Value::Null, "{latest}");
    assert_eq!(latest["suppressed"], true);
    assert!(!shown.text.contains("\"n\":3"), "{}", shown.text);
    // A viewer is held to the same rules.
    let viewer = principal(&db, Role::Viewer, &[], None);
    let seen = send(
        &public,
        TestRequest::get()
            .uri(&format!("/api/v1/stories/{}", made.id()))
            .insert_header(viewer.header()),
    )
    .await
    .expect(200);
    assert_eq!(seen.body["highlight"]["latest"]["suppressed"], true);
}
