//! Writing RFC 5545 calendars with the `icalendar` crate's writer (CRLF line ends,
//! 75-octet folding on character boundaries): a massage plan as all-day events, and a
//! clinic's subscription feed of timed appointments.

use icalendar::parser::{Calendar as IcalCalendar, Component, Parameter, Property};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::values::escape_text;

/// One all-day event to write (a planned massage, a reminder to book one…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// Stable identifier: re-importing an updated plan replaces events with the same UID.
    pub uid: String,
    /// The day of the event (all-day).
    pub date: Date,
    /// The title.
    pub summary: String,
    /// Free text; may be empty.
    pub description: String,
    /// CATEGORIES values; may be empty.
    pub categories: Vec<String>,
    /// A display reminder this many minutes before the start of the day (00:00), e.g.
    /// 900 = 09:00 the day before. Negative values remind after the start.
    pub reminder_minutes_before: Option<i64>,
}

fn prop(name: &'static str, value: String) -> Property<'static> {
    Property {
        name: name.into(),
        val: value.into(),
        params: Vec::new(),
    }
}

fn date_prop(name: &'static str, date: Date) -> Property<'static> {
    Property {
        name: name.into(),
        val: format!("{:04}{:02}{:02}", date.year(), date.month(), date.day()).into(),
        params: vec![Parameter {
            key: "VALUE".into(),
            val: Some("DATE".into()),
        }],
    }
}

/// An RFC 5545 DURATION for a trigger `minutes_before` the start.
fn trigger(minutes_before: i64) -> String {
    let sign = if minutes_before > 0 { "-" } else { "" };
    let m = minutes_before.unsigned_abs();
    let (days, hours, minutes) = (m / 1440, m % 1440 / 60, m % 60);
    if m == 0 {
        return "PT0S".to_string();
    }
    let mut out = format!("{sign}P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours > 0 || minutes > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
    }
    out
}

/// A display reminder `minutes_before` the event.
fn alarm(summary: &str, minutes_before: i64) -> Component<'static> {
    Component {
        name: "VALARM".into(),
        properties: vec![
            prop("ACTION", "DISPLAY".to_string()),
            prop("DESCRIPTION", escape_text(summary)),
            prop("TRIGGER", trigger(minutes_before)),
        ],
        components: Vec::new(),
    }
}

fn event(ev: &IcsEvent, dtstamp: &str, sequence: u32) -> Component<'static> {
    let mut properties = vec![
        prop("UID", escape_text(&ev.uid)),
        prop("DTSTAMP", dtstamp.to_string()),
        date_prop("DTSTART", ev.date),
        // All-day DTEND is exclusive: the next day.
        date_prop("DTEND", ev.date.tomorrow().unwrap_or(ev.date)),
        prop("SUMMARY", escape_text(&ev.summary)),
    ];
    if !ev.description.is_empty() {
        properties.push(prop("DESCRIPTION", escape_text(&ev.description)));
    }
    let categories: Vec<String> = ev
        .categories
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| escape_text(c))
        .collect();
    if !categories.is_empty() {
        properties.push(prop("CATEGORIES", categories.join(",")));
    }
    properties.push(prop("SEQUENCE", sequence.to_string()));
    properties.push(prop("TRANSP", "TRANSPARENT".to_string()));
    let components = ev
        .reminder_minutes_before
        .map(|m| alarm(&ev.summary, m))
        .into_iter()
        .collect();
    Component {
        name: "VEVENT".into(),
        properties,
        components,
    }
}

/// Writes all-day events as an iCalendar document (RFC 5545): CRLF line ends, lines
/// folded at 75 octets without splitting a character, TEXT values escaped.
///
/// `dtstamp` and `sequence` are written on every event, so the output depends only on
/// the arguments; bump `sequence` when re-publishing a changed plan.
pub fn write_ics(
    calendar_name: &str,
    events: &[IcsEvent],
    dtstamp: Timestamp,
    sequence: u32,
) -> String {
    let stamp = dtstamp.strftime("%Y%m%dT%H%M%SZ").to_string();
    let calendar = IcalCalendar {
        properties: vec![
            prop("PRODID", "-//kneadtime//plan//EN".to_string()),
            prop("VERSION", "2.0".to_string()),
            prop("CALSCALE", "GREGORIAN".to_string()),
            prop("METHOD", "PUBLISH".to_string()),
            prop("X-WR-CALNAME", escape_text(calendar_name)),
        ],
        components: events.iter().map(|e| event(e, &stamp, sequence)).collect(),
    };
    calendar.to_string()
}

/// One timed event of a subscription feed (an appointment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent {
    /// Stable identifier: calendars update the event with the same UID.
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    /// Free text; may be empty.
    pub description: String,
    /// Where; may be empty.
    pub location: String,
    /// Cancelled events stay in the feed with STATUS:CANCELLED so subscribers drop them.
    pub cancelled: bool,
    /// Bumped by the caller whenever the event changes.
    pub sequence: u32,
    /// A display reminder this many minutes before the start.
    pub reminder_minutes_before: Option<i64>,
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// One appointment as a VEVENT, with `extra` properties (ORGANIZER, ATTENDEE…) after
/// the standard ones.
fn timed_event(ev: &TimedEvent, stamp: &str, extra: Vec<Property<'static>>) -> Component<'static> {
    let mut properties = vec![
        prop("UID", escape_text(&ev.uid)),
        prop("DTSTAMP", stamp.to_string()),
        prop("DTSTART", utc(ev.start)),
        prop("DTEND", utc(ev.end)),
        prop("SUMMARY", escape_text(&ev.summary)),
    ];
    if !ev.description.is_empty() {
        properties.push(prop("DESCRIPTION", escape_text(&ev.description)));
    }
    if !ev.location.is_empty() {
        properties.push(prop("LOCATION", escape_text(&ev.location)));
    }
    let status = if ev.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    properties.push(prop("STATUS", status.to_string()));
    properties.push(prop("SEQUENCE", ev.sequence.to_string()));
    let components = ev
        .reminder_minutes_before
        .filter(|_| !ev.cancelled)
        .map(|m| alarm(&ev.summary, m))
        .into_iter()
        .collect();
    properties.extend(extra);
    Component {
        name: "VEVENT".into(),
        properties,
        components,
    }
}

/// Who sends an invitation and who receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub organizer_name: String,
    pub organizer_email: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

fn person(name: &'static str, display: &str, email: &str, attendee: bool) -> Property<'static> {
    let mut params = vec![Parameter {
        key: "CN".into(),
        val: Some(quote_param(display).into()),
    }];
    if attendee {
        for (k, v) in [("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "ACCEPTED")] {
            params.push(Parameter {
                key: k.into(),
                val: Some(v.into()),
            });
        }
    }
    Property {
        name: name.into(),
        val: format!("mailto:{email}").into(),
        params,
    }
}

/// A parameter value: quoted, with the characters a quoted value cannot hold dropped.
fn quote_param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{clean}\"")
}

/// Writes one appointment as an iTIP message (RFC 5546) to attach to an email:
/// `METHOD:REQUEST` for a booking or a change (calendars add or update the event with
/// the same UID when SEQUENCE rises), `METHOD:CANCEL` when `ev.cancelled`.
pub fn write_invitation(ev: &TimedEvent, parties: &Parties, dtstamp: Timestamp) -> String {
    let stamp = utc(dtstamp);
    let extra = vec![
        person(
            "ORGANIZER",
            &parties.organizer_name,
            &parties.organizer_email,
            false,
        ),
        person(
            "ATTENDEE",
            &parties.attendee_name,
            &parties.attendee_email,
            true,
        ),
    ];
    let method = if ev.cancelled { "CANCEL" } else { "REQUEST" };
    let calendar = IcalCalendar {
        properties: vec![
            prop("PRODID", "-//kneadtime//booking//EN".to_string()),
            prop("VERSION", "2.0".to_string()),
            prop("CALSCALE", "GREGORIAN".to_string()),
            prop("METHOD", method.to_string()),
        ],
        components: vec![timed_event(ev, &stamp, extra)],
    };
    calendar.to_string()
}

/// Writes timed events as an iCalendar subscription feed (RFC 5545, with RFC 7986's
/// REFRESH-INTERVAL and the common X-PUBLISHED-TTL so calendars poll hourly). Times are
/// written in UTC, which every calendar shows in its own zone.
pub fn write_feed(calendar_name: &str, events: &[TimedEvent], dtstamp: Timestamp) -> String {
    timed_calendar(calendar_name, events, dtstamp, true)
}

/// Writes timed events as a plain calendar file to import once (no polling).
pub fn write_calendar(calendar_name: &str, events: &[TimedEvent], dtstamp: Timestamp) -> String {
    timed_calendar(calendar_name, events, dtstamp, false)
}

fn timed_calendar(
    calendar_name: &str,
    events: &[TimedEvent],
    dtstamp: Timestamp,
    feed: bool,
) -> String {
    let stamp = utc(dtstamp);
    let components = events
        .iter()
        .map(|ev| timed_event(ev, &stamp, Vec::new()))
        .collect();
    let mut properties = vec![
        prop("PRODID", "-//kneadtime//feed//EN".to_string()),
        prop("VERSION", "2.0".to_string()),
        prop("CALSCALE", "GREGORIAN".to_string()),
        prop("METHOD", "PUBLISH".to_string()),
        prop("X-WR-CALNAME", escape_text(calendar_name)),
    ];
    if feed {
        properties.push(Property {
            name: "REFRESH-INTERVAL".into(),
            val: "PT1H".into(),
            params: vec![Parameter {
                key: "VALUE".into(),
                val: Some("DURATION".into()),
            }],
        });
        properties.push(prop("X-PUBLISHED-TTL", "PT1H".to_string()));
    }
    let calendar = IcalCalendar {
        properties,
        components,
    };
    calendar.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn triggers() {
        assert_eq!(trigger(900), "-PT15H");
        assert_eq!(trigger(930), "-PT15H30M");
        assert_eq!(trigger(1440), "-P1D");
        assert_eq!(trigger(2 * 1440 + 61), "-P2DT1H1M");
        assert_eq!(trigger(0), "PT0S");
        assert_eq!(trigger(-30), "PT30M");
        assert!(trigger(i64::MIN).starts_with('P'));
    }

    #[test]
    fn an_invitation_names_its_method_organizer_and_attendee() {
        let mut ev = TimedEvent {
            uid: "a1@kneadtime".into(),
            start: "2027-04-20T09:00:00Z".parse().unwrap(),
            end: "2027-04-20T10:00:00Z".parse().unwrap(),
            summary: "Sports massage with Sam".into(),
            description: String::new(),
            location: "Clinic, 1 High St".into(),
            cancelled: false,
            sequence: 2,
            reminder_minutes_before: None,
        };
        let parties = Parties {
            organizer_name: "The \"Best\" Clinic".into(),
            organizer_email: "desk@clinic.test".into(),
            attendee_name: "Ana".into(),
            attendee_email: "ana@example.test".into(),
        };
        let stamp: Timestamp = "2027-01-02T03:04:05Z".parse().unwrap();
        // Long lines are folded at 75 octets; read them unfolded.
        let out = write_invitation(&ev, &parties, stamp).replace("\r\n ", "");
        assert!(out.contains("\r\nMETHOD:REQUEST\r\n"), "{out}");
        assert!(out.contains("\r\nSEQUENCE:2\r\n"), "{out}");
        assert!(out.contains("STATUS:CONFIRMED"), "{out}");
        assert!(
            out.contains("ORGANIZER;CN=\"The Best Clinic\":mailto:desk@clinic.test"),
            "{out}"
        );
        assert!(
            out.contains(
                "ATTENDEE;CN=\"Ana\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:ana@example.test"
            ),
            "{out}"
        );
        assert!(out.contains("LOCATION:Clinic\\, 1 High St"), "{out}");
        ev.cancelled = true;
        ev.sequence = 3;
        let out = write_invitation(&ev, &parties, stamp);
        assert!(out.contains("\r\nMETHOD:CANCEL\r\n"), "{out}");
        assert!(out.contains("STATUS:CANCELLED"), "{out}");
        assert!(out.contains("UID:a1@kneadtime"), "{out}");
    }

    #[test]
    fn exact_output() {
        let ev = IcsEvent {
            uid: "m-1@kneadtime".into(),
            date: date(2027, 4, 27),
            summary: "Massage, light; flush".into(),
            description: String::new(),
            categories: vec!["massage".into()],
            reminder_minutes_before: Some(900),
        };
        let stamp: Timestamp = "2027-01-02T03:04:05Z".parse().unwrap();
        let out = write_ics("Plan", &[ev], stamp, 2);
        assert_eq!(
            out,
            "BEGIN:VCALENDAR\r\nPRODID:-//kneadtime//plan//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n\
             METHOD:PUBLISH\r\nX-WR-CALNAME:Plan\r\nBEGIN:VEVENT\r\nUID:m-1@kneadtime\r\n\
             DTSTAMP:20270102T030405Z\r\nDTSTART;VALUE=DATE:20270427\r\nDTEND;VALUE=DATE:20270428\r\n\
             SUMMARY:Massage\\, light\\; flush\r\nCATEGORIES:massage\r\nSEQUENCE:2\r\n\
             TRANSP:TRANSPARENT\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
             DESCRIPTION:Massage\\, light\\; flush\r\nTRIGGER:-PT15H\r\nEND:VALARM\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
    }

    #[test]
    fn feed_events_are_timed_in_utc_and_cancellations_stay() {
        let ev = TimedEvent {
            uid: "a1@kneadtime".into(),
            start: "2027-04-27T09:00:00Z".parse().unwrap(),
            end: "2027-04-27T10:00:00Z".parse().unwrap(),
            summary: "Post-event massage, Sam".into(),
            description: String::new(),
            location: "Clinic, Room 2".into(),
            cancelled: true,
            sequence: 1,
            reminder_minutes_before: Some(60),
        };
        let out = write_feed("Sam", &[ev], "2027-01-02T03:04:05Z".parse().unwrap());
        assert!(out.contains("DTSTART:20270427T090000Z\r\n"), "{out}");
        assert!(out.contains("DTEND:20270427T100000Z\r\n"));
        assert!(out.contains("STATUS:CANCELLED\r\n"));
        assert!(out.contains("LOCATION:Clinic\\, Room 2\r\n"));
        assert!(out.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
        assert!(!out.contains("VALARM"), "a cancelled event has no reminder");
    }
}
