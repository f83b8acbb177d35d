//! Session notes: one per appointment, edited until signed, changed after signing only
//! by amendments kept with who and when; and the migration that turns notes saved twice
//! for one visit into one note and its amendment; homework given, ticked and stopped.
//! On SQLite and PostgreSQL.

use kneadtime_store::ids::*;
mod common;

use common::{Ctx, NINE, raw, world};
use kneadtime_domain::Pressure;
use kneadtime_domain::notes::Side;
use kneadtime_store::{Finding, NoteContent, StoreError};

both!(
    a_note_is_edited_until_signed_then_amended,
    one_note_per_appointment,
    notes_saved_twice_for_a_visit_become_one_with_an_amendment,
    homework_is_given_ticked_and_stopped,
    an_erased_client_leaves_only_counts_and_the_log,
);

fn calf(side: Side, tightness: u8) -> Finding {
    Finding {
        region: "calves".into(),
        side,
        tightness,
        tender_points: 2,
        note: "medial knot".into(),
    }
}

fn content() -> NoteContent {
    NoteContent {
        subjective: "Calves heavy after hill reps".into(),
        pain: Some(3),
        last_homework_done: Some(false),
        findings: vec![calf(Side::Left, 3), calf(Side::Right, 1)],
        pressure_used: Some(Pressure::Moderate),
        techniques: vec!["effleurage".into()],
        assessment: "Left calf loaded more than right".into(),
        homework_given: "Calf stretch twice a day".into(),
        next_visit: "In two weeks".into(),
    }
}

async fn a_note_is_edited_until_signed_then_amended(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    let draft = t.store.create_note(&a.id, "Ana", &content()).await.unwrap();
    assert_eq!(draft.content, content());
    assert_eq!(draft.author, "Ana");
    assert!(!draft.signed());
    let mut better = content();
    better.pressure_used = Some(Pressure::Light);
    let edited = t.store.edit_note(&draft.id, &better).await.unwrap();
    assert_eq!(edited.content, better);
    // Amending a draft is refused: it is changed directly.
    assert!(matches!(
        t.store
            .amend_note(&draft.id, "Ana", "typo", &content())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let signed = t.store.sign_note(&draft.id, "Ana").await.unwrap();
    assert_eq!(signed.signed_by.as_deref(), Some("Ana"));
    assert!(signed.signed_at.is_some());
    // Signed: locked against edits and a second signature.
    assert_eq!(
        t.store.edit_note(&draft.id, &content()).await.unwrap_err(),
        StoreError::Locked
    );
    assert_eq!(
        t.store.sign_note(&draft.id, "Bo").await.unwrap_err(),
        StoreError::Locked
    );
    let mut fixed = better.clone();
    fixed.findings[1].tightness = 2;
    let amended = t
        .store
        .amend_note(&draft.id, "Bo", "right calf scored wrong", &fixed)
        .await
        .unwrap();
    assert_eq!(
        amended.content, fixed,
        "the amendment is what the note now says"
    );
    assert_eq!(
        amended.signed_content,
        Some(better),
        "the signed text is kept"
    );
    assert_eq!(amended.amendments.len(), 1);
    assert_eq!(amended.amendments[0].author, "Bo");
    assert_eq!(amended.amendments[0].reason, "right calf scored wrong");
    let all = t.store.notes_for_client(&w.client.id).await.unwrap();
    assert_eq!(all, vec![amended]);
    t.store.set_homework_done(&draft.id, true).await.unwrap();
    assert_eq!(
        t.store.note(&draft.id).await.unwrap().homework_done,
        Some(true)
    );
    // Out-of-range values are refused by the store too.
    let mut bad = content();
    bad.pain = Some(11);
    assert!(matches!(
        t.store.amend_note(&draft.id, "Ana", "x", &bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        t.store
            .edit_note(&NoteId::from("nobody"), &content())
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
}

async fn one_note_per_appointment(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    let first = t.store.create_note(&a.id, "Ana", &content()).await.unwrap();
    assert_eq!(
        t.store
            .create_note(&a.id, "Ana", &content())
            .await
            .unwrap_err(),
        StoreError::Conflict
    );
    assert_eq!(
        t.store
            .note_of_appointment(&a.id)
            .await
            .unwrap()
            .map(|n| n.id),
        Some(first.id)
    );
}

const ONE_NOTE: (&str, &str) = (
    include_str!("../migrations/sqlite/0018_one_note_per_appointment.sql"),
    include_str!("../migrations/postgres/0018_one_note_per_appointment.sql"),
);

async fn notes_saved_twice_for_a_visit_become_one_with_an_amendment(t: Ctx) {
    // The database as it was when the form saved a new note each time.
    raw(
        &t.url,
        "DROP INDEX session_notes_one_per_appointment; \
         CREATE INDEX session_notes_by_appointment ON session_notes (appointment_id);",
    )
    .await;
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    let other = t.store.book(w.at(NINE + 7 * 86_400, 60)).await.unwrap();
    let first = t.store.create_note(&a.id, "", &content()).await.unwrap();
    t.store.sign_note(&first.id, "").await.unwrap();
    let alone = t
        .store
        .create_note(&other.id, "", &content())
        .await
        .unwrap();
    raw(
        &t.url,
        &format!(
            "INSERT INTO session_notes (id, appointment_id, findings, pressure_used, techniques, \
             homework_given, homework_done, created_at, signed_at, signed_by) VALUES \
             ('again', '{}', '[{{\"region\":\"calves\",\"tightness\":2}}]', 'deep', '[\"cupping\"]', \
             'Foam roll', 1, {}, {}, '')",
            a.id,
            (first.created_at + 60).as_second(),
            (first.created_at + 60).as_second()
        ),
    )
    .await;
    let sql = if t.url.starts_with("sqlite") {
        ONE_NOTE.0
    } else {
        ONE_NOTE.1
    };
    raw(&t.url, sql).await;

    let notes = t.store.notes_for_client(&w.client.id).await.unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let n = &notes[0];
    assert_eq!(n.id, first.id, "the first note stays");
    assert_eq!(n.amendments.len(), 1);
    assert_eq!(n.content.pressure_used, Some(Pressure::Deep));
    assert_eq!(n.content.techniques, vec!["cupping".to_string()]);
    assert_eq!(n.content.homework_given, "Foam roll");
    assert_eq!(
        n.content.findings,
        vec![Finding {
            region: "calves".into(),
            side: Side::Both,
            tightness: 2,
            tender_points: 0,
            note: String::new(),
        }]
    );
    assert_eq!(n.signed_content.as_ref(), Some(&content()));
    assert_eq!(
        n.homework_done,
        Some(true),
        "what the second said of homework is kept"
    );
    assert_eq!(notes[1].id, alone.id);
    // And now the database holds to one note per appointment.
    assert_eq!(
        t.store
            .create_note(&a.id, "", &content())
            .await
            .unwrap_err(),
        StoreError::Conflict
    );
}

async fn homework_is_given_ticked_and_stopped(t: Ctx) {
    let w = world(&t.store, 0).await;
    let from = jiff::civil::date(2026, 6, 1);
    let h = t
        .store
        .assign_homework(&w.client.id, None, "calf_stretch", 5, from, "Ana")
        .await
        .unwrap();
    assert_eq!((h.per_week, h.from_date, h.ticks.len()), (5, from, 0));
    assert!(matches!(
        t.store
            .assign_homework(&w.client.id, None, "calf_stretch", 15, from, "Ana")
            .await,
        Err(StoreError::Invalid(_))
    ));
    let d2 = jiff::civil::date(2026, 6, 2);
    for _ in 0..2 {
        t.store.tick_homework(&h.id, d2, true).await.unwrap();
    }
    t.store.tick_homework(&h.id, from, true).await.unwrap();
    assert_eq!(t.store.homework(&h.id).await.unwrap().ticks, vec![from, d2]);
    t.store.tick_homework(&h.id, from, false).await.unwrap();
    let other = t
        .store
        .assign_homework(&w.client.id, None, "roll_legs", 2, from, "Ana")
        .await
        .unwrap();
    t.store.end_homework(&h.id).await.unwrap();
    assert_eq!(
        t.store.end_homework(&h.id).await.unwrap_err(),
        StoreError::NotFound
    );
    let all = t.store.homework_for_client(&w.client.id).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, other.id, "what is under way comes first");
    assert_eq!(all[1].ticks, vec![d2]);
    assert!(all[1].ended_at.is_some());
}

async fn an_erased_client_leaves_only_counts_and_the_log(t: Ctx) {
    let w = world(&t.store, 0).await;
    let a = t.store.book(w.at(NINE, 60)).await.unwrap();
    t.store.book(w.at(NINE + 86_400, 60)).await.unwrap();
    let n = t.store.create_note(&a.id, "Ana", &content()).await.unwrap();
    t.store.sign_note(&n.id, "Ana").await.unwrap();
    t.store
        .amend_note(&n.id, "Ana", "typo", &content())
        .await
        .unwrap();
    let h = t
        .store
        .assign_homework(
            &w.client.id,
            Some(&n.id),
            "calf_stretch",
            3,
            jiff::civil::date(2026, 6, 1),
            "Ana",
        )
        .await
        .unwrap();
    t.store
        .tick_homework(&h.id, jiff::civil::date(2026, 6, 1), true)
        .await
        .unwrap();
    t.store
        .add_race(
            &w.client.id,
            jiff::civil::date(2026, 9, 20),
            21.1,
            kneadtime_domain::Priority::A,
            "Harbour Half",
        )
        .await
        .unwrap();
    t.store
        .audit("staff:x", "notes.view", Some(&w.client.id), &n.id)
        .await
        .unwrap();
    assert_eq!(t.store.erase_client(&w.client.id).await.unwrap(), 2);
    assert_eq!(
        t.store.client(&w.client.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert!(
        t.store
            .appointments_for_client(&w.client.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.store.note(&n.id).await.unwrap_err(), StoreError::NotFound);
    assert!(
        t.store
            .homework_for_client(&w.client.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(t.store.races(&w.client.id).await.unwrap().is_empty());
    assert_eq!(
        t.store.appointment(&a.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(t.store.anonymous_visits().await.unwrap(), (2, 1));
    // The log of who read the record stays, naming the client by id only.
    assert_eq!(
        t.store
            .audit_entries(Some(&w.client.id), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        t.store.erase_client(&w.client.id).await.unwrap_err(),
        StoreError::NotFound
    );
}
