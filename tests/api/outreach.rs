//! Outreach: the school's facilities, bookings by partners and community groups, approvals that
//! never overlap (even when they race), the public list of open facilities, and the hours
//! hosted on the dashboard.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    facilities_are_kept_by_their_schools_staff,
    bookings_are_asked_for_answered_and_never_overlap,
    racing_approvals_approve_one,
    open_facilities_are_public_without_who_booked_them,
    meetings_at_partners_places_are_counted,
);

/// The power of place: timeline items, activities and committee meetings name a host partner
/// and a venue, and the dashboard counts the meetings partners hosted.
async fn meetings_at_partners_places_are_counted(db: TestDb) {
    let admin = app(&db).await;
    let (school, _) = setup(&admin).await;
    let library = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Riverside Library", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    let agreement = post(
        &admin,
        "/api/v1/agreements",
        json!({"title": "Library nights", "lead_partner_id": library, "school_ids": [school],
               "start_date": "2026-01-01", "end_date": "2027-12-31", "involves_students": false}),
    )
    .await
    .expect(201)
    .id();
    let ghost = "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d";
    let timeline = format!("/api/v1/agreements/{agreement}/timeline");
    let refused = post(
        &admin,
        &timeline,
        json!({"kind": "check_in", "title": "Q1", "scheduled_on": "2027-01-15", "host_partner_id": ghost}),
    )
    .await
    .expect(422);
    assert_eq!(refused.error_fields(), ["host_partner_id"]);
    let item = post(
        &admin,
        &timeline,
        json!({"kind": "check_in", "title": "Q1", "scheduled_on": "2027-01-15",
               "host_partner_id": library, "venue": "Riverside Library, room 2"}),
    )
    .await
    .expect(201);
    assert_eq!(item.body["venue"], "Riverside Library, room 2");
    assert_eq!(item.body["host_partner_id"], library.as_str());
    // An exhibition is not a meeting.
    post(
        &admin,
        &timeline,
        json!({"kind": "exhibition", "title": "Show", "scheduled_on": "2027-03-01", "host_partner_id": library}),
    )
    .await
    .expect(201);
    let activity = post(
        &admin,
        "/api/v1/activities",
        json!({"partner_id": library, "school_id": school, "kind": "talk", "occurred_on": "2026-10-01",
               "host_partner_id": library, "venue": "Main reading room"}),
    )
    .await
    .expect(201);
    assert_eq!(activity.body["venue"], "Main reading room");
    post(
        &admin,
        "/api/v1/activities",
        json!({"partner_id": library, "school_id": school, "kind": "talk", "occurred_on": "2026-10-01",
               "host_partner_id": ghost}),
    )
    .await
    .expect(422);
    let committee = post(
        &admin,
        "/api/v1/committees",
        json!({"name": "Site council", "kind": "site_council", "school_id": school}),
    )
    .await
    .expect(201)
    .id();
    post(
        &admin,
        &format!("/api/v1/committees/{committee}/meetings"),
        json!({"held_on": "2026-11-05", "host_partner_id": library, "venue": "Riverside Library"}),
    )
    .await
    .expect(201);
    let dash = get(&admin, "/api/v1/dashboards/district").await.expect(200);
    assert_eq!(
        dash.body["community"]["meetings_hosted_by_partners"],
        json!({"total": 2, "committee_meetings": 1, "agreement_meetings": 1,
               "by_partner": [{"partner_id": library, "name": "Riverside Library", "meetings": 2}]})
    );
}

fn at(hours: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::hours(hours);
    t.format("%Y-%m-%dT%H:00:00Z").to_string()
}

async fn setup<A: TestApp>(app: &A) -> (String, String) {
    let school = post(app, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201)
        .id();
    let gym = post(
        app,
        "/api/v1/facilities",
        json!({"school_id": school, "name": "North gym", "kind": "gym", "capacity": 100,
               "accessibility": "Step-free entrance", "community_requestable": true}),
    )
    .await
    .expect(201)
    .id();
    (school, gym)
}

fn request(gym: &str, who: Value, from: i64, to: i64) -> Value {
    let mut body = json!({"facility_id": gym, "purpose": "Neighbourhood meeting",
        "starts_at": at(from), "ends_at": at(to), "expected_attendance": 40});
    for (k, v) in who.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn merge(uri: &str, body: Value) -> TestRequest {
    TestRequest::patch()
        .uri(uri)
        .insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(body.to_string())
}

async fn facilities_are_kept_by_their_schools_staff(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let (school, gym) = setup(&admin).await;
    let other = post(&admin, "/api/v1/schools", json!({"name": "Other"}))
        .await
        .expect(201)
        .id();
    let teacher = staff(&db, &[&school]);
    let lab = json!({"school_id": school, "name": "Lab", "kind": "computer_lab"});
    let made = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/facilities")
            .insert_header(teacher.header())
            .set_json(&lab),
    )
    .await
    .expect(201);
    assert_eq!(made.body["community_requestable"], false);
    let mut theirs = lab.clone();
    theirs["school_id"] = json!(other);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/facilities")
            .insert_header(teacher.header())
            .set_json(theirs),
    )
    .await
    .expect(403);
    let bad = post(
        &admin,
        "/api/v1/facilities",
        json!({"school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d", "name": "Ghost", "kind": "field"}),
    )
    .await
    .expect(422);
    assert_eq!(bad.error_fields(), ["school_id"]);
    let gyms = get(&admin, "/api/v1/facilities?kind=gym").await.expect(200);
    assert_eq!(ids(gyms.body["data"].as_array().unwrap()), [gym.as_str()]);
    // A facility with bookings is kept.
    post(
        &admin,
        "/api/v1/facility-bookings",
        request(&gym, json!({"group_name": "Chess club"}), 24, 26),
    )
    .await
    .expect(201);
    delete(&admin, &format!("/api/v1/facilities/{gym}"))
        .await
        .expect(409);
    delete(&admin, &format!("/api/v1/facilities/{}", made.id()))
        .await
        .expect(204);
}

async fn bookings_are_asked_for_answered_and_never_overlap(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let (school, gym) = setup(&admin).await;
    let museum = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let other = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Other Library", "kind": "library"}),
    )
    .await
    .expect(201)
    .id();
    let partner = principal(&db, Role::Partner, &[], Some(&museum));
    let teacher = staff(&db, &[&school]);
    let as_partner = |req: TestRequest| req.insert_header(partner.header());
    let as_teacher = |req: TestRequest| req.insert_header(teacher.header());
    let post_as = |body: Value| {
        TestRequest::post()
            .uri("/api/v1/facility-bookings")
            .set_json(body)
    };

    // A partner asks for itself, with the read scope; not for another partner.
    let mine = send(
        &raw,
        as_partner(post_as(request(
            &gym,
            json!({"partner_id": museum}),
            48,
            50,
        ))),
    )
    .await
    .expect(201);
    assert_eq!(mine.body["status"], "requested");
    assert_eq!(mine.body["hours"], 2.0);
    send(
        &raw,
        as_partner(post_as(request(&gym, json!({"partner_id": other}), 48, 50))),
    )
    .await
    .expect(403);
    // Nor can it approve its own request.
    let uri = format!("/api/v1/facility-bookings/{}", mine.id());
    send(&raw, as_partner(merge(&uri, json!({"status": "approved"}))))
        .await
        .expect(403);
    // The rules across fields, each named.
    let mut wrong = request(
        &gym,
        json!({"partner_id": museum, "group_name": "Both"}),
        50,
        49,
    );
    wrong["expected_attendance"] = json!(0);
    let refused = post(&admin, "/api/v1/facility-bookings", wrong)
        .await
        .expect(422);
    assert_eq!(
        refused.error_fields(),
        ["ends_at", "expected_attendance", "group_name"]
    );
    let crowd = post(
        &admin,
        "/api/v1/facility-bookings",
        request(&gym, json!({"group_name": "Big crowd"}), 60, 61)
            .as_object()
            .cloned()
            .map(|mut b| {
                b.insert("expected_attendance".into(), json!(500));
                Value::Object(b)
            })
            .unwrap(),
    )
    .await
    .expect(422);
    assert_eq!(crowd.error_fields(), ["expected_attendance"]);

    // Staff of the school approve; an overlapping approval is refused, a touching one is not.
    let approved = send(&raw, as_teacher(merge(&uri, json!({"status": "approved"}))))
        .await
        .expect(200);
    assert_eq!(approved.body["status"], "approved");
    let clash = post(
        &admin,
        "/api/v1/facility-bookings",
        request(&gym, json!({"group_name": "Chess club"}), 49, 51),
    )
    .await
    .expect(201);
    let clash_uri = format!("/api/v1/facility-bookings/{}", clash.id());
    send(
        &raw,
        as_teacher(merge(&clash_uri, json!({"status": "approved"}))),
    )
    .await
    .expect(409);
    // Moving it to right after the approved slot, it fits.
    send(
        &raw,
        as_teacher(merge(
            &clash_uri,
            json!({"status": "approved", "starts_at": at(50), "ends_at": at(52)}),
        )),
    )
    .await
    .expect(200);
    // Declined stays declined; an answered booking is cancelled, not deleted.
    let declined = post(
        &admin,
        "/api/v1/facility-bookings",
        request(&gym, json!({"group_name": "Drum circle"}), 70, 72),
    )
    .await
    .expect(201)
    .id();
    let declined_uri = format!("/api/v1/facility-bookings/{declined}");
    patch(&admin, &declined_uri, json!({"status": "declined"}))
        .await
        .expect(200);
    let back = patch(&admin, &declined_uri, json!({"status": "approved"}))
        .await
        .expect(422);
    assert_eq!(back.error_fields(), ["status"]);
    delete(&admin, &declined_uri).await.expect(409);
    // The partner sees its own bookings, and cancels the approved one.
    let seen = send(
        &raw,
        as_partner(TestRequest::get().uri("/api/v1/facility-bookings")),
    )
    .await
    .expect(200);
    assert_eq!(ids(seen.body["data"].as_array().unwrap()), [mine.id()]);
    send(&raw, as_partner(TestRequest::get().uri(&clash_uri)))
        .await
        .expect(404);
    send(
        &raw,
        as_partner(merge(&uri, json!({"status": "cancelled"}))),
    )
    .await
    .expect(200);
    // A closed facility takes no partner requests.
    patch(
        &admin,
        &format!("/api/v1/facilities/{gym}"),
        json!({"community_requestable": false}),
    )
    .await
    .expect(200);
    send(
        &raw,
        as_partner(post_as(request(
            &gym,
            json!({"partner_id": museum}),
            80,
            81,
        ))),
    )
    .await
    .expect(409);
}

/// The attack on a check-then-write: a second approval runs while another writer's approval
/// of an overlapping booking is in flight (its transaction open). It must wait for that one
/// and then refuse, not pass its check against what was committed before.
async fn racing_approvals_approve_one(db: TestDb) {
    use diesel::connection::SimpleConnection;
    let admin = std::rc::Rc::new(app(&db).await);
    let (_, gym) = setup(&*admin).await;
    let mut ids = Vec::new();
    for (name, from) in [("First", 30), ("Second", 31)] {
        ids.push(
            post(
                &*admin,
                "/api/v1/facility-bookings",
                request(&gym, json!({"group_name": name}), from, 33),
            )
            .await
            .expect(201)
            .id(),
        );
    }
    // Another writer approves the first as the server does: the facility locked first.
    let mut holder = db.pool.get().unwrap();
    let begin = match db.backend {
        partnerships::db::Backend::Sqlite(_) => "BEGIN IMMEDIATE",
        _ => "BEGIN",
    };
    holder
        .batch_execute(&format!(
            "{begin}; UPDATE facilities SET version = version WHERE id = '{gym}'; \
             UPDATE facility_bookings SET status = 'approved' WHERE id = '{}'",
            ids[0]
        ))
        .unwrap();
    let racer = {
        let admin = admin.clone();
        let uri = format!("/api/v1/facility-bookings/{}", ids[1]);
        actix_web::rt::spawn(async move {
            let reply = patch(&*admin, &uri, json!({"status": "approved"})).await;
            (reply.status.as_u16(), reply.text)
        })
    };
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    holder.batch_execute("COMMIT").unwrap();
    let (status, text) = racer.await.unwrap();
    assert_eq!(
        status, 409,
        "the second approval must see the first: {text}"
    );

    // And many at once: one wins.
    let mut uris = Vec::new();
    for i in 0..6 {
        let id = post(
            &*admin,
            "/api/v1/facility-bookings",
            request(
                &gym,
                json!({"group_name": format!("Group {i}")}),
                40 + i % 2,
                43,
            ),
        )
        .await
        .expect(201)
        .id();
        uris.push(format!("/api/v1/facility-bookings/{id}"));
    }
    let answers = futures_util::future::join_all(
        uris.iter()
            .map(|uri| patch(&*admin, uri, json!({"status": "approved"}))),
    )
    .await;
    let mut codes: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    codes.sort_unstable();
    assert_eq!(codes, [200, 409, 409, 409, 409, 409]);
}

async fn open_facilities_are_public_without_who_booked_them(db: TestDb) {
    let admin = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let (school, gym) = setup(&admin).await;
    post(
        &admin,
        "/api/v1/facilities",
        json!({"school_id": school, "name": "Staff room", "kind": "classroom"}),
    )
    .await
    .expect(201);
    let booking = post(
        &admin,
        "/api/v1/facility-bookings",
        json!({"facility_id": gym, "group_name": "Secret Society of Sam", "contact": "sam@home.example",
               "purpose": "Private purpose", "starts_at": at(5), "ends_at": at(7)}),
    )
    .await
    .expect(201)
    .id();
    patch(
        &admin,
        &format!("/api/v1/facility-bookings/{booking}"),
        json!({"status": "approved"}),
    )
    .await
    .expect(200);
    // Hosted: an approved booking that is over.
    let past = post(
        &admin,
        "/api/v1/facility-bookings",
        request(&gym, json!({"group_name": "Book club"}), -4, -1),
    )
    .await
    .expect(201)
    .id();
    patch(
        &admin,
        &format!("/api/v1/facility-bookings/{past}"),
        json!({"status": "approved"}),
    )
    .await
    .expect(200);

    let window = format!(
        "from={}&to={}",
        at(0).replace(':', "%3A"),
        at(24).replace(':', "%3A")
    );
    let seen = send(
        &public,
        TestRequest::get().uri(&format!("/api/v1/public/facilities?{window}")),
    )
    .await
    .expect(200);
    let facilities = seen.body["facilities"].as_array().unwrap();
    assert_eq!(facilities.len(), 1, "only facilities open to requests");
    assert_eq!(facilities[0]["school_name"], "Lincoln");
    assert_eq!(
        facilities[0]["busy"],
        json!([{"starts_at": at(5), "ends_at": at(7)}])
    );
    assert_eq!(facilities[0]["free"].as_array().unwrap().len(), 2);
    for secret in ["Secret Society", "sam@home", "Private purpose", "Book club"] {
        assert!(!seen.text.contains(secret), "{secret} is not public");
    }
    // No internal id a public page does not need: the school's is what the filter takes.
    assert!(!seen.text.contains(&gym), "the facility's id is not public");
    assert!(facilities[0].get("id").is_none(), "{}", seen.text);
    // A window that ends before it starts is a rule across the two: 422 naming `to`.
    let backwards = send(
        &public,
        TestRequest::get().uri(
            "/api/v1/public/facilities?from=2027-01-02T00%3A00%3A00Z&to=2027-01-01T00%3A00%3A00Z",
        ),
    )
    .await
    .expect(422);
    assert_eq!(backwards.error_fields(), ["to"]);

    let dash = get(&admin, "/api/v1/dashboards/district").await.expect(200);
    assert_eq!(
        dash.body["community"]["hosted_hours_by_school"],
        json!([{"school_id": school, "school_name": "Lincoln", "hours": 3.0, "bookings": 1}])
    );
}
