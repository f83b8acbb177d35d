//! Allocation tests: the rules' windows, the optimum against an independent LP solver
//! and against brute force, and incremental changes against solving afresh.

use super::*;
use good_lp::{Expression, Solution, SolverModel, constraint, microlp, variable, variables};
use jiff::civil::time;
use proptest::prelude::*;

fn marathon() -> Event {
    sample::event()
}

fn shift(t: &str, clinic: &str, d: Date, from: i8, to: i8) -> Shift {
    Shift {
        therapist: t.into(),
        therapist_name: t.to_uppercase(),
        clinic: clinic.into(),
        date: d,
        from: time(from, 0, 0, 0),
        to: time(to, 0, 0, 0),
        busy: Vec::new(),
    }
}

fn runner(id: &str) -> Runner {
    Runner {
        id: id.into(),
        name: id.into(),
        ..Runner::default()
    }
}

fn booked(a: &Allocation, id: &str) -> Option<Slot> {
    match a.outcome(a.index(id).expect("runner")) {
        Outcome::Booked { slot, .. } => Some(slot),
        _ => None,
    }
}

/// Every booked slot is held by one runner only, and inside the runner's window.
fn no_double_booking(a: &Allocation) {
    let mut seen = std::collections::HashSet::new();
    for r in 0..a.runners().len() {
        if let Outcome::Booked { slot, .. } = a.outcome(r) {
            assert!(
                seen.insert((slot.therapist.clone(), slot.start)),
                "two runners on {} at {}",
                slot.therapist,
                slot.start
            );
        }
    }
}

#[test]
fn post_race_times_fall_in_the_window_and_never_the_day_after() {
    let e = marathon();
    let shifts: Vec<Shift> = (0..7)
        .map(|k| shift("sam", "North", add_days(e.date, k), 9, 18))
        .collect();
    let runners: Vec<Runner> = (0..40).map(|i| runner(&format!("r{i}"))).collect();
    let a = Allocation::solve(e.clone(), runners, shifts, &Profile::default()).expect("solves");
    let w = &Profile::default().windows;
    for r in 0..a.runners().len() {
        if let Outcome::Booked { slot, .. } = a.outcome(r) {
            let d = slot.start.date();
            assert!(d >= add_days(e.date, w.post_event_min_days), "{d}");
            assert!(d <= add_days(e.date, w.post_event_max_days), "{d}");
        }
    }
    // Nine times a day (09:00 to 18:00, an hour each), four days in the window.
    let s = a.summary();
    assert_eq!(s.served, 36);
    assert_eq!(s.waitlisted, 4);
    no_double_booking(&a);
    // The ideal days fill first.
    assert_eq!(s.ideal, 18);
}

#[test]
fn an_overnight_finish_moves_the_window_a_day_on() {
    let mut e = marathon();
    e.distance_km = Some(160.9);
    let shifts: Vec<Shift> = (0..7)
        .map(|k| shift("sam", "North", add_days(e.date, k), 9, 12))
        .collect();
    let mut late = runner("late");
    late.finish = Some(add_days(e.date, 1).to_datetime(time(6, 30, 0, 0)));
    let a = Allocation::solve(e.clone(), vec![late], shifts, &Profile::default()).expect("solves");
    let slot = booked(&a, "late").expect("booked");
    assert!(slot.start.date() >= add_days(e.date, 3), "{}", slot.start);
}

#[test]
fn priority_wins_a_contested_time_and_the_other_is_told_why() {
    let e = marathon();
    let d = add_days(e.date, 2);
    let shifts = vec![shift("sam", "North", d, 9, 10)];
    let mut elite = runner("elite");
    elite.tier = Tier::Elite;
    elite.days = vec![d];
    let mut first = runner("first");
    first.days = vec![d];
    // "first" asked first; first come, first served would give it the only time.
    let a = Allocation::solve(e, vec![first, elite], shifts, &Profile::default()).expect("solves");
    assert!(booked(&a, "elite").is_some());
    match a.outcome(a.index("first").unwrap()) {
        Outcome::Waitlisted { reason } => assert!(reason.contains("waitlist"), "{reason}"),
        o => panic!("expected the waitlist, found {o:?}"),
    }
}

#[test]
fn serving_more_runners_comes_before_anyones_preference() {
    // Two runners, two times: "flex" prefers the morning but can come in the afternoon;
    // "fixed" can only come in the morning. Both are served.
    let e = marathon();
    let d = add_days(e.date, 2);
    let shifts = vec![
        shift("sam", "North", d, 10, 11),
        shift("kim", "North", d, 14, 15),
    ];
    let mut flex = runner("flex");
    flex.parts = vec![Part::Morning];
    let mut fixed = runner("fixed");
    fixed.days = vec![d];
    fixed.clinics = vec!["North".into()];
    let a = Allocation::solve(e, vec![flex, fixed], shifts, &Profile::default()).expect("solves");
    assert_eq!(a.summary().served, 2);
    no_double_booking(&a);
}

#[test]
fn a_therapist_who_does_not_work_then_is_not_called_fully_booked() {
    let e = marathon();
    let d = add_days(e.date, 2);
    let shifts = vec![shift("sam", "North", d, 10, 12)];
    let mut r = runner("r");
    r.therapist = Some("kim".into());
    let a = Allocation::solve(e, vec![r], shifts, &Profile::default()).expect("solves");
    match a.outcome(0) {
        Outcome::Booked { slot, reasons, .. } => {
            assert_eq!(slot.therapist, "sam");
            assert!(
                reasons.iter().any(|x| x.contains("does not work")),
                "{reasons:?}"
            );
            assert!(
                !reasons.iter().any(|x| x.contains("fully booked")),
                "{reasons:?}"
            );
        }
        o => panic!("expected a booking, found {o:?}"),
    }
}

#[test]
fn a_preferred_therapist_is_given_when_free() {
    let e = marathon();
    let d = add_days(e.date, 2);
    let shifts = vec![
        shift("sam", "North", d, 10, 12),
        shift("kim", "North", d, 10, 12),
    ];
    let mut r = runner("r");
    r.therapist = Some("kim".into());
    let a = Allocation::solve(e, vec![r], shifts, &Profile::default()).expect("solves");
    assert_eq!(booked(&a, "r").expect("booked").therapist, "kim");
}

#[test]
fn bad_input_is_refused_with_what_was_expected() {
    let e = marathon();
    let mut bad = shift("sam", "North", e.date, 12, 9);
    let err = Allocation::solve(e.clone(), vec![], vec![bad.clone()], &Profile::default())
        .expect_err("end before start");
    assert!(err.0.contains("expected the end after the start"), "{err}");
    bad.to = time(18, 0, 0, 0);
    let twice = vec![runner("a"), runner("a")];
    let err = Allocation::solve(e.clone(), twice, vec![bad.clone()], &Profile::default())
        .expect_err("duplicate id");
    assert!(err.0.contains("twice"), "{err}");
    let overlap = vec![bad.clone(), shift("sam", "South", e.date, 17, 19)];
    let err = Allocation::solve(e.clone(), vec![], overlap, &Profile::default())
        .expect_err("overlapping shifts");
    assert!(err.0.contains("do not overlap"), "{err}");
    let mut far = runner("far");
    far.finish = Some(add_days(e.date, 30).to_datetime(time(9, 0, 0, 0)));
    let err = Allocation::solve(e, vec![far], vec![bad], &Profile::default()).expect_err("finish");
    assert!(err.0.contains("expected a finish"), "{err}");
}

#[test]
fn busy_time_is_never_offered() {
    let e = marathon();
    let d = add_days(e.date, 2);
    let mut s = shift("sam", "North", d, 9, 12);
    s.busy = vec![(time(9, 30, 0, 0), time(10, 15, 0, 0))];
    let slots = shift_slots(&s, 45, 15);
    // 09:00 would run into the busy span (with its buffer); 10:15 is the first clear
    // start, and 11:15 ends at noon with the shift.
    assert_eq!(
        slots,
        vec![
            (time(10, 15, 0, 0), time(11, 0, 0, 0)),
            (time(11, 15, 0, 0), time(12, 0, 0, 0))
        ]
    );
}

/// A random clinic group and field of runners, small enough for the LP solver.
fn instance(seed: u64, runners: usize, therapists: usize) -> (Event, Vec<Runner>, Vec<Shift>) {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    };
    let e = marathon();
    let clinics = ["North", "South", "East"];
    let mut shifts = Vec::new();
    for t in 0..therapists {
        let clinic = clinics[t % clinics.len()];
        for k in 1..=6 {
            if next(4) == 0 {
                continue;
            }
            let from = 8 + next(8) as i8;
            let to = (from + 1 + next(5) as i8).min(21);
            let mut s = shift(&format!("t{t}"), clinic, add_days(e.date, k), from, to);
            if next(3) == 0 {
                let b = from + next((to - from) as u64) as i8;
                s.busy = vec![(time(b, 0, 0, 0), time(b, 45, 0, 0))];
            }
            shifts.push(s);
        }
    }
    let rs = (0..runners)
        .map(|i| {
            let mut r = runner(&format!("r{i:03}"));
            for _ in 0..next(3) {
                let c = clinics[next(3) as usize].to_string();
                if !r.clinics.contains(&c) {
                    r.clinics.push(c);
                }
            }
            if next(3) == 0 {
                r.days = vec![add_days(e.date, 2 + next(3) as i32)];
            }
            if next(3) == 0 {
                r.parts = vec![Part::ALL[next(3) as usize]];
            }
            if next(5) == 0 {
                r.therapist = Some(format!("t{}", next(therapists as u64)));
            }
            r.tier = [Tier::Standard, Tier::Standard, Tier::Charity, Tier::Elite][next(4) as usize];
            if next(6) == 0 {
                r.finish = Some(add_days(e.date, 1).to_datetime(time(2, 0, 0, 0)));
            }
            r
        })
        .collect();
    (e, rs, shifts)
}

/// The optimum by an independent LP over one variable per runner and therapist block,
/// in three stages: most runners served; then the most priority among those; then the
/// most fit. The constraint matrix is a transportation problem's, so each stage's LP
/// optimum is also the best integral one.
fn lp_optimum(a: &Allocation) -> (f64, f64, f64) {
    let blocks = a.capacity();
    let mut vars = variables!();
    // (runner, block) -> (variable, fit)
    let mut x: Vec<(usize, usize, good_lp::Variable, i64)> = Vec::new();
    for r in 0..a.runners().len() {
        let mut best: std::collections::BTreeMap<usize, i64> = Default::default();
        for (who, clinic, d, part, fit) in a.choices_of(r) {
            for (k, (t, c, bd, bp, _)) in blocks.iter().enumerate() {
                if *c == clinic && *bd == d && *bp == part && who.as_ref().is_none_or(|w| w == t) {
                    let f = best.entry(k).or_insert(fit);
                    *f = (*f).max(fit);
                }
            }
        }
        for (k, fit) in best {
            x.push((r, k, vars.add(variable().min(0).max(1)), fit));
        }
    }
    let weight = |r: usize| a.runners()[r].tier.weight() as f64;
    let served: Expression = x.iter().map(|v| v.2).sum();
    let prio: Expression = x.iter().map(|v| weight(v.0) * v.2).sum();
    let fit: Expression = x.iter().map(|v| v.3 as f64 * v.2).sum();
    let limits = |mut m: good_lp::solvers::microlp::MicroLpProblem| {
        for r in 0..a.runners().len() {
            let e: Expression = x.iter().filter(|v| v.0 == r).map(|v| v.2).sum();
            m = m.with(constraint!(e <= 1));
        }
        for (k, b) in blocks.iter().enumerate() {
            let e: Expression = x.iter().filter(|v| v.1 == k).map(|v| v.2).sum();
            m = m.with(constraint!(e <= b.4 as f64));
        }
        m
    };
    let s1 = limits(vars.clone().maximise(served.clone()).using(microlp))
        .solve()
        .expect("stage 1");
    let n = s1.eval(&served);
    let s2 = limits(vars.clone().maximise(prio.clone()).using(microlp))
        .with(constraint!(served.clone() >= n - 1e-6))
        .solve()
        .expect("stage 2");
    let p = s2.eval(&prio);
    let s3 = limits(vars.maximise(fit.clone()).using(microlp))
        .with(constraint!(served >= n - 1e-6))
        .with(constraint!(prio >= p - 1e-6))
        .solve()
        .expect("stage 3");
    (n, p, s3.eval(&fit))
}

fn achieved(a: &Allocation) -> (f64, f64, f64) {
    let s = a.summary();
    let prio: i64 = (0..a.runners().len())
        .filter(|&r| matches!(a.outcome(r), Outcome::Booked { .. }))
        .map(|r| a.runners()[r].tier.weight())
        .sum();
    (s.served as f64, prio as f64, s.total_fit as f64)
}

fn assert_same(ours: (f64, f64, f64), lp: (f64, f64, f64)) {
    assert!(
        (ours.0 - lp.0).abs() < 1e-6,
        "served {} vs LP {}",
        ours.0,
        lp.0
    );
    assert!(
        (ours.1 - lp.1).abs() < 1e-6,
        "priority {} vs LP {}",
        ours.1,
        lp.1
    );
    assert!(
        (ours.2 - lp.2).abs() < 1e-4,
        "fit {} vs LP {}",
        ours.2,
        lp.2
    );
}

#[test]
fn the_optimum_equals_the_lp_solvers_on_small_and_medium_instances() {
    for (seed, runners, therapists) in [(1, 8, 2), (2, 20, 3), (3, 40, 4), (4, 90, 6), (5, 150, 9)]
    {
        let (e, rs, shifts) = instance(seed, runners, therapists);
        let a = Allocation::solve(e, rs, shifts, &Profile::default()).expect("solves");
        assert!(a.optimal());
        no_double_booking(&a);
        assert_same(achieved(&a), lp_optimum(&a));
        // And never worse than first come, first served.
        let f = a.first_come();
        let s = a.summary();
        assert!(s.served >= f.served);
        if s.served == f.served {
            assert!(s.total_fit >= f.total_fit || achieved(&a).1 > 0.0);
        }
    }
}

#[test]
fn the_optimum_equals_brute_force_on_tiny_instances() {
    for seed in 10..40 {
        let (e, rs, shifts) = instance(seed, 5, 1);
        let a = Allocation::solve(e, rs, shifts, &Profile::default()).expect("solves");
        // Every way to give each runner one of its blocks or nothing, within capacity.
        let blocks = a.capacity();
        let options: Vec<Vec<(usize, i64)>> = (0..a.runners().len())
            .map(|r| {
                let mut o: Vec<(usize, i64)> = Vec::new();
                for (who, clinic, d, part, fit) in a.choices_of(r) {
                    for (k, (t, c, bd, bp, _)) in blocks.iter().enumerate() {
                        if *c == clinic
                            && *bd == d
                            && *bp == part
                            && who.as_ref().is_none_or(|w| w == t)
                        {
                            o.push((k, fit));
                        }
                    }
                }
                o
            })
            .collect();
        let mut best = (0i64, 0i64, i64::MIN);
        let mut pick = vec![0usize; options.len()];
        loop {
            let mut used = vec![0usize; blocks.len()];
            let mut score = (0i64, 0i64, 0i64);
            let mut ok = true;
            for (r, &p) in pick.iter().enumerate() {
                if p > 0 {
                    let (k, fit) = options[r][p - 1];
                    used[k] += 1;
                    ok &= used[k] <= blocks[k].4;
                    score.0 += 1;
                    score.1 += a.runners()[r].tier.weight();
                    score.2 += fit;
                }
            }
            if ok && score > best {
                best = score;
            }
            // Next combination.
            let mut i = 0;
            while i < pick.len() {
                pick[i] += 1;
                if pick[i] <= options[i].len() {
                    break;
                }
                pick[i] = 0;
                i += 1;
            }
            if i == pick.len() {
                break;
            }
        }
        let ours = achieved(&a);
        assert_eq!(
            (ours.0 as i64, ours.1 as i64, ours.2 as i64),
            best,
            "seed {seed}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Withdrawals and late runners, applied one at a time, reach the same optimum as
    /// solving the final field afresh, and never book a time twice.
    #[test]
    fn incremental_changes_reach_the_fresh_optimum(seed in 0u64..10_000, changes in proptest::collection::vec((any::<bool>(), 0usize..60), 1..8)) {
        let (e, rs, shifts) = instance(seed, 40, 3);
        let (_, extra, _) = instance(seed + 1, 20, 3);
        let mut a = Allocation::solve(e.clone(), rs.clone(), shifts.clone(), &Profile::default()).expect("solves");
        let mut field: Vec<Runner> = rs.clone();
        let mut late = extra.into_iter().map(|mut r| { r.id = format!("late-{}", r.id); r });
        for (withdraw, k) in changes {
            if withdraw && !field.is_empty() {
                let r = field.remove(k % field.len());
                let changed = a.withdraw(&r.id).expect("withdraws");
                prop_assert_eq!(changed[0], a.index(&r.id).unwrap());
            } else if let Some(r) = late.next() {
                field.push(r.clone());
                a.add(r).expect("adds");
            }
            prop_assert!(a.optimal());
            no_double_booking(&a);
        }
        let fresh = Allocation::solve(e, field, shifts, &Profile::default()).expect("solves");
        let (x, y) = (achieved(&a), achieved(&fresh));
        prop_assert_eq!((x.0 as i64, x.1 as i64, x.2 as i64), (y.0 as i64, y.1 as i64, y.2 as i64));
    }
}

#[test]
fn a_withdrawal_gives_the_time_to_the_one_waiting_and_moves_nobody_else() {
    let e = marathon();
    let d = add_days(e.date, 2);
    let shifts = vec![shift("sam", "North", d, 9, 11)];
    let rs: Vec<Runner> = ["a", "b", "c"].iter().map(|i| runner(i)).collect();
    let mut a = Allocation::solve(e, rs, shifts, &Profile::default()).expect("solves");
    let before: Vec<Option<Slot>> = ["a", "b"].iter().map(|i| booked(&a, i)).collect();
    assert!(before.iter().all(Option::is_some));
    assert!(booked(&a, "c").is_none());
    let changed = a.withdraw("a").expect("withdraws");
    assert_eq!(booked(&a, "b"), before[1]);
    assert_eq!(booked(&a, "c"), before[0]);
    assert_eq!(changed.len(), 2);
    assert_eq!(a.outcome(a.index("a").unwrap()), Outcome::Withdrawn);
    assert!(a.withdraw("a").is_err());
}

#[test]
fn a_runner_left_out_is_told_whether_nobody_works_or_everyone_is_booked() {
    let e = marathon();
    let day = add_days(e.date, 3);
    // North's only shift is booked through; South has nobody in the window.
    let mut full = shift("sam", "North", day, 9, 12);
    full.busy = vec![(time(9, 0, 0, 0), time(12, 0, 0, 0))];
    let far = shift("ana", "South", add_days(e.date, 20), 9, 12);
    let mut north = runner("north");
    north.clinics = vec!["North".into()];
    let mut south = runner("south");
    south.clinics = vec!["South".into()];
    let a = Allocation::solve(e, vec![north, south], vec![full, far], &Profile::default())
        .expect("solves");
    let why = |id: &str| match a.outcome(a.index(id).unwrap()) {
        Outcome::Waitlisted { reason } => reason,
        other => panic!("{other:?}"),
    };
    assert!(
        why("north").contains("is booked already"),
        "{}",
        why("north")
    );
    assert!(why("south").contains("No therapist"), "{}", why("south"));
    assert!(why("south").contains("after this race"));
}
