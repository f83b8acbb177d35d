//! Events as long as they last: a stage race is a race on every day it covers, post-race
//! rules count from the finish, and the hours since an overnight finish are said.

mod common;
use common::{easy_every_other_day, season};
use jiff::civil::{Date, date};
use kneadtime_domain::{
    Entry, Kind, Massage, PlanRequest, Pressure, Priority, RuleId, Severity, Wanted, day_fit,
    evaluate, plan,
};

fn moderate(d: Date) -> Massage {
    Massage {
        date: d,
        start: None,
        pressure: Pressure::Moderate,
        kind: None,
        race: None,
    }
}

#[test]
fn a_stage_race_is_a_race_on_every_day_and_recovery_counts_from_its_last() {
    let mut stage = Entry::new(date(2027, 9, 3), "Trans Alpine Run stage race 250 km (A)");
    stage.last_date = Some(date(2027, 9, 5));
    let mut entries = vec![stage];
    entries.extend(easy_every_other_day(date(2027, 7, 20), 40));
    let s = season(&entries);
    assert_eq!(s.races().len(), 1);
    assert_eq!(s.races()[0].priority, Priority::A);
    for d in [date(2027, 9, 3), date(2027, 9, 4), date(2027, 9, 5)] {
        let f = evaluate(&s, &moderate(d));
        assert!(
            f.iter()
                .any(|f| f.rule == RuleId::RaceDay && f.severity == Severity::Error),
            "{d}: {f:?}"
        );
    }
    // The day after the finish, not the day after the start.
    let f = evaluate(&s, &moderate(date(2027, 9, 6)));
    let too_soon = f
        .iter()
        .find(|f| f.rule == RuleId::PostRaceTooSoon)
        .expect("the day after the finish");
    assert_eq!(too_soon.severity, Severity::Error);
    assert!(
        too_soon.message.contains("after you finish"),
        "{}",
        too_soon.message
    );

    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 8, 1)),
            ..PlanRequest::default()
        },
    );
    for m in &p.massages {
        assert!(
            !(date(2027, 9, 2)..=date(2027, 9, 6)).contains(&m.date),
            "a massage on {} in the middle of the race",
            m.date
        );
    }
    let post = p
        .massages
        .iter()
        .find(|m| m.kind == Kind::PostEvent)
        .expect("a post-race massage");
    assert!(post.date >= date(2027, 9, 7), "post-race on {}", post.date);
    assert!(post.why.contains("after you finish"), "{}", post.why);
}

#[test]
fn an_overnight_ultra_counts_hours_from_the_finish() {
    let mut ultra = Entry::new(date(2027, 7, 24), "Lakeland 100 mile race");
    ultra.start = Some(date(2027, 7, 24).at(18, 0, 0, 0));
    ultra.duration_min = Some(34.0 * 60.0);
    let s = season(&[ultra]);
    let r = &s.races()[0];
    assert_eq!(
        r.last_day(),
        date(2027, 7, 26),
        "34 hours from Saturday 18:00 end on Monday"
    );
    assert_eq!(r.distance_km, Some(100.0 * 1.609_344));
    // Monday evening, hours after the finish: still race day, then the day after.
    let wanted = Wanted {
        kind: Some(Kind::PostEvent),
        pressure_min: Pressure::Light,
        pressure_max: Pressure::Moderate,
    };
    assert!(
        !day_fit(
            &s,
            wanted,
            date(2027, 7, 27),
            Some(date(2027, 7, 27).at(10, 0, 0, 0)),
            &[]
        )
        .allowed
    );
    let fit = day_fit(
        &s,
        wanted,
        date(2027, 7, 28),
        Some(date(2027, 7, 28).at(10, 0, 0, 0)),
        &[],
    );
    assert!(fit.allowed, "{fit:?}");
    assert!(
        fit.reasons
            .iter()
            .any(|r| r.contains("54 h after you finish")),
        "{:?}",
        fit.reasons
    );
}

#[test]
fn the_run_that_stands_out_is_the_weeks_long_run_whatever_its_title() {
    let mk = |d: Date, title: &str, minutes: f64| {
        let mut e = Entry::new(d, title);
        e.duration_min = Some(minutes);
        e
    };
    let week = [
        mk(date(2027, 3, 1), "Steady run", 45.0),
        mk(date(2027, 3, 3), "Steady run", 50.0),
        mk(date(2027, 3, 5), "Steady run", 40.0),
        mk(date(2027, 3, 7), "Steady run", 120.0),
    ];
    let s = season(&week);
    let sunday = s.sessions_on(date(2027, 3, 7)).next().unwrap();
    assert_eq!(
        sunday.class,
        kneadtime_domain::Class::Long,
        "two hours in a week of 45-minute runs"
    );
    assert!(s.quality_on(date(2027, 3, 7)).is_some());
    // A week of equal runs has no long run made up.
    let even = [
        mk(date(2027, 3, 1), "Run", 60.0),
        mk(date(2027, 3, 3), "Run", 60.0),
        mk(date(2027, 3, 5), "Run", 65.0),
    ];
    let s = season(&even);
    assert!(
        s.sessions
            .iter()
            .all(|x| x.class == kneadtime_domain::Class::Easy)
    );
}

#[test]
fn a_training_camp_is_training_on_every_day_it_covers() {
    for title in [
        "Training camp Mallorca",
        "Trainingslager Kenia",
        "Stage d'entraînement à Font-Romeu",
        "Concentración en Sierra Nevada",
        "Ritiro in altura",
        "Trainingskamp Portugal",
        "Estágio em altitude",
    ] {
        let mut camp = Entry::new(date(2027, 3, 8), title);
        camp.last_date = Some(date(2027, 3, 14));
        let mut entries = vec![camp];
        for k in 0..21 {
            let d = date(2027, 2, 15)
                .checked_add(jiff::Span::new().days(k * 2))
                .unwrap();
            if !(date(2027, 3, 8)..=date(2027, 3, 14)).contains(&d) {
                entries.push(Entry::new(d, "Easy 8 km"));
            }
        }
        let s = season(&entries);
        for d in kneadtime_domain::dates::days(date(2027, 3, 8), date(2027, 3, 14)) {
            assert!(s.quality_on(d).is_some(), "{title}: {d} is a camp day");
        }
        // The camp week carries more load than the weeks around it.
        let week = |monday: Date| {
            s.weeks()
                .iter()
                .find(|w| w.start == monday)
                .map(|w| w.load)
                .unwrap_or(0.0)
        };
        assert!(
            week(date(2027, 3, 8)) > 2.0 * week(date(2027, 3, 1)),
            "{title}: {} vs {}",
            week(date(2027, 3, 8)),
            week(date(2027, 3, 1))
        );
        let p = plan(
            &s,
            &kneadtime_domain::PlanRequest {
                from: Some(date(2027, 2, 15)),
                ..Default::default()
            },
        );
        assert!(
            !p.massages
                .iter()
                .any(|m| (date(2027, 3, 7)..=date(2027, 3, 14)).contains(&m.date)),
            "{title}: no massage during the camp or on its eve: {:#?}",
            p.massages
        );
    }
}

/// A holiday or a trip in the training calendar, in any language, is days away: no
/// massage is proposed on any day it covers, and it is not taken for a run.
#[test]
fn a_holiday_in_the_training_calendar_keeps_massage_off_every_day_it_covers() {
    for title in [
        "Holiday in Spain",
        "Urlaub Mallorca",
        "Vacances en Bretagne",
        "Vacaciones",
        "Vakantie",
        "Férias no Algarve",
        "Vacanze al mare",
    ] {
        let mut away = Entry::new(date(2027, 3, 8), title);
        away.last_date = Some(date(2027, 3, 21));
        let mut entries = vec![away];
        for k in 0..70 {
            let d = date(2027, 1, 4)
                .checked_add(jiff::Span::new().days(k))
                .unwrap();
            let t = match k % 7 {
                0 => "Rest",
                1 => "Intervals 6x800",
                5 => "Long run 25 km",
                _ => "Easy 8 km",
            };
            entries.push(Entry::new(d, t));
        }
        let s = season(&entries);
        let holiday = s
            .sessions
            .iter()
            .find(|x| &*x.title == title)
            .expect("the holiday is in the season");
        assert!(!holiday.unclassified, "{title:?} is understood");
        assert_ne!(
            holiday.class,
            kneadtime_domain::Class::Easy,
            "{title:?} is no run"
        );
        let p = plan(
            &s,
            &PlanRequest {
                from: Some(date(2027, 1, 4)),
                to: Some(date(2027, 4, 30)),
                ..Default::default()
            },
        );
        assert!(!p.massages.is_empty(), "{title:?}");
        for m in &p.massages {
            assert!(
                m.date < date(2027, 3, 8) || m.date > date(2027, 3, 21),
                "{title:?}: a massage on {} while away",
                m.date
            );
        }
    }
}

/// A training run of a marathon's distance or more, or four hours on foot, is recovered
/// from like a long race: no massage that day or the next, whatever its title calls it;
/// a shorter long run keeps the ordinary rules.
#[test]
fn an_ultra_length_training_run_is_recovered_from_like_a_race() {
    let mut entries = easy_every_other_day(date(2027, 5, 1), 30);
    entries.push(Entry::new(date(2027, 6, 12), "Long run 50 km"));
    let mut timed = Entry::new(date(2027, 6, 26), "Trail run");
    timed.duration_min = Some(300.0);
    timed.start = Some(date(2027, 6, 26).at(7, 0, 0, 0));
    entries.push(timed);
    entries.push(Entry::new(date(2027, 7, 3), "Long run 30 km"));
    // Days of training in one entry are not one effort.
    let mut camp = Entry::new(date(2027, 7, 10), "Trainingslager Mallorca 150 km");
    camp.last_date = Some(date(2027, 7, 16));
    entries.push(camp);
    let s = season(&entries);
    assert!(s.races().is_empty(), "training runs are not races");
    for d in [
        date(2027, 6, 12),
        date(2027, 6, 13),
        date(2027, 6, 26),
        date(2027, 6, 27),
    ] {
        let f = evaluate(&s, &moderate(d));
        let too_soon = f
            .iter()
            .find(|f| f.rule == RuleId::PostRaceTooSoon)
            .unwrap_or_else(|| panic!("{d}: {f:?}"));
        assert_eq!(too_soon.severity, Severity::Error, "{d}");
    }
    // Hours since the end, where the start and length are known (07:00 + 5 h = 12:00).
    let mut next_day = moderate(date(2027, 6, 27));
    next_day.start = Some(date(2027, 6, 27).at(10, 0, 0, 0));
    let f = evaluate(&s, &next_day);
    let said = &f
        .iter()
        .find(|f| f.rule == RuleId::PostRaceTooSoon)
        .expect("too soon")
        .message;
    assert!(said.contains("22 h after"), "{said}");
    // Two days after, after an ordinary long run, and inside a camp, nothing forbids a
    // massage.
    for d in [date(2027, 6, 14), date(2027, 7, 4), date(2027, 7, 11)] {
        let f = evaluate(&s, &moderate(d));
        assert!(
            !f.iter().any(|f| f.severity == Severity::Error),
            "{d}: {f:?}"
        );
    }
    // The planner never proposes those days.
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 5, 1)),
            ..Default::default()
        },
    );
    for m in &p.massages {
        assert!(
            ![
                date(2027, 6, 12),
                date(2027, 6, 13),
                date(2027, 6, 26),
                date(2027, 6, 27)
            ]
            .contains(&m.date),
            "{m:?}"
        );
    }
}

/// The race a plan laid out by week leads to: the one marked A, else the longest.
#[test]
fn the_goal_day_is_the_marked_or_the_longest_race() {
    use kneadtime_domain::RaceSpec;
    let spec = |d: Date, km: f64, p: Option<Priority>| RaceSpec {
        date: d,
        name: String::new(),
        distance_km: Some(km),
        priority: p,
    };
    let marathon = spec(date(2027, 4, 25), 42.195, None);
    let fun = spec(date(2027, 5, 9), 10.0, None);
    assert_eq!(
        RaceSpec::goal_day(&[marathon.clone(), fun.clone()]),
        Some(date(2027, 4, 25))
    );
    let marked = spec(date(2027, 5, 9), 10.0, Some(Priority::A));
    assert_eq!(
        RaceSpec::goal_day(&[marathon.clone(), marked]),
        Some(date(2027, 5, 9))
    );
    let tune_up = spec(date(2027, 3, 1), 50.0, Some(Priority::C));
    assert_eq!(
        RaceSpec::goal_day(&[tune_up, marathon, fun]),
        Some(date(2027, 4, 25))
    );
    assert_eq!(RaceSpec::goal_day(&[]), None);
}

/// In the days after a long race or a run of a marathon's length, deep work waits: the
/// planner keeps sessions then to moderate or lighter.
#[test]
fn deep_work_waits_after_a_very_long_run() {
    let mut entries = easy_every_other_day(date(2027, 5, 1), 40);
    entries.push(Entry::new(date(2027, 6, 12), "Long run 50 km"));
    let s = season(&entries);
    let deep = |d: Date| Massage {
        pressure: Pressure::Deep,
        ..moderate(d)
    };
    for d in [date(2027, 6, 14), date(2027, 6, 17)] {
        let f = evaluate(&s, &deep(d));
        assert!(
            f.iter()
                .any(|f| f.rule == RuleId::DeepAfterEffort && f.severity == Severity::Warning),
            "{d}: {f:?}"
        );
        assert!(
            !evaluate(&s, &moderate(d))
                .iter()
                .any(|f| f.rule == RuleId::DeepAfterEffort),
            "{d}"
        );
    }
    assert!(
        !evaluate(&s, &deep(date(2027, 6, 18)))
            .iter()
            .any(|f| f.rule == RuleId::DeepAfterEffort)
    );
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 6, 13)),
            ..Default::default()
        },
    );
    let first = p.massages.first().expect("a session");
    assert!(
        first.date > date(2027, 6, 17) || first.pressure != Pressure::Deep,
        "{first:?}"
    );
}
