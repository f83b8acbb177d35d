//! kneadtime's domain: training sessions, races, phases, the massage-timing rules, the
//! season planner and the booking checker. Pure: no I/O, no clock reads ("today" is a
//! parameter), no async.

pub mod activity;
pub mod allocate;
pub mod budget;
pub mod care;
pub mod check;
pub mod classify;
pub mod dates;
pub mod entry;
pub mod homework;
pub mod intake;
pub mod load;
pub mod massage;
pub mod next;
pub mod notes;
pub mod phase;
pub mod plan;
pub mod profile;
pub mod rule;
pub mod season;
pub mod session;
pub mod slot;
#[cfg(test)]
mod test_support;
pub mod vocab;

pub use activity::{Activity, Sport};
pub use budget::Budget;
pub use check::{Booking, check};
pub use classify::{classify, classify_all};
pub use entry::{Entry, Origin};
pub use massage::{Kind, Pressure};
pub use next::{NextAnswer, next};
pub use phase::Phase;
pub use plan::{Improvement, Plan, PlanRequest, PlannedMassage, improving_change, plan, start_for};
pub use profile::Profile;
pub use rule::{Finding, Massage, RuleId, Severity, evaluate};
pub use season::{RaceSpec, Season};
pub use session::{Class, Priority, Race, Session};
pub use slot::{DayFit, Wanted, day_fit};
