//! The outbox on SQLite and (when a server is named) PostgreSQL: every booking change
//! queues its message in its own transaction, a claim is held by one worker at a time,
//! failures are retried later or kept as failed for the owner, and racing workers take
//! each message once.

use kneadtime_store::UnixTime;
mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{Ctx, MIN, NINE, world};
use kneadtime_store::{NoticeKind, NoticeState, SetClock, Store};

both!(
    each_change_queues_its_message_and_reminder,
    a_claim_is_settled_only_by_its_holder,
    failures_are_retried_later_then_kept_for_the_owner,
    racing_workers_take_each_message_once,
    messages_sent_over_a_month_ago_are_not_counted,
);

/// The store at a set time, three days before NINE.
fn at_three_days_before(store: &Store) -> (Store, Arc<SetClock>) {
    let clock = Arc::new(SetClock::at(
        jiff::Timestamp::from_second(NINE - 3 * 86_400).unwrap(),
    ));
    (store.clone().with_clock(clock.clone()), clock)
}

async fn each_change_queues_its_message_and_reminder(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    let a = store.book(w.at(NINE, 60)).await.unwrap();
    assert_eq!(a.sequence, 0);
    let n = store.notices_for(&a.id).await.unwrap();
    let kinds: Vec<_> = n.iter().map(|n| (n.kind, n.sequence)).collect();
    assert_eq!(
        kinds,
        vec![(NoticeKind::Booked, 0), (NoticeKind::Reminder, 0)],
        "{n:?}"
    );
    assert_eq!(
        n[1].due_at,
        UnixTime::from_second(NINE - 24 * 3600),
        "the clinic's default lead"
    );
    let a = store
        .reschedule(
            &a.id,
            UnixTime::from_second(NINE + 120 * MIN),
            UnixTime::from_second(NINE + 180 * MIN),
            None,
        )
        .await
        .unwrap();
    assert_eq!(a.sequence, 1);
    let a = store.cancel(&a.id).await.unwrap();
    assert_eq!(a.sequence, 2);
    let n = store.notices_for(&a.id).await.unwrap();
    let kinds: Vec<_> = n.iter().map(|n| (n.kind, n.sequence)).collect();
    assert_eq!(
        kinds,
        vec![
            (NoticeKind::Booked, 0),
            (NoticeKind::Reminder, 0),
            (NoticeKind::Rescheduled, 1),
            (NoticeKind::Reminder, 1),
            (NoticeKind::Cancelled, 2),
        ]
    );
    // A booking that fails leaves no message behind.
    let b = store.book(w.at(NINE + 120 * MIN, 60)).await.unwrap();
    assert!(store.book(w.at(NINE + 150 * MIN, 60)).await.is_err());
    assert_eq!(store.notices_for(&b.id).await.unwrap().len(), 2);
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!(counts.waiting, 4, "{counts:?}");
    assert_eq!(counts.later, 3, "{counts:?}");
}

async fn a_claim_is_settled_only_by_its_holder(t: Ctx) {
    let (store, clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    store.book(w.at(NINE, 60)).await.unwrap();
    let first = store.claim_notice(30).await.unwrap().expect("one is due");
    assert_eq!(first.notice.kind, NoticeKind::Booked);
    assert_eq!(first.notice.attempts, 1);
    assert!(
        store.claim_notice(30).await.unwrap().is_none(),
        "held, and the reminder is not due"
    );
    // The lease runs out: another worker takes it, and the first cannot settle it.
    clock.advance(31);
    let second = store.claim_notice(30).await.unwrap().expect("lease over");
    assert_eq!(second.notice.id, first.notice.id);
    assert_eq!(second.notice.attempts, 2);
    assert!(
        !store
            .notice_done(&first, NoticeState::Sent, "")
            .await
            .unwrap()
    );
    assert!(
        store
            .notice_done(&second, NoticeState::Sent, "")
            .await
            .unwrap()
    );
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!((counts.waiting, counts.sent, counts.later), (0, 1, 1));
}

async fn failures_are_retried_later_then_kept_for_the_owner(t: Ctx) {
    let (store, clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    store.book(w.at(NINE, 60)).await.unwrap();
    let c = store.claim_notice(30).await.unwrap().unwrap();
    let later = store.clock().unix() + 60;
    assert!(
        store
            .notice_failed(&c, "connection refused", Some(UnixTime::from_second(later)))
            .await
            .unwrap()
    );
    assert!(store.claim_notice(30).await.unwrap().is_none(), "not yet");
    clock.advance(61);
    let c = store.claim_notice(30).await.unwrap().expect("due again");
    assert_eq!(c.notice.attempts, 2);
    assert_eq!(c.notice.last_error, "connection refused");
    assert!(
        store
            .notice_failed(&c, &"x".repeat(5000), None)
            .await
            .unwrap()
    );
    let failed = store.notices(NoticeState::Failed, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.len(), 500, "errors are kept short");
    assert_eq!(store.outbox_counts().await.unwrap().failed, 1);
    assert!(store.claim_notice(30).await.unwrap().is_none());
    store.retry_notice(&failed[0].id).await.unwrap();
    assert!(
        store.retry_notice(&failed[0].id).await.is_err(),
        "only a failed message"
    );
    let c = store.claim_notice(30).await.unwrap().expect("queued again");
    assert_eq!(c.notice.attempts, 1, "attempts start over");
    assert!(store.notice_done(&c, NoticeState::Sent, "").await.unwrap());
}

async fn racing_workers_take_each_message_once(t: Ctx) {
    let (store, _clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    for i in 0..40 {
        store.book(w.at(NINE + i * 60 * MIN, 60)).await.unwrap();
    }
    let mut workers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(c) = store.claim_notice(300).await.unwrap() {
                mine.push(c.notice.id.clone());
                assert!(store.notice_done(&c, NoticeState::Sent, "").await.unwrap());
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for h in workers {
        all.extend(h.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "no message taken twice");
    assert_eq!(all.len(), 40, "every due confirmation taken");
    assert_eq!(store.outbox_counts().await.unwrap().sent, 40);
}

async fn messages_sent_over_a_month_ago_are_not_counted(t: Ctx) {
    let (store, clock) = at_three_days_before(&t.store);
    let w = world(&store, 0).await;
    store.book(w.at(NINE, 60)).await.unwrap();
    // Sent ten days after it was due (mail was down): counted by when it went.
    clock.advance(10 * 86_400);
    let c = store
        .claim_notice(30)
        .await
        .unwrap()
        .expect("a due message");
    assert!(store.notice_done(&c, NoticeState::Sent, "").await.unwrap());
    assert_eq!(store.outbox_counts().await.unwrap().sent, 1);
    clock.advance(30 * 86_400 - 1);
    assert_eq!(
        store.outbox_counts().await.unwrap().sent,
        1,
        "due 40 days ago, sent 30 days ago"
    );
    clock.advance(2);
    assert_eq!(
        store.outbox_counts().await.unwrap().sent,
        0,
        "sent over 30 days ago"
    );
}
