//! Time-zone resolution: IANA names, Windows names, a calendar's own `VTIMEZONE`
//! definitions, and the choice of the runner's zone. Every conversion goes through jiff.

use std::collections::HashMap;
use std::rc::Rc;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use crate::content::Component;
use crate::recur;
use crate::values::{DateValue, parse_date_value, parse_utc_offset, quote};

/// Windows time-zone names (as Outlook and Exchange write them) and their IANA zone,
/// following CLDR's `windowsZones.xml` (territory 001).
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Central Standard Time", "America/Chicago"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Fiji Standard Time", "Pacific/Fiji"),
];

/// The IANA name for a Windows time-zone name, if it is one we know.
pub(crate) fn windows_to_iana(name: &str) -> Option<&'static str> {
    let name = name.trim();
    WINDOWS_ZONES
        .iter()
        .find(|(win, _)| win.eq_ignore_ascii_case(name))
        .map(|(_, iana)| *iana)
}

/// Looks a name up in the IANA database, refusing anything that is not shaped like a
/// zone name (so odd TZIDs never reach the file system).
fn iana(name: &str) -> Option<TimeZone> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && !name.starts_with('/')
        && !name.contains("..");
    if !ok {
        return None;
    }
    TimeZone::get(name).ok().filter(|tz| !tz.is_unknown())
}

/// Resolves a zone name the way calendars write them: an IANA name, a Windows name, or
/// a path ending in an IANA name (`/mozilla.org/20050126_1/Europe/Berlin`).
pub(crate) fn lookup_zone(name: &str) -> Option<TimeZone> {
    let name = name.trim().trim_matches('"');
    if let Some(tz) = iana(name) {
        return Some(tz);
    }
    if let Some(tz) = windows_to_iana(name).and_then(iana) {
        return Some(tz);
    }
    if name.contains('/') {
        let mut rest = name;
        while let Some(i) = rest.find('/') {
            rest = rest.get(i + 1..).unwrap_or_default();
            let found = if rest.contains('/') { iana(rest) } else { None };
            if found.is_some() {
                return found;
            }
        }
    }
    None
}

/// The name to report for a zone: its IANA name, or a description for fixed offsets.
pub(crate) fn zone_name(tz: &TimeZone) -> String {
    if let Some(name) = tz.iana_name() {
        return name.to_string();
    }
    match tz.to_fixed_offset() {
        Ok(offset) if offset.seconds() == 0 => "UTC".to_string(),
        Ok(offset)
            if offset.seconds() % 3600 == 0 && (-14..=12).contains(&(offset.seconds() / 3600)) =>
        {
            // IANA's Etc/GMT zones have the sign inverted.
            let hours = -(offset.seconds() / 3600);
            format!("Etc/GMT{hours:+}")
        }
        Ok(offset) => format!("UTC{offset}"),
        Err(_) => "UTC".to_string(),
    }
}

/// The system zone if it has an IANA name, else UTC.
pub(crate) fn system_or_utc() -> TimeZone {
    match TimeZone::try_system() {
        Ok(tz) if tz.iana_name().is_some() && !tz.is_unknown() => tz,
        _ => TimeZone::UTC,
    }
}

/// A zone defined by a calendar's own `VTIMEZONE`, as a list of transitions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZoneRules {
    /// Offset (seconds east of UTC) before the first transition.
    initial: i32,
    /// Transition instants, sorted, with the offset that applies from each on.
    transitions: Vec<(Timestamp, i32)>,
    /// Every offset the zone uses, sorted and deduplicated.
    offsets: Vec<i32>,
}

/// Most onsets kept per STANDARD/DAYLIGHT rule, and the last year expanded.
const MAX_ONSETS: usize = 1_000;
const LAST_ONSET_YEAR: i16 = 2200;

impl ZoneRules {
    fn new(initial: i32, transitions: Vec<(Timestamp, i32)>) -> ZoneRules {
        let mut offsets: Vec<i32> = std::iter::once(initial)
            .chain(transitions.iter().map(|(_, o)| *o))
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        ZoneRules {
            initial,
            transitions,
            offsets,
        }
    }

    /// A zone that never changes.
    fn fixed(offset: i32) -> ZoneRules {
        ZoneRules::new(offset, Vec::new())
    }

    /// The offset in force at an instant.
    pub(crate) fn offset_at(&self, ts: Timestamp) -> i32 {
        let idx = self.transitions.partition_point(|(t, _)| *t <= ts);
        match idx.checked_sub(1).and_then(|i| self.transitions.get(i)) {
            Some((_, off)) => *off,
            None => self.initial,
        }
    }

    /// Places a wall-clock time on the time line. Ambiguous times take the first
    /// occurrence (RFC 5545 §3.3.5); times in a gap use the offset before the gap.
    pub(crate) fn to_timestamp(&self, wall: DateTime) -> Option<Timestamp> {
        let at = |off: i32| Offset::from_seconds(off).ok()?.to_timestamp(wall).ok();
        let best = self
            .offsets
            .iter()
            .filter_map(|&off| at(off).filter(|ts| self.offset_at(*ts) == off))
            .min();
        if best.is_some() {
            return best;
        }
        // In a gap: find the transition whose jump skips this wall time.
        let mut before = self.initial;
        for (onset, after) in &self.transitions {
            match (at(before), at(*after)) {
                (Some(lo), Some(hi)) if lo >= *onset && hi < *onset => return Some(lo),
                _ => {}
            }
            before = *after;
        }
        at(self.initial)
    }

    /// The wall-clock time of an instant in this zone.
    pub(crate) fn to_datetime(&self, ts: Timestamp) -> Option<DateTime> {
        let off = Offset::from_seconds(self.offset_at(ts)).ok()?;
        Some(off.to_datetime(ts))
    }

    /// Reads a `VTIMEZONE`: every STANDARD/DAYLIGHT rule's DTSTART, RRULE and RDATE
    /// onsets. Falls back to a fixed offset (with a warning) when no onset can be read.
    pub(crate) fn from_vtimezone(
        vtz: &Component,
        tzid: &str,
        file: &str,
        warnings: &mut Vec<String>,
    ) -> Option<ZoneRules> {
        // (onset, offset from then on, offset before it)
        let mut transitions: Vec<(Timestamp, i32, i32)> = Vec::new();
        let mut fallback: Option<i32> = None;
        for obs in &vtz.children {
            if obs.name != "STANDARD" && obs.name != "DAYLIGHT" {
                continue;
            }
            let mut warn = |line: usize, what: String| {
                warnings.push(format!(
                    "{file}:{line}: time zone {}: {what}; ignored that part of its definition",
                    quote(tzid)
                ));
            };
            let Some(to_prop) = obs.prop("TZOFFSETTO") else {
                warn(obs.line, "expected TZOFFSETTO, found none".to_string());
                continue;
            };
            let to = match parse_utc_offset(&to_prop.value) {
                Ok(o) => o,
                Err(e) => {
                    warn(to_prop.line, e);
                    continue;
                }
            };
            if obs.name == "STANDARD" || fallback.is_none() {
                fallback = Some(to);
            }
            let from = match obs
                .prop("TZOFFSETFROM")
                .map(|p| (p, parse_utc_offset(&p.value)))
            {
                Some((_, Ok(o))) => o,
                Some((p, Err(e))) => {
                    warn(p.line, e);
                    to
                }
                None => to,
            };
            // Without DTSTART only the fixed-offset fallback below can use this rule.
            let Some(start_prop) = obs.prop("DTSTART") else {
                continue;
            };
            let start = match parse_date_value(&start_prop.value) {
                Ok(v) => v.civil(),
                Err(e) => {
                    warn(start_prop.line, e);
                    continue;
                }
            };
            let Ok(from_off) = Offset::from_seconds(from) else {
                continue;
            };
            let mut walls = vec![start];
            for rule in obs.props("RRULE") {
                let horizon = jiff::civil::date(LAST_ONSET_YEAR, 12, 31).at(23, 59, 59, 0);
                // UNTIL in UTC is converted with the offset in force before the onset.
                let until_wall = |v: DateValue| match v {
                    DateValue::DateTime { dt, utc: true } => {
                        let ts = Offset::UTC.to_timestamp(dt).ok()?;
                        Some(from_off.to_datetime(ts))
                    }
                    DateValue::DateTime { dt, utc: false } => Some(dt),
                    DateValue::Date(d) => Some(d.at(23, 59, 59, 0)),
                };
                match recur::expand_wall(&rule.value, start, &until_wall, horizon, MAX_ONSETS) {
                    Ok(exp) => walls.extend(exp.starts),
                    Err(e) => warn(rule.line, e),
                }
            }
            let mut instants = Vec::new();
            for rdate in obs.props("RDATE") {
                for v in rdate.value.split(',') {
                    match parse_date_value(v) {
                        Ok(DateValue::DateTime { dt, utc: true }) => {
                            instants.extend(Offset::UTC.to_timestamp(dt).ok());
                        }
                        Ok(other) => walls.push(other.civil()),
                        Err(e) => warn(rdate.line, e),
                    }
                }
            }
            instants.extend(
                walls
                    .into_iter()
                    .filter_map(|w| from_off.to_timestamp(w).ok()),
            );
            transitions.extend(instants.into_iter().map(|ts| (ts, to, from)));
        }
        if transitions.is_empty() {
            let offset = fallback?;
            warnings.push(format!(
                "{file}:{}: time zone {}: no usable transition dates; used its fixed offset {}",
                vtz.line,
                quote(tzid),
                Offset::from_seconds(offset)
                    .map(|o| o.to_string())
                    .unwrap_or_default()
            ));
            return Some(ZoneRules::fixed(offset));
        }
        transitions.sort_by_key(|(ts, _, _)| *ts);
        transitions.dedup_by_key(|(ts, _, _)| *ts);
        // Before the first onset the zone keeps that rule's TZOFFSETFROM.
        let initial = transitions.first().map(|t| t.2).unwrap_or_default();
        Some(ZoneRules::new(
            initial,
            transitions
                .into_iter()
                .map(|(ts, to, _)| (ts, to))
                .collect(),
        ))
    }
}

/// How the times of one event are tied to the time line.
#[derive(Debug, Clone)]
pub(crate) enum EventZone {
    /// An IANA zone (also used for UTC `Z` times).
    Known(TimeZone),
    /// A zone defined only by the calendar's `VTIMEZONE`.
    Custom(Rc<ZoneRules>),
    /// Floating: the wall-clock time is the runner's local time.
    Floating,
}

/// Where an instance sits: a whole day, an instant, or floating local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum When {
    Day(jiff::civil::Date),
    At(Timestamp),
    Floating(DateTime),
}

impl EventZone {
    /// Places a wall-clock time of this zone.
    pub(crate) fn place(&self, wall: DateTime) -> Option<When> {
        match self {
            EventZone::Known(tz) => tz
                .to_ambiguous_timestamp(wall)
                .compatible()
                .ok()
                .map(When::At),
            EventZone::Custom(rules) => rules.to_timestamp(wall).map(When::At),
            EventZone::Floating => Some(When::Floating(wall)),
        }
    }

    /// The wall-clock time of an instant in this zone (floating: the runner's zone).
    pub(crate) fn wall_of(&self, ts: Timestamp, runner: &TimeZone) -> Option<DateTime> {
        match self {
            EventZone::Known(tz) => Some(tz.to_datetime(ts)),
            EventZone::Custom(rules) => rules.to_datetime(ts),
            EventZone::Floating => Some(runner.to_datetime(ts)),
        }
    }
}

/// Resolves TZIDs for one file, caching results and warning once per unknown TZID.
pub(crate) struct Zones<'a> {
    file: &'a str,
    vtimezones: HashMap<String, &'a Component<'a>>,
    cache: HashMap<String, EventZone>,
}

impl<'a> Zones<'a> {
    pub(crate) fn new(file: &'a str, vtimezones: &[&'a Component<'a>]) -> Zones<'a> {
        let mut map = HashMap::new();
        for vtz in vtimezones {
            if let Some(id) = vtz.prop("TZID") {
                map.entry(id.value.trim().to_string()).or_insert(*vtz);
            }
        }
        Zones {
            file,
            vtimezones: map,
            cache: HashMap::new(),
        }
    }

    /// The zone for a TZID parameter value.
    pub(crate) fn resolve(
        &mut self,
        tzid: &str,
        line: usize,
        warnings: &mut Vec<String>,
    ) -> EventZone {
        let tzid = tzid.trim();
        if let Some(z) = self.cache.get(tzid) {
            return z.clone();
        }
        let zone = if let Some(tz) = lookup_zone(tzid) {
            EventZone::Known(tz)
        } else if let Some(vtz) = self.vtimezones.get(tzid) {
            match ZoneRules::from_vtimezone(vtz, tzid, self.file, warnings) {
                Some(rules) => EventZone::Custom(Rc::new(rules)),
                None => {
                    warnings.push(format!(
                        "{}:{line}: TZID {} is not a known time zone and its VTIMEZONE \
                         (line {}) gives no offsets; its times were read as local time",
                        self.file,
                        quote(tzid),
                        vtz.line
                    ));
                    EventZone::Floating
                }
            }
        } else {
            warnings.push(format!(
                "{}:{line}: TZID {} is neither an IANA nor a Windows time zone and the file has \
                 no VTIMEZONE for it; its times were read as local time",
                self.file,
                quote(tzid)
            ));
            EventZone::Floating
        };
        self.cache.insert(tzid.to_string(), zone.clone());
        zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn windows_and_iana_names() {
        for (win, iana) in WINDOWS_ZONES {
            let tz = lookup_zone(win).unwrap_or_else(|| panic!("{win} -> {iana} not found"));
            assert!(tz.iana_name().is_some(), "{win}");
        }
        assert_eq!(
            lookup_zone("w. europe standard time").unwrap().iana_name(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            lookup_zone("/mozilla.org/20050126_1/Europe/Berlin")
                .unwrap()
                .iana_name(),
            Some("Europe/Berlin")
        );
        assert!(lookup_zone("CUSTOM_tzid").is_none());
        assert!(lookup_zone("UTC+11").is_none());
        assert!(lookup_zone("custom_America/New_York").is_none());
        assert!(lookup_zone("../../etc/passwd").is_none());
        assert!(lookup_zone("Etc/Unknown").is_none());
    }

    #[test]
    fn zone_names() {
        assert_eq!(
            zone_name(&TimeZone::get("Europe/London").unwrap()),
            "Europe/London"
        );
        assert_eq!(zone_name(&TimeZone::UTC), "UTC");
        let plus2 = TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(zone_name(&plus2), "Etc/GMT-2");
    }

    fn rules(initial: i32, transitions: &[(DateTime, i32)]) -> ZoneRules {
        ZoneRules::new(
            initial,
            transitions
                .iter()
                .map(|(dt, o)| (Offset::UTC.to_timestamp(*dt).unwrap(), *o))
                .collect(),
        )
    }

    #[test]
    fn custom_rules_disambiguate() {
        let h = 3600;
        // +12 until 2024-05-04T20:00Z, then +10 (a fold of two hours).
        let r = rules(12 * h, &[(date(2024, 5, 4).at(20, 0, 0, 0), 10 * h)]);
        let utc = |w: DateTime| Offset::UTC.to_datetime(r.to_timestamp(w).unwrap());
        assert_eq!(
            utc(date(2024, 5, 5).at(7, 0, 1, 0)),
            date(2024, 5, 4).at(19, 0, 1, 0)
        );
        assert_eq!(
            utc(date(2024, 5, 5).at(8, 0, 1, 0)),
            date(2024, 5, 4).at(22, 0, 1, 0)
        );
        // A gap: +1 -> +2 at 01:00Z; 02:30 local does not exist and moves forward.
        let r = rules(h, &[(date(2027, 3, 28).at(1, 0, 0, 0), 2 * h)]);
        let ts = r.to_timestamp(date(2027, 3, 28).at(2, 30, 0, 0)).unwrap();
        assert_eq!(
            Offset::UTC.to_datetime(ts),
            date(2027, 3, 28).at(1, 30, 0, 0)
        );
        assert_eq!(r.to_datetime(ts), Some(date(2027, 3, 28).at(3, 30, 0, 0)));
    }
}
