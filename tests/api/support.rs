//! Test databases (one per test: a SQLite file, or a PostgreSQL database) and request helpers.
//! Each is a copy of a template migrated once per run, as crates.io does: migrating a fresh
//! database for each of some 700 tests took a third of the run.

use std::path::PathBuf;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::HttpMessage;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::Value;

use partnerships::auth::token::{self, PrincipalKind};
use partnerships::auth::{AuthSettings, Grant, Role, Scope};
use partnerships::clients::store::ClientRow;
use partnerships::config::AppSettings;
use partnerships::db::{self, Backend, DbPool, PoolSettings};

pub struct TestDb {
    pub pool: DbPool,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    /// A database the test owns by other means (a throwaway cluster).
    Nothing,
    File(PathBuf),
    Schema {
        url: String,
        schema: String,
    },
    Database {
        url: String,
        name: String,
    },
}

pub fn settings() -> PoolSettings {
    PoolSettings {
        max_size: 8,
        connect_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(30),
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The rows of `table`, counted straight in the database.
pub fn count_rows(pool: &DbPool, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut **pool.get().expect("connection"))
        .expect("count")
        .n
}

impl TestDb {
    /// A database set up by the test itself.
    pub fn wrap(pool: DbPool, backend: Backend) -> TestDb {
        TestDb {
            pool,
            backend,
            cleanup: Cleanup::Nothing,
        }
    }

    /// A fresh, migrated SQLite file: a copy of the run's template.
    pub fn sqlite() -> TestDb {
        // Server logs (with the real causes of 5xx) show with a failing test's output.
        let _ = env_logger::builder().is_test(true).try_init();
        let path = test_dir().join(format!("{}.db", uuid::Uuid::now_v7()));
        std::fs::copy(sqlite_template(), &path).expect("copy the template database");
        let backend = Backend::Sqlite(path.clone());
        let pool = db::establish(&backend, &settings()).expect("sqlite pool");
        TestDb {
            pool,
            backend,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh, migrated database in the PostgreSQL of `TEST_DATABASE_URL`, or of the local
    /// server when the variable is unset and one answers; `None` when there is none. With
    /// `REQUIRE_POSTGRES=1` (CI) no PostgreSQL is a failure, not a skip. It is a copy of the
    /// run's template database, or, where the user may not create databases, a freshly
    /// migrated schema.
    pub fn postgres() -> Option<TestDb> {
        let _ = env_logger::builder().is_test(true).try_init();
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => url,
            Err(_) => match local_postgres() {
                Some(url) => url,
                None => {
                    assert!(
                        std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
                        "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is unset and no PostgreSQL answers on {LOCAL_POSTGRES}"
                    );
                    announce_skip();
                    return None;
                }
            },
        };
        let mut admin = PgConnection::establish(&url).expect("TEST_DATABASE_URL must be reachable");
        let Some(template) = postgres_template(&url) else {
            return Some(TestDb::postgres_schema(url, &mut admin));
        };
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        copy_database(&mut admin, template, &name);
        let backend = Backend::Postgres(with_database(&url, &name).expect("a database URL"));
        let pool = db::establish(&backend, &settings()).expect("postgres pool");
        Some(TestDb {
            pool,
            backend,
            cleanup: Cleanup::Database { url, name },
        })
    }

    /// A schema of its own, migrated.
    fn postgres_schema(url: String, admin: &mut PgConnection) -> TestDb {
        let schema = format!("test_{}", uuid::Uuid::now_v7().simple());
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create schema");
        let separator = if url.contains('?') { '&' } else { '?' };
        let scoped = format!("{url}{separator}options=-csearch_path%3D{schema}");
        let backend = Backend::Postgres(scoped);
        let pool = db::establish(&backend, &settings()).expect("postgres pool");
        db::run_migrations(&mut pool.get().expect("connection")).expect("migrations");
        TestDb {
            pool,
            backend,
            cleanup: Cleanup::Schema { url, schema },
        }
    }
}

fn test_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("partnerships-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// This run's migrated SQLite file, made once; each test copies it. Templates of runs that
/// have ended are removed.
fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = test_dir();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name
                .strip_prefix("template-")
                .and_then(|n| n.split('.').next())
            {
                if ended(pid) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let path = dir.join(format!("template-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let backend = Backend::Sqlite(path.clone());
        let pool = db::establish(&backend, &settings()).expect("sqlite pool");
        let mut conn = pool.get().expect("connection");
        db::run_migrations(&mut conn).expect("migrations");
        // Everything into the main file, which is all a copy takes.
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
        drop(conn);
        drop(pool);
        path
    })
}

/// This run's migrated PostgreSQL database, made once; `None` when the user may not create
/// databases. Templates of runs that have ended are dropped.
fn postgres_template(url: &str) -> Option<&'static str> {
    static TEMPLATE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let mut admin = PgConnection::establish(url).ok()?;
            drop_ended_templates(&mut admin);
            // The process id says whose it is; the suffix keeps two machines' runs apart.
            let name = format!(
                "partnerships_template_{}_{}",
                std::process::id(),
                &uuid::Uuid::now_v7().simple().to_string()[20..]
            );
            let scoped = with_database(url, &name)?;
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .ok()?;
            let backend = Backend::Postgres(scoped);
            let pool = db::establish(&backend, &settings()).expect("postgres pool");
            db::run_migrations(&mut pool.get().expect("connection")).expect("migrations");
            drop(pool);
            Some(name)
        })
        .as_deref()
}

fn drop_ended_templates(admin: &mut PgConnection) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Named {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let found: Vec<Named> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'partnerships_template_%'",
    )
    .load(admin)
    .unwrap_or_default();
    for Named { datname } in found {
        let pid = datname
            .trim_start_matches("partnerships_template_")
            .split('_')
            .next()
            .unwrap_or_default();
        if ended(pid) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {datname}"));
        }
    }
}

/// `CREATE DATABASE name TEMPLATE template`, waiting out the moment after the template's last
/// connection closed when the server still counts it.
fn copy_database(admin: &mut PgConnection, template: &str, name: &str) {
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    for attempt in 0.. {
        match admin.batch_execute(&sql) {
            Ok(()) => return,
            // The template's last connection may still be closing (the message is localised,
            // so any failure is retried for a second before it counts).
            Err(_) if attempt < 50 => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot copy the template database: {e}"),
        }
    }
}

/// `url` naming database `name` instead of its own; `None` when `url` is not a
/// `postgres://…/database` URL (the tests then use a schema of their own).
fn with_database(url: &str, name: &str) -> Option<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let rest = base
        .strip_prefix("postgres://")
        .or_else(|| base.strip_prefix("postgresql://"))?;
    let (_, database) = rest.split_once('/')?;
    if database.is_empty() || database.contains('/') {
        return None;
    }
    let server = &base[..base.len() - database.len()];
    Some(match query {
        Some(query) => format!("{server}{name}?{query}"),
        None => format!("{server}{name}"),
    })
}

/// Whether the process `pid` of this machine has ended; never, where there is no `/proc` to
/// tell (nothing is then removed).
fn ended(pid: &str) -> bool {
    std::path::Path::new("/proc/self").exists()
        && !pid.is_empty()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The local PostgreSQL, if it answers (looked for once per run).
fn local_postgres() -> Option<String> {
    static FOUND: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            PgConnection::establish(LOCAL_POSTGRES)
                .ok()
                .map(|_| LOCAL_POSTGRES.to_owned())
        })
        .clone()
}

/// Says once, past the test harness's output capture, that the PostgreSQL halves did not run:
/// they still report `ok`, so the run's summary alone would hide it.
fn announce_skip() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            b"\n*** PostgreSQL SKIPPED: TEST_DATABASE_URL is unset and no PostgreSQL answers on \
127.0.0.1:5432. Every `::postgres` test below reports ok WITHOUT RUNNING; only SQLite was \
tested. Set TEST_DATABASE_URL (CI sets REQUIRE_POSTGRES=1 and fails instead). ***\n\n",
        );
    });
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Schema { url, schema } => {
                if let Ok(mut conn) = PgConnection::establish(url) {
                    let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
                }
            }
            Cleanup::Database { url, name } => {
                // The test's pool may still be open elsewhere (a server it started).
                if let Ok(mut conn) = PgConnection::establish(url) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// Runs an async test body once on SQLite and once on PostgreSQL (when configured), each on
/// its own database: `both!(name_of_async_fn_taking_TestDb, ...)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::support::TestDb::sqlite()).await
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(db) = $crate::support::TestDb::postgres() {
                    super::$name(db).await
                }
            }
        }
    )*};
}

pub trait TestApp:
    Service<actix_http::Request, Response = ServiceResponse<Self::Body>, Error = actix_web::Error>
{
    type Body: MessageBody;
}

impl<S, B> TestApp for S
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Body = B;
}

pub const TEST_SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256-0123456789";

pub fn auth_settings() -> AuthSettings {
    AuthSettings::new(
        TEST_SECRET,
        "partnerships",
        "partnerships-api",
        Duration::from_secs(3600),
    )
}

/// A client of `role` stored directly (no secret hashing) and a token for it.
pub struct Principal {
    pub id: String,
    pub token: String,
}

impl Principal {
    pub fn header(&self) -> (&'static str, String) {
        ("authorization", format!("Bearer {}", self.token))
    }
}

pub fn principal(db: &TestDb, role: Role, scopes: &[Scope], partner_id: Option<&str>) -> Principal {
    principal_with_schools(db, role, scopes, partner_id, &[])
}

/// A principal of `role` whose token was narrowed to `token_scopes`.
pub fn narrowed(db: &TestDb, role: Role, token_scopes: &[Scope]) -> Principal {
    let holder = principal(db, role, &[], None);
    let issued = token::issue(
        &auth_settings(),
        PrincipalKind::Client,
        &holder.id,
        role.as_str(),
        &token_scopes.iter().copied().collect(),
    )
    .expect("token");
    Principal {
        id: holder.id,
        token: issued.access_token,
    }
}

/// A staff member of these schools.
pub fn staff(db: &TestDb, schools: &[&str]) -> Principal {
    principal_with_schools(db, Role::Staff, &[], None, schools)
}

fn principal_with_schools(
    db: &TestDb,
    role: Role,
    scopes: &[Scope],
    partner_id: Option<&str>,
    schools: &[&str],
) -> Principal {
    let grant = Grant {
        role,
        scopes: scopes.iter().copied().collect(),
        school_ids: schools.iter().map(|s| s.to_string()).collect(),
        partner_id: partner_id.map(str::to_owned),
    };
    let stamp = db::Stamp::fresh();
    let row = ClientRow {
        id: stamp.id.clone(),
        name: format!("test {}", role.as_str()),
        role: role.as_str().to_owned(),
        scopes: grant.scopes_column(),
        school_ids: grant.school_ids_column(),
        partner_id: grant.partner_id.clone(),
        secret_hash: "not used by tests that mint tokens".to_owned(),
        revoked_at: None,
        tokens_valid_after: stamp.created_at,
        version: 1,
        created_at: stamp.created_at,
        updated_at: stamp.updated_at,
    };
    let mut conn = db.pool.get().expect("connection");
    partnerships::clients::store::insert(&mut conn, &row).expect("insert client");
    let issued = token::issue(
        &auth_settings(),
        PrincipalKind::Client,
        &row.id,
        role.as_str(),
        &grant.effective_scopes(),
    )
    .expect("token");
    Principal {
        id: row.id,
        token: issued.access_token,
    }
}

/// The App as an admin calls it: requests without an Authorization header get an admin token.
pub async fn app(db: &TestDb) -> impl TestApp {
    app_with(db, AppSettings::default()).await
}

pub async fn app_with(db: &TestDb, settings: impl Into<AppSettings>) -> impl TestApp {
    let settings: AppSettings = settings.into();
    let admin = principal(db, Role::Admin, &[], None);
    let inner = test::init_service(partnerships::build_app(
        db.pool.clone(),
        &settings,
        &auth_settings(),
    ))
    .await;
    AsAdmin {
        inner,
        header: HeaderValue::from_str(&format!("Bearer {}", admin.token)).expect("header"),
    }
}

/// The App with no default token: requests carry only what the test puts on them.
pub async fn raw_app(db: &TestDb, auth: AuthSettings) -> impl TestApp {
    raw_app_with(db, auth, AppSettings::default()).await
}

/// [`raw_app`] with these settings.
pub async fn raw_app_with(
    db: &TestDb,
    auth: AuthSettings,
    settings: impl Into<AppSettings>,
) -> impl TestApp {
    test::init_service(partnerships::build_app(
        db.pool.clone(),
        &settings.into(),
        &auth,
    ))
    .await
}

pub struct AsAdmin<S> {
    inner: S,
    header: HeaderValue,
}

impl<S, B> Service<actix_http::Request> for AsAdmin<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = S::Future;

    fn poll_ready(
        &self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&self, mut req: actix_http::Request) -> Self::Future {
        if !req.headers().contains_key(header::AUTHORIZATION) {
            req.headers_mut()
                .insert(header::AUTHORIZATION, self.header.clone());
        }
        self.inner.call(req)
    }
}

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .expect("response has an ETag")
            .to_owned()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("body has an id").to_owned()
    }

    /// The `field`s of a 422's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts the status and that an error is problem+json.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type"),
                Some("application/problem+json"),
                "errors are problem+json"
            );
            assert_eq!(self.body["status"], status, "problem status matches");
            assert!(self.body["title"].is_string() && self.body["detail"].is_string());
            assert!(self.body["type"].is_string());
        }
        self
    }
}

impl Reply {
    /// Asserts only the status (for answers that are not problem+json, e.g. OAuth2 errors).
    #[track_caller]
    pub fn expect_status(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

pub async fn send<A: TestApp>(app: &A, req: TestRequest) -> Reply {
    send_request(app, req.to_request()).await
}

pub async fn send_request<A: TestApp>(app: &A, req: actix_http::Request) -> Reply {
    let res = test::call_service(app, req).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

pub async fn get<A: TestApp>(app: &A, uri: &str) -> Reply {
    send(app, TestRequest::get().uri(uri)).await
}

pub async fn post<A: TestApp>(app: &A, uri: &str, body: Value) -> Reply {
    send(app, TestRequest::post().uri(uri).set_json(body)).await
}

pub async fn put<A: TestApp>(app: &A, uri: &str, body: Value) -> Reply {
    send(app, TestRequest::put().uri(uri).set_json(body)).await
}

pub async fn patch<A: TestApp>(app: &A, uri: &str, body: Value) -> Reply {
    send(
        app,
        TestRequest::patch()
            .uri(uri)
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(body.to_string()),
    )
    .await
}

pub async fn delete<A: TestApp>(app: &A, uri: &str) -> Reply {
    send(app, TestRequest::delete().uri(uri)).await
}

/// Every item of a list, following `next_cursor` from `first_uri` (which has its own query).
pub async fn all_pages<A: TestApp>(app: &A, first_uri: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut uri = first_uri.to_owned();
    loop {
        let page = get(app, &uri).await.expect(200);
        items.extend(page.body["data"].as_array().cloned().unwrap_or_default());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = page
                    .header("link")
                    .expect("a next page has a Link header")
                    .to_owned();
                assert!(link.ends_with("rel=\"next\""), "Link: {link}");
                let sep = if first_uri.contains('?') { '&' } else { '?' };
                uri = format!("{first_uri}{sep}cursor={cursor}");
            }
            None => {
                assert!(
                    page.header("link").is_none(),
                    "no Link header on the last page"
                );
                return items;
            }
        }
    }
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The student groups the catalogue comes seeded with.
pub const SEEDED_GROUPS: [&str; 23] = [
    "all",
    "grade_pk",
    "grade_kg",
    "grade_01",
    "grade_02",
    "grade_03",
    "grade_04",
    "grade_05",
    "grade_06",
    "grade_07",
    "grade_08",
    "grade_09",
    "grade_10",
    "grade_11",
    "grade_12",
    "ell",
    "non_ell",
    "swd",
    "non_swd",
    "econ_disadv",
    "non_econ_disadv",
    "program_participants",
    "comparison",
];
