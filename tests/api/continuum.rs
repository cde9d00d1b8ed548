//! The district's partnership continuum.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::Role;

both!(seeded_scale_is_editable_by_the_district);

async fn seeded_scale_is_editable_by_the_district(db: TestDb) {
    let app = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let levels = get(&app, "/api/v1/continuum-levels").await.expect(200);
    let seeded = levels.body["data"].as_array().unwrap().clone();
    let ranks: Vec<i64> = seeded.iter().map(|l| l["rank"].as_i64().unwrap()).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    assert!(seeded
        .iter()
        .all(|l| !l["examples"].as_array().unwrap().is_empty()));

    let added = post(
        &app,
        "/api/v1/continuum-levels",
        json!({"rank": 6, "name": "Steward", "examples": ["endowing a program"]}),
    )
    .await
    .expect(201);
    post(
        &app,
        "/api/v1/continuum-levels",
        json!({"rank": 6, "name": "Twin"}),
    )
    .await
    .expect(409);
    post(
        &app,
        "/api/v1/continuum-levels",
        json!({"rank": 0, "name": ""}),
    )
    .await
    .expect(422);
    let level = seeded[3]["id"].as_str().unwrap().to_owned();
    patch(
        &app,
        &format!("/api/v1/continuum-levels/{level}"),
        json!({"description": "Our words"}),
    )
    .await
    .expect(200);

    let partner = post(
        &app,
        "/api/v1/partners",
        json!({"name": "Deep", "kind": "business", "continuum_level_id": level}),
    )
    .await
    .expect(201);
    assert_eq!(partner.body["continuum_level_id"], level);
    post(&app, "/api/v1/partners", json!({"name": "Lost", "kind": "business", "continuum_level_id": uuid::Uuid::now_v7().to_string()}))
        .await
        .expect(422);
    post(
        &app,
        "/api/v1/partners",
        json!({"name": "Light", "kind": "business"}),
    )
    .await
    .expect(201);
    let at_level = get(
        &app,
        &format!("/api/v1/partners?continuum_level_id={level}"),
    )
    .await
    .expect(200);
    assert_eq!(
        ids(at_level.body["data"].as_array().unwrap()),
        [partner.id()]
    );
    delete(&app, &format!("/api/v1/continuum-levels/{level}"))
        .await
        .expect(409);
    delete(&app, &format!("/api/v1/continuum-levels/{}", added.id()))
        .await
        .expect(204);

    // Everyone who reads partners reads the scale; only administrators change it.
    let staff = principal(&db, Role::Staff, &[], None);
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/continuum-levels")
            .insert_header(staff.header()),
    )
    .await
    .expect(200);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/continuum-levels")
            .insert_header(staff.header())
            .set_json(json!({"rank": 9, "name": "N"})),
    )
    .await
    .expect(403);
}
