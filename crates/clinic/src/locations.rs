//! Setting up the clinic group's locations: each checked (a name, an address, a real
//! time zone, opening hours that make sense) before the store keeps it.

use kneadtime_store::ids::*;
use kneadtime_store::{Location, NewLocation, StoreError, WorkingHours};

use crate::Clinic;
use crate::error::{CoreError, CoreResult};

/// What the owner gives for a new location or a change to one.
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    pub name: Option<String>,
    pub address: Option<String>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}

/// A zone name the clinic can work in, trimmed; a field error naming `field` otherwise.
pub fn check_zone(field: &str, name: &str) -> CoreResult<String> {
    let name = name.trim();
    jiff::tz::TimeZone::get(name).map_err(|_| {
        CoreError::field(
            field,
            format!("expected an IANA time zone name like Europe/London, found {name:?}"),
        )
    })?;
    Ok(name.to_string())
}

fn check_text(field: &str, s: &str, max: usize, required: bool) -> CoreResult<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(CoreError::field(field, "expected some text, found nothing"));
    }
    if s.chars().count() > max {
        return Err(CoreError::field(
            field,
            format!("expected at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(CoreError::field(field, "expected no control characters"));
    }
    Ok(s.to_string())
}

fn refused(e: StoreError) -> CoreError {
    match e {
        StoreError::Invalid(m) => CoreError::field("location", m),
        StoreError::NotFound => CoreError::NotFound("location"),
        e => e.into(),
    }
}

/// A new location; its zone defaults to the group's.
pub async fn create(core: &Clinic, input: LocationInput) -> CoreResult<Location> {
    let clinic = core.store.clinic().await?;
    let new = NewLocation {
        name: check_text("name", input.name.as_deref().unwrap_or(""), 120, true)?,
        address: check_text(
            "address",
            input.address.as_deref().unwrap_or(""),
            500,
            false,
        )?,
        time_zone: match &input.time_zone {
            Some(z) => check_zone("time_zone", z)?,
            None => clinic.time_zone,
        },
    };
    let mut l = core.store.create_location(&new).await.map_err(refused)?;
    if input.active == Some(false) || input.position.is_some() {
        l = update(
            core,
            &l.id,
            LocationInput {
                active: input.active,
                position: input.position,
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(l)
}

/// Changes what is given and keeps the rest.
pub async fn update(core: &Clinic, id: &LocationId, input: LocationInput) -> CoreResult<Location> {
    let mut l = core.store.location(id).await.map_err(refused)?;
    if let Some(n) = &input.name {
        l.name = check_text("name", n, 120, true)?;
    }
    if let Some(a) = &input.address {
        l.address = check_text("address", a, 500, false)?;
    }
    if let Some(z) = &input.time_zone {
        l.time_zone = check_zone("time_zone", z)?;
    }
    if let Some(p) = input.position {
        if !(0..=10_000).contains(&p) {
            return Err(CoreError::field("position", "expected 0 to 10000"));
        }
        l.position = p;
    }
    if let Some(a) = input.active {
        l.active = a;
    }
    let zone_moved = input.time_zone.is_some();
    core.store.update_location(&l).await.map_err(|e| match e {
        StoreError::Invalid(m) if zone_moved && m.contains("time zone") => {
            CoreError::field("time_zone", m)
        }
        StoreError::Invalid(m) => CoreError::field("active", m),
        e => refused(e),
    })?;
    Ok(l)
}

/// Every location with its opening hours, in page order.
pub async fn all(core: &Clinic) -> CoreResult<Vec<(Location, Vec<WorkingHours>)>> {
    let setup = core.setup().await?;
    Ok(setup
        .sites
        .locations
        .iter()
        .map(|l| (l.clone(), setup.sites.opening_hours(&l.id).to_vec()))
        .collect())
}

/// One location with its opening hours.
pub async fn one(core: &Clinic, id: &LocationId) -> CoreResult<(Location, Vec<WorkingHours>)> {
    let setup = core.setup().await?;
    let l = setup
        .sites
        .location(id)
        .cloned()
        .ok_or(CoreError::NotFound("location"))?;
    let hours = setup.sites.opening_hours(id).to_vec();
    Ok((l, hours))
}

/// Replaces a location's opening hours (already read and checked as a weekly pattern;
/// none means open whenever its therapists work). Clients booked at times the new hours
/// leave out are listed instead; weekdays gained are offered to those waiting on the
/// weeks ahead.
pub async fn set_hours(core: &Clinic, id: &LocationId, hours: &[WorkingHours]) -> CoreResult<()> {
    crate::catalog::refuse_stranded(
        core,
        crate::leave::stranded_by_opening_hours(core, id, hours).await?,
    )
    .await?;
    let before = core.store.location_hours(id).await?;
    core.store
        .set_location_hours(id, hours)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => CoreError::field("hours", m),
            e => refused(e),
        })?;
    // No hours at all is open whenever the therapists work: every weekday gained.
    let gained = if hours.is_empty() {
        if before.is_empty() {
            Vec::new()
        } else {
            crate::waitlist::WEEK.to_vec()
        }
    } else if before.is_empty() {
        Vec::new()
    } else {
        crate::waitlist::weekdays_gained(&before, hours)
    };
    if gained.is_empty() {
        return Ok(());
    }
    let (l, therapists) = tokio::try_join!(
        async { Ok(core.store.location(id).await?) },
        crate::catalog::therapists(core, false),
    )?;
    let here: Vec<TherapistId> = therapists
        .into_iter()
        .filter(|t| t.location_id == id)
        .map(|t| t.id)
        .collect();
    let today = crate::local_date(core.now(), &crate::zone_of(&l.time_zone));
    crate::waitlist::weekdays_opened(core, &here, &gained, today).await
}
