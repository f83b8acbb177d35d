//! One breaking and one passing case for every rule id, written as small calendars.

use jiff::civil::{Date, date};
use kneadtime_domain::plan::interval_findings;
use kneadtime_domain::{
    Entry, Kind, Massage, PlanRequest, Pressure, Profile, RaceSpec, RuleId, Season, Severity,
    classify, evaluate, plan,
};

/// A season from (date, title) pairs, races settled as the calendar says.
fn season(entries: &[(Date, &str)]) -> Season {
    Season::new(
        entries
            .iter()
            .map(|(d, t)| classify(&Entry::new(*d, *t)))
            .collect(),
        &[],
        &Profile::default(),
    )
}

fn massage(d: Date, pressure: Pressure, kind: Option<Kind>) -> Massage {
    Massage {
        date: d,
        start: None,
        pressure,
        kind,
        race: None,
    }
}

/// The rules broken, with their severity.
fn broken(s: &Season, m: &Massage) -> Vec<(RuleId, Severity)> {
    evaluate(s, m)
        .into_iter()
        .map(|f| (f.rule, f.severity))
        .collect()
}

fn check(s: &Season, m: Massage, rule: RuleId, expected: Option<Severity>) {
    let got = broken(s, &m);
    let found = got.iter().find(|(r, _)| *r == rule).map(|(_, sev)| *sev);
    assert_eq!(
        found, expected,
        "{rule} for a massage on {}: all findings {got:?}",
        m.date
    );
}

const MARATHON: Date = date(2027, 4, 25);

fn marathon() -> Season {
    season(&[(MARATHON, "Spring Marathon")])
}

#[test]
fn race_day() {
    let s = marathon();
    check(
        &s,
        massage(MARATHON, Pressure::Light, None),
        RuleId::RaceDay,
        Some(Severity::Error),
    );
    check(
        &s,
        massage(date(2027, 4, 20), Pressure::Light, None),
        RuleId::RaceDay,
        None,
    );
}

#[test]
fn race_eve_is_an_error_with_self_care_advice() {
    let s = marathon();
    let f = evaluate(&s, &massage(date(2027, 4, 24), Pressure::Light, None));
    let eve = f
        .iter()
        .find(|f| f.rule == RuleId::RaceEve)
        .expect("race-eve");
    assert_eq!(eve.severity, Severity::Error);
    assert!(
        eve.advice
            .as_deref()
            .is_some_and(|a| a.contains("foam rolling"))
    );
    check(
        &s,
        massage(date(2027, 4, 22), Pressure::Light, None),
        RuleId::RaceEve,
        None,
    );
    // Any race counts, C races too.
    let parkrun = season(&[(date(2027, 5, 1), "Parkrun")]);
    check(
        &parkrun,
        massage(date(2027, 4, 30), Pressure::Light, None),
        RuleId::RaceEve,
        Some(Severity::Error),
    );
}

#[test]
fn post_race_too_soon_is_an_error_after_long_races_and_a_warning_after_short_ones() {
    let s = marathon();
    check(
        &s,
        massage(date(2027, 4, 26), Pressure::Light, None),
        RuleId::PostRaceTooSoon,
        Some(Severity::Error),
    );
    check(
        &s,
        massage(date(2027, 4, 27), Pressure::Light, None),
        RuleId::PostRaceTooSoon,
        None,
    );
    let ten_k = season(&[(date(2027, 6, 13), "Race: City 10K")]);
    check(
        &ten_k,
        massage(date(2027, 6, 14), Pressure::Light, None),
        RuleId::PostRaceTooSoon,
        Some(Severity::Warning),
    );
    let half = season(&[(date(2027, 3, 28), "Half Marathon")]);
    check(
        &half,
        massage(date(2027, 3, 29), Pressure::Light, None),
        RuleId::PostRaceTooSoon,
        Some(Severity::Error),
    );
}

#[test]
fn pre_event_window() {
    let s = marathon();
    // Two days out: judged as the pre-race massage, too close.
    check(
        &s,
        massage(date(2027, 4, 23), Pressure::Light, None),
        RuleId::PreEventWindow,
        Some(Severity::Warning),
    );
    // Labelled pre-race but ten days out: too early.
    check(
        &s,
        massage(date(2027, 4, 15), Pressure::Light, Some(Kind::PreEvent)),
        RuleId::PreEventWindow,
        Some(Severity::Warning),
    );
    for k in 3..=7 {
        let d = date(2027, 4, 25 - k);
        check(
            &s,
            massage(d, Pressure::Light, None),
            RuleId::PreEventWindow,
            None,
        );
    }
    // Race eve is race-eve, not also a window warning.
    check(
        &s,
        massage(date(2027, 4, 24), Pressure::Light, None),
        RuleId::PreEventWindow,
        None,
    );
}

#[test]
fn post_event_window() {
    let s = marathon();
    check(
        &s,
        massage(date(2027, 5, 2), Pressure::Light, Some(Kind::PostEvent)),
        RuleId::PostEventWindow,
        Some(Severity::Warning),
    );
    for k in 2..=5 {
        let d = date(2027, 4, 25 + k);
        check(
            &s,
            massage(d, Pressure::Light, Some(Kind::PostEvent)),
            RuleId::PostEventWindow,
            None,
        );
    }
    // After a short race the day after is judged as its post-race massage: too soon.
    let ten_k = season(&[(date(2027, 6, 13), "Race: City 10K")]);
    check(
        &ten_k,
        massage(date(2027, 6, 14), Pressure::Light, None),
        RuleId::PostEventWindow,
        None,
    );
}

#[test]
fn eve_of_quality() {
    let s = season(&[
        (date(2027, 2, 9), "Intervals 6x800 @ 5K"),
        (date(2027, 2, 14), "Long run 28 km"),
    ]);
    check(
        &s,
        massage(date(2027, 2, 8), Pressure::Moderate, None),
        RuleId::EveOfQuality,
        Some(Severity::Warning),
    );
    check(
        &s,
        massage(date(2027, 2, 13), Pressure::Moderate, None),
        RuleId::EveOfQuality,
        Some(Severity::Warning),
    );
    check(
        &s,
        massage(date(2027, 2, 11), Pressure::Moderate, None),
        RuleId::EveOfQuality,
        None,
    );
}

#[test]
fn after_quality() {
    let s = season(&[(date(2027, 2, 9), "Tempo 5 mi")]);
    check(
        &s,
        massage(date(2027, 2, 9), Pressure::Moderate, None),
        RuleId::AfterQuality,
        Some(Severity::Warning),
    );
    check(
        &s,
        massage(date(2027, 2, 10), Pressure::Moderate, None),
        RuleId::AfterQuality,
        None,
    );
}

#[test]
fn taper_pressure() {
    let s = marathon();
    check(
        &s,
        massage(date(2027, 4, 15), Pressure::Deep, None),
        RuleId::TaperPressure,
        Some(Severity::Warning),
    );
    check(
        &s,
        massage(date(2027, 4, 15), Pressure::Moderate, None),
        RuleId::TaperPressure,
        None,
    );
    check(
        &s,
        massage(date(2027, 4, 5), Pressure::Deep, None),
        RuleId::TaperPressure,
        None,
    );
}

#[test]
fn deep_needs_buffer() {
    let s = season(&[(date(2027, 2, 11), "Hill repeats")]);
    check(
        &s,
        massage(date(2027, 2, 9), Pressure::Deep, None),
        RuleId::DeepNeedsBuffer,
        Some(Severity::Warning),
    );
    check(
        &s,
        massage(date(2027, 2, 8), Pressure::Deep, None),
        RuleId::DeepNeedsBuffer,
        None,
    );
    check(
        &s,
        massage(date(2027, 2, 9), Pressure::Moderate, None),
        RuleId::DeepNeedsBuffer,
        None,
    );
}

#[test]
fn maintenance_interval() {
    // A steady base: sessions every week, no race.
    let entries: Vec<(Date, &str)> = (0..20)
        .map(|w| {
            (
                date(2027, 1, 4)
                    .checked_add(jiff::Span::new().weeks(w))
                    .unwrap(),
                "Easy 8 km",
            )
        })
        .collect();
    let s = season(&entries);
    let too_long = interval_findings(&s, &[date(2027, 1, 5), date(2027, 3, 9)], None);
    assert_eq!(too_long.len(), 1, "{too_long:?}");
    assert_eq!(too_long[0].rule, RuleId::MaintenanceInterval);
    assert_eq!(too_long[0].severity, Severity::Info);
    let fine = interval_findings(&s, &[date(2027, 1, 5), date(2027, 2, 2)], None);
    assert!(fine.is_empty(), "{fine:?}");
}

#[test]
fn prefer_rest_day() {
    // Rest on Friday, easy every other day: the maintenance lands on the rest day.
    let mut entries = Vec::new();
    for day in 4..=17 {
        let d = date(2027, 1, day);
        let title = if d.weekday() == jiff::civil::Weekday::Friday {
            "Rest"
        } else {
            "Easy 6 km"
        };
        entries.push((d, title));
    }
    let s = season(&entries);
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 1, 4)),
            to: Some(date(2027, 1, 17)),
            ..Default::default()
        },
    );
    let first = p.massages.first().expect("a maintenance session");
    assert_eq!(first.date.weekday(), jiff::civil::Weekday::Friday);
    assert!(first.rules.contains(&RuleId::PreferRestDay));
    // With no rest day in reach, the rule is not claimed.
    let s = season(
        &entries
            .iter()
            .map(|(d, _)| (*d, "Easy 6 km"))
            .collect::<Vec<_>>(),
    );
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 1, 4)),
            to: Some(date(2027, 1, 17)),
            ..Default::default()
        },
    );
    assert!(
        p.massages
            .iter()
            .all(|m| !m.rules.contains(&RuleId::PreferRestDay))
    );
}

#[test]
fn plan_ahead_covers_the_whole_season_at_once() {
    let s = Season::new(
        vec![classify(&Entry::new(date(2027, 1, 4), "Easy 8 km"))],
        &[RaceSpec {
            name: String::new(),
            date: MARATHON,
            distance_km: Some(42.195),
            priority: Some(kneadtime_domain::Priority::A),
        }],
        &Profile::default(),
    );
    let p = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 1, 4)),
            ..Default::default()
        },
    );
    let kinds: Vec<Kind> = p.massages.iter().map(|m| m.kind).collect();
    assert!(kinds.contains(&Kind::Maintenance));
    assert!(kinds.contains(&Kind::PreEvent));
    assert!(kinds.contains(&Kind::PostEvent));
    assert!(kinds.contains(&Kind::RecoveryPhase));
    assert!(
        p.massages.last().unwrap().date > MARATHON,
        "planned past the race, in one go"
    );
    // Planning from a later day drops what is already past, not the rest.
    let later = plan(
        &s,
        &PlanRequest {
            from: Some(date(2027, 4, 1)),
            ..Default::default()
        },
    );
    assert!(later.massages.iter().all(|m| m.date >= date(2027, 4, 1)));
    assert!(later.massages.iter().any(|m| m.kind == Kind::PostEvent));
}

#[test]
fn every_rule_has_an_explanation() {
    for r in RuleId::ALL {
        let info = kneadtime_domain::rule::describe(r, &Profile::default());
        assert!(!info.summary.is_empty() && !info.why.is_empty(), "{r}");
        assert_eq!(RuleId::parse(r.as_str()), Some(r));
    }
}

#[test]
fn profile_numbers_change_the_rules() {
    let p = Profile::from_toml("[windows]\npre_event_min_days = 4\npre_event_ideal_days = 5\n")
        .unwrap();
    let s = Season::new(
        vec![classify(&Entry::new(MARATHON, "Spring Marathon"))],
        &[],
        &p,
    );
    check(
        &s,
        massage(date(2027, 4, 22), Pressure::Light, None),
        RuleId::PreEventWindow,
        Some(Severity::Warning),
    );
    check(
        &marathon(),
        massage(date(2027, 4, 22), Pressure::Light, None),
        RuleId::PreEventWindow,
        None,
    );
}

/// A massage on a day the calendar says the runner is away (a holiday, a trip) is
/// flagged, with the trip named and a day at home suggested; the days around it are not.
#[test]
fn away() {
    let mut trip = Entry::new(date(2027, 5, 10), "Holiday in Spain");
    trip.last_date = Some(date(2027, 5, 14));
    let mut sessions = vec![classify(&trip)];
    for k in 0..20 {
        sessions.push(classify(&Entry::new(
            date(2027, 5, 1)
                .checked_add(jiff::Span::new().days(k * 2))
                .unwrap(),
            "Easy 8 km",
        )));
    }
    let s = Season::new(sessions, &[], &Profile::default());
    for d in [date(2027, 5, 10), date(2027, 5, 12), date(2027, 5, 14)] {
        check(
            &s,
            massage(d, Pressure::Moderate, None),
            RuleId::Away,
            Some(Severity::Warning),
        );
        let f = evaluate(&s, &massage(d, Pressure::Moderate, None));
        let said = &f.iter().find(|f| f.rule == RuleId::Away).unwrap().message;
        assert!(said.contains("Holiday in Spain"), "{said}");
    }
    for d in [date(2027, 5, 9), date(2027, 5, 15)] {
        check(&s, massage(d, Pressure::Moderate, None), RuleId::Away, None);
    }
    let booked = kneadtime_domain::Booking {
        massage: massage(date(2027, 5, 12), Pressure::Moderate, None),
        pressure_unknown: false,
    };
    let found = kneadtime_domain::check(&s, &[booked]);
    let away = found
        .iter()
        .find(|f| f.rule == RuleId::Away)
        .expect("flagged");
    let moved = away.suggestion.expect("a day at home");
    assert!(!s.is_away(moved), "{moved}");
}
