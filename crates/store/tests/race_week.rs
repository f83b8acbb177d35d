//! Race week in the store on both backends: requests added and changed, a booking run
//! written whole (appointments, cells, messages, waitlist, request states), a run
//! repeated or racing another booking nobody twice, and a run that finds a time taken
//! rolled back without a trace.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use common::{Ctx, MIN, world};
use kneadtime_domain::Kind;
use kneadtime_store::{
    NewAppointment, NewClient, NewRaceEvent, NewRaceRequest, NewRunner, RaceBooking, RaceRun,
    RaceWait, RequestState, Store,
};

both!(
    requests_are_added_and_changed_until_booked,
    a_run_is_written_whole_and_once,
    a_run_that_finds_a_time_taken_leaves_no_trace,
    two_runs_at_once_book_each_runner_once,
    runners_known_by_email_are_matched_or_made_clients,
    a_cancelled_race_week_session_frees_the_runner_to_be_booked_again,
    a_run_never_books_a_time_already_past_nor_a_session_no_longer_held,
    merging_a_booked_runner_into_a_pending_one_keeps_the_booking,
);

async fn client(store: &Store, n: usize) -> ClientId {
    store
        .create_client(&NewClient {
            name: format!("Runner {n}"),
            email: format!("runner{n}@example.org"),
            phone: String::new(),
            unavailable_weekdays: vec![],
            access_token_hash: format!("hash-{n}"),
            password_hash: None,
        })
        .await
        .unwrap()
        .id
}

fn request(client_id: &str) -> NewRaceRequest {
    NewRaceRequest {
        client_id: client_id.into(),
        finish_at: None,
        locations: vec!["main".into()],
        days: vec![],
        parts: vec!["morning".into()],
        therapist_id: None,
        tier: "standard".into(),
    }
}

/// A day ahead, 10:00 UTC, on the grid.
fn ahead(store: &Store, days: i64) -> i64 {
    let now = store.clock().unix();
    (now / 86_400 + days) * 86_400 + 10 * 3600
}

async fn event(store: &Store, service: &str) -> RaceEventId {
    store
        .create_race_event(&NewRaceEvent {
            name: "City Marathon".into(),
            race_date: jiff::civil::date(2027, 4, 18),
            distance_km: Some(42.195),
            kind: Kind::PostEvent,
            service_id: service.into(),
            start_minute: 540,
        })
        .await
        .unwrap()
        .id
}

async fn requests_are_added_and_changed_until_booked(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let a = client(&t.store, 1).await;
    let b = client(&t.store, 2).await;
    let n = t
        .store
        .put_race_requests(&e, &[request(&a), request(&b), request(&a)])
        .await
        .unwrap();
    assert_eq!(n, 2, "a runner named twice is one request");
    let mut changed = request(&a);
    changed.tier = "elite".into();
    t.store.put_race_requests(&e, &[changed]).await.unwrap();
    let all = t.store.race_requests(&e).await.unwrap();
    assert_eq!(all.len(), 2);
    // In the order they asked, a change keeping its place.
    assert_eq!(
        (all[0].client_id.as_str(), all[1].client_id.as_str()),
        (a.as_str(), b.as_str())
    );
    assert_eq!(all.iter().find(|r| r.client_id == a).unwrap().tier, "elite");
    assert!(all.iter().all(|r| r.state == RequestState::Pending));
    // Withdrawn, then asking again: pending again.
    t.store.withdraw_race_request(&e, &b).await.unwrap();
    assert_eq!(
        t.store.race_requests_of(&b).await.unwrap()[0].state,
        RequestState::Withdrawn
    );
    t.store.put_race_requests(&e, &[request(&b)]).await.unwrap();
    assert_eq!(
        t.store.race_requests_of(&b).await.unwrap()[0].state,
        RequestState::Pending
    );
    // Bad input is refused by name.
    let mut bad = request(&a);
    bad.tier = "vip".into();
    assert!(t.store.put_race_requests(&e, &[bad]).await.is_err());
}

async fn a_run_is_written_whole_and_once(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let a = client(&t.store, 1).await;
    let b = client(&t.store, 2).await;
    t.store
        .put_race_requests(&e, &[request(&a), request(&b)])
        .await
        .unwrap();
    let at = ahead(&t.store, 3);
    let bookings = vec![RaceBooking::New {
        client_id: a.clone(),
        therapist_id: w.therapist.id.clone(),
        start_at: UnixTime::from_second(at),
        end_at: UnixTime::from_second(at + 60 * MIN),
    }];
    let waits = vec![RaceWait {
        client_id: b.clone(),
        from_at: UnixTime::from_second(at - 86_400),
        until_at: UnixTime::from_second(at + 3 * 86_400),
        note: "post-race, after the City Marathon".into(),
        reason: "every time went to others".into(),
    }];
    let run = t
        .store
        .book_race_week(&e, "staff:owner", &bookings, &waits)
        .await
        .unwrap();
    assert_eq!(
        run,
        RaceRun::Done {
            booked: 1,
            waitlisted: 1
        }
    );
    let reqs = t.store.race_requests(&e).await.unwrap();
    let ra = reqs.iter().find(|r| r.client_id == a).unwrap();
    assert_eq!(ra.state, RequestState::Booked);
    let appt = t
        .store
        .appointment(ra.appointment_id.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (appt.start_at, appt.therapist_id.clone()),
        (UnixTime::from_second(at), w.therapist.id.clone())
    );
    assert_eq!(
        appt.idempotency_key.as_deref(),
        Some(format!("race:{e}:{a}").as_str())
    );
    let rb = reqs.iter().find(|r| r.client_id == b).unwrap();
    assert_eq!(rb.state, RequestState::Waitlisted);
    assert_eq!(rb.reason, "every time went to others");
    let wait = t
        .store
        .wait_entry(&WaitId::from(rb.wait_id.as_deref().unwrap()))
        .await
        .unwrap();
    assert_eq!(wait.client_id, b);
    // The runner booked and the runner left out are each told.
    let kinds: Vec<String> = t
        .store
        .notices(kneadtime_store::NoticeState::Queued, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind.as_str().to_string())
        .collect();
    assert!(kinds.contains(&"booked".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"waitlisted".to_string()), "{kinds:?}");
    // The same run again changes nothing: the runner is booked already.
    let again = t
        .store
        .book_race_week(&e, "staff:owner", &bookings, &[])
        .await
        .unwrap();
    assert_eq!(again, RaceRun::Stale);
    assert_eq!(t.store.appointments_for_client(&a).await.unwrap().len(), 1);
    // A later run that books the waiting runner ends their wait, without a second email.
    let later = at + 2 * 3600;
    let run = t
        .store
        .book_race_week(
            &e,
            "staff:owner",
            &[RaceBooking::New {
                client_id: b.clone(),
                therapist_id: w.therapist.id.clone(),
                start_at: UnixTime::from_second(later),
                end_at: UnixTime::from_second(later + 60 * MIN),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        run,
        RaceRun::Done {
            booked: 1,
            waitlisted: 0
        }
    );
    let wait = t
        .store
        .wait_entry(&WaitId::from(rb.wait_id.as_deref().unwrap()))
        .await
        .unwrap();
    assert_eq!(wait.state, kneadtime_store::WaitState::Booked);
}

async fn a_run_that_finds_a_time_taken_leaves_no_trace(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let a = client(&t.store, 1).await;
    let b = client(&t.store, 2).await;
    t.store
        .put_race_requests(&e, &[request(&a), request(&b)])
        .await
        .unwrap();
    let at = ahead(&t.store, 3);
    // Someone else books the therapist at 11:00 after the run read the rota.
    let other = client(&t.store, 3).await;
    t.store
        .book(NewAppointment {
            therapist_id: w.therapist.id.clone(),
            client_id: other,
            service_id: w.service.id.clone(),
            start_at: UnixTime::from_second(at + 3600),
            end_at: UnixTime::from_second(at + 2 * 3600),
            override_reason: None,
            created_by: "test".into(),
            idempotency_key: None,
            request_hash: None,
            offer_id: None,
        })
        .await
        .unwrap();
    let before = t
        .store
        .notices(kneadtime_store::NoticeState::Queued, 1000)
        .await
        .unwrap()
        .len();
    let run = t
        .store
        .book_race_week(
            &e,
            "staff:owner",
            &[
                RaceBooking::New {
                    client_id: a.clone(),
                    therapist_id: w.therapist.id.clone(),
                    start_at: UnixTime::from_second(at),
                    end_at: UnixTime::from_second(at + 60 * MIN),
                },
                RaceBooking::New {
                    client_id: b.clone(),
                    therapist_id: w.therapist.id.clone(),
                    start_at: UnixTime::from_second(at + 3600),
                    end_at: UnixTime::from_second(at + 2 * 3600),
                },
            ],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(run, RaceRun::Stale);
    // Nothing of the run stands: not the first booking, not its message.
    assert!(
        t.store
            .appointments_for_client(&a)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.store
            .notices(kneadtime_store::NoticeState::Queued, 1000)
            .await
            .unwrap()
            .len(),
        before
    );
    assert!(
        t.store
            .race_requests(&e)
            .await
            .unwrap()
            .iter()
            .all(|r| r.state == RequestState::Pending)
    );
}

async fn two_runs_at_once_book_each_runner_once(t: Ctx) {
    let w = world(&t.store, 0).await;
    let e = event(&t.store, &w.service.id).await;
    let mut clients = Vec::new();
    for n in 0..20 {
        clients.push(client(&t.store, n).await);
    }
    let reqs: Vec<_> = clients.iter().map(|c| request(c)).collect();
    t.store.put_race_requests(&e, &reqs).await.unwrap();
    let at = ahead(&t.store, 3);
    let bookings: Vec<RaceBooking> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| RaceBooking::New {
            client_id: c.clone(),
            therapist_id: w.therapist.id.clone(),
            start_at: UnixTime::from_second(at + i as i64 * 3600),
            end_at: UnixTime::from_second(at + i as i64 * 3600 + 60 * MIN),
        })
        .collect();
    let (s1, s2) = (t.store.clone(), t.store.clone());
    let (b1, b2) = (bookings.clone(), bookings.clone());
    let (e1, e2) = (e.clone(), e.clone());
    let (r1, r2) = tokio::join!(
        tokio::spawn(async move { s1.book_race_week(&e1, "one", &b1, &[]).await }),
        tokio::spawn(async move { s2.book_race_week(&e2, "two", &b2, &[]).await }),
    );
    let runs = [r1.unwrap().unwrap(), r2.unwrap().unwrap()];
    let done = runs
        .iter()
        .filter(|r| matches!(r, RaceRun::Done { booked: 20, .. }))
        .count();
    assert_eq!(done, 1, "{runs:?}");
    assert!(runs.contains(&RaceRun::Stale), "{runs:?}");
    for c in &clients {
        assert_eq!(t.store.appointments_for_client(c).await.unwrap().len(), 1);
    }
}

async fn runners_known_by_email_are_matched_or_made_clients(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let known = client(&t.store, 7).await;
    let before = t.store.season_version(&known).await.unwrap();
    let runner = |name: &str, email: &str| NewRunner {
        name: name.into(),
        email: email.into(),
        request: request(""),
    };
    let done = t
        .store
        .enrol_runners(
            &e,
            &[
                runner("Seven", "RUNNER7@example.org"),
                runner("New One", "new1@example.org"),
                runner("New Two", "new2@example.org"),
                runner("New One again", "New1@Example.org"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(done.new_clients, 2, "{done:?}");
    assert_eq!(done.requests, 3);
    let reqs = t.store.race_requests(&e).await.unwrap();
    assert!(reqs.iter().any(|r| r.client_id == known));
    // The race is in each runner's races now, and their season moved.
    let races = t.store.races(&known).await.unwrap();
    assert_eq!(races.len(), 1);
    assert_eq!(
        (races[0].date, races[0].name.as_str()),
        (jiff::civil::date(2027, 4, 18), "City Marathon")
    );
    assert!(t.store.season_version(&known).await.unwrap() > before);
    // Enrolling again adds no second race and no second client.
    let again = t
        .store
        .enrol_runners(&e, &[runner("Seven", "runner7@example.org")])
        .await
        .unwrap();
    assert_eq!(again.new_clients, 0);
    assert_eq!(t.store.races(&known).await.unwrap().len(), 1);
    assert!(
        t.store
            .enrol_runners(&e, &[runner("No Mail", "nobody")])
            .await
            .is_err()
    );
    // An address with letters beyond ASCII is matched as the database compares it, so
    // a runner already known is not made a second client (which the unique index on
    // the email would refuse, failing the whole upload).
    let zoe = t
        .store
        .create_client(&NewClient {
            name: "Zoë Ünal".into(),
            email: "Zoë.Ünal@example.org".into(),
            phone: String::new(),
            unavailable_weekdays: vec![],
            access_token_hash: "hash-zoe".into(),
            password_hash: None,
        })
        .await
        .unwrap()
        .id;
    let done = t
        .store
        .enrol_runners(
            &e,
            &[
                runner("Zoë", "Zoë.Ünal@example.org"),
                runner("Zoë again", "zoë.Ünal@EXAMPLE.org"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(done.new_clients, 0, "{done:?}");
    assert!(
        t.store
            .race_requests(&e)
            .await
            .unwrap()
            .iter()
            .any(|r| r.client_id == zoe)
    );
    assert_eq!(
        t.store
            .clients_by_email("ZOë.Ünal@EXAMPLE.org")
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_cancelled_race_week_session_frees_the_runner_to_be_booked_again(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let a = client(&t.store, 1).await;
    t.store.put_race_requests(&e, &[request(&a)]).await.unwrap();
    let at = ahead(&t.store, 3);
    let book = |start: i64| {
        vec![RaceBooking::New {
            client_id: a.clone(),
            therapist_id: w.therapist.id.clone(),
            start_at: UnixTime::from_second(start),
            end_at: UnixTime::from_second(start + 60 * MIN),
        }]
    };
    let run = t
        .store
        .book_race_week(&e, "staff:owner", &book(at), &[])
        .await
        .unwrap();
    assert_eq!(
        run,
        RaceRun::Done {
            booked: 1,
            waitlisted: 0
        }
    );
    let first = t.store.race_requests(&e).await.unwrap()[0]
        .appointment_id
        .clone()
        .unwrap();
    t.store.cancel(&first).await.unwrap();
    // The request no longer says booked, and says why.
    let r = &t.store.race_requests(&e).await.unwrap()[0];
    assert_eq!(r.state, RequestState::Withdrawn);
    assert_eq!(r.appointment_id, None);
    assert!(r.reason.contains("cancelled"), "{}", r.reason);
    // Asked again, a later run books them (the event's key on the cancelled session
    // does not stand in the way).
    t.store.put_race_requests(&e, &[request(&a)]).await.unwrap();
    let run = t
        .store
        .book_race_week(&e, "staff:owner", &book(at + 3600), &[])
        .await
        .unwrap();
    assert_eq!(
        run,
        RaceRun::Done {
            booked: 1,
            waitlisted: 0
        }
    );
    let r = &t.store.race_requests(&e).await.unwrap()[0];
    assert_eq!(r.state, RequestState::Booked);
    assert_ne!(r.appointment_id.as_deref(), Some(first.as_str()));
}

async fn a_run_never_books_a_time_already_past_nor_a_session_no_longer_held(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let a = client(&t.store, 1).await;
    let b = client(&t.store, 2).await;
    t.store
        .put_race_requests(&e, &[request(&a), request(&b)])
        .await
        .unwrap();
    let past = ahead(&t.store, -1);
    let run = t
        .store
        .book_race_week(
            &e,
            "staff:owner",
            &[RaceBooking::New {
                client_id: a.clone(),
                therapist_id: w.therapist.id.clone(),
                start_at: UnixTime::from_second(past),
                end_at: UnixTime::from_second(past + 60 * MIN),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(run, RaceRun::Stale);
    assert!(
        t.store
            .appointments_for_client(&a)
            .await
            .unwrap()
            .is_empty()
    );
    // A session the runner booked themselves, cancelled before the run writes: the run
    // does not record it as their race-week session.
    let at = ahead(&t.store, 2);
    let own = t
        .store
        .book(NewAppointment {
            client_id: b.clone(),
            ..w.at(at, 60)
        })
        .await
        .unwrap();
    t.store.cancel(&own.id).await.unwrap();
    let run = t
        .store
        .book_race_week(
            &e,
            "staff:owner",
            &[RaceBooking::Held {
                client_id: b.clone(),
                appointment_id: own.id.clone(),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(run, RaceRun::Stale);
    let reqs = t.store.race_requests(&e).await.unwrap();
    assert!(
        reqs.iter().all(|r| r.state == RequestState::Pending),
        "{reqs:?}"
    );
}

async fn merging_a_booked_runner_into_a_pending_one_keeps_the_booking(t: Ctx) {
    let w = world(&t.store, 15).await;
    let e = event(&t.store, &w.service.id).await;
    let keep = client(&t.store, 1).await;
    let old = client(&t.store, 2).await;
    t.store
        .put_race_requests(&e, &[request(&keep), request(&old)])
        .await
        .unwrap();
    let at = ahead(&t.store, 3);
    let run = t
        .store
        .book_race_week(
            &e,
            "staff:owner",
            &[RaceBooking::New {
                client_id: old.clone(),
                therapist_id: w.therapist.id.clone(),
                start_at: UnixTime::from_second(at),
                end_at: UnixTime::from_second(at + 60 * MIN),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        run,
        RaceRun::Done {
            booked: 1,
            waitlisted: 0
        }
    );
    // The same runner, found twice: the booked request comes over with its session,
    // so nothing is left pending to be booked a second time.
    t.store.merge_clients(&keep, &old).await.unwrap();
    let reqs = t.store.race_requests(&e).await.unwrap();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].client_id, keep);
    assert_eq!(reqs[0].state, RequestState::Booked);
    let appt = t
        .store
        .appointment(&AppointmentId::from(
            reqs[0].appointment_id.as_deref().unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(appt.client_id, keep);
}
