//! Race-week allocation at scale: the exact solver beside first come, first served (the
//! share served and the total fit of each), withdrawals and late runners re-optimised
//! one at a time, and an LP solver on the sizes it can handle — all in one run.
//!
//! Run: `cargo bench -p kneadtime-domain --bench allocate` (arguments: runners clinics
//! therapists-per-clinic days; default 50000 50 40 5).

use std::time::{Duration, Instant};

use good_lp::{Expression, Solution, SolverModel, constraint, microlp, variable, variables};
use kneadtime_domain::Profile;
use kneadtime_domain::allocate::sample::{self, Size};
use kneadtime_domain::allocate::{Allocation, Outcome, Summary, Tier};

fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn row(name: &str, s: &Summary) -> String {
    let priority: (usize, usize) = s
        .by_tier
        .iter()
        .filter(|(t, _)| **t != Tier::Standard)
        .fold((0, 0), |acc, (_, v)| (acc.0 + v.0, acc.1 + v.1));
    format!(
        "| {name} | {} of {} ({:.1} %) | {} of {} | {} ({:.1} % of served) | {} |",
        s.served,
        s.runners,
        100.0 * s.served as f64 / s.runners.max(1) as f64,
        priority.1,
        priority.0,
        s.ideal,
        100.0 * s.ideal as f64 / s.served.max(1) as f64,
        s.total_fit
    )
}

/// The LP relaxation of the same problem with one variable per runner and therapist
/// block (the transportation matrix makes its optimum integral), weighted as the flow
/// is: returns its solve time and the number served.
fn lp(a: &Allocation) -> (Duration, f64, f64) {
    let blocks = a.capacity();
    let mut index = std::collections::HashMap::new();
    for (k, (t, c, d, p, _)) in blocks.iter().enumerate() {
        index
            .entry((c.clone(), *d, *p))
            .or_insert_with(Vec::new)
            .push((k, t.clone()));
    }
    let mut vars = variables!();
    let mut x = Vec::new();
    for r in 0..a.runners().len() {
        let mut best = std::collections::BTreeMap::new();
        for (who, clinic, d, part, fit) in a.choices_of(r) {
            for (k, t) in index.get(&(clinic, d, part)).into_iter().flatten() {
                if who.as_ref().is_none_or(|w| w == t) {
                    let f = best.entry(*k).or_insert(fit);
                    *f = (*f).max(fit);
                }
            }
        }
        for (k, fit) in best {
            x.push((r, k, vars.add(variable().min(0).max(1)), fit));
        }
    }
    let start = Instant::now();
    // One weighted objective in the flow's order (served, then priority, then fit),
    // scaled to what a floating-point solver keeps exact at these sizes.
    let n = a.runners().len() as f64 + 1.0;
    let w = |r: usize| {
        let tier = a.runners()[r].tier.weight() as f64;
        n * n * 4.0 * 200.0 + tier * n * 200.0
    };
    let objective: Expression = x.iter().map(|v| (w(v.0) + v.3 as f64) * v.2).sum();
    let served: Expression = x.iter().map(|v| v.2).sum();
    let fit: Expression = x.iter().map(|v| v.3 as f64 * v.2).sum();
    let mut m = vars.maximise(objective).using(microlp);
    for r in 0..a.runners().len() {
        let e: Expression = x.iter().filter(|v| v.0 == r).map(|v| v.2).sum();
        m = m.with(constraint!(e <= 1));
    }
    let mut per_block: Vec<Expression> = vec![Expression::from(0.0); blocks.len()];
    for v in &x {
        per_block[v.1] += v.2;
    }
    for (k, e) in per_block.into_iter().enumerate() {
        m = m.with(constraint!(e <= blocks[k].4 as f64));
    }
    let sol = m.solve().expect("the LP solves");
    (start.elapsed(), sol.eval(&served), sol.eval(&fit))
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let size = Size {
        runners: *args.first().unwrap_or(&50_000),
        clinics: *args.get(1).unwrap_or(&50),
        therapists_per_clinic: *args.get(2).unwrap_or(&40),
        days: *args.get(3).unwrap_or(&5) as i32,
    };
    let event = sample::event();
    let profile = Profile::default();
    let shifts = sample::shifts(7, size, event.date);
    let runners = sample::runners(7, size, &event);
    let start = Instant::now();
    let mut a = Allocation::solve(event.clone(), runners.clone(), shifts.clone(), &profile)
        .expect("the sample allocates");
    let solved = start.elapsed();
    let (nodes, edges) = a.size();
    let ours = a.summary();
    let fcfs = a.first_come();
    println!(
        "{} runners, {} therapists in {} clinics, {} days: {} bookable times",
        size.runners,
        size.clinics * size.therapists_per_clinic,
        size.clinics,
        size.days,
        a.slots().len()
    );
    println!("network: {nodes} nodes, {edges} edges; {} rounds", a.rounds);
    println!();
    println!("| allocation | served | priority runners served | in the ideal days | total fit |");
    println!("|---|---|---|---|---|");
    println!("{}", row("exact (min-cost flow)", &ours));
    println!("{}", row("first come, first served", &fcfs));
    // The same rota with fewer runners than times: here fit is what differs.
    let fewer = Size {
        runners: size.runners * 3 / 5,
        ..size
    };
    let f = Allocation::solve(
        event.clone(),
        sample::runners(7, fewer, &event),
        shifts.clone(),
        &profile,
    )
    .expect("the sample allocates");
    println!(
        "{}",
        row(&format!("exact, {} runners", fewer.runners), &f.summary())
    );
    println!(
        "{}",
        row(
            &format!("first come, first served, {} runners", fewer.runners),
            &f.first_come()
        )
    );
    println!();
    println!("exact solve: {}", ms(solved));
    // Withdrawals: every 997th runner, then late runners from another field.
    let mut times = Vec::new();
    for i in (0..size.runners).step_by(997).take(25) {
        let id = a.runners()[i].id.clone();
        let t = Instant::now();
        a.withdraw(&id).expect("withdraws");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "withdrawal re-optimised: median {}, slowest {} ({} runs)",
        ms(times[times.len() / 2]),
        ms(*times.last().unwrap()),
        times.len()
    );
    let late = sample::runners(
        8,
        Size {
            runners: 25,
            ..size
        },
        &event,
    );
    let mut times = Vec::new();
    for mut r in late {
        r.id = format!("late-{}", r.id);
        let t = Instant::now();
        a.add(r).expect("adds");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "late runner re-optimised: median {}, slowest {} ({} runs)",
        ms(times[times.len() / 2]),
        ms(*times.last().unwrap()),
        times.len()
    );
    assert!(a.optimal());
    let booked = (0..a.runners().len())
        .filter(|&r| matches!(a.outcome(r), Outcome::Booked { .. }))
        .count();
    println!("after the changes: {booked} booked");
    if let Some(mb) = peak_memory_mb() {
        println!("peak memory: {mb:.0} MB");
    }
    println!();
    println!(
        "| runners | exact solve | LP solver | served (exact / LP) | total fit (exact / LP) |"
    );
    println!("|---|---|---|---|---|");
    for n in [250usize, 500, 1000] {
        let small = Size {
            runners: n,
            clinics: 5,
            therapists_per_clinic: 4,
            days: 5,
        };
        let shifts = sample::shifts(7, small, event.date);
        let runners = sample::runners(7, small, &event);
        let t = Instant::now();
        let a = Allocation::solve(event.clone(), runners, shifts, &profile).expect("solves");
        let exact = t.elapsed();
        let (lp_time, lp_served, lp_fit) = lp(&a);
        println!(
            "| {n} | {} | {} | {} / {lp_served:.0} | {} / {lp_fit:.0} |",
            ms(exact),
            ms(lp_time),
            a.summary().served,
            a.summary().total_fit
        );
    }
}
