//! Race week on a clinic's database, timed: a group of locations and therapists, a
//! field of runners enrolled (matched or made clients, the race in their races), the
//! allocation read and solved from the database, and one booking run that writes every
//! appointment, cell, message and waitlist place in one transaction — then the same
//! run again, which books nobody twice. On SQLite by default, or the database given.
//!
//! cargo run --release --locked -p kneadtime-server --example race_week -- [RUNNERS] [DB-URL]

use std::time::Instant;

use kneadtime_clinic::Clinic;
use kneadtime_clinic::race_week::{self, EventInput, RequestInput};
use kneadtime_domain::{Kind, Pressure};
use kneadtime_store::{NewLocation, NewService, NewTherapist, ServiceKind, Store, WorkingHours};

const LOCATIONS: usize = 5;
const THERAPISTS_PER_LOCATION: usize = 12;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let runners: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let dir = tempfile::tempdir()?;
    let url = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("race-week.db").display()));
    let store = Store::open(&url).await?;
    let core = Clinic::new(store.clone());
    let mut clinic = store.clinic().await?;
    clinic.name = "Bench Group".into();
    clinic.time_zone = "Europe/London".into();
    store.update_clinic(&clinic).await?;
    let week: Vec<WorkingHours> = kneadtime_clinic::waitlist::WEEK
        .into_iter()
        .map(|weekday| WorkingHours {
            weekday,
            start_minute: 8 * 60,
            end_minute: 20 * 60,
        })
        .collect();
    let mut locations = vec![kneadtime_store::LocationId::from("main")];
    for k in 1..LOCATIONS {
        let l = store
            .create_location(&NewLocation {
                name: format!("Site {k}"),
                address: String::new(),
                time_zone: "Europe/London".into(),
            })
            .await?;
        locations.push(l.id);
    }
    for l in &locations {
        for t in 0..THERAPISTS_PER_LOCATION {
            let th = store
                .create_therapist(&NewTherapist {
                    name: format!("Therapist {t} at {l}"),
                    skills: vec![],
                    location_id: Some(l.clone()),
                })
                .await?;
            store.set_working_hours(&th.id, &week).await?;
        }
    }
    store
        .create_service(&NewService {
            name: "Post-race 45".into(),
            kind: ServiceKind::Massage(Kind::PostEvent),
            length_min: 45,
            price_cents: 5000,
            pressure_min: Pressure::Light,
            pressure_max: Pressure::Moderate,
            buffer_after_min: 15,
            location_id: None,
        })
        .await?;
    let race = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(20))?;
    let ev = race_week::create_event(
        &core,
        EventInput {
            name: "Bench Marathon".into(),
            date: race.to_string(),
            distance: "marathon".into(),
            kind: "post_event".into(),
            service_id: None,
            start: Some("09:00".into()),
        },
    )
    .await?;
    let field: Vec<RequestInput> = (0..runners)
        .map(|i| RequestInput {
            name: format!("Runner {i}"),
            email: format!("runner{i}@example.org"),
            locations: vec![
                String::from(locations[i % LOCATIONS].clone()),
                String::from(locations[(i + 1) % LOCATIONS].clone()),
            ],
            parts: if i % 3 == 0 {
                vec!["morning".into()]
            } else {
                vec![]
            },
            tier: Some(if i % 10 == 0 { "charity" } else { "standard" }.into()),
            ..Default::default()
        })
        .collect();
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "{backend}: {runners} runners, {LOCATIONS} locations × {THERAPISTS_PER_LOCATION} therapists working 08:00–20:00"
    );
    let t = Instant::now();
    let added = race_week::add_requests(&core, &ev.id, &field).await?;
    println!(
        "| enrol the field ({} new clients, the race in each one's races) | {:.0} ms |",
        added.new_clients,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let p = race_week::preview(&core, &ev.id).await?;
    println!(
        "| read and solve the allocation ({} served, {} waiting) | {:.0} ms |",
        p.summary.served,
        p.summary.waitlisted,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let b = race_week::book(&core, &ev.id, "bench").await?;
    println!(
        "| book it: {} appointments with their cells and messages, {} on the waitlist, one transaction | {:.0} ms |",
        b.booked,
        b.waitlisted,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let again = race_week::book(&core, &ev.id, "bench").await?;
    println!(
        "| book again (nobody twice: {} new) | {:.0} ms |",
        again.booked,
        t.elapsed().as_secs_f64() * 1e3
    );
    store.close().await;
    Ok(())
}
