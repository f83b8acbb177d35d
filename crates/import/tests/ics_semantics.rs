//! Hand-written iCalendar cases: time zones and DST, recurrence, overrides, cancellation,
//! and the errors a runner can meet.

use jiff::civil::{Date, DateTime, Weekday, date};
use jiff::tz::TimeZone;
use kneadtime_import::{Calendar, ImportError, parse_ics};

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn cal(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{body}END:VCALENDAR\r\n")
}

fn event(lines: &str) -> String {
    format!("BEGIN:VEVENT\r\nUID:e1\r\n{lines}END:VEVENT\r\n")
}

fn parse(text: &str, tz: Option<&str>) -> Calendar {
    let tz = tz.map(zone);
    parse_ics(text, "plan.ics", tz.as_ref()).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(text: &str) -> ImportError {
    parse_ics(text, "plan.ics", Some(&TimeZone::UTC)).unwrap_err()
}

fn starts(c: &Calendar) -> Vec<DateTime> {
    c.entries.iter().map(|e| e.start.unwrap()).collect()
}

fn dates(c: &Calendar) -> Vec<Date> {
    c.entries.iter().map(|e| e.date).collect()
}

#[test]
fn utc_written_half_past_midnight_in_london_summer() {
    let text = cal(&event(
        "DTSTART:20270601T233000Z\r\nDTEND:20270602T003000Z\r\nSUMMARY:Night run\r\n",
    ));
    let c = parse(&text, Some("Europe/London"));
    assert_eq!(c.zone, "Europe/London");
    assert_eq!(dates(&c), vec![date(2027, 6, 2)]);
    assert_eq!(starts(&c), vec![date(2027, 6, 2).at(0, 30, 0, 0)]);
    assert_eq!(c.entries[0].duration_min, Some(60.0));
}

#[test]
fn london_written_half_past_midnight_seen_from_utc() {
    let text = cal(&event(
        "DTSTART;TZID=Europe/London:20270602T003000\r\nSUMMARY:Night run\r\n",
    ));
    let c = parse(&text, Some("UTC"));
    assert_eq!(dates(&c), vec![date(2027, 6, 1)]);
    assert_eq!(starts(&c), vec![date(2027, 6, 1).at(23, 30, 0, 0)]);
    // Without a tz argument the calendar's own zone (its only TZID) is used.
    let c = parse(&text, None);
    assert_eq!(c.zone, "Europe/London");
    assert_eq!(dates(&c), vec![date(2027, 6, 2)]);
}

#[test]
fn tz_argument_moves_a_late_evening_event_to_the_next_day() {
    let text = cal(&format!(
        "X-WR-TIMEZONE:America/New_York\r\n{}",
        event(
            "DTSTART;TZID=America/New_York:20270425T223000\r\nDURATION:PT45M\r\nSUMMARY:Easy 8k\r\n"
        )
    ));
    let c = parse(&text, None);
    assert_eq!(c.zone, "America/New_York");
    assert_eq!(starts(&c), vec![date(2027, 4, 25).at(22, 30, 0, 0)]);
    let c = parse(&text, Some("Europe/Berlin"));
    assert_eq!(c.zone, "Europe/Berlin");
    assert_eq!(dates(&c), vec![date(2027, 4, 26)]);
    assert_eq!(starts(&c), vec![date(2027, 4, 26).at(4, 30, 0, 0)]);
    assert_eq!(c.entries[0].duration_min, Some(45.0));
}

#[test]
fn x_wr_timezone_beats_the_most_common_tzid() {
    let text = cal(&format!(
        "X-WR-TIMEZONE:Europe/Paris\r\n{}",
        event("DTSTART;TZID=America/New_York:20270425T223000\r\n")
    ));
    assert_eq!(parse(&text, None).zone, "Europe/Paris");
    assert_eq!(parse(&text, None).entries[0].date, date(2027, 4, 26));
}

#[test]
fn weekly_byday_keeps_local_time_across_dst() {
    // London moves to BST on 2027-03-28.
    let text = cal(&event(
        "DTSTART;TZID=Europe/London:20270322T070000\r\nDTEND;TZID=Europe/London:20270322T080000\r\n\
         RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6\r\nSUMMARY:Intervals\r\n",
    ));
    let c = parse(&text, None);
    assert_eq!(
        starts(&c),
        [(3, 22), (3, 25), (3, 29), (4, 1), (4, 5), (4, 8)]
            .map(|(m, d)| date(2027, m, d).at(7, 0, 0, 0))
    );
    assert!(c.entries.iter().all(|e| e.duration_min == Some(60.0)));
    // The instants: 07:00 UTC before the change, 06:00 UTC after.
    let c = parse(&text, Some("UTC"));
    let hours: Vec<i8> = starts(&c).iter().map(|s| s.hour()).collect();
    assert_eq!(hours, vec![7, 7, 6, 6, 6, 6]);
}

#[test]
fn all_day_rrule_weekdays_do_not_shift_in_any_zone() {
    let text = cal(&event(
        "DTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6\r\nSUMMARY:Strength\r\n",
    ));
    for tz in [
        "Pacific/Auckland",
        "America/Los_Angeles",
        "UTC",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
    ] {
        let c = parse(&text, Some(tz));
        assert_eq!(
            dates(&c),
            [1, 3, 8, 10, 15, 17].map(|d| date(2027, 3, d)),
            "{tz}"
        );
        assert!(
            c.entries
                .iter()
                .all(|e| matches!(e.date.weekday(), Weekday::Monday | Weekday::Wednesday))
        );
        assert!(
            c.entries
                .iter()
                .all(|e| e.start.is_none() && e.duration_min.is_none())
        );
    }
}

#[test]
fn all_day_exdate_and_monthly_yearly_interval() {
    let text = cal(&format!(
        "{}{}",
        event(
            "DTSTART;VALUE=DATE:20270105\r\nRRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=4\r\nEXDATE;VALUE=DATE:20270305,20270705\r\nSUMMARY:Check-in\r\n"
        ),
        "BEGIN:VEVENT\r\nUID:e2\r\nDTSTART;VALUE=DATE:20270425\r\nRRULE:FREQ=YEARLY;UNTIL=20290425\r\nSUMMARY:Race anniversary\r\nEND:VEVENT\r\n"
    ));
    let c = parse(&text, Some("UTC"));
    assert_eq!(
        dates(&c),
        vec![
            date(2027, 1, 5),
            date(2027, 4, 25),
            date(2027, 5, 5),
            date(2028, 4, 25),
            date(2029, 4, 25)
        ]
    );
}

#[test]
fn start_in_spring_forward_gap_does_not_fail() {
    // 01:30 on 2027-03-28 does not exist in London; that instance moves to 02:30.
    let text = cal(&event(
        "DTSTART;TZID=Europe/London:20270327T013000\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Early\r\n",
    ));
    let c = parse(&text, None);
    assert_eq!(
        starts(&c),
        vec![
            date(2027, 3, 27).at(1, 30, 0, 0),
            date(2027, 3, 28).at(2, 30, 0, 0),
            date(2027, 3, 29).at(1, 30, 0, 0),
        ]
    );
    let text = cal(&event(
        "DTSTART;TZID=Europe/London:20270328T013000\r\nSUMMARY:Gap\r\n",
    ));
    assert_eq!(
        starts(&parse(&text, None)),
        vec![date(2027, 3, 28).at(2, 30, 0, 0)]
    );
}

#[test]
fn utc_until_with_tzid_start_is_compared_as_an_instant() {
    // UNTIL 22:00Z on 11-03 is 18:00 in New York: the 19:00 instance that day is out.
    let text = cal(&event(
        "DTSTART;TZID=America/New_York:20271101T190000\r\nRRULE:FREQ=DAILY;UNTIL=20271103T220000Z\r\n",
    ));
    assert_eq!(
        dates(&parse(&text, None)),
        vec![date(2027, 11, 1), date(2027, 11, 2)]
    );
    let text = cal(&event(
        "DTSTART;TZID=America/New_York:20271101T190000\r\nRRULE:FREQ=DAILY;UNTIL=20271103T230000Z\r\n",
    ));
    assert_eq!(parse(&text, None).entries.len(), 3);
}

#[test]
fn cancelled_events_are_skipped() {
    let text = cal(&format!(
        "{}BEGIN:VEVENT\r\nUID:e2\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20270402\r\nSUMMARY:Cancelled race\r\nEND:VEVENT\r\n",
        event("DTSTART;VALUE=DATE:20270401\r\nSTATUS:CONFIRMED\r\nSUMMARY:Long run\r\n")
    ));
    let c = parse(&text, Some("UTC"));
    let titles: Vec<&str> = c.entries.iter().map(|e| &*e.title).collect();
    assert_eq!(titles, ["Long run"]);
}

#[test]
fn recurrence_id_overrides_and_cancels_instances() {
    let text = cal(&format!(
        "{}{}{}",
        event(
            "DTSTART;TZID=Europe/London:20270405T070000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Tempo\r\nDESCRIPTION:6x1k\r\n"
        ),
        "BEGIN:VEVENT\r\nUID:e1\r\nRECURRENCE-ID;TZID=Europe/London:20270412T070000\r\nDTSTART;TZID=Europe/London:20270413T180000\r\nDURATION:PT90M\r\nSUMMARY:Tempo (moved)\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:e1\r\nRECURRENCE-ID:20270419T060000Z\r\nSTATUS:CANCELLED\r\nDTSTART:20270419T060000Z\r\nEND:VEVENT\r\n",
    ));
    let c = parse(&text, None);
    let got: Vec<(DateTime, &str, Option<f64>, Option<usize>)> = c
        .entries
        .iter()
        .map(|e| (e.start.unwrap(), &*e.title, e.duration_min, e.origin.line))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                date(2027, 4, 5).at(7, 0, 0, 0),
                "Tempo",
                Some(60.0),
                Some(4)
            ),
            (
                date(2027, 4, 13).at(18, 0, 0, 0),
                "Tempo (moved)",
                Some(90.0),
                Some(12)
            ),
            (
                date(2027, 4, 26).at(7, 0, 0, 0),
                "Tempo",
                Some(60.0),
                Some(4)
            ),
        ]
    );
}

#[test]
fn windows_zone_names_and_floating_times() {
    let text = cal(&format!(
        "{}BEGIN:VEVENT\r\nUID:e2\r\nDTSTART:20270601T063000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n",
        event("DTSTART;TZID=W. Europe Standard Time:20270601T063000\r\nSUMMARY:Outlook\r\n")
    ));
    let c = parse(&text, None);
    assert_eq!(c.zone, "Europe/Berlin");
    let c = parse(&text, Some("America/New_York"));
    let got: Vec<(DateTime, &str)> = c
        .entries
        .iter()
        .map(|e| (e.start.unwrap(), &*e.title))
        .collect();
    assert_eq!(
        got,
        vec![
            (date(2027, 6, 1).at(0, 30, 0, 0), "Outlook"),
            (date(2027, 6, 1).at(6, 30, 0, 0), "Floating"),
        ]
    );
}

#[test]
fn custom_tzid_with_unusable_vtimezone_falls_back_to_its_standard_offset() {
    let text = cal(&format!(
        "BEGIN:VTIMEZONE\r\nTZID:Eastern Time (custom)\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n{}",
        event("DTSTART;TZID=Eastern Time (custom):20270110T200000\r\n")
    ));
    let c = parse(&text, Some("UTC"));
    assert_eq!(starts(&c), vec![date(2027, 1, 11).at(1, 0, 0, 0)]);
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].contains("fixed offset -05"),
        "{:?}",
        c.warnings
    );
}

#[test]
fn escapes_bom_lf_and_bare_vevent() {
    let text = "\u{FEFF}BEGIN:VEVENT\nDTSTART;VALUE=DATE:20270425\nSUMMARY:Race\\; 10k\\, flat\nDESCRIPTION:Line 1\\nLine 2 \\\\ done\nX-CUSTOM;X-PARAM=1:ignored\nEND:VEVENT\n";
    let c = parse(text, Some("UTC"));
    assert_eq!(c.entries.len(), 1);
    assert_eq!(&*c.entries[0].title, "Race; 10k, flat");
    assert_eq!(&*c.entries[0].description, "Line 1\nLine 2 \\ done");
}

#[test]
fn caps_are_reported() {
    let text = cal(&event(
        "DTSTART:20270101T070000Z\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:Too often\r\n",
    ));
    let c = parse(&text, Some("UTC"));
    assert_eq!(c.entries.len(), 2000);
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].starts_with(
            "plan.ics:4: the repeating event \"Too often\" was imported only up to 2027-03-25"
        ),
        "{:?}",
        c.warnings
    );
}

#[test]
fn missing_end_vcalendar_is_tolerated_but_an_open_vevent_is_not() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270425\r\nEND:VEVENT\r\n";
    let c = parse(text, Some("UTC"));
    assert_eq!(c.entries.len(), 1);
    assert!(
        c.warnings[0].contains("ends without END:VCALENDAR"),
        "{:?}",
        c.warnings
    );

    let e = parse_err("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270425\r\n");
    assert_eq!(
        e.to_string(),
        "plan.ics:2: expected END:VEVENT before the end of the file, found the end of the file (BEGIN:VEVENT is on this line)"
    );
}

#[test]
fn errors_name_the_line() {
    let e = parse_err(&cal(&event("DTSTART:2027-04-25\r\n")));
    assert_eq!(e.line, Some(6));
    assert_eq!(
        e.message,
        "expected a date like 20270425 or 20270425T070000Z, found \"2027-04-25\" (DTSTART)"
    );

    let e = parse_err(&cal(&event(
        "DTSTART:20270425T070000Z\r\nRRULE:FREQ=FORTNIGHTLY\r\n",
    )));
    assert_eq!(e.line, Some(7));
    assert!(
        e.message.starts_with("expected an RRULE like FREQ=WEEKLY"),
        "{e}"
    );
    assert!(e.message.contains("\"FREQ=FORTNIGHTLY\""), "{e}");

    let e = parse_err(&cal(&event(
        "DTSTART:20270425T070000Z\r\nEXDATE:tomorrow\r\n",
    )));
    assert_eq!(e.line, Some(7));

    let e = parse_err(&cal(&event(
        "DTSTART:20270425T070000Z\r\nDURATION:1 hour\r\n",
    )));
    assert_eq!(e.line, Some(7));
    assert!(
        e.message.starts_with("expected a duration like PT1H30M"),
        "{e}"
    );

    let e = parse_err(&cal("BEGIN:VEVENT\r\nSUMMARY:No start\r\nEND:VEVENT\r\n"));
    assert_eq!(
        e.to_string(),
        "plan.ics:4: expected a DTSTART property in the VEVENT on lines 4-6, found none"
    );

    let e = parse_err(&cal(
        "BEGIN:VEVENT\r\nDTSTART:20270425\r\nSUMMARY\r\nEND:VEVENT\r\n",
    ));
    assert_eq!(e.line, Some(6));
    assert!(e.message.contains("no ':'"), "{e}");

    let e = parse_err(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270425\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
    );
    assert_eq!(
        e.to_string(),
        "plan.ics:4: expected END:VEVENT (closing BEGIN:VEVENT on line 2), found END:VTODO"
    );
}

#[test]
fn empty_input_is_an_empty_calendar() {
    for text in [
        "",
        "\r\n\r\n",
        "\u{FEFF}",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR",
    ] {
        let c = parse(text, Some("UTC"));
        assert!(c.entries.is_empty() && c.warnings.is_empty(), "{text:?}");
        assert_eq!(c.zone, "UTC");
    }
}
