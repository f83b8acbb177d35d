//! The no-double-booking guarantee, one rule per test, on SQLite and (when a server is
//! named) PostgreSQL: overlaps, adjacency, buffers, cancel, reschedule, idempotency.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use common::{Ctx, MIN, NINE, count, world};
use kneadtime_store::{Status, StoreError};

both!(
    an_overlapping_booking_is_a_conflict,
    back_to_back_bookings_both_fit,
    the_buffer_blocks_the_next_cell,
    a_booking_right_after_the_buffer_fits,
    another_therapist_is_not_blocked,
    a_client_is_never_in_two_rooms,
    cancelling_frees_the_slot,
    a_rescheduling_conflict_leaves_the_original_intact,
    rescheduling_moves_the_cells,
    the_same_idempotency_key_returns_the_first_appointment,
    bad_times_and_unknown_references_are_invalid,
    completed_appointments_keep_their_cells_and_cannot_be_cancelled,
    busy_time_is_what_a_booking_holds_after_its_buffer_changes,
    every_change_to_a_clients_appointments_moves_their_bookings_version,
);

async fn an_overlapping_booking_is_a_conflict(t: Ctx) {
    let w = world(&t.store, 0).await;
    let first = t.store.book(w.at(NINE, 60)).await.unwrap();
    assert_eq!(first.status, Status::Booked);
    assert_eq!(
        t.store.book(w.at(NINE + 30 * MIN, 60)).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        t.store.book(w.at(NINE - 30 * MIN, 60)).await,
        Err(StoreError::Conflict)
    );
    // Off the 5-minute grid a start is refused, not rounded into a neighbour's time.
    assert!(matches!(
        t.store.book(w.at(NINE + 62 * MIN, 30)).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        t.store
            .appointments_for_therapist(
                &w.therapist.id,
                UnixTime::from_second(NINE - 3600),
                UnixTime::from_second(NINE + 7200)
            )
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointment_cells WHERE therapist_id = $1",
            &w.therapist.id
        )
        .await,
        12
    );
}

async fn back_to_back_bookings_both_fit(t: Ctx) {
    let w = world(&t.store, 0).await;
    t.store.book(w.at(NINE, 60)).await.unwrap();
    t.store.book(w.at(NINE + 60 * MIN, 60)).await.unwrap();
    t.store.book(w.at(NINE - 60 * MIN, 60)).await.unwrap();
    let cells = t
        .store
        .busy_cells(&w.therapist.id, NINE - 7200, NINE + 7200)
        .await
        .unwrap();
    assert_eq!(cells.len(), 36);
    assert!(cells.windows(2).all(|p| p[1] - p[0] == 300));
}

async fn the_buffer_blocks_the_next_cell(t: Ctx) {
    let w = world(&t.store, 15).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    assert_eq!(
        a.end_at,
        UnixTime::from_second(NINE + 3600),
        "end_at is the service end, without the buffer"
    );
    assert_eq!(t.store.cells_of(&a.id).await.unwrap().len(), 15);
    assert_eq!(
        t.store.book(w.at(NINE + 60 * MIN, 30)).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        t.store.book(w.at(NINE + 70 * MIN, 30)).await,
        Err(StoreError::Conflict)
    );
}

async fn a_booking_right_after_the_buffer_fits(t: Ctx) {
    let w = world(&t.store, 15).await;
    t.store.book(w.at(NINE, 60)).await.unwrap();
    t.store.book(w.at(NINE + 75 * MIN, 60)).await.unwrap();
    // And before: the new booking's own buffer must end by the first's start.
    t.store.book(w.at(NINE - 75 * MIN, 60)).await.unwrap();
    assert_eq!(
        t.store.book(w.at(NINE - 70 * MIN, 55)).await,
        Err(StoreError::Conflict)
    );
}

async fn another_therapist_is_not_blocked(t: Ctx) {
    let w = world(&t.store, 0).await;
    let other = world(&t.store, 0).await;
    let mut a = w.at(NINE, 60);
    t.store.book(a.clone()).await.unwrap();
    a.therapist_id = other.therapist.id.clone();
    a.client_id = other.client.id.clone();
    t.store.book(a).await.unwrap();
}

async fn a_client_is_never_in_two_rooms(t: Ctx) {
    let w = world(&t.store, 15).await;
    let other = world(&t.store, 0).await;
    let first = t.store.book(w.at(NINE, 60)).await.unwrap();
    // The same client with another therapist, overlapping: refused, nothing written.
    let mut clash = w.at(NINE + 30 * MIN, 60);
    clash.therapist_id = other.therapist.id.clone();
    assert_eq!(
        t.store.book(clash.clone()).await,
        Err(StoreError::ClientBusy)
    );
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointment_cells WHERE therapist_id = $1",
            &other.therapist.id
        )
        .await,
        0
    );
    // The client is held for the session itself, not the therapist's buffer: right
    // after the hour, with another therapist, is fine.
    clash.start_at = UnixTime::from_second(NINE + 60 * MIN);
    clash.end_at = UnixTime::from_second(NINE + 120 * MIN);
    let second = t.store.book(clash).await.unwrap();
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM client_cells WHERE client_id = $1",
            &w.client.id
        )
        .await,
        24
    );
    // Moving the second onto the first is refused and changes nothing.
    assert_eq!(
        t.store
            .reschedule(
                &second.id,
                UnixTime::from_second(NINE + 30 * MIN),
                UnixTime::from_second(NINE + 90 * MIN),
                None
            )
            .await,
        Err(StoreError::ClientBusy)
    );
    assert_eq!(t.store.appointment(&second.id).await.unwrap(), second);
    // Cancelling the first frees the client's time.
    t.store.cancel(&first.id).await.unwrap();
    t.store
        .reschedule(
            &second.id,
            UnixTime::from_second(NINE + 30 * MIN),
            UnixTime::from_second(NINE + 90 * MIN),
            None,
        )
        .await
        .unwrap();
}

async fn cancelling_frees_the_slot(t: Ctx) {
    let w = world(&t.store, 10).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    let cancelled = t.store.cancel(&a.id).await.unwrap();
    assert_eq!(cancelled.status, Status::Cancelled);
    assert!(t.store.cells_of(&a.id).await.unwrap().is_empty());
    // Cancelling twice is harmless.
    assert_eq!(
        t.store.cancel(&a.id).await.unwrap().status,
        Status::Cancelled
    );
    let b = t.store.book(w.at(NINE, 60)).await.unwrap();
    assert_eq!(t.store.cells_of(&b.id).await.unwrap().len(), 14);
    assert_eq!(
        t.store.cancel(&AppointmentId::from("no-such-id")).await,
        Err(StoreError::NotFound)
    );
}

async fn a_rescheduling_conflict_leaves_the_original_intact(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    let b = t.store.book(w.at(NINE + 120 * MIN, 60)).await.unwrap();
    let before = t.store.cells_of(&a.id).await.unwrap();
    assert_eq!(
        t.store
            .reschedule(
                &a.id,
                UnixTime::from_second(NINE + 90 * MIN),
                UnixTime::from_second(NINE + 150 * MIN),
                None
            )
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(t.store.appointment(&a.id).await.unwrap(), a);
    assert_eq!(t.store.cells_of(&a.id).await.unwrap(), before);
    assert_eq!(t.store.cells_of(&b.id).await.unwrap().len(), 12);
}

async fn rescheduling_moves_the_cells(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    // Overlapping its own old slot is fine.
    let moved = t
        .store
        .reschedule(
            &a.id,
            UnixTime::from_second(NINE + 30 * MIN),
            UnixTime::from_second(NINE + 90 * MIN),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.start_at, moved.end_at),
        (
            UnixTime::from_second(NINE + 30 * MIN),
            UnixTime::from_second(NINE + 90 * MIN)
        )
    );
    assert_eq!(
        t.store.cells_of(&a.id).await.unwrap().first(),
        Some(&(NINE + 30 * MIN))
    );
    // Another client takes the freed half hour; then to another therapist.
    let other = world(&t.store, 0).await;
    let mut theirs = w.at(NINE, 30);
    theirs.client_id = other.client.id.clone();
    t.store.book(theirs).await.unwrap();
    let moved = t
        .store
        .reschedule(
            &a.id,
            UnixTime::from_second(NINE),
            UnixTime::from_second(NINE + 3600),
            Some(&other.therapist.id),
        )
        .await
        .unwrap();
    assert_eq!(moved.therapist_id, other.therapist.id);
    assert!(
        t.store
            .busy_cells(&w.therapist.id, NINE + 30 * MIN, NINE + 90 * MIN)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_same_idempotency_key_returns_the_first_appointment(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut req = w.at(NINE, 60);
    req.idempotency_key = Some("key-1".into());
    let first = t.store.book(req.clone()).await.unwrap();
    let again = t.store.book(req.clone()).await.unwrap();
    assert_eq!(first, again);
    // Even with different times, the key wins: the first answer comes back.
    req.start_at += 3 * 3600;
    req.end_at += 3 * 3600;
    assert_eq!(t.store.book(req).await.unwrap(), first);
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM appointments WHERE therapist_id = $1",
            &w.therapist.id
        )
        .await,
        1
    );
}

async fn bad_times_and_unknown_references_are_invalid(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut req = w.at(NINE, 60);
    req.end_at = req.start_at;
    assert!(matches!(
        t.store.book(req).await,
        Err(StoreError::Invalid(_))
    ));
    let mut req = w.at(NINE, 60);
    req.therapist_id = "nobody".into();
    assert!(matches!(
        t.store.book(req).await,
        Err(StoreError::Invalid(_))
    ));
    let mut req = w.at(NINE, 60);
    req.service_id = "nothing".into();
    assert!(matches!(
        t.store.book(req).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        t.store
            .busy_cells(&w.therapist.id, 0, i64::MAX)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn completed_appointments_keep_their_cells_and_cannot_be_cancelled(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    assert_eq!(
        t.store
            .set_status(&a.id, Status::Completed)
            .await
            .unwrap()
            .status,
        Status::Completed
    );
    assert_eq!(t.store.cells_of(&a.id).await.unwrap().len(), 12);
    assert!(matches!(
        t.store.cancel(&a.id).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        t.store
            .reschedule(
                &a.id,
                UnixTime::from_second(NINE + 7200),
                UnixTime::from_second(NINE + 10800),
                None
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn busy_time_is_what_a_booking_holds_after_its_buffer_changes(t: Ctx) {
    let w = world(&t.store, 30).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    // The owner shortens the buffer afterwards: the booking still holds its 30 minutes,
    // and the busy time read for slot search says so, or a slot would be shown that the
    // cells then refuse.
    let mut shorter = w.service.clone();
    shorter.buffer_after_min = 5;
    t.store.update_service(&shorter).await.unwrap();
    let busy = t
        .store
        .busy_intervals_between(
            UnixTime::from_second(NINE - 3600),
            UnixTime::from_second(NINE + 4 * 3600),
        )
        .await
        .unwrap();
    assert_eq!(
        busy,
        vec![(
            a.id.clone(),
            w.therapist.id.clone(),
            UnixTime::from_second(NINE),
            UnixTime::from_second(NINE + 90 * MIN)
        )]
    );
    assert_eq!(
        t.store.book(w.at(NINE + 65 * MIN, 30)).await,
        Err(StoreError::Conflict)
    );
    // Cancelled, it holds nothing.
    t.store.cancel(&a.id).await.unwrap();
    assert!(
        t.store
            .busy_intervals_between(
                UnixTime::from_second(NINE - 3600),
                UnixTime::from_second(NINE + 4 * 3600)
            )
            .await
            .unwrap()
            .is_empty()
    );
}

/// What a server keeps of a client's appointments is checked against this version, so
/// every kind of change moves it: booked, moved, cancelled, finished, merged away; and
/// nothing else a client does (a refused booking) moves it.
async fn every_change_to_a_clients_appointments_moves_their_bookings_version(t: Ctx) {
    let w = world(&t.store, 0).await;
    let version = |id: String| {
        let store = t.store.clone();
        async move { store.client_and_versions(&id).await.unwrap().1.bookings }
    };
    let mut last = version(String::from(w.client.id.clone())).await;
    let mut moved = |now: i64, what: &str| {
        assert!(now > last, "{what}: {last} then {now}");
        last = now;
    };
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    moved(version(String::from(w.client.id.clone())).await, "booked");
    let b = t.store.book(w.at(NINE + 24 * 3600, 60)).await.unwrap();
    moved(
        version(String::from(w.client.id.clone())).await,
        "booked again",
    );
    let before = version(String::from(w.client.id.clone())).await;
    t.store.book(w.at(NINE + 30 * MIN, 60)).await.unwrap_err();
    assert_eq!(
        version(String::from(w.client.id.clone())).await,
        before,
        "a refused booking"
    );
    t.store
        .reschedule(
            &a.id,
            UnixTime::from_second(NINE + 120 * MIN),
            UnixTime::from_second(NINE + 180 * MIN),
            None,
        )
        .await
        .unwrap();
    moved(version(String::from(w.client.id.clone())).await, "moved");
    t.store.cancel(&a.id).await.unwrap();
    moved(
        version(String::from(w.client.id.clone())).await,
        "cancelled",
    );
    t.store.set_status(&b.id, Status::Completed).await.unwrap();
    moved(version(String::from(w.client.id.clone())).await, "finished");
    // Merged into another record: both records' versions move.
    let keep = t
        .store
        .create_client(&kneadtime_store::NewClient {
            name: "Ben R.".into(),
            email: String::new(),
            phone: String::new(),
            unavailable_weekdays: vec![],
            access_token_hash: "hash-keep".into(),
            password_hash: None,
        })
        .await
        .unwrap();
    let kept_before = version(String::from(keep.id.clone())).await;
    t.store.merge_clients(&keep.id, &w.client.id).await.unwrap();
    assert!(
        version(String::from(keep.id.clone())).await > kept_before,
        "merged in"
    );
}
