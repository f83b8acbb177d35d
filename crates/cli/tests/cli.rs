//! Drives the built `kneadtime` binary as a runner would: files in, text out, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn realdata() -> PathBuf {
    root().join("testdata/realdata")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kneadtime"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stdout(o)))
}

const TODAY: &str = "2026-12-01";

fn plan_json(file: &str, extra: &[&str]) -> serde_json::Value {
    let f = example(file);
    let mut args = vec![
        "plan",
        "--calendar",
        &f,
        "--today",
        TODAY,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json(&o)
}

#[test]
fn the_marathon_plan_is_stable() {
    let plan = plan_json("marathon-18-weeks.ics", &[]);
    insta::assert_json_snapshot!("marathon_plan", plan);
}

#[test]
fn the_10k_plan_is_stable() {
    let plan = plan_json("10k-10-weeks.csv", &["--tz", "Europe/London"]);
    insta::assert_json_snapshot!("ten_k_plan", plan);
}

#[test]
fn the_marathon_plan_has_what_a_runner_expects() {
    let plan = plan_json("marathon-18-weeks.ics", &[]);
    let massages = plan["massages"].as_array().unwrap();
    let find = |kind: &str, race: &str| {
        massages
            .iter()
            .find(|m| m["kind"] == kind && m["race"]["date"] == race)
            .unwrap_or_else(|| panic!("{kind} for {race}"))
    };
    let pre = find("pre_event", "2027-04-25");
    assert_eq!(pre["date"], "2027-04-20", "five days before the marathon");
    assert_ne!(pre["pressure"], "deep");
    assert_eq!(pre["race"]["priority"], "A");
    let post = find("post_event", "2027-04-25");
    assert_eq!(post["date"], "2027-04-27", "two days after");
    find("post_event", "2027-03-28");
    assert!(massages.iter().any(|m| m["kind"] == "recovery_phase"));
    assert!(
        massages
            .iter()
            .filter(|m| m["kind"] == "maintenance")
            .count()
            >= 4
    );
    for m in massages {
        assert!(!m["why"].as_str().unwrap().is_empty());
        assert!(!m["focus"].as_array().unwrap().is_empty());
        assert!(!m["rules"].as_array().unwrap().is_empty());
    }
    assert_eq!(
        plan["findings"].as_array().unwrap().len(),
        0,
        "{:#}",
        plan["findings"]
    );
}

#[test]
fn a_session_budget_keeps_the_most_valuable_and_says_what_was_dropped() {
    let plan = plan_json("marathon-18-weeks.ics", &["--budget", "3"]);
    let kinds: Vec<&str> = plan["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3);
    assert!(kinds.contains(&"post_event"), "{kinds:?}");
    let dropped = plan["dropped"].as_array().unwrap();
    assert!(!dropped.is_empty());
    assert!(
        dropped
            .iter()
            .all(|d| d["why"].as_str().unwrap().contains("over budget"))
    );
}

#[test]
fn a_money_budget_is_never_exceeded() {
    let plan = plan_json(
        "marathon-18-weeks.ics",
        &["--money", "200", "--price", "maintenance=60"],
    );
    let spent: f64 = plan["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["price"].as_f64().unwrap())
        .sum();
    assert!(spent <= 200.0 && spent > 0.0, "{spent}");
    assert_eq!(plan["total_price"].as_f64().unwrap(), spent);
}

#[test]
fn unavailable_weekdays_are_never_used() {
    let plan = plan_json("marathon-18-weeks.ics", &["--unavailable", "fri,mon"]);
    for m in plan["massages"].as_array().unwrap() {
        let d: jiff::civil::Date = m["date"].as_str().unwrap().parse().unwrap();
        assert!(
            !matches!(
                d.weekday(),
                jiff::civil::Weekday::Friday | jiff::civil::Weekday::Monday
            ),
            "{m}"
        );
    }
}

#[test]
fn the_ics_export_reimports_and_checks_clean() {
    let dir = tempdir();
    let out = dir.join("plan.ics");
    let cal = example("marathon-18-weeks.ics");
    let o = run(&[
        "plan",
        "--calendar",
        &cal,
        "--today",
        TODAY,
        "--format",
        "ics",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("BEGIN:VALARM"), "a reminder the day before");
    let back = kneadtime_import::parse_ics(
        &text,
        "plan.ics",
        jiff::tz::TimeZone::get("Europe/London").ok().as_ref(),
    )
    .unwrap();
    let plan = plan_json("marathon-18-weeks.ics", &[]);
    let dates: Vec<String> = back.entries.iter().map(|e| e.date.to_string()).collect();
    let planned: Vec<String> = plan["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(dates, planned);
    assert!(
        back.entries
            .iter()
            .all(|e| e.description.contains("Focus:")),
        "the why travels in DESCRIPTION"
    );
    // The planner's own plan, booked as is, breaks no error rule.
    let o = run(&[
        "check",
        "--calendar",
        &cal,
        "--bookings",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn uids_stay_the_same_when_the_plan_is_made_later() {
    let cal = example("marathon-18-weeks.ics");
    let uids = |from: &str| {
        let o = run(&[
            "plan",
            "--calendar",
            &cal,
            "--today",
            TODAY,
            "--from",
            from,
            "--format",
            "ics",
        ]);
        assert_eq!(o.status.code(), Some(0));
        let mut v: Vec<String> = stdout(&o)
            .lines()
            .filter(|l| l.starts_with("UID:"))
            .map(|l| l.trim().to_string())
            .collect();
        v.sort();
        v
    };
    let early = uids("2026-12-21");
    let later = uids("2027-02-01");
    assert!(later.len() < early.len());
    for uid in &later {
        assert!(early.contains(uid), "{uid} is new in the later plan");
    }
}

#[test]
fn check_reports_errors_with_exit_1_and_suggestions() {
    let cal = example("marathon-18-weeks.ics");
    let bookings = example("bookings.csv");
    let o = run(&[
        "check",
        "--calendar",
        &cal,
        "--bookings",
        &bookings,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let findings = v["findings"].as_array().unwrap();
    let eve = findings
        .iter()
        .find(|f| f["rule"] == "race-eve")
        .expect("race eve booking found");
    assert_eq!(eve["severity"], "error");
    assert_eq!(eve["date"], "2027-04-24");
    assert_eq!(eve["suggestion"], "2027-04-22");
    assert!(eve["advice"].as_str().unwrap().contains("shakeout"));
    let after = findings
        .iter()
        .find(|f| f["rule"] == "post-race-too-soon")
        .unwrap();
    assert_eq!(after["suggestion"], "2027-04-27");
    // Two bookings name no pressure: the runner is told they were judged as moderate.
    assert_eq!(
        v["pressure_assumed_moderate"],
        serde_json::json!(["2027-01-15", "2027-04-26"])
    );
}

#[test]
fn next_says_wait_on_race_eve() {
    let cal = example("marathon-18-weeks.ics");
    let o = run(&[
        "next",
        "--calendar",
        &cal,
        "--today",
        "2027-04-24",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["earliest_good_day"], "2027-04-27");
    assert_eq!(v["planned"]["kind"], "post_event");
    assert!(v["meanwhile"].as_str().unwrap().contains("foam rolling"));
    assert_eq!(v["not_today"][0]["rule"], "race-eve");
}

#[test]
fn the_table_fits_80_columns_and_has_no_colour_when_piped() {
    for f in ["marathon-18-weeks.ics", "10k-10-weeks.csv"] {
        let cal = example(f);
        let o = Command::new(env!("CARGO_BIN_EXE_kneadtime"))
            .args([
                "plan",
                "--calendar",
                &cal,
                "--today",
                TODAY,
                "--budget",
                "5",
            ])
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        let text = stdout(&o);
        assert!(!text.contains('\x1b'), "no escape codes in a pipe");
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn markdown_output_is_a_table() {
    let cal = example("10k-10-weeks.csv");
    let o = run(&[
        "plan",
        "--calendar",
        &cal,
        "--today",
        TODAY,
        "--format",
        "md",
    ]);
    assert!(stdout(&o).contains("| Date | Kind | Pressure | Minutes | Focus | Why |"));
}

#[test]
fn bad_input_is_one_clear_line_and_exit_2() {
    let dir = tempdir();
    let bad_csv = dir.join("bad.csv");
    std::fs::write(&bad_csv, "date,title\n2027-01-01,Easy\n2027-04-31,Race\n").unwrap();
    let far_csv = dir.join("far.csv");
    std::fs::write(
        &far_csv,
        "date,title\n2027-01-01,Easy\n9999-12-30,Race: City Marathon\n",
    )
    .unwrap();
    let bad_profile = dir.join("p.toml");
    std::fs::write(
        &bad_profile,
        "[windows]\npre_event_min_days = 3\npre_evnt_max = 6\n",
    )
    .unwrap();
    let cal = example("10k-10-weeks.csv");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                bad_csv.display().to_string(),
            ],
            "bad.csv:3: field \"date\": expected a date",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                realdata()
                    .join("ics_bad_double_semicolon_param.ics")
                    .display()
                    .to_string(),
            ],
            "ics_bad_double_semicolon_param.ics:4:",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                "/no/such/file.ics".into(),
            ],
            "/no/such/file.ics",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--race".into(),
                "2027-06-13:11 furlongs".into(),
            ],
            "--race",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--tz".into(),
                "Mars/Olympus".into(),
            ],
            "--tz",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--profile".into(),
                bad_profile.display().to_string(),
            ],
            "p.toml:3: unknown field `pre_evnt_max`",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--unavailable".into(),
                "someday".into(),
            ],
            "--unavailable",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--price".into(),
                "massage=10".into(),
            ],
            "--price",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--race".into(),
                "2027-06-13:26.2".into(),
            ],
            "write 26.2km (26.2 kilometres) or 26.2mi (42.2 kilometres)",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--race".into(),
                "9999-12-31:marathon".into(),
            ],
            "--race: expected a date between 1900-01-01 and 2199-12-31, found 9999-12-31",
        ),
        (
            vec![
                "plan".into(),
                "--calendar".into(),
                cal.clone(),
                "--from".into(),
                "1899-12-31".into(),
            ],
            "--from: expected a date between 1900-01-01 and 2199-12-31",
        ),
        (
            vec!["plan".into(), far_csv.display().to_string()],
            "far.csv:3: field \"date\": expected a date between 1900-01-01 and 2199-12-31",
        ),
        (vec!["plan".into()], "expected a training calendar"),
        (
            vec!["explain".into(), "no-such-rule".into()],
            "unknown rule",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("panicked"));
    }
}

#[test]
fn a_failed_write_leaves_no_half_written_file() {
    let dir = tempdir();
    let out = dir.join("missing-dir/plan.ics");
    let cal = example("10k-10-weeks.csv");
    let o = run(&[
        "plan",
        "--calendar",
        &cal,
        "--format",
        "ics",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn an_empty_calendar_still_gets_a_useful_answer() {
    let dir = tempdir();
    let empty = dir.join("empty.ics");
    std::fs::write(
        &empty,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let o = run(&[
        "plan",
        "--calendar",
        empty.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "json",
        "--tz",
        "UTC",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert!(
        !v["massages"].as_array().unwrap().is_empty(),
        "maintenance only"
    );
    assert!(
        v["massages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["kind"] == "maintenance")
    );
    let notes = v["notes"].to_string();
    assert!(notes.contains("No race"), "{notes}");
}

#[test]
fn every_real_calendar_file_plans_or_fails_cleanly() {
    let mut tried = 0;
    for entry in std::fs::read_dir(realdata()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("ics_") || name.starts_with("csv_")) {
            continue;
        }
        tried += 1;
        let o = run(&[
            "plan",
            "--calendar",
            path.to_str().unwrap(),
            "--today",
            TODAY,
            "--tz",
            "Europe/London",
        ]);
        match o.status.code() {
            Some(0) => assert!(stdout(&o).contains("Massage plan"), "{name}"),
            Some(2) => {
                let err = stderr(&o);
                assert!(
                    err.contains(&name) && err.trim().lines().count() == 1,
                    "{name}: {err}"
                );
            }
            other => panic!("{name}: exit {other:?}: {}", stderr(&o)),
        }
    }
    assert!(tried >= 20);
}

#[test]
fn explain_and_profile_show() {
    let o = run(&["explain", "race-eve"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("race-eve") && stdout(&o).contains("Why:"));
    let o = run(&["profile", "show"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let back = kneadtime_domain::Profile::from_toml(&text).unwrap();
    assert_eq!(back, kneadtime_domain::Profile::default());
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "kneadtime-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn what_a_runner_reads_names_no_rule_id() {
    let cal = example("marathon-18-weeks.ics");
    let bookings = example("bookings.csv");
    let ids = [
        "race-day",
        "race-eve",
        "post-race-too-soon",
        "pre-event-window",
        "post-event-window",
        "eve-of-quality",
        "after-quality",
        "taper-pressure",
        "deep-needs-buffer",
        "maintenance-interval",
        "prefer-rest-day",
    ];
    let outputs = [
        run(&["check", "--calendar", &cal, "--bookings", &bookings]),
        run(&["next", "--calendar", &cal, "--today", "2027-04-24"]),
        run(&["plan", "--calendar", &cal, "--today", TODAY]),
        run(&[
            "plan",
            "--calendar",
            &cal,
            "--today",
            TODAY,
            "--format",
            "md",
        ]),
        run(&[
            "plan",
            "--calendar",
            &cal,
            "--today",
            TODAY,
            "--format",
            "ics",
        ]),
    ];
    for o in &outputs {
        let text = stdout(o);
        assert!(!text.trim().is_empty(), "{}", stderr(o));
        for id in ids {
            assert!(!text.contains(id), "{id} in:\n{text}");
        }
    }
    // The check table still says what is wrong with the race-eve booking.
    assert!(stdout(&outputs[0]).contains("2027-04-24"));
}

fn calendar(name: &str) -> String {
    root()
        .join("testdata/calendars")
        .join(name)
        .display()
        .to_string()
}

fn plan_of(path: &str, today: &str) -> serde_json::Value {
    let o = run(&[
        "plan",
        "--calendar",
        path,
        "--today",
        today,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json(&o)
}

/// The dates of the plan's massages of `kind` (of every kind with `None`), as text.
fn dates_of(plan: &serde_json::Value, kind: Option<&str>) -> Vec<String> {
    plan["massages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| kind.is_none_or(|k| m["kind"] == k))
        .map(|m| m["date"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_german_calendar_plans_its_half_marathon_and_its_tune_up() {
    let plan = plan_of(&calendar("german-half-marathon.ics"), "2027-02-01");
    let races = plan["races"].as_array().unwrap();
    assert_eq!(races.len(), 2, "{races:?}");
    let half = races.iter().find(|r| r["date"] == "2027-04-18").unwrap();
    assert_eq!(half["priority"], "A", "{half}");
    assert!((half["distance_km"].as_f64().unwrap() - 21.0975).abs() < 0.01);
    let ten = races.iter().find(|r| r["date"] == "2027-03-21").unwrap();
    assert_eq!(ten["priority"], "B", "a tune-up: {ten}");
    assert_eq!(ten["distance_km"], 10.0);
    assert!(
        plan["unclassified"].as_array().unwrap().is_empty(),
        "{}",
        plan["unclassified"]
    );
    let pre = dates_of(&plan, Some("pre_event"));
    assert!(
        pre.iter()
            .any(|d| ("2027-04-11".."2027-04-16").contains(&d.as_str())),
        "{pre:?}"
    );
    let post = dates_of(&plan, Some("post_event"));
    assert!(
        post.iter()
            .any(|d| ("2027-04-20".."2027-04-24").contains(&d.as_str())),
        "{post:?}"
    );
    for never in [
        "2027-03-20",
        "2027-03-21",
        "2027-04-17",
        "2027-04-18",
        "2027-04-19",
    ] {
        assert!(!dates_of(&plan, None).iter().any(|d| d == never), "{never}");
    }
    let notes = plan["notes"].to_string();
    assert!(notes.contains("Frankfurter Halbmarathon"), "{notes}");
}

#[test]
fn a_stage_race_and_a_training_camp_last_as_long_as_they_do() {
    let plan = plan_of(&calendar("stage-race-and-camp.ics"), "2027-05-01");
    let races = plan["races"].as_array().unwrap();
    assert_eq!(
        races.len(),
        1,
        "the camp is training, not a race: {races:?}"
    );
    assert_eq!(races[0]["priority"], "A");
    assert_eq!(races[0]["distance_km"], 120.0);
    let dates = dates_of(&plan, None);
    // Nothing on the camp's days or its eve, nothing from the stage race's eve to the
    // day after its last stage.
    for d in dates.iter() {
        assert!(
            !("2027-06-06".."2027-06-14").contains(&d.as_str()),
            "{d} falls in the training camp: {dates:?}"
        );
        assert!(
            !("2027-08-18".."2027-08-24").contains(&d.as_str()),
            "{d} falls in the stage race: {dates:?}"
        );
    }
    let post = plan["massages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "post_event")
        .expect("a post-race massage");
    let day = post["date"].as_str().unwrap();
    assert!(("2027-08-24".."2027-08-28").contains(&day), "{post}");
    assert!(
        post["why"].as_str().unwrap().contains("after you finish"),
        "{post}"
    );
}

#[test]
fn workouts_that_talk_about_the_race_are_workouts_and_the_marathon_is_the_goal() {
    let plan = plan_of(&calendar("runna-race-week.ics"), "2027-03-01");
    let races = plan["races"].as_array().unwrap();
    assert_eq!(races.len(), 1, "only the marathon is a race: {races:?}");
    assert_eq!(races[0]["date"], "2027-05-16");
    // "Corral assignment: B" in its notes does not make it a B race.
    assert_eq!(races[0]["priority"], "A", "{}", races[0]);
    assert!((races[0]["distance_km"].as_f64().unwrap() - 42.195).abs() < 0.01);
    let pre = dates_of(&plan, Some("pre_event"));
    assert_eq!(pre.len(), 1, "{pre:?}");
    assert!(
        ("2027-05-09".."2027-05-14").contains(&pre[0].as_str()),
        "{pre:?}"
    );
    assert!(plan["unclassified"].as_array().unwrap().is_empty());
}

/// A published plan laid out by week (no dates) plans once its race day is given, and
/// without it the runner is told exactly what to add.
#[test]
fn a_plan_laid_out_by_week_is_placed_from_its_race_day() {
    let grid = realdata().join("csv_plan_ultra80k_weekgrid.csv");
    let grid = grid.to_str().unwrap();
    let o = run(&["plan", "--calendar", grid, "--today", TODAY]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("laid out by week") && err.contains("--race DATE:DISTANCE"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let o = run(&[
        "plan",
        "--calendar",
        grid,
        "--race",
        "2027-06-12:80k",
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let races = v["races"].as_array().unwrap();
    assert_eq!(races.len(), 1, "{races:?}");
    assert_eq!(races[0]["date"], "2027-06-12");
    assert_eq!(races[0]["distance_km"], 80.0);
    let kinds: Vec<&str> = v["massages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    for k in ["pre_event", "post_event", "maintenance"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    // The sessions were read: every title is understood but a few unusual ones.
    let unclassified = v["unclassified"].as_array().unwrap();
    assert!(unclassified.len() <= 3, "{unclassified:?}");
}
