//! Clients as use-cases: a new client, checked once for every way in (staff adding a
//! client through the API and a runner starting a booking on the web page go through
//! [`register`]); a client's details, races and uploads; their personal link and
//! calendar feed; and two records of one person merged.

use jiff::civil::Date;
use kneadtime_domain::Priority;
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{
    Appointment, Client, ClientCalendar, ClientHistory, ClientRace, FeedOwner, NewClient,
    StoreError,
};

use crate::Clinic;
use crate::error::{Code, CoreError, CoreResult};
use crate::time::local_date;

/// Names, emails and phone numbers are cut off past these lengths.
const NAME_MAX: usize = 200;
const EMAIL_MAX: usize = 254;
const PHONE_MAX: usize = 50;

/// A client to register, as typed.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub name: String,
    pub email: String,
    /// A runner booking on the web needs an email; staff may leave it out.
    pub email_required: bool,
    pub phone: String,
    /// Weekdays the client cannot come (`mon` … `sun`).
    pub unavailable_days: Vec<String>,
    /// Their next race, when given: its date (today or later) and distance in km.
    pub race: Option<(Date, f64)>,
    /// The hash of the client's personal link token (the server makes the token).
    pub access_token_hash: String,
}

/// Some text (trimmed), at most `max` characters.
pub fn check_text(field: &str, s: &str, max: usize) -> CoreResult<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::field(field, "expected some text"));
    }
    if t.chars().count() > max {
        return Err(CoreError::field(
            field,
            format!("expected at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

/// A person's name: some text, at most 200 characters.
pub fn check_name(field: &str, s: &str) -> CoreResult<String> {
    check_text(field, s, NAME_MAX)
}

/// An email address (`runner@example.org`), or nothing when it is not `required`.
pub fn check_email(s: &str, required: bool) -> CoreResult<String> {
    let e = s.trim();
    if e.is_empty() && !required {
        return Ok(String::new());
    }
    let at = e.find('@');
    let shaped = matches!(at, Some(i) if i > 0 && i + 1 < e.len())
        && e.len() <= EMAIL_MAX
        && !e.contains(char::is_whitespace);
    if !shaped {
        return Err(CoreError::field(
            "email",
            format!("expected an email address like runner@example.org, found {e:?}"),
        ));
    }
    Ok(e.to_string())
}

/// Weekdays by name, Monday first, without repeats.
pub fn check_weekdays(field: &str, days: &[String]) -> CoreResult<Vec<jiff::civil::Weekday>> {
    let mut out = days
        .iter()
        .map(|d| {
            kneadtime_domain::season::parse_weekday(d).ok_or_else(|| {
                CoreError::field(
                    field,
                    format!("expected mon, tue, wed, thu, fri, sat or sun, found {d:?}"),
                )
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    out.sort_by_key(|w| w.to_monday_zero_offset());
    out.dedup();
    Ok(out)
}

/// A client's next race: on `today` or later, and a distance above 0 and up to 1000 km.
pub fn check_race(today: Date, date: Date, km: f64) -> CoreResult<()> {
    if date < today {
        return Err(CoreError::field(
            "race_date",
            format!("expected your next race (today or later), found {date}, which has passed"),
        ));
    }
    if !(km.is_finite() && km > 0.0 && km <= 1000.0) {
        return Err(CoreError::field(
            "race_distance",
            "expected a distance above 0 and at most 1000 km",
        ));
    }
    Ok(())
}

/// Checks everything first, then stores the client and their race: nothing is kept
/// when any field is wrong.
pub async fn register(core: &Clinic, r: &Registration) -> CoreResult<Client> {
    let name = check_name("name", &r.name)?;
    let email = check_email(&r.email, r.email_required)?;
    let unavailable_weekdays = check_weekdays("unavailable_days", &r.unavailable_days)?;
    if let Some((date, km)) = r.race {
        let clinic = core.store.clinic().await?;
        let today = local_date(core.now(), &crate::time::zone_of(&clinic.time_zone));
        check_race(today, date, km)?;
    }
    let client = core
        .store
        .create_client(&NewClient {
            name,
            email,
            phone: r.phone.trim().chars().take(PHONE_MAX).collect(),
            unavailable_weekdays,
            access_token_hash: r.access_token_hash.clone(),
            password_hash: None,
        })
        .await;
    let client = match client {
        Ok(c) => c,
        // Emails are unique (case aside): the record that has it already.
        Err(kneadtime_store::StoreError::Conflict) => {
            let existing = core
                .store
                .clients_by_email(&r.email)
                .await?
                .into_iter()
                .next()
                .map(|c| c.id)
                .unwrap_or_default();
            return Err(CoreError::EmailTaken { existing });
        }
        Err(e) => return Err(e.into()),
    };
    if let Some((date, km)) = r.race {
        core.store
            .add_race(&client.id, date, km, Priority::A, "")
            .await?;
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_names_and_weekdays_are_checked_by_field() {
        assert_eq!(
            check_email(" ada@example.org ", true).unwrap(),
            "ada@example.org"
        );
        assert_eq!(check_email("", false).unwrap(), "");
        for bad in ["", "ada", "@example.org", "ada@", "ada @example.org"] {
            match check_email(bad, true) {
                Err(CoreError::Field { field, .. }) => assert_eq!(field, "email", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(check_email(&format!("{}@example.org", "a".repeat(250)), false).is_err());
        assert!(check_name("name", "  ").is_err());
        assert!(check_name("name", &"x".repeat(201)).is_err());
        assert_eq!(check_name("name", " Ada ").unwrap(), "Ada");
        assert_eq!(
            check_weekdays("d", &["sun".into(), "mon".into(), "sun".into()]).unwrap(),
            [jiff::civil::Weekday::Monday, jiff::civil::Weekday::Sunday]
        );
        assert!(check_weekdays("d", &["someday".into()]).is_err());
        let today = jiff::civil::date(2027, 3, 1);
        assert!(check_race(today, today, 42.195).is_ok());
        assert!(check_race(today, jiff::civil::date(2027, 2, 28), 10.0).is_err());
        assert!(check_race(today, today, 0.0).is_err());
        assert!(check_race(today, today, f64::NAN).is_err());
    }
}

/// A client, or not found.
pub async fn find(core: &Clinic, id: &ClientId) -> CoreResult<Client> {
    core.store
        .client(id)
        .await
        .map_err(|e| CoreError::missing(e, "client"))
}

/// The clients a therapist treats: booked with them, or seen by them since `since`.
pub async fn treated_by(
    core: &Clinic,
    therapist_id: &TherapistId,
    since: i64,
) -> CoreResult<Vec<Client>> {
    let mine = core
        .store
        .client_ids_of_therapist(therapist_id, UnixTime::from_second(since))
        .await?;
    Ok(core.store.clients_with_ids(&mine).await?)
}

/// Stores a client's changed details; an email another client has is refused.
pub async fn change(core: &Clinic, c: &Client) -> CoreResult<()> {
    core.store.update_client(c).await.map_err(|e| match e {
        StoreError::Conflict => CoreError::Conflict {
            code: Code::EmailTaken,
            field: Some("email"),
            message: "another client already has this email".into(),
        },
        e => e.into(),
    })
}

/// Gives a client a new personal link (by its token's hash); the old one stops working.
pub async fn new_link(core: &Clinic, id: &ClientId, token_hash: &str) -> CoreResult<()> {
    find(core, id).await?;
    Ok(core.store.set_client_link(id, token_hash).await?)
}

/// Gives a client or therapist a new calendar feed (by its token's hash); their earlier
/// feeds stop working.
pub async fn new_feed(core: &Clinic, owner: &FeedOwner, token_hash: &str) -> CoreResult<()> {
    core.store.revoke_feed_tokens(owner).await?;
    Ok(core.store.create_feed_token(token_hash, owner).await?)
}

/// Merges the record `from` into `into`: `from` goes, and everything it holds moves.
pub async fn merge(core: &Clinic, into: &str, from: &str) -> CoreResult<()> {
    core.store
        .merge_clients(into, from)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => CoreError::NotFound("client"),
            StoreError::ClientBusy => CoreError::Conflict {
                code: Code::ClientBusy,
                field: Some("from"),
                message:
                    "both records are booked at the same time; cancel one of those bookings first"
                        .into(),
            },
            StoreError::Invalid(why) => CoreError::field("from", why),
            e => e.into(),
        })
}

/// Everything on file about a client's training and bookings.
#[derive(Debug, Clone)]
pub struct ClientFile {
    pub races: Vec<ClientRace>,
    pub calendars: Vec<ClientCalendar>,
    pub history: Vec<ClientHistory>,
    pub appointments: Vec<Appointment>,
}

/// A client's races, uploads and appointments.
pub async fn file(core: &Clinic, id: &ClientId) -> CoreResult<ClientFile> {
    let (races, calendars, history, appointments) = tokio::try_join!(
        core.store.races(id),
        core.store.calendars(id),
        core.store.history(id),
        core.store.appointments_for_client(id),
    )?;
    Ok(ClientFile {
        races,
        calendars,
        history,
        appointments,
    })
}

/// A race for a client.
pub async fn add_race(
    core: &Clinic,
    id: &ClientId,
    date: Date,
    km: f64,
    priority: Priority,
    name: &str,
) -> CoreResult<ClientRace> {
    let name: String = name.trim().chars().take(200).collect();
    Ok(core.store.add_race(id, date, km, priority, &name).await?)
}

/// Removes one of a client's races.
pub async fn remove_race(core: &Clinic, id: &ClientId, race_id: &RaceId) -> CoreResult<()> {
    if !core.store.races(id).await?.iter().any(|r| r.id == race_id) {
        return Err(CoreError::NotFound("race"));
    }
    Ok(core.store.delete_race(race_id).await?)
}

/// Keeps a training calendar a client uploaded (already read and found good).
pub async fn add_calendar(
    core: &Clinic,
    id: &ClientId,
    filename: &str,
    content: &str,
) -> CoreResult<ClientCalendar> {
    Ok(core.store.add_calendar(id, filename, content).await?)
}

/// Keeps recorded history a client uploaded: the sessions read from it, as JSON.
pub async fn add_history(
    core: &Clinic,
    id: &ClientId,
    filename: &str,
    sessions_json: &str,
) -> CoreResult<ClientHistory> {
    Ok(core.store.add_history(id, filename, sessions_json).await?)
}

/// Removes an upload of a client's, a calendar or recorded history, by its id.
pub async fn remove_upload(core: &Clinic, id: &ClientId, upload_id: &UploadId) -> CoreResult<()> {
    let (calendars, history) = tokio::try_join!(core.store.calendars(id), core.store.history(id))?;
    if calendars.iter().any(|c| c.id == upload_id) {
        core.store.delete_calendar(upload_id).await?;
    } else if history.iter().any(|h| h.id == upload_id) {
        core.store.delete_history(upload_id).await?;
    } else {
        return Err(CoreError::NotFound("calendar"));
    }
    core.calendars.forget(upload_id);
    Ok(())
}
