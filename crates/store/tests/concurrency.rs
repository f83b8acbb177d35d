//! The race: 200 tasks book the same slot for one therapist on one store with a pool of
//! several connections. Exactly one wins, 199 get Conflict, nothing else; the database
//! then holds exactly one appointment and its cells.

use kneadtime_store::UnixTime;
mod common;

use common::{Ctx, NINE, count, world};
use kneadtime_store::{Store, StoreError};

both!(
    two_hundred_racers_for_one_slot_make_one_booking,
    racers_sharing_an_idempotency_key_get_one_appointment,
    two_stores_on_one_database_book_a_hundred_slots_once_each,
    racers_booking_one_client_with_many_therapists_are_refused_cleanly,
);

async fn two_hundred_racers_for_one_slot_make_one_booking(t: Ctx) {
    let w = world(&t.store, 10).await;
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let store = t.store.clone();
        // Every racer overlaps the others: starts spread over the first 25 minutes.
        let req = w.at(NINE + (i % 6) * 300, 60);
        tasks.push(tokio::spawn(async move { store.book(req).await }));
    }
    let (mut ok, mut conflict, mut other) = (0, 0, Vec::new());
    for task in tasks {
        match task.await.expect("no panic") {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict) => conflict += 1,
            Err(e) => other.push(e),
        }
    }
    assert_eq!((ok, conflict, other), (1, 199, vec![]));
    let tid = &w.therapist.id;
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointments WHERE therapist_id = $1",
            tid
        )
        .await,
        1
    );
    let booked = t
        .store
        .appointments_for_therapist(
            tid,
            UnixTime::from_second(0),
            UnixTime::from_second(i64::MAX),
        )
        .await
        .unwrap();
    let cells = t.store.cells_of(&booked[0].id).await.unwrap();
    assert_eq!(cells.len(), 14, "60 minutes + 10 buffer");
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointment_cells WHERE therapist_id = $1",
            tid
        )
        .await,
        14
    );
    assert_eq!(cells[0], booked[0].start_at.as_second());
}

async fn racers_sharing_an_idempotency_key_get_one_appointment(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = t.store.clone();
        let mut req = w.at(NINE, 60);
        req.idempotency_key = Some("retry-me".into());
        tasks.push(tokio::spawn(async move { store.book(req).await }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(
            task.await
                .expect("no panic")
                .expect("every retry gets the appointment")
                .id,
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointments WHERE idempotency_key = $1",
            "retry-me"
        )
        .await,
        1
    );
}

/// Two pools on one database (two server processes, say): 100 slots, each wanted by one
/// racer per store. Every commit is a real write, so this is the test that SQLITE_BUSY
/// never escapes as an error.
async fn two_stores_on_one_database_book_a_hundred_slots_once_each(t: Ctx) {
    let w = world(&t.store, 0).await;
    let second = Store::open(&t.url).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..100i64 {
        for store in [t.store.clone(), second.clone()] {
            let req = w.at(NINE + i * 3600, 60);
            tasks.push(tokio::spawn(async move { store.book(req).await }));
        }
    }
    let (mut ok, mut conflict, mut other) = (0, 0, Vec::new());
    for task in tasks {
        match task.await.expect("no panic") {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict) => conflict += 1,
            Err(e) => other.push(e),
        }
    }
    assert_eq!((ok, conflict, other), (100, 100, vec![]));
    let tid = &w.therapist.id;
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointment_cells WHERE therapist_id = $1",
            tid
        )
        .await,
        1200
    );
    second.close().await;
}

/// One client booked at once with many therapists, at times that partly overlap: each
/// racer is booked or refused (the client busy, the therapist taken), never failed by the
/// database, and the client ends up in one room at a time.
async fn racers_booking_one_client_with_many_therapists_are_refused_cleanly(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut therapists = vec![w.therapist.id.clone()];
    for i in 0..7 {
        let th = t
            .store
            .create_therapist(&kneadtime_store::NewTherapist {
                name: format!("Racer {i}"),
                skills: vec![],
                location_id: None,
            })
            .await
            .unwrap();
        therapists.push(th.id);
    }
    for round in 0..3i64 {
        let mut tasks = Vec::new();
        for i in 0..120i64 {
            let store = t.store.clone();
            let mut req = w.at(NINE + round * 86_400 + (i % 12) * 1_800, 60);
            req.therapist_id = therapists[(i % 8) as usize].clone();
            tasks.push(tokio::spawn(async move { store.book(req).await }));
        }
        let mut other = Vec::new();
        for task in tasks {
            match task.await.expect("no panic") {
                Ok(_) | Err(StoreError::ClientBusy | StoreError::Conflict) => {}
                Err(e) => other.push(e),
            }
        }
        assert_eq!(other, vec![], "round {round}");
    }
    let mut booked = t.store.appointments_for_client(&w.client.id).await.unwrap();
    booked.sort_by_key(|a| a.start_at);
    assert!(!booked.is_empty());
    for pair in booked.windows(2) {
        assert!(pair[0].end_at <= pair[1].start_at, "{pair:?}");
    }
}
