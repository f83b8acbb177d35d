//! The clinic's catalogue as use-cases: its own settings, therapists with their weekly
//! hours and days off, closures, services and staff logins. Reads come from the kept
//! set-up; every change is checked here (a booked client is never left without their
//! therapist: each is listed with the best other time instead), and time a change frees
//! is offered to those waiting.

use jiff::civil::Date;
use kneadtime_store::ids::*;
use kneadtime_store::{
    Clinic as ClinicRow, Closure, ExceptionReason, NewException, NewService, NewStaff,
    NewTherapist, Role, Service, Skill, Staff, StoreError, Therapist, TherapistException,
    WorkingHours,
};

use crate::clients::check_text;
use crate::error::{Code, CoreError, CoreResult};
use crate::leave::{self, Stranded};
use crate::{Clinic, local_date, waitlist, zone_of};

use crate::setup::{FIRST_DAY, LAST_DAY};

/// Changes to the clinic's own settings; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ClinicChange {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub profile_toml: Option<String>,
    pub booking_horizon_days: Option<i64>,
    pub max_open_bookings: Option<i64>,
    pub address: Option<String>,
    pub reminder_hours: Option<i64>,
    pub cancel_window_hours: Option<i64>,
    pub min_notice_hours: Option<i64>,
    pub currency: Option<String>,
}

/// The clinic as stored.
pub async fn clinic(core: &Clinic) -> CoreResult<ClinicRow> {
    Ok(core.setup().await?.clinic.clone())
}

/// Checks every field given and stores the clinic with them.
pub async fn change_clinic(core: &Clinic, ch: ClinicChange) -> CoreResult<ClinicRow> {
    let mut c = core.store.clinic().await?;
    if let Some(n) = ch.name {
        c.name = check_text("name", &n, 200)?;
    }
    if let Some(z) = ch.time_zone {
        let z = z.trim().to_string();
        jiff::tz::TimeZone::get(&z).map_err(|_| {
            CoreError::field(
                "time_zone",
                format!("expected an IANA time zone name like Europe/London, found {z:?}"),
            )
        })?;
        c.time_zone = z;
    }
    if let Some(p) = ch.profile_toml {
        crate::clinic_profile(&p).map_err(|e| CoreError::field("profile_toml", e))?;
        c.profile_toml = p;
    }
    if let Some(d) = ch.booking_horizon_days {
        if !(1..=3650).contains(&d) {
            return Err(CoreError::field(
                "booking_horizon_days",
                format!("expected 1 to 3650 days, found {d}"),
            ));
        }
        c.booking_horizon_days = d;
    }
    if let Some(n) = ch.max_open_bookings {
        if !(1..=1000).contains(&n) {
            return Err(CoreError::field(
                "max_open_bookings",
                format!("expected 1 to 1000, found {n}"),
            ));
        }
        c.max_open_bookings = n;
    }
    if let Some(a) = ch.address {
        let a = a.trim();
        if a.chars().count() > 500 || a.chars().any(|ch| ch.is_control() && ch != '\n') {
            return Err(CoreError::field(
                "address",
                "expected at most 500 characters of plain text",
            ));
        }
        c.address = a.to_string();
    }
    let max = kneadtime_store::MAX_NOTICE_HOURS;
    for (field, value, slot) in [
        ("reminder_hours", ch.reminder_hours, &mut c.reminder_hours),
        (
            "cancel_window_hours",
            ch.cancel_window_hours,
            &mut c.cancel_window_hours,
        ),
        (
            "min_notice_hours",
            ch.min_notice_hours,
            &mut c.min_notice_hours,
        ),
    ] {
        if let Some(h) = value {
            if !(0..=max).contains(&h) {
                return Err(CoreError::field(
                    field,
                    format!("expected 0 to {max} hours, found {h}"),
                ));
            }
            *slot = h;
        }
    }
    if let Some(code) = ch.currency {
        let code = code.trim().to_ascii_uppercase();
        if !crate::known_currency(&code) {
            let known: Vec<&str> = crate::CURRENCIES.iter().map(|(c, _, _)| *c).collect();
            return Err(CoreError::field(
                "currency",
                format!("expected one of {} or empty", known.join(", ")),
            ));
        }
        c.currency = code;
    }
    core.store.update_clinic(&c).await?;
    Ok(c)
}

/// Therapists by name; inactive ones only when asked for.
pub async fn therapists(core: &Clinic, with_inactive: bool) -> CoreResult<Vec<Therapist>> {
    let setup = core.setup().await?;
    Ok(setup
        .therapists
        .iter()
        .filter(|t| with_inactive || t.active)
        .cloned()
        .collect())
}

/// One therapist.
pub async fn therapist(core: &Clinic, id: &TherapistId) -> CoreResult<Therapist> {
    core.setup()
        .await?
        .therapist(id)
        .cloned()
        .ok_or(CoreError::NotFound("therapist"))
}

/// A therapist with their weekly hours and every day off they have.
pub async fn therapist_with_time(
    core: &Clinic,
    id: &TherapistId,
) -> CoreResult<(Therapist, Vec<WorkingHours>, Vec<TherapistException>)> {
    let setup = core.setup().await?;
    let t = setup
        .therapist(id)
        .cloned()
        .ok_or(CoreError::NotFound("therapist"))?;
    let hours = setup.hours_of(id).to_vec();
    let days_off = setup.exceptions_of(id, FIRST_DAY, LAST_DAY);
    Ok((t, hours, days_off))
}

/// The login a new therapist gets: the email and the password already hashed.
#[derive(Debug, Clone)]
pub struct NewLogin {
    pub email: String,
    pub password_hash: String,
}

/// A new therapist, and their login when one is given. The email is checked before the
/// therapist is stored; a login the store still refuses leaves the therapist stored.
pub async fn add_therapist(
    core: &Clinic,
    name: &str,
    skills: Vec<Skill>,
    location_id: Option<LocationId>,
    login: Option<NewLogin>,
) -> CoreResult<(Therapist, Option<Staff>)> {
    let name = check_text("name", name, 200)?;
    if let Some(l) = &login {
        match core.store.staff_by_email(&l.email).await {
            Ok(_) => return Err(email_taken()),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        if !l.email.contains('@') {
            return Err(CoreError::field(
                "email",
                format!("expected an email address, found {:?}", l.email),
            ));
        }
    }
    let t = core
        .store
        .create_therapist(&NewTherapist {
            name: name.clone(),
            skills,
            location_id,
        })
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => CoreError::field("location_id", m),
            e => e.into(),
        })?;
    let staff = match login {
        Some(l) => Some(
            add_staff(
                core,
                NewStaff {
                    email: l.email,
                    name,
                    role: Role::Therapist,
                    therapist_id: Some(t.id.clone()),
                    password_hash: l.password_hash,
                },
            )
            .await?,
        ),
        None => None,
    };
    Ok((t, staff))
}

/// Changes to a therapist; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct TherapistChange {
    pub name: Option<String>,
    pub skills: Option<Vec<Skill>>,
    pub active: Option<bool>,
    pub location_id: Option<LocationId>,
}

/// Changes a therapist. Deactivating one who still has clients booked within the booking
/// horizon is refused with each booking and its best other time; a deactivated
/// therapist's logins stop at once (sign-in refused, sessions ended).
pub async fn change_therapist(
    core: &Clinic,
    id: &TherapistId,
    ch: TherapistChange,
) -> CoreResult<Therapist> {
    let mut t = core
        .store
        .therapist(id)
        .await
        .map_err(|e| CoreError::missing(e, "therapist"))?;
    if let Some(n) = ch.name {
        t.name = check_text("name", &n, 200)?;
    }
    if let Some(s) = ch.skills {
        t.skills = s;
    }
    let was_active = t.active;
    if let Some(a) = ch.active {
        t.active = a;
    }
    if let Some(l) = ch.location_id {
        t.location_id = l;
    }
    if was_active && !t.active {
        let clinic = core.store.clinic().await?;
        let today = local_date(core.now(), &zone_of(&clinic.time_zone));
        let until =
            kneadtime_domain::dates::add_days(today, clinic.booking_horizon_days as i32 + 1);
        refuse_stranded(
            core,
            leave::stranded_by_leave(core, id, today, until).await?,
        )
        .await?;
    }
    core.store.update_therapist(&t).await.map_err(|e| match e {
        StoreError::Invalid(m) => CoreError::field("location_id", m),
        e => e.into(),
    })?;
    if was_active != t.active {
        core.store
            .set_therapist_logins_active(&t.id, t.active)
            .await?;
    }
    Ok(t)
}

/// Replaces a therapist's weekly hours. Booked clients the new hours leave out are
/// listed instead; weekdays gained are offered to those waiting on the weeks ahead.
pub async fn set_hours(core: &Clinic, id: &TherapistId, hours: &[WorkingHours]) -> CoreResult<()> {
    therapist(core, id).await?;
    refuse_stranded(core, leave::stranded_by_hours(core, id, hours).await?).await?;
    let before = core.store.working_hours(id).await?;
    core.store.set_working_hours(id, hours).await?;
    let gained = waitlist::weekdays_gained(&before, hours);
    if gained.is_empty() {
        return Ok(());
    }
    let clinic = core.store.clinic().await?;
    let today = local_date(core.now(), &zone_of(&clinic.time_zone));
    waitlist::weekdays_opened(core, std::slice::from_ref(id), &gained, today).await
}

/// Days off for a therapist, `from..=to`. Clients booked on them are listed instead.
pub async fn add_days_off(
    core: &Clinic,
    id: &TherapistId,
    from: Date,
    to: Date,
    reason: ExceptionReason,
    note: &str,
) -> CoreResult<TherapistException> {
    therapist(core, id).await?;
    refuse_stranded(core, leave::stranded_by_leave(core, id, from, to).await?).await?;
    Ok(core
        .store
        .create_exception(&NewException {
            therapist_id: id.clone(),
            from_date: from,
            to_date: to,
            reason,
            note: note.chars().take(500).collect(),
        })
        .await?)
}

/// Removes a therapist's days off; the days come back and are offered to those waiting.
pub async fn remove_days_off(
    core: &Clinic,
    id: &TherapistId,
    exception_id: &ExceptionId,
) -> CoreResult<()> {
    let mine = core.setup().await?.exceptions_of(id, FIRST_DAY, LAST_DAY);
    let Some(gone) = mine.iter().find(|e| e.id == exception_id) else {
        return Err(CoreError::NotFound("day off"));
    };
    core.store.delete_exception(exception_id).await?;
    let days = waitlist::dates_between(gone.from_date, gone.to_date);
    waitlist::opened(core, std::slice::from_ref(id), &days).await?;
    Ok(())
}

/// Closures from today on, by start.
pub async fn closures_ahead(core: &Clinic) -> CoreResult<Vec<Closure>> {
    let setup = core.setup().await?;
    let today = local_date(core.now(), &zone_of(&setup.clinic.time_zone));
    Ok(setup.closures_between(today, LAST_DAY))
}

/// A location (or, without one, every location) closed on `from..=to`. Clients booked
/// there then are listed instead.
pub async fn add_closure(
    core: &Clinic,
    from: Date,
    to: Date,
    note: &str,
    location_id: Option<&LocationId>,
) -> CoreResult<Closure> {
    if let Some(l) = location_id {
        core.store.location(l).await.map_err(|e| match e {
            StoreError::NotFound => {
                CoreError::field("location_id", format!("there is no location {l:?}"))
            }
            e => e.into(),
        })?;
    }
    refuse_stranded(
        core,
        leave::stranded_by_closure(core, location_id, from, to).await?,
    )
    .await?;
    Ok(core
        .store
        .create_closure(from, to, note.trim(), location_id)
        .await?)
}

/// Removes a closure: the location opens again on those days, and every active
/// therapist's time there is offered to those waiting on it.
pub async fn remove_closure(core: &Clinic, id: &ClosureId) -> CoreResult<()> {
    let setup = core.setup().await?;
    let gone = setup
        .closures_between(FIRST_DAY, LAST_DAY)
        .into_iter()
        .find(|c| c.id == id);
    core.store
        .delete_closure(id)
        .await
        .map_err(|e| CoreError::missing(e, "closure"))?;
    if let Some(c) = gone {
        let therapists: Vec<TherapistId> = setup
            .therapists
            .iter()
            .filter(|t| t.active && c.closes(&t.location_id))
            .map(|t| t.id.clone())
            .collect();
        let days = waitlist::dates_between(c.from_date, c.to_date);
        waitlist::opened(core, &therapists, &days).await?;
    }
    Ok(())
}

/// Services by name; inactive ones only when asked for.
pub async fn services(core: &Clinic, with_inactive: bool) -> CoreResult<Vec<Service>> {
    let setup = core.setup().await?;
    Ok(setup
        .services
        .iter()
        .filter(|s| with_inactive || s.active)
        .cloned()
        .collect())
}

/// A service checked field by field: pressures in order, lengths and buffers on the
/// 5-minute grid, a price in range, a name, and a location only when one is named.
fn checked_service(s: NewService) -> CoreResult<NewService> {
    if s.pressure_max < s.pressure_min {
        return Err(CoreError::field(
            "pressure_max",
            "expected a pressure at least pressure_min",
        ));
    }
    if !(5..=480).contains(&s.length_min) || s.length_min % 5 != 0 {
        return Err(CoreError::field(
            "length_min",
            "expected minutes from 5 to 480, in steps of 5",
        ));
    }
    if !(0..=10_000_000).contains(&s.price_cents) {
        return Err(CoreError::field("price_cents", "expected 0 to 10000000"));
    }
    // Bookings sit on the 5-minute grid, so a length and buffer in whole steps of it
    // block exactly the time they take.
    if !(0..=240).contains(&s.buffer_after_min) || s.buffer_after_min % 5 != 0 {
        return Err(CoreError::field(
            "buffer_after_min",
            "expected 0 to 240 minutes, in steps of 5",
        ));
    }
    Ok(NewService {
        name: check_text("name", &s.name, 200)?,
        location_id: s
            .location_id
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(LocationId::from),
        ..s
    })
}

/// A new service.
pub async fn add_service(core: &Clinic, new: NewService) -> CoreResult<Service> {
    core.store
        .create_service(&checked_service(new)?)
        .await
        .map_err(location_field)
}

/// Replaces a service's fields; whether it is offered stays as it was.
pub async fn change_service(core: &Clinic, id: &ServiceId, new: NewService) -> CoreResult<Service> {
    let old = core
        .store
        .service(id)
        .await
        .map_err(|e| CoreError::missing(e, "service"))?;
    let n = checked_service(new)?;
    let s = Service {
        id: old.id,
        name: n.name,
        kind: n.kind,
        length_min: n.length_min,
        price_cents: n.price_cents,
        pressure_min: n.pressure_min,
        pressure_max: n.pressure_max,
        buffer_after_min: n.buffer_after_min,
        active: old.active,
        location_id: n.location_id,
    };
    core.store
        .update_service(&s)
        .await
        .map_err(location_field)?;
    Ok(s)
}

/// Stops offering a service; past bookings keep it.
pub async fn retire_service(core: &Clinic, id: &ServiceId) -> CoreResult<()> {
    core.store
        .deactivate_service(id)
        .await
        .map_err(|e| CoreError::missing(e, "service"))
}

/// Every staff login.
pub async fn staff_list(core: &Clinic) -> CoreResult<Vec<Staff>> {
    Ok(core.store.staff_list().await?)
}

/// A new staff login; a therapist login names an existing therapist.
pub async fn add_staff(core: &Clinic, s: NewStaff) -> CoreResult<Staff> {
    if s.role == Role::Therapist && s.therapist_id.is_none() {
        return Err(CoreError::field(
            "therapist_id",
            "a therapist login needs the therapist's id",
        ));
    }
    if let Some(t) = &s.therapist_id {
        therapist(core, t).await?;
    }
    let s = NewStaff {
        name: check_text("name", &s.name, 200)?,
        ..s
    };
    core.store.create_staff(&s).await.map_err(|e| match e {
        StoreError::Conflict => email_taken(),
        StoreError::Invalid(m) => CoreError::field("email", m),
        e => e.into(),
    })
}

/// Changes to a staff login.
#[derive(Debug, Clone, Default)]
pub struct StaffChange {
    /// False revokes the login (its sessions end); true restores it.
    pub active: Option<bool>,
    /// A new password, hashed; every session of the login ends but `keep_session`.
    pub password_hash: Option<String>,
    /// The session (by its hash) that made the change, kept when it is the login's own.
    pub keep_session: Option<String>,
}

/// Revokes, restores or resets a staff login. The clinic's only active owner cannot be
/// revoked.
pub async fn change_staff(core: &Clinic, id: &StaffId, ch: StaffChange) -> CoreResult<Staff> {
    let s = core
        .store
        .staff(id)
        .await
        .map_err(|e| CoreError::missing(e, "staff login"))?;
    if ch.active == Some(false) && s.role == Role::Owner {
        let others = core
            .store
            .staff_list()
            .await?
            .iter()
            .filter(|x| x.role == Role::Owner && x.active && x.id != s.id)
            .count();
        if others == 0 {
            return Err(CoreError::Conflict {
                code: Code::LastOwner,
                field: Some("active"),
                message: "the clinic's only active owner cannot be revoked".into(),
            });
        }
    }
    if let Some(hash) = &ch.password_hash {
        core.store.set_staff_password(&s.id, hash).await?;
        core.store
            .end_staff_sessions(&s.id, ch.keep_session.as_deref())
            .await?;
    }
    if let Some(a) = ch.active {
        core.store.set_staff_active(&s.id, a).await?;
    }
    Ok(core.store.staff(&s.id).await?)
}

/// Refuses a change that would leave booked clients without their therapist.
pub(crate) async fn refuse_stranded(core: &Clinic, stranded: Vec<Stranded>) -> CoreResult<()> {
    if stranded.is_empty() {
        return Ok(());
    }
    let clinic = core.store.clinic().await?;
    Err(CoreError::Stranded {
        stranded,
        zone: zone_of(&clinic.time_zone),
    })
}

fn email_taken() -> CoreError {
    CoreError::Conflict {
        code: Code::EmailTaken,
        field: Some("email"),
        message: "that email already has a login".into(),
    }
}

/// A store refusal of a service's location, on its field.
fn location_field(e: StoreError) -> CoreError {
    match e {
        StoreError::Invalid(m) if m.contains("location") => CoreError::field("location_id", m),
        e => e.into(),
    }
}
