//! Tokens: the client-credentials endpoint, sign-in, the identity provider, what makes a token
//! unacceptable, revocation, and the bootstrap commands.

use actix_web::test::TestRequest;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::settings::IdentityProvider;
use partnerships::auth::{AuthSettings, Role};

both!(
    client_credentials_flow,
    token_request_errors,
    rotated_and_revoked_clients,
    unacceptable_tokens_are_401,
    people_sign_in,
    identity_provider_tokens,
    provider_keys_are_discovered_and_survive_rotation,
    command_line_bootstrap,
    revocation_outside_the_api_and_the_principal_cache,
    bad_changes_to_clients_and_users_are_judged_before_if_match,
);

/// Found by schemathesis: a malformed PATCH of a user or client with a stale `If-Match` was
/// 412, where every other resource says 400 or 422 first.
async fn bad_changes_to_clients_and_users_are_judged_before_if_match(db: TestDb) {
    let app = app(&db).await;
    let user = post(
        &app,
        "/api/v1/users",
        json!({"email": "order@d.example", "name": "Order", "role": "viewer"}),
    )
    .await
    .expect(201)
    .id();
    let client = post(
        &app,
        "/api/v1/clients",
        json!({"name": "Order", "role": "viewer"}),
    )
    .await
    .expect(201)
    .id();
    for (uri, body) in [
        (
            format!("/api/v1/users/{user}"),
            json!({"school_ids": "not a list"}),
        ),
        (
            format!("/api/v1/clients/{client}"),
            json!({"scopes": "not a list"}),
        ),
    ] {
        let reply = send(
            &app,
            TestRequest::patch()
                .uri(&uri)
                .insert_header(("if-match", "\"99\""))
                .insert_header(("content-type", "application/merge-patch+json"))
                .set_payload(body.to_string()),
        )
        .await;
        assert_eq!(reply.status.as_u16(), 400, "{uri}: {}", reply.text);
        // A good change with the stale version is still 412.
        let stale = send(
            &app,
            TestRequest::patch()
                .uri(&uri)
                .insert_header(("if-match", "\"99\""))
                .insert_header(("content-type", "application/merge-patch+json"))
                .set_payload(json!({"name": "Renamed"}).to_string()),
        )
        .await;
        assert_eq!(stale.status.as_u16(), 412, "{uri}: {}", stale.text);
    }
}

async fn token<A: TestApp>(app: &A, form: &str, basic: Option<(&str, &str)>) -> Reply {
    let mut req = TestRequest::post()
        .uri("/api/v1/oauth/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form.to_owned());
    if let Some((id, secret)) = basic {
        req = req.insert_header((
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        ));
    }
    send(app, req).await
}

/// A client made through the admin API: (id, secret).
async fn new_client<A: TestApp>(admin: &A, body: Value) -> (String, String) {
    let created = post(admin, "/api/v1/clients", body).await.expect(201);
    let secret = created.body["client_secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    (created.id(), secret)
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

async fn call<A: TestApp>(app: &A, req: TestRequest, token: &str) -> Reply {
    send(app, req.insert_header(bearer(token))).await
}

fn access_token(reply: &Reply) -> String {
    reply.body["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

async fn client_credentials_flow(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let (id, secret) = new_client(
        &admin,
        json!({"name": "SIS nightly", "role": "integration", "scopes": ["partners:write", "schools:read"]}),
    )
    .await;
    let shown = get(&admin, &format!("/api/v1/clients/{id}"))
        .await
        .expect(200);
    assert!(
        !shown.text.contains(&secret) && !shown.text.contains("argon2"),
        "secrets are never shown again"
    );

    let reply = token(
        &raw,
        &format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3600);
    assert_eq!(
        reply.body["scope"],
        "schools:read partners:read partners:write"
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let full = access_token(&reply);
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &full)
        .await
        .expect(200);
    call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_json(json!({"name": "A", "kind": "other"})),
        &full,
    )
    .await
    .expect(201);
    let denied = call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/schools")
            .set_json(json!({"name": "S"})),
        &full,
    )
    .await
    .expect(403);
    let challenge = denied.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("schools:write"),
        "{challenge}"
    );

    // HTTP Basic, and a subset of the scopes.
    let reply = token(
        &raw,
        "grant_type=client_credentials&scope=partners:read",
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["scope"], "partners:read");
    let narrow = access_token(&reply);
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &narrow)
        .await
        .expect(200);
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &narrow)
        .await
        .expect(403);
    call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_json(json!({"name": "B", "kind": "other"})),
        &narrow,
    )
    .await
    .expect(403);
    // An admin client can ask for a token without admin rights.
    let (admin_id, admin_secret) =
        new_client(&admin, json!({"name": "Ops", "role": "admin"})).await;
    let full = token(
        &raw,
        "grant_type=client_credentials",
        Some((&admin_id, &admin_secret)),
    )
    .await
    .expect_status(200);
    assert!(full.body["scope"]
        .as_str()
        .unwrap()
        .split(' ')
        .any(|s| s == "admin"));
    assert_eq!(full.header("pragma"), Some("no-cache"));
    call(
        &raw,
        TestRequest::get().uri("/api/v1/clients"),
        &access_token(&full),
    )
    .await
    .expect(200);
    let narrowed = token(
        &raw,
        "grant_type=client_credentials&scope=partners:read",
        Some((&admin_id, &admin_secret)),
    )
    .await
    .expect_status(200);
    for uri in ["/api/v1/clients", "/api/v1/users", "/api/v1/audit-events"] {
        call(&raw, TestRequest::get().uri(uri), &access_token(&narrowed))
            .await
            .expect(403);
    }
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &access_token(&narrowed),
    )
    .await
    .expect(200);
    let refused = post(
        &admin,
        "/api/v1/clients",
        json!({"name": "Sly", "role": "integration", "scopes": ["admin"]}),
    )
    .await
    .expect(422);
    assert_eq!(refused.error_fields(), ["scopes"]);

    // Asking for write gets its read too.
    let reply = token(
        &raw,
        "grant_type=client_credentials&scope=partners%3Awrite",
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(reply.body["scope"], "partners:read partners:write");
}

async fn token_request_errors(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let (id, secret) = new_client(
        &admin,
        json!({"name": "Reader", "role": "integration", "scopes": ["partners:read"]}),
    )
    .await;
    let creds = format!("client_id={id}&client_secret={secret}");
    // (form, HTTP Basic credentials, status, OAuth2 error)
    type Case<'a> = (String, Option<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            format!("grant_type=client_credentials&{creds}&scope=kpi:write"),
            None,
            400,
            "invalid_scope",
        ),
        (
            format!("grant_type=client_credentials&{creds}&scope=admin"),
            None,
            400,
            "invalid_scope",
        ),
        (
            format!("grant_type=client_credentials&{creds}&scope=nonsense"),
            None,
            400,
            "invalid_scope",
        ),
        (
            format!("grant_type=client_credentials&{creds}&scope="),
            None,
            400,
            "invalid_scope",
        ),
        (
            format!("grant_type=client_credentials&client_id={id}&client_secret=wrong"),
            None,
            401,
            "invalid_client",
        ),
        (
            format!(
                "grant_type=client_credentials&client_id={}&client_secret=x",
                uuid::Uuid::now_v7()
            ),
            None,
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=not-a-uuid&client_secret=x".to_owned(),
            None,
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials".to_owned(),
            None,
            401,
            "invalid_client",
        ),
        (
            format!("grant_type=password&{creds}"),
            None,
            400,
            "unsupported_grant_type",
        ),
        (creds.clone(), None, 400, "invalid_request"),
        (
            format!("grant_type=client_credentials&{creds}"),
            Some((&id, &secret)),
            400,
            "invalid_request",
        ),
        (
            format!("grant_type=client_credentials&grant_type=client_credentials&{creds}"),
            None,
            400,
            "invalid_request",
        ),
    ];
    for (form, basic, status, error) in cases {
        let reply = token(&raw, &form, basic).await;
        assert_eq!(reply.status.as_u16(), status, "{form}: {}", reply.text);
        assert_eq!(reply.body["error"], error, "{form}");
        assert!(reply.body["error_description"].is_string());
        if status == 401 {
            assert_eq!(
                reply.header("www-authenticate"),
                Some("Basic realm=\"partnerships\"")
            );
        }
    }
    let wrong_type = send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/oauth/token")
            .set_json(json!({"grant_type": "client_credentials"})),
    )
    .await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(wrong_type.body["error"], "invalid_request");
}

async fn rotated_and_revoked_clients(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let (id, secret) = new_client(&admin, json!({"name": "Portal", "role": "viewer"})).await;
    let old = access_token(
        &token(&raw, "grant_type=client_credentials", Some((&id, &secret)))
            .await
            .expect(200),
    );
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &old)
        .await
        .expect(200);

    let rotated = send(
        &admin,
        TestRequest::post().uri(&format!("/api/v1/clients/{id}/secret")),
    )
    .await
    .expect(200);
    let new_secret = rotated.body["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let reply = call(&raw, TestRequest::get().uri("/api/v1/schools"), &old)
        .await
        .expect(401);
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
    token(&raw, "grant_type=client_credentials", Some((&id, &secret)))
        .await
        .expect_status(401);
    let fresh = access_token(
        &token(
            &raw,
            "grant_type=client_credentials",
            Some((&id, &new_secret)),
        )
        .await
        .expect(200),
    );
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &fresh)
        .await
        .expect(200);

    let revoked = send(
        &admin,
        TestRequest::post().uri(&format!("/api/v1/clients/{id}/revoke")),
    )
    .await
    .expect(200);
    assert!(revoked.body["revoked_at"].is_string());
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &fresh)
        .await
        .expect(401);
    let refused = token(
        &raw,
        "grant_type=client_credentials",
        Some((&id, &new_secret)),
    )
    .await;
    assert_eq!(refused.body["error"], "invalid_client");
    send(
        &admin,
        TestRequest::post().uri(&format!("/api/v1/clients/{id}/secret")),
    )
    .await
    .expect(409);
    let listed = get(&admin, "/api/v1/clients?revoked=true")
        .await
        .expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [id]);
}

fn claims_for(subject: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "partnerships", "aud": "partnerships-api", "sub": subject,
        "iat": now, "nbf": now, "exp": now + 600,
        "jti": uuid::Uuid::now_v7().to_string(), "typ": "client", "role": "admin", "scope": "schools:read"
    })
}

fn sign(claims: &Value, alg: Algorithm, key: &EncodingKey) -> String {
    encode(&Header::new(alg), claims, key).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

const RSA_PRIVATE: &[u8] = include_bytes!("../fixtures/idp_rsa_private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("../fixtures/idp_rsa_public.pem");
const EC_PRIVATE: &[u8] = include_bytes!("../fixtures/idp_ec_private.pem");
const EC_PUBLIC: &[u8] = include_bytes!("../fixtures/idp_ec_public.pem");

async fn unacceptable_tokens_are_401(db: TestDb) {
    let raw = raw_app(&db, auth_settings()).await;
    let subject = principal(&db, Role::Admin, &[], None).id;
    let ours = EncodingKey::from_secret(TEST_SECRET);
    let now = chrono::Utc::now().timestamp();
    let good = claims_for(&subject);
    let valid = sign(&good, Algorithm::HS256, &ours);
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &valid)
        .await
        .expect(200);

    let tampered = {
        let parts: Vec<&str> = valid.split('.').collect();
        let payload = URL_SAFE_NO_PAD
            .encode(with(good.clone(), "scope", json!("schools:read schools:write")).to_string());
        format!("{}.{}.{}", parts[0], payload, parts[2])
    };
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(good.to_string())
    );
    let bad_tokens = [
        (
            "expired",
            sign(
                &with(good.clone(), "exp", json!(now - 120)),
                Algorithm::HS256,
                &ours,
            ),
        ),
        (
            "not yet valid",
            sign(
                &with(good.clone(), "nbf", json!(now + 600)),
                Algorithm::HS256,
                &ours,
            ),
        ),
        (
            "issued in the future",
            sign(
                &with(good.clone(), "iat", json!(now + 600)),
                Algorithm::HS256,
                &ours,
            ),
        ),
        (
            "wrong issuer",
            sign(
                &with(good.clone(), "iss", json!("someone-else")),
                Algorithm::HS256,
                &ours,
            ),
        ),
        (
            "wrong audience",
            sign(
                &with(good.clone(), "aud", json!("another-api")),
                Algorithm::HS256,
                &ours,
            ),
        ),
        (
            "no expiry",
            sign(&without(good.clone(), "exp"), Algorithm::HS256, &ours),
        ),
        (
            "other secret",
            sign(
                &good,
                Algorithm::HS256,
                &EncodingKey::from_secret(b"another-secret-that-is-also-32-bytes-long!!"),
            ),
        ),
        ("tampered", tampered),
        ("alg none", none),
        (
            "HS384 with our secret",
            sign(&good, Algorithm::HS384, &ours),
        ),
        (
            "RS256 while no provider is configured",
            sign(
                &good,
                Algorithm::RS256,
                &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
            ),
        ),
        (
            "unknown subject",
            sign(
                &with(good.clone(), "sub", json!(uuid::Uuid::now_v7().to_string())),
                Algorithm::HS256,
                &ours,
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in bad_tokens {
        let reply = call(&raw, TestRequest::get().uri("/api/v1/schools"), &token).await;
        assert_eq!(reply.status, 401, "{what}: {}", reply.text);
        let reply = reply.expect(401);
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer realm=\"partnerships\", error=\"invalid_token\""),
            "{what}: {challenge}"
        );
    }
    let missing = get(&raw, "/api/v1/schools").await.expect(401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"partnerships\"")
    );
    send(
        &raw,
        TestRequest::get()
            .uri("/api/v1/schools")
            .insert_header(("authorization", "Basic YTpi")),
    )
    .await
    .expect(401);
}

async fn people_sign_in(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;
    let user = post(
        &admin,
        "/api/v1/users",
        json!({"email": " Jo.Ramos@District.example.org ", "name": "Jo Ramos", "role": "viewer", "password": "correct horse battery"}),
    )
    .await
    .expect(201);
    assert_eq!(user.body["email"], "jo.ramos@district.example.org");
    assert_eq!(user.body["has_password"], true);
    assert!(!user.text.contains("correct horse") && !user.text.contains("argon2"));
    let uri = format!("/api/v1/users/{}", user.id());

    let login = |password: &'static str| {
        send(
            &raw,
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .set_json(json!({"email": "JO.RAMOS@district.example.org", "password": password})),
        )
    };
    let reply = login("correct horse battery").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let first = access_token(&reply);
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &first)
        .await
        .expect(200);
    call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_json(json!({"name": "A", "kind": "other"})),
        &first,
    )
    .await
    .expect(403);
    login("wrong horse battery").await.expect(401);
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": "nobody@x.org", "password": "whatever it is"})),
    )
    .await
    .expect(401);

    patch(&admin, &uri, json!({"password": "too short"}))
        .await
        .expect(422);
    patch(&admin, &uri, json!({"password": "a brand new passphrase"}))
        .await
        .expect(200);
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &first)
        .await
        .expect(401);
    login("correct horse battery").await.expect(401);
    let second = access_token(&login("a brand new passphrase").await.expect(200));

    patch(&admin, &uri, json!({"disabled": true}))
        .await
        .expect(200);
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &second)
        .await
        .expect(401);
    login("a brand new passphrase").await.expect(401);
    let listed = get(&admin, "/api/v1/users?disabled=true&q=ramos")
        .await
        .expect(200);
    assert_eq!(ids(listed.body["data"].as_array().unwrap()), [user.id()]);
}

fn provider_settings(algorithm: &str, public: &[u8]) -> AuthSettings {
    let mut settings = auth_settings();
    settings.identity_provider = Some(
        IdentityProvider::new(
            "https://idp.district.example",
            "partnerships",
            algorithm,
            public,
        )
        .unwrap(),
    );
    settings
}

fn provider_claims(sub: &str, email: Option<&str>) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "https://idp.district.example", "aud": "partnerships", "sub": sub, "email": email,
           "iat": now, "exp": now + 600})
}

async fn identity_provider_tokens(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, provider_settings("RS256", RSA_PUBLIC)).await;
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
    let staff = post(
        &admin,
        "/api/v1/users",
        json!({"email": "ada@district.example.org", "name": "Ada", "role": "staff", "external_subject": "idp|42"}),
    )
    .await
    .expect(201);
    assert_eq!(staff.body["has_password"], false);
    let by_subject = sign(&provider_claims("idp|42", None), Algorithm::RS256, &rsa);
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &by_subject,
    )
    .await
    .expect(200);
    call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/partners")
            .set_json(json!({"name": "A", "kind": "other"})),
        &by_subject,
    )
    .await
    .expect(201);
    call(
        &raw,
        TestRequest::post()
            .uri("/api/v1/schools")
            .set_json(json!({"name": "S"})),
        &by_subject,
    )
    .await
    .expect(403);
    // Ada is bound to idp|42: another subject carrying her email does not reach her.
    let by_email = sign(
        &provider_claims("idp|other", Some("ADA@district.example.org")),
        Algorithm::RS256,
        &rsa,
    );
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &by_email)
        .await
        .expect(401);

    // An email never reaches a user bound to another subject, nor one the provider has not
    // verified.
    post(
        &admin,
        "/api/v1/users",
        json!({"email": "grace@district.example.org", "name": "Grace", "role": "admin", "password": "admin passphrase 1"}),
    )
    .await
    .expect(201);
    let unverified = with(
        provider_claims("idp|7", Some("grace@district.example.org")),
        "email_verified",
        json!(false),
    );
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &sign(&unverified, Algorithm::RS256, &rsa),
    )
    .await
    .expect(401);
    // Attack: an email the provider did not say it verified, or the email of an administrator
    // or of a user with a local password, never takes over the account.
    let unstated = sign(
        &provider_claims("idp|7", Some("grace@district.example.org")),
        Algorithm::RS256,
        &rsa,
    );
    call(&raw, TestRequest::get().uri("/api/v1/partners"), &unstated)
        .await
        .expect(401);
    let verified = |sub: &str, email: &str| {
        sign(
            &with(
                provider_claims(sub, Some(email)),
                "email_verified",
                json!(true),
            ),
            Algorithm::RS256,
            &rsa,
        )
    };
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &verified("idp|7", "grace@district.example.org"),
    )
    .await
    .expect(401);
    post(
        &admin,
        "/api/v1/users",
        json!({"email": "lin@district.example.org", "name": "Lin", "role": "viewer", "password": "viewer passphrase"}),
    )
    .await
    .expect(201);
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &verified("idp|8", "lin@district.example.org"),
    )
    .await
    .expect(401);
    // A user without a password and without a subject is claimed by the first verified
    // email, and from then on only that subject reaches them.
    let mo = post(
        &admin,
        "/api/v1/users",
        json!({"email": "mo@district.example.org", "name": "Mo", "role": "viewer"}),
    )
    .await
    .expect(201);
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &verified("idp|9", "MO@district.example.org"),
    )
    .await
    .expect(200);
    let bound = get(&admin, &format!("/api/v1/users/{}", mo.id()))
        .await
        .expect(200);
    assert_eq!(bound.body["external_subject"], "idp|9");
    let trail = get(
        &admin,
        &format!(
            "/api/v1/audit-events?resource_id={}&action=identity_bound",
            mo.id()
        ),
    )
    .await
    .expect(200);
    assert_eq!(trail.body["data"].as_array().map(Vec::len), Some(1));
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &verified("idp|10", "mo@district.example.org"),
    )
    .await
    .expect(401);
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &sign(&provider_claims("idp|9", None), Algorithm::RS256, &rsa),
    )
    .await
    .expect(200);
    let now = chrono::Utc::now().timestamp();
    let refused = [
        sign(
            &provider_claims("idp|other", Some("ada@district.example.org")),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &with(provider_claims("idp|42", None), "exp", json!(now - 120)),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &without(provider_claims("idp|42", None), "iat"),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &provider_claims("idp|nobody", Some("nobody@district.example.org")),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &with(provider_claims("idp|42", None), "aud", json!("other")),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &with(
                provider_claims("idp|42", None),
                "iss",
                json!("https://evil.example"),
            ),
            Algorithm::RS256,
            &rsa,
        ),
        sign(
            &provider_claims("idp|42", None),
            Algorithm::ES256,
            &EncodingKey::from_ec_pem(EC_PRIVATE).unwrap(),
        ),
        // Our own key cannot stand in for the provider's.
        sign(
            &provider_claims("idp|42", None),
            Algorithm::HS256,
            &EncodingKey::from_secret(TEST_SECRET),
        ),
    ];
    for token in refused {
        call(&raw, TestRequest::get().uri("/api/v1/partners"), &token)
            .await
            .expect(401);
    }
    patch(
        &admin,
        &format!("/api/v1/users/{}", staff.id()),
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &by_subject,
    )
    .await
    .expect(401);

    let ec = raw_app(&db, provider_settings("ES256", EC_PUBLIC)).await;
    patch(
        &admin,
        &format!("/api/v1/users/{}", staff.id()),
        json!({"disabled": false}),
    )
    .await
    .expect(200);
    // Re-enabling does not revive tokens issued before the user was disabled; a token issued
    // after (in a later second: `iat` counts seconds) works.
    call(
        &raw,
        TestRequest::get().uri("/api/v1/partners"),
        &by_subject,
    )
    .await
    .expect(401);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let es = sign(
        &provider_claims("idp|42", None),
        Algorithm::ES256,
        &EncodingKey::from_ec_pem(EC_PRIVATE).unwrap(),
    );
    call(&ec, TestRequest::get().uri("/api/v1/partners"), &es)
        .await
        .expect(200);
}

fn cli(db: &TestDb, args: &[&str]) -> std::process::Output {
    let url = match &db.backend {
        partnerships::db::Backend::Sqlite(path) => format!("sqlite://{}", path.display()),
        partnerships::db::Backend::Postgres(url) => url.clone(),
    };
    std::process::Command::new(env!("CARGO_BIN_EXE_partnerships"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", std::str::from_utf8(TEST_SECRET).unwrap())
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

async fn command_line_bootstrap(db: TestDb) {
    let raw = raw_app(&db, auth_settings()).await;
    let out = cli(
        &db,
        &["client", "create", "--name", "Bootstrap", "--role", "admin"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let admin_token = access_token(
        &token(&raw, "grant_type=client_credentials", Some((&id, &secret)))
            .await
            .expect(200),
    );
    let clients = call(
        &raw,
        TestRequest::get().uri("/api/v1/clients"),
        &admin_token,
    )
    .await
    .expect(200);
    assert!(ids(clients.body["data"].as_array().unwrap()).contains(&id));

    let out = cli(
        &db,
        &[
            "client",
            "create",
            "--name",
            "Nightly",
            "--role",
            "integration",
            "--scope",
            "kpi:write",
            "--scope",
            "schools:read",
        ],
    );
    assert!(out.status.success());
    let integration: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        integration["scopes"],
        json!(["schools:read", "kpi:read", "kpi:write"])
    );

    let out = cli(&db, &["client", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.lines().count(), 2);
    assert!(!listed.contains(&secret));

    let out = cli(
        &db,
        &[
            "user",
            "create",
            "--email",
            "ops@district.example.org",
            "--name",
            "Ops",
            "--role",
            "viewer",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let user: Value = serde_json::from_slice(&out.stdout).unwrap();
    let password = user["password"]
        .as_str()
        .expect("a generated password")
        .to_owned();
    send(
        &raw,
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": "ops@district.example.org", "password": password})),
    )
    .await
    .expect(200);
    let out = cli(&db, &["user", "disable", user["id"].as_str().unwrap()]);
    assert!(out.status.success());

    let out = cli(&db, &["client", "revoke", &id]);
    assert!(out.status.success());
    // The server learns of a revocation made elsewhere when its principal cache forgets
    // (within AUTH_CACHE_SECONDS); the test does not wait that long.
    partnerships::auth::principal_cache::forget_all();
    call(
        &raw,
        TestRequest::get().uri("/api/v1/clients"),
        &admin_token,
    )
    .await
    .expect(401);

    let refused = cli(
        &db,
        &["client", "create", "--name", "P", "--role", "partner"],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("partner_id"));
    let refused = cli(
        &db,
        &["client", "create", "--name", "P", "--role", "wizard"],
    );
    assert!(!refused.status.success());

    let refused = token(&raw, "grant_type=client_credentials", Some((&id, &secret)))
        .await
        .expect_status(401);
    assert_eq!(
        refused.body["error"], "invalid_client",
        "a revoked client gets no token"
    );
}

/// The CLI (another process) revokes without telling the server: with the principal cache off
/// the next request is refused; with it on, once the cache forgets (at most
/// `AUTH_CACHE_SECONDS` later).
async fn revocation_outside_the_api_and_the_principal_cache(db: TestDb) {
    async fn client_and_token<A: TestApp>(db: &TestDb, raw: &A) -> (String, String) {
        let out = cli(
            db,
            &["client", "create", "--name", "Script", "--role", "viewer"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created: Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        let issued = token(raw, "grant_type=client_credentials", Some((&id, &secret)))
            .await
            .expect(200);
        (id, access_token(&issued))
    }
    let mut uncached = auth_settings();
    uncached.principal_cache_ttl = std::time::Duration::ZERO;
    let raw = raw_app(&db, uncached).await;
    let (id, bearer) = client_and_token(&db, &raw).await;
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &bearer)
        .await
        .expect(200);
    assert!(cli(&db, &["client", "revoke", &id]).status.success());
    call(&raw, TestRequest::get().uri("/api/v1/schools"), &bearer)
        .await
        .expect(401);

    let cached = raw_app(&db, auth_settings()).await;
    let (id, bearer) = client_and_token(&db, &cached).await;
    call(&cached, TestRequest::get().uri("/api/v1/schools"), &bearer)
        .await
        .expect(200);
    assert!(cli(&db, &["client", "revoke", &id]).status.success());
    partnerships::auth::principal_cache::forget_all();
    call(&cached, TestRequest::get().uri("/api/v1/schools"), &bearer)
        .await
        .expect(401);
}

/// An identity provider on loopback: its discovery document, and the keys it publishes now.
struct Provider {
    keys: std::sync::Arc<std::sync::Mutex<Value>>,
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    port: u16,
    handle: actix_web::dev::ServerHandle,
}

impl Provider {
    fn start(keys: Value) -> Provider {
        use actix_web::{web, App, HttpResponse, HttpServer};
        let published = std::sync::Arc::new(std::sync::Mutex::new(keys));
        let fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (k, f) = (published.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (k, f) = (k.clone(), f.clone());
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || async move {
                        let base = format!("http://127.0.0.1:{port}");
                        HttpResponse::Ok().json(json!({"issuer": base,
                            "jwks_uri": format!("{base}/keys"),
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]}))
                    }),
                )
                .route(
                    "/keys",
                    web::get().to(move || {
                        let (k, f) = (k.clone(), f.clone());
                        async move {
                            f.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let keys = k.lock().unwrap().clone();
                            HttpResponse::Ok().json(keys)
                        }
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Provider {
            keys: published,
            fetches,
            port,
            handle,
        }
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn publish(&self, keys: Value) {
        *self.keys.lock().unwrap() = keys;
    }
}

/// The public half of `key` as the provider publishes it, under `kid`.
fn published(key: &EncodingKey, alg: Algorithm, kid: &str) -> Value {
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

async fn provider_keys_are_discovered_and_survive_rotation(db: TestDb) {
    use std::time::Duration;
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
    let ec = EncodingKey::from_ec_pem(EC_PRIVATE).unwrap();
    let idp = Provider::start(json!({"keys": [published(&rsa, Algorithm::RS256, "2026")]}));
    let issuer = idp.issuer();
    // OIDC_ISSUER alone: the keys are found through discovery.
    let refresh = Duration::from_millis(1000);
    let jwks =
        partnerships::auth::provider::Jwks::new(&issuer, refresh, Duration::from_secs(2)).unwrap();
    let mut settings = auth_settings();
    settings.identity_provider = Some(IdentityProvider::discovered(
        &issuer,
        "partnerships",
        std::sync::Arc::new(jwks),
    ));
    let admin = app(&db).await;
    let raw = raw_app(&db, settings).await;
    post(
        &admin,
        "/api/v1/users",
        json!({"email": "ada@district.example.org", "name": "Ada", "role": "staff", "external_subject": "idp|42"}),
    )
    .await
    .expect(201);
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": issuer, "aud": "partnerships", "sub": "idp|42", "iat": now, "exp": now + 600});
    let token = |key: &EncodingKey, alg: Algorithm, kid: Option<&str>| {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        encode(&header, &claims, key).unwrap()
    };
    let partners = || TestRequest::get().uri("/api/v1/partners");

    let old = token(&rsa, Algorithm::RS256, Some("2026"));
    call(&raw, partners(), &old).await.expect(200);
    call(&raw, partners(), &old).await.expect(200);
    assert_eq!(idp.fetches(), 1, "the keys are cached");
    // Attack: another key under the published kid, or a shared-secret algorithm.
    call(
        &raw,
        partners(),
        &token(&ec, Algorithm::ES256, Some("2026")),
    )
    .await
    .expect(401);
    call(
        &raw,
        partners(),
        &token(
            &EncodingKey::from_secret(b"guess"),
            Algorithm::HS384,
            Some("2026"),
        ),
    )
    .await
    .expect(401);

    // The provider rotates its key: a token with the new kid makes the server fetch again.
    idp.publish(json!({"keys": [published(&ec, Algorithm::ES256, "2027")]}));
    actix_web::rt::time::sleep(refresh + Duration::from_millis(50)).await;
    let new = token(&ec, Algorithm::ES256, Some("2027"));
    call(&raw, partners(), &new).await.expect(200);
    assert_eq!(idp.fetches(), 2);
    // One key published: a token without a kid is checked with it.
    call(&raw, partners(), &token(&ec, Algorithm::ES256, None))
        .await
        .expect(200);
    // The retired key is no longer accepted.
    call(&raw, partners(), &old).await.expect(401);
    // A flood of unknown kids costs the provider at most one fetch per interval.
    for n in 0..20 {
        let unknown = token(&ec, Algorithm::ES256, Some(&format!("forged-{n}")));
        call(&raw, partners(), &unknown).await.expect(401);
    }
    assert!(idp.fetches() <= 3, "{} fetches", idp.fetches());

    // The provider goes away: the cached key keeps working, an unknown one does not.
    idp.handle.stop(false).await;
    actix_web::rt::time::sleep(refresh + Duration::from_millis(50)).await;
    call(&raw, partners(), &new).await.expect(200);
    call(
        &raw,
        partners(),
        &token(&ec, Algorithm::ES256, Some("2028")),
    )
    .await
    .expect(401);
    call(&raw, partners(), &new).await.expect(200);
}
