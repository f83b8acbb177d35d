//! `kneadtime allocate`: race week for a clinic group. Reads the runners and the rota
//! (or makes up a sample week), allocates them exactly, prints what it achieved beside
//! first come, first served, and writes assignments.csv and one .ics per booked runner.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::tz::TimeZone;
use kneadtime_domain::Kind;
use kneadtime_domain::allocate::sample::{self, Size};
use kneadtime_domain::allocate::{Allocation, Event, Outcome, Summary};
use kneadtime_domain::session::parse_distance;
use kneadtime_import::allocation::{booking_ics, read_rota, read_runners};

use crate::args::{AllocateArgs, CheckFormat};
use crate::error::Bad;
use crate::input::{load_profile, parse_date, parse_tz};

/// The most runners `--sample` makes up.
const MAX_SAMPLE: usize = 200_000;

fn read(path: &Path) -> Result<String, Bad> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Bad::new(format!("{}: cannot read: {e}", path.display())))?;
    if meta.len() > kneadtime_import::allocation::MAX_BYTES as u64 {
        return Err(Bad::new(format!(
            "{}: expected at most {} MB, found {} bytes",
            path.display(),
            kneadtime_import::allocation::MAX_BYTES >> 20,
            meta.len()
        )));
    }
    std::fs::read_to_string(path).map_err(|e| {
        Bad::new(format!(
            "{}: cannot read as UTF-8 text: {e}",
            path.display()
        ))
    })
}

fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// The event's field as a clinic's database holds it (runners still to place, the rota).
fn from_db(url: &str, event: &str) -> anyhow::Result<kneadtime_clinic::race_week::FieldInput> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = kneadtime_store::Store::open(url)
            .await
            .map_err(|e| Bad::new(format!("--db: {e}")))?;
        let core = kneadtime_clinic::Clinic::new(store.clone());
        let got = kneadtime_clinic::race_week::field_input(&core, event).await;
        store.close().await;
        got.map_err(|e| match e {
            kneadtime_clinic::CoreError::Field { message, .. } => {
                anyhow::Error::from(Bad::new(format!("--event: {message}")))
            }
            e => anyhow::anyhow!("{e}"),
        })
    })
}

pub fn run(a: &AllocateArgs) -> anyhow::Result<ExitCode> {
    if let (Some(url), Some(which)) = (&a.db, &a.event) {
        let f = from_db(url, which)?;
        let mut event = f.event;
        if a.before {
            event.kind = Kind::PreEvent;
        }
        // Each clinic's times are local to its location; --tz, when given, is for all.
        let given = parse_tz(a.tz.as_deref())?;
        let tz = given.clone().unwrap_or(f.tz);
        let zones = if given.is_some() {
            HashMap::new()
        } else {
            f.zones
        };
        let profile = match &a.profile {
            Some(p) => load_profile(Some(p))?,
            None => f.profile,
        };
        return finish(a, event, f.runners, f.shifts, &profile, &tz, &zones);
    }
    let profile = load_profile(a.profile.as_deref())?;
    let tz = match parse_tz(a.tz.as_deref())? {
        Some(tz) => tz,
        None if a.sample.is_some() => TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC),
        None => TimeZone::system(),
    };
    let mut event = match &a.race {
        Some(d) => Event {
            name: a.name.clone(),
            date: parse_date("--race", d)?,
            distance_km: None,
            kind: Kind::PostEvent,
            length_min: a.length,
            buffer_min: a.buffer,
        },
        None => Event {
            length_min: a.length,
            buffer_min: a.buffer,
            ..sample::event()
        },
    };
    if a.before {
        event.kind = Kind::PreEvent;
    }
    if let Some(d) = &a.distance {
        event.distance_km =
            Some(parse_distance(d).map_err(|e| Bad::new(format!("--distance: {e}")))?);
    }
    let (runners, shifts) = match (&a.runners, &a.rota, a.sample) {
        (Some(r), Some(s), _) => (
            read_runners(&r.display().to_string(), &read(r)?)
                .map_err(|e| Bad::new(e.to_string()))?,
            read_rota(&s.display().to_string(), &read(s)?).map_err(|e| Bad::new(e.to_string()))?,
        ),
        (_, _, Some(n)) => {
            if !(1..=MAX_SAMPLE).contains(&n) {
                return Err(Bad::new(format!(
                    "--sample: expected 1 to {MAX_SAMPLE} runners, found {n}"
                ))
                .into());
            }
            let size = Size {
                runners: n,
                clinics: 50,
                therapists_per_clinic: 40,
                days: 5,
            };
            (
                sample::runners(1, size, &event),
                sample::shifts(1, size, event.date),
            )
        }
        _ => {
            return Err(
                Bad::new("expected --runners FILE and --rota FILE, or --sample RUNNERS").into(),
            );
        }
    };
    if event.name == "the race" && a.sample.is_some() {
        event.name = sample::event().name;
    }
    finish(a, event, runners, shifts, &profile, &tz, &HashMap::new())
}

/// Solves, writes the files asked for and prints the summary.
fn finish(
    a: &AllocateArgs,
    event: Event,
    runners: Vec<kneadtime_domain::allocate::Runner>,
    shifts: Vec<kneadtime_domain::allocate::Shift>,
    profile: &kneadtime_domain::Profile,
    tz: &TimeZone,
    zones: &HashMap<String, TimeZone>,
) -> anyhow::Result<ExitCode> {
    let spinner = if std::io::stderr().is_terminal() {
        let s = ProgressBar::new_spinner();
        s.set_message("allocating");
        s.enable_steady_tick(std::time::Duration::from_millis(120));
        s
    } else {
        ProgressBar::hidden()
    };
    let allocation =
        Allocation::solve(event, runners, shifts, profile).map_err(|e| Bad::new(e.to_string()))?;
    spinner.finish_and_clear();
    let ours = allocation.summary();
    let fcfs = allocation.first_come();
    if let Some(dir) = &a.out {
        write_files(&allocation, dir, tz, zones)?;
    }
    let text = match a.format {
        CheckFormat::Json => {
            let outcomes: Vec<serde_json::Value> = (0..allocation.runners().len())
                .map(|r| {
                    serde_json::json!({
                        "runner": allocation.runners()[r].id,
                        "outcome": allocation.outcome(r),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({
                "summary": ours,
                "first_come_first_served": fcfs,
                "outcomes": outcomes,
            }))? + "\n"
        }
        CheckFormat::Table => table(&allocation, &ours, &fcfs, a.out.as_deref()),
    };
    crate::write_out(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn share(n: usize, of: usize) -> String {
    format!("{:.1} %", 100.0 * n as f64 / of.max(1) as f64)
}

fn table(a: &Allocation, ours: &Summary, fcfs: &Summary, out: Option<&Path>) -> String {
    let e = a.event();
    let what = match e.kind {
        Kind::PreEvent => "pre-race",
        _ => "post-race",
    };
    let mut s = format!(
        "{} on {}: {} runners asked for a {what} massage; {} times with {} therapists.\n\n",
        e.name,
        e.date.strftime("%a %-d %b %Y"),
        ours.runners,
        a.slots().len(),
        a.capacity()
            .iter()
            .map(|c| &c.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    s.push_str(&format!(
        "{:<28} {:>16} {:>16}\n",
        "", "best for all", "first come"
    ));
    let line = |label: &str, x: String, y: String| format!("{label:<28} {x:>16} {y:>16}\n");
    s.push_str(&line(
        "Booked",
        format!("{} ({})", ours.served, share(ours.served, ours.runners)),
        format!("{} ({})", fcfs.served, share(fcfs.served, fcfs.runners)),
    ));
    s.push_str(&line(
        "On an ideal day",
        share(ours.ideal, ours.served),
        share(fcfs.ideal, fcfs.served),
    ));
    s.push_str(&line(
        "Average fit (of 100)",
        format!("{:.1}", ours.total_fit as f64 / ours.served.max(1) as f64),
        format!("{:.1}", fcfs.total_fit as f64 / fcfs.served.max(1) as f64),
    ));
    for (tier, (asked, served)) in &ours.by_tier {
        let f = fcfs.by_tier.get(tier).map_or(0, |v| v.1);
        s.push_str(&line(
            &format!("Booked, {}", tier.as_str()),
            format!("{served} of {asked}"),
            format!("{f} of {asked}"),
        ));
    }
    s.push_str(&format!("\nWaitlisted: {}\n", ours.waitlisted));
    let show = a.runners().len().min(10);
    if show > 0 {
        s.push_str(&format!("\nThe first {show}:\n"));
    }
    for r in 0..show {
        let runner = &a.runners()[r];
        match a.outcome(r) {
            Outcome::Booked { slot, fit, .. } => s.push_str(&format!(
                "  {:<14} {} {} with {} at {} (fit {fit})\n",
                runner.id,
                slot.start.date().strftime("%a %-d %b"),
                slot.start.time().strftime("%H:%M"),
                slot.therapist_name,
                slot.clinic
            )),
            Outcome::Waitlisted { reason } => {
                s.push_str(&format!("  {:<14} waitlisted: {reason}\n", runner.id))
            }
            Outcome::Withdrawn => {}
        }
    }
    if let Some(dir) = out {
        s.push_str(&format!(
            "\nWrote {} and one calendar file per booked runner in {}.\n",
            dir.join("assignments.csv").display(),
            dir.join("ics").display()
        ));
    }
    s
}

/// Writes assignments.csv and ics/RUNNER.ics, each through a temporary name renamed
/// into place, so a failure leaves the previous files whole. Times are local to the
/// slot's clinic's zone in `zones`, else to `tz`.
fn write_files(
    a: &Allocation,
    dir: &Path,
    tz: &TimeZone,
    zones: &HashMap<String, TimeZone>,
) -> anyhow::Result<()> {
    let cannot =
        |p: &Path, e: std::io::Error| Bad::new(format!("{}: cannot write: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "runner",
        "name",
        "status",
        "clinic",
        "therapist",
        "therapist_name",
        "date",
        "start",
        "end",
        "fit",
        "ideal",
        "why",
    ])?;
    let staging: PathBuf = dir.join(".ics.kneadtime-tmp");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| cannot(&staging, e))?;
    let stamp = jiff::Timestamp::now();
    let e = a.event();
    let summary = match e.kind {
        Kind::PreEvent => format!("Pre-race massage before {}", e.name),
        _ => format!("Post-race massage after {}", e.name),
    };
    let bar = progress(a.runners().len() as u64, "writing");
    let mut used = std::collections::HashSet::new();
    for r in 0..a.runners().len() {
        bar.inc(1);
        let runner = &a.runners()[r];
        match a.outcome(r) {
            Outcome::Booked {
                slot,
                fit,
                ideal,
                reasons,
            } => {
                let why = reasons.join(" ");
                csv.write_record([
                    runner.id.as_str(),
                    runner.name.as_str(),
                    "booked",
                    slot.clinic.as_str(),
                    slot.therapist.as_str(),
                    slot.therapist_name.as_str(),
                    &slot.start.date().to_string(),
                    &slot.start.time().strftime("%H:%M").to_string(),
                    &slot.end.time().strftime("%H:%M").to_string(),
                    &fit.to_string(),
                    if ideal { "yes" } else { "no" },
                    why.as_str(),
                ])?;
                let zone = zones.get(&slot.clinic).unwrap_or(tz);
                let ics = booking_ics(&runner.id, &e.name, &summary, &slot, &why, zone, stamp)
                    .map_err(|x| Bad::new(x.to_string()))?;
                let mut name = safe_file_name(&runner.id);
                if !used.insert(name.clone()) {
                    // Two ids that read the same as file names: the row keeps them apart.
                    name = format!("{name}-{}", r + 1);
                    used.insert(name.clone());
                }
                let p = staging.join(format!("{name}.ics"));
                std::fs::write(&p, ics).map_err(|x| cannot(&p, x))?;
            }
            Outcome::Waitlisted { reason } => {
                csv.write_record([
                    runner.id.as_str(),
                    runner.name.as_str(),
                    "waitlisted",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    reason.as_str(),
                ])?;
            }
            Outcome::Withdrawn => {}
        }
    }
    bar.finish_and_clear();
    let bytes = csv.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = String::from_utf8(bytes)?;
    let ics_dir = dir.join("ics");
    let old = dir.join(".ics.kneadtime-old");
    let _ = std::fs::remove_dir_all(&old);
    if ics_dir.exists() {
        std::fs::rename(&ics_dir, &old).map_err(|x| cannot(&ics_dir, x))?;
    }
    std::fs::rename(&staging, &ics_dir).map_err(|x| cannot(&ics_dir, x))?;
    let _ = std::fs::remove_dir_all(&old);
    crate::write_out(Some(&dir.join("assignments.csv")), &text)?;
    Ok(())
}

/// A runner's id as a file name: letters, digits, `-` and `_` kept, the rest `_`.
fn safe_file_name(id: &str) -> String {
    let s: String = id
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "runner".into() } else { s }
}
