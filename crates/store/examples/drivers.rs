//! sqlx's `Any` driver against its typed pools, on the store's own kind of work: reads of
//! one row by key, and single-row durable commits (SQLite in WAL with synchronous=FULL,
//! as the store runs it). The store uses `Any` (one code path for SQLite and
//! PostgreSQL); this measures what that costs, both in one run, alternating.
//!
//! cargo run --release -p kneadtime-store --example drivers -- [ROWS] [POSTGRES-URL]

use std::time::Instant;

use sqlx::{Connection, Executor};

const SCHEMA: &str = "CREATE TABLE t (id TEXT PRIMARY KEY, v BIGINT NOT NULL, note TEXT NOT NULL)";
const INSERT: &str = "INSERT INTO t (id, v, note) VALUES ($1, $2, $3)";
const SELECT: &str = "SELECT v FROM t WHERE id = $1";

fn id(i: usize) -> String {
    format!("{i:032x}")
}

/// Reads a second and durable commits a second through `Any`, on one connection.
async fn through_any(url: &str, rows: usize) -> (f64, f64) {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.expect("connect");
    if url.starts_with("sqlite") {
        c.execute("PRAGMA journal_mode = WAL").await.unwrap();
        c.execute("PRAGMA synchronous = FULL").await.unwrap();
    }
    c.execute(SCHEMA).await.expect("schema");
    let t = Instant::now();
    for i in 0..rows {
        let mut tx = c.begin().await.unwrap();
        sqlx::query(INSERT)
            .bind(id(i))
            .bind(i as i64)
            .bind("note")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let writes = rows as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for i in 0..rows * 5 {
        let row = sqlx::query(SELECT)
            .bind(id(i % rows))
            .fetch_one(&mut c)
            .await
            .unwrap();
        let v: i64 = sqlx::Row::get(&row, "v");
        assert_eq!(v, (i % rows) as i64);
    }
    ((rows * 5) as f64 / t.elapsed().as_secs_f64(), writes)
}

macro_rules! through_typed {
    ($name:ident, $conn:ty) => {
        /// The same work through the typed driver.
        async fn $name(url: &str, rows: usize) -> (f64, f64) {
            let mut c = <$conn>::connect(url).await.expect("connect");
            if url.starts_with("sqlite") {
                c.execute("PRAGMA journal_mode = WAL").await.unwrap();
                c.execute("PRAGMA synchronous = FULL").await.unwrap();
            }
            c.execute(SCHEMA).await.expect("schema");
            let t = Instant::now();
            for i in 0..rows {
                let mut tx = c.begin().await.unwrap();
                sqlx::query(INSERT)
                    .bind(id(i))
                    .bind(i as i64)
                    .bind("note")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
            let writes = rows as f64 / t.elapsed().as_secs_f64();
            let t = Instant::now();
            for i in 0..rows * 5 {
                let (v,): (i64,) = sqlx::query_as(SELECT)
                    .bind(id(i % rows))
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
                assert_eq!(v, (i % rows) as i64);
            }
            ((rows * 5) as f64 / t.elapsed().as_secs_f64(), writes)
        }
    };
}

through_typed!(through_sqlite, sqlx::SqliteConnection);
through_typed!(through_postgres, sqlx::PgConnection);

/// A fresh schema on the PostgreSQL server, as the tests make one.
async fn pg_schema(base: &str, name: &str) -> String {
    let mut c = sqlx::PgConnection::connect(base).await.expect("connect");
    c.execute(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
    )))
    .await
    .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{name}")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let dir = tempfile::tempdir().unwrap();
    let file = |n: String| format!("sqlite://{}?mode=rwc", dir.path().join(n).display());
    println!("| driver | reads of one row by key | durable single-row commits |\n|---|---|---|");
    // Two rounds, alternating, so drift in the machine's speed falls on both.
    for round in 1..=2 {
        let (r, w) = through_any(&file(format!("any-{round}.db")), rows).await;
        println!("| SQLite through `Any`, round {round} | {r:.0}/s | {w:.0}/s |");
        let (r, w) = through_sqlite(&file(format!("typed-{round}.db")), rows).await;
        println!("| SQLite through `SqliteConnection`, round {round} | {r:.0}/s | {w:.0}/s |");
    }
    if let Some(base) = args.get(2) {
        for round in 1..=2 {
            let (r, w) =
                through_any(&pg_schema(base, &format!("kt_any_{round}")).await, rows).await;
            println!("| PostgreSQL through `Any`, round {round} | {r:.0}/s | {w:.0}/s |");
            let (r, w) =
                through_postgres(&pg_schema(base, &format!("kt_pg_{round}")).await, rows).await;
            println!("| PostgreSQL through `PgConnection`, round {round} | {r:.0}/s | {w:.0}/s |");
        }
    }
}
