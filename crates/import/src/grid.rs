//! Reading a training plan laid out by week, as published plans are: a week column and
//! one column per weekday (Monday … Sunday, in the languages the classifier reads), each
//! cell a session. Such a plan has no dates, so it is placed from its race day.

use csv::StringRecord;
use jiff::civil::{Date, Weekday};
use kneadtime_domain::dates::add_days;
use kneadtime_domain::season::monday_of;
use kneadtime_domain::{Class, Entry, Origin, classify};

use crate::ImportError;

/// A plan this many weeks long at most (two years).
const MAX_WEEKS: i64 = 104;

/// Header words for the week column.
const WEEK_HEADERS: &[&str] = &[
    "week",
    "wk",
    "week #",
    "week no",
    "week number",
    "weeks to go",
    "weeks out",
    "woche",
    "semaine",
    "semana",
    "settimana",
];

/// Header words for each weekday, Monday first: full names and the short forms plans
/// use ("Mo", "lun", "sáb").
const DAY_HEADERS: [&[&str]; 7] = [
    &[
        "monday",
        "mon",
        "montag",
        "mo",
        "lundi",
        "lun",
        "lunes",
        "lunedì",
        "lunedi",
        "maandag",
        "ma",
        "segunda",
        "segunda-feira",
        "seg",
    ],
    &[
        "tuesday",
        "tue",
        "tues",
        "dienstag",
        "di",
        "mardi",
        "mar",
        "martes",
        "martedì",
        "martedi",
        "dinsdag",
        "terça",
        "terca",
        "terça-feira",
        "terca-feira",
        "ter",
    ],
    &[
        "wednesday",
        "wed",
        "mittwoch",
        "mi",
        "mercredi",
        "mer",
        "miércoles",
        "miercoles",
        "mié",
        "mie",
        "mercoledì",
        "mercoledi",
        "woensdag",
        "wo",
        "quarta",
        "quarta-feira",
        "qua",
    ],
    &[
        "thursday",
        "thu",
        "thur",
        "thurs",
        "donnerstag",
        "do",
        "jeudi",
        "jeu",
        "jueves",
        "jue",
        "giovedì",
        "giovedi",
        "gio",
        "donderdag",
        "quinta",
        "quinta-feira",
        "qui",
    ],
    &[
        "friday",
        "fri",
        "freitag",
        "fr",
        "vendredi",
        "ven",
        "viernes",
        "vie",
        "venerdì",
        "venerdi",
        "vrijdag",
        "vr",
        "sexta",
        "sexta-feira",
        "sex",
    ],
    &[
        "saturday",
        "sat",
        "samstag",
        "sonnabend",
        "sa",
        "samedi",
        "sam",
        "sábado",
        "sabado",
        "sáb",
        "sab",
        "sabato",
        "zaterdag",
        "za",
    ],
    &[
        "sunday", "sun", "sonntag", "so", "dimanche", "dim", "domingo", "dom", "domenica",
        "zondag", "zo",
    ],
];

/// Where the week and each weekday are in a header row.
pub(crate) struct Layout {
    week: usize,
    days: [Option<usize>; 7],
}

/// The layout of a week grid, when `names` (trimmed, lower-case headers) has a week
/// column and at least five weekday columns.
pub(crate) fn layout(names: &[String]) -> Option<Layout> {
    let week = names
        .iter()
        .position(|n| WEEK_HEADERS.contains(&n.as_str()))?;
    let mut days = [None; 7];
    for (i, words) in DAY_HEADERS.iter().enumerate() {
        days[i] = names.iter().position(|n| words.contains(&n.as_str()));
    }
    (days.iter().flatten().count() >= 5).then_some(Layout { week, days })
}

/// The error for a grid read without its race day.
pub(crate) const NO_RACE_DAY: &str = "expected dated rows; found a plan laid out by week (a week column and one column per weekday) with no dates: it is placed on the calendar from its race day, so give the date of the race it leads to with the file";

/// The week number a cell holds: "3", "Week 3", "W3".
fn week_number(cell: &str) -> Option<i64> {
    let cell = cell.trim();
    let at = cell.find(|c: char| c.is_ascii_digit())?;
    // Only a week word may come before the number ("Week 3", "W3", "#3"), not "Total 1,517".
    let label = cell[..at]
        .trim()
        .trim_end_matches(['#', '.', ':'])
        .trim()
        .to_lowercase();
    if !(label.is_empty() || label == "w" || WEEK_HEADERS.contains(&label.as_str())) {
        return None;
    }
    let digits: String = cell[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(4)
        .collect();
    let n: i64 = digits.parse().ok()?;
    (1..=MAX_WEEKS).contains(&n).then_some(n)
}

/// One cell's session: the first line is its title, the rest its description.
struct Cell {
    week: i64,
    day: usize,
    title: String,
    description: String,
    line: Option<usize>,
}

/// The sessions of a week grid, dated so that its race (the last race cell, or the
/// last week when no cell names a race) falls on `race_day`. Rows without a week number
/// (totals, a legend under the grid) are skipped.
pub(crate) fn read(
    layout: &Layout,
    rows: &[(Option<usize>, StringRecord)],
    file: &str,
    header_line: Option<usize>,
    race_day: Option<Date>,
) -> Result<Vec<Entry>, ImportError> {
    let mut cells = Vec::new();
    let mut seen: Vec<(i64, Option<usize>)> = Vec::new();
    for (line, record) in rows {
        let Some(week) = record.get(layout.week).and_then(week_number) else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(w, _)| *w == week) {
            let first = first.map_or(String::new(), |l| format!(" (first on line {l})"));
            return Err(ImportError::new(
                file,
                *line,
                format!("field \"week\": expected each week once, found week {week} again{first}"),
            ));
        }
        seen.push((week, *line));
        for (day, col) in layout.days.iter().enumerate() {
            let text = col.and_then(|c| record.get(c)).unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let text = text.replace("\r\n", "\n");
            let (title, description) = match text.split_once('\n') {
                Some((t, d)) => (t.trim().to_string(), d.trim().to_string()),
                None => (text.clone(), String::new()),
            };
            cells.push(Cell {
                week,
                day,
                title,
                description,
                line: *line,
            });
        }
    }
    let Some(race_day) = race_day else {
        return Err(ImportError {
            needs_race_day: true,
            ..ImportError::new(file, header_line, NO_RACE_DAY)
        });
    };
    if cells.is_empty() {
        return Ok(Vec::new());
    }
    // The race cell: the longest race in the grid (a fun run after the goal race does not
    // move the plan), the last of equals.
    let race_km = |c: &Cell| {
        let mut e = Entry::new(race_day, c.title.as_str());
        e.description = c.description.as_str().into();
        let s = classify(&e);
        (s.class == Class::Race).then(|| s.distance_km.unwrap_or(0.0))
    };
    let mut anchor: Option<(&Cell, f64)> = None;
    for c in &cells {
        if let Some(km) = race_km(c)
            && anchor.is_none_or(|(_, best)| km >= best)
        {
            anchor = Some((c, km));
        }
    }
    // Weeks counted down to the race ("weeks to go") run the other way.
    let countdown = cells
        .first()
        .zip(cells.last())
        .is_some_and(|(a, b)| a.week > b.week);
    let direction = if countdown { -1 } else { 1 };
    // Where a weekday falls in its row's week: a Sunday column before Monday's is the
    // Sunday that starts the row.
    let sunday_first = layout.days[6]
        .zip(layout.days[0])
        .is_some_and(|(sun, mon)| sun < mon);
    let day_offset = |day: usize| -> i64 {
        if day == 6 && sunday_first {
            -1
        } else {
            day as i64
        }
    };
    let (row_monday, race_week) = match anchor {
        Some((c, _)) => {
            let want = weekday(c.day);
            if race_day.weekday() != want {
                return Err(ImportError::new(
                    file,
                    c.line,
                    format!(
                        "expected the race day given to be a {want:?}, as \"{}\" is in week {} of the plan; found {race_day}, a {:?}",
                        c.title,
                        c.week,
                        race_day.weekday()
                    ),
                ));
            }
            (add_days(race_day, -(day_offset(c.day) as i32)), c.week)
        }
        // No cell names the race: the race day falls in the plan's last row.
        None => {
            let last = if countdown {
                cells.iter().map(|c| c.week).min()
            } else {
                cells.iter().map(|c| c.week).max()
            };
            let monday = if sunday_first && race_day.weekday() == Weekday::Sunday {
                add_days(race_day, 1)
            } else {
                monday_of(race_day)
            };
            (monday, last.unwrap_or(1))
        }
    };
    let origin_file: std::sync::Arc<str> = file.into();
    let mut out = Vec::with_capacity(cells.len());
    for c in cells {
        let offset = (c.week - race_week) * 7 * direction + day_offset(c.day);
        let date = row_monday
            .checked_add(jiff::Span::new().days(offset))
            .ok()
            .filter(|d| kneadtime_domain::dates::accepted(*d))
            .ok_or_else(|| {
                ImportError::new(
                    file,
                    c.line,
                    format!("expected week {} to fall on a date this calendar accepts, counting from the race day {race_day}", c.week),
                )
            })?;
        let mut e = Entry::new(date, c.title.as_str());
        e.description = c.description.into();
        e.origin = Origin {
            file: origin_file.clone(),
            line: c.line,
        };
        out.push(e);
    }
    Ok(out)
}

fn weekday(day: usize) -> Weekday {
    Weekday::from_monday_zero_offset(i8::try_from(day).unwrap_or(0)).unwrap_or(Weekday::Monday)
}

#[cfg(test)]
mod tests {
    use crate::parse_csv_ending;
    use jiff::civil::date;

    #[test]
    fn a_german_grid_without_a_race_cell_ends_in_the_race_week() {
        let text = "Woche,Montag,Dienstag,Mittwoch,Donnerstag,Freitag,Samstag,Sonntag\n\
                    Woche 1,Ruhetag,Intervalle 6x800,Dauerlauf 8 km,,,,Langer Lauf 25 km\n\
                    Woche 2,Ruhetag,,Dauerlauf 6 km,,,,\n\
                    Summe,,,,,,,\n";
        let race = date(2027, 5, 9); // a Sunday
        let cal = parse_csv_ending(text, "plan.csv", None, Some(race)).expect("placed");
        let dates: Vec<_> = cal.entries.iter().map(|e| (e.date, &*e.title)).collect();
        assert_eq!(
            dates,
            vec![
                (date(2027, 4, 26), "Ruhetag"),
                (date(2027, 4, 27), "Intervalle 6x800"),
                (date(2027, 4, 28), "Dauerlauf 8 km"),
                (date(2027, 5, 2), "Langer Lauf 25 km"),
                (date(2027, 5, 3), "Ruhetag"),
                (date(2027, 5, 5), "Dauerlauf 6 km"),
            ]
        );
        assert_eq!(cal.entries[1].origin.line, Some(2));
    }

    #[test]
    fn a_week_given_twice_is_refused_with_both_lines() {
        let text = "Week,Mon,Tue,Wed,Thu,Fri,Sat,Sun\n1,Rest,Easy 5k,,,,,\n1,Rest,,,,,,\n";
        let e = parse_csv_ending(text, "plan.csv", None, Some(date(2027, 5, 9))).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.contains("week 1 again (first on line 2)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_grid_without_its_race_day_says_what_is_needed() {
        let text = "Week,Mon,Tue,Wed,Thu,Fri,Sat,Sun\n1,Rest,Easy 5k,,,,,\n";
        let e = parse_csv_ending(text, "plan.csv", None, None).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("laid out by week"), "{}", e.message);
        assert!(e.needs_race_day);
        // A header with a week column but too few weekdays is not a grid.
        let e = parse_csv_ending("week,mon,notes\n1,x,y\n", "p.csv", None, None).unwrap_err();
        assert!(
            e.message.contains("\"date\" and \"title\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn weeks_beyond_the_calendar_are_refused() {
        let text = "Week,Mon,Tue,Wed,Thu,Fri,Sat,Sun\n1,Rest,,,,,,\n100,,,,,,Marathon,\n";
        let e = parse_csv_ending(text, "plan.csv", None, Some(date(1900, 3, 3))).unwrap_err();
        assert!(e.message.contains("week 1"), "{}", e.message);
    }
}

#[cfg(test)]
mod layouts {
    use crate::parse_csv_ending;
    use jiff::civil::date;

    fn dated(text: &str, race: jiff::civil::Date) -> Vec<(jiff::civil::Date, String)> {
        parse_csv_ending(text, "plan.csv", None, Some(race))
            .expect("placed")
            .entries
            .iter()
            .map(|e| (e.date, e.title.to_string()))
            .collect()
    }

    /// US plans start the week on Sunday: that Sunday comes before the row's Monday.
    #[test]
    fn weeks_that_start_on_sunday() {
        let text = "Week,Sun,Mon,Tue,Wed,Thu,Fri,Sat\n\
                    1,Long run 20 km,Rest,Easy 8 km,,,,\n\
                    2,Long run 22 km,Rest,,,,,City Marathon\n";
        let race = date(2027, 5, 8); // a Saturday
        let got = dated(text, race);
        assert_eq!(got.last().unwrap(), &(race, "City Marathon".to_string()));
        assert_eq!(got[0], (date(2027, 4, 25), "Long run 20 km".to_string()));
        assert_eq!(got[3], (date(2027, 5, 2), "Long run 22 km".to_string()));
    }

    /// Short weekday names as German and French plans write them.
    #[test]
    fn short_weekday_headers() {
        let text = "Woche,Mo,Di,Mi,Do,Fr,Sa,So\n1,Ruhetag,Intervalle 6x800,,,,,Langer Lauf 25 km\n";
        let got = dated(text, date(2027, 5, 9));
        assert_eq!(got.last().unwrap().0, date(2027, 5, 9));
        let text = "Semaine,lun,mar,mer,jeu,ven,sam,dim\n1,Repos,Fractionné 10x400,,,,,Sortie longue 20 km\n";
        let got = dated(text, date(2027, 5, 9));
        assert_eq!(got[1], (date(2027, 5, 4), "Fractionné 10x400".to_string()));
    }

    /// Week labels as plans write them, and weeks counted down to the race.
    #[test]
    fn week_labels_and_countdowns() {
        let text = "Week,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday\n\
                    Week 1 of 3,Rest,Easy 8 km,,,,,Long run 20 km\n\
                    2.,Rest,Easy 8 km,,,,,Long run 24 km\n\
                    Week 3 (race week),Rest,Easy 5 km,,,,,Spring Marathon\n";
        let race = date(2027, 4, 25);
        let got = dated(text, race);
        assert_eq!(got.len(), 9);
        assert_eq!(got[0].0, date(2027, 4, 5));
        assert_eq!(got.last().unwrap(), &(race, "Spring Marathon".to_string()));

        let countdown = "Weeks to go,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday\n\
                         3,Rest,Easy 8 km,,,,,Long run 20 km\n\
                         2,Rest,Easy 8 km,,,,,Long run 24 km\n\
                         1,Rest,Easy 5 km,,,,,Spring Marathon\n";
        let got = dated(countdown, race);
        assert_eq!(got[0], (date(2027, 4, 5), "Rest".to_string()));
        assert_eq!(got.last().unwrap(), &(race, "Spring Marathon".to_string()));
    }

    /// A fun run after the goal race does not move the plan: the longest race places it.
    #[test]
    fn the_longest_race_places_the_plan() {
        let text = "Week,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday\n\
                    1,Rest,Easy 8 km,,,,,Spring Marathon\n\
                    2,Rest,Easy 5 km,,,,,Park 10K race\n";
        let race = date(2027, 4, 25);
        let got = dated(text, race);
        assert!(
            got.contains(&(race, "Spring Marathon".to_string())),
            "{got:?}"
        );
    }
}
