//! Reading a training plan written as CSV: one row per session, with a header naming
//! the columns (`date` and `title` required), or a plan laid out by week (see `grid`).

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use kneadtime_domain::{Entry, Origin};

use crate::tz::{system_or_utc, zone_name};
use crate::{Calendar, ImportError};

/// Header names (lower-case) understood for each column, in the languages the titles
/// are read in.
const DATE: &[&str] = &["date", "datum", "fecha", "data"];
const TITLE: &[&str] = &["title", "titel", "titre", "título", "titulo", "titolo"];
const TIME: &[&str] = &["time", "zeit", "uhrzeit", "heure", "hora", "ora", "tijd"];
const DURATION: &[&str] = &[
    "duration_min",
    "duration",
    "dauer",
    "durée",
    "duree",
    "duración",
    "duracion",
    "durata",
    "duur",
    "duração",
    "duracao",
];
const END: &[&str] = &["end", "end_date", "ende", "fin", "fine", "einde", "fim"];
const DISTANCE: &[&str] = &[
    "distance_km",
    "distanz",
    "strecke",
    "distancia",
    "distanza",
    "afstand",
    "distância",
];
const DESCRIPTION: &[&str] = &[
    "description",
    "notes",
    "beschreibung",
    "notizen",
    "descripción",
    "descripcion",
    "notas",
    "descrizione",
    "note",
    "beschrijving",
    "notities",
    "descrição",
    "descricao",
];

/// English month names, for the readings of a date offered in a message.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Which number of a slashed date ("01/03/2027") is the day: decided once per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayOrder {
    DayFirst,
    MonthFirst,
}

/// The cell separator: a semicolon or a tab when the header has more of them than
/// commas (spreadsheets saved where the comma is the decimal mark use semicolons).
fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut comma, mut semicolon, mut tab, mut quoted) = (0, 0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semicolon += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab > semicolon {
        b'\t'
    } else if semicolon > comma {
        b';'
    } else {
        b','
    }
}

/// A number as spreadsheets write it: "7.5", or "7,5" with a decimal comma.
fn parse_number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().or_else(|| {
        (text.matches(',').count() == 1 && !text.contains('.'))
            .then(|| text.replacen(',', ".", 1).parse().ok())
            .flatten()
    })
}

/// Parses a CSV plan.
///
/// The header row is required (case-insensitive, trimmed): `date` and `title`, and
/// optionally `time` (HH:MM), `duration_min`, `distance_km`, `kind`, `description` (or
/// `notes`). Other columns are ignored, blank rows skipped. Dates are `YYYY-MM-DD`,
/// optionally followed by ` HH:MM` or `THH:MM`. Dates are the runner's local dates as
/// written; `tz` only decides the zone reported in [`Calendar::zone`].
pub fn parse_csv(text: &str, file: &str, tz: Option<&TimeZone>) -> Result<Calendar, ImportError> {
    parse_csv_ending(text, file, tz, None)
}

/// [`parse_csv`], placing a plan laid out by week (no dates) so that its race falls on
/// `race_day`.
pub fn parse_csv_ending(
    text: &str,
    file: &str,
    tz: Option<&TimeZone>,
    race_day: Option<Date>,
) -> Result<Calendar, ImportError> {
    let text = crate::strip_bom(text);
    let origin_file: std::sync::Arc<str> = file.into();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| line_at(text, p.byte()));
        ImportError::new(
            file,
            line,
            format!("expected CSV rows, found a problem: {e}"),
        )
    };
    let blank = |r: &csv::StringRecord| r.iter().all(|f| f.trim().is_empty());
    let line_of = |r: &csv::StringRecord| r.position().map(|p| line_at(text, p.byte()));

    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => {
                return Err(ImportError::new(
                    file,
                    Some(1),
                    "expected a header with columns \"date\" and \"title\"; found an empty file",
                ));
            }
            Some(Err(e)) => return Err(csv_error(e)),
            Some(Ok(r)) if blank(&r) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |wanted: &[&str]| {
        wanted
            .iter()
            .find_map(|w| names.iter().position(|n| n == w))
    };
    let zone = || match tz {
        Some(tz) => zone_name(tz),
        None => zone_name(&system_or_utc()),
    };
    if col(DATE).is_none()
        && let Some(layout) = crate::grid::layout(&names)
    {
        let rows = records
            .map(|r| r.map(|r| (line_of(&r), r)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(csv_error)?;
        let mut entries = crate::grid::read(&layout, &rows, file, line_of(&header), race_day)?;
        crate::sort_entries(&mut entries);
        return Ok(Calendar {
            entries,
            zone: zone(),
            warnings: Vec::new(),
        });
    }
    let (Some(date_col), Some(title_col)) = (col(DATE), col(TITLE)) else {
        const SHOWN: usize = 16;
        let mut found: Vec<String> = header
            .iter()
            .take(SHOWN)
            .map(|h| {
                let h = h.trim();
                if h.is_empty() {
                    "(blank)".to_string()
                } else {
                    h.to_string()
                }
            })
            .collect();
        if header.len() > SHOWN {
            found.push("…".to_string());
        }
        return Err(ImportError::new(
            file,
            line_of(&header),
            format!(
                "expected a header with columns \"date\" and \"title\"; found: {}",
                found.join(", ")
            ),
        ));
    };
    let time_col = col(TIME);
    let duration_col = col(DURATION);
    let end_col = col(END);
    let distance_col = col(DISTANCE);
    let kind_col = col(&["kind"]);
    let description_col = col(DESCRIPTION);

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        if !blank(&record) {
            rows.push((line_of(&record), record));
        }
    }
    let order = day_order(
        file,
        &rows,
        &[("date", date_col), ("end", end_col.unwrap_or(date_col))],
    )?;

    let mut entries = Vec::new();
    for (line, record) in rows {
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
        let field_err = |field: &str, expected: &str, found: &str| {
            let found = if found.is_empty() {
                "an empty cell".to_string()
            } else {
                crate::values::quote(found)
            };
            ImportError::new(
                file,
                line,
                format!("field \"{field}\": {expected}, found {found}"),
            )
        };

        let date_text = cell(Some(date_col));
        let (date, mut time) = parse_date_time(date_text, order)
            .ok_or_else(|| field_err("date", "expected a date like 2027-04-25", date_text))?;
        if !kneadtime_domain::dates::accepted(date) {
            let expected = format!(
                "expected a date between {} and {}",
                kneadtime_domain::dates::EARLIEST,
                kneadtime_domain::dates::LATEST
            );
            return Err(field_err("date", &expected, date_text));
        }
        let time_text = cell(time_col);
        if !time_text.is_empty() {
            time = Some(
                parse_time(time_text)
                    .ok_or_else(|| field_err("time", "expected a time like 07:30", time_text))?,
            );
        }
        let title = cell(Some(title_col));
        if title.is_empty() {
            return Err(field_err("title", "expected a title", title));
        }
        let number =
            |field: &str, c: Option<usize>, what: &str| -> Result<Option<f64>, ImportError> {
                let text = cell(c);
                if text.is_empty() {
                    return Ok(None);
                }
                match parse_number(text) {
                    Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                    _ => Err(field_err(
                        field,
                        &format!("expected {what}, 0 or more"),
                        text,
                    )),
                }
            };
        let duration_min = number("duration_min", duration_col, "a number of minutes")?;
        // `end`: the last day (a stage race, a holiday) or the end time.
        let end_text = cell(end_col);
        let (last_date, end) = if end_text.is_empty() {
            (None, None)
        } else {
            let (d, t) = parse_date_time(end_text, order)
                .filter(|(d, _)| kneadtime_domain::dates::accepted(*d))
                .ok_or_else(|| {
                    field_err(
                        "end",
                        "expected a date like 2027-04-26 or a time like 2027-04-26 14:30",
                        end_text,
                    )
                })?;
            if d < date || d > date.checked_add(jiff::Span::new().days(366)).unwrap_or(d) {
                return Err(field_err(
                    "end",
                    "expected an end on or after the date, within a year",
                    end_text,
                ));
            }
            (Some(d).filter(|d| *d > date), t.map(|t| d.to_datetime(t)))
        };
        let distance_km = number("distance_km", distance_col, "a number of kilometres")?;
        let kind = cell(kind_col);
        entries.push(Entry {
            date,
            start: time.map(|t| date.to_datetime(t)),
            duration_min,
            last_date,
            end,
            distance_km,
            title: title.into(),
            description: cell(description_col).replace("\r\n", "\n").into(),
            kind_hint: (!kind.is_empty()).then(|| kind.to_string()),
            origin: Origin {
                file: origin_file.clone(),
                line,
            },
        });
    }
    crate::sort_entries(&mut entries);
    Ok(Calendar {
        entries,
        zone: zone(),
        warnings: Vec::new(),
    })
}

/// The 1-based line where the record at `byte` starts. csv's own `Position::line` lags
/// behind after CRLF and blank lines (it points at the previous terminator), so the line
/// is counted from the byte offset, past any line breaks the record position sits on.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(byte)
        .unwrap_or(bytes.len())
        .min(bytes.len());
    while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    bytes
        .get(..at)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

fn number_part(s: &str, min_len: usize, max_len: usize) -> Option<i16> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The date part of a cell and what follows it (a time).
fn split_date(text: &str) -> Option<(&str, Option<&str>)> {
    Some(match text.find([' ', 'T', 't']) {
        Some(i) => (text.get(..i)?, Some(text.get(i + 1..)?.trim())),
        None => (text, None),
    })
}

/// The mark between a date's numbers: `-`, `/` or `.`.
fn date_mark(date_part: &str) -> Option<char> {
    date_part.chars().find(|c| matches!(c, '-' | '/' | '.'))
}

/// "01/03/2027", "01-03-2027" or "01.03.2027" split at `mark`: two numbers then the
/// year.
fn year_last(date_part: &str, mark: char) -> Option<(i16, i16, i16)> {
    let mut parts = date_part.split(mark);
    let a = number_part(parts.next()?, 1, 2)?;
    let b = number_part(parts.next()?, 1, 2)?;
    let year = number_part(parts.next()?, 4, 4)?;
    parts.next().is_none().then_some((a, b, year))
}

fn civil(year: i16, month: i16, day: i16) -> Option<Date> {
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The order a file writes its slashed dates in, from the dates that can be read only
/// one way ("13/03/2027"); an error when they disagree, or when every such date reads
/// both ways and the two readings differ.
fn day_order(
    file: &str,
    rows: &[(Option<usize>, csv::StringRecord)],
    columns: &[(&str, usize)],
) -> Result<Option<DayOrder>, ImportError> {
    let mut seen: [Option<(Option<usize>, &str)>; 2] = [None, None];
    let mut either: Option<(Option<usize>, &str, &str, Date, Date)> = None;
    for (line, record) in rows {
        for &(field, c) in columns {
            let text = record.get(c).map(str::trim).unwrap_or("");
            // Dotted dates put the day first by custom; slashed and dashed ones say
            // nothing by themselves.
            let slashed = split_date(text).and_then(|(d, _)| match date_mark(d)? {
                '.' => None,
                mark => year_last(d, mark),
            });
            let Some((a, b, year)) = slashed else {
                continue;
            };
            let (day_first, month_first) = (civil(year, b, a), civil(year, a, b));
            let known = match (day_first, month_first) {
                (Some(d), Some(m)) if d != m => {
                    either.get_or_insert((*line, field, text, d, m));
                    continue;
                }
                (Some(_), None) => DayOrder::DayFirst,
                (None, Some(_)) => DayOrder::MonthFirst,
                _ => continue,
            };
            let other = usize::from(known == DayOrder::DayFirst);
            if let Some((other_line, other_text)) = seen[other] {
                let (this, that) = match known {
                    DayOrder::DayFirst => ("day", "month"),
                    DayOrder::MonthFirst => ("month", "day"),
                };
                let date = day_first.or(month_first).map(|d| d.to_string());
                return Err(ImportError::new(
                    file,
                    *line,
                    format!(
                        "field \"{field}\": \"{text}\" puts the {this} first, but \"{other_text}\"{} puts the {that} first; write dates as {}",
                        other_line
                            .map(|l| format!(" on line {l}"))
                            .unwrap_or_default(),
                        date.unwrap_or_default()
                    ),
                ));
            }
            seen[1 - other].get_or_insert((*line, text));
        }
    }
    Ok(match (seen, either) {
        ([Some(_), _], _) => Some(DayOrder::DayFirst),
        ([_, Some(_)], _) => Some(DayOrder::MonthFirst),
        (_, Some((line, field, text, d, m))) => {
            let say = |x: Date| format!("{} {}", x.day(), MONTHS[x.month() as usize - 1]);
            return Err(ImportError::new(
                file,
                line,
                format!(
                    "field \"{field}\": \"{text}\" may be {} or {} {}; write it as {d} or {m}",
                    say(d),
                    say(m),
                    d.year()
                ),
            ));
        }
        _ => Some(DayOrder::DayFirst),
    })
}

/// `YYYY-MM-DD` (or with `/` or `.`), `DD.MM.YYYY`, or `A/B/YYYY` and `A-B-YYYY` in the
/// file's `order`; optionally followed by ` HH:MM` or `THH:MM`.
fn parse_date_time(text: &str, order: Option<DayOrder>) -> Option<(Date, Option<Time>)> {
    let (date_part, time_part) = split_date(text)?;
    let mark = date_mark(date_part)?;
    let date = if date_part.split(mark).next()?.len() == 4 {
        let mut parts = date_part.split(mark);
        let year = number_part(parts.next()?, 4, 4)?;
        let month = number_part(parts.next()?, 1, 2)?;
        let day = number_part(parts.next()?, 1, 2)?;
        if parts.next().is_some() {
            return None;
        }
        civil(year, month, day)?
    } else {
        let (a, b, year) = year_last(date_part, mark)?;
        match (mark, order) {
            ('.', _) | (_, Some(DayOrder::DayFirst)) => civil(year, b, a)?,
            (_, Some(DayOrder::MonthFirst)) => civil(year, a, b)?,
            (_, None) => return None,
        }
    };
    let time = match time_part {
        Some(t) => Some(parse_time(t)?),
        None => None,
    };
    Some((date, time))
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`.
fn parse_time(text: &str) -> Option<Time> {
    let mut parts = text.split(':');
    let hour = number_part(parts.next()?, 1, 2)?;
    let minute = number_part(parts.next()?, 2, 2)?;
    let second = match parts.next() {
        Some(s) => number_part(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    #[test]
    fn record_lines() {
        let text = "a,b\r\n1,2\r\n\r\n3,\"x\r\ny\"\r\n4,5";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 4), 2);
        assert_eq!(line_at(text, 9), 4);
        assert_eq!(line_at(text, 999), 6);
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date_time("2027-04-25", None),
            Some((date(2027, 4, 25), None))
        );
        assert_eq!(
            parse_date_time("2027-4-5", None),
            Some((date(2027, 4, 5), None))
        );
        assert_eq!(
            parse_date_time("2027-04-25 07:30", None),
            Some((date(2027, 4, 25), Some(time(7, 30, 0, 0))))
        );
        assert_eq!(
            parse_date_time("2027-04-25T7:30", None),
            Some((date(2027, 4, 25), Some(time(7, 30, 0, 0))))
        );
        for bad in [
            "25/04/2027",
            "2027-02-30",
            "2027-04-25 25:00",
            "27-04-25",
            "2027-04-25-1",
            "",
            "２０２７-04-25",
        ] {
            assert_eq!(parse_date_time(bad, None), None, "{bad}");
        }
        let day_first = Some(DayOrder::DayFirst);
        assert_eq!(
            parse_date_time("01.03.2027 07:30", None),
            Some((date(2027, 3, 1), Some(time(7, 30, 0, 0))))
        );
        assert_eq!(
            parse_date_time("2027/03/01", None),
            Some((date(2027, 3, 1), None))
        );
        assert_eq!(
            parse_date_time("01/03/2027", day_first),
            Some((date(2027, 3, 1), None))
        );
        assert_eq!(
            parse_date_time("01-03-2027", Some(DayOrder::MonthFirst)),
            Some((date(2027, 1, 3), None))
        );
        assert_eq!(parse_date_time("31.02.2027", None), None);
        assert_eq!(parse_number("7,5"), Some(7.5));
        assert_eq!(parse_number("1,000.5"), None);
        assert_eq!(delimiter("\n\"a;b\",c\n"), b',');
        assert_eq!(delimiter("Datum;Titel;Dauer\n"), b';');
        assert_eq!(delimiter("date\ttitle\n"), b'\t');
        assert_eq!(parse_time("07:30:15"), Some(time(7, 30, 15, 0)));
        assert_eq!(parse_time("7:3"), None);
    }
}
