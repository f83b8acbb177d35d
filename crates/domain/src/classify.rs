//! Reading training titles as people write them: "6x800 @ 5K", "LR 30 km", "Race: City 10K".
//!
//! The classifier looks at words, not exact phrases: a small tokenizer turns the title
//! (and description) into lowercase words and number+unit pairs, then a fixed order of
//! tests decides the class. Order matters: "rest" beats everything, a race beats a
//! "marathon pace" workout only when the words do not talk about pace.

use crate::entry::Entry;
use crate::session::{Class, HALF_MARATHON_KM, MARATHON_KM, MILE_KM, Priority, Session};
use crate::vocab::{Sense, Senses, Unit, VOCAB, words_of_lower};

/// A number and the unit written right after it ("30 km", "10k", "40'", "6x800").
#[derive(Debug, Clone, Copy, PartialEq)]
enum Quantity {
    Km(f64),
    Minutes(f64),
    /// "6x800", "3x10'", "5 x 1 mile": repetitions mean a quality session.
    Reps,
    /// A distance written after "@" or before "pace": a pace, not a length.
    Pace,
}

struct Text {
    words: Vec<String>,
    /// Every sense the words hold, read once.
    senses: Senses,
    quantities: Vec<Quantity>,
    lower: String,
}

fn tokenize(s: &str) -> Text {
    let lower = s.to_lowercase();
    let words = words_of_lower(&lower);
    Text {
        senses: VOCAB.senses(&words),
        words,
        quantities: quantities(&lower),
        lower,
    }
}

/// The unit a word or mark after a number names: marks and abbreviations here, unit
/// words from the vocabulary tables.
fn unit_of(word: &str) -> Option<Unit> {
    match word {
        "k" | "km" | "kms" | "kilometers" | "kilometres" => Some(Unit::Km),
        "mi" => Some(Unit::Mile),
        "m" => Some(Unit::Metre),
        "'" | "’" => Some(Unit::Minute),
        "h" => Some(Unit::Hour),
        word => VOCAB.unit(word),
    }
}

/// Scans for numbers and what follows them. Works on byte offsets: digits, spaces and
/// the marks it looks for are ASCII, and words are read as whole characters.
fn quantities(s: &str) -> Vec<Quantity> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A number glued to letters before it ("vo2", "z2") is not a quantity.
        let glued = s[..i].chars().next_back().is_some_and(char::is_alphabetic);
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let whole = &s[start..i];
        // A number after a colon is the second half of a clock time ("18:30", "4:30").
        let after_colon = s[..start].ends_with(':');
        // "2:30": hours and minutes (or minutes and seconds), read with the unit below.
        let mut clock: Option<f64> = None;
        if bytes.get(i) == Some(&b':')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_digit)
            && !bytes.get(i + 3).is_some_and(u8::is_ascii_digit)
        {
            clock = s[i + 1..i + 3].parse().ok();
            i += 3;
        }
        // A decimal part after a dot or a comma ("21.1", "21,1"), when digits follow it.
        let mut fraction = "";
        if clock.is_none()
            && i + 1 < bytes.len()
            && matches!(bytes[i], b'.' | b',')
            && bytes[i + 1].is_ascii_digit()
        {
            let from = i + 1;
            i = from;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            fraction = &s[from..i];
        }
        let Ok(value) = format!("{whole}.{fraction}")
            .trim_end_matches('.')
            .parse::<f64>()
        else {
            continue;
        };
        if glued || after_colon {
            continue;
        }
        // "at 18h", "om 19.30 uur", "a las 19 horas": a time of day.
        let at_time = s[..start]
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|w| !w.is_empty())
            .is_some_and(|w| VOCAB.says(&[w.to_string()], Sense::Clock));
        // In metres, three digits after the mark are thousands ("10,000 m", "10.000 m").
        let thousands = (fraction.len() == 3)
            .then(|| format!("{whole}{fraction}").parse::<f64>().ok())
            .flatten();
        // Look behind for "@" (a pace: "@ 5K").
        let after_at = s[..start].trim_end_matches(' ').ends_with('@');
        // Look ahead past spaces for the unit.
        let unit_start = i + s[i..].len() - s[i..].trim_start_matches(' ').len();
        let unit_len = s[unit_start..]
            .find(|c: char| !(c.is_alphabetic() || c == '\'' || c == '"' || c == '’'))
            .unwrap_or(s.len() - unit_start);
        let mut j = unit_start + unit_len;
        let unit = &s[unit_start..j];
        // "1h45": minutes written straight after the hour mark.
        let mut minutes_after_h = None;
        if unit == "h"
            && bytes.get(j).is_some_and(u8::is_ascii_digit)
            && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
            && !bytes.get(j + 2).is_some_and(u8::is_ascii_digit)
        {
            minutes_after_h = s[j..j + 2].parse::<f64>().ok();
            j += 2;
        }
        if unit == "x" || unit == "×" {
            out.push(Quantity::Reps);
            i = j;
            continue;
        }
        let unit_kind = unit_of(unit);
        let hours = value + minutes_after_h.or(clock).unwrap_or(0.0) / 60.0;
        let q = match unit_kind {
            // A clock time with no unit of time is a time of day or a pace.
            _ if clock.is_some() && !matches!(unit_kind, Some(Unit::Hour | Unit::Minute)) => None,
            Some(Unit::Hour | Unit::Minute) if at_time => None,
            // "18h30" is half past six in the evening, not a run of eighteen hours.
            Some(Unit::Hour) if minutes_after_h.is_some() && value >= 10.0 => None,
            Some(Unit::Km) => Some(Quantity::Km(value)),
            Some(Unit::Metre) => Some(Quantity::Km(thousands.unwrap_or(value) / 1000.0)),
            Some(Unit::Mile) => Some(Quantity::Km(value * MILE_KM)),
            Some(Unit::Hour) => Some(Quantity::Minutes(hours * 60.0)),
            // "45:00 min": minutes and seconds.
            Some(Unit::Minute) => Some(Quantity::Minutes(value + clock.unwrap_or(0.0) / 60.0)),
            None => None,
        };
        // "4:30 min/km", "8:30 min/mi": a pace, which says nothing of the length.
        let per_distance = s[j..].trim_start().starts_with('/');
        if let Some(q) = q.filter(|q| !(per_distance && matches!(q, Quantity::Minutes(_)))) {
            // "5K pace", "@ 10K", "10k effort": a pace, not a distance (read within the
            // next twelve characters).
            let after = &s[j..];
            let twelve = after.char_indices().nth(12).map_or(after.len(), |(k, _)| k);
            let rest = after[..twelve].trim_start();
            let is_pace = after_at
                || rest.starts_with("pace")
                || rest.starts_with("effort")
                || rest.starts_with("race pace");
            out.push(if is_pace && matches!(q, Quantity::Km(_)) {
                Quantity::Pace
            } else {
                q
            });
        }
        // A bare "x" right after a number with a space ("5 x 1 mile").
        if unit.is_empty() && (s[j..].starts_with('x') || s[j..].starts_with('×')) {
            out.push(Quantity::Reps);
        }
        i = j.max(i);
    }
    out
}

impl Text {
    fn says(&self, sense: Sense) -> bool {
        self.senses.has(sense)
    }
    fn has(&self, w: &str) -> bool {
        self.words.iter().any(|x| x == w)
    }
    fn has_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.has(w))
    }
    fn distance_km(&self) -> Option<f64> {
        self.quantities.iter().find_map(|q| match q {
            Quantity::Km(km) => Some(*km),
            _ => None,
        })
    }
    fn minutes(&self) -> Option<f64> {
        let first = self.quantities.iter().find_map(|q| match q {
            Quantity::Minutes(m) => Some(*m),
            _ => None,
        });
        let Some(reps) = self.quantities.iter().position(|q| *q == Quantity::Reps) else {
            return first;
        };
        // Reps of minutes ("3x10'") are not the session's length, nor is a warm-up
        // before them ("20' warm-up, 3x10'"); a longer time before them is ("Long run
        // 1h45 with 3x10' at MP").
        self.quantities[..reps].iter().find_map(|q| match q {
            Quantity::Minutes(m) if *m > WARM_UP_MAX_MIN => Some(*m),
            _ => None,
        })
    }
}

/// Run-equivalent distances for multisport races, for the recovery they need: a sprint
/// triathlon like a 10 km race, an olympic one or a duathlon like a half marathon, a
/// 70.3 like a marathon, an iron distance like a 100 km ultra.
const SPRINT_TRI_KM: f64 = 10.0;
const OLYMPIC_TRI_KM: f64 = HALF_MARATHON_KM;
const HALF_IRON_KM: f64 = MARATHON_KM;
const IRON_KM: f64 = 100.0;
/// The longest warm-up written before a session's reps, in minutes: a time longer than
/// this before them is the whole session's.
const WARM_UP_MAX_MIN: f64 = 45.0;
/// The longest run (not a race) a title's hours are believed for, in minutes.
const MAX_TITLED_RUN_MIN: f64 = 12.0 * 60.0;
/// An ultra named without its distance.
const ULTRA_KM: f64 = 50.0;

/// Adjectives that make a pace session an easy one.
const EASY_PACE: &[&str] = &[
    "easy", "locker", "facile", "fácil", "facil", "suave", "leve", "rustig", "lento",
];

/// What the words of an entry say, whatever its date: the same for every occurrence of
/// a recurring event.
#[derive(Debug, Clone)]
struct Reading {
    class: Class,
    unclassified: bool,
    away: bool,
    distance_km: Option<f64>,
    duration_min: Option<f64>,
    priority_hint: Option<Priority>,
    hills: bool,
}

/// Understands one calendar entry.
pub fn classify(entry: &Entry) -> Session {
    assemble(entry, &read(entry))
}

/// Understands every entry, reading each distinct title and description once (a
/// recurring event's occurrences share them).
pub fn classify_all(entries: &[Entry]) -> Vec<Session> {
    type Key<'a> = (&'a str, &'a str, Option<&'a str>, Option<u64>, Option<u64>);
    let mut seen: rustc_hash::FxHashMap<Key<'_>, Reading> = rustc_hash::FxHashMap::default();
    entries
        .iter()
        .map(|e| {
            let key = (
                &*e.title,
                &*e.description,
                e.kind_hint.as_deref(),
                e.distance_km.map(f64::to_bits),
                e.duration_min.map(f64::to_bits),
            );
            let reading = seen.entry(key).or_insert_with(|| read(e));
            assemble(e, reading)
        })
        .collect()
}

fn read(entry: &Entry) -> Reading {
    let title = tokenize(&entry.title);
    // Most titles say enough; the description is read only when asked.
    let desc = std::cell::LazyCell::new(|| tokenize(&entry.description));
    let explicit = entry.kind_hint.as_deref().and_then(Class::parse);
    let away = title.says(Sense::Away);
    let (class, unclassified) = match explicit {
        Some(c) => (c, false),
        None => match class_of(&title, &entry.title) {
            // "Run" and nothing else: the description may say what kind of run.
            Some(Class::Easy) if just_a_run(&title) => match class_of(&desc, &entry.description) {
                Some(c @ (Class::Long | Class::Hard)) => (c, false),
                _ => (Class::Easy, false),
            },
            Some(c) => (c, false),
            // A holiday or a trip with no training named: days without a session.
            None if away => (Class::Rest, false),
            // The title said nothing; the description may ("Coach's notes: 5x1k at 10K").
            // A race named only in the description is a race when it names the event.
            None => match class_of(&desc, &entry.description) {
                Some(Class::Race) if is_event(&desc) => (Class::Race, false),
                Some(Class::Race) | None => (Class::Easy, true),
                Some(c) => (c, false),
            },
        },
    };
    let (said_minutes, said_km) = described_length(&entry.description);
    let mut distance_km = entry
        .distance_km
        .or_else(|| title.distance_km())
        .or(said_km);
    if class == Class::Race {
        distance_km = entry
            .distance_km
            .or_else(|| race_distance(&title))
            .or_else(|| race_distance(&desc));
    }
    // Over twelve hours in the title of a run is a time of day ("Footing 18h"); a
    // 24-hour race keeps its length.
    let duration_min = entry
        .duration_min
        .or_else(|| {
            title
                .minutes()
                .filter(|m| class == Class::Race || *m <= MAX_TITLED_RUN_MIN)
        })
        .or(said_minutes);
    let priority_hint = if class == Class::Race {
        priority_hint(&title, true).or_else(|| priority_hint(&desc, false))
    } else {
        None
    };
    let hills = title.has_any(&["hill", "hills", "hilly", "uphill"])
        || entry
            .description
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("hill") || w.eq_ignore_ascii_case("hills"))
        || [
            "berg", "hügel", "huegel", "côte", "cote", "cuesta", "salit", "heuvel", "subida",
        ]
        .iter()
        .any(|p| title.words.iter().any(|w| w.starts_with(p)));
    Reading {
        class,
        unclassified,
        away,
        distance_km,
        duration_min,
        priority_hint,
        hills,
    }
}

/// The session of one entry on its own day, from what its words say.
fn assemble(entry: &Entry, r: &Reading) -> Session {
    // The end: as the source gave it, or from the start and the length.
    let end = entry.end.or_else(|| {
        let start = entry.start?;
        let minutes = r.duration_min?;
        start
            .checked_add(jiff::Span::new().minutes((minutes.round() as i64).clamp(0, 60 * 24 * 31)))
            .ok()
    });
    let last_date = entry
        .last_date
        .or(end.map(|e| e.date()))
        .filter(|d| *d > entry.date);
    Session {
        date: entry.date,
        start: entry.start,
        last_date,
        end,
        title: entry.title.clone(),
        class: r.class,
        distance_km: r.distance_km,
        duration_min: r.duration_min,
        unclassified: r.unclassified,
        hills: r.hills,
        priority_hint: r.priority_hint,
        load: None,
        origin: entry.origin.clone(),
        away: r.away,
    }
}

/// Lengths that coaching apps write on their own lines of a description: "Planned Time:
/// 1:30:00", "Planned Distance: 16 km", "Actual Time: 58:12", "Estimated Duration: 45
/// min". What was done wins over what was planned.
fn described_length(desc: &str) -> (Option<f64>, Option<f64>) {
    let mut planned = (None, None);
    let mut actual = (None, None);
    for line in desc.lines().take(200) {
        let Some((key, value)) = line.split_once([':', '=']) else {
            continue;
        };
        let key = key.trim().to_lowercase();
        let slot = if key.starts_with("actual") || key.starts_with("completed") {
            &mut actual
        } else {
            &mut planned
        };
        let timed = [
            "time",
            "duration",
            "estimated duration",
            "planned time",
            "planned duration",
            "actual time",
            "actual duration",
            "moving time",
        ];
        let far = ["distance", "planned distance", "actual distance"];
        if timed.contains(&key.as_str()) {
            slot.0 = slot
                .0
                .or(clock_minutes(value.trim()).or_else(|| tokenize(value).minutes()));
        } else if far.contains(&key.as_str()) {
            slot.1 = slot.1.or(tokenize(value).distance_km());
        }
    }
    (
        actual
            .0
            .or(planned.0)
            .filter(|m| *m > 0.0 && *m <= 60.0 * 48.0),
        actual.1.or(planned.1).filter(|k| *k > 0.0 && *k <= 1000.0),
    )
}

/// "1:30:00" and "1:30" (hours and minutes), "58:12" (minutes and seconds, when the first
/// part is 10 or more), "1h30", in minutes.
fn clock_minutes(s: &str) -> Option<f64> {
    let s = s.split_whitespace().next()?;
    if let Some((h, m)) = s.split_once('h') {
        let h: f64 = h.parse().ok()?;
        let m: f64 = if m.is_empty() {
            0.0
        } else {
            m.trim_end_matches("min").parse().ok()?
        };
        return Some(h * 60.0 + m);
    }
    let parts: Vec<f64> = s
        .split(':')
        .map(|p| p.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    match parts.as_slice() {
        [h, m, sec] => Some(h * 60.0 + m + sec / 60.0),
        [a, b] if *a >= 10.0 => Some(a + b / 60.0),
        [a, b] => Some(a * 60.0 + b),
        _ => None,
    }
}

fn talks_about_pace(t: &Text) -> bool {
    t.says(Sense::Pace) || t.quantities.contains(&Quantity::Pace)
}

/// A title that says only "a run" ("Run", "Lauf", "Course à pied"), with no length.
fn just_a_run(t: &Text) -> bool {
    let in_phrase = |w: &String| VOCAB.occurs(&t.words, Sense::JustRun, |p| p.words().contains(w));
    t.quantities.is_empty() && !t.words.is_empty() && t.words.iter().all(in_phrase)
}

/// Talk about a race inside a workout ("race pace", "race week", "pre-race shakeout").
fn race_talk(t: &Text) -> bool {
    t.says(Sense::RaceTalk) || t.lower.contains("race-pace")
}

/// Names a race event: a marathon, a half marathon by its full name, an ultra, a
/// triathlon or duathlon.
fn is_event(t: &Text) -> bool {
    let half = t.says(Sense::Half) && is_half_event(t);
    half || [
        Sense::Marathon,
        Sense::Ultra,
        Sense::SprintTriathlon,
        Sense::OlympicTriathlon,
        Sense::HalfIronman,
        Sense::Ironman,
        Sense::Duathlon,
    ]
    .iter()
    .any(|s| t.says(*s))
}

/// A multisport race's size named with a word for long ("Triathlon longue distance",
/// "Long distance triathlon"): the word is the race's, not a long run's.
fn long_in_race_size(t: &Text) -> bool {
    [Sense::HalfIronman, Sense::Ironman]
        .into_iter()
        .any(|sense| {
            VOCAB.occurs(&t.words, sense, |p| {
                p.words()
                    .iter()
                    .any(|w| VOCAB.says(std::slice::from_ref(w), Sense::Long))
            })
        })
}

/// A half marathon named as an event: by its full name, a short form ending the race's
/// name ("Great North Half", "Brighton Half (pacing a friend)"), or a short form followed
/// by where it is run ("Semi de Boulogne", "Mezza di Roma").
fn is_half_event(t: &Text) -> bool {
    if VOCAB.occurs(&t.words, Sense::Half, |p| p.is_full_name()) {
        return true;
    }
    let is_half = |w: &String| VOCAB.says(std::slice::from_ref(w), Sense::Half);
    // The name is what comes before any note in brackets.
    let named_half = match t.lower.find(['(', '[']) {
        None => t.words.len() > 1 && t.words.last().is_some_and(is_half),
        Some(cut) => {
            let name = crate::vocab::words_of_lower(&t.lower[..cut]);
            name.len() > 1 && name.last().is_some_and(is_half)
        }
    };
    named_half || before_a_place(t, is_half)
}

/// The words of `raw` written with a capital, in lower case: the names in a title.
fn capitalised_words(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .map(str::to_lowercase)
        .collect()
}

/// "Cross de Lille", "Corrida de São Silvestre", "Corrida de 10 km de São João": a word
/// that begins race names, the race's length if given, a joining word, then a name
/// (capitalised, and known to no table), not "Corrida de aquecimento".
fn named_after_place(t: &Text, raw: &str) -> bool {
    if !t.says(Sense::BeforePlace) {
        return false;
    }
    let capitalised = capitalised_words(raw);
    let w = &t.words;
    let place = |i: usize| VOCAB.says(&w[i..=i], Sense::Place);
    let length = |i: usize| {
        w.get(i)
            .is_some_and(|x| x.chars().any(|c| c.is_ascii_digit()) || unit_of(x).is_some())
    };
    (0..w.len())
        .filter(|&i| VOCAB.says(&w[i..=i], Sense::BeforePlace))
        .any(|i| {
            // Past the length, with its own joining word: "de 10 km", "15K".
            let mut j = i + 1;
            while length(j) || (j < w.len() && place(j) && length(j + 1)) {
                j += 1;
            }
            j + 1 < w.len()
                && place(j)
                && capitalised.contains(&w[j + 1])
                && !VOCAB.knows(&w[j + 1])
        })
}

/// A word `first` accepts, then a joining word and a name no table knows: "Semi de
/// Boulogne", "Cross de Lille", "Corrida de Houilles" (not "Corrida de recuperação" or
/// "Cross de 45 min").
fn before_a_place(t: &Text, first: impl Fn(&String) -> bool) -> bool {
    t.words.windows(3).any(|w| {
        first(&w[0])
            && VOCAB.says(&w[1..2], Sense::Place)
            && !w[2].chars().any(|c| c.is_ascii_digit())
            && !VOCAB.knows(&w[2])
    })
}

fn class_of(t: &Text, raw: &str) -> Option<Class> {
    if t.words.is_empty() {
        return None;
    }
    let rest_phrase = VOCAB.occurs(&t.words, Sense::Rest, |p| p.len() > 1)
        || (t.words.len() == 1 && t.says(Sense::Rest));
    let active = t.says(Sense::Hard)
        || t.says(Sense::Long)
        || t.says(Sense::Race)
        || t.distance_km().is_some();
    let recovery_run = t.has("recovery") && t.has_any(&["run", "jog"]);
    if (rest_phrase || (t.says(Sense::Rest) && !active && !t.has("jog"))) && !recovery_run {
        return Some(Class::Rest);
    }
    let lower = &t.lower;
    let pace = talks_about_pace(t);
    let talk = race_talk(t);
    let race_word =
        !talk && (t.says(Sense::Race) || lower.contains("race:") || named_after_place(t, raw));
    let event_word = is_event(t)
        && !talk
        && !pace
        && (!t.says(Sense::Long) || long_in_race_size(t))
        && !t.has_any(&["training", "specific", "miles"]);
    if race_word || event_word || (!talk && !pace && named_distance(t, raw)) {
        return Some(Class::Race);
    }
    // A training camp: days of heavy training, each a quality day for the rules.
    if t.says(Sense::Long) || t.says(Sense::Camp) {
        return Some(Class::Long);
    }
    // "14 mi with 8 @ marathon pace": far enough to be the week's long run.
    if pace && t.distance_km().is_some_and(|km| km >= 20.0) {
        return Some(Class::Long);
    }
    if t.says(Sense::Hard)
        || t.quantities.contains(&Quantity::Reps)
        || (pace && !t.has_any(EASY_PACE))
    {
        return Some(Class::Hard);
    }
    if t.says(Sense::Strength) {
        return Some(Class::Strength);
    }
    // A cross-training word inside a phrase that names a run ("easy cross-country run")
    // does not make the session cross-training.
    if t.says(Sense::Cross) && !VOCAB.occurs(&t.words, Sense::Easy, |p| p.len() > 1) {
        return Some(Class::Cross);
    }
    if t.says(Sense::Easy) || t.distance_km().is_some() || t.minutes().is_some() {
        // A plain distance with no other word is a run; long when it is far.
        if t.distance_km().is_some_and(|km| km >= 25.0) || t.minutes().is_some_and(|m| m >= 120.0) {
            return Some(Class::Long);
        }
        return Some(Class::Easy);
    }
    None
}

/// Distances races are run over (km), for titles like "Riverside 10K".
const RACE_DISTANCES_KM: &[f64] = &[5.0, 8.0, 10.0, 12.0, 15.0, 16.09, 20.0, 25.0, 30.0];
/// From this far (km), a name and a distance alone are an ultra race, not a run.
const ULTRA_NAMED_KM: f64 = 42.0;
/// Distance marks that follow a number (unit words are in the vocabulary tables).
const UNITS: &[&str] = &["k", "km", "kms", "mi"];

/// A race distance after a name and nothing else ("Riverside 10K", "Bay to Breakers
/// 12K"): a name no table knows, capitalised as names are, and no word saying what kind
/// of session it is. "Easy 10K", "Sunday 10K" and "10K" alone are runs.
fn named_distance(t: &Text, raw: &str) -> bool {
    let [Quantity::Km(km)] = t.quantities.as_slice() else {
        return false;
    };
    // A standard race distance, or one past the marathon that no training run covers
    // ("Spartathlon 246 km", "UTMB 171 km").
    if !RACE_DISTANCES_KM.iter().any(|d| (d - km).abs() < 0.06) && *km < ULTRA_NAMED_KM {
        return false;
    }
    let words: Vec<&String> = t
        .words
        .iter()
        .filter(|w| {
            !w.chars().any(|c| c.is_ascii_digit())
                && !UNITS.contains(&w.as_str())
                && VOCAB.unit(w).is_none()
        })
        .collect();
    // Words of when, with whom or where ("Sunday", "von") say nothing of the kind;
    // phrases count as a whole ("Time trial 5 km").
    let says_what = words.iter().any(|w| {
        let senses = VOCAB.senses(std::slice::from_ref(*w));
        senses.any()
            && !senses.has(Sense::When)
            && !senses.has(Sense::Place)
            && !senses.has(Sense::Clock)
    }) || {
        let kept: Vec<String> = words.iter().map(|w| (*w).clone()).collect();
        let all = VOCAB.senses(&kept);
        [
            Sense::Hard,
            Sense::Long,
            Sense::Easy,
            Sense::Cross,
            Sense::Strength,
        ]
        .iter()
        .any(|s| all.has(*s))
    };
    let capitalised = capitalised_words(raw);
    let named = words
        .iter()
        .any(|w| !VOCAB.knows(w) && capitalised.contains(*w));
    !says_what && named
}

/// A race's distance: a multisport race by its kind; otherwise a number written in the
/// title wins over a distance word ("Marathon des Sables 250 km" is 250 km).
fn race_distance(t: &Text) -> Option<f64> {
    for (sense, km) in [
        (Sense::HalfIronman, HALF_IRON_KM),
        (Sense::Ironman, IRON_KM),
        (Sense::SprintTriathlon, SPRINT_TRI_KM),
        (Sense::OlympicTriathlon, OLYMPIC_TRI_KM),
        (Sense::Duathlon, OLYMPIC_TRI_KM),
    ] {
        if t.says(sense) {
            return Some(km);
        }
    }
    if let Some(km) = t.distance_km() {
        return Some(km);
    }
    if t.says(Sense::Half) {
        return Some(HALF_MARATHON_KM);
    }
    if t.says(Sense::Marathon) {
        return Some(MARATHON_KM);
    }
    if t.says(Sense::Ultra) {
        return Some(ULTRA_KM);
    }
    if t.has("parkrun") {
        return Some(5.0);
    }
    None
}

/// A priority only from an explicit marker: "(A)" or "[A]", "goal race", "tune-up", "training
/// race"… in any language. In a description, single-letter phrases ("a race") are not
/// read: there they are ordinary words.
fn priority_hint(t: &Text, in_title: bool) -> Option<Priority> {
    for (marks, p) in [
        (["(a)", "[a]"], Priority::A),
        (["(b)", "[b]"], Priority::B),
        (["(c)", "[c]"], Priority::C),
    ] {
        if marks.iter().any(|m| t.lower.contains(m)) {
            return Some(p);
        }
    }
    let marked = |sense| VOCAB.occurs(&t.words, sense, |p| in_title || !p.starts_with_letter());
    if marked(Sense::Goal) {
        Some(Priority::A)
    } else if marked(Sense::TuneUp) {
        Some(Priority::B)
    } else if marked(Sense::TrainingRace) || t.has("parkrun") {
        Some(Priority::C)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::add_days;
    use jiff::civil::date;

    fn check(title: &str, class: Class, km: Option<f64>) {
        let s = classify(&Entry::new(date(2027, 1, 4), title));
        assert_eq!(s.class, class, "class of {title:?}");
        match (km, s.distance_km) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                assert!((a - b).abs() < 0.01, "distance of {title:?}: {b} != {a}")
            }
            (a, b) => panic!("distance of {title:?}: {b:?} != {a:?}"),
        }
        assert!(!s.unclassified, "{title:?} should be understood");
    }

    #[test]
    fn titles_people_write_are_understood() {
        check("6x800 @ 5K", Class::Hard, None);
        check("Tempo 5 mi", Class::Hard, Some(5.0 * MILE_KM));
        check("Hill repeats", Class::Hard, None);
        check("LR 30 km", Class::Long, Some(30.0));
        check("Long run 18 mi", Class::Long, Some(18.0 * MILE_KM));
        check("MP miles", Class::Hard, None);
        check("Fartlek", Class::Hard, None);
        check("Threshold 3x10'", Class::Hard, None);
        check("Rest", Class::Rest, None);
        check("Day off", Class::Rest, None);
        check("Race: City 10K", Class::Race, Some(10.0));
        check("Half Marathon", Class::Race, Some(HALF_MARATHON_KM));
        check("50K trail race", Class::Race, Some(50.0));
        check("Spring Marathon", Class::Race, Some(MARATHON_KM));
        check("Parkrun PB attempt", Class::Race, Some(5.0));
        check("10K race", Class::Race, Some(10.0));
        check("Easy 8 km", Class::Easy, Some(8.0));
        check("Recovery run 40'", Class::Easy, None);
        check("Shakeout jog", Class::Easy, None);
        check("Bike 60 min", Class::Cross, None);
        check("Swim", Class::Cross, None);
        check("Yoga", Class::Cross, None);
        check("Gym: strength & core", Class::Strength, None);
        check(
            "14 mi with 8 @ marathon pace",
            Class::Long,
            Some(14.0 * MILE_KM),
        );
        check("Marathon pace 10 mi", Class::Hard, Some(10.0 * MILE_KM));
        check("Track: 12x400m", Class::Hard, None);
        check("VO2 max 5x1000m", Class::Hard, None);
        check("Intervals 5 x 1 mile", Class::Hard, Some(MILE_KM));
        check("Race day!", Class::Race, None);
        check("Rest or cross-train", Class::Rest, None);
    }

    #[test]
    fn reading_all_at_once_reads_each_entry_as_alone() {
        let mut entries = Vec::new();
        for (k, t) in [
            "Easy 8 km",
            "Intervals 6x800",
            "Easy 8 km",
            "City Marathon",
            "Rest",
        ]
        .iter()
        .enumerate()
        {
            let mut e = Entry::new(add_days(date(2027, 1, 4), k as i32), *t);
            e.start = Some(add_days(date(2027, 1, 4), k as i32).at(7, 0, 0, 0));
            e.duration_min = (k % 2 == 0).then_some(45.0);
            entries.push(e);
        }
        let one_by_one: Vec<Session> = entries.iter().map(classify).collect();
        assert_eq!(classify_all(&entries), one_by_one);
    }

    #[test]
    fn a_race_distance_after_a_name_is_a_race() {
        check("Riverside 10K", Class::Race, Some(10.0));
        check("Bay to Breakers 12K", Class::Race, Some(12.0));
        check("Dublin 10 mile", Class::Race, Some(16.09));
        check("Stadtlauf Köln 10 km", Class::Race, Some(10.0));
        // Runs, not races: a word says what kind, says when, or there is no name.
        check("Easy 10K", Class::Easy, Some(10.0));
        check("Sunday 10K", Class::Easy, Some(10.0));
        check("Morning 10K with the group", Class::Easy, Some(10.0));
        check("10K", Class::Easy, Some(10.0));
        check("riverside 10k", Class::Easy, Some(10.0));
        check("Tempo 10K", Class::Hard, Some(10.0));
        check("Riverside 11K", Class::Easy, Some(11.0));
        // Where or how a run is done says it is a run.
        check("Treadmill 5K", Class::Easy, Some(5.0));
        check("Trail 10K", Class::Easy, Some(10.0));
        check("Fasted 10K", Class::Easy, Some(10.0));
        check("Laufband 10 km", Class::Easy, Some(10.0));
        check("Esteira 5 km", Class::Easy, Some(5.0));
    }

    #[test]
    fn workouts_that_talk_about_races_are_workouts() {
        check("Race week: easy 5 km", Class::Easy, Some(5.0));
        check("3 x 3 km at race pace", Class::Hard, Some(3.0));
        check("Race simulation 16 km", Class::Hard, Some(16.0));
        check("Pre-race shakeout", Class::Easy, None);
        check("Race-day rehearsal 10 km", Class::Hard, Some(10.0));
        check("Half marathon pace 8 km", Class::Hard, Some(8.0));
        check("Marathon des Sables 250 km", Class::Race, Some(250.0));
        // A name and a distance no training run covers: the race itself.
        check("UTMB 171 km", Class::Race, Some(171.0));
        check("Spartathlon 246 km", Class::Race, Some(246.0));
        check("Lakeland 50 mi", Class::Race, Some(50.0 * MILE_KM));
        // A training word keeps it training, however far.
        check("Long run 50 km", Class::Long, Some(50.0));
        check("Trail 45 km", Class::Long, Some(45.0));
        check("Ultra trail du Mont-Blanc", Class::Race, Some(50.0));
        check("Comrades Marathon 90 km", Class::Race, Some(90.0));
        check(
            "Western States 100 mi race",
            Class::Race,
            Some(100.0 * MILE_KM),
        );
        check("Ironman 70.3 Zell am See", Class::Race, Some(MARATHON_KM));
        check("Ironman Frankfurt", Class::Race, Some(100.0));
        check("Sprint triathlon", Class::Race, Some(10.0));
        check("Olympic triathlon", Class::Race, Some(HALF_MARATHON_KM));
        check(
            "Semi-marathon de Paris",
            Class::Race,
            Some(HALF_MARATHON_KM),
        );
        check("Great North Half", Class::Race, Some(HALF_MARATHON_KM));
        check(
            "Brighton Half (pacing a friend)",
            Class::Race,
            Some(HALF_MARATHON_KM),
        );
        check("Spinning class", Class::Cross, None);
    }

    #[test]
    fn a_race_named_only_in_the_description_is_a_race() {
        let mut e = Entry::new(date(2027, 4, 25), "Sunday");
        e.description = "London Marathon. Start 10:00, pen 4.".into();
        let s = classify(&e);
        assert_eq!((s.class, s.distance_km), (Class::Race, Some(MARATHON_KM)));
        let mut e = Entry::new(date(2027, 4, 25), "Sunday");
        e.description = "Easy miles, race pace for the last two".into();
        assert_ne!(classify(&e).class, Class::Race);
    }

    #[test]
    fn priority_only_from_an_explicit_marker() {
        let p = |title: &str, desc: &str| {
            let mut e = Entry::new(date(2027, 4, 25), title);
            e.kind_hint = Some("race".into());
            e.description = desc.into();
            classify(&e).priority_hint
        };
        assert_eq!(
            p("City Half Marathon", "Bring a gel and a spare pin. Wave b"),
            None,
            "a stray letter is no marker"
        );
        assert_eq!(
            p(
                "City Half Marathon",
                "Travel by train, see the map in section a"
            ),
            None
        );
        assert_eq!(
            p("City Half Marathon", "This is my goal race"),
            Some(Priority::A)
        );
        assert_eq!(p("Spring 10K race (B)", ""), Some(Priority::B));
        assert_eq!(p("Hauptwettkampf: Berlin-Marathon", ""), Some(Priority::A));
        assert_eq!(p("Semi-marathon de préparation", ""), Some(Priority::B));
        assert_eq!(p("Carrera popular 10K", "por diversión"), Some(Priority::C));
        assert_eq!(p("Half marathon [B]", ""), Some(Priority::B));
        assert_eq!(p("Spring 10K [C]", ""), Some(Priority::C));
    }

    /// A German or Dutch word for a tune-up or goal race is a race by itself, with or
    /// without a distance word beside it.
    #[test]
    fn race_words_that_carry_their_priority_are_races() {
        for (title, priority) in [
            ("Vorbereitungswettkampf 10 km", Priority::B),
            ("Aufbauwettkampf", Priority::B),
            ("Trainingswettkampf 5 km", Priority::C),
            ("Zielwettkampf", Priority::A),
            ("Voorbereidingswedstrijd 10 km", Priority::B),
            ("Testwedstrijd", Priority::B),
            ("Trainingswedstrijd 5 km", Priority::C),
        ] {
            let s = classify(&Entry::new(date(2027, 1, 4), title));
            assert_eq!(
                (s.class, s.priority_hint),
                (Class::Race, Some(priority)),
                "{title}"
            );
        }
    }

    /// A race over several days is named as such in every language, and a training camp
    /// whose name holds a race word stays a camp.
    #[test]
    fn stage_races_and_camps_in_every_language() {
        for title in [
            "Transalpine stage race",
            "Trail en étapes 3 jours",
            "Course par étapes",
            "Etappenlauf TransAlpine",
            "Carrera por etapas",
            "Corsa a tappe",
            "Gara a tappe in Dolomiti",
            "Meerdaagse etappeloop",
            "Corrida por etapas",
        ] {
            check(title, Class::Race, None);
        }
        check("Stage de course en montagne", Class::Long, None);
        check("Treino de rampas", Class::Hard, None);
    }

    /// Cross-country races, relays and the names races go by in each language are races;
    /// cross-training and cross-country skiing stay cross-training.
    #[test]
    fn cross_country_relays_and_race_names_in_every_language() {
        for title in [
            "Cross country",
            "County cross-country championships",
            "XC race",
            "Relay",
            "Ekiden",
            "Turkey Trot",
            "Obstacle race",
            "Road race",
            "Crosslauf",
            "Silvesterlauf",
            "Firmenlauf",
            "Staffellauf",
            "Hindernislauf",
            "Cross de Lille",
            "Cross du Figaro",
            "Corrida de Noël",
            "Relais",
            "Cross de Itálica",
            "Campo a través",
            "San Silvestre Vallecana",
            "Corsa campestre",
            "Cross di Cinque Mulini",
            "Corsa in montagna",
            "Maratonina",
            "Stracittadina",
            "Staffetta",
            "Veldloop",
            "Crossloop",
            "Estafette",
            "Corta-mato",
            "Corrida de São Silvestre",
            "Estafeta",
        ] {
            check(title, Class::Race, None);
        }
        check("Cross-train", Class::Cross, None);
        check("Cross country ski", Class::Cross, None);
        check("Cross-country skiing 2 h", Class::Cross, None);
        check("Corrida leve 40 min", Class::Easy, None);
        check("Corrida de recuperação 30 min", Class::Easy, None);
        check("Cross de 45 min", Class::Cross, None);
    }

    /// Decimals written with a comma, as most of Europe writes them, and thousands
    /// separators in metres ("10,000 m", "10.000 metros").
    #[test]
    fn decimal_commas_and_thousands_in_metres() {
        check("Semi-marathon de Lyon 21,1 km", Class::Race, Some(21.1));
        check("Maratón de Sevilla 42,195 km", Class::Race, Some(42.195));
        check("Dauerlauf 12,5 km", Class::Easy, Some(12.5));
        check("Tempo 2 x 3,5 km", Class::Hard, Some(3.5));
        check("10,000 m race", Class::Race, Some(10.0));
        check("Corrida 10.000 metros", Class::Easy, Some(10.0));
        check("Bahn 5.000 Meter", Class::Hard, Some(5.0));
        check("Easy 8 km, strides", Class::Easy, Some(8.0));
        check("Intervals 6x800, 4x400", Class::Hard, None);
        check("Easy run 5,10 km", Class::Easy, Some(5.1));
    }

    /// Titles as apps and runners write them: emoji, capitals, fractions, abbreviations,
    /// hours written "1h45".
    #[test]
    fn titles_as_apps_write_them() {
        let cases: &[(&str, Class, Option<f64>)] = &[
            ("🏃 Easy 5k", Class::Easy, Some(5.0)),
            ("🏁 Race: Berlin Marathon", Class::Race, Some(MARATHON_KM)),
            ("LONG RUN 20 MILES", Class::Long, Some(20.0 * MILE_KM)),
            ("1/2 marathon", Class::Race, Some(HALF_MARATHON_KM)),
            ("½ Marathon Hamburg", Class::Race, Some(HALF_MARATHON_KM)),
            ("Half-Marathon", Class::Race, Some(HALF_MARATHON_KM)),
            ("5K Parkrun", Class::Race, Some(5.0)),
            ("Threshold intervals 4x8min", Class::Hard, None),
            ("Progression run 10 km", Class::Hard, Some(10.0)),
            ("Marathon Training Week 3: Long Run", Class::Long, None),
            ("Recovery", Class::Easy, None),
            ("Cross training 45'", Class::Cross, None),
            ("Rest day / optional yoga", Class::Rest, None),
            ("Hill sprints 8x10s", Class::Hard, None),
            ("Fartlek 30'", Class::Hard, None),
            ("Norwegian 4x4", Class::Hard, None),
            ("Yasso 800s", Class::Hard, None),
            ("Strides", Class::Easy, None),
            ("MLR 15 mi", Class::Long, Some(15.0 * MILE_KM)),
            ("LT2 3x10'", Class::Hard, None),
            ("Time trial 5 km", Class::Hard, Some(5.0)),
            ("5 km time trial", Class::Hard, Some(5.0)),
            ("Virtual race 10K", Class::Race, Some(10.0)),
            ("Berlin Marathon (A)", Class::Race, Some(MARATHON_KM)),
            ("Ultra Trail du Mont-Blanc", Class::Race, Some(50.0)),
            ("Long run w/ 10 mi @ MP", Class::Long, None),
            ("Sortie longue 1h45", Class::Long, None),
            ("Footing 1h", Class::Easy, None),
            ("Tirada larga 1h30", Class::Long, None),
            ("Lungo 1h50'", Class::Long, None),
            ("Duurloop 1u30", Class::Easy, None),
        ];
        let mut bad = Vec::new();
        for (t, c, km) in cases {
            let s = classify(&Entry::new(date(2027, 1, 4), *t));
            let km_ok = match (km, s.distance_km) {
                (None, _) => true,
                (Some(a), Some(b)) => (a - b).abs() < 0.01,
                _ => false,
            };
            if s.class != *c || !km_ok || s.unclassified {
                bad.push(format!(
                    "{t:?}: {:?} {:?} {:?} unclassified={}",
                    s.class, s.distance_km, s.duration_min, s.unclassified
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// A pace ("4:30 min/km", "5,30 min/km", "7:45/mi") is not the session's length.
    #[test]
    fn paces_are_not_lengths() {
        for (title, km) in [
            ("Tempo 8 km @ 4:30 min/km", Some(8.0)),
            ("Easy 10 km (5,30 min/km)", Some(10.0)),
            ("Dauerlauf 12 km in 5:45 min/km", Some(12.0)),
            ("Steady 6 mi at 8:30 min/mi", Some(6.0 * MILE_KM)),
        ] {
            let s = classify(&Entry::new(date(2027, 1, 4), title));
            assert_eq!(s.duration_min, None, "{title:?}");
            assert!(
                s.distance_km
                    .is_some_and(|d| (d - km.unwrap()).abs() < 0.01),
                "{title:?}: {:?}",
                s.distance_km
            );
        }
    }

    /// Clock times are not lengths: "2:30 h" is two and a half hours, "18h30" and
    /// "19.30 uur" are times of day, and training runs named with "de" and a word are not
    /// races unless the word is a name.
    #[test]
    fn clock_times_and_training_phrases() {
        for (title, minutes) in [
            ("Langer Lauf 2:30 h", Some(150.0)),
            ("Dauerlauf 1:15 Std", Some(75.0)),
            ("Sortie longue 1h45", Some(105.0)),
            ("Footing 18h30", None),
            ("Footing 18h", None),
            ("Duurloop 10 km om 19.30 uur", None),
            ("Rodaje a las 19 horas", None),
            ("Easy run at 6 pm", None),
            ("Tempo 45:00 min", Some(45.0)),
        ] {
            let s = classify(&Entry::new(date(2027, 1, 4), title));
            assert_eq!(s.duration_min, minutes, "{title:?}");
        }
        for (title, class) in [
            ("Corrida de aquecimento", Class::Easy),
            ("Corrida de velocidade", Class::Easy),
            ("Corrida de soltura", Class::Easy),
            ("Cross-country MTB 1h30", Class::Cross),
            ("Cross country walk", Class::Cross),
        ] {
            let s = classify(&Entry::new(date(2027, 1, 4), title));
            assert_eq!(s.class, class, "{title:?}");
        }
        check("Easy cross-country run 40 min", Class::Easy, None);
        check("Bike 60 min", Class::Cross, None);
        check("Corrida de São Silvestre", Class::Race, None);
        check("Cross de Lille", Class::Race, None);
        check("County cross-country championships", Class::Race, None);
    }

    /// Multisport sizes in the word orders and languages they are written in: a sprint
    /// is recovered from like a 10 km race, a middle distance like a marathon.
    #[test]
    fn multisport_sizes_in_every_language() {
        for title in [
            "Triathlon sprint",
            "Sprint duathlon",
            "Duathlon sprint de Paris",
            "Triatlón sprint Madrid",
            "Triathlon Sprintdistanz",
            "Triatlo sprint de Lisboa",
            "Sprint triatlon Almere",
            "Triathlon S de Deauville",
        ] {
            check(title, Class::Race, Some(SPRINT_TRI_KM));
        }
        for title in [
            "Triathlon Half Distance",
            "Middle distance triathlon",
            "Triathlon Mitteldistanz",
            "Triatlón media distancia",
            "Triathlon moyenne distance",
            "Halve triatlon Almere",
            "Triathlon medio distanza",
            "Meio Ironman Cascais",
        ] {
            check(title, Class::Race, Some(HALF_IRON_KM));
        }
        check("Triathlon longue distance", Class::Race, Some(IRON_KM));
        check("Triatlón larga distancia", Class::Race, Some(IRON_KM));
        check("Hele triatlon", Class::Race, Some(IRON_KM));
        check(
            "Triathlon distance olympique",
            Class::Race,
            Some(OLYMPIC_TRI_KM),
        );
        check("Hill sprints 8x10s", Class::Hard, None);
    }

    /// A race's name may give its length before the place ("Corrida de 10 km de São
    /// João"), and French, Spanish, Portuguese and Italian trail races are named "Trail
    /// des Templiers"; the same words with no name after them are training.
    #[test]
    fn race_names_with_a_length_or_a_trail_before_the_place() {
        check("Corrida de 10 km de São João", Class::Race, Some(10.0));
        check("Corrida 15K do Porto", Class::Race, Some(15.0));
        check("Cross 8 km de Lille", Class::Race, Some(8.0));
        check("Trail des Templiers 78 km", Class::Race, Some(78.0));
        check("Trail du Ventoux", Class::Race, None);
        check("Trail de Montanha da Serra", Class::Race, None);
        check("Trail del Motty 42 km", Class::Race, Some(42.0));
        check("Corrida de 10 km de recuperação", Class::Easy, Some(10.0));
        check("Corrida leve 40 min da manhã", Class::Easy, None);
        check("Trail 2h du dimanche", Class::Long, None);
    }

    /// Miles and hours are read in the words each language writes them with.
    #[test]
    fn units_in_every_language() {
        check("10 Meilen von Berlin", Class::Race, Some(10.0 * MILE_KM));
        check("Dauerlauf 2 Std", Class::Long, None);
        check("Sortie longue 2 heures", Class::Long, None);
        check("Rodaje 10 millas", Class::Easy, Some(10.0 * MILE_KM));
        check("Lungo 3 ore", Class::Long, None);
        check("Duurloop 6 mijl", Class::Easy, Some(6.0 * MILE_KM));
        check("Rodagem 5 milhas", Class::Easy, Some(5.0 * MILE_KM));
        for (title, minutes) in [
            ("Dauerlauf 2 Std", 120.0),
            ("Lockerer Lauf 1 Stunde", 60.0),
            ("Footing 1 heure", 60.0),
            ("Rodaje 2 horas", 120.0),
            ("Lungo 3 ore", 180.0),
            ("Duurloop 2 uur", 120.0),
            ("Longão 2 horas", 120.0),
            ("Dauerlauf 45 Minuten", 45.0),
        ] {
            let s = classify(&Entry::new(date(2027, 1, 4), title));
            assert_eq!(s.duration_min, Some(minutes), "{title:?}");
        }
    }

    /// A short name of the half marathon followed by where it is run is the race.
    #[test]
    fn a_short_half_with_its_place_is_a_race() {
        check("Semi de Boulogne", Class::Race, Some(HALF_MARATHON_KM));
        check("Mezza di Roma", Class::Race, Some(HALF_MARATHON_KM));
        check("Halve van Egmond", Class::Race, Some(HALF_MARATHON_KM));
        check("Allure semi 3x5 km", Class::Hard, None);
        check("Half of the long run at pace", Class::Long, None);
    }

    /// One table per language: the everyday words of plans written in it.
    #[test]
    fn titles_in_german() {
        check("Ruhetag", Class::Rest, None);
        check("Lockerer Dauerlauf 8 km", Class::Easy, Some(8.0));
        check("Tempodauerlauf 10 km", Class::Hard, Some(10.0));
        check("Intervalle 6x1000 m", Class::Hard, None);
        check("Langer Lauf 28 km", Class::Long, Some(28.0));
        check("Bergläufe", Class::Hard, None);
        check("Krafttraining", Class::Strength, None);
        check("Halbmarathon Köln", Class::Race, Some(HALF_MARATHON_KM));
        check("Berlin-Marathon", Class::Race, Some(MARATHON_KM));
        check("Wettkampftempo 3x5 km", Class::Hard, None);
    }

    #[test]
    fn titles_in_french() {
        check("Repos", Class::Rest, None);
        check("Footing 45 min", Class::Easy, None);
        check("Fractionné 10x400", Class::Hard, None);
        check("Sortie longue 25 km", Class::Long, Some(25.0));
        check("Seuil 3x10'", Class::Hard, None);
        check("Course de côtes", Class::Hard, None);
        check("Renforcement musculaire", Class::Strength, None);
        check("Semi-marathon de Lyon", Class::Race, Some(HALF_MARATHON_KM));
        check("Marathon de Paris", Class::Race, Some(MARATHON_KM));
        check("Allure course 3x2 km", Class::Hard, None);
    }

    #[test]
    fn titles_in_spanish() {
        check("Descanso", Class::Rest, None);
        check("Rodaje suave 8 km", Class::Easy, Some(8.0));
        check("Series 8x400", Class::Hard, None);
        check("Tirada larga 22 km", Class::Long, Some(22.0));
        check("Umbral 3x10'", Class::Hard, None);
        check("Cuestas", Class::Hard, None);
        check("Fuerza en gimnasio", Class::Strength, None);
        check(
            "Media maratón de Valencia",
            Class::Race,
            Some(HALF_MARATHON_KM),
        );
        check("Maratón de Sevilla", Class::Race, Some(MARATHON_KM));
        check("Carrera continua 40 min", Class::Easy, None);
    }

    #[test]
    fn titles_in_italian() {
        check("Riposo", Class::Rest, None);
        check("Corsa lenta 10 km", Class::Easy, Some(10.0));
        check("Ripetute 10x400", Class::Hard, None);
        check("Lungo 28 km", Class::Long, Some(28.0));
        check("Soglia 2x15'", Class::Hard, None);
        check("Salite", Class::Hard, None);
        check("Palestra: forza", Class::Strength, None);
        check(
            "Mezza maratona di Roma",
            Class::Race,
            Some(HALF_MARATHON_KM),
        );
        check("Maratona di Milano", Class::Race, Some(MARATHON_KM));
        check("Ritmo gara 3x3 km", Class::Hard, None);
    }

    #[test]
    fn titles_in_dutch() {
        check("Rustdag", Class::Rest, None);
        check("Rustige duurloop 10 km", Class::Easy, Some(10.0));
        check("Intervallen 6x800", Class::Hard, None);
        check("Lange duurloop 26 km", Class::Long, Some(26.0));
        check("Drempeltraining", Class::Hard, None);
        check("Heuveltraining", Class::Hard, None);
        check("Krachttraining", Class::Strength, None);
        check("Halve marathon Egmond", Class::Race, Some(HALF_MARATHON_KM));
        check("Marathon Rotterdam", Class::Race, Some(MARATHON_KM));
        check("Wedstrijdtempo 4x2 km", Class::Hard, None);
    }

    #[test]
    fn titles_in_portuguese() {
        check("Descanso", Class::Rest, None);
        check("Rodagem leve 8 km", Class::Easy, Some(8.0));
        check("Intervalado 10x400", Class::Hard, None);
        check("Longão 30 km", Class::Long, Some(30.0));
        check("Limiar 3x10'", Class::Hard, None);
        check("Subidas", Class::Hard, None);
        check("Musculação", Class::Strength, None);
        check(
            "Meia maratona do Porto",
            Class::Race,
            Some(HALF_MARATHON_KM),
        );
        check("Maratona de Lisboa", Class::Race, Some(MARATHON_KM));
        check("Ritmo de prova 3x3 km", Class::Hard, None);
    }

    #[test]
    fn abbreviations_coaches_use() {
        check("LSR 20 mi", Class::Long, Some(20.0 * MILE_KM));
        check("MLR 12 mi", Class::Long, Some(12.0 * MILE_KM));
        check("LT2 3x8'", Class::Hard, None);
        check("Z2 run 50'", Class::Easy, None);
        check("Yasso 800s", Class::Hard, None);
        check("Easy + strides", Class::Easy, None);
        check("Norwegian 4x4", Class::Hard, None);
        check("MP 10 km", Class::Hard, Some(10.0));
        check("HMP 3x3 km", Class::Hard, None);
    }

    #[test]
    fn lengths_from_the_lines_apps_write() {
        let with = |title: &str, desc: &str| {
            let mut e = Entry::new(date(2027, 1, 4), title);
            e.description = desc.into();
            classify(&e)
        };
        let s = with(
            "Steady run",
            "Planned Time: 1:45:00\nPlanned Distance: 19.3 km\nNotes: keep it conversational",
        );
        assert_eq!((s.duration_min, s.distance_km), (Some(105.0), Some(19.3)));
        let s = with(
            "Run",
            "Planned Time: 1:00:00\nActual Time: 58:12\nActual Distance: 10.4 km",
        );
        assert_eq!(
            s.duration_min.map(|m| (m * 10.0).round() / 10.0),
            Some(58.2)
        );
        assert_eq!(s.distance_km, Some(10.4));
        let s = with("Easy", "Estimated Duration: 45 min");
        assert_eq!(s.duration_min, Some(45.0));
        let s = with("Long run 2h", "Planned Distance: 13.1 mi");
        assert!((s.distance_km.unwrap() - 13.1 * MILE_KM).abs() < 0.01);
    }

    #[test]
    fn minutes_written_both_ways() {
        let s = classify(&Entry::new(date(2027, 1, 4), "Easy 40'"));
        assert_eq!(s.duration_min, Some(40.0));
        let s = classify(&Entry::new(date(2027, 1, 4), "Easy run 45 min"));
        assert_eq!(s.duration_min, Some(45.0));
        let s = classify(&Entry::new(date(2027, 1, 4), "Threshold 3x10'"));
        assert_eq!(s.duration_min, None, "reps are not the session's length");
    }

    #[test]
    fn race_priority_from_the_text() {
        let p = |t: &str| classify(&Entry::new(date(2027, 1, 4), t)).priority_hint;
        assert_eq!(p("Spring Marathon - goal race"), Some(Priority::A));
        assert_eq!(p("City 10K (A race)"), Some(Priority::A));
        assert_eq!(p("Tune-up half marathon"), Some(Priority::B));
        assert_eq!(p("Parkrun"), Some(Priority::C));
        assert_eq!(p("Half Marathon"), None);
    }

    #[test]
    fn unknown_titles_count_as_easy_and_say_so() {
        let s = classify(&Entry::new(date(2027, 1, 4), "Coach call"));
        assert_eq!(s.class, Class::Easy);
        assert!(s.unclassified);
    }

    #[test]
    fn the_description_can_classify_a_vague_title() {
        let mut e = Entry::new(date(2027, 1, 4), "Tuesday session");
        e.description = "Warm up, then 5x1k at threshold".into();
        assert_eq!(classify(&e).class, Class::Hard);
    }

    /// A long run's time is read when reps follow it; a warm-up's and the reps' are not.
    #[test]
    fn a_long_runs_time_before_its_reps_is_its_length() {
        let minutes = |t: &str| classify(&Entry::new(date(2027, 1, 4), t)).duration_min;
        assert_eq!(
            minutes("Sortie longue 1h45 avec 3x10' allure semi"),
            Some(105.0)
        );
        assert_eq!(minutes("Long run 2h with 3x10 min at MP"), Some(120.0));
        assert_eq!(minutes("20' warm-up, 3x10' threshold"), None);
        assert_eq!(minutes("3x10' threshold"), None);
        assert_eq!(minutes("Easy 45'"), Some(45.0));
    }

    /// A title that says only "Run" leaves the kind of run to its description.
    #[test]
    fn a_title_that_says_only_run_reads_the_description() {
        for (title, desc, class) in [
            ("Run", "Long run, keep HR under 145", Class::Long),
            ("Lauf", "Intervalle 6x1000 m", Class::Hard),
            ("Course à pied", "Sortie longue 2h", Class::Long),
            ("Run", "Nice and relaxed", Class::Easy),
            ("Easy run", "Next week: long run 30 km", Class::Easy),
            ("Run 8 km", "Long run next week", Class::Easy),
        ] {
            let mut e = Entry::new(date(2027, 1, 4), title);
            e.description = desc.into();
            let s = classify(&e);
            assert_eq!(s.class, class, "{title} | {desc}");
            assert!(!s.unclassified, "{title} | {desc}");
        }
    }

    #[test]
    fn an_explicit_kind_wins() {
        let mut e = Entry::new(date(2027, 1, 4), "Saturday");
        e.kind_hint = Some("long".into());
        assert_eq!(classify(&e).class, Class::Long);
    }
}
