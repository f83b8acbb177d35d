//! `kneadtime allocate` as a new user runs it: CSV files in, assignments and calendars
//! out; bad rows refused with the file, line and what was expected.

use std::process::Command;

fn kneadtime(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kneadtime"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

const RUNNERS: &str = "id,name,finish,clinics,days,times,therapist,priority
ada,Ada,2027-04-18 12:40,North;South,,morning,,standard
ben,Ben,2027-04-18 13:05,North,2027-04-20,,sam,elite
cy,Cy,,South,,,,charity
";

const ROTA: &str = "therapist,name,clinic,date,from,to,busy
sam,Sam,North,2027-04-20,09:00,11:00,
kim,Kim,South,2027-04-21,14:00,16:00,14:00-15:00
";

/// Writes the two files into a fresh folder and runs `allocate` on them with `extra`.
fn allocate(
    name: &str,
    runners: &str,
    rota: &str,
    extra: &[&str],
) -> (std::process::Output, std::path::PathBuf) {
    let dir = tempfile_dir(name);
    let (r, s) = (dir.join("runners.csv"), dir.join("rota.csv"));
    std::fs::write(&r, runners).unwrap();
    std::fs::write(&s, rota).unwrap();
    let mut args = vec![
        "allocate",
        "--runners",
        r.to_str().unwrap(),
        "--rota",
        s.to_str().unwrap(),
        "--race",
        "2027-04-18",
    ];
    args.extend_from_slice(extra);
    let o = kneadtime(&args);
    (o, dir)
}

#[test]
fn allocates_from_files_and_writes_assignments_and_calendars() {
    let out = tempfile_dir("ok-out");
    let (o, _) = allocate(
        "ok",
        RUNNERS,
        ROTA,
        &[
            "--distance",
            "marathon",
            "--name",
            "City Marathon",
            "--tz",
            "Europe/London",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(out.join("assignments.csv")).unwrap();
    // Sam has two times on Tuesday (09:00, 10:00); Kim one on Wednesday (15:00).
    assert!(
        csv.contains("ben,Ben,booked,North,sam,Sam,2027-04-20"),
        "{csv}"
    );
    assert!(
        csv.contains("ada,Ada,booked,North,sam,Sam,2027-04-20"),
        "{csv}"
    );
    assert!(
        csv.contains("cy,Cy,booked,South,kim,Kim,2027-04-21,15:00"),
        "{csv}"
    );
    let ics = std::fs::read_to_string(out.join("ics").join("cy.ics")).unwrap();
    // 15:00 in London in April is 14:00 UTC.
    assert!(ics.contains("DTSTART:20270421T140000Z"), "{ics}");
    assert!(ics.contains("LOCATION:South"), "{ics}");
    assert!(stdout.contains("Booked"), "{stdout}");
}

#[test]
fn a_bad_row_names_the_file_line_and_field() {
    let out = tempfile_dir("bad-out").join("out");
    let (o, _) = allocate(
        "bad",
        &RUNNERS.replace("morning", "noonish"),
        ROTA,
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("runners.csv:2: times: expected morning, afternoon or evening"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written on bad input");
    let (o, _) = allocate("bad-rota", RUNNERS, &ROTA.replace("11:00,", "08:00,"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("rota.csv:2: to: expected the end after the start"),
        "{err}"
    );
}

#[test]
fn a_sample_week_allocates_without_files() {
    let o = kneadtime(&["allocate", "--sample", "300", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["summary"]["runners"], 300);
    assert!(
        v["summary"]["served"].as_u64().unwrap()
            >= v["first_come_first_served"]["served"].as_u64().unwrap()
    );
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 300);
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kneadtime-allocate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A clinic's database with one location open two hours a day, one therapist, the
/// post-race service and an event with three runners.
fn clinic_db(dir: &std::path::Path, race: &str) -> String {
    use kneadtime_store::*;
    let url = format!("sqlite://{}", dir.join("clinic.db").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&url).await.unwrap();
        let mut c = store.clinic().await.unwrap();
        c.name = "Harbour Clinic".into();
        c.time_zone = "Europe/London".into();
        store.update_clinic(&c).await.unwrap();
        let t = store
            .create_therapist(&NewTherapist {
                name: "Sam".into(),
                skills: vec![],
                location_id: None,
            })
            .await
            .unwrap();
        let week: Vec<WorkingHours> = (0..7)
            .map(|n| WorkingHours {
                weekday: jiff::civil::Weekday::from_monday_zero_offset(n).unwrap(),
                start_minute: 10 * 60,
                end_minute: 12 * 60,
            })
            .collect();
        store.set_working_hours(&t.id, &week).await.unwrap();
        let s = store
            .create_service(&NewService {
                name: "Post-race 45".into(),
                kind: ServiceKind::Massage(kneadtime_domain::Kind::PostEvent),
                length_min: 45,
                price_cents: 5000,
                pressure_min: kneadtime_domain::Pressure::Light,
                pressure_max: kneadtime_domain::Pressure::Moderate,
                buffer_after_min: 15,
                location_id: None,
            })
            .await
            .unwrap();
        let e = store
            .create_race_event(&NewRaceEvent {
                name: "Harbour Marathon".into(),
                race_date: race.parse().unwrap(),
                distance_km: Some(42.195),
                kind: kneadtime_domain::Kind::PostEvent,
                service_id: s.id,
                start_minute: 540,
            })
            .await
            .unwrap();
        let runners: Vec<NewRunner> = ["ivy", "max", "zoe"]
            .iter()
            .map(|n| NewRunner {
                name: n.to_string(),
                email: format!("{n}@example.org"),
                request: NewRaceRequest {
                    client_id: ClientId::from(String::new()),
                    finish_at: None,
                    locations: vec!["main".into()],
                    days: vec![],
                    parts: vec![],
                    therapist_id: None,
                    tier: "standard".into(),
                },
            })
            .collect();
        store.enrol_runners(&e.id, &runners).await.unwrap();
        store.close().await;
    });
    url
}

#[test]
fn allocates_a_clinics_event_from_its_database() {
    let dir = tempfile_dir("db");
    let url = clinic_db(&dir, "2030-04-21");
    let out = dir.join("week");
    let o = kneadtime(&[
        "allocate",
        "--db",
        &url,
        "--event",
        "harbour marathon",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("Harbour Marathon"), "{text}");
    let csv = std::fs::read_to_string(out.join("assignments.csv")).unwrap();
    // Two hours a day over the window: every one of three runners gets a time.
    assert_eq!(csv.matches(",booked,").count(), 3, "{csv}");
    assert!(csv.contains("Harbour Clinic"), "clinics by name: {csv}");
    // An unknown event is named, with the ones the clinic has.
    let o = kneadtime(&["allocate", "--db", &url, "--event", "Moon Run"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Moon Run") && err.contains("Harbour Marathon"),
        "{err}"
    );
}
