//! The clinic group's locations as time needs them: each location's zone and opening
//! hours, which location each therapist works at, and the absolute spans a therapist is
//! bookable on a local date (their hours inside the location's, in the location's zone).

use kneadtime_store::ids::*;
use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use kneadtime_store::{Closure, Location, Therapist, WorkingHours};

use crate::Clinic;
use crate::error::CoreResult;
use crate::time::{spans_on, zone_of};

/// Locations with their zones and opening hours, read together.
#[derive(Debug, Clone)]
pub struct Sites {
    pub locations: Vec<Location>,
    zones: HashMap<LocationId, TimeZone>,
    open: HashMap<LocationId, Vec<WorkingHours>>,
}

impl Sites {
    /// Reads every location and its opening hours (two queries).
    pub async fn read(core: &Clinic) -> CoreResult<Sites> {
        let (locations, hours) =
            tokio::try_join!(core.store.locations(), core.store.location_hours_all())?;
        Ok(Sites::new(locations, hours))
    }

    pub fn new(locations: Vec<Location>, hours: Vec<(LocationId, WorkingHours)>) -> Sites {
        let zones = locations
            .iter()
            .map(|l| (l.id.clone(), zone_of(&l.time_zone)))
            .collect();
        let mut open: HashMap<LocationId, Vec<WorkingHours>> = HashMap::new();
        for (l, h) in hours {
            open.entry(l).or_default().push(h);
        }
        Sites {
            locations,
            zones,
            open,
        }
    }

    pub fn location(&self, id: &LocationId) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == *id)
    }

    /// The location's name, or its id when unknown.
    pub fn name(&self, id: &LocationId) -> String {
        self.location(id)
            .map_or_else(|| id.to_string(), |l| l.name.clone())
    }

    /// The zone a location's hours are read in; UTC for an unknown one.
    pub fn zone(&self, location_id: &LocationId) -> TimeZone {
        self.zones
            .get(location_id)
            .cloned()
            .unwrap_or(TimeZone::UTC)
    }

    /// The zone a therapist's hours are read in.
    pub fn zone_of(&self, t: &Therapist) -> TimeZone {
        self.zone(&t.location_id)
    }

    /// A location's opening hours; empty when it is open whenever its therapists work.
    pub fn opening_hours(&self, location_id: &LocationId) -> &[WorkingHours] {
        self.open.get(location_id).map_or(&[], Vec::as_slice)
    }

    /// More than one location: pages and messages then say which.
    pub fn several(&self) -> bool {
        self.locations.iter().filter(|l| l.active).count() > 1
    }

    /// The absolute spans `t` can be booked on local `date`: their working hours, inside
    /// their location's opening hours when it has any, in the location's zone.
    pub fn bookable_spans(
        &self,
        t: &Therapist,
        hours: &[WorkingHours],
        date: Date,
    ) -> Vec<(i64, i64)> {
        let tz = self.zone_of(t);
        let own = spans_on(date, hours, &tz);
        let open = self.opening_hours(&t.location_id);
        if open.is_empty() {
            return own;
        }
        intersect(&own, &spans_on(date, open, &tz))
    }
}

/// The overlap of two lists of spans, each `[a, b)`.
pub fn intersect(x: &[(i64, i64)], y: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = x
        .iter()
        .flat_map(|&(a, b)| {
            y.iter().filter_map(move |&(c, d)| {
                let (lo, hi) = (a.max(c), b.min(d));
                (hi > lo).then_some((lo, hi))
            })
        })
        .collect();
    out.sort_unstable();
    out
}

/// The closures in `all` that close `location_id`.
pub fn closures_at<'a>(
    all: &'a [Closure],
    location_id: &'a LocationId,
) -> impl Iterator<Item = &'a Closure> {
    all.iter().filter(move |c| c.closes(location_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn loc(id: &str, tz: &str) -> Location {
        Location {
            id: id.into(),
            name: id.into(),
            address: String::new(),
            time_zone: tz.into(),
            active: true,
            position: 0,
        }
    }

    fn therapist(location: &str) -> Therapist {
        Therapist {
            id: "t".into(),
            name: "T".into(),
            skills: vec![],
            active: true,
            location_id: location.into(),
        }
    }

    fn day(start: i64, end: i64) -> Vec<WorkingHours> {
        crate::waitlist::WEEK
            .into_iter()
            .map(|weekday| WorkingHours {
                weekday,
                start_minute: start,
                end_minute: end,
            })
            .collect()
    }

    #[test]
    fn hours_are_read_in_the_location_zone() {
        let sites = Sites::new(
            vec![loc("lon", "Europe/London"), loc("ny", "America/New_York")],
            vec![],
        );
        let d = date(2027, 6, 1);
        let nine_to_five = day(540, 1020);
        let (lon, _) = sites.bookable_spans(&therapist("lon"), &nine_to_five, d)[0];
        let (ny, _) = sites.bookable_spans(&therapist("ny"), &nine_to_five, d)[0];
        // 09:00 in New York is five hours after 09:00 in London in June.
        assert_eq!(ny - lon, 5 * 3600);
    }

    #[test]
    fn a_therapist_is_bookable_only_while_the_location_is_open() {
        let sites = Sites::new(
            vec![loc("lon", "Europe/London")],
            day(600, 960)
                .into_iter()
                .map(|h| (LocationId::from("lon"), h))
                .collect(),
        );
        let d = date(2027, 6, 1);
        let spans = sites.bookable_spans(&therapist("lon"), &day(480, 1200), d);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].1 - spans[0].0, 6 * 3600);
        // Outside the opening hours entirely: nothing.
        assert!(
            sites
                .bookable_spans(&therapist("lon"), &day(1000, 1200), d)
                .is_empty()
        );
    }

    #[test]
    fn closures_close_their_location_or_all() {
        let c = |l: Option<&str>| Closure {
            id: "c".into(),
            from_date: jiff::civil::date(2027, 6, 1),
            to_date: jiff::civil::date(2027, 6, 1),
            note: String::new(),
            location_id: (l.map(str::to_string)).map(LocationId::from),
        };
        let all = vec![c(None), c(Some("a")), c(Some("b"))];
        assert_eq!(closures_at(&all, &LocationId::from("a")).count(), 2);
        assert_eq!(closures_at(&all, &LocationId::from("z")).count(), 1);
    }
}
