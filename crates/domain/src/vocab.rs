//! The words runners and coaches write, by language, as data: one TOML table per language
//! in `vocab/` (compiled in), read once. The classifier asks which kinds of word a title
//! holds, whatever the language it is written in.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::sync::LazyLock;

use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/vocab_tables.rs"));

/// A word or a phrase; the last word may be a prefix ("interval*").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Phrase {
    words: Vec<String>,
    prefix: bool,
}

impl Phrase {
    fn new(text: &str) -> Option<Phrase> {
        let prefix = text.trim().ends_with('*');
        let words = words_of(text.trim().trim_end_matches('*'));
        (!words.is_empty()).then_some(Phrase { words, prefix })
    }

    /// True when the phrase occurs in `words`, in order (the plain scan the index is
    /// tested against).
    #[cfg(test)]
    pub(crate) fn occurs_in(&self, words: &[String]) -> bool {
        let n = self.words.len();
        if words.len() < n {
            return false;
        }
        words.windows(n).any(|w| {
            w.iter()
                .zip(&self.words)
                .enumerate()
                .all(|(i, (got, want))| {
                    if self.prefix && i == n - 1 {
                        got.starts_with(want.as_str())
                    } else {
                        got == want
                    }
                })
        })
    }

    /// True when the phrase occurs in `words` starting at word `i`.
    fn occurs_at(&self, words: &[String], i: usize) -> bool {
        let n = self.words.len();
        words.get(i..i + n).is_some_and(|w| {
            w.iter()
                .zip(&self.words)
                .enumerate()
                .all(|(k, (got, want))| {
                    if self.prefix && k == n - 1 {
                        got.starts_with(want.as_str())
                    } else {
                        got == want
                    }
                })
        })
    }

    /// The phrase's words.
    pub(crate) fn words(&self) -> &[String] {
        &self.words
    }

    /// Words in the phrase.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// A full name rather than a short form: two words or more, or one long compound
    /// ("halbmarathon"), not "half" or "hm" alone.
    pub(crate) fn is_full_name(&self) -> bool {
        self.words.len() > 1 || self.words.first().is_some_and(|w| w.chars().count() >= 8)
    }

    /// Single-letter phrases such as "a race" are read only in titles.
    pub(crate) fn starts_with_letter(&self) -> bool {
        self.words.first().is_some_and(|w| w.chars().count() == 1)
    }
}

/// The words of a text as the classifier reads them: lower case, split at anything but
/// letters, digits, apostrophes and inner dots ("70.3", "26.2").
pub(crate) fn words_of(s: &str) -> Vec<String> {
    words_of_lower(&s.to_lowercase())
}

/// [`words_of`] for text already in lower case.
pub(crate) fn words_of_lower(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.'))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// One language's table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Table {
    pub rest: Vec<String>,
    pub hard: Vec<String>,
    pub long: Vec<String>,
    pub easy: Vec<String>,
    pub cross: Vec<String>,
    pub strength: Vec<String>,
    pub race: Vec<String>,
    pub race_talk: Vec<String>,
    pub pace: Vec<String>,
    pub half: Vec<String>,
    pub marathon: Vec<String>,
    pub ultra: Vec<String>,
    pub sprint_triathlon: Vec<String>,
    pub olympic_triathlon: Vec<String>,
    pub half_ironman: Vec<String>,
    pub ironman: Vec<String>,
    pub duathlon: Vec<String>,
    pub goal: Vec<String>,
    pub tune_up: Vec<String>,
    pub training_race: Vec<String>,
    /// Words that say when or with whom, not what ("morning", "sunday", "group").
    pub when: Vec<String>,
    /// A training camp: days of heavy training away from home.
    pub camp: Vec<String>,
    /// Words that join a race's short name to where it is run ("Semi de Boulogne").
    pub place: Vec<String>,
    /// Days away from home: a holiday, a trip ("Urlaub", "vacances").
    pub away: Vec<String>,
    /// Words that begin a race's name when a place follows ("Cross de Lille").
    pub before_place: Vec<String>,
    /// Words before a time of day ("at", "à", "um"): the hours after them are not a length.
    pub clock: Vec<String>,
    /// The pressure a booked massage's title asks for ("deep tissue", "Sportmassage
    /// tief", "massage léger").
    pub pressure_deep: Vec<String>,
    pub pressure_moderate: Vec<String>,
    pub pressure_light: Vec<String>,
    /// What a booked massage's title says it is for ("pre-race", "post gara").
    pub massage_pre_race: Vec<String>,
    pub massage_post_race: Vec<String>,
    pub massage_maintenance: Vec<String>,
    pub massage_recovery: Vec<String>,
    /// Words that say only "a run" ("Run", "Lauf", "Course à pied"): a title of nothing
    /// else leaves the session to its description.
    pub just_run: Vec<String>,
    /// Unit words written after a number: metres, miles, hours, minutes.
    pub metre_units: Vec<String>,
    pub mile_units: Vec<String>,
    pub hour_units: Vec<String>,
    pub minute_units: Vec<String>,
}

/// A unit written after a number, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Km,
    Metre,
    Mile,
    Hour,
    Minute,
}

/// What a word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sense {
    Rest,
    Hard,
    Long,
    Easy,
    Cross,
    Strength,
    Race,
    RaceTalk,
    Pace,
    Half,
    Marathon,
    Ultra,
    SprintTriathlon,
    OlympicTriathlon,
    HalfIronman,
    Ironman,
    Duathlon,
    Goal,
    TuneUp,
    TrainingRace,
    When,
    Camp,
    Place,
    Away,
    BeforePlace,
    Clock,
    DeepPressure,
    ModeratePressure,
    LightPressure,
    PreRaceMassage,
    PostRaceMassage,
    MaintenanceMassage,
    RecoveryMassage,
    JustRun,
}

impl Table {
    fn lists(&self) -> [(Sense, &Vec<String>); 34] {
        [
            (Sense::Rest, &self.rest),
            (Sense::Hard, &self.hard),
            (Sense::Long, &self.long),
            (Sense::Easy, &self.easy),
            (Sense::Cross, &self.cross),
            (Sense::Strength, &self.strength),
            (Sense::Race, &self.race),
            (Sense::RaceTalk, &self.race_talk),
            (Sense::Pace, &self.pace),
            (Sense::Half, &self.half),
            (Sense::Marathon, &self.marathon),
            (Sense::Ultra, &self.ultra),
            (Sense::SprintTriathlon, &self.sprint_triathlon),
            (Sense::OlympicTriathlon, &self.olympic_triathlon),
            (Sense::HalfIronman, &self.half_ironman),
            (Sense::Ironman, &self.ironman),
            (Sense::Duathlon, &self.duathlon),
            (Sense::Goal, &self.goal),
            (Sense::TuneUp, &self.tune_up),
            (Sense::TrainingRace, &self.training_race),
            (Sense::When, &self.when),
            (Sense::Camp, &self.camp),
            (Sense::Place, &self.place),
            (Sense::Away, &self.away),
            (Sense::BeforePlace, &self.before_place),
            (Sense::Clock, &self.clock),
            (Sense::DeepPressure, &self.pressure_deep),
            (Sense::ModeratePressure, &self.pressure_moderate),
            (Sense::LightPressure, &self.pressure_light),
            (Sense::PreRaceMassage, &self.massage_pre_race),
            (Sense::PostRaceMassage, &self.massage_post_race),
            (Sense::MaintenanceMassage, &self.massage_maintenance),
            (Sense::RecoveryMassage, &self.massage_recovery),
            (Sense::JustRun, &self.just_run),
        ]
    }
}

/// The value paired with the first of `choices` whose sense `text`'s words hold, in
/// any language: the firmest pressure a booking names, what it is for.
pub(crate) fn first_said<T: Copy>(text: &str, choices: &[(Sense, T)]) -> Option<T> {
    let words = words_of(text);
    choices
        .iter()
        .find(|(sense, _)| VOCAB.says(&words, *sense))
        .map(|(_, value)| *value)
}

/// Every language's phrases, by sense, and indexed by their first word so a text is
/// read in one pass.
pub(crate) struct Vocab {
    #[cfg(test)]
    by_sense: BTreeMap<Sense, Vec<Phrase>>,
    /// Phrases by their first word (all but one-word prefixes).
    by_first: FxHashMap<String, Vec<(Sense, Phrase)>>,
    /// One-word prefixes ("interval*"), tried against every word.
    prefixes: Vec<(Sense, Phrase)>,
    /// Unit words in every language ("meilen", "horas").
    units: FxHashMap<String, Unit>,
}

/// The senses a text holds, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Senses(u64);

impl Senses {
    pub(crate) fn has(self, sense: Sense) -> bool {
        self.0 & (1 << sense as u64) != 0
    }

    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }

    fn add(&mut self, sense: Sense) {
        self.0 |= 1 << sense as u64;
    }
}

impl Vocab {
    fn load() -> Vocab {
        let mut by_sense: BTreeMap<Sense, Vec<Phrase>> = BTreeMap::new();
        let mut units = FxHashMap::default();
        // A table that cannot be read adds nothing (a test reads every one).
        for t in TABLES
            .iter()
            .filter_map(|(_, text)| toml::from_str::<Table>(text).ok())
        {
            for (unit, list) in [
                (Unit::Metre, &t.metre_units),
                (Unit::Mile, &t.mile_units),
                (Unit::Hour, &t.hour_units),
                (Unit::Minute, &t.minute_units),
            ] {
                for w in list {
                    units.insert(w.trim().to_lowercase(), unit);
                }
            }
            for (sense, list) in t.lists() {
                by_sense
                    .entry(sense)
                    .or_default()
                    .extend(list.iter().filter_map(|p| Phrase::new(p)));
            }
        }
        let mut by_first: FxHashMap<String, Vec<(Sense, Phrase)>> = FxHashMap::default();
        let mut prefixes = Vec::new();
        for (sense, list) in &by_sense {
            for p in list {
                if p.prefix && p.words.len() == 1 {
                    prefixes.push((*sense, p.clone()));
                } else {
                    by_first
                        .entry(p.words[0].clone())
                        .or_default()
                        .push((*sense, p.clone()));
                }
            }
        }
        Vocab {
            #[cfg(test)]
            by_sense,
            by_first,
            prefixes,
            units,
        }
    }

    /// The unit a word after a number names, in any language.
    pub(crate) fn unit(&self, word: &str) -> Option<Unit> {
        self.units.get(word).copied()
    }

    /// Every sense some phrase of which occurs in `words`.
    pub(crate) fn senses(&self, words: &[String]) -> Senses {
        let mut out = Senses::default();
        for (i, w) in words.iter().enumerate() {
            if let Some(phrases) = self.by_first.get(w) {
                for (sense, p) in phrases {
                    if !out.has(*sense) && p.occurs_at(words, i) {
                        out.add(*sense);
                    }
                }
            }
            for (sense, p) in &self.prefixes {
                if !out.has(*sense) && w.starts_with(p.words[0].as_str()) {
                    out.add(*sense);
                }
            }
        }
        out
    }

    /// True when a phrase of `sense` that `keep` accepts occurs in `words`.
    pub(crate) fn occurs(
        &self,
        words: &[String],
        sense: Sense,
        keep: impl Fn(&Phrase) -> bool,
    ) -> bool {
        words.iter().enumerate().any(|(i, w)| {
            self.by_first.get(w).is_some_and(|phrases| {
                phrases
                    .iter()
                    .any(|(s, p)| *s == sense && keep(p) && p.occurs_at(words, i))
            }) || self
                .prefixes
                .iter()
                .any(|(s, p)| *s == sense && keep(p) && w.starts_with(p.words[0].as_str()))
        })
    }

    /// True when some table has `word` in any sense.
    pub(crate) fn knows(&self, word: &str) -> bool {
        self.senses(&[word.to_string()]).any()
    }

    /// True when any phrase of `sense` occurs in `words`.
    pub(crate) fn says(&self, words: &[String], sense: Sense) -> bool {
        self.senses(words).has(sense)
    }
}

pub(crate) static VOCAB: LazyLock<Vocab> = LazyLock::new(Vocab::load);

/// The language codes compiled in.
pub fn languages() -> Vec<&'static str> {
    TABLES.iter().map(|(l, _)| *l).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_reads() {
        for l in ["en", "de", "fr", "es", "it", "nl", "pt"] {
            assert!(languages().contains(&l), "{l} is compiled in");
        }
        for (lang, text) in TABLES {
            let t: Table = toml::from_str(text).unwrap_or_else(|e| panic!("{lang}: {e}"));
            for (sense, list) in t.lists() {
                for p in list {
                    assert!(
                        Phrase::new(p).is_some(),
                        "{lang} {sense:?}: {p:?} has no words"
                    );
                }
            }
            assert!(
                !t.rest.is_empty()
                    && !t.hard.is_empty()
                    && !t.easy.is_empty()
                    && !t.race.is_empty(),
                "{lang}"
            );
        }
    }

    #[test]
    fn the_index_reads_what_a_scan_of_every_phrase_reads() {
        let texts = [
            "6 km at race pace",
            "Tempodauerlauf 8 km",
            "Long run 30 km with the last 10 at marathon pace",
            "Ironman 70.3 Zell am See",
            "Semi-marathon de Paris (objectif)",
            "Rustige duurloop",
            "interval training",
            "race",
            "",
        ];
        for t in texts {
            let words = words_of(t);
            let got = VOCAB.senses(&words);
            for (sense, list) in &VOCAB.by_sense {
                let scanned = list.iter().any(|p| p.occurs_in(&words));
                assert_eq!(got.has(*sense), scanned, "{t:?} {sense:?}");
            }
        }
    }

    #[test]
    fn phrases_match_in_order_and_by_prefix() {
        let p = Phrase::new("race pace").unwrap();
        assert!(p.occurs_in(&words_of("6 km at race pace")));
        assert!(!p.occurs_in(&words_of("pace race")));
        let p = Phrase::new("tempo*").unwrap();
        assert!(p.occurs_in(&words_of("Tempodauerlauf 8 km")));
        assert!(
            Phrase::new("70.3")
                .unwrap()
                .occurs_in(&words_of("Ironman 70.3 Zell am See"))
        );
    }
}
