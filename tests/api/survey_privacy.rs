//! Survey privacy, attacked as a viewer and as a public respondent would: reading again after one
//! family answers, working out a small total of hidden cells, reading another school's free
//! text, answering twice under one key typed differently, and stuffing the public link.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::{Role, Scope};
use partnerships::config::{AppSettings, Policy};

both!(
    reading_again_after_one_answer_tells_nothing,
    hidden_cells_never_add_up_to_a_small_total,
    staff_read_the_free_text_of_their_schools_only,
    a_respondent_key_answers_once_however_typed,
    one_address_answers_a_survey_a_few_times_a_day,
    every_answer_forbids_sniffing,
    invitation_codes_answer_once,
);

/// The threshold the tests' district uses (the default).
const K: f64 = 10.0;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn family_survey(school: Option<&str>, audiences: Value) -> Value {
    json!({"title": "Family voice", "purpose": "needs_assessment", "audiences": audiences,
           "school_id": school, "opens_on": day(-1), "closes_on": day(30), "status": "open",
           "questions": [
               {"code": "needs", "prompt": "What would help?", "kind": "multiple_choice",
                "options": [{"code": "internet", "label": "Internet"},
                            {"code": "tutoring", "label": "Tutoring"},
                            {"code": "food", "label": "Food"}]},
               {"code": "language", "prompt": "Home language?", "kind": "single_choice",
                "options": [{"code": "en", "label": "English"}, {"code": "es", "label": "Spanish"},
                            {"code": "other", "label": "Another"}]},
               {"code": "welcome", "prompt": "How welcome do you feel?", "kind": "scale"},
               {"code": "ideas", "prompt": "Anything else?", "kind": "text"}]})
}

/// Opens a survey; its id and public link's key.
async fn open_survey(app: &impl TestApp, body: Value) -> (String, String) {
    let made = post(app, "/api/v1/surveys", body).await.expect(201);
    let token = made.body["public_token"].as_str().unwrap().to_owned();
    (made.id(), token)
}

async fn answer(public: &impl TestApp, token: &str, body: Value) -> Reply {
    send(
        public,
        TestRequest::post()
            .uri(&format!("/api/v1/public/surveys/{token}/responses"))
            .set_json(body),
    )
    .await
}

fn family(needs: &[&str], language: &str, welcome: u8, idea: &str) -> Value {
    json!({"audience": "families", "answers": {"needs": needs, "language": language,
           "welcome": welcome, "ideas": idea}})
}

async fn read_as(app: &impl TestApp, who: &Principal, uri: &str) -> Reply {
    send(app, TestRequest::get().uri(uri).insert_header(who.header()))
        .await
        .expect(200)
}

/// The attack of the issue: read, one family answers, read again. The difference would tell
/// that family's answers, a need for food included.
async fn reading_again_after_one_answer_tells_nothing(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let (id, token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let results = format!("/api/v1/surveys/{id}/results");
    for i in 0..12 {
        let language = if i % 2 == 0 { "en" } else { "es" };
        let reply = answer(
            &public,
            &token,
            family(&["internet", "tutoring"], language, 5, "More evenings"),
        )
        .await;
        reply.expect(201);
    }
    let viewer = principal(&db, Role::Viewer, &[], None);
    let before = read_as(&public, &viewer, &results).await;
    assert_eq!(before.body["live"], false);
    let as_csv = format!("{results}?format=csv&by=audience");
    let csv_before = read_as(&public, &viewer, &as_csv).await;
    answer(
        &public,
        &token,
        family(&["tutoring", "food"], "es", 5, "We need food"),
    )
    .await
    .expect(201);
    let after = read_as(&public, &viewer, &results).await;
    assert_eq!(
        after.body, before.body,
        "one answer shows between two reads"
    );
    let csv_after = read_as(&public, &viewer, &as_csv).await;
    assert_eq!(
        csv_after.text, csv_before.text,
        "one answer shows in the CSV"
    );
    // Administrators read live: the thirteenth answer is there.
    let live = get(&app, &results).await.expect(200);
    assert_eq!(live.body["live"], true);
    assert_eq!(live.body["all"]["respondents"]["value"], 13.0);
    // Seven more make a second block of ten: the release moves by ten respondents at once.
    for _ in 0..7 {
        answer(&public, &token, family(&["internet"], "en", 4, "Thanks"))
            .await
            .expect(201);
    }
    let next = read_as(&public, &viewer, &results).await;
    assert_eq!(next.body["all"]["respondents"]["value"], 20.0);
    let moved = |reply: &Reply| reply.body["all"]["respondents"]["value"].as_f64();
    assert!(moved(&next).unwrap() - moved(&before).unwrap() >= K);
}

/// Every sum the results hold, with what a reader can see of it: a hidden remainder is 0 or
/// at least the threshold.
fn assert_no_small_remainder(group_sets: &[&Value], survey: &str) {
    let value = |figure: &Value| figure["value"].as_f64();
    let mut sums: Vec<(Option<f64>, Vec<Option<f64>>, String)> = Vec::new();
    for group in group_sets {
        for q in group["questions"].as_array().unwrap() {
            if matches!(q["kind"].as_str(), Some("single_choice" | "scale")) {
                let parts = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| value(&o["count"]))
                    .collect();
                sums.push((
                    value(&q["n"]),
                    parts,
                    format!("{} {}", group["audience"], q["code"]),
                ));
            }
        }
    }
    // Across audiences: each audience's cell adds up to everyone's.
    if let [all, audiences @ ..] = group_sets {
        if !audiences.is_empty() {
            let cell = |g: &Value, q: usize, o: Option<usize>| match o {
                None => value(&g["questions"][q]["n"]),
                Some(o) => value(&g["questions"][q]["options"][o]["count"]),
            };
            sums.push((
                value(&all["respondents"]),
                audiences.iter().map(|g| value(&g["respondents"])).collect(),
                "respondents by audience".into(),
            ));
            for (q, question) in all["questions"].as_array().unwrap().iter().enumerate() {
                let options = question["options"].as_array().unwrap().len();
                for o in std::iter::once(None).chain((0..options).map(Some)) {
                    sums.push((
                        cell(all, q, o),
                        audiences.iter().map(|g| cell(g, q, o)).collect(),
                        format!("question {q} option {o:?} by audience"),
                    ));
                }
            }
        }
    }
    assert!(sums.len() >= 2, "{survey}: too few sums checked");
    for (whole, parts, what) in sums {
        let Some(whole) = whole else { continue };
        let shown: f64 = parts.iter().flatten().sum();
        let hidden = parts.iter().filter(|p| p.is_none()).count();
        let rest = whole - shown;
        assert!(
            hidden == 0 || rest == 0.0 || rest >= K,
            "{survey}, {what}: {hidden} hidden cells add up to {rest}"
        );
    }
}

/// The attack of the issue: welcome n = 40 with [3, 2, 2, 19, 14]; hiding only the three small
/// counts leaves 40 - 19 - 14 = 7 who rated 1 to 3.
async fn hidden_cells_never_add_up_to_a_small_total(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let (id, token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let ratings = [(1, 3), (2, 2), (3, 2), (4, 19), (5, 14)];
    let mut i = 0;
    for (rating, times) in ratings {
        for _ in 0..times {
            // 30 English, 5 Spanish, 5 another language: 40 - 30 = 10 is no small total.
            let language = match i {
                0..30 => "en",
                30..35 => "es",
                _ => "other",
            };
            answer(
                &public,
                &token,
                family(&["internet"], language, rating, "Hi"),
            )
            .await
            .expect(201);
            i += 1;
        }
    }
    let viewer = principal(&db, Role::Viewer, &[], None);
    let seen = read_as(&public, &viewer, &format!("/api/v1/surveys/{id}/results")).await;
    let welcome = &seen.body["all"]["questions"][2];
    assert_eq!(welcome["n"]["value"], 40.0);
    assert_eq!(welcome["options"][3]["count"]["value"], 19.0);
    assert_eq!(
        welcome["options"][4]["count"]["suppressed"], true,
        "{welcome}"
    );
    let language = &seen.body["all"]["questions"][1];
    assert_eq!(language["options"][0]["count"]["value"], 30.0);
    assert_no_small_remainder(&[&seen.body["all"]], "families only");
    // The CSV hides the same cells.
    let csv = read_as(
        &public,
        &viewer,
        &format!("/api/v1/surveys/{id}/results?format=csv"),
    )
    .await;
    assert!(csv.text.contains("all,welcome,5,,true"), "{}", csv.text);
    assert!(csv.text.contains("all,welcome,4,19,false"), "{}", csv.text);

    // Two audiences: no remainder is small within a group or across them either.
    let (id, token) =
        open_survey(&app, family_survey(None, json!(["families", "community"]))).await;
    for i in 0..30 {
        let mut body = family(
            &["tutoring"],
            if i < 24 { "en" } else { "es" },
            1 + i % 5,
            "Hi",
        );
        if i % 6 == 0 {
            body["audience"] = json!("community");
        }
        answer(&public, &token, body).await.expect(201);
    }
    let seen = read_as(
        &public,
        &viewer,
        &format!("/api/v1/surveys/{id}/results?by=audience"),
    )
    .await;
    let mut groups = vec![&seen.body["all"]];
    groups.extend(seen.body["by_audience"].as_array().unwrap());
    assert_no_small_remainder(&groups, "two audiences");
}

async fn staff_read_the_free_text_of_their_schools_only(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let school = |name: &str| json!({"name": name});
    let s1 = post(&app, "/api/v1/schools", school("Lincoln"))
        .await
        .expect(201)
        .id();
    let s2 = post(&app, "/api/v1/schools", school("Adams"))
        .await
        .expect(201)
        .id();
    let (id, token) = open_survey(&app, family_survey(Some(&s1), json!(["families"]))).await;
    for _ in 0..10 {
        answer(
            &public,
            &token,
            family(&["food"], "en", 3, "my son has asthma"),
        )
        .await
        .expect(201);
    }
    let results = format!("/api/v1/surveys/{id}/results");
    let own = read_as(&public, &staff(&db, &[&s1]), &results).await;
    assert_eq!(own.body["live"], true);
    assert!(own.text.contains("asthma"));
    let readers = [
        ("staff of another school", staff(&db, &[&s2])),
        ("a viewer", principal(&db, Role::Viewer, &[], None)),
        (
            "an admin token without kpi:read_small_cells",
            narrowed(&db, Role::Admin, &[Scope::AgreementsRead]),
        ),
    ];
    for (who, reader) in &readers {
        for uri in [results.clone(), format!("{results}?format=csv&by=audience")] {
            let seen = read_as(&public, reader, &uri).await;
            assert!(!seen.text.contains("asthma"), "{who} reads the free text");
        }
        let seen = read_as(&public, reader, &results).await;
        assert_eq!(seen.body["live"], false, "{who}");
        assert_eq!(seen.body["all"]["questions"][3]["answers"], Value::Null);
    }
    // A district-wide survey is any staff member's to read.
    let (id, token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    answer(
        &public,
        &token,
        family(&["food"], "en", 3, "a district idea"),
    )
    .await
    .expect(201);
    let district = read_as(
        &public,
        &staff(&db, &[&s2]),
        &format!("/api/v1/surveys/{id}/results"),
    )
    .await;
    assert_eq!(district.body["live"], true);
    assert!(district.text.contains("a district idea"));
}

async fn a_respondent_key_answers_once_however_typed(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let (id, token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let keyed = |key: &str| {
        let mut body = family(&["internet"], "en", 4, "Hi");
        body["respondent_key"] = json!(key);
        body
    };
    answer(&public, &token, keyed("letter-0042"))
        .await
        .expect(201);
    for again in ["LETTER-0042", " letter-0042", "Letter-0042 "] {
        let reply = answer(&public, &token, keyed(again)).await;
        assert_eq!(reply.status.as_u16(), 409, "{again:?}: {}", reply.text);
    }
    answer(&public, &token, keyed("letter-0043"))
        .await
        .expect(201);
    let live = get(&app, &format!("/api/v1/surveys/{id}/results"))
        .await
        .expect(200);
    assert_eq!(live.body["all"]["respondents"]["value"], 2.0);
}

async fn one_address_answers_a_survey_a_few_times_a_day(db: TestDb) {
    let settings = AppSettings {
        policy: Policy {
            survey_answers_per_address: 3,
            ..Policy::default()
        },
        ..AppSettings::default()
    };
    let app = app_with(&db, settings.clone()).await;
    let public = raw_app_with(&db, auth_settings(), settings).await;
    let (first, token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let (_, other_token) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let from = |token: &str, address: &str| {
        TestRequest::post()
            .uri(&format!("/api/v1/public/surveys/{token}/responses"))
            .peer_addr(address.parse().unwrap())
            .set_json(family(&["internet"], "en", 4, "Hi"))
    };
    for _ in 0..3 {
        send(&public, from(&token, "10.0.0.7:4000"))
            .await
            .expect(201);
    }
    let refused = send(&public, from(&token, "10.0.0.7:4001")).await;
    assert_eq!(refused.status.as_u16(), 429, "{}", refused.text);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 23 * 3600 && wait <= 24 * 3600 + 1, "{wait}");
    // Another survey, and another address, are not held to it.
    send(&public, from(&other_token, "10.0.0.7:4000"))
        .await
        .expect(201);
    send(&public, from(&token, "10.0.0.8:4000"))
        .await
        .expect(201);
    let live = get(&app, &format!("/api/v1/surveys/{first}/results"))
        .await
        .expect(200);
    assert_eq!(
        live.body["all"]["respondents"]["value"], 4.0,
        "the refused answer is not kept"
    );
}

async fn every_answer_forbids_sniffing(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let (id, _) = open_survey(&app, family_survey(None, json!(["families"]))).await;
    let replies = [
        get(&app, "/api/v1/schools").await,
        get(&app, &format!("/api/v1/surveys/{id}/results?format=csv")).await,
        get(&app, "/api/v1/schools/not-an-id").await,
        send(&public, TestRequest::get().uri("/api/v1/schools")).await,
        send(
            &public,
            TestRequest::get().uri("/api/v1/public/surveys/nope"),
        )
        .await,
        send(&public, TestRequest::get().uri("/api/v1/schools?q=%01")).await,
        send(&public, TestRequest::get().uri("/healthz")).await,
        send(&public, TestRequest::get().uri("/no/such/path")).await,
    ];
    for reply in replies {
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{} {}",
            reply.status,
            reply.text
        );
    }
}

async fn invitation_codes_answer_once(db: TestDb) {
    let app = app(&db).await;
    let public = raw_app(&db, auth_settings()).await;
    let mut body = family_survey(None, json!(["families"]));
    body["requires_invitation"] = json!(true);
    let (id, token) = open_survey(&app, body).await;
    let made = post(
        &app,
        &format!("/api/v1/surveys/{id}/invitations"),
        json!({"count": 3}),
    )
    .await
    .expect(201);
    let codes: Vec<String> = made.body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 3);
    assert!(codes
        .iter()
        .all(|c| c.len() == 14 && c.matches('-').count() == 2));
    let coded = |code: &str| {
        let mut body = family(&["internet"], "en", 4, "Hi");
        body["invitation_code"] = json!(code);
        body
    };
    // Without a code: 422 naming it; a code nobody was given: 422 too.
    let bare = answer(&public, &token, family(&["internet"], "en", 4, "Hi")).await;
    assert_eq!(bare.status.as_u16(), 422, "{}", bare.text);
    assert_eq!(bare.error_fields(), ["invitation_code"]);
    let unknown = answer(&public, &token, coded("ZZZZ-ZZZZ-ZZZZ")).await;
    assert_eq!(unknown.status.as_u16(), 422, "{}", unknown.text);
    assert!(unknown.text.contains("unknown_code"));
    // A code typed loosely is the code; it answers once.
    let loose = codes[0].to_lowercase().replace('-', " ");
    answer(&public, &token, coded(&loose)).await.expect(201);
    let again = answer(&public, &token, coded(&codes[0])).await;
    assert_eq!(again.status.as_u16(), 409, "{}", again.text);
    answer(&public, &token, coded(&codes[1])).await.expect(201);
    let live = get(&app, &format!("/api/v1/surveys/{id}/results"))
        .await
        .expect(200);
    assert_eq!(live.body["with_code"]["value"], 2.0);
    assert_eq!(live.body["without_code"]["value"], 0.0);
    // Only digests are kept: the codes are in no trail or feed.
    for trail in ["/api/v1/audit-events", "/api/v1/changes"] {
        let seen = get(&app, trail).await.expect(200);
        assert!(
            codes.iter().all(|c| !seen.text.contains(c.as_str())),
            "{trail}"
        );
    }
    // Signed-in respondents need none, and staff of another school make none.
    let other = post(&app, "/api/v1/schools", json!({"name": "Adams"}))
        .await
        .expect(201)
        .id();
    let outsider = staff(&db, &[&other]);
    let refused = send(
        &public,
        TestRequest::post()
            .uri(&format!("/api/v1/surveys/{id}/invitations"))
            .insert_header(outsider.header())
            .set_json(json!({"count": 1})),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
    // Codes made for a draft nobody answered go with it when it is deleted.
    let mut draft = family_survey(None, json!(["families"]));
    draft["status"] = json!("draft");
    let draft = post(&app, "/api/v1/surveys", draft).await.expect(201).id();
    post(
        &app,
        &format!("/api/v1/surveys/{draft}/invitations"),
        json!({"count": 2}),
    )
    .await
    .expect(201);
    delete(&app, &format!("/api/v1/surveys/{draft}"))
        .await
        .expect(204);
    assert_eq!(count_rows(&db.pool, "survey_invitations"), 3);
    // A closed survey takes no more codes.
    patch(
        &app,
        &format!("/api/v1/surveys/{id}"),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    post(
        &app,
        &format!("/api/v1/surveys/{id}/invitations"),
        json!({"count": 1}),
    )
    .await
    .expect(409);
}
