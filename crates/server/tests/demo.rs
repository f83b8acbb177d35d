//! The demo clinic obeys its own rules: no client in two rooms, no regular massaged more
//! than twice in its week, and every booking one the clinic would take — judged by the
//! same rules as any booking, from each client's own season.

use kneadtime_store::UnixTime;
use std::collections::HashMap;
use std::net::SocketAddr;

use kneadtime_clinic::{Clinic, client_context, local_date, local_datetime, wanted};
use kneadtime_domain::{Severity, day_fit};
use kneadtime_server::{Config, start};
use kneadtime_store::ClientId;
use kneadtime_store::{Status, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_week_is_one_the_clinic_would_book() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let running = start(
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: db.clone(),
            demo: true,
            log_requests: false,
            ..Config::default()
        },
        false,
    )
    .await
    .expect("the demo starts");
    let store = Store::open(&db).await.unwrap();
    let clinic = Clinic::new(store.clone());
    let now = jiff::Timestamp::now().as_second();
    let all: Vec<_> = store
        .appointments_between(
            UnixTime::from_second(now - 86_400),
            UnixTime::from_second(now + 9 * 86_400),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.status == Status::Booked)
        .collect();
    assert!(
        all.len() >= 12,
        "a week that looks like a clinic's: {}",
        all.len()
    );
    let mut by_client: HashMap<&str, Vec<&kneadtime_store::Appointment>> = HashMap::new();
    for a in &all {
        by_client.entry(&a.client_id).or_default().push(a);
    }
    assert!(by_client.len() >= 6, "many clients, not two");
    let services: HashMap<_, _> = store
        .services()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    for (client, appts) in &by_client {
        assert!(
            appts.len() <= 2,
            "{client}: {} massages in a week",
            appts.len()
        );
        for (i, a) in appts.iter().enumerate() {
            for b in &appts[i + 1..] {
                assert!(
                    a.end_at <= b.start_at || b.end_at <= a.start_at,
                    "{client} is in two rooms at once"
                );
            }
        }
        let ctx = client_context(&clinic, &ClientId::from(*client))
            .await
            .unwrap();
        for a in appts {
            let date = local_date(a.start_at.as_second(), &ctx.tz);
            let fit = day_fit(
                &ctx.season,
                wanted(&services[&a.service_id]),
                date,
                Some(local_datetime(a.start_at.as_second(), &ctx.tz)),
                &ctx.previous(Some(&a.id)),
            );
            assert!(
                fit.allowed && fit.findings.iter().all(|f| f.severity < Severity::Error),
                "{} on {date}: {:?}",
                ctx.client.name,
                fit.findings
            );
        }
    }
    // Cal's record: four signed notes with calves tight while hill work rose, the hint
    // that says so, the plan's focus following, and homework under way.
    let cal = store
        .clients()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Cal Reyes")
        .expect("Cal is in the demo");
    let ctx = client_context(&clinic, &cal.id).await.unwrap();
    let record = kneadtime_clinic::notes::record(&clinic, &ctx)
        .await
        .unwrap();
    assert_eq!(record.visits.len(), 4);
    assert!(record.visits.iter().all(|v| v.note.signed()));
    let hint = record
        .hints
        .first()
        .map(|h| h.text.clone())
        .unwrap_or_default();
    assert!(
        hint.starts_with(
            "Calves tight in 3 of the last 4 visits while hill sessions rose from 1 to 3 a week"
        ),
        "{hint}"
    );
    assert!(record.focus().contains(&"calves".to_string()));
    let homework = kneadtime_clinic::homework::list(&clinic, &cal.id, &ctx.tz)
        .await
        .unwrap();
    assert_eq!(homework.len(), 1);
    assert!(homework[0].compliance.done >= 1);
    store.close().await;
    // The home page shows the clinic: where, when, what it costs and who works there.
    let home = reqwest::get(format!("http://{}/", running.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "Riverside Sports Massage",
        "Unit 3, Riverside Walk, Leeds",
        "Monday",
        "£",
        "pre-race massage",
    ] {
        assert!(
            home.contains(part),
            "missing {part:?} on the home page:\n{home}"
        );
    }
    running.shutdown().await.unwrap();
}
