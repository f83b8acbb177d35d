//! Race-week files: the runners who asked for a session and the clinic group's rota,
//! as CSV in, and each runner's booked time as an `.ics` out. Times are the clinic
//! group's local times; the calendar file carries them in UTC.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use kneadtime_domain::allocate::{Part, Runner, Shift, Slot, Tier};
use kneadtime_domain::dates;

use crate::ImportError;

/// The most bytes either file may hold.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

const RUNNER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "finish",
    "clinics",
    "days",
    "times",
    "therapist",
    "priority",
];
const ROTA_COLUMNS: &[&str] = &["therapist", "name", "clinic", "date", "from", "to", "busy"];

struct Table {
    file: String,
    columns: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn read(
        file: &str,
        text: &str,
        known: &[&str],
        required: &[&str],
    ) -> Result<Table, ImportError> {
        if text.len() > MAX_BYTES {
            return Err(ImportError::new(
                file,
                None,
                format!(
                    "expected at most {} MB, found {} bytes",
                    MAX_BYTES >> 20,
                    text.len()
                ),
            ));
        }
        let mut reader = ::csv::ReaderBuilder::new()
            .trim(::csv::Trim::All)
            .flexible(false)
            .from_reader(text.as_bytes());
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| ImportError::new(file, Some(1), format!("expected a header row: {e}")))?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        if let Some(c) = columns.iter().find(|c| !known.contains(&c.as_str())) {
            return Err(ImportError::new(
                file,
                Some(1),
                format!(
                    "unknown column {c:?}; expected some of {}",
                    known.join(", ")
                ),
            ));
        }
        if let Some(c) = required.iter().find(|c| !columns.iter().any(|x| x == *c)) {
            return Err(ImportError::new(
                file,
                Some(1),
                format!("expected a column {c:?} (columns: {})", known.join(", ")),
            ));
        }
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize);
                ImportError::new(
                    file,
                    line,
                    format!("expected {} fields per row: {e}", columns.len()),
                )
            })?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        Ok(Table {
            file: file.to_string(),
            columns,
            rows,
        })
    }

    fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| row.get(i))
            .map_or("", String::as_str)
    }

    fn err(&self, line: usize, column: &str, msg: impl std::fmt::Display) -> ImportError {
        ImportError::new(&self.file, Some(line), format!("{column}: {msg}"))
    }
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', '|']).map(str::trim).filter(|x| !x.is_empty())
}

fn date_in(t: &Table, line: usize, column: &str, s: &str) -> Result<Date, ImportError> {
    let d: Date = s.parse().map_err(|_| {
        t.err(
            line,
            column,
            format!("expected a date like 2027-04-18, found {s:?}"),
        )
    })?;
    dates::check(column, d).map_err(|e| t.err(line, column, e))
}

fn time_in(t: &Table, line: usize, column: &str, s: &str) -> Result<Time, ImportError> {
    s.parse().map_err(|_| {
        t.err(
            line,
            column,
            format!("expected a time like 09:30, found {s:?}"),
        )
    })
}

/// Reads the runners: `id` (required), `name`, `finish` (local, `2027-04-18 13:05`),
/// `clinics`, `days` and `times` (lists separated by `;`, best first), `therapist` (an
/// id from the rota) and `priority` (standard, charity, elite, pre-booked). An `email`
/// column is allowed and read by [`read_runner_rows`].
pub fn read_runners(file: &str, text: &str) -> Result<Vec<Runner>, ImportError> {
    Ok(read_runner_rows(file, text, &["id"])?
        .into_iter()
        .map(|r| r.runner)
        .collect())
}

/// One row of a runners file: the runner, their email, and the line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerRow {
    pub runner: Runner,
    pub email: String,
    pub line: usize,
}

/// Reads the runners like [`read_runners`], keeping each one's `email` and line; the
/// columns in `required` must be there (a clinic needs `email` and `name` to book).
pub fn read_runner_rows(
    file: &str,
    text: &str,
    required: &[&str],
) -> Result<Vec<RunnerRow>, ImportError> {
    let t = Table::read(file, text, RUNNER_COLUMNS, required)?;
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let line = *line;
        let finish = match t.get(row, "finish") {
            "" => None,
            s => Some(s.replacen(' ', "T", 1).parse::<DateTime>().map_err(|_| {
                t.err(
                    line,
                    "finish",
                    format!("expected a local time like 2027-04-18 13:05, found {s:?}"),
                )
            })?),
        };
        let mut days = list(t.get(row, "days"))
            .map(|d| date_in(&t, line, "days", d))
            .collect::<Result<Vec<_>, _>>()?;
        days.sort();
        days.dedup();
        if days.len() > kneadtime_domain::allocate::MAX_DAYS {
            return Err(t.err(
                line,
                "days",
                format!(
                    "expected at most {} days, found {}",
                    kneadtime_domain::allocate::MAX_DAYS,
                    days.len()
                ),
            ));
        }
        let parts = list(t.get(row, "times"))
            .map(|p| {
                Part::parse(p).ok_or_else(|| {
                    t.err(
                        line,
                        "times",
                        format!("expected morning, afternoon or evening, found {p:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let p = t.get(row, "priority");
        let tier = Tier::parse(p).ok_or_else(|| {
            t.err(
                line,
                "priority",
                format!("expected standard, charity, elite or pre-booked, found {p:?}"),
            )
        })?;
        for column in required {
            if t.get(row, column).is_empty() {
                return Err(t.err(line, column, "expected a value, found an empty field"));
            }
        }
        out.push(RunnerRow {
            runner: Runner {
                id: t.get(row, "id").to_string(),
                name: t.get(row, "name").to_string(),
                finish,
                clinics: list(t.get(row, "clinics")).map(str::to_string).collect(),
                days,
                parts,
                therapist: Some(t.get(row, "therapist").to_string()).filter(|x| !x.is_empty()),
                tier,
                taken: Vec::new(),
            },
            email: t.get(row, "email").to_string(),
            line,
        });
    }
    Ok(out)
}

/// Reads the rota: one row per therapist per day, `therapist` (an id), `name`, `clinic`,
/// `date`, `from`, `to`, and `busy` (times already taken, `10:00-11:00;14:00-14:30`).
pub fn read_rota(file: &str, text: &str) -> Result<Vec<Shift>, ImportError> {
    let t = Table::read(
        file,
        text,
        ROTA_COLUMNS,
        &["therapist", "clinic", "date", "from", "to"],
    )?;
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let line = *line;
        let busy = list(t.get(row, "busy"))
            .map(|span| {
                let (a, b) = span.split_once('-').ok_or_else(|| {
                    t.err(
                        line,
                        "busy",
                        format!("expected spans like 10:00-11:00, found {span:?}"),
                    )
                })?;
                Ok((
                    time_in(&t, line, "busy", a.trim())?,
                    time_in(&t, line, "busy", b.trim())?,
                ))
            })
            .collect::<Result<Vec<_>, ImportError>>()?;
        let therapist = t.get(row, "therapist").to_string();
        if therapist.is_empty() {
            return Err(t.err(line, "therapist", "expected the therapist's id"));
        }
        let clinic = t.get(row, "clinic").to_string();
        if clinic.is_empty() {
            return Err(t.err(line, "clinic", "expected the clinic's name"));
        }
        let (from, to) = (
            time_in(&t, line, "from", t.get(row, "from"))?,
            time_in(&t, line, "to", t.get(row, "to"))?,
        );
        if to <= from {
            return Err(t.err(
                line,
                "to",
                format!("expected the end after the start ({from}), found {to}"),
            ));
        }
        out.push(Shift {
            therapist_name: Some(t.get(row, "name").to_string())
                .filter(|x| !x.is_empty())
                .unwrap_or_else(|| therapist.clone()),
            therapist,
            clinic,
            date: date_in(&t, line, "date", t.get(row, "date"))?,
            from,
            to,
            busy,
        });
    }
    Ok(out)
}

/// One runner's booked time as a calendar file, in `tz` (the clinic group's zone).
pub fn booking_ics(
    runner_id: &str,
    event_name: &str,
    summary: &str,
    slot: &Slot,
    description: &str,
    tz: &TimeZone,
    dtstamp: jiff::Timestamp,
) -> Result<String, ImportError> {
    let at = |d: DateTime| {
        tz.to_ambiguous_zoned(d)
            .later()
            .map(|z| z.timestamp())
            .map_err(|e| {
                ImportError::new(
                    runner_id,
                    None,
                    format!("{d} in {}: {e}", tz.iana_name().unwrap_or("the zone")),
                )
            })
    };
    let ev = crate::TimedEvent {
        uid: format!("{runner_id}-{}@allocation.kneadtime", slot.start.date()),
        start: at(slot.start)?,
        end: at(slot.end)?,
        summary: summary.to_string(),
        description: description.to_string(),
        location: slot.clinic.clone(),
        cancelled: false,
        sequence: 0,
        reminder_minutes_before: Some(24 * 60),
    };
    Ok(crate::write_calendar(event_name, &[ev], dtstamp))
}
