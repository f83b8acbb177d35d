//! Reading training titles as people write them: "6x800 @ 5K", "LR 30 km", "Race: City 10K".
//!
//! The classifier looks at words, not exact phrases: a small tokenizer turns the title
//! (and description) into lowercase words and number+unit pairs, then a fixed order of
//! tests decides the class. Order matters: "rest" beats everything, a race beats a
//! "marathon pace" workout only when the words do not talk about pace.

use crate::entry::Entry;
use crate::session::{Class, HALF_MARATHON_KM, MARATHON_KM, MILE_KM, Priority, Session};

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
    quantities: Vec<Quantity>,
}

fn tokenize(s: &str) -> Text {
    let lower = s.to_lowercase();
    let mut words = Vec::new();
    for w in lower.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.')) {
        let w = w.trim_matches(|c: char| c == '.' || c == '\'');
        if !w.is_empty() {
            words.push(w.to_string());
        }
    }
    Text {
        words,
        quantities: quantities(&lower),
    }
}

/// Scans for numbers and what follows them.
fn quantities(s: &str) -> Vec<Quantity> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A number glued to letters before it ("vo2", "z2") is not a quantity.
        let glued = i > 0 && chars[i - 1].is_alphabetic();
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let num: String = chars[start..i].iter().collect();
        let Ok(value) = num.trim_end_matches('.').parse::<f64>() else {
            continue;
        };
        if glued {
            continue;
        }
        // Look behind for "@" (a pace: "@ 5K").
        let mut b = start;
        while b > 0 && chars[b - 1] == ' ' {
            b -= 1;
        }
        let after_at = b > 0 && chars[b - 1] == '@';
        // Look ahead past spaces for the unit.
        let mut j = i;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let unit_start = j;
        while j < chars.len()
            && (chars[j].is_alphabetic() || chars[j] == '\'' || chars[j] == '"' || chars[j] == '’')
        {
            j += 1;
        }
        let unit: String = chars[unit_start..j].iter().collect();
        if unit == "x" || unit == "×" {
            out.push(Quantity::Reps);
            i = j;
            continue;
        }
        let q = match unit.as_str() {
            "k" | "km" | "kms" | "kilometers" | "kilometres" => Some(Quantity::Km(value)),
            "mi" | "mile" | "miles" => Some(Quantity::Km(value * MILE_KM)),
            "m" | "meters" | "metres" => Some(Quantity::Km(value / 1000.0)),
            "'" | "’" | "min" | "mins" | "minute" | "minutes" => Some(Quantity::Minutes(value)),
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(Quantity::Minutes(value * 60.0)),
            _ => None,
        };
        if let Some(q) = q {
            // "5K pace", "@ 10K", "10k effort": a pace, not a distance.
            let rest: String = chars[j..].iter().take(12).collect();
            let rest = rest.trim_start();
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
        if unit.is_empty() && j < chars.len() && (chars[j] == 'x' || chars[j] == '×') {
            out.push(Quantity::Reps);
        }
        i = j.max(i);
    }
    out
}

impl Text {
    fn has(&self, w: &str) -> bool {
        self.words.iter().any(|x| x == w)
    }
    fn has_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.has(w))
    }
    fn has_prefix(&self, p: &str) -> bool {
        self.words.iter().any(|x| x.starts_with(p))
    }
    /// Two words one after the other.
    fn has_pair(&self, a: &str, b: &str) -> bool {
        self.words.windows(2).any(|w| w[0] == a && w[1] == b)
    }
    fn distance_km(&self) -> Option<f64> {
        self.quantities.iter().find_map(|q| match q {
            Quantity::Km(km) => Some(*km),
            _ => None,
        })
    }
    fn minutes(&self) -> Option<f64> {
        // Reps of minutes ("3x10'") are not the session's length.
        if self.quantities.contains(&Quantity::Reps) {
            return None;
        }
        self.quantities.iter().find_map(|q| match q {
            Quantity::Minutes(m) => Some(*m),
            _ => None,
        })
    }
}

const REST_WORDS: &[&str] = &["rest", "off", "nothing", "recover"];
const HARD_WORDS: &[&str] = &[
    "interval",
    "intervals",
    "repeats",
    "repeat",
    "reps",
    "tempo",
    "threshold",
    "lt",
    "hill",
    "hills",
    "fartlek",
    "speed",
    "speedwork",
    "track",
    "vo2",
    "vo2max",
    "mp",
    "hmp",
    "tmp",
    "progression",
    "cruise",
    "quality",
    "workout",
    "pyramid",
    "ladder",
    "yasso",
    "yassos",
    "sprints",
    "sprint",
    "anaerobic",
    "lactate",
    "tt",
    "cv",
    "critical",
    "sweetspot",
];
const EASY_WORDS: &[&str] = &[
    "easy", "recovery", "shakeout", "shake", "jog", "base", "aerobic", "steady", "run", "running",
    "strides", "general", "gentle", "z2", "zone", "trot", "miles", "km", "mi",
];
const CROSS_WORDS: &[&str] = &[
    "bike",
    "biking",
    "cycle",
    "cycling",
    "ride",
    "spin",
    "swim",
    "swimming",
    "elliptical",
    "yoga",
    "pilates",
    "row",
    "rowing",
    "xt",
    "cross",
    "crosstrain",
    "cross-train",
    "hike",
    "hiking",
    "ski",
    "skiing",
    "aqua",
    "pool",
    "walk",
    "walking",
    "mobility",
    "stretch",
    "stretching",
    "paddle",
];
const STRENGTH_WORDS: &[&str] = &[
    "gym",
    "strength",
    "core",
    "weights",
    "lifting",
    "lift",
    "plyo",
    "plyometrics",
    "s&c",
    "circuit",
    "circuits",
    "conditioning",
    "kettlebell",
];

/// Understands one calendar entry.
pub fn classify(entry: &Entry) -> Session {
    let title = tokenize(&entry.title);
    let desc = tokenize(&entry.description);
    let explicit = entry.kind_hint.as_deref().and_then(Class::parse);
    let (class, unclassified) = match explicit {
        Some(c) => (c, false),
        None => match class_of(&title, &entry.title) {
            Some(c) => (c, false),
            // The title said nothing; the description may ("Coach's notes: 5x1k at 10K").
            None => match class_of(&desc, &entry.description) {
                Some(Class::Race) | None => (Class::Easy, true),
                Some(c) => (c, false),
            },
        },
    };
    let mut distance_km = entry.distance_km.or_else(|| title.distance_km());
    if class == Class::Race {
        distance_km = entry
            .distance_km
            .or_else(|| race_distance(&title))
            .or_else(|| race_distance(&desc));
    }
    let duration_min = entry.duration_min.or_else(|| title.minutes());
    let priority_hint = if class == Class::Race {
        priority_hint(&title).or_else(|| priority_hint(&desc))
    } else {
        None
    };
    let hills =
        title.has_any(&["hill", "hills", "hilly", "uphill"]) || desc.has_any(&["hill", "hills"]);
    Session {
        date: entry.date,
        start: entry.start,
        title: entry.title.clone(),
        class,
        distance_km,
        duration_min,
        unclassified,
        hills,
        priority_hint,
        load: None,
        origin: entry.origin.clone(),
    }
}

fn talks_about_pace(t: &Text) -> bool {
    t.has("pace")
        || t.has("mp")
        || t.has("hmp")
        || t.quantities.contains(&Quantity::Pace)
        || t.has("effort")
        || t.has("simulation")
        || t.has("rehearsal")
        || t.has("practice")
}

fn class_of(t: &Text, raw: &str) -> Option<Class> {
    if t.words.is_empty() {
        return None;
    }
    let rest_phrase = t.has_pair("day", "off")
        || t.has_pair("off", "day")
        || t.has_pair("rest", "day")
        || t.has_pair("no", "running")
        || t.words == ["off"]
        || t.words == ["rest"];
    let active =
        t.has_any(HARD_WORDS) || t.has_any(&["long", "lr", "race"]) || t.distance_km().is_some();
    if (rest_phrase
        || (t.has_any(REST_WORDS) && !active && !t.has_pair("recovery", "run") && !t.has("jog")))
        && !(t.has("recovery") && t.has_any(&["run", "jog"]))
    {
        return Some(Class::Rest);
    }
    let lower = raw.to_lowercase();
    let pace = talks_about_pace(t);
    let race_word = (t.has("race") && !t.has_pair("race", "pace") && !lower.contains("race-pace"))
        || lower.contains("race:")
        || t.has("parkrun")
        || t.has("raceday")
        || t.has_pair("race", "day");
    let event_word = (t.has("marathon")
        || t.has("halfmarathon")
        || t.has("ultramarathon")
        || t.has("ultra")
        || t.has("triathlon")
        || t.has("duathlon"))
        && !pace
        && !t.has_any(&["long", "lr", "training", "specific", "miles"]);
    if race_word || event_word {
        return Some(Class::Race);
    }
    if t.has("long") || t.has("lr") || t.has("lsd") {
        return Some(Class::Long);
    }
    // "14 mi with 8 @ marathon pace": far enough to be the week's long run.
    if pace && t.distance_km().is_some_and(|km| km >= 20.0) {
        return Some(Class::Long);
    }
    if t.has_any(HARD_WORDS)
        || t.quantities.contains(&Quantity::Reps)
        || t.has_prefix("interval")
        || (pace && !t.has("easy"))
    {
        return Some(Class::Hard);
    }
    if t.has_any(STRENGTH_WORDS) {
        return Some(Class::Strength);
    }
    if t.has_any(CROSS_WORDS) {
        return Some(Class::Cross);
    }
    if t.has_any(EASY_WORDS) || t.distance_km().is_some() || t.minutes().is_some() {
        // A plain distance with no other word is a run; long when it is far.
        if t.distance_km().is_some_and(|km| km >= 25.0) || t.minutes().is_some_and(|m| m >= 120.0) {
            return Some(Class::Long);
        }
        return Some(Class::Easy);
    }
    None
}

fn race_distance(t: &Text) -> Option<f64> {
    if t.has("halfmarathon") || t.has_pair("half", "marathon") || t.has("half") {
        return Some(HALF_MARATHON_KM);
    }
    if t.has("marathon") && !t.has("ultramarathon") {
        return Some(MARATHON_KM);
    }
    if t.has("parkrun") {
        return Some(5.0);
    }
    t.distance_km()
}

fn priority_hint(t: &Text) -> Option<Priority> {
    let w = |a, b| t.has_pair(a, b);
    if w("a", "race") || w("goal", "race") || t.has("goal") || w("priority", "a") || t.has("(a)") {
        return Some(Priority::A);
    }
    if w("b", "race")
        || w("tune", "up")
        || t.has("tuneup")
        || t.has("tune-up")
        || w("priority", "b")
    {
        return Some(Priority::B);
    }
    if w("c", "race") || w("training", "race") || w("priority", "c") || t.has("parkrun") {
        return Some(Priority::C);
    }
    // "(A)" survives tokenizing as the lone word "a" at the end of the title.
    match t.words.last().map(String::as_str) {
        Some("a") if t.words.len() > 1 => Some(Priority::A),
        Some("b") if t.words.len() > 1 => Some(Priority::B),
        Some("c") if t.words.len() > 1 => Some(Priority::C),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn an_explicit_kind_wins() {
        let mut e = Entry::new(date(2027, 1, 4), "Saturday");
        e.kind_hint = Some("long".into());
        assert_eq!(classify(&e).class, Class::Long);
    }
}
