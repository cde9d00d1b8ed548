//! Calendar feeds: a secret URL that a calendar app reads without a token, parsed back here
//! with a real iCalendar parser; what the creator may read, and nothing once revoked.

use std::str::FromStr;

use actix_web::test::TestRequest;
use icalendar::{Calendar, Component};
use serde_json::json;

use crate::agreements::vetted_partner;
use crate::both;
use crate::kpi_records::setup;
use crate::support::*;
use partnerships::auth::Role;

both!(
    a_feed_is_a_calendar_an_app_can_read,
    feeds_follow_their_creator
);

fn events(text: &str) -> Vec<(String, String, String)> {
    let calendar = Calendar::from_str(text).expect("a valid iCalendar");
    calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            (
                e.get_uid().unwrap_or_default().to_owned(),
                e.get_summary().unwrap_or_default().to_owned(),
                format!("{:?}", e.get_start()),
            )
        })
        .collect()
}

async fn a_feed_is_a_calendar_an_app_can_read(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let a = &s.agreement;
    post(
        &app,
        &format!("/api/v1/agreements/{a}/timeline"),
        json!({"kind": "exhibition", "title": "Spring exhibition", "scheduled_on": "2027-04-20"}),
    )
    .await
    .expect(201);
    post(
        &app,
        &format!("/api/v1/agreements/{a}/responsibilities"),
        json!({"party": "partner", "description": "Send the mentor roster", "due_on": "2027-02-01"}),
    )
    .await
    .expect(201);
    let made = post(
        &app,
        "/api/v1/calendar-feeds",
        json!({"scope": "school", "id": s.school}),
    )
    .await
    .expect(201);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let url = made.body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/api/v1/calendars/") && url.ends_with(".ics"));
    // No bearer token: the URL is the key.
    let raw = raw_app(&db, auth_settings()).await;
    let feed = send(&raw, TestRequest::get().uri(&url)).await.expect(200);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let listed = events(&feed.text);
    let summaries: Vec<&str> = listed.iter().map(|e| e.1.as_str()).collect();
    assert!(
        summaries.iter().any(|s| s.starts_with("Spring exhibition")),
        "{summaries:?}"
    );
    assert!(summaries
        .iter()
        .any(|s| s.starts_with("Due: Send the mentor roster")));
    assert!(summaries.iter().any(|s| s.starts_with("Starts: ")));
    // UIDs are stable: the same feed read again names the same events.
    let again = send(&raw, TestRequest::get().uri(&url)).await.expect(200);
    assert_eq!(events(&again.text), listed);
    // The list never shows the URL again; revoking ends the feed.
    let feeds = get(&app, "/api/v1/calendar-feeds").await.expect(200);
    assert_eq!(feeds.body.as_array().unwrap().len(), 1);
    assert!(feeds.body[0]["url"].is_null());
    send(
        &app,
        TestRequest::delete().uri(&format!("/api/v1/calendar-feeds/{}", made.id())),
    )
    .await
    .expect(204);
    send(&raw, TestRequest::get().uri(&url)).await.expect(404);
    send(
        &raw,
        TestRequest::get().uri("/api/v1/calendars/guessed-token.ics"),
    )
    .await
    .expect(404);
    // Bad requests.
    post(&app, "/api/v1/calendar-feeds", json!({"scope": "school"}))
        .await
        .expect(422);
    post(
        &app,
        "/api/v1/calendar-feeds",
        json!({"scope": "district", "id": s.school}),
    )
    .await
    .expect(422);
    post(
        &app,
        "/api/v1/calendar-feeds",
        json!({"scope": "agreement", "id": s.school}),
    )
    .await
    .expect(404);
}

/// A partner's feed shows its own agreements only, and dies with the partner's access.
async fn feeds_follow_their_creator(db: TestDb) {
    let app = app(&db).await;
    let s = setup(&app).await;
    let stranger = vetted_partner(&app, "Stranger Co").await;
    let theirs =
        crate::agreements::agreement(&app, &stranger, &[&s.school], json!({"title": "Not yours"}))
            .await
            .expect(201)
            .id();
    let raw = raw_app(&db, auth_settings()).await;
    let partner = principal(&db, Role::Partner, &[], Some(&s.partner));
    let made = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/calendar-feeds")
            .insert_header(partner.header())
            .set_json(json!({"scope": "district"})),
    )
    .await
    .expect(201);
    let url = made.body["url"].as_str().unwrap().to_owned();
    let feed = send(&raw, TestRequest::get().uri(&url)).await.expect(200);
    let uids: Vec<String> = events(&feed.text).into_iter().map(|e| e.0).collect();
    assert!(
        uids.iter().any(|u| u.contains(&s.agreement)),
        "its own agreement"
    );
    assert!(
        !uids.iter().any(|u| u.contains(&theirs)),
        "not another partner's"
    );
    // A partner cannot make a feed of another partner.
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/calendar-feeds")
            .insert_header(partner.header())
            .set_json(json!({"scope": "partner", "id": stranger})),
    )
    .await
    .expect(404);
    // A feed made before its creator's secret was rotated ends with the rotation (a stolen
    // token cannot leave a feed behind).
    let viewer = principal(&db, Role::Viewer, &[], None);
    let rotated = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/calendar-feeds")
            .insert_header(viewer.header())
            .set_json(json!({"scope": "district"})),
    )
    .await
    .expect(201);
    let rotated_url = rotated.body["url"].as_str().unwrap().to_owned();
    send(&raw, TestRequest::get().uri(&rotated_url))
        .await
        .expect(200);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/clients/{}/secret", viewer.id)),
    )
    .await
    .expect(200);
    send(&raw, TestRequest::get().uri(&rotated_url))
        .await
        .expect(404);
    // The creator is revoked: the feed goes with it.
    send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/clients/{}/revoke", partner.id)),
    )
    .await
    .expect(200);
    send(&raw, TestRequest::get().uri(&url)).await.expect(404);
}
