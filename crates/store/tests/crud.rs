//! Round trips for everything the booking server stores besides appointments: clinic,
//! therapists, services, hours, exceptions, clients, races, calendars, staff,
//! web sessions and rate limits.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use common::{Ctx, NINE, world};
use kneadtime_domain::{Kind, Pressure, Priority};
use kneadtime_store::{
    ExceptionReason, NewException, NewService, NewStaff, Principal, Role, ServiceKind, Skill,
    Store, StoreError, WebSession, WorkingHours,
};

both!(
    the_clinic_row_exists_and_updates,
    therapists_round_trip_and_deactivate,
    services_round_trip_with_kinds_and_pressures,
    working_hours_are_replaced_whole,
    exceptions_round_trip_and_filter_by_date,
    clients_races_and_calendars_round_trip,
    the_season_version_moves_with_calendars_and_races,
    staff_emails_are_unique_and_case_blind,
    web_sessions_expire,
    rate_limits_count_per_window,
    a_rate_limit_window_begins_with_its_first_hit,
    old_rate_limit_counts_are_forgotten,
    opening_twice_keeps_the_data,
    feed_tokens_and_lookups,
);

async fn the_clinic_row_exists_and_updates(t: Ctx) {
    let mut c = t.store.clinic().await.unwrap();
    assert_eq!(c.time_zone, "UTC");
    c.name = "Fast Legs Clinic".into();
    c.time_zone = "Europe/London".into();
    c.profile_toml = "[rules]\npre_event_days = 2\n".into();
    t.store.update_clinic(&c).await.unwrap();
    assert_eq!(t.store.clinic().await.unwrap(), c);
}

async fn therapists_round_trip_and_deactivate(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut th = t.store.therapist(&w.therapist.id).await.unwrap();
    assert_eq!(th, w.therapist);
    th.skills = vec![Skill::Cupping, Skill::Acupuncture, Skill::Myofascial];
    th.name = "Ana B.".into();
    t.store.update_therapist(&th).await.unwrap();
    assert_eq!(t.store.therapist(&th.id).await.unwrap(), th);
    t.store.deactivate_therapist(&th.id).await.unwrap();
    assert!(!t.store.therapists().await.unwrap()[0].active);
    assert_eq!(
        t.store.therapist(&TherapistId::from("nope")).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        t.store
            .deactivate_therapist(&TherapistId::from("nope"))
            .await,
        Err(StoreError::NotFound)
    );
}

async fn services_round_trip_with_kinds_and_pressures(t: Ctx) {
    let mut made = Vec::new();
    for (i, kind) in Kind::ALL
        .into_iter()
        .map(ServiceKind::Massage)
        .chain([ServiceKind::General])
        .enumerate()
    {
        let s = t
            .store
            .create_service(&NewService {
                name: format!("s{i}"),
                kind,
                length_min: 30 + i as i64,
                price_cents: 1000,
                pressure_min: Pressure::Light,
                pressure_max: Pressure::Moderate,
                buffer_after_min: 5,
                location_id: None,
            })
            .await
            .unwrap();
        made.push(s);
    }
    assert_eq!(t.store.services().await.unwrap(), made);
    let mut s = made[0].clone();
    s.pressure_max = Pressure::Deep;
    s.price_cents = 7200;
    t.store.update_service(&s).await.unwrap();
    t.store.deactivate_service(&s.id).await.unwrap();
    s.active = false;
    assert_eq!(t.store.service(&s.id).await.unwrap(), s);
    s.pressure_min = Pressure::Deep;
    s.pressure_max = Pressure::Light;
    assert!(matches!(
        t.store.update_service(&s).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn working_hours_are_replaced_whole(t: Ctx) {
    let w = world(&t.store, 0).await;
    let week = [
        WorkingHours {
            weekday: jiff::civil::Weekday::Monday,
            start_minute: 9 * 60,
            end_minute: 12 * 60,
        },
        WorkingHours {
            weekday: jiff::civil::Weekday::Monday,
            start_minute: 13 * 60,
            end_minute: 17 * 60,
        },
        WorkingHours {
            weekday: jiff::civil::Weekday::Friday,
            start_minute: 8 * 60,
            end_minute: 14 * 60,
        },
    ];
    t.store
        .set_working_hours(&w.therapist.id, &week)
        .await
        .unwrap();
    assert_eq!(t.store.working_hours(&w.therapist.id).await.unwrap(), week);
    t.store
        .set_working_hours(&w.therapist.id, &week[2..])
        .await
        .unwrap();
    assert_eq!(
        t.store.working_hours(&w.therapist.id).await.unwrap(),
        week[2..]
    );
    let bad = [WorkingHours {
        weekday: jiff::civil::Weekday::Monday,
        start_minute: 0,
        end_minute: 24 * 60 + 1,
    }];
    assert!(matches!(
        t.store.set_working_hours(&w.therapist.id, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        t.store
            .set_working_hours(&TherapistId::from("nope"), &week)
            .await,
        Err(StoreError::NotFound)
    );
}

async fn exceptions_round_trip_and_filter_by_date(t: Ctx) {
    let w = world(&t.store, 0).await;
    let new = |from: &str, to: &str| NewException {
        therapist_id: w.therapist.id.clone(),
        from_date: from.parse().unwrap(),
        to_date: to.parse().unwrap(),
        reason: ExceptionReason::Holiday,
        note: "beach".into(),
    };
    let a = t
        .store
        .create_exception(&new("2026-08-01", "2026-08-14"))
        .await
        .unwrap();
    let mut b = t
        .store
        .create_exception(&new("2026-09-01", "2026-09-01"))
        .await
        .unwrap();
    assert_eq!(
        t.store
            .exceptions(
                &w.therapist.id,
                jiff::civil::date(2026, 8, 10),
                jiff::civil::date(2026, 8, 20)
            )
            .await
            .unwrap(),
        vec![a.clone()]
    );
    b.reason = ExceptionReason::Sick;
    t.store.update_exception(&b).await.unwrap();
    assert_eq!(
        t.store
            .exceptions(
                &w.therapist.id,
                jiff::civil::date(2026, 1, 1),
                jiff::civil::date(2026, 12, 31)
            )
            .await
            .unwrap(),
        vec![a.clone(), b]
    );
    t.store.delete_exception(&a.id).await.unwrap();
    assert_eq!(
        t.store
            .exceptions(
                &w.therapist.id,
                jiff::civil::date(2026, 8, 1),
                jiff::civil::date(2026, 8, 31)
            )
            .await
            .unwrap(),
        vec![]
    );
    assert!(matches!(
        t.store
            .create_exception(&new("2026-08-02", "2026-08-01"))
            .await,
        Err(StoreError::Invalid(_))
    ));
}

async fn clients_races_and_calendars_round_trip(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut c = t.store.client(&w.client.id).await.unwrap();
    assert_eq!(c, w.client);
    assert_eq!(
        t.store
            .client_by_token_hash(&c.access_token_hash)
            .await
            .unwrap(),
        c
    );
    c.phone = "+44 999".into();
    c.unavailable_weekdays = vec![
        jiff::civil::Weekday::Monday,
        jiff::civil::Weekday::Wednesday,
    ];
    // An update leaves the secrets alone; they change only through their own calls.
    c.password_hash = Some("argon2:xyz".into());
    c.access_token_hash = "forged".into();
    t.store.update_client(&c).await.unwrap();
    let stored = t.store.client(&c.id).await.unwrap();
    assert_eq!(
        (
            stored.password_hash.as_deref(),
            stored.access_token_hash.as_str()
        ),
        (None, w.client.access_token_hash.as_str())
    );
    t.store
        .set_client_password(&c.id, Some("argon2:xyz"))
        .await
        .unwrap();
    t.store.set_client_link(&c.id, "hash-new").await.unwrap();
    c.access_token_hash = "hash-new".into();
    assert_eq!(t.store.clients().await.unwrap(), vec![c.clone()]);

    let marathon = t
        .store
        .add_race(
            &c.id,
            jiff::civil::date(2026, 10, 4),
            42.195,
            Priority::A,
            "Chicago",
        )
        .await
        .unwrap();
    let tune_up = t
        .store
        .add_race(
            &c.id,
            jiff::civil::date(2026, 9, 6),
            21.1,
            Priority::B,
            "Half",
        )
        .await
        .unwrap();
    assert_eq!(
        t.store.races(&c.id).await.unwrap(),
        vec![tune_up.clone(), marathon]
    );
    t.store.delete_race(&tune_up.id).await.unwrap();
    assert_eq!(t.store.races(&c.id).await.unwrap().len(), 1);
    assert!(matches!(
        t.store
            .add_race(
                &ClientId::from("nobody"),
                jiff::civil::date(2026, 10, 4),
                5.0,
                Priority::C,
                ""
            )
            .await,
        Err(StoreError::Invalid(_))
    ));

    let ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    let cal = t.store.add_calendar(&c.id, "plan.ics", ics).await.unwrap();
    assert_eq!(t.store.calendars(&c.id).await.unwrap(), vec![cal.clone()]);
    t.store.delete_calendar(&cal.id).await.unwrap();
    assert!(t.store.calendars(&c.id).await.unwrap().is_empty());
}

async fn the_season_version_moves_with_calendars_and_races(t: Ctx) {
    let w = world(&t.store, 0).await;
    let id = w.client.id.clone();
    let v = || t.store.season_version(&id);
    let v0 = v().await.unwrap();
    let race = t
        .store
        .add_race(
            &id,
            jiff::civil::date(2026, 10, 4),
            42.195,
            Priority::A,
            "Chicago",
        )
        .await
        .unwrap();
    let v1 = v().await.unwrap();
    assert!(v1 > v0);
    let cal = t
        .store
        .add_calendar(&id, "plan.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        .await
        .unwrap();
    let v2 = v().await.unwrap();
    assert!(v2 > v1);
    t.store.delete_race(&race.id).await.unwrap();
    let v3 = v().await.unwrap();
    assert!(v3 > v2);
    t.store.delete_calendar(&cal.id).await.unwrap();
    let v4 = v().await.unwrap();
    assert!(v4 > v3);
    // What changes nothing moves nothing: a missing race or calendar, an unknown client,
    // a change to the client's details.
    assert!(matches!(
        t.store.delete_race(&race.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        t.store.delete_calendar(&cal.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        t.store
            .add_race(
                &ClientId::from("nobody"),
                jiff::civil::date(2026, 10, 4),
                5.0,
                Priority::C,
                ""
            )
            .await
            .is_err()
    );
    let mut c = t.store.client(&id).await.unwrap();
    c.phone = "+44 1".into();
    t.store.update_client(&c).await.unwrap();
    assert_eq!(v().await.unwrap(), v4);
    // Another client's season is its own.
    let other = t
        .store
        .create_client(&kneadtime_store::NewClient {
            name: "Bo".into(),
            email: "bo@example.org".into(),
            phone: String::new(),
            unavailable_weekdays: Vec::new(),
            access_token_hash: "hash-bo".into(),
            password_hash: None,
        })
        .await
        .unwrap();
    t.store
        .add_race(
            &other.id,
            jiff::civil::date(2026, 10, 4),
            10.0,
            Priority::B,
            "",
        )
        .await
        .unwrap();
    assert_eq!(v().await.unwrap(), v4);
    assert!(matches!(
        t.store.season_version(&ClientId::from("nobody")).await,
        Err(StoreError::NotFound)
    ));
}

async fn staff_emails_are_unique_and_case_blind(t: Ctx) {
    let w = world(&t.store, 0).await;
    let new = NewStaff {
        email: " Ana@Clinic.example ".into(),
        name: "Ana".into(),
        role: Role::Therapist,
        therapist_id: Some(w.therapist.id.clone()),
        password_hash: "argon2:abc".into(),
    };
    let s = t.store.create_staff(&new).await.unwrap();
    assert_eq!(s.email, "ana@clinic.example");
    assert_eq!(
        t.store.staff_by_email("ANA@clinic.example").await.unwrap(),
        s
    );
    assert_eq!(t.store.create_staff(&new).await, Err(StoreError::Conflict));
    t.store
        .set_staff_password(&s.id, "argon2:new")
        .await
        .unwrap();
    assert_eq!(
        t.store.staff(&s.id).await.unwrap().password_hash,
        "argon2:new"
    );
    assert_eq!(
        t.store.staff_by_email("who@else").await,
        Err(StoreError::NotFound)
    );
}

async fn web_sessions_expire(t: Ctx) {
    let w = world(&t.store, 0).await;
    let owner = t
        .store
        .create_staff(&NewStaff {
            email: "owner@clinic.example".into(),
            name: "Owner".into(),
            role: Role::Owner,
            therapist_id: None,
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    let staff_session = WebSession {
        token_hash: "t1".into(),
        principal: Principal::Staff(owner.id.clone()),
        csrf_token: "c1".into(),
        expires_at: UnixTime::from_second(1000),
        via: kneadtime_store::SignIn::Password,
        created_at: UnixTime::from_second(10),
    };
    let client_session = WebSession {
        token_hash: "t2".into(),
        principal: Principal::Client(w.client.id.clone()),
        csrf_token: "c2".into(),
        expires_at: UnixTime::from_second(2000),
        via: kneadtime_store::SignIn::Link,
        created_at: UnixTime::from_second(20),
    };
    t.store.create_web_session(&staff_session).await.unwrap();
    t.store.create_web_session(&client_session).await.unwrap();
    assert_eq!(
        t.store
            .web_session("t1", UnixTime::from_second(999))
            .await
            .unwrap(),
        staff_session
    );
    assert_eq!(
        t.store.web_session("t1", UnixTime::from_second(1000)).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        t.store
            .expire_web_sessions(UnixTime::from_second(1500))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        t.store
            .web_session("t2", UnixTime::from_second(1500))
            .await
            .unwrap(),
        client_session
    );
    t.store.delete_web_session("t2").await.unwrap();
    assert_eq!(
        t.store.web_session("t2", UnixTime::from_second(0)).await,
        Err(StoreError::NotFound)
    );
}

async fn rate_limits_count_per_window(t: Ctx) {
    let hits = |now| {
        let store = t.store.clone();
        async move { store.hit_at("login:1.2.3.4", 60, 3, now).await.unwrap() }
    };
    assert!(hits(UnixTime::from_second(120)).await);
    assert!(hits(UnixTime::from_second(130)).await);
    assert!(hits(UnixTime::from_second(179)).await);
    assert!(
        !hits(UnixTime::from_second(179)).await,
        "fourth hit in the window is refused"
    );
    assert!(
        hits(UnixTime::from_second(180)).await,
        "a new window starts over"
    );
    assert!(t.store.hit("other", 60, 1).await.unwrap());
}

async fn a_rate_limit_window_begins_with_its_first_hit(t: Ctx) {
    // Hits a few seconds either side of a whole minute (1_000_200) count together: the
    // window is the minute after the first hit, not a minute of the clock.
    let clock = std::sync::Arc::new(kneadtime_store::SetClock::at(
        jiff::Timestamp::from_second(1_000_190).unwrap(),
    ));
    let store = t.store.clone().with_clock(clock.clone());
    assert!(store.hit("login:5.6.7.8", 60, 2).await.unwrap());
    clock.advance(9);
    assert!(store.hit("login:5.6.7.8", 60, 2).await.unwrap());
    clock.advance(2);
    assert_eq!(store.hits("login:5.6.7.8", 60).await.unwrap(), 2);
    assert!(
        !store.hit("login:5.6.7.8", 60, 2).await.unwrap(),
        "a third hit eleven seconds after the first is refused"
    );
    clock.advance(48);
    assert_eq!(store.hits("login:5.6.7.8", 60).await.unwrap(), 3);
    clock.advance(1);
    assert_eq!(
        store.hits("login:5.6.7.8", 60).await.unwrap(),
        0,
        "a minute after the first hit the window is over"
    );
    assert!(store.hit("login:5.6.7.8", 60, 2).await.unwrap());
    assert_eq!(store.hits("login:5.6.7.8", 60).await.unwrap(), 1);
}

async fn old_rate_limit_counts_are_forgotten(t: Ctx) {
    t.store
        .hit_at("old", 60, 5, UnixTime::from_second(1_000))
        .await
        .unwrap();
    t.store
        .hit_at("new", 60, 5, UnixTime::from_second(2_000))
        .await
        .unwrap();
    assert_eq!(
        t.store
            .forget_rate_limits(UnixTime::from_second(1_000))
            .await
            .unwrap(),
        1
    );
    assert!(
        !t.store
            .hit_at("new", 60, 1, UnixTime::from_second(2_010))
            .await
            .unwrap(),
        "kept"
    );
    assert!(
        t.store
            .hit_at("old", 60, 1, UnixTime::from_second(1_010))
            .await
            .unwrap(),
        "forgotten"
    );
    assert!(
        t.store
            .hit_at("x", 86_401, 1, UnixTime::from_second(0))
            .await
            .is_err(),
        "longer than a day"
    );
}

async fn opening_twice_keeps_the_data(t: Ctx) {
    let w = world(&t.store, 0).await;
    t.store.book(w.at(NINE, 60)).await.unwrap();
    let again = Store::open(&t.url).await.unwrap();
    assert_eq!(
        again
            .appointments_for_client(&w.client.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(again.book(w.at(NINE, 60)).await, Err(StoreError::Conflict));
    again.close().await;
}

/// SQLite only: the file is created on first open and left in WAL mode.
#[tokio::test]
async fn a_new_sqlite_file_is_created_in_wal_mode() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).await.unwrap();
    assert!(path.exists());
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let row = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let mode: String = sqlx::Row::try_get(&row, 0).unwrap();
    assert_eq!(mode, "wal");
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::Invalid(_))
    ));
}

async fn feed_tokens_and_lookups(ctx: Ctx) {
    use kneadtime_store::FeedOwner;
    let s = &ctx.store;
    let w = world(s, 0).await;
    let (t, c) = (&w.therapist, &w.client);
    s.create_feed_token("h1", &FeedOwner::Therapist(t.id.clone()))
        .await
        .unwrap();
    s.create_feed_token("h2", &FeedOwner::Client(c.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        s.feed_owner("h1").await.unwrap(),
        FeedOwner::Therapist(t.id.clone())
    );
    assert_eq!(
        s.feed_owner("h2").await.unwrap(),
        FeedOwner::Client(c.id.clone())
    );
    assert_eq!(s.feed_owner("nope").await, Err(StoreError::NotFound));
    assert_eq!(
        s.revoke_feed_tokens(&FeedOwner::Client(c.id.clone()))
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.feed_owner("h2").await, Err(StoreError::NotFound));

    assert!(
        !s.treats(&t.id, &c.id, UnixTime::from_second(0))
            .await
            .unwrap()
    );
    let a = s.book(w.at(NINE, 60)).await.unwrap();
    assert!(
        s.treats(&t.id, &c.id, UnixTime::from_second(0))
            .await
            .unwrap()
    );
    assert!(
        !s.treats(&t.id, &c.id, a.end_at).await.unwrap(),
        "a booking long past is no tie until completed"
    );
    assert_eq!(
        s.client_ids_of_therapist(&t.id, UnixTime::from_second(0))
            .await
            .unwrap(),
        vec![c.id.clone()]
    );
    s.cancel(&a.id).await.unwrap();
    assert!(
        !s.treats(&t.id, &c.id, UnixTime::from_second(0))
            .await
            .unwrap(),
        "a cancelled appointment is no tie"
    );
    assert!(
        s.client_ids_of_therapist(&t.id, UnixTime::from_second(0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.appointments_between(UnixTime::from_second(NINE), UnixTime::from_second(NINE + 1))
            .await
            .unwrap()
            .len(),
        1,
        "cancelled appointments are still listed"
    );
    assert!(
        s.appointments_between(
            UnixTime::from_second(NINE + 3600),
            UnixTime::from_second(NINE + 9000)
        )
        .await
        .unwrap()
        .is_empty()
    );
    let asked = format!("  {} ", c.email.to_uppercase());
    let found = s.clients_by_email(&asked).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, c.id);
}
