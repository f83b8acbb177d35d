//! Recorded history in its own table, on both backends: kept and listed with the season
//! version moving, removed, moved with a merge and erased with the client; and the
//! migration that moves uploads stored the old way (calendars named `*.history.json`).

mod common;

use common::{Ctx, raw, world};

both!(
    history_is_kept_apart_from_calendars,
    old_history_calendars_move_over
);

const SESSIONS: &str = r#"[{"date":"2026-05-01","title":"Run","class":"easy"}]"#;

async fn history_is_kept_apart_from_calendars(t: Ctx) {
    let w = world(&t.store, 0).await;
    let c = &w.client.id;
    let before = t.store.season_version(c).await.unwrap();
    let h = t.store.add_history(c, "run.fit", SESSIONS).await.unwrap();
    assert!(t.store.season_version(c).await.unwrap() > before);
    assert_eq!(t.store.history(c).await.unwrap(), vec![h.clone()]);
    assert!(t.store.calendars(c).await.unwrap().is_empty());
    let before = t.store.season_version(c).await.unwrap();
    t.store.delete_history(&h.id).await.unwrap();
    assert!(t.store.history(c).await.unwrap().is_empty());
    assert!(t.store.season_version(c).await.unwrap() > before);
    // Erased with the client.
    t.store.add_history(c, "again.fit", SESSIONS).await.unwrap();
    t.store.erase_client(c).await.unwrap();
    assert!(t.store.history(c).await.unwrap().is_empty());
}

const MOVE: (&str, &str) = (
    include_str!("../migrations/sqlite/0025_history.sql"),
    include_str!("../migrations/postgres/0025_history.sql"),
);

async fn old_history_calendars_move_over(t: Ctx) {
    let w = world(&t.store, 0).await;
    let c = &w.client.id;
    // Stored the old way: a calendar whose name ends in ".history.json".
    let old = t
        .store
        .add_calendar(c, "watch.fit.history.json", SESSIONS)
        .await
        .unwrap();
    let plan = t
        .store
        .add_calendar(c, "plan.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n")
        .await
        .unwrap();
    let sql = if t.url.starts_with("sqlite") {
        MOVE.0
    } else {
        MOVE.1
    };
    // The statements that move the rows (the table is made already).
    let moving = &sql[sql.find("INSERT INTO client_history").unwrap()..];
    raw(&t.url, moving).await;
    let history = t.store.history(c).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            history[0].id.as_str(),
            history[0].filename.as_str(),
            history[0].sessions.as_str()
        ),
        (old.id.as_str(), "watch.fit", SESSIONS)
    );
    assert_eq!(t.store.calendars(c).await.unwrap(), vec![plan]);
}
