//! Dates across the whole accepted calendar (1900-01-01 to 2199-12-31), its edges
//! included: the planner, the checker, `next` and `day_fit` all return, and a plan never
//! covers more than its bounded stretch. Each case runs on a worker thread that must
//! answer within a generous bound, so a walk over days that stands still fails the test
//! instead of hanging it.

use std::sync::mpsc;
use std::time::Duration;

use jiff::civil::{Date, date};
use kneadtime_domain::check::Booking;
use kneadtime_domain::dates::{EARLIEST, LATEST, add_days, days_between};
use kneadtime_domain::{
    Entry, Massage, PlanRequest, Pressure, Priority, Profile, RaceSpec, Season, Wanted, check,
    classify, day_fit, next, plan,
};
use proptest::prelude::*;

/// Far above what any case needs; only a loop that never ends reaches it.
const HANG: Duration = Duration::from_secs(60);

fn any_date() -> impl Strategy<Value = Date> {
    let span = days_between(EARLIEST, LATEST);
    prop_oneof![
        (0..=span).prop_map(|k| add_days(EARLIEST, k)),
        (0..40i32).prop_map(|k| add_days(LATEST, -k)),
        (0..40i32).prop_map(|k| add_days(EARLIEST, k)),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    sessions: Vec<Date>,
    races: Vec<(Date, f64, Option<Priority>)>,
    from: Date,
    to: Option<Date>,
    today: Date,
}

fn case() -> impl Strategy<Value = Case> {
    let race = (
        any_date(),
        prop::sample::select(vec![5.0, 21.0975, 42.195, 100.0]),
        prop::option::of(Just(Priority::A)),
    );
    (
        prop::collection::vec(any_date(), 0..30),
        prop::collection::vec(race, 0..4),
        any_date(),
        prop::option::of(any_date()),
        any_date(),
    )
        .prop_map(|(sessions, races, from, to, today)| Case {
            sessions,
            races,
            from,
            to,
            today,
        })
}

fn run(c: Case) {
    let titles = ["Long run 30 km", "Intervals 6x800", "Rest", "Easy 8 km"];
    let entries: Vec<Entry> = c
        .sessions
        .iter()
        .enumerate()
        .map(|(i, d)| Entry::new(*d, titles[i % titles.len()]))
        .collect();
    let specs: Vec<RaceSpec> = c
        .races
        .iter()
        .map(|(d, km, p)| RaceSpec {
            name: String::new(),
            date: *d,
            distance_km: Some(*km),
            priority: *p,
        })
        .collect();
    let season = Season::new(
        entries.iter().map(classify).collect(),
        &specs,
        &Profile::default(),
    );
    let req = PlanRequest {
        from: Some(c.from),
        to: c.to,
        ..PlanRequest::default()
    };
    let p = plan(&season, &req);
    assert!(
        days_between(p.from, p.to) < kneadtime_domain::plan::MAX_PLAN_DAYS,
        "{} to {}",
        p.from,
        p.to
    );
    let bookings: Vec<Booking> = p
        .massages
        .iter()
        .map(|m| Booking {
            massage: Massage {
                date: m.date,
                start: None,
                pressure: m.pressure,
                kind: Some(m.kind),
                race: None,
            },
            pressure_unknown: false,
        })
        .chain([Booking {
            massage: Massage {
                date: c.today,
                start: None,
                pressure: Pressure::Deep,
                kind: None,
                race: None,
            },
            pressure_unknown: false,
        }])
        .collect();
    let _ = check(&season, &bookings);
    let _ = next(&season, &req, c.today);
    let wanted = Wanted {
        kind: None,
        pressure_min: Pressure::Light,
        pressure_max: Pressure::Deep,
    };
    for d in [c.today, EARLIEST, LATEST, date(9999, 12, 31)] {
        let _ = day_fit(&season, wanted, d, None, &[c.from, c.today]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_date_gets_an_answer(c in case()) {
        let (tx, rx) = mpsc::channel();
        let shown = format!("{c:?}");
        std::thread::spawn(move || {
            run(c);
            let _ = tx.send(());
        });
        prop_assert!(rx.recv_timeout(HANG).is_ok(), "no answer for {shown}");
    }
}

#[test]
fn the_last_days_of_the_calendar_do_not_stand_still() {
    // Dates the importers refuse still must not hang the domain if one slips through.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let far = date(9999, 12, 30);
        let entries = [
            Entry::new(far, "Long run 30 km"),
            Entry::new(Date::MAX, "Race: City Marathon"),
        ];
        let specs = [RaceSpec {
            name: String::new(),
            date: Date::MAX,
            distance_km: Some(42.195),
            priority: Some(Priority::A),
        }];
        let season = Season::new(
            entries.iter().map(classify).collect(),
            &specs,
            &Profile::default(),
        );
        let req = PlanRequest {
            from: Some(far),
            ..PlanRequest::default()
        };
        let p = plan(&season, &req);
        let _ = next(&season, &req, Date::MAX);
        let _ = tx.send(p.massages.len());
    });
    assert!(
        rx.recv_timeout(HANG).is_ok(),
        "the planner did not return for dates at the end of the calendar"
    );
}
