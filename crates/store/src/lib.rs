//! kneadtime's store: the clinic's data (therapists, services, clients, appointments,
//! notes, logins) on SQLite — the default, a file created and migrated on first open —
//! or PostgreSQL, through ONE code path: sqlx's `Any` driver, `$1` placeholders, and
//! only the column types both share (BIGINT, DOUBLE, TEXT).
//!
//! The store keeps data and one invariant of its own — no therapist is ever booked
//! twice for the same five minutes — and computes no massage rule: the server asks the
//! domain about those. No sqlx type leaves this crate; every failure is a [`StoreError`].
//!
//! # No double booking
//! A booking occupies every 5-minute cell from its start to its end plus the service's
//! buffer, one `appointment_cells` row per cell under PRIMARY KEY (therapist, cell).
//! The appointment and its cells are written in one transaction, so a racing overlapping
//! booking hits the key and comes back as [`StoreError::Conflict`].
//!
//! # Nothing said is lost
//! Each booking, reschedule and cancellation queues the client's message (and the
//! reminder) in the outbox in its own transaction: a change is never made without its
//! message, nor a message queued for a change that was rolled back.

mod access;
pub use access::RATE_LIMIT_WINDOW_MAX_SECS;
mod audit;
mod booking;
mod catalog;
mod clients;
mod clock;
mod closures;
mod error;
mod feeds;
mod homework;
pub mod ids;
mod intake;
mod locations;
mod model;
mod notes;
mod outbox;
mod race_week;
mod signin;
mod unix_time;
mod waitlist;
mod write;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Connection, Row};

pub use booking::cells;
pub use catalog::MAX_NOTICE_HOURS;
pub use clients::Versions;
pub use clock::{Clock, SetClock, SystemClock};
pub use error::StoreError;
pub use feeds::FeedOwner;
pub use ids::*;
pub use intake::MAX_ANSWER_CHARS as MAX_INTAKE_ANSWER_CHARS;
pub use locations::MAX_LOCATIONS;
pub use model::*;
pub use outbox::Claimed;
pub use race_week::MAX_REQUESTS as MAX_RACE_REQUESTS;
pub use unix_time::UnixTime;
pub use waitlist::MAX_WAITING_PER_CLIENT;

/// Length of one booking cell in seconds.
pub const CELL_SECS: i64 = 300;

/// The longest an appointment lasts, in seconds. Reads of a span rely on it to bound
/// starts from below, so every path that writes an appointment refuses longer ones.
pub const MAX_APPOINTMENT_SECS: i64 = 24 * 3600;

/// Which database a [`Store`] talks to; the SQL is the same, the tuning is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The clinic's data. Cheap to clone: it shares one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where writes run: on SQLite a pool of one connection kept for them, so its page
    /// cache is never thrown away for another connection's write and no write waits for
    /// a connection busy with reads; on PostgreSQL the same pool as reads.
    writer: AnyPool,
    backend: Backend,
    /// The SQLite file and its identity when opened: a file removed or replaced under
    /// the server is refused, not written into.
    file: Option<std::sync::Arc<DbFile>>,
    /// On SQLite, one writer at a time inside this process: waiting here is a wakeup
    /// when the writer finishes, where waiting in SQLite's busy handler is a sleep of
    /// growing length. (Other processes are still kept out by SQLite's own lock.)
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// On SQLite, the one write connection between writes (see [`write`]).
    write_slot: Option<write::Slot>,
    /// Where "now" comes from: the system clock unless the caller gives another.
    clock: std::sync::Arc<dyn Clock>,
    /// Rung after each commit that queued a message, so this process's mail worker
    /// sends it at once rather than at its next look.
    outbox_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Rung after a cancellation or a move, so this process's waitlist worker offers
    /// the freed time at once.
    waitlist_wake: std::sync::Arc<tokio::sync::Notify>,
}

/// A SQLite database file as it was when opened.
#[derive(Debug)]
struct DbFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

/// The file beside a SQLite database that says it was made: a start that finds the
/// marker but not the database reports it missing instead of making an empty clinic.
pub fn marker_path(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".kneadtime");
    std::path::PathBuf::from(name)
}

#[cfg(unix)]
fn identity(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    std::fs::metadata(path).map(|m| (m.len(), 0))
}

/// The path in a `sqlite://PATH?…` URL.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// How many times a write transaction that lost to lock contention is run again.
const MAX_RETRIES: u32 = 20;

/// Runs `$op` (a future giving `Result<_, sqlx::Error>`) again while it fails for lock
/// contention alone, with a short growing, jittered pause.
macro_rules! retry_write {
    ($store:expr, $op:expr) => {{
        let mut attempt = 0u32;
        loop {
            // Evaluated in a block of its own, so a connection the attempt holds is let go
            // before the backoff and the next attempt.
            match async { $op.await }.await {
                Err(e)
                    if attempt < crate::MAX_RETRIES
                        && crate::error::is_retryable(&e, $store.is_sqlite()) =>
                {
                    attempt += 1;
                    crate::backoff(attempt).await;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use retry_write;

impl Store {
    /// Opens (and on SQLite creates) the database at `url` and applies the migrations.
    ///
    /// `sqlite://PATH` (created if missing: `?mode=rwc` is added when no mode is given)
    /// or `postgres://…`.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an unknown URL scheme, [`StoreError::Backend`] when the
    /// database cannot be reached or a migration fails.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            let url = if url.contains("mode=") {
                url.to_string()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL {url:?}: use sqlite:// or postgres://"
            )));
        };

        let path = if backend == Backend::Sqlite {
            sqlite_path(&url)
        } else {
            None
        };
        let mut fresh = false;
        if let Some(p) = &path {
            let shown = p.display();
            if !p.exists() {
                if marker_path(p).exists() {
                    return Err(StoreError::Backend(format!(
                        "the database {shown} is missing, but a clinic was kept there ({} says so); \
                         restore it from a backup, or remove that marker to start an empty clinic",
                        marker_path(p).display()
                    )));
                }
                fresh = true;
            } else if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(p) {
                return Err(StoreError::Backend(format!(
                    "the database {shown} cannot be written: {e}"
                )));
            }
        }

        if backend == Backend::Sqlite {
            // WAL is a property of the file: set it once, on a lone connection, because
            // changing journal_mode needs an exclusive lock that busy_timeout cannot wait for.
            let mut conn = sqlx::AnyConnection::connect(&url).await?;
            sqlx::query("PRAGMA busy_timeout = 5000")
                .execute(&mut conn)
                .await?;
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }

        let sqlite = backend == Backend::Sqlite;
        // The file exists now; the pool never creates it again (a removed file stays
        // removed and is reported).
        let pool_url = if sqlite {
            url.replace("mode=rwc", "mode=rw")
        } else {
            url.clone()
        };
        let options = move |connections: u32| {
            AnyPoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        if sqlite {
                            // Per-connection settings: wait up to 5 s for a lock, make a
                            // confirmed booking survive power loss, enforce references.
                            sqlx::query("PRAGMA busy_timeout = 5000")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous = FULL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA foreign_keys = ON")
                                .execute(&mut *conn)
                                .await?;
                            // Pages read through a memory map and a larger cache rather
                            // than a read() per page (reads only; writes go through the WAL).
                            // The map is address space, not memory, and SQLite maps no
                            // more than the file: 2 GiB covers a group's years of bookings
                            // (a year for 50 therapists is about 420 MB), where pages past
                            // a smaller map's end were read one call at a time.
                            sqlx::query("PRAGMA mmap_size = 2147483648")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA cache_size = -16384")
                                .execute(&mut *conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
                .after_release(|conn, _meta| {
                    // A connection handed back still inside a transaction (a COMMIT that failed
                    // on a full disk leaves the driver counting one) is closed, so the next
                    // request gets a clean one and the pool recovers by itself.
                    let clean = !conn.is_in_transaction();
                    Box::pin(async move { Ok(clean) })
                })
        };
        let pool = options(if sqlite { 8 } else { 10 })
            .connect(&pool_url)
            .await?;

        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        let file = match &path {
            Some(p) => {
                let identity = identity(p).map_err(|e| {
                    StoreError::Backend(format!("the database {}: {e}", p.display()))
                })?;
                Some(std::sync::Arc::new(DbFile {
                    path: p.clone(),
                    identity,
                }))
            }
            None => None,
        };
        let writer = if sqlite {
            options(1).connect(&pool_url).await?
        } else {
            pool.clone()
        };
        let store = Store {
            pool,
            writer,
            backend,
            file,
            gate: Default::default(),
            write_slot: sqlite.then(Default::default),
            clock: std::sync::Arc::new(SystemClock),
            outbox_wake: Default::default(),
            waitlist_wake: Default::default(),
        };
        store.probe_write().await.map_err(|e| match (&path, e) {
            (Some(p), StoreError::Backend(why)) => StoreError::Backend(format!(
                "the database {} cannot be written: {why}",
                p.display()
            )),
            (_, e) => e,
        })?;
        if let Some(p) = &path
            && (fresh || !marker_path(p).exists())
        {
            let note = format!(
                "kneadtime keeps a clinic in {}. Do not remove it while the database may be restored.\n",
                p.display()
            );
            std::fs::write(marker_path(p), note).map_err(|e| {
                StoreError::Backend(format!("cannot write {}: {e}", marker_path(p).display()))
            })?;
        }
        store.refold_email_keys().await?;
        store.refresh_statistics().await?;
        Ok(store)
    }

    /// The pool, once the database file is known to be the one opened.
    pub(crate) fn db(&self) -> Result<&AnyPool, StoreError> {
        if let Some(f) = &self.file {
            match identity(&f.path) {
                Ok(id) if id == f.identity => {}
                _ => {
                    return Err(StoreError::Backend(format!(
                        "the database file {} was removed or replaced while the server was running",
                        f.path.display()
                    )));
                }
            }
        }
        Ok(&self.pool)
    }

    /// The connection single-statement writes run on, once the database file is known
    /// to be the one opened: SQLite's one write connection, or one from the pool.
    pub(crate) async fn wconn(&self) -> Result<write::WriteConn, StoreError> {
        self.db()?;
        Ok(self.write_conn().await?)
    }

    async fn write_conn(&self) -> Result<write::WriteConn, sqlx::Error> {
        match &self.write_slot {
            Some(slot) => write::WriteConn::kept(slot, &self.writer).await,
            None => Ok(write::WriteConn::Pooled(self.writer.acquire().await?)),
        }
    }

    /// Notified whenever this store queues a message in the outbox.
    pub fn outbox_wake(&self) -> &tokio::sync::Notify {
        &self.outbox_wake
    }

    /// Notified whenever this store may have freed a time someone waits for.
    pub fn waitlist_wake(&self) -> &tokio::sync::Notify {
        &self.waitlist_wake
    }

    /// [`Store::wconn`] for code that runs inside a retried write.
    pub(crate) async fn wconn_sqlx(&self) -> Result<write::WriteConn, sqlx::Error> {
        if let Err(e) = self.db() {
            return Err(sqlx::Error::Protocol(e.to_string()));
        }
        self.write_conn().await
    }

    /// The same store, telling the time by `clock` from now on.
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn Clock>) -> Store {
        self.clock = clock;
        self
    }

    /// The clock this store tells the time by.
    pub fn clock(&self) -> &std::sync::Arc<dyn Clock> {
        &self.clock
    }

    /// Now, in Unix seconds, by this store's clock.
    pub(crate) fn now(&self) -> UnixTime {
        UnixTime::from_second(self.clock.unix())
    }

    /// Writes one row, to learn whether the database takes writes now.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, count) VALUES ('health:write', $1, 1) \
             ON CONFLICT (bucket) DO UPDATE SET window_start = excluded.window_start, count = rate_limits.count + 1",
        )
        .bind(self.now())
        .execute(&mut *self.wconn().await?)
        .await?;
        Ok(())
    }

    /// Brings the query planner's statistics up to date for the tables that grew a lot
    /// or were never measured, so the indexes it picks follow the clinic as it grows.
    /// On SQLite this is `PRAGMA optimize` (nothing else gathers statistics there), each
    /// table's look bounded by `analysis_limit`; PostgreSQL's autovacuum does it itself.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        if !self.is_sqlite() {
            return Ok(());
        }
        let _gate = self.gate().await;
        let mut conn = self.wconn().await?;
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool; later calls fail with [`StoreError::Backend`].
    pub async fn close(&self) {
        self.pool.close().await;
        // The kept write connection goes back to its pool first: closing waits for it.
        if let Some(slot) = &self.write_slot {
            slot.lock().await.take();
        }
        self.writer.close().await;
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Waits for this process's turn to write, on SQLite; nothing on PostgreSQL, where
    /// row locks let writers run side by side.
    pub(crate) async fn gate(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if self.is_sqlite() {
            Some(self.gate.lock().await)
        } else {
            None
        }
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
    /// taken up front (waiting under busy_timeout) instead of at the first write, where a
    /// deferred transaction would fail at once with SQLITE_BUSY.
    pub(crate) async fn begin_write(&self) -> Result<write::WriteTx, sqlx::Error> {
        if let Err(StoreError::Backend(why)) = self.db() {
            return Err(sqlx::Error::Protocol(why));
        }
        match self.backend {
            Backend::Sqlite => write::WriteTx::immediate(self.write_conn().await?).await,
            Backend::Postgres => Ok(write::WriteTx::pooled(self.writer.begin().await?)),
        }
    }
}

/// The key an email is told apart by: trimmed, every letter lower-cased (not only A to
/// Z, which is all SQLite's `LOWER` does), so both databases agree on what is the same
/// email.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `Ok` when a write touched a row, `NotFound` when nothing matched.
pub(crate) fn found(done: sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// A fresh random 128-bit id as 32 lowercase hex digits.
pub(crate) fn new_id<T: From<String>>() -> T {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source failed");
    T::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
}

pub(crate) async fn backoff(attempt: u32) {
    let jitter = getrandom::u64().unwrap_or(0) % 10;
    tokio::time::sleep(Duration::from_millis(
        u64::from(attempt.min(10)) * 5 + jitter,
    ))
    .await;
}

/// How many ids one `IN (…)` list binds: well under either database's limit on bound
/// values.
const IN_CHUNK: usize = 200;

impl Store {
    /// Runs `SELECT {columns} FROM {table} WHERE {key} IN (…)` for `ids`, one read per
    /// [`IN_CHUNK`] of them, and maps each row with `map`. Ids not on file give no row.
    pub(crate) async fn rows_with_ids<T, I>(
        &self,
        columns: &str,
        table: &str,
        key: &str,
        ids: &[I],
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError>
    where
        I: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Clone + Send + Sync,
    {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IN_CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {columns} FROM {table} WHERE {key} IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            for row in q.fetch_all(self.db()?).await? {
                out.push(map(&row)?);
            }
        }
        Ok(out)
    }
}

/// Reads column `name` of `row`, as a [`StoreError`] when it is missing or mistyped.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get::<T, _>(name)
        .map_err(|e| StoreError::Backend(format!("column {name}: {e}")))
}

/// A weekday from its stored number, 0 (Monday) to 6 (Sunday).
pub(crate) fn weekday_of(n: i64, what: &str) -> Result<jiff::civil::Weekday, StoreError> {
    i8::try_from(n)
        .ok()
        .and_then(|n| jiff::civil::Weekday::from_monday_zero_offset(n).ok())
        .ok_or_else(|| StoreError::Backend(format!("stored {what}: {n} is not a weekday")))
}

/// The stored number of a weekday, 0 (Monday) to 6 (Sunday).
pub(crate) fn weekday_number(d: jiff::civil::Weekday) -> i64 {
    i64::from(d.to_monday_zero_offset())
}

/// Weekdays as stored: a JSON list of their numbers.
pub(crate) fn weekdays_text(days: &[jiff::civil::Weekday]) -> String {
    json_text(&days.iter().map(|d| weekday_number(*d)).collect::<Vec<_>>())
}

/// Reads a 'YYYY-MM-DD' text column as a civil date.
pub(crate) fn col_date(row: &AnyRow, name: &str) -> Result<jiff::civil::Date, StoreError> {
    let s: String = col(row, name)?;
    s.parse()
        .map_err(|e| StoreError::Backend(format!("column {name}: {s:?} is not a date: {e}")))
}

/// Reads a 0/1 integer column as a bool (booleans are integers in both schemas).
pub(crate) fn col_bool(row: &AnyRow, name: &str) -> Result<bool, StoreError> {
    Ok(col::<i64>(row, name)? != 0)
}

pub(crate) fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    s: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Backend(format!("stored {what} is not valid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every read connection held by long reads: a write still gets its own connection
    /// at once instead of queueing behind them.
    #[tokio::test]
    async fn a_write_never_waits_for_a_connection_busy_with_reads() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("clinic.db").display());
        let store = Store::open(&url).await.unwrap();
        let mut held = Vec::new();
        for _ in 0..8 {
            let mut c = store.pool.acquire().await.unwrap();
            sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
            sqlx::query("SELECT count(*) FROM clients")
                .fetch_one(&mut *c)
                .await
                .unwrap();
            held.push(c);
        }
        // The pool's own wait is 30 s; a write that queued for a read connection would
        // run into this bound instead.
        let bound = Duration::from_secs(10);
        tokio::time::timeout(bound, store.probe_write())
            .await
            .expect("a single-statement write went ahead")
            .unwrap();
        let tx = tokio::time::timeout(bound, store.begin_write())
            .await
            .expect("a write transaction began")
            .unwrap();
        tx.commit().await.unwrap();
        drop(held);
    }

    /// The hot reads stay on their indexes: slot search's and the diaries' range reads are
    /// bounded on both sides (slot search's touching no table row at all), the mail
    /// counts read no message they do not count, the audit log for one client reads by
    /// client, and whom a therapist treats comes from one covering index.
    #[tokio::test]
    async fn range_reads_use_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("clinic.db").display());
        let store = Store::open(&url).await.unwrap();
        let plan = |sql: &'static str| {
            let pool = store.pool.clone();
            // As many values as the statement has placeholders.
            let params = (1..=9).filter(|i| sql.contains(&format!("${i}"))).count();
            async move {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
                for i in 0..params {
                    q = q.bind(i as i64);
                }
                let rows = q.fetch_all(&pool).await.unwrap();
                rows.iter()
                    .map(|r| r.get::<String, _>("detail"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        };
        for sql in [
            booking::APPOINTMENTS_BETWEEN,
            booking::APPOINTMENTS_FOR_THERAPIST,
        ] {
            let p = plan(sql).await;
            assert!(p.contains("start_at>? AND start_at<?"), "{sql}\n{p}");
        }
        let busy = plan(booking::BUSY_INTERVALS_BETWEEN).await;
        assert!(
            busy.contains("SEARCH a USING COVERING INDEX")
                && busy.contains("start_at>? AND start_at<?")
                && busy.contains("SEARCH c USING COVERING INDEX"),
            "{busy}"
        );
        let counts = plan(outbox::OUTBOX_COUNTS).await;
        assert!(
            !counts.contains("SCAN") && counts.contains("state=? AND sent_at>?"),
            "{counts}"
        );
        let audit = plan(audit::AUDIT_OF_CLIENT).await;
        assert!(
            audit.contains("audit_log_by_client (client_id=?)"),
            "{audit}"
        );
        for sql in [feeds::TREATS, feeds::CLIENTS_OF_THERAPIST] {
            let p = plan(sql).await;
            assert!(
                p.contains("COVERING INDEX appointments_by_therapist_client"),
                "{sql}\n{p}"
            );
        }
    }

    /// A write transaction dropped before its commit leaves nothing behind, and the
    /// write connection serves the next write at once.
    #[tokio::test]
    async fn a_write_dropped_before_its_commit_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("clinic.db").display());
        let store = Store::open(&url).await.unwrap();
        let insert = |bucket: &'static str| {
            sqlx::query("INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, 0, 1)")
                .bind(bucket)
        };
        {
            let mut tx = store.begin_write().await.unwrap();
            insert("dropped").execute(&mut *tx).await.unwrap();
        }
        insert("single")
            .execute(&mut *store.wconn().await.unwrap())
            .await
            .unwrap();
        let mut tx = store.begin_write().await.unwrap();
        insert("committed").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        let buckets: Vec<String> = sqlx::query(
            "SELECT bucket FROM rate_limits WHERE bucket NOT LIKE 'health:%' ORDER BY bucket",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("bucket"))
        .collect();
        assert_eq!(buckets, ["committed", "single"]);
        store.close().await;
        assert!(matches!(store.wconn().await, Err(StoreError::Backend(_))));
    }

    /// SQLite gathers no statistics by itself: a table that grew is measured when the
    /// store refreshes them, and a database opened again keeps them.
    #[tokio::test]
    async fn statistics_follow_a_table_that_grew() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("clinic.db").display());
        let store = Store::open(&url).await.unwrap();
        let measured = |store: Store| async move {
            sqlx::query("SELECT stat FROM sqlite_stat1 WHERE tbl = 'rate_limits'")
                .fetch_optional(&store.pool)
                .await
                .ok()
                .flatten()
                .map(|r| r.get::<String, _>("stat"))
        };
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
             INSERT INTO rate_limits (bucket, window_start, count) SELECT 'grown:' || i, 0, 1 FROM n",
        )
        .execute(&mut *store.wconn().await.unwrap())
        .await
        .unwrap();
        let before = measured(store.clone()).await;
        store.refresh_statistics().await.unwrap();
        let after = measured(store.clone()).await.expect("rate_limits measured");
        assert_ne!(before.as_deref(), Some(after.as_str()));
        let rows: i64 = after.split(' ').next().unwrap().parse().unwrap();
        assert!(rows >= 5000, "{after}");
    }
}
