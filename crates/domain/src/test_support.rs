//! Seasons the unit tests share: 120 days of training by weekday from 4 January 2027,
//! and the races given.

use jiff::civil::{Date, Weekday, date};

use crate::dates::add_days;
use crate::{Entry, Profile, Season, classify};

/// The block's sessions by weekday (`None`: easy 8 km), then `races` (date, title).
pub(crate) fn block(
    week: impl Fn(Weekday) -> Option<&'static str>,
    races: &[(Date, &str)],
) -> Season {
    let mut entries: Vec<Entry> = (0..120)
        .map(|k| {
            let d = add_days(date(2027, 1, 4), k);
            Entry::new(d, week(d.weekday()).unwrap_or("Easy 8 km"))
        })
        .collect();
    entries.extend(races.iter().map(|(d, title)| Entry::new(*d, *title)));
    Season::new(
        entries.iter().map(classify).collect(),
        &[],
        &Profile::default(),
    )
}
