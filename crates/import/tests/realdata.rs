//! Every `ics_*` and `csv_*` file in testdata/realdata (real exports; see MANIFEST.tsv
//! there) imports with the values read by hand from the file, or fails on the right line.

use std::path::PathBuf;

use jiff::civil::{Date, DateTime, date};
use jiff::tz::TimeZone;
use kneadtime_import::{Calendar, ImportError, read_calendar_file};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/realdata")
        .join(name)
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn read(name: &str, tz: Option<&str>) -> Calendar {
    let tz = tz.map(zone);
    read_calendar_file(&path(name), tz.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fail(name: &str) -> ImportError {
    match read_calendar_file(&path(name), Some(&TimeZone::UTC)) {
        Ok(c) => panic!("{name} imported but should fail: {c:?}"),
        Err(e) => {
            assert!(e.file.ends_with(name), "{e}");
            e
        }
    }
}

fn dates(c: &Calendar) -> Vec<Date> {
    c.entries.iter().map(|e| e.date).collect()
}

fn starts(c: &Calendar) -> Vec<Option<DateTime>> {
    c.entries.iter().map(|e| e.start).collect()
}

/// The files these tests cover; a new realdata file must get a test.
const COVERED: &[&str] = &[
    "csv_plan_ultra80k_weekgrid.csv",
    "ics_bad_blank_line_mid.ics",
    "ics_bad_double_semicolon_param.ics",
    "ics_bad_empty_vevents.ics",
    "ics_bad_small.ics",
    "ics_bom.ics",
    "ics_custom_tzid_utc_plus11.ics",
    "ics_daily_recur_google.ics",
    "ics_dst_transition_ambiguity.ics",
    "ics_dtstart_date_without_value_param.ics",
    "ics_duration_instead_of_dtend.ics",
    "ics_fold_inside_param.ics",
    "ics_folded_escaped_description.ics",
    "ics_google_allday_no_dtend.ics",
    "ics_google_allday_rrule_recurrence_id.ics",
    "ics_google_rrule_exdate_tzid.ics",
    "ics_missing_vtimezone_custom_tzid.ics",
    "ics_newline_junk.ics",
    "ics_rrule_multi_exdate_bare_vevent.ics",
    "ics_rrule_rdate_exdate_recurrence_id.ics",
    "ics_vtimezone_america_new_york.ics",
];

#[test]
fn every_realdata_calendar_file_is_covered() {
    let dir = path("");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ics_") || n.starts_with("csv_"))
        .collect();
    found.sort();
    assert_eq!(found, COVERED);
}

/// A published plan laid out by week (WEEK, Monday … Sunday) has no dates: without its
/// race day it is refused, saying what is needed; with it, every week lands on the
/// calendar with the race on that day.
#[test]
fn csv_week_grid_is_placed_from_its_race_day() {
    let e = fail("csv_plan_ultra80k_weekgrid.csv");
    assert_eq!(e.line, Some(1));
    assert!(
        e.message.contains("laid out by week") && e.message.contains("race day"),
        "{}",
        e.message
    );
    assert!(
        e.to_string()
            .ends_with(&format!("csv_plan_ultra80k_weekgrid.csv:1: {}", e.message))
    );

    // "Race day!" is the Saturday of week 16.
    let race = jiff::civil::date(2027, 6, 12);
    let cal = kneadtime_import::read_calendar_file_ending(
        &path("csv_plan_ultra80k_weekgrid.csv"),
        Some(&TimeZone::UTC),
        Some(race),
    )
    .expect("placed");
    let last = cal.entries.last().expect("entries");
    assert_eq!(last.date, race);
    assert_eq!(&*last.title, "Race day!");
    let first = &cal.entries[0];
    // Week 1's Tuesday: 15 weeks and 4 days before the race.
    assert_eq!(first.date, jiff::civil::date(2027, 2, 23));
    assert!(first.title.contains("14k, 4x 1.6k @TMP"), "{}", first.title);
    assert!(!first.title.contains('\n'));
    assert!(
        first.description.contains("warmup"),
        "{}",
        first.description
    );
    // 15 weeks of five sessions, three and the race in week 16, and nothing from the
    // summary rows under the grid.
    assert_eq!(cal.entries.len(), 15 * 5 + 4);
    assert!(cal.entries.iter().all(|e| e.date <= race));

    // A race day on the wrong weekday is refused, naming both days.
    let e = kneadtime_import::read_calendar_file_ending(
        &path("csv_plan_ultra80k_weekgrid.csv"),
        Some(&TimeZone::UTC),
        Some(jiff::civil::date(2027, 6, 13)),
    )
    .unwrap_err();
    assert!(
        e.message.contains("Saturday") && e.message.contains("Sunday"),
        "{}",
        e.message
    );
}

#[test]
fn ics_bad_double_semicolon_param() {
    let e = fail("ics_bad_double_semicolon_param.ics");
    assert_eq!(e.line, Some(4));
    assert_eq!(
        e.message,
        "expected a parameter name after ';', found \";\" in \"DTSTART;;VALUE=DATE-TIME:20140409T093000\""
    );
    assert!(
        e.to_string()
            .contains("ics_bad_double_semicolon_param.ics:4: expected a parameter name")
    );
}

#[test]
fn ics_bad_empty_vevents_names_the_first_event() {
    let e = fail("ics_bad_empty_vevents.ics");
    assert_eq!(e.line, Some(2));
    assert_eq!(
        e.message,
        "expected a DTSTART property in the VEVENT on lines 2-3, found none"
    );
}

#[test]
fn ics_bad_small_missing_end_vcalendar_still_needs_dtstart() {
    // The missing END:VCALENDAR alone would be tolerated; the empty VEVENT is not.
    let e = fail("ics_bad_small.ics");
    assert_eq!(e.line, Some(2));
    assert!(e.message.starts_with("expected a DTSTART property"), "{e}");
}

#[test]
fn empty_calendars_are_not_errors() {
    for name in [
        "ics_bom.ics",
        "ics_newline_junk.ics",
        "ics_bad_blank_line_mid.ics",
        "ics_fold_inside_param.ics",
    ] {
        let c = read(name, Some("Europe/London"));
        assert!(c.entries.is_empty(), "{name}");
        assert_eq!(c.zone, "Europe/London", "{name}");
        assert!(c.warnings.is_empty(), "{name}: {:?}", c.warnings);
    }
}

#[test]
fn ics_custom_tzid_utc_plus11_uses_its_vtimezone() {
    // 23:00 at +11:00 is 12:00 UTC the same day, and 02:00 the next day at +14:00.
    let c = read("ics_custom_tzid_utc_plus11.ics", Some("UTC"));
    assert_eq!(c.entries.len(), 1);
    let e = &c.entries[0];
    assert_eq!(e.start, Some(date(2017, 2, 28).at(12, 0, 0, 0)));
    assert_eq!((&*e.title, &*e.description), ("TESTIN", "TESTING"));
    assert_eq!(e.duration_min, Some(30.0));
    assert_eq!(e.origin.line, Some(13));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);

    let c = read("ics_custom_tzid_utc_plus11.ics", Some("Pacific/Kiritimati"));
    assert_eq!(c.entries[0].date, date(2017, 3, 1));
    assert_eq!(c.entries[0].start, Some(date(2017, 3, 1).at(2, 0, 0, 0)));
}

#[test]
fn ics_daily_recur_google_is_capped_at_three_years() {
    let c = read("ics_daily_recur_google.ics", None);
    assert_eq!(c.zone, "America/Los_Angeles"); // X-WR-TIMEZONE
    assert_eq!(c.entries.len(), 1095); // 2012-08-01 ..= 2015-07-31
    assert_eq!(c.entries.first().unwrap().date, date(2012, 8, 1));
    assert_eq!(c.entries.last().unwrap().date, date(2015, 7, 31));
    // 05:00 local on both sides of the DST changes.
    assert!(
        c.entries
            .iter()
            .all(|e| e.start.unwrap().time() == jiff::civil::time(5, 0, 0, 0))
    );
    assert!(c.entries.iter().all(|e| e.duration_min == Some(60.0)));
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].contains(
            ":25: the repeating event \"Every day recurring\" was imported only up to 2015-07-31"
        ),
        "{:?}",
        c.warnings
    );

    // Seen from UTC, the instant moves by an hour when California changes clocks.
    let c = read("ics_daily_recur_google.ics", Some("UTC"));
    let by_date = |d: Date| {
        c.entries
            .iter()
            .find(|e| e.date == d)
            .unwrap()
            .start
            .unwrap()
    };
    assert_eq!(
        by_date(date(2012, 11, 3)),
        date(2012, 11, 3).at(12, 0, 0, 0)
    );
    assert_eq!(
        by_date(date(2012, 11, 5)),
        date(2012, 11, 5).at(13, 0, 0, 0)
    );
}

#[test]
fn ics_dst_transition_ambiguity_follows_the_custom_zone() {
    let c = read("ics_dst_transition_ambiguity.ics", Some("UTC"));
    let got: Vec<(&str, DateTime)> = c
        .entries
        .iter()
        .map(|e| (e.title.get(..30).unwrap(), e.start.unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "This event is clearly in winte",
                date(2024, 3, 2).at(20, 0, 0, 0)
            ), // +12
            (
                "Transition is from 8am -> 6am,",
                date(2024, 5, 4).at(19, 0, 1, 0)
            ), // ambiguous: first (+12)
            (
                "Transition is from 8am -> 6am,",
                date(2024, 5, 4).at(22, 0, 1, 0)
            ), // +10
            (
                "This event is clearly in summe",
                date(2024, 8, 2).at(22, 0, 0, 0)
            ), // +10
        ]
    );
    // The folded SUMMARY keeps one of its two leading spaces.
    assert_eq!(
        &*c.entries[1].title,
        "Transition is from 8am -> 6am, so 7:00:01 is winter RFC5545 does not allow us to be at the later TZ."
    );
    assert_eq!(c.entries[1].origin.line, Some(37));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn ics_dtstart_date_without_value_param_is_all_day() {
    let c = read("ics_dtstart_date_without_value_param.ics", None);
    assert_eq!(c.zone, "Etc/GMT");
    assert_eq!(
        dates(&c),
        vec![date(2022, 1, 1), date(2022, 1, 7), date(2022, 3, 8)]
    );
    assert!(
        c.entries
            .iter()
            .all(|e| e.start.is_none() && e.duration_min.is_none())
    );
    let titles: Vec<&str> = c.entries.iter().map(|e| &*e.title).collect();
    assert_eq!(
        titles,
        [
            "New Year's Day",
            "Orthodox Christmas",
            "International Women's Day"
        ]
    );
    assert_eq!(&*c.entries[1].description, "It is Christmas again!");
    assert_eq!(c.entries[2].origin.line, Some(30));
    // All-day dates do not move with the runner's zone.
    let far = read(
        "ics_dtstart_date_without_value_param.ics",
        Some("Pacific/Kiritimati"),
    );
    assert_eq!(dates(&far), dates(&c));
}

#[test]
fn ics_duration_instead_of_dtend() {
    let c = read("ics_duration_instead_of_dtend.ics", None);
    assert_eq!(c.entries.len(), 1);
    let e = &c.entries[0];
    assert_eq!(e.start, Some(date(2012, 6, 30).at(6, 0, 0, 0)));
    assert_eq!(e.duration_min, Some(1440.0)); // DURATION:P1D
    assert_eq!(&*e.title, "Really long event name thing");
}

#[test]
fn ics_folded_escaped_description() {
    let c = read("ics_folded_escaped_description.ics", None);
    assert_eq!(c.zone, "America/New_York"); // bare VEVENT: its TZID
    let e = &c.entries[0];
    assert_eq!(&*e.title, "DevOps DC Meetup");
    assert_eq!(
        &*e.description,
        "DevOpsDC\nThursday, July 12 at 6:30 PM\n\nThis will be a joint meetup / hack night with \
         the DC jQuery Users Group.   The idea behind the hack night:  Small teams consisting of \
         at least 1 member...\n\nDetails: http://www.meetup.com/DevOpsDC/events/47635522/"
    );
    assert_eq!(e.start, Some(date(2012, 7, 12).at(18, 30, 0, 0)));
    assert_eq!(e.duration_min, Some(180.0));
    assert_eq!(e.origin.line, Some(1));
    // 18:30 in New York is 00:30 the next day in Berlin.
    let c = read("ics_folded_escaped_description.ics", Some("Europe/Berlin"));
    assert_eq!(c.entries[0].date, date(2012, 7, 13));
    assert_eq!(c.entries[0].start, Some(date(2012, 7, 13).at(0, 30, 0, 0)));
}

#[test]
fn ics_google_allday_no_dtend() {
    let c = read("ics_google_allday_no_dtend.ics", Some("Asia/Tokyo"));
    assert_eq!(dates(&c), vec![date(2012, 6, 30)]);
    assert_eq!(starts(&c), vec![None]);
    assert_eq!(c.entries[0].duration_min, None);
    assert_eq!(c.entries[0].origin.line, Some(25));
}

#[test]
fn ics_google_allday_rrule_recurrence_id() {
    // Master (UID 2014_…): DTSTART 2014-12-10 + COUNT=1, RDATE 2013-12-10 and 2012-12-10.
    // The three RECURRENCE-ID events have another UID (BIRTHDAY_…) with no master, so
    // they stand on their own.
    let c = read(
        "ics_google_allday_rrule_recurrence_id.ics",
        Some("Pacific/Auckland"),
    );
    let got: Vec<(Date, usize, bool)> = c
        .entries
        .iter()
        .map(|e| (e.date, e.origin.line.unwrap(), e.description.is_empty()))
        .collect();
    assert_eq!(
        got,
        vec![
            (date(2012, 12, 10), 8, true),
            (date(2012, 12, 10), 27, false),
            (date(2013, 12, 10), 8, true),
            (date(2013, 12, 10), 48, false),
            (date(2014, 12, 10), 8, true),
            (date(2014, 12, 10), 69, false),
        ]
    );
    assert!(
        c.entries
            .iter()
            .all(|e| &*e.title == "PErson #2's birthday" && e.start.is_none())
    );
    assert_eq!(&*c.entries[1].description, "Today is PErson #2's birthday!");
}

#[test]
fn ics_google_rrule_exdate_tzid() {
    // Fridays and Saturdays from Sat 2013-09-07 until 2013-10-25T03:59:59Z (Thu 23:59
    // in New York), without 10-11 and 10-12: 13 - 2 = 11.
    let c = read("ics_google_rrule_exdate_tzid.ics", None);
    assert_eq!(c.zone, "America/New_York");
    assert_eq!(
        dates(&c),
        [
            (9, 7),
            (9, 13),
            (9, 14),
            (9, 20),
            (9, 21),
            (9, 27),
            (9, 28),
            (10, 4),
            (10, 5),
            (10, 18),
            (10, 19)
        ]
        .map(|(m, d)| date(2013, m, d))
    );
    assert!(
        c.entries
            .iter()
            .all(|e| e.start.unwrap().hour() == 12 && e.duration_min == Some(300.0))
    );
    assert_eq!(
        &*c.entries[0].description,
        "The Fieldhouse and Hard Rock Cafe are working with PhillyRising to provide live \
         entertainment on Friday and Saturday afternoons throughout the Summer."
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn ics_missing_vtimezone_custom_tzid_is_floating() {
    for tz in ["UTC", "Asia/Tokyo"] {
        let c = read("ics_missing_vtimezone_custom_tzid.ics", Some(tz));
        assert_eq!(starts(&c), vec![Some(date(2014, 8, 29).at(8, 0, 0, 0))]);
        assert_eq!(&*c.entries[0].title, "");
        assert_eq!(c.warnings.len(), 1);
        assert!(
            c.warnings[0]
                .contains(":3: TZID \"CUSTOM_tzid\" is neither an IANA nor a Windows time zone"),
            "{:?}",
            c.warnings
        );
    }
}

#[test]
fn ics_rrule_multi_exdate_bare_vevent() {
    // Tuesdays 2012-03-27 ..= 2012-07-03 (UNTIL 08:00Z = 10:00 CEST) is 15, minus 5 EXDATEs.
    let c = read("ics_rrule_multi_exdate_bare_vevent.ics", None);
    assert_eq!(c.zone, "Europe/Vienna");
    assert_eq!(
        dates(&c),
        [
            (3, 27),
            (4, 24),
            (5, 8),
            (5, 15),
            (5, 22),
            (6, 5),
            (6, 12),
            (6, 19),
            (6, 26),
            (7, 3)
        ]
        .map(|(m, d)| date(2012, m, d))
    );
    assert!(
        c.entries
            .iter()
            .all(|e| e.start.unwrap().hour() == 10 && e.duration_min == Some(480.0))
    );
}

#[test]
fn ics_rrule_rdate_exdate_recurrence_id() {
    let c = read("ics_rrule_rdate_exdate_recurrence_id.ics", None);
    assert_eq!(c.zone, "America/Los_Angeles");
    // 36 first-Tuesdays (2012-10 .. 2015-09, capped at 3 years) - 3 EXDATE + 5 RDATE.
    assert_eq!(c.entries.len(), 38);
    assert!(!dates(&c).contains(&date(2012, 12, 4)));
    assert!(!dates(&c).contains(&date(2013, 2, 5)));
    assert!(!dates(&c).contains(&date(2013, 4, 2)));
    let at = |d: Date| -> Vec<(DateTime, &str, Option<f64>)> {
        c.entries
            .iter()
            .filter(|e| e.date == d)
            .map(|e| (e.start.unwrap(), &*e.description, e.duration_min))
            .collect()
    };
    // RECURRENCE-ID;TZID=…:20121002T100000 moves the first instance to 15:00.
    assert_eq!(
        at(date(2012, 10, 2)),
        vec![(
            date(2012, 10, 2).at(15, 0, 0, 0),
            "I HAZ CHANGED!",
            Some(30.0)
        )]
    );
    // RECURRENCE-ID:20121105T180000Z is the RDATE 2012-11-05 10:00 PST, moved to 11-06 20:00.
    assert!(at(date(2012, 11, 5)).is_empty());
    assert_eq!(
        at(date(2012, 11, 6)),
        vec![
            (date(2012, 11, 6).at(10, 0, 0, 0), "IAM FOO", Some(30.0)),
            (date(2012, 11, 6).at(20, 0, 0, 0), "", Some(30.0)),
        ]
    );
    assert_eq!(at(date(2012, 11, 30)).len(), 1);
    // RDATE in UTC and a PERIOD (09:00Z-12:30Z = 210 min), shown in Los Angeles time.
    assert_eq!(
        at(date(2023, 11, 23)),
        vec![(date(2023, 11, 23).at(1, 0, 0, 0), "IAM FOO", Some(30.0))]
    );
    assert_eq!(
        at(date(2023, 11, 25)),
        vec![(date(2023, 11, 25).at(1, 0, 0, 0), "IAM FOO", Some(210.0))]
    );
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].contains(
            ":24: the repeating event \"Crazy Event Thingy!\" was imported only up to 2015-09-01"
        ),
        "{:?}",
        c.warnings
    );
}

#[test]
fn ics_vtimezone_america_new_york_with_custom_name() {
    // TZID custom_America/New_York: EDT (-04:00) from its VTIMEZONE rules on 2014-08-29.
    let c = read("ics_vtimezone_america_new_york.ics", Some("UTC"));
    assert_eq!(starts(&c), vec![Some(date(2014, 8, 29).at(12, 0, 0, 0))]);
    assert_eq!(c.entries[0].duration_min, Some(120.0));
    assert_eq!(&*c.entries[0].title, "an event with a custom tz name");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let c = read(
        "ics_vtimezone_america_new_york.ics",
        Some("Pacific/Kiritimati"),
    );
    assert_eq!(starts(&c), vec![Some(date(2014, 8, 30).at(2, 0, 0, 0))]);
}
