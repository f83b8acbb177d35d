//! A completed activity as a watch recorded it, before the domain judges it.
//!
//! Importers (FIT, TCX, GPX, Strava exports) fill this in; [`crate::load`] turns it into
//! a training load and a class. Heart rate is kept as seconds per beat-per-minute so
//! time-in-zone can be computed for any runner's zones without keeping every sample.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use crate::entry::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sport {
    Run,
    Bike,
    Swim,
    Row,
    Walk,
    Strength,
    Other,
}

impl Sport {
    /// Reads the sport names files use: FIT's `running`, TCX's `Running`, GPX's
    /// `running` or Strava's numeric `9`, Strava's `Run`/`Ride`…
    pub fn parse(s: &str) -> Sport {
        let t = s.trim().to_ascii_lowercase();
        let has = |w: &str| t.contains(w);
        if t == "9" || has("run") || has("jog") || has("treadmill") || has("trail") {
            Sport::Run
        } else if t == "1" || has("bik") || has("cycl") || has("ride") || has("spin") {
            Sport::Bike
        } else if has("swim") {
            Sport::Swim
        } else if has("row") || has("paddl") || has("kayak") || has("canoe") {
            Sport::Row
        } else if has("walk") || has("hik") {
            Sport::Walk
        } else if has("strength") || has("weight") || has("training") || has("gym") {
            Sport::Strength
        } else {
            Sport::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sport::Run => "run",
            Sport::Bike => "bike",
            Sport::Swim => "swim",
            Sport::Row => "row",
            Sport::Walk => "walk",
            Sport::Strength => "strength",
            Sport::Other => "other",
        }
    }
}

/// One recorded activity, in the runner's local calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub sport: Sport,
    /// The name the device or service gave it ("Morning Run", "Parkrun").
    pub name: String,
    /// Local start.
    pub start: DateTime,
    /// Elapsed time from start to finish, seconds.
    pub elapsed_s: f64,
    /// Time actually moving, when the file tells (pauses excluded), seconds.
    pub moving_s: Option<f64>,
    pub distance_m: Option<f64>,
    pub elevation_gain_m: Option<f64>,
    pub avg_hr: Option<f64>,
    pub max_hr: Option<f64>,
    /// Seconds spent at each heart rate (index = beats per minute, 0..=255); empty when
    /// the file has no heart rate.
    pub hr_seconds: Vec<f32>,
    pub origin: Origin,
}

impl Activity {
    pub fn date(&self) -> Date {
        self.start.date()
    }

    /// Seconds used for pace and load: moving time when known.
    pub fn active_s(&self) -> f64 {
        self.moving_s.filter(|m| *m > 0.0).unwrap_or(self.elapsed_s)
    }

    /// Average speed in m/s over the moving time, when there is a distance.
    pub fn speed_mps(&self) -> Option<f64> {
        let d = self.distance_m?;
        let t = self.active_s();
        (d > 0.0 && t > 0.0).then_some(d / t)
    }

    /// Adds `seconds` at heart rate `bpm` to the histogram.
    pub fn add_hr(&mut self, bpm: f64, seconds: f64) {
        if !(seconds.is_finite() && (25.0..=250.0).contains(&bpm)) || seconds <= 0.0 {
            return;
        }
        if self.hr_seconds.is_empty() {
            self.hr_seconds = vec![0.0; 256];
        }
        let i = bpm.round() as usize;
        if let Some(slot) = self.hr_seconds.get_mut(i) {
            *slot += seconds as f32;
        }
    }
}
