//! The opportunities board: a school's ask, partners ranked with their reasons (vetting
//! required when students are involved), partners volunteering, and the school accepting into
//! an activity or a draft agreement.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(partners_are_matched_volunteer_and_are_accepted);

fn merge(uri: &str, who: &Principal, body: Value) -> TestRequest {
    TestRequest::patch()
        .uri(uri)
        .insert_header(who.header())
        .insert_header(("content-type", "application/merge-patch+json"))
        .set_payload(body.to_string())
}

async fn partners_are_matched_volunteer_and_are_accepted(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let school = post(&admin, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201)
        .id();
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).to_string();
    let partner = |name: &str, offerings: Value| json!({"name": name, "kind": "business", "status": "active", "offerings": offerings});
    // Vetted well past the opportunity, with history at the school: ranks first.
    let engineers = post(
        &admin,
        "/api/v1/partners",
        partner("Bridge Engineers", json!(["speaker", "mentoring"])),
    )
    .await
    .expect(201)
    .id();
    patch(
        &admin,
        &format!("/api/v1/partners/{engineers}"),
        json!({"vetting": {"status": "approved", "background_check_on": "2026-01-10",
                           "background_check_expires_on": later, "insurance_expires_on": later}}),
    )
    .await
    .expect(200);
    post(
        &admin,
        "/api/v1/activities",
        json!({"partner_id": engineers, "school_id": school, "kind": "talk", "occurred_on": "2026-10-01"}),
    )
    .await
    .expect(201);
    // Offers the help but is not vetted.
    let unvetted = post(
        &admin,
        "/api/v1/partners",
        partner("Unvetted Mentors", json!(["mentoring"])),
    )
    .await
    .expect(201)
    .id();
    // Vetted, referred, one offering.
    let referred = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Referred Speakers", "kind": "nonprofit", "status": "active",
               "offerings": ["speaker"], "referred_by": engineers}),
    )
    .await
    .expect(201)
    .id();
    patch(
        &admin,
        &format!("/api/v1/partners/{referred}"),
        json!({"vetting": {"status": "approved", "background_check_on": "2026-01-10"}}),
    )
    .await
    .expect(200);
    // Offers something else.
    post(
        &admin,
        "/api/v1/partners",
        partner("Food Bank", json!(["food_support"])),
    )
    .await
    .expect(201);

    let teacher = staff(&db, &[&school]);
    let ask = json!({"title": "Engineers for the bridge unit",
        "description": "Our 7th graders design model bridges.", "school_id": school,
        "grade_band": "6-8", "offerings": ["speaker", "mentoring"],
        "starts_on": "2027-02-01", "ends_on": "2027-03-15", "helpers_needed": 2,
        "involves_students": true});
    let made = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/opportunities")
            .insert_header(teacher.header())
            .set_json(&ask),
    )
    .await
    .expect(201);
    assert_eq!(made.body["status"], "open");
    let id = made.id();
    let mut backwards = ask.clone();
    backwards["ends_on"] = json!("2027-01-01");
    backwards["offerings"] = json!([]);
    let refused = post(&admin, "/api/v1/opportunities", backwards)
        .await
        .expect(422);
    assert_eq!(refused.error_fields(), ["ends_on", "offerings"]);

    // Students are involved: only vetted partners match, best first, with reasons.
    let ranked = get(&admin, &format!("/api/v1/opportunities/{id}/matches"))
        .await
        .expect(200);
    let names: Vec<&str> = ranked.body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Bridge Engineers", "Referred Speakers"],
        "{}",
        ranked.text
    );
    let best = &ranked.body["matches"][0];
    assert_eq!(best["matching_offerings"], json!(["speaker", "mentoring"]));
    assert_eq!(best["past_activities_with_school"], 1);
    assert_eq!(best["vetting_valid"], true);
    assert_eq!(
        ranked.body["matches"][1]["referred_by"]["name"],
        "Bridge Engineers"
    );
    assert!(!ranked.text.contains(&unvetted));
    // Without students, the unvetted partner is listed too, after the vetted.
    patch(
        &admin,
        &format!("/api/v1/opportunities/{id}"),
        json!({"involves_students": false}),
    )
    .await
    .expect(200);
    let ranked = get(&admin, &format!("/api/v1/opportunities/{id}/matches"))
        .await
        .expect(200);
    assert_eq!(ranked.body["matches"].as_array().unwrap().len(), 3);
    assert_eq!(ranked.body["matches"][2]["vetting_valid"], false);

    // Partners browse open opportunities and volunteer with the read scope.
    let as_engineers = principal(&db, Role::Partner, &[], Some(&engineers));
    let as_referred = principal(&db, Role::Partner, &[], Some(&referred));
    send(
        &raw,
        TestRequest::get()
            .uri(&format!("/api/v1/opportunities/{id}/matches"))
            .insert_header(as_engineers.header()),
    )
    .await
    .expect(403);
    let board = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/opportunities")
            .insert_header(as_engineers.header()),
    )
    .await
    .expect(200);
    assert_eq!(ids(board.body["data"].as_array().unwrap()), [id.as_str()]);
    let contact = post(
        &admin,
        &format!("/api/v1/partners/{engineers}/contacts"),
        json!({"name": "Ana Civil"}),
    )
    .await
    .expect(201)
    .id();
    let responses = format!("/api/v1/opportunities/{id}/responses");
    let volunteer = |who: &Principal, body: Value| {
        TestRequest::post()
            .uri(&responses)
            .insert_header(who.header())
            .set_json(body)
    };
    let mine = send(
        &raw,
        volunteer(
            &as_engineers,
            json!({"message": "Two engineers can coach on Thursdays.", "contact_id": contact}),
        ),
    )
    .await
    .expect(201);
    assert_eq!(mine.body["partner_id"], engineers.as_str());
    assert_eq!(mine.body["status"], "pending");
    send(&raw, volunteer(&as_engineers, json!({"message": "Again"})))
        .await
        .expect(409);
    // Not for another partner, nor with another partner's contact.
    let theirs = send(
        &raw,
        volunteer(
            &as_referred,
            json!({"message": "Hi", "contact_id": contact}),
        ),
    )
    .await
    .expect(422);
    assert_eq!(theirs.error_fields(), ["contact_id"]);
    let other = send(
        &raw,
        volunteer(&as_referred, json!({"message": "We can talk."})),
    )
    .await
    .expect(201)
    .id();
    // Each partner sees only its own response.
    let seen = send(
        &raw,
        TestRequest::get()
            .uri(&responses)
            .insert_header(as_engineers.header()),
    )
    .await
    .expect(200);
    assert_eq!(ids(seen.body["data"].as_array().unwrap()), [mine.id()]);

    // The school: declines one, accepts the other into a draft agreement.
    send(
        &raw,
        merge(
            &format!("{responses}/{other}"),
            &teacher,
            json!({"status": "declined"}),
        ),
    )
    .await
    .expect(200);
    send(
        &raw,
        merge(
            &format!("{responses}/{}", mine.id()),
            &as_engineers,
            json!({"status": "accepted"}),
        ),
    )
    .await
    .expect(422);
    // A partner cannot accept its own response.
    send(
        &raw,
        TestRequest::post()
            .uri(&format!("{responses}/{}/accept", mine.id()))
            .insert_header(as_engineers.header())
            .set_json(json!({"create": "agreement"})),
    )
    .await
    .expect(403);
    let accepted = send(
        &raw,
        TestRequest::post()
            .uri(&format!("{responses}/{}/accept", mine.id()))
            .insert_header(teacher.header())
            .set_json(json!({"create": "agreement"})),
    )
    .await
    .expect(200);
    assert_eq!(accepted.body["status"], "accepted");
    let agreement = accepted.body["agreement_id"].as_str().unwrap();
    let draft = get(&admin, &format!("/api/v1/agreements/{agreement}"))
        .await
        .expect(200);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["title"], "Engineers for the bridge unit");
    assert_eq!(draft.body["lead_partner_id"], engineers.as_str());
    assert_eq!(draft.body["school_ids"], json!([school]));
    assert_eq!(draft.body["start_date"], "2027-02-01");
    // Accepting a declined response is refused; accepting again changes nothing.
    post(
        &admin,
        &format!("{responses}/{other}/accept"),
        json!({"create": "activity"}),
    )
    .await
    .expect(409);
    let again = post(
        &admin,
        &format!("{responses}/{}/accept", mine.id()),
        json!({"create": "agreement"}),
    )
    .await
    .expect(200);
    assert_eq!(again.body["version"], accepted.body["version"]);

    // Filled, then closed: partners no longer see it, nor volunteer.
    patch(
        &admin,
        &format!("/api/v1/opportunities/{id}"),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let board = send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/opportunities")
            .insert_header(as_referred.header()),
    )
    .await
    .expect(200);
    assert_eq!(board.body["data"], json!([]));
    delete(&admin, &format!("/api/v1/opportunities/{id}"))
        .await
        .expect(409);

    // Accepting into an activity logs the help at the school.
    let second = post(&admin, "/api/v1/opportunities", ask.clone())
        .await
        .expect(201)
        .id();
    let answer = send(
        &raw,
        TestRequest::post()
            .uri(&format!("/api/v1/opportunities/{second}/responses"))
            .insert_header(as_referred.header())
            .set_json(json!({"message": "Happy to talk."})),
    )
    .await
    .expect(201)
    .id();
    let logged = post(
        &admin,
        &format!("/api/v1/opportunities/{second}/responses/{answer}/accept"),
        json!({"create": "activity", "activity_kind": "talk", "occurred_on": "2027-02-03"}),
    )
    .await
    .expect(200);
    let activity = get(
        &admin,
        &format!(
            "/api/v1/activities/{}",
            logged.body["activity_id"].as_str().unwrap()
        ),
    )
    .await
    .expect(200);
    assert_eq!(
        (
            &activity.body["kind"],
            &activity.body["school_id"],
            &activity.body["partner_id"]
        ),
        (&json!("talk"), &json!(school), &json!(referred))
    );
}
