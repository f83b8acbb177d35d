//! CSV plans: the happy path and each error a runner can meet, with file, line and field.

use jiff::civil::date;
use jiff::tz::TimeZone;
use kneadtime_import::{ImportError, parse_csv, read_calendar_file};

fn err(text: &str) -> ImportError {
    parse_csv(text, "plan.csv", Some(&TimeZone::UTC)).unwrap_err()
}

#[test]
fn happy_path() {
    let text = "\u{FEFF}Date , TITLE,Duration_Min,distance_km,Kind,Notes,time,extra\r\n\
                2027-04-20,Easy run,45,8.5,easy,\"Keep it, easy\",07:30,x\r\n\
                \r\n\
                2027-04-25 09:00,Race,,42.195,race,\"Line 1\r\nLine 2\",,\r\n\
                2027-04-22T18:15,Strides,20,,,,,\r\n\
                ,,,,,,,\r\n\
                2027-04-21,Rest day\r\n";
    let c = parse_csv(
        text,
        "plan.csv",
        Some(&TimeZone::get("Europe/London").unwrap()),
    )
    .unwrap();
    assert_eq!(c.zone, "Europe/London");
    assert!(c.warnings.is_empty());
    let got: Vec<_> = c
        .entries
        .iter()
        .map(|e| {
            (
                e.date,
                e.start,
                e.duration_min,
                e.distance_km,
                &*e.title,
                &*e.description,
                e.kind_hint.as_deref(),
                e.origin.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                date(2027, 4, 20),
                Some(date(2027, 4, 20).at(7, 30, 0, 0)),
                Some(45.0),
                Some(8.5),
                "Easy run",
                "Keep it, easy",
                Some("easy"),
                Some(2)
            ),
            (
                date(2027, 4, 21),
                None,
                None,
                None,
                "Rest day",
                "",
                None,
                Some(8)
            ),
            (
                date(2027, 4, 22),
                Some(date(2027, 4, 22).at(18, 15, 0, 0)),
                Some(20.0),
                None,
                "Strides",
                "",
                None,
                Some(6)
            ),
            (
                date(2027, 4, 25),
                Some(date(2027, 4, 25).at(9, 0, 0, 0)),
                None,
                Some(42.195),
                "Race",
                "Line 1\nLine 2",
                Some("race"),
                Some(4)
            ),
        ]
    );
    assert!(c.entries.iter().all(|e| &*e.origin.file == "plan.csv"));
}

#[test]
fn description_column_is_preferred_over_notes() {
    let c = parse_csv(
        "date,title,notes,description\n2027-04-20,Run,n,d\n",
        "p.csv",
        Some(&TimeZone::UTC),
    )
    .unwrap();
    assert_eq!(&*c.entries[0].description, "d");
}

#[test]
fn missing_columns() {
    let e = err("WEEK,MON,TUE,WED\n1,a,b,c\n");
    assert_eq!(
        e.to_string(),
        "plan.csv:1: expected a header with columns \"date\" and \"title\"; found: WEEK, MON, TUE, WED"
    );
    let e = err("\n\ndate,name\n");
    assert_eq!(e.line, Some(3));
    let e = err("");
    assert_eq!(
        e.to_string(),
        "plan.csv:1: expected a header with columns \"date\" and \"title\"; found an empty file"
    );
}

#[test]
fn bad_date_names_line_and_field() {
    // The quoted multi-line cell on line 2-3 pushes the bad row to line 7.
    let text = "date,title,notes\n2027-04-20,Run,\"a\nb\"\n2027-04-21,Run,\n2027-04-22,Run,\n\n25/13/2027,Race,\n";
    let e = err(text);
    assert_eq!(
        e.to_string(),
        "plan.csv:7: field \"date\": expected a date like 2027-04-25, found \"25/13/2027\""
    );
    let e = err("date,title\n2027-02-30,Run\n");
    assert_eq!(
        e.message,
        "field \"date\": expected a date like 2027-04-25, found \"2027-02-30\""
    );
    let e = err("date,title\n,Run\n");
    assert_eq!(
        e.message,
        "field \"date\": expected a date like 2027-04-25, found an empty cell"
    );
}

#[test]
fn bad_numbers_time_and_title() {
    let e = err("date,title,duration_min\n2027-04-20,Run,-5\n");
    assert_eq!(
        e.to_string(),
        "plan.csv:2: field \"duration_min\": expected a number of minutes, 0 or more, found \"-5\""
    );
    let e = err("date,title,distance_km\n2027-04-20,Run,ten\n");
    assert_eq!(
        e.message,
        "field \"distance_km\": expected a number of kilometres, 0 or more, found \"ten\""
    );
    let e = err("date,title,distance_km\n2027-04-20,Run,NaN\n");
    assert!(e.message.starts_with("field \"distance_km\""), "{e}");
    let e = err("date,title,time\n2027-04-20,Run,7h30\n");
    assert_eq!(
        e.message,
        "field \"time\": expected a time like 07:30, found \"7h30\""
    );
    let e = err("date,title\n2027-04-20,\n");
    assert_eq!(
        e.message,
        "field \"title\": expected a title, found an empty cell"
    );
}

#[test]
fn read_calendar_file_dispatches_csv() {
    let dir = std::env::temp_dir().join(format!("kneadtime-import-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Plan.CSV");
    std::fs::write(&file, b"\xEF\xBB\xBFdate,title\n2027-04-20,Run\n").unwrap();
    let c = read_calendar_file(&file, Some(&TimeZone::UTC)).unwrap();
    assert_eq!(c.entries.len(), 1);
    std::fs::write(&file, b"date,title\n2027-04-20,Caf\xE9\n").unwrap();
    let e = read_calendar_file(&file, None).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.starts_with("expected UTF-8 text"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

fn rows(
    c: &kneadtime_import::Calendar,
) -> Vec<(jiff::civil::Date, Option<f64>, Option<f64>, String)> {
    c.entries
        .iter()
        .map(|e| (e.date, e.duration_min, e.distance_km, e.title.to_string()))
        .collect()
}

/// Spreadsheets saved where a comma is the decimal mark: semicolons between cells,
/// decimal commas, headers in the runner's language and dates written day first.
#[test]
fn spreadsheets_saved_in_other_languages() {
    let de = "\u{FEFF}Datum;Titel;Dauer;Distanz\n01.03.2027;Lockerer Lauf;40;7,5\n07.03.2027;Langer Lauf;120;24,5\n";
    let c = parse_csv(de, "plan.csv", None).unwrap();
    assert_eq!(
        rows(&c),
        vec![
            (
                date(2027, 3, 1),
                Some(40.0),
                Some(7.5),
                "Lockerer Lauf".into()
            ),
            (
                date(2027, 3, 7),
                Some(120.0),
                Some(24.5),
                "Langer Lauf".into()
            ),
        ]
    );
    let fr = "Date;Titre;Durée\n01/03/2027;Footing;45\n14/03/2027;Semi-marathon de Paris;\n";
    let c = parse_csv(fr, "plan.csv", None).unwrap();
    assert_eq!(
        rows(&c),
        vec![
            (date(2027, 3, 1), Some(45.0), None, "Footing".into()),
            (
                date(2027, 3, 14),
                None,
                None,
                "Semi-marathon de Paris".into()
            ),
        ]
    );
    let es = "Fecha,Título,Duración,Notas\n2027-03-02,Rodaje suave,50,\"ritmo 5:30, llano\"\n";
    let c = parse_csv(es, "plan.csv", None).unwrap();
    assert_eq!(&*c.entries[0].description, "ritmo 5:30, llano");
    assert_eq!(c.entries[0].duration_min, Some(50.0));
    let tabs = "date\ttitle\tdistance_km\n2027-03-01\tEasy, short\t6.5\n";
    let c = parse_csv(tabs, "plan.csv", None).unwrap();
    assert_eq!(
        rows(&c),
        vec![(date(2027, 3, 1), None, Some(6.5), "Easy, short".into())]
    );
    // Month first, as written in the United States: 03/14 can only be 14 March.
    let us = "date,title\n03/01/2027,Easy\n03/14/2027,Long run\n";
    let c = parse_csv(us, "plan.csv", None).unwrap();
    assert_eq!(c.entries[0].date, date(2027, 3, 1));
    assert_eq!(c.entries[1].date, date(2027, 3, 14));
    // A quoted number with a decimal comma in a comma-separated file.
    let c = parse_csv(
        "date,title,distance_km\n2027-03-01,Easy,\"8,5\"\n",
        "plan.csv",
        None,
    )
    .unwrap();
    assert_eq!(c.entries[0].distance_km, Some(8.5));
}

/// Slashed dates that read both ways, or a file that writes them both ways, are
/// refused with the line and both readings, never guessed.
#[test]
fn slashed_dates_in_either_order_are_not_guessed() {
    let e = err("date,title\n01/03/2027,Easy\n02/03/2027,Run\n");
    assert_eq!(
        e.to_string(),
        "plan.csv:2: field \"date\": \"01/03/2027\" may be 1 March or 3 January 2027; \
         write it as 2027-03-01 or 2027-01-03"
    );
    let e = err("date,title\n13/03/2027,Easy\n03/14/2027,Run\n");
    assert_eq!(e.line, Some(3));
    assert_eq!(
        e.message,
        "field \"date\": \"03/14/2027\" puts the month first, but \"13/03/2027\" on line 2 \
         puts the day first; write dates as 2027-03-14"
    );
    let e = err("date,title,distance_km\n2027-03-01,Run,\"8,5,1\"\n");
    assert!(e.message.starts_with("field \"distance_km\""), "{e}");
}
