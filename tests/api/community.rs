//! Community voice: the need-category catalogue, seeded with the playbooks' needs, each mapped
//! to the partner offerings that address it.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(
    the_need_catalogue_maps_needs_to_offerings,
    surveys_are_drafted_opened_and_closed,
    who_runs_and_who_sees_a_survey,
    answers_are_judged_and_the_public_link_needs_no_token,
    results_count_answers_and_hide_small_cells,
    families_needs_are_met_by_partners,
    needs_do_not_give_away_what_results_hide,
    needs_named_twice_do_not_give_away_a_small_difference,
);

/// The attack: a need named by options of two questions. Its count is the respondents who
/// chose either; set against the options' own counts (shown in the results) it would tell how
/// many chose one and not the other: 7, under the threshold.
async fn needs_named_twice_do_not_give_away_a_small_difference(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let survey = post(
        &app,
        "/api/v1/surveys",
        json!({"title": "Tutoring", "purpose": "needs_assessment", "audiences": ["families"],
               "school_id": null, "opens_on": day(-1), "closes_on": day(5), "status": "open",
               "questions": [
                   {"code": "now", "prompt": "Does your child need tutoring now?", "kind": "single_choice",
                    "required": true, "options": [
                       {"code": "yes", "label": "Yes", "need_code": "tutoring"},
                       {"code": "no", "label": "No"}]},
                   {"code": "later", "prompt": "What will help next year?", "kind": "multiple_choice",
                    "options": [
                       {"code": "tutor", "label": "Tutoring", "need_code": "tutoring"},
                       {"code": "other", "label": "Something else"}]}]}),
    )
    .await
    .expect(201);
    let token = survey.body["public_token"].as_str().unwrap().to_owned();
    // 25 say yes now (23 of them also later); 12 say no now (7 of them tutoring later).
    for i in 0..37 {
        let now = if i < 25 { "yes" } else { "no" };
        let later = if i < 23 || (25..32).contains(&i) {
            json!(["tutor"])
        } else {
            json!(["other"])
        };
        send(
            &public,
            TestRequest::post()
                .uri(&format!("/api/v1/public/surveys/{token}/responses"))
                .set_json(json!({"audience": "families", "answers": {"now": now, "later": later}})),
        )
        .await
        .expect(201);
    }
    patch(
        &app,
        &format!("/api/v1/surveys/{}", survey.id()),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let tutoring = |body: &Value| {
        body["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == "tutoring")
            .unwrap()["respondents"]
            .clone()
    };
    let open = get(&app, "/api/v1/community-needs").await.expect(200);
    assert_eq!(tutoring(&open.body)["value"], 32.0);
    let viewer = principal(&db, Role::Viewer, &[], None);
    let seen = send(
        &public,
        TestRequest::get()
            .uri("/api/v1/community-needs")
            .insert_header(viewer.header()),
    )
    .await
    .expect(200);
    assert_eq!(
        tutoring(&seen.body),
        json!({"value": null, "suppressed": true}),
        "32 against the 25 and 30 the results show gives away 7 and 23"
    );
}

/// The attack: a viewer subtracts a need's count from the number of respondents (or from the
/// other needs of a single-choice question) to learn a count the results hide.
async fn needs_do_not_give_away_what_results_hide(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let mut body = json!({"title": "Biggest need", "purpose": "needs_assessment",
        "audiences": ["families"], "school_id": null, "opens_on": day(-1), "closes_on": day(5),
        "status": "open", "questions": [
            {"code": "biggest", "prompt": "What is your family's biggest need?",
             "kind": "single_choice", "required": true, "options": [
                {"code": "internet", "label": "Internet", "need_code": "internet_access"},
                {"code": "tutoring", "label": "Tutoring", "need_code": "tutoring"}]}]});
    let survey = post(&app, "/api/v1/surveys", body.take()).await.expect(201);
    let token = survey.body["public_token"].as_str().unwrap().to_owned();
    for i in 0..18 {
        let choice = if i < 3 { "tutoring" } else { "internet" };
        send(
            &public,
            TestRequest::post()
                .uri(&format!("/api/v1/public/surveys/{token}/responses"))
                .set_json(json!({"audience": "families", "answers": {"biggest": choice}})),
        )
        .await
        .expect(201);
    }
    patch(
        &app,
        &format!("/api/v1/surveys/{}", survey.id()),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let viewer = principal(&db, Role::Viewer, &[], None);
    let seen = send(
        &public,
        TestRequest::get()
            .uri("/api/v1/community-needs")
            .insert_header(viewer.header()),
    )
    .await
    .expect(200);
    let count = |code: &str| {
        seen.body["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == code)
            .unwrap()["respondents"]["value"]
            .as_f64()
    };
    let total = seen.body["respondents"]["value"].as_f64();
    assert_eq!(count("tutoring"), None, "3 is under the threshold");
    assert!(
        total.is_none() || count("internet_access").is_none(),
        "{total:?} respondents and {:?} for internet give the 3 away",
        count("internet_access")
    );
    // The results themselves give nothing away either: the required question's n is the
    // number of respondents.
    let results = send(
        &public,
        TestRequest::get()
            .uri(&format!("/api/v1/surveys/{}/results", survey.id()))
            .insert_header(viewer.header()),
    )
    .await
    .expect(200);
    let all = &results.body["all"];
    let shown = |v: &Value| v["value"].as_f64();
    let q = &all["questions"][0];
    let known = [shown(&all["respondents"]), shown(&q["n"])]
        .into_iter()
        .flatten()
        .next();
    assert!(
        known.is_none() || shown(&q["options"][0]["count"]).is_none(),
        "the total and the internet count give the 3 away: {all}"
    );
    // Admin and staff see every count.
    let open = get(&app, "/api/v1/community-needs").await.expect(200);
    assert_eq!(open.body["respondents"]["value"], 18.0);
}

async fn families_needs_are_met_by_partners(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let school = post(&app, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201)
        .id();
    let uri = format!("/api/v1/community-needs?school_id={school}");
    let none = get(&app, &uri).await.expect(200);
    assert_eq!(none.body["survey_id"], Value::Null);
    let library = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Riverside Library", "kind": "library", "status": "active",
               "offerings": ["meeting_space", "internet_access", "adult_learning"]}),
    )
    .await
    .expect(201)
    .id();
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "Prospect Tutors", "kind": "business", "status": "prospect",
               "offerings": ["tutoring"]}),
    )
    .await
    .expect(201);
    let mut body = needs_survey(Some(&school));
    body["opens_on"] = json!(day(-1));
    body["closes_on"] = json!(day(5));
    body["status"] = json!("open");
    let survey = post(&app, "/api/v1/surveys", body).await.expect(201);
    let token = survey.body["public_token"].as_str().unwrap().to_owned();
    // Twelve families need internet at home; three of them tutoring too.
    for i in 0..12 {
        let needs = if i < 3 {
            json!(["internet", "tutoring"])
        } else {
            json!(["internet"])
        };
        send(
            &public,
            TestRequest::post()
                .uri(&format!("/api/v1/public/surveys/{token}/responses"))
                .set_json(json!({"audience": "families", "answers": {"needs": needs}})),
        )
        .await
        .expect(201);
    }
    // Only closed assessments count.
    assert_eq!(
        get(&app, &uri).await.expect(200).body["survey_id"],
        Value::Null
    );
    patch(
        &app,
        &format!("/api/v1/surveys/{}", survey.id()),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    let seen = get(&app, &uri).await.expect(200);
    assert_eq!(seen.body["survey_id"], survey.id().as_str());
    assert_eq!(seen.body["respondents"]["value"], 12.0);
    let first = &seen.body["needs"][0];
    assert_eq!(first["code"], "internet_access");
    assert_eq!(first["respondents"]["value"], 12.0);
    assert_eq!(first["partners"][0]["partner_id"], library.as_str());
    assert_eq!(
        first["partners"][0]["offerings"],
        json!(["internet_access"])
    );
    let tutoring = seen.body["needs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "tutoring")
        .unwrap()
        .clone();
    assert_eq!(tutoring["respondents"]["value"], 3.0);
    assert_eq!(tutoring["partners"], json!([]), "only active partners help");
    // A viewer sees the three hidden.
    let viewer = principal(&db, Role::Viewer, &[], None);
    let hidden = send(
        &public,
        TestRequest::get().uri(&uri).insert_header(viewer.header()),
    )
    .await
    .expect(200);
    let tutoring = hidden.body["needs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "tutoring")
        .unwrap()
        .clone();
    assert_eq!(
        tutoring["respondents"],
        json!({"value": null, "suppressed": true})
    );
    get(&app, "/api/v1/community-needs?school_id=nope")
        .await
        .expect(404);
}

async fn results_count_answers_and_hide_small_cells(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let survey = post(
        &app,
        "/api/v1/surveys",
        json!({"title": "Open house feedback", "purpose": "feedback",
               "audiences": ["families", "community", "staff"], "school_id": null,
               "opens_on": day(-1), "closes_on": day(10), "status": "open",
               "questions": [
                   {"code": "contact", "prompt": "How should we reach you?", "kind": "single_choice",
                    "options": [{"code": "email", "label": "Email"}, {"code": "phone", "label": "Phone"},
                                {"code": "visit", "label": "A visit"}]},
                   {"code": "welcome", "prompt": "How welcome did you feel?", "kind": "scale"},
                   {"code": "ideas", "prompt": "Ideas?", "kind": "text"}]}),
    )
    .await
    .expect(201);
    let token = survey.body["public_token"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/surveys/{}", survey.id());
    // Eighteen families: fifteen by email, three by phone; sixteen feel very welcome, two not.
    for i in 0..18 {
        let contact = if i < 15 { "email" } else { "phone" };
        let welcome = if i < 16 { 5 } else { 1 };
        send(
            &public,
            TestRequest::post()
                .uri(&format!("/api/v1/public/surveys/{token}/responses"))
                .set_json(json!({"audience": "families", "answers":
                    {"contact": contact, "welcome": welcome, "ideas": format!("idea {i}")}})),
        )
        .await
        .expect(201);
    }
    // Two staff members, by email; each account answers once.
    for _ in 0..2 {
        let member = staff(&db, &[]);
        let answer = || {
            TestRequest::post()
                .uri(&format!("{uri}/responses"))
                .insert_header(member.header())
                .set_json(json!({"answers": {"contact": "email", "welcome": 4}}))
        };
        send(&public, answer()).await.expect(201);
        send(&public, answer()).await.expect(409);
    }

    // Administrators (and staff) see every count, the mean and the text answers.
    let full = get(&app, &format!("{uri}/results?by=audience"))
        .await
        .expect(200);
    let contact = &full.body["all"]["questions"][0];
    assert_eq!(full.body["all"]["respondents"]["value"], 20.0);
    assert_eq!(contact["n"]["value"], 20.0);
    assert_eq!(contact["options"][0]["count"]["value"], 17.0);
    assert_eq!(contact["options"][1]["count"]["value"], 3.0);
    let welcome = &full.body["all"]["questions"][1];
    let mean = welcome["mean"]["value"].as_f64().unwrap();
    assert!((mean - 90.0 / 20.0).abs() < 1e-9, "{mean}");
    assert_eq!(
        full.body["all"]["questions"][2]["answers"]
            .as_array()
            .unwrap()
            .len(),
        18
    );
    assert_eq!(full.body["by_audience"][0]["audience"], "families");
    assert_eq!(full.body["by_audience"][0]["respondents"]["value"], 18.0);

    // A viewer (the twenty make two whole blocks, all released): the three by phone are
    // hidden, and so is the email count that would give them away (20 - 17 = 3); nobody chose
    // a visit, and that 0 stays. The mean, which would give the small ratings away, and the
    // text answers are hidden.
    let viewer = principal(&db, Role::Viewer, &[], None);
    let read = |path: String| TestRequest::get().uri(&path).insert_header(viewer.header());
    let seen = send(&public, read(format!("{uri}/results?by=audience")))
        .await
        .expect(200);
    let contact = &seen.body["all"]["questions"][0];
    assert_eq!(contact["n"]["value"], 20.0);
    assert_eq!(
        contact["options"][1]["count"],
        json!({"value": null, "suppressed": true})
    );
    assert_eq!(contact["options"][0]["count"]["suppressed"], true);
    assert_eq!(contact["options"][2]["count"]["value"], 0.0);
    assert_eq!(seen.body["all"]["questions"][1]["mean"]["suppressed"], true);
    assert_eq!(seen.body["all"]["questions"][2]["answers"], Value::Null);
    // Two staff respondents are hidden, and so are the families, or 20 - 18 would tell.
    let by: Vec<&Value> = seen.body["by_audience"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["respondents"])
        .collect();
    assert_eq!(
        by.iter().filter(|r| r["suppressed"] == true).count(),
        2,
        "{by:?}"
    );
    assert!(!seen.text.contains("idea 3"));
    // The same holds in CSV.
    let csv = send(&public, read(format!("{uri}/results?format=csv")))
        .await
        .expect(200);
    assert!(csv
        .text
        .starts_with("audience,question,option,value,suppressed"));
    assert!(csv.text.contains("all,contact,phone,,true"), "{}", csv.text);
    assert!(csv.text.contains("all,contact,email,,true"));
    assert!(csv.text.contains("all,contact,visit,0,false"));
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

async fn answers_are_judged_and_the_public_link_needs_no_token(db: TestDb) {
    let settings = partnerships::config::AppSettings {
        rate_limits: partnerships::config::RateLimits {
            public_per_minute: 8,
            ..Default::default()
        },
        ..Default::default()
    };
    let app = app_with(&db, settings.clone()).await;
    let public = raw_app_with(&db, auth_settings(), settings).await;
    let mut body = needs_survey(None);
    body["audiences"] = json!(["families", "community", "staff"]);
    body["opens_on"] = json!(day(-1));
    body["closes_on"] = json!(day(30));
    let survey = post(&app, "/api/v1/surveys", body).await.expect(201).id();
    let uri = format!("/api/v1/surveys/{survey}");
    let good = json!({"answers": {"needs": ["internet", "tutoring"], "satisfaction": 4,
                                  "ideas": "Evening events, please."}});
    // A draft takes no answers.
    post(&app, &format!("{uri}/responses"), good.clone())
        .await
        .expect(409);
    let token = patch(&app, &uri, json!({"status": "open"}))
        .await
        .expect(200)
        .body["public_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // Signed in: answers as staff; each bad answer named, nothing written.
    let bad = post(
        &app,
        &format!("{uri}/responses"),
        json!({"answers": {"needs": ["internet", "jetpack"], "satisfaction": 9, "extra": "x"}}),
    )
    .await
    .expect(422);
    assert_eq!(
        bad.error_fields(),
        ["answers.extra", "answers.needs", "answers.satisfaction"]
    );
    assert_eq!(count_rows(&db.pool, "survey_responses"), 0);
    let receipt = post(&app, &format!("{uri}/responses"), good.clone())
        .await
        .expect(201);
    assert_eq!(receipt.body["audience"], "staff");
    assert!(
        receipt.body.get("answers").is_none(),
        "answers are never echoed"
    );

    // The public link: no token, only the questions, families and community only.
    let anonymous = |req: TestRequest| req.peer_addr("203.0.113.7:40000".parse().unwrap());
    let shown = send(
        &public,
        anonymous(TestRequest::get().uri(&format!("/api/v1/public/surveys/{token}"))),
    )
    .await
    .expect(200);
    let mut keys: Vec<&String> = shown.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["audiences", "closes_on", "questions", "title"]);
    assert_eq!(shown.body["audiences"], json!(["families", "community"]));
    let answer = |body: Value| {
        anonymous(TestRequest::post().uri(&format!("/api/v1/public/surveys/{token}/responses")))
            .set_json(body)
    };
    let mut family = good.clone();
    family["audience"] = json!("families");
    family["respondent_key"] = json!("letter-home-0042");
    let made = send(&public, answer(family.clone())).await.expect(201);
    assert_eq!(made.body["audience"], "families");
    // The same key answers once.
    send(&public, answer(family.clone())).await.expect(409);
    let mut staff = good.clone();
    staff["audience"] = json!("staff");
    let refused = send(&public, answer(staff)).await.expect(422);
    assert_eq!(refused.error_fields(), ["audience"]);
    send(
        &public,
        anonymous(TestRequest::get().uri("/api/v1/public/surveys/not-a-real-token")),
    )
    .await
    .expect(404);
    assert_eq!(count_rows(&db.pool, "survey_responses"), 2);

    // Answered: only closing changes the survey, and it is kept.
    patch(&app, &uri, json!({"title": "Renamed"}))
        .await
        .expect(409);
    delete(&app, &uri).await.expect(409);
    patch(&app, &uri, json!({"status": "closed"}))
        .await
        .expect(200);
    let mut late = good.clone();
    late["audience"] = json!("community");
    send(&public, answer(late)).await.expect(404);

    // The public side is rate-limited per address.
    let mut limited = 0;
    for _ in 0..6 {
        let reply = send(
            &public,
            anonymous(TestRequest::get().uri(&format!("/api/v1/public/surveys/{token}"))),
        )
        .await;
        if reply.status == 429 {
            assert!(reply.header("retry-after").is_some());
            limited += 1;
        }
    }
    assert!(limited > 0, "the ninth request in a minute is refused");
}

fn needs_survey(school: Option<&str>) -> Value {
    json!({"title": "Family needs 2027", "purpose": "needs_assessment",
           "audiences": ["families", "community"], "school_id": school,
           "opens_on": "2027-01-10", "closes_on": "2027-02-10",
           "questions": [
               {"code": "needs", "prompt": "What would help your family most?",
                "kind": "multiple_choice", "required": true, "options": [
                   {"code": "internet", "label": "Internet at home", "need_code": "internet_access"},
                   {"code": "tutoring", "label": "Tutoring", "need_code": "tutoring"}]},
               {"code": "satisfaction", "prompt": "How welcome do you feel at school?", "kind": "scale"},
               {"code": "ideas", "prompt": "Anything else?", "kind": "text"}]})
}

async fn surveys_are_drafted_opened_and_closed(db: TestDb) {
    let app = app(&db).await;
    let made = post(&app, "/api/v1/surveys", needs_survey(None))
        .await
        .expect(201);
    assert_eq!(made.body["status"], "draft");
    assert_eq!(made.body["public_token"], Value::Null);
    assert_eq!(made.body["audiences"], json!(["families", "community"]));
    assert_eq!(
        made.body["questions"][0]["options"][1]["need_code"],
        "tutoring"
    );
    let uri = format!("/api/v1/surveys/{}", made.id());

    // Every broken rule at once, each named.
    let mut bad = needs_survey(None);
    bad["closes_on"] = json!("2027-01-01");
    bad["questions"] = json!([
        {"code": "q1", "prompt": "One option?", "kind": "single_choice",
         "options": [{"code": "only", "label": "Only"}]},
        {"code": "q1", "prompt": "Scale with options?", "kind": "scale",
         "options": [{"code": "aa", "label": "A"}, {"code": "bb", "label": "B"}]},
        {"code": "q2", "prompt": "Twice the same option", "kind": "multiple_choice",
         "options": [{"code": "aa", "label": "A"}, {"code": "aa", "label": "Again"}]}]);
    let refused = post(&app, "/api/v1/surveys", bad).await.expect(422);
    assert_eq!(
        refused.error_fields(),
        [
            "closes_on",
            "questions[0].options",
            "questions[1].code",
            "questions[1].options",
            "questions[2].options[1].code"
        ]
    );
    let mut unknown = needs_survey(None);
    unknown["questions"][0]["options"][0]["need_code"] = json!("jetpacks");
    let refused = post(&app, "/api/v1/surveys", unknown).await.expect(422);
    assert_eq!(
        refused.error_fields(),
        ["questions[0].options[0].need_code"]
    );

    // Open: the public link's key appears, and stays.
    let open = patch(&app, &uri, json!({"status": "open"}))
        .await
        .expect(200);
    let token = open.body["public_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32);
    let back = patch(&app, &uri, json!({"status": "draft"}))
        .await
        .expect(422);
    assert_eq!(back.error_fields(), ["status"]);
    let closed = patch(&app, &uri, json!({"status": "closed"}))
        .await
        .expect(200);
    assert_eq!(closed.body["public_token"], token.as_str());
    patch(&app, &uri, json!({"status": "open"}))
        .await
        .expect(422);

    // A survey opens with a question.
    let mut empty = needs_survey(None);
    empty["questions"] = json!([]);
    let empty = post(&app, "/api/v1/surveys", empty).await.expect(201);
    let refused = patch(
        &app,
        &format!("/api/v1/surveys/{}", empty.id()),
        json!({"status": "open"}),
    )
    .await
    .expect(422);
    assert_eq!(refused.error_fields(), ["questions"]);
    let listed = get(&app, "/api/v1/surveys?status=closed").await.expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [made.id()]);
}

async fn who_runs_and_who_sees_a_survey(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let school = post(&admin, "/api/v1/schools", json!({"name": "Lincoln"}))
        .await
        .expect(201)
        .id();
    let teacher = staff(&db, &[&school]);
    let as_teacher = |req: TestRequest| req.insert_header(teacher.header());
    // Staff run their school's surveys, not the district's.
    let mine = send(
        &raw,
        as_teacher(TestRequest::post().uri("/api/v1/surveys"))
            .set_json(needs_survey(Some(&school))),
    )
    .await
    .expect(201);
    send(
        &raw,
        as_teacher(TestRequest::post().uri("/api/v1/surveys")).set_json(needs_survey(None)),
    )
    .await
    .expect(403);
    // Nor move one of theirs to the district.
    send(
        &raw,
        as_teacher(TestRequest::patch().uri(&format!("/api/v1/surveys/{}", mine.id())))
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(r#"{"school_id": null}"#),
    )
    .await
    .expect(403);

    // A partner sees the open surveys addressed to partners, and nothing else.
    let partner_id = post(
        &admin,
        "/api/v1/partners",
        json!({"name": "Kennebec Museum", "kind": "museum"}),
    )
    .await
    .expect(201)
    .id();
    let partner = principal(&db, Role::Partner, &[], Some(&partner_id));
    let mut for_partners = needs_survey(None);
    for_partners["audiences"] = json!(["partners"]);
    let asked = post(&admin, "/api/v1/surveys", for_partners)
        .await
        .expect(201)
        .id();
    let as_partner = |uri: &str| TestRequest::get().uri(uri).insert_header(partner.header());
    let seen = send(&raw, as_partner("/api/v1/surveys")).await.expect(200);
    assert_eq!(seen.body["data"], json!([]), "a draft is not shown");
    patch(
        &admin,
        &format!("/api/v1/surveys/{asked}"),
        json!({"status": "open"}),
    )
    .await
    .expect(200);
    patch(
        &admin,
        &format!("/api/v1/surveys/{}", mine.id()),
        json!({"status": "open"}),
    )
    .await
    .expect(200);
    let seen = send(&raw, as_partner("/api/v1/surveys")).await.expect(200);
    assert_eq!(ids(seen.body["data"].as_array().unwrap()), [asked]);
    send(&raw, as_partner(&format!("/api/v1/surveys/{}", mine.id())))
        .await
        .expect(404);
    send(&raw, as_partner("/api/v1/surveys?status=closed"))
        .await
        .expect(200);
}

async fn the_need_catalogue_maps_needs_to_offerings(db: TestDb) {
    let app = app(&db).await;
    let seeded = all_pages(&app, "/api/v1/need-categories").await;
    let codes: Vec<&str> = seeded.iter().map(|n| n["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "adult_learning",
            "childcare",
            "employment",
            "food",
            "health",
            "internet_access",
            "language_support",
            "meeting_space",
            "transportation",
            "tutoring"
        ]
    );
    let food = get(&app, "/api/v1/need-categories/food").await.expect(200);
    assert_eq!(food.body["offerings"], json!(["in_kind", "food_support"]));
    let by_offering = get(&app, "/api/v1/need-categories?offering=facility")
        .await
        .expect(200);
    assert_eq!(by_offering.body["data"][0]["code"], "meeting_space");
    assert_eq!(by_offering.body["data"].as_array().unwrap().len(), 1);

    // Partners can offer what the needs ask for.
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "Riverside Library", "kind": "library",
               "offerings": ["meeting_space", "internet_access", "adult_learning"]}),
    )
    .await
    .expect(201);

    // The mapping is data: an administrator changes it; the code stays.
    let uri = format!("/api/v1/need-categories/{}", food.id());
    let changed = patch(
        &app,
        &uri,
        json!({"offerings": ["food_support", "family_services", "food_support"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        changed.body["offerings"],
        json!(["family_services", "food_support"]),
        "a set, in a fixed order"
    );
    let renamed = patch(&app, &uri, json!({"code": "groceries"}))
        .await
        .expect(422);
    assert_eq!(renamed.error_fields(), ["code"]);
    post(
        &app,
        "/api/v1/need-categories",
        json!({"code": "housing", "name": "Housing", "offerings": ["family_services"]}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/need-categories",
        json!({"code": "housing", "name": "Housing again"}),
    )
    .await
    .expect(409);
    post(
        &app,
        "/api/v1/need-categories",
        json!({"code": "Not A Slug", "name": "Bad", "offerings": ["telepathy"]}),
    )
    .await
    .expect(400);
    assert_eq!(all_pages(&app, "/api/v1/need-categories").await.len(), 11);
}
