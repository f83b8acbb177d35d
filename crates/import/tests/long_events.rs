//! Events that last more than a day come in with their last day: all-day spans (DTEND
//! or DURATION), timed events past midnight, and the CSV `end` column.

use jiff::civil::date;
use jiff::tz::TimeZone;
use kneadtime_import::{parse_csv, parse_ics};

fn ics(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

#[test]
fn all_day_spans_and_overnight_events_keep_their_last_day() {
    let text = ics(concat!(
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20270903\r\nDTEND;VALUE=DATE:20270906\r\nSUMMARY:Trans Alpine stage race\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20270801\r\nDURATION:P7D\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=Europe/London:20270724T180000\r\nDTEND;TZID=Europe/London:20270726T040000\r\nSUMMARY:Lakeland 100 mile race\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20270710\r\nDTEND;VALUE=DATE:20270711\r\nSUMMARY:Long run 30 km\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:e\r\nDTSTART;TZID=Europe/London:20270712T220000\r\nDTEND;TZID=Europe/London:20270713T000000\r\nSUMMARY:Late easy run\r\nEND:VEVENT\r\n",
    ));
    let cal = parse_ics(
        &text,
        "season.ics",
        Some(&TimeZone::get("Europe/London").unwrap()),
    )
    .unwrap();
    let last = |title: &str| {
        cal.entries
            .iter()
            .find(|e| &*e.title == title)
            .unwrap()
            .last_date
    };
    assert_eq!(last("Trans Alpine stage race"), Some(date(2027, 9, 5)));
    assert_eq!(last("Holiday"), Some(date(2027, 8, 7)));
    assert_eq!(last("Lakeland 100 mile race"), Some(date(2027, 7, 26)));
    let ultra = cal
        .entries
        .iter()
        .find(|e| e.title.starts_with("Lakeland"))
        .unwrap();
    assert_eq!(ultra.end, Some(date(2027, 7, 26).at(4, 0, 0, 0)));
    assert_eq!(last("Long run 30 km"), None, "one day is one day");
    assert_eq!(
        last("Late easy run"),
        None,
        "an end at midnight does not reach into the next day"
    );
    let holiday = cal.entries.iter().find(|e| &*e.title == "Holiday").unwrap();
    assert_eq!(holiday.dates().count(), 7);
}

#[test]
fn the_csv_end_column_gives_the_last_day_or_the_end_time() {
    let text = "date,title,time,end,distance_km,kind\n\
                2027-09-03,Trans Alpine,,2027-09-05,250,race\n\
                2027-07-24,Lakeland 100,18:00,2027-07-26 04:00,160,race\n\
                2027-07-10,Long run,,,30,long\n";
    let cal = parse_csv(text, "season.csv", None).unwrap();
    assert_eq!(cal.entries[0].last_date, None);
    assert_eq!(cal.entries[1].last_date, Some(date(2027, 7, 26)));
    assert_eq!(cal.entries[1].end, Some(date(2027, 7, 26).at(4, 0, 0, 0)));
    assert_eq!(cal.entries[2].last_date, Some(date(2027, 9, 5)));
    let e = parse_csv(
        "date,title,end\n2027-09-03,Camp,2027-09-01\n",
        "camp.csv",
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("camp.csv:2: field \"end\""), "{e}");
}

#[test]
fn an_apps_estimated_duration_gives_an_all_day_workout_its_length() {
    let text = ics(concat!(
        "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;VALUE=DATE:20270310\r\nSUMMARY:Steady run\r\nX-WORKOUT-ESTIMATED-DURATION:5400\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20270311\r\nSUMMARY:Easy run\r\nX-WORKOUT-ESTIMATED-DURATION:PT45M\r\nEND:VEVENT\r\n",
    ));
    let cal = parse_ics(&text, "plan.ics", Some(&TimeZone::UTC)).unwrap();
    assert_eq!(cal.entries[0].duration_min, Some(90.0));
    assert_eq!(cal.entries[1].duration_min, Some(45.0));
}
