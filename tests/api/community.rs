//! Community voice: the need-category catalogue, seeded with the playbooks' needs, each mapped
//! to the partner offerings that address it.

use serde_json::json;

use crate::both;
use crate::support::*;

both!(the_need_catalogue_maps_needs_to_offerings);

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
