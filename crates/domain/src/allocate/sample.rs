//! A made-up race week, the same for the same seed: a clinic group's rota and a field of
//! runners with the preferences runners give. Used by the demo, the benchmark and tests.

use jiff::civil::{Date, Time, date};

use super::{Event, Part, Runner, Shift, Tier};
use crate::Kind;
use crate::dates::add_days;

/// How big the week is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub runners: usize,
    pub clinics: usize,
    pub therapists_per_clinic: usize,
    /// Days after the race the rota covers.
    pub days: i32,
}

/// The city marathon every sample runs, on a Sunday in spring.
pub fn event() -> Event {
    Event {
        name: "City Marathon".into(),
        date: date(2027, 4, 18),
        distance_km: Some(42.195),
        kind: Kind::PostEvent,
        length_min: 45,
        buffer_min: 15,
    }
}

/// A small deterministic generator (xorshift), so a seed always gives the same week.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.roll(100) < percent
    }
}

pub fn clinic_name(c: usize) -> String {
    format!("Clinic {:02}", c + 1)
}

pub fn therapist_id(c: usize, t: usize) -> String {
    format!("c{:02}-t{:02}", c + 1, t + 1)
}

/// The rota: each therapist works most days, a six-hour shift starting between 08:00
/// and 14:00, with now and then a booking already in it.
pub fn shifts(seed: u64, size: Size, race_day: Date) -> Vec<Shift> {
    let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::new();
    for c in 0..size.clinics {
        for t in 0..size.therapists_per_clinic {
            for k in 1..=size.days {
                if dice.chance(20) {
                    continue;
                }
                let from = 8 + 2 * dice.roll(4) as i8;
                let busy = if dice.chance(25) {
                    let b = from + 1 + dice.roll(4) as i8;
                    vec![(
                        Time::constant(b, 0, 0, 0),
                        Time::new(b + 1, 0, 0, 0).unwrap_or(Time::MAX),
                    )]
                } else {
                    Vec::new()
                };
                out.push(Shift {
                    therapist: therapist_id(c, t),
                    therapist_name: format!("Therapist {}", therapist_id(c, t).to_uppercase()),
                    clinic: clinic_name(c),
                    date: add_days(race_day, k),
                    from: Time::new(from, 0, 0, 0).unwrap_or(Time::MIN),
                    to: Time::new(from + 6, 0, 0, 0).unwrap_or(Time::MAX),
                    busy,
                });
            }
        }
    }
    out
}

/// The field: each runner names their nearest clinic and often a neighbour, some name
/// days or a part of the day, a few a therapist; most are standard entries.
pub fn runners(seed: u64, size: Size, event: &Event) -> Vec<Runner> {
    let mut dice = Dice(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let clinics = size.clinics.max(1);
    (0..size.runners)
        .map(|i| {
            let home = dice.roll(clinics as u64) as usize;
            let mut names = vec![home];
            for _ in 0..dice.roll(3) {
                let step = 1 + dice.roll(2) as usize;
                let other = if dice.chance(50) {
                    (home + step) % clinics
                } else {
                    (home + clinics - step) % clinics
                };
                if !names.contains(&other) {
                    names.push(other);
                }
            }
            let days = if dice.chance(30) {
                let first = add_days(event.date, 2 + dice.roll(3) as i32);
                if dice.chance(50) {
                    vec![first, add_days(first, 1)]
                } else {
                    vec![first]
                }
            } else {
                Vec::new()
            };
            let parts = if dice.chance(40) {
                vec![Part::ALL[dice.roll(3) as usize]]
            } else {
                Vec::new()
            };
            let therapist = (dice.chance(5) && size.therapists_per_clinic > 0)
                .then(|| therapist_id(home, dice.roll(size.therapists_per_clinic as u64) as usize));
            let tier = match dice.roll(100) {
                0..=1 => Tier::Elite,
                2..=9 => Tier::Charity,
                10..=14 => Tier::PreBooked,
                _ => Tier::Standard,
            };
            // Start at 09:00; finishes spread from 2 h 30 to 6 h 30.
            let finish = event
                .date
                .to_datetime(Time::constant(9, 0, 0, 0))
                .checked_add(jiff::SignedDuration::from_mins(150 + dice.roll(240) as i64))
                .ok();
            Runner {
                id: format!("runner-{:05}", i + 1),
                name: format!("Runner {}", i + 1),
                finish,
                clinics: names.into_iter().map(clinic_name).collect(),
                days,
                parts,
                therapist,
                tier,
                taken: Vec::new(),
            }
        })
        .collect()
}
