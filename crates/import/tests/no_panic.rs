//! A small deterministic fuzz run: mangled real calendars and CSV plans must give an
//! Ok or an Err, never a panic (the crate will be fuzzed properly elsewhere).

use std::path::PathBuf;

use jiff::tz::TimeZone;
use kneadtime_import::{parse_csv, parse_ics};

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    ":",
    ";",
    ";;",
    "=",
    "\"",
    ",",
    "\r\n",
    "\n",
    "\r",
    "\r\n ",
    " ",
    "\\",
    "BEGIN:VEVENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VCALENDAR\n",
    "END:VCALENDAR\n",
    "BEGIN:VTIMEZONE\n",
    "DTSTART:",
    "DTSTART;VALUE=DATE:20270101\n",
    "DTSTART;TZID=Europe/London:20270328T013000\n",
    "DTSTART;TZID=X:99991231T235959\n",
    "RRULE:FREQ=SECONDLY\n",
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\n",
    "RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU\n",
    "RRULE:FREQ=DAILY;INTERVAL=0\n",
    "RRULE:FREQ=WEEKLY;UNTIL=00010101\n",
    "RRULE:FREQ=DAILY;COUNT=4294967295\n",
    "EXDATE:",
    "RDATE;VALUE=PERIOD:20270101T000000Z/P99999999W\n",
    "RECURRENCE-ID:",
    "DURATION:-P1D\n",
    "TZOFFSETTO:+2559\n",
    "TZOFFSETFROM:-9999\n",
    "00000000",
    "99999999T999999Z",
    "20270230",
    "é",
    "😀",
    "\u{FEFF}",
    "\0",
    "STATUS:CANCELLED\n",
    "UID:x\n",
];

fn mutate(rng: &mut Rng, input: &str) -> String {
    let mut s: Vec<char> = input.chars().collect();
    for _ in 0..=rng.below(4) {
        let pos = rng.below(s.len() + 1);
        match rng.below(4) {
            0 => {
                let tok = TOKENS[rng.below(TOKENS.len())];
                s.splice(pos..pos, tok.chars());
            }
            1 if pos < s.len() => {
                let end = (pos + rng.below(40)).min(s.len());
                s.drain(pos..end);
            }
            2 if pos < s.len() => {
                s[pos] = char::from_u32((rng.next() % 0x80) as u32).unwrap_or('x');
            }
            _ => s.truncate(pos),
        }
    }
    s.into_iter().collect()
}

#[test]
fn mangled_inputs_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/realdata");
    let mut seeds: Vec<(bool, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let is_ics = name.starts_with("ics_");
            if !is_ics && !name.starts_with("csv_") {
                return None;
            }
            Some((is_ics, std::fs::read_to_string(dir.join(&name)).ok()?))
        })
        .collect();
    seeds.sort();
    seeds.push((
        false,
        "date,title,time,duration_min\n2027-04-25 07:00,Run,07:30,45\n".into(),
    ));
    let zones = [TimeZone::UTC, TimeZone::get("Pacific/Kiritimati").unwrap()];
    let seed: u64 = std::env::var("KNEADTIME_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    // KNEADTIME_FUZZ_ROUNDS=20000 for a longer local run.
    let rounds: usize = std::env::var("KNEADTIME_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    for (i, (is_ics, seed)) in seeds.iter().enumerate() {
        for round in 0..rounds {
            let text = mutate(&mut rng, seed);
            let tz = (round % 3 < 2).then(|| &zones[round % 2]);
            let result = std::panic::catch_unwind(|| {
                if *is_ics {
                    parse_ics(&text, "fuzz.ics", tz).map(|_| ())
                } else {
                    parse_csv(&text, "fuzz.csv", tz).map(|_| ())
                }
            });
            assert!(
                result.is_ok(),
                "seed {i} round {round} panicked on:\n{text}"
            );
        }
    }
}
