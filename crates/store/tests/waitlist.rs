//! The waitlist on SQLite and (when a server is named) PostgreSQL: a cancellation over a
//! waiting client's window notes the freed time once, offers of it are emailed through
//! the outbox, the first acceptance books it and ends the other offers, a late or racing
//! acceptance is refused, and an offer that expires or is declined goes to the next in
//! line.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use std::sync::Arc;

use common::{Ctx, MIN, NINE, world};
use kneadtime_store::{
    FreedTime, NewClient, NewOffer, NewWaitEntry, NoticeKind, OfferState, SetClock, Store,
    StoreError, WaitState,
};

both!(
    a_cancellation_over_a_window_frees_the_time_once,
    the_first_to_accept_books_and_the_rest_are_told,
    expired_and_declined_offers_go_to_the_next_in_line,
    a_client_waits_on_a_bounded_number_of_windows,
    erasing_a_waiting_client_takes_the_messages_about_their_offers,
);

fn at_three_days_before(store: &Store) -> (Store, Arc<SetClock>) {
    let clock = Arc::new(SetClock::at(
        jiff::Timestamp::from_second(NINE - 3 * 86_400).unwrap(),
    ));
    (store.clone().with_clock(clock.clone()), clock)
}

async fn second_client(store: &Store, name: &str) -> ClientId {
    store
        .create_client(&NewClient {
            name: name.into(),
            email: format!("{}@example.org", name.to_lowercase()),
            phone: String::new(),
            unavailable_weekdays: vec![],
            access_token_hash: format!("hash-{name}"),
            password_hash: None,
        })
        .await
        .unwrap()
        .id
}

fn wait(client: &str, service: &str) -> NewWaitEntry {
    NewWaitEntry {
        client_id: client.into(),
        service_id: service.into(),
        therapist_id: None,
        from_at: UnixTime::from_second(NINE - 86_400),
        until_at: UnixTime::from_second(NINE + 86_400),
        note: "pre-race".into(),
    }
}

async fn a_cancellation_over_a_window_frees_the_time_once(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    // Nobody waits: a cancellation notes nothing.
    let a = store.book(w.at(NINE, 60)).await.unwrap();
    store.cancel(&a.id).await.unwrap();
    assert!(store.take_freed(10).await.unwrap().is_empty());

    let other = second_client(&store, "Cleo").await;
    store
        .join_waitlist(wait(&other, &w.service.id))
        .await
        .unwrap();
    let a = store.book(w.at(NINE, 60)).await.unwrap();
    // A move leaves the old time free too.
    let a = store
        .reschedule(
            &a.id,
            UnixTime::from_second(NINE + 120 * MIN),
            UnixTime::from_second(NINE + 180 * MIN),
            None,
        )
        .await
        .unwrap();
    store.cancel(&a.id).await.unwrap();
    let mut freed = store.take_freed(10).await.unwrap();
    freed.sort_by_key(|f| f.start_at);
    assert_eq!(
        freed,
        vec![
            FreedTime {
                therapist_id: w.therapist.id.clone(),
                start_at: UnixTime::from_second(NINE),
                end_at: UnixTime::from_second(NINE + 60 * MIN)
            },
            FreedTime {
                therapist_id: w.therapist.id.clone(),
                start_at: UnixTime::from_second(NINE + 120 * MIN),
                end_at: UnixTime::from_second(NINE + 180 * MIN)
            },
        ]
    );
    assert!(store.take_freed(10).await.unwrap().is_empty(), "taken once");
    // A round that failed puts its time back for the next one.
    assert!(store.put_back_freed(&freed[0]).await.unwrap());
    assert_eq!(store.take_freed(10).await.unwrap(), vec![freed[0].clone()]);
    // A time outside every window is not noted.
    let late = store.book(w.at(NINE + 3 * 86_400, 60)).await.unwrap();
    store.cancel(&late.id).await.unwrap();
    assert!(store.take_freed(10).await.unwrap().is_empty());
}

async fn the_first_to_accept_books_and_the_rest_are_told(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    let cleo = second_client(&store, "Cleo").await;
    let dan = second_client(&store, "Dan").await;
    let e1 = store
        .join_waitlist(wait(&cleo, &w.service.id))
        .await
        .unwrap();
    let e2 = store
        .join_waitlist(wait(&dan, &w.service.id))
        .await
        .unwrap();
    let t0 = FreedTime {
        therapist_id: w.therapist.id.clone(),
        start_at: UnixTime::from_second(NINE),
        end_at: UnixTime::from_second(NINE + 60 * MIN),
    };
    assert_eq!(store.waiting_for(&t0).await.unwrap().len(), 2);
    let offer = |entry: &str| NewOffer {
        entry_id: entry.into(),
        therapist_id: w.therapist.id.clone(),
        start_at: UnixTime::from_second(NINE),
        end_at: UnixTime::from_second(NINE + 60 * MIN),
        expires_at: UnixTime::from_second(NINE - 86_400),
    };
    let made = store
        .make_offers(&[offer(&e1.id), offer(&e2.id)])
        .await
        .unwrap();
    assert_eq!(made.len(), 2);
    // A second round over the same time makes nothing while these are open.
    assert!(
        store
            .make_offers(&[offer(&e1.id)])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store.waiting_for(&t0).await.unwrap().is_empty(),
        "both hold an offer"
    );
    // Each offer is emailed.
    let claimed = store.claim_notice(60).await.unwrap().unwrap();
    assert_eq!(claimed.notice.kind, NoticeKind::Offer);
    assert!(claimed.notice.appointment_id.is_none());
    assert!(
        made.iter()
            .any(|o| Some(&o.id) == claimed.notice.offer_id.as_ref())
    );
    assert_eq!(store.open_offers(Some(&cleo)).await.unwrap().len(), 1);

    let mut mine = w.at(NINE, 60);
    mine.client_id = dan.clone();
    mine.offer_id = Some(made[1].id.clone());
    let booked = store.book(mine).await.unwrap();
    assert_eq!(
        store.offer(&made[1].id).await.unwrap().state,
        OfferState::Accepted
    );
    assert_eq!(
        store.offer(&made[0].id).await.unwrap().state,
        OfferState::Taken
    );
    let e2 = store.wait_entry(&e2.id).await.unwrap();
    assert_eq!(e2.state, WaitState::Booked);
    assert_eq!(e2.appointment_id.as_deref(), Some(booked.id.as_str()));
    // Cleo's offer is over: accepting it now is refused and books nothing.
    let mut late = w.at(NINE, 60);
    late.client_id = cleo.clone();
    late.offer_id = Some(made[0].id.clone());
    assert_eq!(store.book(late).await.unwrap_err(), StoreError::OfferGone);
    assert_eq!(
        store.wait_entry(&e1.id).await.unwrap().state,
        WaitState::Waiting
    );
}

async fn expired_and_declined_offers_go_to_the_next_in_line(t: Ctx) {
    let (store, clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    let cleo = second_client(&store, "Cleo").await;
    let dan = second_client(&store, "Dan").await;
    let e1 = store
        .join_waitlist(wait(&cleo, &w.service.id))
        .await
        .unwrap();
    let e2 = store
        .join_waitlist(wait(&dan, &w.service.id))
        .await
        .unwrap();
    let t0 = FreedTime {
        therapist_id: w.therapist.id.clone(),
        start_at: UnixTime::from_second(NINE),
        end_at: UnixTime::from_second(NINE + 60 * MIN),
    };
    let now = NINE - 3 * 86_400;
    let made = store
        .make_offers(&[NewOffer {
            entry_id: e1.id.clone(),
            therapist_id: t0.therapist_id.clone(),
            start_at: t0.start_at,
            end_at: t0.end_at,
            expires_at: UnixTime::from_second(now + 3600),
        }])
        .await
        .unwrap();
    assert_eq!(store.expire_offers().await.unwrap(), 0, "not yet");
    clock.set(jiff::Timestamp::from_second(now + 3601).unwrap());
    assert_eq!(store.expire_offers().await.unwrap(), 1);
    assert_eq!(
        store.offer(&made[0].id).await.unwrap().state,
        OfferState::Expired
    );
    // The time is back, and only Dan (never offered it) is a candidate now.
    assert_eq!(store.take_freed(10).await.unwrap(), vec![t0.clone()]);
    let next: Vec<WaitId> = store
        .waiting_for(&t0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(next, vec![e2.id.clone()]);
    let made = store
        .make_offers(&[NewOffer {
            entry_id: e2.id.clone(),
            therapist_id: t0.therapist_id.clone(),
            start_at: t0.start_at,
            end_at: t0.end_at,
            expires_at: UnixTime::from_second(now + 7200),
        }])
        .await
        .unwrap();
    // Dan leaves the waitlist: his offer ends declined and the time is noted again.
    store.withdraw_wait(&e2.id).await.unwrap();
    assert_eq!(
        store.offer(&made[0].id).await.unwrap().state,
        OfferState::Declined
    );
    assert_eq!(store.take_freed(10).await.unwrap(), vec![t0.clone()]);
    assert!(store.waiting_for(&t0).await.unwrap().is_empty());
    assert_eq!(
        store.withdraw_wait(&e2.id).await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn a_client_waits_on_a_bounded_number_of_windows(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    for _ in 0..kneadtime_store::MAX_WAITING_PER_CLIENT {
        store
            .join_waitlist(wait(&w.client.id, &w.service.id))
            .await
            .unwrap();
    }
    assert!(matches!(
        store.join_waitlist(wait(&w.client.id, &w.service.id)).await,
        Err(StoreError::Invalid(_))
    ));
    let mut empty = wait(&w.client.id, &w.service.id);
    empty.until_at = empty.from_at;
    assert!(matches!(
        store.join_waitlist(empty).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.waiting(Some(&w.client.id)).await.unwrap().len() as i64,
        kneadtime_store::MAX_WAITING_PER_CLIENT
    );
}

async fn erasing_a_waiting_client_takes_the_messages_about_their_offers(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    let cleo = second_client(&store, "Cleo").await;
    let dan = second_client(&store, "Dan").await;
    let mut entries = Vec::new();
    for c in [&cleo, &dan] {
        entries.push(store.join_waitlist(wait(c, &w.service.id)).await.unwrap());
    }
    let offers: Vec<NewOffer> = entries
        .iter()
        .map(|e| NewOffer {
            entry_id: e.id.clone(),
            therapist_id: w.therapist.id.clone(),
            start_at: UnixTime::from_second(NINE),
            end_at: UnixTime::from_second(NINE + 60 * MIN),
            expires_at: UnixTime::from_second(NINE - 86_400),
        })
        .collect();
    assert_eq!(store.make_offers(&offers).await.unwrap().len(), 2);
    let queued = || async {
        store
            .notices(kneadtime_store::NoticeState::Queued, 1000)
            .await
            .unwrap()
    };
    let before = queued().await;
    assert_eq!(before.len(), 2, "one offer message each");
    store.erase_client(&cleo).await.unwrap();
    let after = queued().await;
    assert_eq!(after.len(), 1, "Cleo's offer message went with her");
    assert!(after.iter().all(|n| before[..].contains(n)));
    assert_eq!(store.outbox_counts().await.unwrap().waiting, 1);
}
