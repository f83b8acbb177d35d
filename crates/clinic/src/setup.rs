//! The clinic's set-up as the core reads it: the group, its locations with their zones,
//! opening hours and closures, the therapists with their working hours and days off,
//! and the services. Kept in
//! memory under the set-up version the database holds and read again when any instance
//! changes it (the version moves in the same transaction as every change), so one
//! query — the version — answers most requests.

use kneadtime_store::ids::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use kneadtime_store::{
    Clinic as ClinicRow, Closure, Service, Therapist, TherapistException, WorkingHours,
};

use crate::Clinic;
use crate::error::CoreResult;
use crate::sites::Sites;

/// Dates before and after every date the store holds.
pub(crate) const FIRST_DAY: Date = Date::constant(0, 1, 1);
pub(crate) const LAST_DAY: Date = Date::constant(9999, 12, 31);

/// The set-up, read together.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The set-up version it was read under.
    pub version: i64,
    pub clinic: ClinicRow,
    pub sites: Sites,
    /// Every therapist, inactive ones too, by name.
    pub therapists: Vec<Therapist>,
    hours: HashMap<TherapistId, Vec<WorkingHours>>,
    /// Every service, inactive ones too, by name.
    pub services: Vec<Service>,
    /// Each therapist's days off, by start.
    exceptions: HashMap<TherapistId, Vec<TherapistException>>,
    /// Every closure, by start.
    closures: Vec<Closure>,
}

impl Setup {
    pub fn therapist(&self, id: &TherapistId) -> Option<&Therapist> {
        self.therapists.iter().find(|t| t.id == *id)
    }

    pub fn service(&self, id: &ServiceId) -> Option<&Service> {
        self.services.iter().find(|s| s.id == *id)
    }

    /// A therapist's weekly working hours (none for an unknown one).
    pub fn hours_of(&self, therapist_id: &TherapistId) -> &[WorkingHours] {
        self.hours.get(therapist_id).map_or(&[], Vec::as_slice)
    }

    /// The clinic's rules profile.
    pub fn profile(&self) -> CoreResult<kneadtime_domain::Profile> {
        crate::context::clinic_profile(&self.clinic.profile_toml).map_err(|e| {
            crate::CoreError::Refused {
                code: crate::Code::BadProfile,
                message: format!("the clinic's rules profile cannot be read: {e}"),
            }
        })
    }

    /// The therapist's days off that touch `from..=to`.
    pub fn exceptions_of(
        &self,
        therapist_id: &TherapistId,
        from: Date,
        to: Date,
    ) -> Vec<TherapistException> {
        self.exceptions
            .get(therapist_id)
            .into_iter()
            .flatten()
            .filter(|e| e.to_date >= from && e.from_date <= to)
            .cloned()
            .collect()
    }

    /// Every therapist's days off that touch `from..=to`, by therapist.
    pub fn exceptions_between(
        &self,
        from: Date,
        to: Date,
    ) -> HashMap<TherapistId, Vec<TherapistException>> {
        self.exceptions
            .iter()
            .map(|(t, all)| {
                let some = all
                    .iter()
                    .filter(|e| e.to_date >= from && e.from_date <= to)
                    .cloned()
                    .collect::<Vec<_>>();
                (t.clone(), some)
            })
            .filter(|(_, some)| !some.is_empty())
            .collect()
    }

    /// The closures (of one location or all) that touch `from..=to`, by start.
    pub fn closures_between(&self, from: Date, to: Date) -> Vec<Closure> {
        self.closures
            .iter()
            .filter(|c| c.to_date >= from && c.from_date <= to)
            .cloned()
            .collect()
    }

    /// Every therapist's weekly working hours.
    pub fn hours(&self) -> &HashMap<TherapistId, Vec<WorkingHours>> {
        &self.hours
    }

    async fn read(core: &Clinic, version: i64) -> CoreResult<Setup> {
        let store = &core.store;
        // Days off and closures of every date: the set-up changes seldom, and a
        // clinic's leave over years is thousands of rows at most.
        let (clinic, locations, opening, therapists, hours, services, days_off, closures) = tokio::try_join!(
            store.clinic(),
            store.locations(),
            store.location_hours_all(),
            store.therapists(),
            store.working_hours_all(),
            store.services(),
            store.exceptions_between(FIRST_DAY, LAST_DAY),
            store.closures_between(FIRST_DAY, LAST_DAY),
        )?;
        let mut exceptions: HashMap<TherapistId, Vec<TherapistException>> = HashMap::new();
        for e in days_off {
            exceptions
                .entry(e.therapist_id.clone())
                .or_default()
                .push(e);
        }
        let mut by_therapist: HashMap<TherapistId, Vec<WorkingHours>> = HashMap::new();
        for (t, h) in hours {
            by_therapist.entry(t).or_default().push(h);
        }
        Ok(Setup {
            version,
            clinic,
            sites: Sites::new(locations, opening),
            therapists,
            hours: by_therapist,
            services,
            exceptions,
            closures,
        })
    }
}

/// The set-up as last read, with its version.
#[derive(Default)]
pub struct SetupCache(Mutex<Option<Arc<Setup>>>);

impl SetupCache {
    fn get(&self, version: i64) -> Option<Arc<Setup>> {
        self.0
            .lock()
            .ok()?
            .as_ref()
            .filter(|s| s.version == version)
            .cloned()
    }

    fn put(&self, s: Arc<Setup>) {
        if let Ok(mut k) = self.0.lock()
            && k.as_ref().is_none_or(|old| old.version <= s.version)
        {
            *k = Some(s);
        }
    }
}

impl Clinic {
    /// The set-up as the database holds it now: kept while its version holds. The
    /// version is read first, so what is kept is never older than the version it is
    /// kept under.
    ///
    /// The tables are read side by side, not in one snapshot: when the version moved
    /// while they were read, what was read may mix two set-ups, so it is read again (a
    /// few times at most; a set-up changing faster than that is used, not kept).
    pub async fn setup(&self) -> CoreResult<Arc<Setup>> {
        let mut version = self.store.setup_version().await?;
        if let Some(s) = self.setups.get(version) {
            return Ok(s);
        }
        let mut tries = 0;
        loop {
            let s = Arc::new(Setup::read(self, version).await?);
            let after = self.store.setup_version().await?;
            tries += 1;
            if after == version {
                self.setups.put(s.clone());
                return Ok(s);
            }
            if tries == 3 {
                return Ok(s);
            }
            version = after;
        }
    }
}
