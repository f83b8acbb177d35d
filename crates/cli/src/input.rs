//! Turning checked flags and files into what the domain needs: entries, races, a
//! profile, the runner's zone and today's date.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_domain::season::parse_weekday;
use kneadtime_domain::{Entry, Kind, PlanRequest, Profile, RaceSpec, Season};

use crate::args::{Common, PlanArgs};
use crate::error::Bad;

pub struct Loaded {
    pub season: Season,
    /// What the activity import found, when --history was given.
    pub history: Option<History>,
    pub zone: String,
    pub today: Date,
    pub warnings: Vec<String>,
}

pub struct History {
    pub report: kneadtime_activity::ImportReport,
    pub physiology: kneadtime_domain::load::Physiology,
    pub completed: Vec<kneadtime_domain::load::Completed>,
}

fn parse_pace(s: &str) -> Result<f64, Bad> {
    let bad = || {
        Bad::new(format!(
            "--threshold-pace: expected minutes:seconds per km like 4:30, found {s:?}"
        ))
    };
    let (m, sec) = s.trim().split_once(':').ok_or_else(bad)?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    let sec: u32 = sec.parse().map_err(|_| bad())?;
    let total = f64::from(m * 60 + sec);
    if sec >= 60 || !(120.0..=900.0).contains(&total) {
        return Err(bad());
    }
    Ok(total)
}

fn check_bpm(flag: &str, v: Option<f64>) -> Result<Option<f64>, Bad> {
    match v {
        Some(b) if !(25.0..=250.0).contains(&b) => Err(Bad::new(format!(
            "{flag}: expected beats per minute between 25 and 250, found {b}"
        ))),
        _ => Ok(v),
    }
}

/// Imports recorded activities and understands them.
pub fn read_history(common: &Common, tz: &TimeZone) -> Result<Option<History>, Bad> {
    if common.history.is_empty() {
        return Ok(None);
    }
    for p in &common.history {
        if !p.exists() {
            return Err(Bad::new(format!("{}: no such file or folder", p.display())));
        }
    }
    let athlete = kneadtime_domain::load::Athlete {
        rest_hr: check_bpm("--rest-hr", common.body.rest_hr)?,
        max_hr: check_bpm("--max-hr", common.body.max_hr)?,
        threshold_pace_s_per_km: common
            .body
            .threshold_pace
            .as_deref()
            .map(parse_pace)
            .transpose()?,
        female: common.body.female,
    };
    if let (Some(r), Some(m)) = (athlete.rest_hr, athlete.max_hr)
        && r + 20.0 >= m
    {
        return Err(Bad::new(format!(
            "--rest-hr {r} must be well below --max-hr {m}"
        )));
    }
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = kneadtime_activity::import_paths(&common.history, tz, progress);
    let kneadtime_domain::load::Recorded {
        physiology,
        completed,
    } = kneadtime_domain::load::recorded(&athlete, &report.activities);
    Ok(Some(History {
        report,
        physiology,
        completed,
    }))
}

pub fn parse_date(flag: &str, s: &str) -> Result<Date, Bad> {
    let d = s.trim().parse::<Date>().map_err(|_| {
        Bad::new(format!(
            "{flag}: expected a date like 2027-04-25, found {s:?}"
        ))
    })?;
    kneadtime_domain::dates::check(flag, d).map_err(|e| Bad::new(e.to_string()))
}

pub fn load_profile(path: Option<&Path>) -> Result<Profile, Bad> {
    let Some(path) = path else {
        return Ok(Profile::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Bad::new(format!("{}: cannot read the profile: {e}", path.display())))?;
    Profile::from_toml(&text).map_err(|e| match e.line {
        Some(l) => Bad::new(format!("{}:{l}: {}", path.display(), e.message)),
        None => Bad::new(format!("{}: {}", path.display(), e.message)),
    })
}

fn parse_race(s: &str) -> Result<RaceSpec, Bad> {
    RaceSpec::parse(s).map_err(|e| Bad::new(format!("--race: {e}")))
}

pub fn parse_tz(name: Option<&str>) -> Result<Option<TimeZone>, Bad> {
    name.map(|n| {
        TimeZone::get(n).map_err(|_| {
            Bad::new(format!("--tz: expected an IANA time zone name like Europe/London or America/New_York, found {n:?}"))
        })
    })
    .transpose()
}

/// Reads every calendar; the first one's zone is the runner's unless --tz says.
pub fn read_calendars(
    paths: &[PathBuf],
    tz: Option<TimeZone>,
) -> Result<(Vec<Entry>, String, Vec<String>), Bad> {
    read_calendars_ending(paths, tz, None, false)
}

/// [`read_calendars`], placing a plan laid out by week on `race_day` (the goal race
/// given with --race); `training` says the files are training calendars, for which
/// --race is the way to give that day.
fn read_calendars_ending(
    paths: &[PathBuf],
    tz: Option<TimeZone>,
    race_day: Option<Date>,
    training: bool,
) -> Result<(Vec<Entry>, String, Vec<String>), Bad> {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut tz = tz;
    let mut zone = tz.as_ref().and_then(|t| t.iana_name().map(String::from));
    for path in paths {
        let cal = kneadtime_import::read_calendar_file_ending(path, tz.as_ref(), race_day)
            .map_err(|e| {
                if e.needs_race_day && training {
                    Bad::new(format!(
                        "{e} (--race DATE:DISTANCE, for example --race 2027-06-12:80k)"
                    ))
                } else {
                    Bad::new(e.to_string())
                }
            })?;
        if tz.is_none() {
            tz = TimeZone::get(&cal.zone).ok();
            zone = Some(cal.zone.clone());
        }
        warnings.extend(
            cal.warnings
                .into_iter()
                .map(|w| format!("{}: {w}", path.display())),
        );
        entries.extend(cal.entries);
    }
    let zone = zone.unwrap_or_else(|| "UTC".into());
    Ok((entries, zone, warnings))
}

pub fn today_in(zone: &str, flag: Option<&str>) -> Result<Date, Bad> {
    if let Some(s) = flag {
        return parse_date("--today", s);
    }
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    Ok(jiff::Timestamp::now().to_zoned(tz).date())
}

pub fn load(
    common: &Common,
    extra_calendars: &[PathBuf],
    profile: &Profile,
) -> Result<Loaded, Bad> {
    let mut paths: Vec<PathBuf> = extra_calendars.to_vec();
    paths.extend(common.calendars.iter().cloned());
    if paths.is_empty() && common.races.is_empty() && common.history.is_empty() {
        return Err(Bad::new(
            "expected a training calendar or activity history: kneadtime plan --calendar plan.ics (or .csv) and/or --history FOLDER; see kneadtime plan --help",
        ));
    }
    let tz = parse_tz(common.tz.as_deref())?;
    let specs = common
        .races
        .iter()
        .map(|s| parse_race(s))
        .collect::<Result<Vec<_>, _>>()?;
    let race_day = RaceSpec::goal_day(&specs);
    let (entries, mut zone, warnings) = read_calendars_ending(&paths, tz.clone(), race_day, true)?;
    if paths.is_empty() && tz.is_none() {
        zone = TimeZone::system().iana_name().unwrap_or("UTC").to_string();
    }
    let zone_tz = TimeZone::get(&zone).unwrap_or(TimeZone::UTC);
    let history = read_history(common, &zone_tz)?;
    let recorded = history
        .iter()
        .flat_map(|h| h.completed.iter().map(|c| c.session.clone()))
        .collect();
    let today = today_in(&zone, common.today.as_deref())?;
    Ok(Loaded {
        season: Season::build(&entries, recorded, &specs, profile),
        history,
        zone,
        today,
        warnings,
    })
}

/// `--price KIND=AMOUNT` flags, applied to the profile before the season is built.
pub fn apply_prices(profile: &mut Profile, prices: &[String]) -> Result<(), Bad> {
    for p in prices {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            Bad::new(format!(
                "--price: expected KIND=AMOUNT, e.g. maintenance=70; found {p:?}"
            ))
        })?;
        let kind = Kind::parse(k).ok_or_else(|| {
            Bad::new(format!(
                "--price: expected a kind of pre_event, post_event, maintenance or recovery_phase; found {k:?}"
            ))
        })?;
        let amount: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| Bad::new(format!("--price {p}: expected an amount of 0 or more")))?;
        profile.prices.set(kind, amount);
    }
    Ok(())
}

pub fn plan_request(a: &PlanArgs, loaded: &Loaded) -> Result<PlanRequest, Bad> {
    let mut unavailable = Vec::new();
    for d in a.unavailable.iter().filter(|d| !d.trim().is_empty()) {
        unavailable.push(parse_weekday(d).ok_or_else(|| {
            Bad::new(format!(
                "--unavailable: expected weekdays like sat,sun; found {d:?}"
            ))
        })?);
    }
    let mut busy_dates = BTreeSet::new();
    if !a.busy.is_empty() {
        let tz = TimeZone::get(&loaded.zone).ok();
        let (entries, _, _) = read_calendars(&a.busy, tz)?;
        // A holiday or a trip of several days blocks every day it covers.
        busy_dates.extend(entries.iter().flat_map(|e| e.dates()));
    }
    if let Some(m) = a.money
        && !(m.is_finite() && m >= 0.0)
    {
        return Err(Bad::new(format!(
            "--money: expected an amount of 0 or more, found {m}"
        )));
    }
    let from = a
        .from
        .as_deref()
        .map(|s| parse_date("--from", s))
        .transpose()?;
    let to = a.to.as_deref().map(|s| parse_date("--to", s)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(Bad::new(format!("--to {t} is before --from {f}")));
    }
    // Plan from today, or from the calendar's start when it lies ahead. A calendar
    // wholly in the past is planned from its start, as a look back.
    let starting = PlanRequest::starting(&loaded.season, loaded.today);
    Ok(PlanRequest {
        from: from.or(starting.from),
        to,
        unavailable_weekdays: unavailable,
        busy_dates,
        budget: kneadtime_domain::Budget {
            sessions: a.budget,
            money: a.money,
        },
        recurring_focus: a.focus.clone(),
        pressure_cap: None,
    })
}
