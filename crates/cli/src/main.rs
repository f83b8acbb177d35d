//! The `kneadtime` command: reads flags and files, asks the domain, prints the answer.
//! Exit codes: 0 done, 1 `check` found an error, 2 bad input or usage.

mod allocate;
mod args;
mod chart;
mod error;
mod input;
mod render;
mod report;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use kneadtime_domain::check::Booking;
use kneadtime_domain::rule::{RuleId, Severity, describe};
use kneadtime_domain::{check, next, plan};

use crate::args::{CheckFormat, Cli, Command, Format, PlanArgs, ProfileAction};
use crate::error::Bad;
use crate::render::Paint;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kneadtime: {e}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn paint_for_stdout() -> Paint {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Paint(!no_color && std::io::stdout().is_terminal())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Plan(a) => cmd_plan(&a),
        Command::Allocate(a) => allocate::run(&a),
        Command::Next(a) => cmd_next(&a),
        Command::Load(a) => cmd_load(&a),
        Command::Check(a) => {
            let profile = input::load_profile(a.common.profile.as_deref())?;
            let loaded = input::load(&a.common, &[], &profile)?;
            let tz = jiff::tz::TimeZone::get(&loaded.zone).ok();
            let (entries, _, _) = input::read_calendars(std::slice::from_ref(&a.bookings), tz)?;
            let bookings: Vec<Booking> = entries.iter().map(Booking::from_entry).collect();
            let findings = check(&loaded.season, &bookings);
            // Bookings whose words did not say how firm: judged as moderate, and said so.
            let assumed: Vec<jiff::civil::Date> = bookings
                .iter()
                .filter(|b| b.pressure_unknown)
                .map(|b| b.massage.date)
                .collect();
            for w in &loaded.warnings {
                eprintln!("kneadtime: warning: {w}");
            }
            let text = match a.format {
                CheckFormat::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({
                        "findings": findings,
                        "pressure_assumed_moderate": assumed,
                    }))? + "\n"
                }
                CheckFormat::Table => {
                    render::check_table(&findings, bookings.len(), &assumed, paint_for_stdout())
                }
            };
            write_out(None, &text)?;
            let failed = findings.iter().any(|f| f.severity == Severity::Error);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Explain(a) => {
            let profile = input::load_profile(a.profile.as_deref())?;
            let Some(id) = a.rule else {
                let mut s = String::from("Rules (kneadtime explain RULE for one):\n");
                for r in RuleId::ALL {
                    let info = describe(r, &profile);
                    s.push_str(&format!("  {:<21} {}\n", r.as_str(), info.severity));
                }
                write_out(None, &s)?;
                return Ok(ExitCode::SUCCESS);
            };
            let rule = RuleId::parse(&id).ok_or_else(|| {
                let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
                Bad::new(format!(
                    "unknown rule {id:?}; expected one of: {}",
                    ids.join(", ")
                ))
            })?;
            let info = describe(rule, &profile);
            let text = format!(
                "{}  ({})\n\n{}\n\nWhy: {}\n\nAdvice published by: {}.\n",
                info.id,
                info.severity,
                info.summary,
                info.why,
                kneadtime_domain::rule::source_names(info.sources)
            );
            let paras: Vec<String> = text.split("\n\n").map(|p| render::wrap(p, 0, 78)).collect();
            write_out(None, &paras.join("\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(a) => {
            let mut config =
                kneadtime_server::Config::load(a.config.as_deref()).map_err(|e| Bad::new(e.0))?;
            if let Some(addr) = &a.addr {
                config.addr = kneadtime_server::config::parse_addr(addr, "--addr")
                    .map_err(|e| Bad::new(e.0))?;
            }
            if let Some(db) = &a.db {
                config.db =
                    kneadtime_server::config::check_db(db, "--db").map_err(|e| Bad::new(e.0))?;
            }
            if let Some(u) = &a.public_url {
                config
                    .apply_env(|k| (k == "KNEADTIME_PUBLIC_URL").then(|| u.clone()))
                    .map_err(|e| Bad::new(e.0.replace("KNEADTIME_PUBLIC_URL", "--public-url")))?;
            }
            for (value, var, flag) in [
                (&a.smtp_url, "KNEADTIME_SMTP_URL", "--smtp-url"),
                (&a.mail_from, "KNEADTIME_MAIL_FROM", "--mail-from"),
            ] {
                if let Some(v) = value {
                    config
                        .apply_env(|k| (k == var).then(|| v.clone()))
                        .map_err(|e| Bad::new(e.0.replace(var, flag)))?;
                }
            }
            config.mail().map_err(|e| Bad::new(e.0))?;
            config.demo |= a.demo;
            kneadtime_server::run_blocking(config).map_err(Bad::new)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Profile(p) => match p.action {
            ProfileAction::Show { profile } => {
                let profile = input::load_profile(profile.as_deref())?;
                write_out(None, &profile.to_toml())?;
                Ok(ExitCode::SUCCESS)
            }
        },
    }
}

/// Reads everything `plan` and `next` need: the profile (with --price applied), the
/// calendars and history, and the request. Warnings go to stderr once, here.
fn planned(a: &PlanArgs) -> anyhow::Result<(input::Loaded, kneadtime_domain::PlanRequest)> {
    let mut profile = input::load_profile(a.common.profile.as_deref())?;
    input::apply_prices(&mut profile, &a.prices)?;
    let loaded = input::load(&a.common, &a.positional, &profile)?;
    let req = input::plan_request(a, &loaded)?;
    for w in &loaded.warnings {
        eprintln!("kneadtime: warning: {w}");
    }
    if let Some(h) = &loaded.history {
        for f in &h.report.failed {
            eprintln!("kneadtime: skipped {}: {}", f.file, f.error);
        }
    }
    Ok((loaded, req))
}

fn cmd_plan(a: &PlanArgs) -> anyhow::Result<ExitCode> {
    let (loaded, req) = planned(a)?;
    let mut plan = plan(&loaded.season, &req);
    if let Some(h) = &loaded.history {
        plan.notes.insert(
            0,
            format!(
                "Recorded history: {} activities imported ({} duplicates, {} not activities, {} failed); phases before today come from your recorded load.",
                h.report.activities.len(),
                h.report.duplicates,
                h.report.skipped.len(),
                h.report.failed.len()
            ),
        );
    }
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&plan)? + "\n",
        Format::Md => render::plan_markdown(&plan, &loaded.zone),
        Format::Table => {
            let paint = if a.out.is_some() {
                Paint(false)
            } else {
                paint_for_stdout()
            };
            render::plan_table(&plan, &loaded.zone, req.budget.money.is_some(), paint)
        }
        Format::Ics => {
            let events = kneadtime_import::plan_events(&plan);
            let now = jiff::Timestamp::now();
            // Minutes since 2020: grows with every export, so calendars take the newer copy.
            let sequence =
                u32::try_from((now.as_second() - 1_577_836_800).max(0) / 60).unwrap_or(0);
            kneadtime_import::write_ics("Massage plan (kneadtime)", &events, now, sequence)
        }
    };
    write_out(a.out.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_load(a: &args::LoadArgs) -> anyhow::Result<ExitCode> {
    if a.common.history.is_empty() {
        return Err(Bad::new(
            "expected at least one --history PATH (activity files, a folder, or a Strava export)",
        )
        .into());
    }
    let profile = input::load_profile(a.common.profile.as_deref())?;
    let loaded = input::load(&a.common, &[], &profile)?;
    let Some(history) = &loaded.history else {
        return Err(Bad::new("no activity history was read").into());
    };
    for w in &loaded.warnings {
        eprintln!("kneadtime: warning: {w}");
    }
    let days = kneadtime_domain::load::series(&loaded.season.sessions);
    let weeks = report::weeks(&loaded.season, &days);
    // The plan from today, for the massages marked on the chart.
    let req = kneadtime_domain::PlanRequest::from_today(loaded.today);
    let plan = plan(&loaded.season, &req);
    if let Some(path) = &a.chart {
        let svg = chart::load_svg(
            "Training load, phases and planned massage",
            &days,
            loaded.season.weeks(),
            &|d| loaded.season.phase_on(d),
            &plan.races,
            &plan.massages,
        );
        write_out(Some(path), &svg)?;
    }
    let text = match a.format {
        CheckFormat::Json => {
            serde_json::to_string_pretty(&report::load_json(history, &weeks))? + "\n"
        }
        CheckFormat::Table => report::load_table(history, &weeks, a.chart.as_deref()),
    };
    write_out(None, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_next(a: &PlanArgs) -> anyhow::Result<ExitCode> {
    let (loaded, req) = planned(a)?;
    let answer = next(&loaded.season, &req, loaded.today);
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&answer)? + "\n",
        Format::Table | Format::Md => render::next_table(&answer, paint_for_stdout()),
        Format::Ics => {
            return Err(
                Bad::new("--format ics is for `plan`; `next` prints table, md or json").into(),
            );
        }
    };
    write_out(a.out.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout, or atomically to a file (a temporary file renamed into place, so a
/// failure never leaves half a plan behind).
pub(crate) fn write_out(path: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "out".into());
            let tmp = dir.join(format!(".{name}.kneadtime-tmp"));
            std::fs::write(&tmp, text)
                .map_err(|e| Bad::new(format!("{}: cannot write: {e}", p.display())))?;
            std::fs::rename(&tmp, p).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Bad::new(format!("{}: cannot write: {e}", p.display()))
            })?;
        }
    }
    Ok(())
}
