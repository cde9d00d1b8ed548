//! Fault tests, on loopback and bounded in time: the server killed mid-batch, and PostgreSQL
//! stopped under load. They never touch the machine's shared PostgreSQL: the second one starts a
//! throwaway cluster with `initdb` on another port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use serde_json::json;

use crate::both;
use crate::support::*;
use partnerships::auth::Role;
use partnerships::db::{self, Backend, PoolSettings};

both!(kill_nine_mid_batch_keeps_it_all_or_nothing);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn database_url(backend: &Backend) -> String {
    match backend {
        Backend::Sqlite(path) => format!("sqlite://{}", path.display()),
        Backend::Postgres(url) => url.clone(),
    }
}

/// The release or debug binary of this build, serving `backend` on `port`.
fn start_server(backend: &Backend, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_partnerships"))
        .env("DATABASE_URL", database_url(backend))
        .env("JWT_SECRET", std::str::from_utf8(TEST_SECRET).unwrap())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("WORKERS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if raw_http(
            port,
            "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            b"",
        )
        .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up within 30 s");
}

/// One request over a plain socket; the answer, or `None` when the connection failed.
fn raw_http(port: u16, head: &str, body: &[u8]) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

fn records(pool: &db::DbPool) -> i64 {
    count_rows(pool, "kpi_records")
}

/// `kill -9` while a 40,000-row batch is being written: after a restart the batch is all there
/// or not at all, and the server takes it again.
async fn kill_nine_mid_batch_keeps_it_all_or_nothing(db: TestDb) {
    const ROWS: usize = 40_000;
    let app = app(&db).await;
    let school = post(&app, "/api/v1/schools", json!({"name": "Fault High"}))
        .await
        .expect(201)
        .id();
    let admin = principal(&db, Role::Admin, &[], None);
    let mut csv =
        String::from("kpi_code,school_id,student_group,period_start,period_end,value,n\n");
    // Distinct natural keys: every seeded group, on one day after another.
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for i in 0..ROWS {
        let group = SEEDED_GROUPS[i % SEEDED_GROUPS.len()];
        let day = start + chrono::Days::new((i / SEEDED_GROUPS.len()) as u64);
        csv.push_str(&format!(
            "attendance_rate,{school},{group},{day},{day},90.5,400\n"
        ));
    }
    let head = format!(
        "POST /api/v1/kpi-records/batch HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        admin.token,
        csv.len()
    );

    for delay_ms in [300u64, 900] {
        let port = free_port();
        let mut server = start_server(&db.backend, port);
        let sender = {
            let (head, body) = (head.clone(), csv.clone().into_bytes());
            std::thread::spawn(move || raw_http(port, &head, &body))
        };
        std::thread::sleep(Duration::from_millis(delay_ms));
        server.kill().expect("kill -9");
        let _ = server.wait();
        let _ = sender.join();
        let stored = records(&db.pool);
        assert!(
            stored == 0 || stored == ROWS as i64,
            "after kill -9 at {delay_ms} ms: {stored} of {ROWS} rows"
        );
    }

    // Restarted, the server takes the batch whole.
    let port = free_port();
    let mut server = start_server(&db.backend, port);
    let answer = raw_http(port, &head, csv.as_bytes()).expect("an answer");
    server.kill().ok();
    let _ = server.wait();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert_eq!(records(&db.pool), ROWS as i64);
}

/// A PostgreSQL cluster of its own, on its own port, in a temporary directory; stopped and
/// removed on drop.
struct Cluster {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl Cluster {
    fn bin() -> Option<PathBuf> {
        let root = Path::new("/usr/lib/postgresql");
        let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    }

    fn run(&self, program: &str, args: &[&str]) -> bool {
        // initdb and postgres refuse to run as root.
        let mut command = if nix_is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(program));
            c
        } else {
            Command::new(self.bin.join(program))
        };
        command
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start_new() -> Cluster {
        let bin = Cluster::bin().expect("PostgreSQL server binaries (initdb) are installed");
        let dir = std::env::temp_dir().join(format!("partnerships-pg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        if nix_is_root() {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
        }
        let cluster = Cluster {
            dir,
            port: free_port(),
            bin,
        };
        let data = cluster.dir.join("data");
        assert!(
            cluster.run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres"
                ]
            ),
            "initdb"
        );
        cluster.start();
        cluster
    }

    fn start(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        assert!(
            self.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "30",
                    "start"
                ]
            ),
            "pg_ctl start"
        );
    }

    fn stop(&self) {
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// PostgreSQL stops while requests keep coming: they get 503 with Retry-After, and once it is
/// back the same process answers 200 again, with no restart.
#[actix_web::test]
async fn postgres_stopped_under_load_then_back() {
    if Cluster::bin().is_none() && std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1") {
        eprintln!("*** fault test skipped: no PostgreSQL server binaries ***");
        return;
    }
    let cluster = Cluster::start_new();
    let backend = Backend::Postgres(cluster.url());
    let pool = db::establish(
        &backend,
        &PoolSettings {
            max_size: 4,
            connect_timeout: Duration::from_millis(500),
            statement_timeout: Duration::from_secs(5),
        },
    )
    .expect("the throwaway cluster answers");
    db::run_migrations(&mut pool.get().unwrap()).unwrap();
    let test_db = TestDb::wrap(pool.clone(), backend);
    let app = app(&test_db).await;
    let read = || async { send(&app, TestRequest::get().uri("/api/v1/partners")).await };
    for _ in 0..20 {
        read().await.expect(200);
    }

    cluster.stop();
    let mut unavailable = 0;
    for _ in 0..20 {
        let reply = read().await;
        assert_eq!(reply.status.as_u16(), 503, "{}", reply.text);
        assert!(reply.header("retry-after").is_some());
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        unavailable += 1;
    }
    assert_eq!(unavailable, 20);
    let ready = send(&app, TestRequest::get().uri("/readyz")).await;
    assert_eq!(ready.status.as_u16(), 503);

    cluster.start();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if read().await.status.as_u16() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery within 20 s");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    for _ in 0..20 {
        read().await.expect(200);
    }
    send(&app, TestRequest::get().uri("/readyz"))
        .await
        .expect(200);
}
