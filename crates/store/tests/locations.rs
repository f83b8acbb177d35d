//! A clinic group's locations on both backends: the first one made from the clinic, new
//! ones with their zones and opening hours, therapists and services at a location,
//! closures of one location or all, and the guards (no closing down a location people
//! still work at, no moving a therapist away from booked clients).

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use common::{Ctx, MIN, world};
use kneadtime_store::{NewAppointment, NewLocation, NewTherapist, StoreError, WorkingHours};

both!(
    the_clinic_becomes_its_first_location,
    locations_round_trip_with_opening_hours,
    therapists_and_services_belong_to_a_location,
    a_location_in_use_cannot_close_down,
    a_therapist_with_bookings_ahead_does_not_move,
    closures_close_one_location_or_all,
    a_zone_does_not_change_under_bookings_ahead,
);

async fn the_clinic_becomes_its_first_location(t: Ctx) {
    let all = t.store.locations().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "main");
    assert!(all[0].active);
    // While it is the only one, the clinic's address and zone are the location's.
    let mut c = t.store.clinic().await.unwrap();
    c.address = "1 Track Lane".into();
    c.time_zone = "Europe/London".into();
    t.store.update_clinic(&c).await.unwrap();
    c.name = "Fast Feet".into();
    t.store.update_clinic(&c).await.unwrap();
    let main = t.store.location(&LocationId::from("main")).await.unwrap();
    assert_eq!(main.name, "Fast Feet");
    assert_eq!(main.address, "1 Track Lane");
    assert_eq!(main.time_zone, "Europe/London");
    // With a second location, the clinic's settings no longer move either.
    t.store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: "2 Quay".into(),
            time_zone: "Europe/London".into(),
        })
        .await
        .unwrap();
    c.address = "Head office".into();
    t.store.update_clinic(&c).await.unwrap();
    assert_eq!(
        t.store
            .location(&LocationId::from("main"))
            .await
            .unwrap()
            .address,
        "1 Track Lane"
    );
}

async fn locations_round_trip_with_opening_hours(t: Ctx) {
    let l = t
        .store
        .create_location(&NewLocation {
            name: "  Northgate ".into(),
            address: "9 North Road".into(),
            time_zone: "America/New_York".into(),
        })
        .await
        .unwrap();
    assert_eq!(l.name, "Northgate");
    assert_eq!(l.position, 1, "after the first location");
    assert_eq!(t.store.location(&l.id).await.unwrap(), l);
    let hours = [WorkingHours {
        weekday: jiff::civil::Weekday::Monday,
        start_minute: 8 * 60,
        end_minute: 20 * 60,
    }];
    t.store.set_location_hours(&l.id, &hours).await.unwrap();
    assert_eq!(t.store.location_hours(&l.id).await.unwrap(), hours.to_vec());
    assert!(
        t.store
            .location_hours(&LocationId::from("main"))
            .await
            .unwrap()
            .is_empty()
    );
    // Bad spans and names are refused.
    let backwards = [WorkingHours {
        weekday: jiff::civil::Weekday::Monday,
        start_minute: 600,
        end_minute: 500,
    }];
    assert!(matches!(
        t.store.set_location_hours(&l.id, &backwards).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        t.store
            .create_location(&NewLocation {
                name: " ".into(),
                address: String::new(),
                time_zone: "UTC".into(),
            })
            .await,
        Err(StoreError::Invalid(_))
    ));
    let mut renamed = l.clone();
    renamed.name = "North Gate".into();
    renamed.position = 0;
    t.store.update_location(&renamed).await.unwrap();
    let mut main = t.store.location(&LocationId::from("main")).await.unwrap();
    main.position = 2;
    t.store.update_location(&main).await.unwrap();
    let names: Vec<String> = t
        .store
        .locations()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names[0], "North Gate", "ordered by position, then name");
}

async fn therapists_and_services_belong_to_a_location(t: Ctx) {
    let w = world(&t.store, 0).await;
    assert_eq!(w.therapist.location_id, "main");
    assert_eq!(w.service.location_id, None);
    let dock = t
        .store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: String::new(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    let bo = t
        .store
        .create_therapist(&NewTherapist {
            name: "Bo".into(),
            skills: vec![],
            location_id: Some(dock.id.clone()),
        })
        .await
        .unwrap();
    assert_eq!(
        t.store.therapist(&bo.id).await.unwrap().location_id,
        dock.id
    );
    assert_eq!(
        t.store.location_of_therapist(&bo.id).await.unwrap().id,
        dock.id
    );
    // An unknown location is refused by name.
    assert!(matches!(
        t.store
            .create_therapist(&NewTherapist {
                name: "Cy".into(),
                skills: vec![],
                location_id: Some("nowhere".into()),
            })
            .await,
        Err(StoreError::Invalid(m)) if m.contains("nowhere")
    ));
    let mut s = w.service.clone();
    s.location_id = Some(dock.id.clone());
    t.store.update_service(&s).await.unwrap();
    assert_eq!(
        t.store.service(&s.id).await.unwrap().location_id,
        Some(dock.id.clone())
    );
}

async fn a_location_in_use_cannot_close_down(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut main = t.store.location(&LocationId::from("main")).await.unwrap();
    main.active = false;
    // The only location, with a therapist working there.
    assert!(matches!(
        t.store.update_location(&main).await,
        Err(StoreError::Invalid(_))
    ));
    let dock = t
        .store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: String::new(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    // Still a therapist there.
    assert!(t.store.update_location(&main).await.is_err());
    let mut moved = w.therapist.clone();
    moved.location_id = dock.id.clone();
    t.store.update_therapist(&moved).await.unwrap();
    t.store.update_location(&main).await.unwrap();
    assert!(
        !t.store
            .location(&LocationId::from("main"))
            .await
            .unwrap()
            .active
    );
    // A closed location takes no new therapist.
    assert!(matches!(
        t.store
            .create_therapist(&NewTherapist {
                name: "Di".into(),
                skills: vec![],
                location_id: Some("main".into()),
            })
            .await,
        Err(StoreError::Invalid(_))
    ));
    // New therapists default to the first open location.
    let e = t
        .store
        .create_therapist(&NewTherapist {
            name: "Ed".into(),
            skills: vec![],
            location_id: None,
        })
        .await
        .unwrap();
    assert_eq!(e.location_id, dock.id);
}

async fn a_therapist_with_bookings_ahead_does_not_move(t: Ctx) {
    let w = world(&t.store, 0).await;
    let dock = t
        .store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: String::new(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    // A day ahead of now, on the 5-minute grid.
    let now = t.store.clock().unix();
    let start = (now / 300 + 12 * 24) * 300;
    assert!(start > now);
    t.store
        .book(NewAppointment {
            therapist_id: w.therapist.id.clone(),
            client_id: w.client.id.clone(),
            service_id: w.service.id.clone(),
            start_at: UnixTime::from_second(start),
            end_at: UnixTime::from_second(start + 60 * MIN),
            override_reason: None,
            created_by: "test".into(),
            idempotency_key: None,
            request_hash: None,
            offer_id: None,
        })
        .await
        .unwrap();
    let mut moved = w.therapist.clone();
    moved.location_id = dock.id.clone();
    assert!(matches!(
        t.store.update_therapist(&moved).await,
        Err(StoreError::Invalid(m)) if m.contains("booked ahead")
    ));
    // Renaming without moving is fine.
    let mut renamed = w.therapist.clone();
    renamed.name = "Ana B".into();
    t.store.update_therapist(&renamed).await.unwrap();
}

async fn closures_close_one_location_or_all(t: Ctx) {
    let dock = t
        .store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: String::new(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    let one = t
        .store
        .create_closure(
            jiff::civil::date(2027, 12, 25),
            jiff::civil::date(2027, 12, 26),
            "Christmas",
            Some(&dock.id),
        )
        .await
        .unwrap();
    let all = t
        .store
        .create_closure(
            jiff::civil::date(2028, 1, 1),
            jiff::civil::date(2028, 1, 1),
            "New Year",
            None,
        )
        .await
        .unwrap();
    let got = t
        .store
        .closures_between(
            jiff::civil::date(2027, 12, 1),
            jiff::civil::date(2028, 1, 31),
        )
        .await
        .unwrap();
    assert_eq!(got, vec![one.clone(), all.clone()]);
    assert!(one.closes(&dock.id) && !one.closes(&LocationId::from("main")));
    assert!(all.closes(&dock.id) && all.closes(&LocationId::from("main")));
    assert!(matches!(
        t.store
            .create_closure(
                jiff::civil::date(2027, 12, 25),
                jiff::civil::date(2027, 12, 25),
                "",
                Some(&LocationId::from("nowhere"))
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_up_version_moves_with_every_change_to_the_set_up() {
    common::run_sqlite(setup_version_moves).await;
    common::run_postgres(setup_version_moves).await;
}

async fn setup_version_moves(t: Ctx) {
    let mut last = t.store.setup_version().await.unwrap();
    let mut moved = |now: i64, what: &str| {
        assert!(now > last, "{what} moves the set-up version");
        last = now;
    };
    let w = world(&t.store, 0).await;
    moved(
        t.store.setup_version().await.unwrap(),
        "therapists and services",
    );
    let mut c = t.store.clinic().await.unwrap();
    c.name = "Renamed".into();
    t.store.update_clinic(&c).await.unwrap();
    moved(t.store.setup_version().await.unwrap(), "the clinic");
    t.store
        .set_working_hours(
            &w.therapist.id,
            &[WorkingHours {
                weekday: jiff::civil::Weekday::Tuesday,
                start_minute: 600,
                end_minute: 700,
            }],
        )
        .await
        .unwrap();
    moved(t.store.setup_version().await.unwrap(), "working hours");
    let l = t
        .store
        .create_location(&NewLocation {
            name: "Docklands".into(),
            address: String::new(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    moved(t.store.setup_version().await.unwrap(), "a new location");
    t.store.set_location_hours(&l.id, &[]).await.unwrap();
    moved(t.store.setup_version().await.unwrap(), "opening hours");
    t.store.deactivate_service(&w.service.id).await.unwrap();
    moved(t.store.setup_version().await.unwrap(), "a service stopped");
    // A booking is not set-up.
    let before = t.store.setup_version().await.unwrap();
    t.store
        .add_race(
            &w.client.id,
            jiff::civil::date(2030, 1, 1),
            10.0,
            kneadtime_domain::Priority::B,
            "",
        )
        .await
        .unwrap();
    assert_eq!(t.store.setup_version().await.unwrap(), before);
}

async fn a_zone_does_not_change_under_bookings_ahead(t: Ctx) {
    let w = world(&t.store, 0).await;
    let mut c = t.store.clinic().await.unwrap();
    c.time_zone = "Europe/London".into();
    t.store.update_clinic(&c).await.unwrap();
    let now = t.store.clock().unix();
    let start = (now / 300 + 12 * 24) * 300;
    t.store.book(w.at(start, 60)).await.unwrap();
    // Through the one location, or through the clinic it stands for: refused.
    let mut main = t.store.location(&LocationId::from("main")).await.unwrap();
    main.time_zone = "America/New_York".into();
    assert!(matches!(
        t.store.update_location(&main).await,
        Err(StoreError::Invalid(m)) if m.contains("time zone")
    ));
    c.time_zone = "America/New_York".into();
    assert!(matches!(
        t.store.update_clinic(&c).await,
        Err(StoreError::Invalid(m)) if m.contains("time zone")
    ));
    assert_eq!(t.store.clinic().await.unwrap().time_zone, "Europe/London");
    // The name and address change; and, the one location being the clinic, the clinic's
    // follow, so saving the clinic's settings later does not undo them.
    let mut main = t.store.location(&LocationId::from("main")).await.unwrap();
    main.name = "Fast Feet Riverside".into();
    main.address = "3 Mill Lane".into();
    t.store.update_location(&main).await.unwrap();
    let clinic = t.store.clinic().await.unwrap();
    assert_eq!(
        (clinic.name.as_str(), clinic.address.as_str()),
        ("Fast Feet Riverside", "3 Mill Lane")
    );
    // Once the session is cancelled, the zone may change.
    let booked = t.store.appointments_for_client(&w.client.id).await.unwrap();
    t.store.cancel(&booked[0].id).await.unwrap();
    main.time_zone = "America/New_York".into();
    t.store.update_location(&main).await.unwrap();
    assert_eq!(
        t.store.clinic().await.unwrap().time_zone,
        "America/New_York"
    );
}
