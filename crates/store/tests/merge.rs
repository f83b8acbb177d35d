//! One client per email: the migration that merges records sharing an email (run here on
//! duplicates made while the database still allowed them, on SQLite and PostgreSQL), the
//! unique index that refuses new ones, and the owner's merge of two records of one person
//! under different emails.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
mod common;

use common::{Ctx, MIN, NINE, count, raw, world};
use kneadtime_domain::Priority;
use kneadtime_store::{NewClient, StoreError};

both!(
    records_sharing_an_email_become_one,
    the_owner_merges_two_records_of_one_person,
    emails_differing_only_in_the_case_of_any_letter_are_one_person,
    records_kept_apart_by_an_older_fold_become_one_on_open,
);

/// Case is folded for every letter, not only A to Z: on SQLite `LOWER` folds only ASCII,
/// so the email's key is folded by the store, the same on both databases.
async fn emails_differing_only_in_the_case_of_any_letter_are_one_person(t: Ctx) {
    let first = t
        .store
        .create_client(&person("Jürgen", "jürgen.öz@example.org", "token-1"))
        .await
        .unwrap();
    for other in [
        "JÜRGEN.ÖZ@example.org",
        "  Jürgen.Öz@Example.ORG ",
        "jürgen.öz@EXAMPLE.org",
    ] {
        assert_eq!(
            t.store
                .create_client(&person("Jürgen again", other, "token-2"))
                .await
                .map(|c| c.id),
            Err(StoreError::Conflict),
            "{other}"
        );
        let found = t.store.clients_by_email(other).await.unwrap();
        assert_eq!(found.len(), 1, "{other}");
        assert_eq!(found[0].id, first.id);
    }
    // Another client cannot take it by a change of email either.
    let mut cat = t
        .store
        .create_client(&person("Cat", "cat@example.org", "token-cat"))
        .await
        .unwrap();
    cat.email = "JÜRGEN.ÖZ@EXAMPLE.ORG".into();
    assert_eq!(t.store.update_client(&cat).await, Err(StoreError::Conflict));
    // The email is kept as typed.
    assert_eq!(
        t.store.client(&first.id).await.unwrap().email,
        "jürgen.öz@example.org"
    );
}

/// A database whose keys were folded the old way (ASCII only, as SQLite's `LOWER` does)
/// holds two records of one person; opening it folds every key again and merges them
/// into the older record.
async fn records_kept_apart_by_an_older_fold_become_one_on_open(t: Ctx) {
    let older = t
        .store
        .create_client(&person("Zoë", "zoë@example.org", "token-old"))
        .await
        .unwrap();
    let newer = t
        .store
        .create_client(&person("Zoë K.", "ZOË@example.org", "token-new"))
        .await
        .err();
    assert_eq!(newer, Some(StoreError::Conflict));
    // Made as the old fold would have let it be: its key has the capital Ë.
    raw(
        &t.url,
        &format!(
            "INSERT INTO clients (id, name, email, email_key, phone, unavailable_weekdays, \
             access_token_hash, password_hash, created_at) VALUES ('zoe-2', 'Zoë K.', \
             'ZOË@example.org', 'zoË@example.org', '', '[]', 'token-new', NULL, {})",
            (older.created_at + 10).as_second()
        ),
    )
    .await;
    // Written by an older binary still running beside a new one: no key at all.
    let pat = t
        .store
        .create_client(&person("Pat", "pat@example.org", "token-pat"))
        .await
        .unwrap();
    for (id, email) in [("pat-2", "PAT@example.org"), ("solo", "Solo@Example.org")] {
        raw(
            &t.url,
            &format!(
                "INSERT INTO clients (id, name, email, email_key, phone, unavailable_weekdays, \
                 access_token_hash, password_hash, created_at) VALUES ('{id}', '{id}', \
                 '{email}', '', '', '[]', 'token-{id}', NULL, {})",
                (pat.created_at + 10).as_second()
            ),
        )
        .await;
    }
    t.store
        .add_race(
            &ClientId::from("zoe-2"),
            jiff::civil::date(2026, 9, 20),
            10.0,
            Priority::B,
            "River 10K",
        )
        .await
        .unwrap();
    let reopened = kneadtime_store::Store::open(&t.url).await.unwrap();
    let found = reopened.clients_by_email("zoë@example.org").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, older.id, "the older record is kept");
    assert_eq!(
        reopened.races(&older.id).await.unwrap().len(),
        1,
        "the race moved"
    );
    assert!(matches!(
        reopened.client(&ClientId::from("zoe-2")).await,
        Err(StoreError::NotFound)
    ));
    let pats = reopened.clients_by_email("pat@example.org").await.unwrap();
    assert_eq!(
        pats.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        [pat.id.as_str()]
    );
    let solo = reopened.clients_by_email("solo@example.org").await.unwrap();
    assert_eq!(
        solo.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["solo"]
    );
    reopened.close().await;
}

async fn the_owner_merges_two_records_of_one_person(t: Ctx) {
    let w = world(&t.store, 0).await;
    // Ben booked once at the desk without an email, and once online with another one.
    let walk_in = t
        .store
        .create_client(&person("Ben R.", "", "token-walk-in"))
        .await
        .unwrap();
    t.store
        .add_race(
            &walk_in.id,
            jiff::civil::date(2026, 9, 20),
            21.1,
            Priority::B,
            "Harbour Half",
        )
        .await
        .unwrap();
    t.store.book(w.at(NINE, 60)).await.unwrap();
    let mut theirs = w.at(NINE + 180 * MIN, 60);
    theirs.client_id = walk_in.id.clone();
    let moved = t.store.book(theirs).await.unwrap();
    // Both booked at once: refused, nothing moves.
    let mut clash = w.at(NINE + 24 * 3600, 60);
    clash.client_id = walk_in.id.clone();
    let clash = t.store.book(clash).await.unwrap();
    t.store
        .book(w.at(NINE + 24 * 3600 + 30 * MIN, 60))
        .await
        .unwrap_err();
    let mut other_room = w.at(NINE + 24 * 3600, 60);
    other_room.therapist_id = t
        .store
        .create_therapist(&kneadtime_store::NewTherapist {
            name: "Cy".into(),
            skills: vec![],
            location_id: None,
        })
        .await
        .unwrap()
        .id;
    let other_room = t.store.book(other_room).await.unwrap();
    assert_eq!(
        t.store.merge_clients(&w.client.id, &walk_in.id).await,
        Err(StoreError::ClientBusy)
    );
    assert!(t.store.client(&walk_in.id).await.is_ok());
    t.store.cancel(&other_room.id).await.unwrap();
    // Only the walk-in record holds an intake: it comes across rather than being lost.
    let intake = kneadtime_store::Intake {
        client_id: walk_in.id.clone(),
        running: "Five years".into(),
        goals: String::new(),
        injuries: String::new(),
        current_pain: String::new(),
        pain: 0,
        medication: String::new(),
        conditions: String::new(),
        flags: vec![],
        consent_name: "Ben R.".into(),
        consented_at: UnixTime::from_second(NINE),
        updated_at: UnixTime::from_second(NINE),
        updated_by: "client".into(),
        reviewed_at: None,
        reviewed_by: None,
    };
    t.store.save_intake(&intake).await.unwrap();
    // Now they merge: everything is Ben's one record, and the walk-in record is gone.
    t.store
        .merge_clients(&w.client.id, &walk_in.id)
        .await
        .unwrap();
    assert_eq!(
        t.store.client(&walk_in.id).await.unwrap_err(),
        StoreError::NotFound
    );
    for id in [&moved.id, &clash.id] {
        assert_eq!(
            t.store.appointment(id).await.unwrap().client_id,
            w.client.id
        );
    }
    assert_eq!(
        t.store
            .intake(&w.client.id)
            .await
            .unwrap()
            .map(|i| i.running),
        Some("Five years".to_string())
    );
    let races = t.store.races(&w.client.id).await.unwrap();
    assert!(races.iter().any(|r| r.name == "Harbour Half"), "{races:?}");
    // The client cells moved with the bookings: Ben is still never in two rooms.
    let mut again = w.at(NINE + 180 * MIN, 60);
    again.therapist_id = other_room.therapist_id.clone();
    assert_eq!(
        t.store.book(again).await.unwrap_err(),
        StoreError::ClientBusy
    );
    assert_eq!(
        t.store
            .merge_clients(&w.client.id, &w.client.id)
            .await
            .unwrap_err(),
        StoreError::Invalid("a record cannot be merged with itself".into())
    );
    assert_eq!(
        t.store
            .merge_clients(&w.client.id, "nobody")
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
}

const MERGE: (&str, &str) = (
    include_str!("../migrations/sqlite/0009_one_client_per_email.sql"),
    include_str!("../migrations/postgres/0009_one_client_per_email.sql"),
);

fn person(name: &str, email: &str, token: &str) -> NewClient {
    NewClient {
        name: name.into(),
        email: email.into(),
        phone: String::new(),
        unavailable_weekdays: vec![],
        access_token_hash: token.into(),
        password_hash: None,
    }
}

async fn records_sharing_an_email_become_one(t: Ctx) {
    // The database as it was before emails were unique.
    raw(
        &t.url,
        "DROP INDEX clients_by_email; CREATE INDEX clients_by_email ON clients (email);",
    )
    .await;
    let w = world(&t.store, 0).await;
    let first = w.client.clone();
    let again = t
        .store
        .create_client(&person(
            "Ben R.",
            &first.email.to_uppercase(),
            "token-again",
        ))
        .await
        .unwrap();
    let other = t
        .store
        .create_client(&person("Cat", "cat@example.org", "token-cat"))
        .await
        .unwrap();
    for (i, token) in ["token-no-email-1", "token-no-email-2"].iter().enumerate() {
        t.store
            .create_client(&person(&format!("Walk-in {i}"), "", token))
            .await
            .unwrap();
    }
    t.store
        .add_race(
            &again.id,
            jiff::civil::date(2026, 9, 20),
            42.195,
            Priority::A,
            "Autumn Marathon",
        )
        .await
        .unwrap();
    t.store.book(w.at(NINE, 60)).await.unwrap();
    let mut second = w.at(NINE + 180 * MIN, 60);
    second.client_id = again.id.clone();
    t.store.book(second).await.unwrap();
    // Booked twice at once under two records: the first holds the time.
    let mut clash = w.at(NINE + 30 * MIN, 30);
    clash.client_id = again.id.clone();
    clash.therapist_id = t
        .store
        .create_therapist(&kneadtime_store::NewTherapist {
            name: "Bo".into(),
            skills: vec![],
            location_id: None,
        })
        .await
        .unwrap()
        .id;
    t.store.book(clash).await.unwrap();
    let version = t.store.season_version(&first.id).await.unwrap();
    // The second record came later (made in the same second here).
    raw(
        &t.url,
        &format!(
            "UPDATE clients SET created_at = created_at + 10 WHERE id = '{}'",
            again.id
        ),
    )
    .await;

    let sql = if t.url.starts_with("sqlite") {
        MERGE.0
    } else {
        MERGE.1
    };
    raw(&t.url, sql).await;

    let found = t.store.clients_by_email(&first.email).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, first.id, "the oldest record is kept");
    assert_eq!(found[0].name, "Ben Runner", "with its own details");
    assert!(matches!(
        t.store.client(&again.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(t.store.client(&other.id).await.is_ok(), "others untouched");
    let races = t.store.races(&first.id).await.unwrap();
    assert!(
        races.iter().any(|r| r.name == "Autumn Marathon"),
        "{races:?}"
    );
    assert_eq!(
        t.store
            .appointments_for_client(&first.id)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        count(
            &t.url,
            "SELECT COUNT(*) FROM client_cells WHERE client_id = $1",
            &first.id
        )
        .await,
        24,
        "12 + 12 cells moved; the clash keeps none of the time already held"
    );
    assert!(t.store.season_version(&first.id).await.unwrap() > version);
    let n = t.store.clients().await.unwrap().len();
    assert_eq!(n, 4, "Ben, Cat and two walk-ins without email");

    // From now on: one record per email, case and spaces aside; any number without one.
    assert_eq!(
        t.store
            .create_client(&person(
                "Ben again",
                &format!(" {} ", first.email.replace("example", "EXAMPLE")),
                "token-3"
            ))
            .await,
        Err(StoreError::Conflict)
    );
    t.store
        .create_client(&person("Walk-in 3", "", "token-no-email-3"))
        .await
        .unwrap();
    let mut cat = t.store.client(&other.id).await.unwrap();
    cat.email = first.email.replace("ben", "Ben");
    assert_eq!(t.store.update_client(&cat).await, Err(StoreError::Conflict));
}
