//! Invariants of the planner on random calendars: no `error` rule is ever broken, a
//! budget is never exceeded, the checker finds no error in the planner's own output, and
//! the same input always gives the same plan, and no single move or swap of a session
//! lowers the plan's total cost.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};
use kneadtime_domain::check::Booking;
use kneadtime_domain::{
    Budget, Entry, Massage, PlanRequest, Priority, Profile, RaceSpec, Season, Severity, check,
    classify, evaluate, improving_change, plan,
};
use proptest::prelude::*;

const TITLES: &[&str] = &[
    "Easy 8 km",
    "Rest",
    "Intervals 6x800 @ 5K",
    "Tempo 5 mi",
    "Long run 28 km",
    "LR 18 mi",
    "Hill repeats",
    "Yoga",
    "Gym: core",
    "Recovery run 40'",
    "Fartlek",
    "Day off",
    "Bike 60 min",
    "Club social",
];

fn start() -> Date {
    date(2027, 1, 4)
}

#[derive(Debug, Clone)]
struct Input {
    sessions: Vec<(i64, usize)>,
    races: Vec<(i64, f64, Option<Priority>)>,
    budget: Budget,
    unavailable: Vec<Weekday>,
    profile: Profile,
}

fn input() -> impl Strategy<Value = Input> {
    let sessions = prop::collection::vec((0i64..200, 0usize..TITLES.len()), 0..160);
    let race = (
        20i64..200,
        prop::sample::select(vec![5.0, 10.0, 21.0975, 42.195, 50.0]),
        prop::option::of(prop::sample::select(vec![
            Priority::A,
            Priority::B,
            Priority::C,
        ])),
    );
    let races = prop::collection::vec(race, 0..4);
    let budget = (
        prop::option::of(0usize..12),
        prop::option::of(0.0f64..800.0),
    )
        .prop_map(|(sessions, money)| Budget { sessions, money });
    let days = prop::sample::subsequence(
        vec![
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ],
        0..4,
    );
    let profile = (3i32..5, 5i32..8, 1u32..3).prop_map(|(pre_min, pre_max, build_min)| {
        let mut p = Profile::default();
        p.windows.pre_event_min_days = pre_min;
        p.windows.pre_event_max_days = pre_max;
        p.windows.pre_event_ideal_days = pre_min.max(5).min(pre_max);
        p.intervals.build.min_weeks = build_min;
        p.validate().expect("generated profile is valid");
        p
    });
    (sessions, races, budget, days, profile).prop_map(
        |(sessions, races, budget, unavailable, profile)| Input {
            sessions,
            races,
            budget,
            unavailable,
            profile,
        },
    )
}

fn day(n: i64) -> Date {
    start().checked_add(n.days()).unwrap()
}

fn build(i: &Input) -> (Season, PlanRequest) {
    let entries: Vec<Entry> = i
        .sessions
        .iter()
        .map(|(d, t)| Entry::new(day(*d), TITLES[*t]))
        .collect();
    let specs: Vec<RaceSpec> = i
        .races
        .iter()
        .map(|(d, km, p)| RaceSpec {
            name: String::new(),
            date: day(*d),
            distance_km: Some(*km),
            priority: *p,
        })
        .collect();
    let season = Season::new(entries.iter().map(classify).collect(), &specs, &i.profile);
    let req = PlanRequest {
        from: Some(start()),
        to: None,
        unavailable_weekdays: i.unavailable.clone(),
        budget: i.budget.clone(),
        ..Default::default()
    };
    (season, req)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn plans_never_break_an_error_rule(i in input()) {
        let (season, req) = build(&i);
        let p = plan(&season, &req);
        for m in &p.massages {
            let judged = Massage { date: m.date, start: None, pressure: m.pressure, kind: Some(m.kind), race: m.race.as_ref().map(|r| r.date) };
            let errors: Vec<_> = evaluate(&season, &judged).into_iter().filter(|f| f.severity == Severity::Error).collect();
            prop_assert!(errors.is_empty(), "{m:?} breaks {errors:?}");
            prop_assert!(!i.unavailable.contains(&m.date.weekday()), "planned on an unavailable day: {m:?}");
            prop_assert!(m.date >= p.from && m.date <= p.to);
        }
    }

    #[test]
    fn budgets_are_never_exceeded(i in input()) {
        let (season, req) = build(&i);
        let p = plan(&season, &req);
        if let Some(n) = i.budget.sessions {
            prop_assert!(p.massages.len() <= n);
        }
        if let Some(money) = i.budget.money {
            let spent: f64 = p.massages.iter().map(|m| m.price).sum();
            prop_assert!(spent <= money + 1e-6, "spent {spent} of {money}");
        }
    }

    #[test]
    fn the_checker_finds_no_error_in_a_plan(i in input()) {
        let (season, req) = build(&i);
        let p = plan(&season, &req);
        let bookings: Vec<Booking> = p.massages.iter().map(|m| Booking {
            massage: Massage { date: m.date, start: None, pressure: m.pressure, kind: Some(m.kind), race: m.race.as_ref().map(|r| r.date) },
            pressure_unknown: false,
        }).collect();
        let errors: Vec<_> = check(&season, &bookings).into_iter().filter(|f| f.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn no_single_move_or_swap_lowers_the_plans_cost(i in input()) {
        let (season, req) = build(&i);
        let p = plan(&season, &req);
        let change = improving_change(&season, &req, &p);
        prop_assert!(change.is_none(), "{change:?} in {:#?}", p.massages);
    }

    #[test]
    fn the_same_input_gives_the_same_plan(i in input()) {
        let (season, req) = build(&i);
        let a = plan(&season, &req);
        let (season2, req2) = build(&i);
        prop_assert_eq!(a, plan(&season2, &req2));
    }

    #[test]
    fn warnings_only_on_a_races_own_sessions_or_shortened_ones(i in input()) {
        let (season, req) = build(&i);
        let p = plan(&season, &req);
        for m in &p.massages {
            let judged = Massage { date: m.date, start: None, pressure: m.pressure, kind: Some(m.kind), race: m.race.as_ref().map(|r| r.date) };
            let warned = evaluate(&season, &judged).iter().any(|f| f.severity == Severity::Warning);
            if warned {
                let a_race = m.race.as_ref().is_some_and(|r| r.priority == Priority::A)
                    && matches!(m.kind, kneadtime_domain::Kind::PreEvent | kneadtime_domain::Kind::PostEvent);
                // Or maintenance bent to a shorter, lighter session rather than dropped.
                let full = season.profile().sessions.get(m.kind).length_min;
                let shortened = matches!(m.kind, kneadtime_domain::Kind::Maintenance | kneadtime_domain::Kind::RecoveryPhase)
                    && m.pressure == kneadtime_domain::Pressure::Light
                    && m.duration_min < full;
                prop_assert!(a_race || shortened, "{m:?}");
                prop_assert!(p.findings.iter().any(|f| f.date == m.date), "a compromise is reported: {m:?}");
            }
        }
    }
}
