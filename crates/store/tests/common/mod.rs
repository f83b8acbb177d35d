//! Test harness shared by the store's test files: a fresh database per test (a temporary
//! SQLite file, or a fresh schema on the PostgreSQL server named by
//! KNEADTIME_TEST_POSTGRES_URL), fixtures, and `both!`, which runs each test on both.
#![allow(dead_code)]

use kneadtime_store::UnixTime;
use std::future::Future;

use kneadtime_domain::{Kind, Pressure};
use kneadtime_store::{
    Client, NewAppointment, NewClient, NewService, NewTherapist, Service, ServiceKind, Skill,
    Store, Therapist,
};
use sqlx::Connection;

pub const SKIP: &str =
    "skipped: KNEADTIME_TEST_POSTGRES_URL not set (PostgreSQL tests need a server)";

/// What a test gets: the store, and the URL it was opened with (for raw checks).
pub struct Ctx {
    pub store: Store,
    pub url: String,
}

pub async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("kneadtime.db").display());
    let store = Store::open(&url).await.expect("open sqlite");
    test(Ctx {
        store: store.clone(),
        url,
    })
    .await;
    store.close().await;
}

pub async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let Ok(base) = std::env::var("KNEADTIME_TEST_POSTGRES_URL") else {
        println!("{SKIP}");
        return;
    };
    // A schema of its own per test, chosen through search_path.
    sqlx::any::install_default_drivers();
    let schema = format!("kt_test_{}", random_hex());
    let mut conn = sqlx::AnyConnection::connect(&base)
        .await
        .expect("connect postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::open(&url).await.expect("open postgres");
    test(Ctx {
        store: store.clone(),
        url,
    })
    .await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut conn)
        .await
        .expect("drop");
}

fn random_hex() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Generates `sqlite::NAME` and `postgres::NAME` tests for each `async fn NAME(Ctx)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run_sqlite(super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run_postgres(super::$name).await;
                }
            )+
        }
    };
}

/// 2026-06-01 09:00:00 UTC, a Monday.
pub const NINE: i64 = 1_780_304_400;
pub const MIN: i64 = 60;

/// A therapist, a client, and a 60-minute service with the given buffer.
pub struct World {
    pub therapist: Therapist,
    pub client: Client,
    pub service: Service,
}

pub async fn world(store: &Store, buffer_after_min: i64) -> World {
    let therapist = store
        .create_therapist(&NewTherapist {
            name: "Ana".into(),
            skills: vec![Skill::Sports, Skill::DeepTissue],
            location_id: None,
        })
        .await
        .unwrap();
    let client = store
        .create_client(&NewClient {
            name: "Ben Runner".into(),
            // Emails are unique; a test may make several worlds in one database.
            email: format!("ben.{}@example.org", random_hex()),
            phone: "+44 1234".into(),
            unavailable_weekdays: vec![jiff::civil::Weekday::Sunday],
            access_token_hash: format!("hash-{}", random_hex()),
            password_hash: None,
        })
        .await
        .unwrap();
    let service = store
        .create_service(&NewService {
            name: "Sports massage 60".into(),
            kind: ServiceKind::Massage(Kind::Maintenance),
            length_min: 60,
            price_cents: 6500,
            pressure_min: Pressure::Moderate,
            pressure_max: Pressure::Deep,
            buffer_after_min,
            location_id: None,
        })
        .await
        .unwrap();
    World {
        therapist,
        client,
        service,
    }
}

impl World {
    /// A booking of `minutes` starting at `start`.
    pub fn at(&self, start: i64, minutes: i64) -> NewAppointment {
        NewAppointment {
            therapist_id: self.therapist.id.clone(),
            client_id: self.client.id.clone(),
            service_id: self.service.id.clone(),
            start_at: UnixTime::from_second(start),
            end_at: UnixTime::from_second(start + minutes * MIN),
            override_reason: None,
            created_by: "test".into(),
            idempotency_key: None,
            request_hash: None,
            offer_id: None,
        }
    }
}

/// Runs a COUNT query directly on the database, bypassing the store.
pub async fn count(url: &str, sql: &str, bind: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind.to_string())
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let n: i64 = sqlx::Row::try_get(&row, 0).unwrap();
    conn.close().await.unwrap();
    n
}

/// Runs `sql` (several statements) on the database at `url` outside the store, to set up
/// what an older schema held or to run a migration again.
pub async fn raw(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&pool)
        .await
        .expect("statements run");
    pool.close().await;
}
