//! Cells match time: on random starts (on the 5-minute grid), lengths and buffers, two
//! bookings of one therapist conflict exactly when their times, buffers included,
//! overlap; a start off the grid is refused. On SQLite and (when a server is named)
//! PostgreSQL.

mod common;

use common::{Ctx, MIN, NINE, world};
use kneadtime_store::StoreError;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

both!(
    bookings_conflict_exactly_when_their_times_overlap,
    starts_off_the_grid_are_refused
);

async fn bookings_conflict_exactly_when_their_times_overlap(t: Ctx) {
    // Starts within four hours in steps of 5 minutes; lengths 5 to 120 minutes; buffers
    // 0 to 30 minutes, both in steps of 5.
    let strategy = (0i64..48, 1i64..=24, 0i64..=6, 0i64..48, 1i64..=24);
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let store = t.store.clone();
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(s1, l1, b, s2, l2)| {
            let (s1, l1, b, s2, l2) = (s1 * 5, l1 * 5, b * 5, s2 * 5, l2 * 5);
            let overlap = s1 < s2 + l2 + b && s2 < s1 + l1 + b;
            let second = handle.block_on(async {
                let w = world(&store, b).await;
                store.book(w.at(NINE + s1 * MIN, l1)).await.expect("the first booking fits an empty day");
                store.book(w.at(NINE + s2 * MIN, l2)).await
            });
            match (&second, overlap) {
                (Ok(_), false) | (Err(StoreError::Conflict), true) => Ok(()),
                _ => Err(TestCaseError::fail(format!(
                    "first {s1}+{l1}, second {s2}+{l2}, buffer {b}: overlap {overlap}, got {second:?}"
                ))),
            }
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn starts_off_the_grid_are_refused(t: Ctx) {
    let w = world(&t.store, 10).await;
    for off in [1, 59, 120, 299] {
        let mut a = w.at(NINE, 30);
        a.start_at += off;
        a.end_at += off;
        assert!(
            matches!(t.store.book(a).await, Err(StoreError::Invalid(m)) if m.contains("5-minute grid")),
            "{off}"
        );
    }
    // The case that used to fail: 10:00 + 30 min + 10 min buffer ends at 10:40, and 10:40
    // is free.
    t.store.book(w.at(NINE + 60 * MIN, 30)).await.unwrap();
    t.store.book(w.at(NINE + 100 * MIN, 30)).await.unwrap();
    assert_eq!(
        t.store.book(w.at(NINE + 95 * MIN, 30)).await,
        Err(StoreError::Conflict)
    );
}
