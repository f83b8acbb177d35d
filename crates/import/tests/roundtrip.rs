//! write_ics output is valid RFC 5545 text that parse_ics reads back unchanged.

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use kneadtime_import::{IcsEvent, parse_ics, write_ics};

fn events() -> Vec<IcsEvent> {
    vec![
        IcsEvent {
            uid: "massage-2027-04-27@kneadtime".into(),
            date: date(2027, 4, 27),
            summary: "Sports massage, light; flush".into(),
            description:
                "Two days after the marathon.\nKeep it light: no deep work, \\ no cupping.".into(),
            categories: vec!["massage".into(), "recovery, post-race".into()],
            reminder_minutes_before: Some(900),
        },
        IcsEvent {
            uid: "massage-2027-04-18@kneadtime".into(),
            date: date(2027, 4, 18),
            summary: "Pré-course : massage léger — 🏃‍♀️ Läufer 跑步 マッサージ".into(),
            description: "Ünïcödé ".repeat(20) + "終わり 🧘🏽 end",
            categories: vec![],
            reminder_minutes_before: None,
        },
        IcsEvent {
            uid: "massage-2027-12-31@kneadtime".into(),
            date: date(2027, 12, 31),
            summary: "x".repeat(200),
            description: String::new(),
            categories: vec![],
            reminder_minutes_before: Some(-30),
        },
    ]
}

fn stamp() -> Timestamp {
    "2027-03-01T08:00:00Z".parse().unwrap()
}

#[test]
fn lines_are_crlf_and_at_most_75_octets() {
    let out = write_ics("Kneadtime plan: spring, 2027", &events(), stamp(), 3);
    assert!(out.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !out.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF in output"
    );
    let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
    let mut folded = 0;
    for line in &lines {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.is_empty());
        if line.starts_with(' ') {
            folded += 1;
        }
    }
    assert!(folded >= 4, "long lines should have been folded");
    for needle in [
        "PRODID:-//kneadtime//plan//EN",
        "VERSION:2.0",
        "X-WR-CALNAME:Kneadtime plan: spring\\, 2027",
        "DTSTART;VALUE=DATE:20270427",
        "DTEND;VALUE=DATE:20270428",
        "DTEND;VALUE=DATE:20280101",
        "DTSTAMP:20270301T080000Z",
        "SEQUENCE:3",
        "TRANSP:TRANSPARENT",
        "TRIGGER:-PT15H",
        "TRIGGER:PT30M",
        "CATEGORIES:massage,recovery\\, post-race",
    ] {
        assert!(lines.contains(&needle), "missing {needle:?} in\n{out}");
    }
    // UIDs survive folding and escaping.
    let unfolded = out.replace("\r\n ", "");
    for ev in events() {
        assert!(
            unfolded.contains(&format!("\r\nUID:{}\r\n", ev.uid)),
            "{}",
            ev.uid
        );
    }
}

#[test]
fn parse_ics_reads_back_what_write_ics_wrote() {
    let out = write_ics("Plan", &events(), stamp(), 0);
    for tz in ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"] {
        let c = parse_ics(&out, "plan.ics", Some(&TimeZone::get(tz).unwrap())).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let mut want = events();
        want.sort_by_key(|e| e.date);
        assert_eq!(c.entries.len(), want.len());
        for (got, want) in c.entries.iter().zip(&want) {
            assert_eq!(got.date, want.date, "{tz}");
            assert_eq!(got.start, None);
            assert_eq!(got.duration_min, None);
            assert_eq!(&*got.title, want.summary);
            assert_eq!(&*got.description, want.description);
        }
    }
}

#[test]
fn output_depends_only_on_arguments() {
    assert_eq!(
        write_ics("Plan", &events(), stamp(), 1),
        write_ics("Plan", &events(), stamp(), 1)
    );
    let empty = write_ics("Plan", &[], stamp(), 1);
    assert_eq!(
        empty,
        "BEGIN:VCALENDAR\r\nPRODID:-//kneadtime//plan//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n\
         METHOD:PUBLISH\r\nX-WR-CALNAME:Plan\r\nEND:VCALENDAR\r\n"
    );
    assert!(
        parse_ics(&empty, "p.ics", Some(&TimeZone::UTC))
            .unwrap()
            .entries
            .is_empty()
    );
}
