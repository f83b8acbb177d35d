//! The demo clinic loaded by `kneadtime serve --demo` into an empty database: three
//! therapists with hours, five services, two runners with marathon plans, a runner whose
//! last four visits found tight calves while hill work rose (signed notes, homework
//! under way), more clients, and a week of bookings from today, so a newcomer sees
//! something real.
//!
//! A fixture, not a use-case: it writes a past (visits weeks ago, their notes signed,
//! homework ticked) that no use-case would accept today, so it writes through the store
//! the core owns. Passwords and link tokens come hashed from the caller.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_domain::season::add_days;
use kneadtime_domain::{Kind, Pressure, Priority, day_fit};
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{
    NewAppointment, NewClient, NewService, NewStaff, NewTherapist, Role, Service, ServiceKind,
    Skill, Store, StoreError, WorkingHours,
};

use crate::{Clinic, client_context, spans_on, wanted};

pub const OWNER_EMAIL: &str = "owner@demo.kneadtime.test";
pub const THERAPIST_EMAIL: &str = "sam@demo.kneadtime.test";

/// The demo's sign-in secrets, made by the caller: the two staff passwords' hashes, and
/// a maker of personal links (the token to hand out and the hash to keep).
pub struct Credentials<'a> {
    pub owner_password_hash: String,
    pub therapist_password_hash: String,
    pub new_link: &'a (dyn Fn() -> (String, String) + Sync),
}

/// What a newcomer needs to try the demo.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    /// (client name, personal link token)
    pub client_links: Vec<(String, String)>,
}

const MARATHON_ICS: &str = include_str!("../../../examples/marathon-18-weeks.ics");

/// A training block as CSV around a marathon on `race`: six weeks before, three after.
fn block_around(race: Date) -> String {
    let mut out = String::from("date,title,duration_min,distance_km,kind\n");
    for k in -42..=21 {
        let d = add_days(race, k);
        let weeks_out = -k / 7;
        let line = if k == 0 {
            format!("{d},City Marathon,,42.2,race")
        } else if k > 0 {
            match k % 7 {
                1 | 2 => format!("{d},Rest,,,rest"),
                4 => format!("{d},Easy run 5 km,30,5,"),
                6 => format!("{d},Easy run 8 km,50,8,"),
                _ => format!("{d},Rest,,,rest"),
            }
        } else {
            use jiff::civil::Weekday::*;
            let long = if weeks_out <= 2 {
                16
            } else {
                24 + (6 - weeks_out.min(6)) * 2
            };
            match d.weekday() {
                Monday => format!("{d},Rest,,,rest"),
                Tuesday if weeks_out >= 1 => format!("{d},\"Intervals: 6x800m @ 5K pace\",60,,"),
                Thursday if weeks_out >= 2 => format!("{d},Tempo 8 km,50,,"),
                Saturday if k != -1 => format!("{d},Long run {long} km,,{long},"),
                Friday => format!("{d},Rest,,,rest"),
                _ => format!("{d},Easy run 8 km,45,8,"),
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

async fn therapist(
    store: &Store,
    name: &str,
    skills: &[Skill],
    hours: &[(i64, i64, i64)],
) -> Result<TherapistId, StoreError> {
    therapist_at(store, None, name, skills, hours).await
}

async fn therapist_at(
    store: &Store,
    location: Option<&LocationId>,
    name: &str,
    skills: &[Skill],
    hours: &[(i64, i64, i64)],
) -> Result<TherapistId, StoreError> {
    let t = store
        .create_therapist(&NewTherapist {
            name: name.into(),
            skills: skills.to_vec(),
            location_id: location.cloned(),
        })
        .await?;
    let hours: Vec<WorkingHours> = hours
        .iter()
        .map(|&(weekday, a, b)| WorkingHours {
            weekday: crate::waitlist::WEEK[weekday.clamp(0, 6) as usize],
            start_minute: a * 60,
            end_minute: b * 60,
        })
        .collect();
    store.set_working_hours(&t.id, &hours).await?;
    Ok(t.id)
}

/// Loads the demo when the database has no therapists yet; `None` when it already has data.
/// Twelve weeks of running around `today`, four runs a week, with hill sessions rising
/// from one a week five weeks ago to three in the last fortnight.
fn hill_block(today: Date) -> String {
    let start = kneadtime_domain::season::monday_of(add_days(today, -42));
    let mut out = String::from("date,title,duration_min,distance_km,kind\n");
    for w in 0..12 {
        let monday = add_days(start, w * 7);
        let weeks_back = kneadtime_domain::dates::days_between(monday, today) / 7;
        let hills = match weeks_back {
            5.. => 1,
            3 | 4 => 2,
            _ => 3,
        };
        for (i, day) in [1, 2, 4, 6].into_iter().enumerate() {
            let d = add_days(monday, day);
            if i < hills {
                out.push_str(&format!("{d},Hill repeats 8x90s,55,9,\n"));
            } else if day == 6 {
                out.push_str(&format!("{d},Long run 18 km,,18,\n"));
            } else {
                out.push_str(&format!("{d},Easy run 8 km,45,8,\n"));
            }
        }
    }
    out
}

/// Cal's last four visits with Sam, weekly, each completed and its note signed, and the
/// calf routine given at the last one, done on two days since.
async fn cal_record(
    core: &Clinic,
    cal: &ClientId,
    sam: &TherapistId,
    sports: &Service,
    today: Date,
    tz: &TimeZone,
) -> Result<(), String> {
    let store = &core.store;
    let err = |e: StoreError| format!("loading the demo clinic: {e}");
    let hours = store.working_hours(sam).await.map_err(err)?;
    let mut last_note = None;
    for (weeks, left, right, pain, said) in [
        (4, 1, 1, 2, "Legs fine, a bit of calf soreness after hills"),
        (3, 2, 1, 3, "Left calf tight after the hill session"),
        (2, 3, 1, 4, "Left calf tight on the second hill rep set"),
        (1, 2, 2, 3, "Calves heavy for a day after each hill session"),
    ] {
        // The working day nearest to that many weeks back.
        let Some((day, start)) = (0..5).find_map(|back| {
            let d = add_days(today, -7 * weeks - back);
            spans_on(d, &hours, tz)
                .first()
                .map(|(a, _)| (d, a + 2 * 3600))
        }) else {
            continue;
        };
        let Ok(a) = store
            .book(NewAppointment {
                therapist_id: sam.clone(),
                client_id: cal.clone(),
                service_id: sports.id.clone(),
                start_at: UnixTime::from_second(start),
                end_at: UnixTime::from_second(start + sports.length_min * 60),
                override_reason: None,
                created_by: "demo".into(),
                idempotency_key: None,
                request_hash: None,
                offer_id: None,
            })
            .await
        else {
            continue;
        };
        store
            .set_status(&a.id, kneadtime_store::Status::Completed)
            .await
            .map_err(err)?;
        let finding = |side, tightness, tender_points, note: &str| kneadtime_store::Finding {
            region: "calves".into(),
            side,
            tightness,
            tender_points,
            note: note.into(),
        };
        use kneadtime_domain::notes::Side;
        let content = kneadtime_store::NoteContent {
            subjective: said.into(),
            pain: Some(pain),
            last_homework_done: None,
            findings: vec![
                finding(
                    Side::Left,
                    left,
                    left.saturating_sub(1),
                    if left >= 3 { "medial knot" } else { "" },
                ),
                finding(Side::Right, right, 0, ""),
                kneadtime_store::Finding {
                    region: "hamstrings".into(),
                    side: Side::Both,
                    tightness: 1,
                    tender_points: 0,
                    note: String::new(),
                },
            ],
            pressure_used: Some(Pressure::Moderate),
            techniques: vec!["effleurage".into(), "trigger point".into()],
            assessment: "Calf load rising with the hill sessions; left side more".into(),
            homework_given: "Calf and Achilles stretch after every run".into(),
            next_visit: "In a week".into(),
        };
        let n = store
            .create_note(&a.id, "Sam Okafor", &content)
            .await
            .map_err(err)?;
        store.sign_note(&n.id, "Sam Okafor").await.map_err(err)?;
        last_note = Some((n.id, day));
    }
    if let Some((note, day)) = last_note {
        let h = store
            .assign_homework(cal, Some(&note), "calf_stretch", 5, day, "Sam Okafor")
            .await
            .map_err(err)?;
        for back in [2, 5] {
            let d = add_days(today, -back);
            if d >= day {
                store.tick_homework(&h.id, d, true).await.map_err(err)?;
            }
        }
    }
    Ok(())
}

pub async fn load(
    core: &Clinic,
    today: Date,
    credentials: &Credentials<'_>,
) -> Result<Option<DemoInfo>, String> {
    let store = &core.store;
    let err = |e: StoreError| format!("loading the demo clinic: {e}");
    if !store.therapists().await.map_err(err)?.is_empty() {
        return Ok(None);
    }
    let mut clinic = store.clinic().await.map_err(err)?;
    clinic.name = "Riverside Sports Massage".into();
    clinic.time_zone = "Europe/London".into();
    clinic.currency = "GBP".into();
    if clinic.address.trim().is_empty() {
        clinic.address = "Unit 3, Riverside Walk, Leeds".into();
    }
    store.update_clinic(&clinic).await.map_err(err)?;
    let tz = TimeZone::get("Europe/London").map_err(|e| e.to_string())?;

    let sam = therapist(
        store,
        "Sam Okafor",
        &[Skill::Sports, Skill::DeepTissue, Skill::TriggerPoint],
        &[(0, 9, 17), (1, 9, 17), (2, 9, 17), (3, 9, 17), (4, 9, 17)],
    )
    .await
    .map_err(err)?;
    let lena = therapist(
        store,
        "Lena Fischer",
        &[Skill::Sports, Skill::Myofascial, Skill::Cupping],
        &[
            (1, 10, 18),
            (2, 10, 18),
            (3, 10, 18),
            (4, 10, 18),
            (5, 9, 15),
        ],
    )
    .await
    .map_err(err)?;
    let ravi = therapist(
        store,
        "Ravi Patel",
        &[Skill::Sports, Skill::Relaxation, Skill::Acupuncture],
        &[(0, 12, 20), (2, 12, 20), (4, 12, 20), (5, 9, 13)],
    )
    .await
    .map_err(err)?;

    let owner_hash = credentials.owner_password_hash.clone();
    let sam_hash = credentials.therapist_password_hash.clone();
    store
        .create_staff(&NewStaff {
            email: OWNER_EMAIL.into(),
            name: "Morgan Ellis".into(),
            role: Role::Owner,
            therapist_id: None,
            password_hash: owner_hash,
        })
        .await
        .map_err(err)?;
    store
        .create_staff(&NewStaff {
            email: THERAPIST_EMAIL.into(),
            name: "Sam Okafor".into(),
            role: Role::Therapist,
            therapist_id: Some(sam.clone()),
            password_hash: sam_hash,
        })
        .await
        .map_err(err)?;

    use Pressure::*;
    // Name, kind, minutes, price in pence, pressures, buffer minutes.
    let menu = [
        (
            "Pre-race flush (30 min)",
            ServiceKind::Massage(Kind::PreEvent),
            30,
            4000,
            (Light, Moderate),
            10,
        ),
        (
            "Post-race recovery (45 min)",
            ServiceKind::Massage(Kind::PostEvent),
            45,
            5500,
            (Light, Moderate),
            15,
        ),
        (
            "Sports massage (60 min)",
            ServiceKind::Massage(Kind::Maintenance),
            60,
            6500,
            (Moderate, Deep),
            15,
        ),
        (
            "Recovery block massage (60 min)",
            ServiceKind::Massage(Kind::RecoveryPhase),
            60,
            6000,
            (Light, Moderate),
            15,
        ),
        (
            "Consultation and assessment (30 min)",
            ServiceKind::General,
            30,
            3000,
            (Light, Light),
            0,
        ),
    ];
    let mut services = Vec::with_capacity(menu.len());
    for (name, kind, length_min, price_cents, (pressure_min, pressure_max), buffer_after_min) in
        menu
    {
        let s = store
            .create_service(&NewService {
                name: name.into(),
                kind,
                length_min,
                price_cents,
                pressure_min,
                pressure_max,
                buffer_after_min,
                location_id: None,
            })
            .await
            .map_err(err)?;
        services.push(s);
    }
    let [pre, post, sports, ..] = &services[..] else {
        return Err("loading the demo clinic: its services were not all made".into());
    };
    let (pre, post, sports) = (pre.clone(), post.clone(), sports.clone());

    // Two runners with marathon plans; regulars without calendars.
    let mut links = Vec::new();
    let mut client = |name: &'static str, email: &'static str, off: Vec<jiff::civil::Weekday>| {
        let (token, token_hash) = (credentials.new_link)();
        links.push((name.to_string(), token));
        async move {
            store
                .create_client(&NewClient {
                    name: name.into(),
                    email: email.into(),
                    phone: String::new(),
                    unavailable_weekdays: off,
                    access_token_hash: token_hash,
                    password_hash: None,
                })
                .await
        }
    };
    let jo = client(
        "Jo Marsh",
        "jo@example.org",
        vec![jiff::civil::Weekday::Sunday],
    )
    .await
    .map_err(err)?;
    let priya = client("Priya Shah", "priya@example.org", vec![])
        .await
        .map_err(err)?;
    let tom = client("Tom Reid", "tom@example.org", vec![])
        .await
        .map_err(err)?;
    let alex = client("Alex Kim", "alex@example.org", vec![])
        .await
        .map_err(err)?;
    let cal = client("Cal Reyes", "cal@example.org", vec![])
        .await
        .map_err(err)?;
    // More regulars, so the week looks like a clinic's (no personal links printed).
    let mut regulars = vec![tom.id.clone(), alex.id.clone()];
    for (name, email) in [
        ("Maya Ortiz", "maya@example.org"),
        ("Ben Carter", "ben@example.org"),
        ("Hana Sato", "hana@example.org"),
        ("Owen Price", "owen@example.org"),
        ("Ruth Adeyemi", "ruth@example.org"),
        ("Leo Novak", "leo@example.org"),
    ] {
        let c = store
            .create_client(&NewClient {
                name: name.into(),
                email: email.into(),
                phone: String::new(),
                unavailable_weekdays: vec![],
                access_token_hash: (credentials.new_link)().1,
                password_hash: None,
            })
            .await
            .map_err(err)?;
        regulars.push(c.id);
    }

    store
        .add_calendar(&jo.id, "marathon-18-weeks.ics", MARATHON_ICS)
        .await
        .map_err(err)?;
    store
        .add_race(
            &jo.id,
            jiff::civil::date(2027, 4, 25),
            42.195,
            Priority::A,
            "Spring Marathon",
        )
        .await
        .map_err(err)?;
    store
        .add_race(
            &jo.id,
            jiff::civil::date(2027, 3, 28),
            21.1,
            Priority::B,
            "Half marathon",
        )
        .await
        .map_err(err)?;
    // Priya's marathon is nine days out, so pre- and post-race slots are in view.
    let race = add_days(today, 9);
    store
        .add_calendar(&priya.id, "city-marathon-block.csv", &block_around(race))
        .await
        .map_err(err)?;
    store
        .add_race(&priya.id, race, 42.195, Priority::A, "City Marathon")
        .await
        .map_err(err)?;

    // A week of bookings the clinic's own rules would take: each regular at most twice,
    // three days apart or more, never in two rooms (the store refuses that anyway), at
    // 10:00 or 14:00 where a therapist works; then the runners on their best day.
    let mut booked: Vec<Vec<Date>> = vec![Vec::new(); regulars.len()];
    let mut turn = 0usize;
    for k in 1..=7 {
        let d = add_days(today, k);
        for t in [&sam, &lena, &ravi] {
            let hours = store.working_hours(t).await.map_err(err)?;
            for (a, b) in spans_on(d, &hours, &tz) {
                for offset in [3600, 5 * 3600] {
                    let start = a + offset;
                    if start + sports.length_min * 60 > b {
                        continue;
                    }
                    let free = (0..regulars.len())
                        .map(|i| (turn + i) % regulars.len())
                        .find(|&i| {
                            booked[i].len() < 2
                                && booked[i].iter().all(|x| {
                                    kneadtime_domain::dates::days_between(*x, d).abs() >= 3
                                })
                        });
                    if let Some(i) = free
                        && book(store, t, &regulars[i], &sports, start).await
                    {
                        booked[i].push(d);
                        turn = i + 1;
                    }
                }
            }
        }
    }
    for (who, svc) in [(&priya.id, &pre), (&jo.id, &sports)] {
        let ctx = client_context(core, who).await.map_err(|e| e.to_string())?;
        let best = (1..=7)
            .map(|k| add_days(today, k))
            .filter(|d| !ctx.client.unavailable_weekdays.contains(&d.weekday()))
            .map(|d| day_fit(&ctx.season, wanted(svc), d, None, &ctx.previous(None)))
            .filter(|f| f.allowed)
            .max_by_key(|f| f.score);
        if let Some(f) = best {
            for t in [&sam, &lena, &ravi] {
                let hours = store.working_hours(t).await.map_err(err)?;
                if let Some((a, _)) = spans_on(f.date, &hours, &tz).first()
                    && book(store, t, who, svc, a + 3 * 3600).await
                {
                    break;
                }
            }
        }
    }
    group(core, &race, &post, &priya.id).await?;
    store
        .add_calendar(&cal.id, "hill-block.csv", &hill_block(today))
        .await
        .map_err(err)?;
    cal_record(core, &cal.id, &sam, &sports, today, &tz).await?;
    Ok(Some(DemoInfo {
        client_links: links,
    }))
}

/// The clinic as a group: two more locations across the city with their own therapists
/// and opening hours, and race week for Priya's City Marathon, which she asked to be
/// booked for (the owner adds the rest of the field on the event page).
async fn group(core: &Clinic, race: &Date, post: &Service, priya: &ClientId) -> Result<(), String> {
    let store = &core.store;
    let err = |e: StoreError| format!("loading the demo clinic: {e}");
    let mut main = store
        .location(&LocationId::from("main"))
        .await
        .map_err(err)?;
    let week = |from: i64, to: i64| -> Vec<WorkingHours> {
        crate::waitlist::WEEK
            .into_iter()
            .map(|weekday| WorkingHours {
                weekday,
                start_minute: from * 60,
                end_minute: to * 60,
            })
            .collect()
    };
    for (name, address, staff) in [
        (
            "Headingley",
            "14 Otley Road, Leeds",
            vec![
                ("Nia Brooks", vec![Skill::Sports, Skill::DeepTissue]),
                ("Tomasz Wójcik", vec![Skill::Sports, Skill::Myofascial]),
                ("Ellie Grant", vec![Skill::Sports, Skill::Relaxation]),
            ],
        ),
        (
            "City Centre",
            "2 Park Row, Leeds",
            vec![
                ("Dev Mistry", vec![Skill::Sports, Skill::TriggerPoint]),
                ("Grace Olu", vec![Skill::Sports, Skill::DeepTissue]),
                ("Finn Walsh", vec![Skill::Sports, Skill::Cupping]),
                ("Amara Nwosu", vec![Skill::Sports, Skill::Relaxation]),
            ],
        ),
    ] {
        let l = store
            .create_location(&kneadtime_store::NewLocation {
                name: name.into(),
                address: address.into(),
                time_zone: "Europe/London".into(),
            })
            .await
            .map_err(err)?;
        store
            .set_location_hours(&l.id, &week(8, 20))
            .await
            .map_err(err)?;
        for (k, (who, skills)) in staff.iter().enumerate() {
            // Staggered days: each works six of seven, so the week is always covered.
            let hours: Vec<(i64, i64, i64)> = (0..7)
                .filter(|d| (d + k as i64) % 7 != 0)
                .map(|d| {
                    (
                        d,
                        if k % 2 == 0 { 8 } else { 12 },
                        if k % 2 == 0 { 16 } else { 20 },
                    )
                })
                .collect();
            therapist_at(store, Some(&l.id), who, skills, &hours)
                .await
                .map_err(err)?;
        }
    }
    main.name = "Riverside".into();
    store.update_location(&main).await.map_err(err)?;
    let ev = store
        .create_race_event(&kneadtime_store::NewRaceEvent {
            name: "City Marathon".into(),
            race_date: *race,
            distance_km: Some(42.195),
            kind: Kind::PostEvent,
            service_id: post.id.clone(),
            start_minute: 9 * 60,
        })
        .await
        .map_err(err)?;
    store
        .put_race_requests(
            &ev.id,
            &[kneadtime_store::NewRaceRequest {
                client_id: priya.clone(),
                finish_at: None,
                locations: vec!["main".into()],
                days: vec![],
                parts: vec!["afternoon".into()],
                therapist_id: None,
                tier: "standard".into(),
            }],
        )
        .await
        .map_err(err)?;
    Ok(())
}

async fn book(store: &Store, therapist: &str, client: &str, service: &Service, start: i64) -> bool {
    store
        .book(NewAppointment {
            therapist_id: therapist.into(),
            client_id: client.into(),
            service_id: service.id.clone(),
            start_at: UnixTime::from_second(start),
            end_at: UnixTime::from_second(start + service.length_min * 60),
            override_reason: None,
            created_by: "demo".into(),
            idempotency_key: None,
            request_hash: None,
            offer_id: None,
        })
        .await
        .is_ok()
}
