use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};

/// The one connection type every store function takes.
///
/// The derive gives a backend-neutral query builder; backend-specific paths (immediate
/// transactions, later bulk upserts) match on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool, and on SQLite the gate writers queue at before they take a connection.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager>,
    /// SQLite has one writer at a time. A writer waiting for the write lock on a pooled
    /// connection would hold that connection for as long as it waits, and ten of them would
    /// leave readers none (503); writers wait here instead, holding nothing. `None` on
    /// PostgreSQL, where writers do not block each other as a whole.
    writers: Option<Arc<Semaphore>>,
    /// One permit per pooled connection. A request waits for its turn here, asynchronously and
    /// first come first served, before it takes a blocking thread: otherwise each of, say, 64
    /// concurrent requests parks its own thread on the pool's condition variable, and those
    /// wake-ups, neither ordered nor cheap on two cores, make the latency tail (p99 of reads
    /// under wrk -c64 about a quarter lower with the gate, benches/README).
    connections: Arc<Semaphore>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("state", &self.pool.state())
            .field("writer_gate", &self.writers.is_some())
            .finish()
    }
}

/// How long a writer waits its turn at the gate before the request answers 503: as long as
/// SQLite's own busy_timeout.
const WRITER_WAIT: Duration = Duration::from_secs(30);

impl DbPool {
    fn new(pool: Pool<ConnectionManager>, backend: &Backend) -> DbPool {
        let writers = match backend {
            Backend::Sqlite(_) => Some(Arc::new(Semaphore::new(1))),
            Backend::Postgres(_) => None,
        };
        let connections = Arc::new(Semaphore::new(pool.max_size() as usize));
        DbPool {
            pool,
            writers,
            connections,
        }
    }

    /// A turn to use one of the pool's connections, held until the returned permit is dropped;
    /// 503 when none comes within the pool's connection timeout.
    pub async fn connection_turn(&self) -> Result<OwnedSemaphorePermit, crate::error::ApiError> {
        let wait = self.pool.connection_timeout();
        permit_within(&self.connections, wait)
            .await?
            .ok_or_else(|| {
                crate::error::ApiError::Unavailable(format!(
                    "no database connection free within {} ms",
                    wait.as_millis()
                ))
            })
    }

    /// This writer's turn, held until the returned permit is dropped (nothing to wait for on
    /// PostgreSQL); 503 when the turn does not come within [`WRITER_WAIT`].
    pub async fn writer_turn(
        &self,
    ) -> Result<Option<OwnedSemaphorePermit>, crate::error::ApiError> {
        let Some(gate) = &self.writers else {
            return Ok(None);
        };
        let permit = permit_within(gate, WRITER_WAIT).await?.ok_or_else(|| {
            crate::error::ApiError::Busy(format!(
                "no turn to write within {} s",
                WRITER_WAIT.as_secs()
            ))
        })?;
        Ok(Some(permit))
    }
}

/// A permit of `gate`, first come first served; `None` when none comes within `wait`.
async fn permit_within(
    gate: &Arc<Semaphore>,
    wait: Duration,
) -> Result<Option<OwnedSemaphorePermit>, crate::error::ApiError> {
    match actix_web::rt::time::timeout(wait, gate.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(Some(permit)),
        Ok(Err(closed)) => Err(crate::error::ApiError::Internal(format!(
            "a pool gate is closed: {closed}"
        ))),
        Err(_) => Ok(None),
    }
}

/// Which database a `DATABASE_URL` names. Chosen from the scheme by us, never by trial: the
/// derived `establish` would take any string as a SQLite path and hide why PostgreSQL failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub connect_timeout: Duration,
    /// PostgreSQL cancels a statement that runs longer (503 to the caller); zero for none.
    pub statement_timeout: Duration,
}

#[derive(Debug)]
pub struct ConnectionManager {
    backend: Backend,
    statement_timeout: Duration,
}

/// A pooled connection, and when it last came back to the pool.
pub struct Pooled {
    conn: DbConnection,
    returned: Instant,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A connection that came back this recently is handed out again without a `SELECT 1`: under
/// load that round trip was a third of the database work of a read. One that has idled longer
/// (the database may have restarted meanwhile) is still checked.
const TRUSTED_FOR: Duration = Duration::from_secs(2);

thread_local! {
    /// Set when a statement on this thread found its connection closed; the connection
    /// returned next on this thread, the one the statement ran on, is dropped. A pooled
    /// connection is used and returned on one blocking thread, and diesel reports the loss
    /// only as an error value, not on the connection.
    static LOST: Cell<bool> = const { Cell::new(false) };
}

/// Marks the connection in use on this thread as closed by the database (see [`LOST`]).
pub fn connection_lost() {
    LOST.with(|lost| lost.set(true));
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        let conn = connect(&self.backend, self.statement_timeout)
            .map_err(diesel::r2d2::Error::ConnectionError)?;
        Ok(Pooled {
            conn,
            returned: Instant::now(),
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), Self::Error> {
        if pooled.returned.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection that comes back inside a transaction (a panic mid-write, or a failed
    /// rollback) would run the next request in that transaction, and one the database closed
    /// would fail it: both are dropped, never reused.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned = Instant::now();
        let lost = LOST.with(|lost| lost.replace(false));
        lost || std::thread::panicking() || in_transaction(&mut pooled.conn)
    }
}

/// Whether the connection is inside a transaction, or its transaction manager is broken
/// (diesel's own check counts an open transaction as broken).
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Postgres(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
        DbConnection::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
    }
}

fn connect(
    backend: &Backend,
    statement_timeout: Duration,
) -> diesel::ConnectionResult<DbConnection> {
    match backend {
        Backend::Postgres(url) => {
            let url = super::loopback::connection_url(url, std::env::var_os("PGSSLMODE").is_some());
            let mut conn = PgConnection::establish(&url)?;
            // A statement that runs longer is cancelled and the request answers 503, so one
            // runaway query cannot hold a connection (and its locks) indefinitely.
            if !statement_timeout.is_zero() {
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}",
                    statement_timeout.as_millis()
                ))
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            }
            Ok(DbConnection::Postgres(conn))
        }
        Backend::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            // Per connection: busy_timeout first, so the pragmas after it wait for a lock
            // instead of failing when the pool opens connections side by side (it makes writers
            // queue too: 30 s, as a large KPI batch, or a checkpoint after one, can hold the
            // write lock for seconds); WAL lets readers run beside the one writer; foreign keys
            // are off unless asked. The write-ahead log is copied back into the database every
            // 10,000 pages (40 MB) instead of SQLite's 1,000: a KPI batch dirties thousands of
            // index pages, and consecutive batches mostly the same ones, so a longer log writes
            // each page back once for several batches (re-pushes measured 15-25 % faster in
            // benches/README; the log file stays at that size).
            conn.batch_execute(
                "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA wal_autocheckpoint = 10000;",
            )
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// Builds the pool; the first connection is opened here so a wrong URL or a database that is
/// down stops the start with the database's own message.
pub fn establish(backend: &Backend, settings: &PoolSettings) -> Result<DbPool, String> {
    if let Backend::Sqlite(path) = backend {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
        }
        make_private(path)?;
    }
    connect(backend, settings.statement_timeout)
        .map_err(|e| format!("cannot connect to {}: {e}", backend.name()))?;
    let pool = Pool::builder()
        .max_size(settings.max_size)
        .connection_timeout(settings.connect_timeout)
        .build(ConnectionManager {
            backend: backend.clone(),
            statement_timeout: settings.statement_timeout,
        })
        .map_err(|e| format!("cannot open the {} pool: {e}", backend.name()))?;
    Ok(DbPool::new(pool, backend))
}

/// The SQLite file holds figures derived from student records and the vetting of the adults
/// who meet them: readable by its owner only. Created so if missing; an existing file (or its
/// -wal and -shm files, which SQLite creates with the main file's mode) that others could read
/// is tightened.
fn make_private(path: &std::path::Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let explain = |e: std::io::Error| format!("cannot secure {}: {e}", path.display());
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(explain)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = std::path::Path::new(&file);
            let Ok(metadata) = std::fs::metadata(file) else {
                continue;
            };
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                log::warn!(
                    "{} was readable by others (mode {:o}); making it owner-only",
                    file.display(),
                    mode & 0o777
                );
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))
                    .map_err(explain)?;
            }
        }
    }
    Ok(())
}

/// A pool that opens connections only when asked: for probes and tests of an unreachable
/// database. `establish` is what the server uses.
pub fn establish_lazy(backend: &Backend, settings: &PoolSettings) -> DbPool {
    let pool = Pool::builder()
        .max_size(settings.max_size)
        .min_idle(Some(0))
        .connection_timeout(settings.connect_timeout)
        .build_unchecked(ConnectionManager {
            backend: backend.clone(),
            statement_timeout: settings.statement_timeout,
        });
    DbPool::new(pool, backend)
}

/// Runs `f` in a transaction that takes the write lock up front.
///
/// SQLite's default deferred transaction fails with SQLITE_BUSY_SNAPSHOT (busy_timeout does not
/// help) when it reads, another connection commits, and it then writes; `BEGIN IMMEDIATE`
/// queues writers instead. PostgreSQL needs nothing special.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            let result = f(conn);
            let DbConnection::Sqlite(inner) = conn else {
                unreachable!("the variant of a connection does not change")
            };
            match result {
                Ok(value) => {
                    if let Err(commit_error) = AnsiTransactionManager::commit_transaction(inner) {
                        // A failed COMMIT leaves the transaction open; roll it back so the
                        // pooled connection is usable again.
                        let _ = AnsiTransactionManager::rollback_transaction(inner);
                        return Err(commit_error.into());
                    }
                    Ok(value)
                }
                Err(e) => {
                    AnsiTransactionManager::rollback_transaction(inner)?;
                    Err(e)
                }
            }
        }
    }
}

impl From<r2d2::PoolError> for crate::error::ApiError {
    fn from(e: r2d2::PoolError) -> Self {
        crate::error::ApiError::Unavailable(e.to_string())
    }
}
