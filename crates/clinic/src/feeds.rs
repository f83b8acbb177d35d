//! Calendar feeds as a use-case: the sessions of the therapist or client a feed secret
//! belongs to, a season back and a year ahead, each named and placed in its location's
//! zone, ready to be written as one calendar. The secret's hash is the only credential;
//! checking it is here, serving the file is the server's.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use std::collections::HashMap;

use kneadtime_import::TimedEvent;
use kneadtime_store::{FeedOwner, Status, StoreError};

use crate::notify::place_of;
use crate::time::local_datetime;
use crate::{Clinic, CoreError, CoreResult};

/// How far back and ahead a feed reaches.
const PAST_SECS: i64 = 90 * 86_400;
const AHEAD_SECS: i64 = 400 * 86_400;

/// A feed: its calendar's title and its sessions.
pub struct Feed {
    pub title: String,
    pub events: Vec<TimedEvent>,
}

/// The feed whose secret hashes to `token_hash`; not found when none does.
pub async fn feed(core: &Clinic, token_hash: &str) -> CoreResult<Feed> {
    let owner = core
        .store
        .feed_owner(token_hash)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => CoreError::NotFound("feed"),
            e => e.into(),
        })?;
    let setup = core.setup().await?;
    let clinic = &setup.clinic;
    let now = core.now();
    let (from, to) = (now - PAST_SECS, now + AHEAD_SECS);
    // Client names: the one client of a client's feed; the clients in a therapist's.
    let (title, appts, clients): (String, _, HashMap<ClientId, String>) = match &owner {
        FeedOwner::Therapist(id) => {
            let t = setup.therapist(id).ok_or(CoreError::NotFound("feed"))?;
            let appts = core
                .store
                .appointments_for_therapist(
                    id,
                    UnixTime::from_second(from),
                    UnixTime::from_second(to),
                )
                .await?;
            let mut ids: Vec<ClientId> = appts.iter().map(|a| a.client_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let names = core.store.client_names(&ids).await?;
            (format!("{} – {}", clinic.name, t.name), appts, names)
        }
        FeedOwner::Client(id) => {
            let (c, list) = tokio::try_join!(
                core.store.client(id),
                core.store.appointments_for_client(id),
            )?;
            let appts = list
                .into_iter()
                .filter(|a| {
                    a.end_at >= UnixTime::from_second(from)
                        && a.start_at <= UnixTime::from_second(to)
                })
                .collect();
            (
                format!("{} – {}", clinic.name, c.name),
                appts,
                HashMap::from([(c.id, c.name)]),
            )
        }
    };
    let events = appts
        .iter()
        .filter(|a| a.status != Status::NoShow)
        .map(|a| {
            let therapist = setup.therapist(&a.therapist_id);
            let service = setup
                .service(&a.service_id)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let therapist_name = therapist.map(|t| t.name.clone()).unwrap_or_default();
            let client_name = clients.get(&a.client_id).cloned().unwrap_or_default();
            // Where the session is: the clinic, its location, and the address.
            let location = therapist.and_then(|t| setup.sites.location(&t.location_id));
            let place = location.map_or_else(|| clinic.name.clone(), |l| place_of(clinic, l));
            let tz = therapist.map_or_else(
                || crate::time::zone_of(&clinic.time_zone),
                |t| setup.sites.zone_of(t),
            );
            let local_time = local_datetime(a.start_at.as_second(), &tz)
                .time()
                .strftime("%H:%M")
                .to_string();
            let summary = match &owner {
                FeedOwner::Therapist(_) => format!("{service}: {client_name}"),
                FeedOwner::Client(_) => format!("{service} with {therapist_name}"),
            };
            TimedEvent {
                uid: format!("{}@kneadtime", a.id),
                start: a.start_at.timestamp().unwrap_or_default(),
                end: a.end_at.timestamp().unwrap_or_default(),
                summary,
                description: format!(
                    "{service} at {place}, {local_time} ({}).",
                    tz.iana_name().unwrap_or("UTC")
                ),
                location: place,
                cancelled: a.status == Status::Cancelled,
                // The same UID and sequence as the emailed invitations, so a calendar
                // that has both keeps one event.
                sequence: u32::try_from(a.sequence).unwrap_or(u32::MAX),
                reminder_minutes_before: Some(120),
            }
        })
        .collect();
    Ok(Feed { title, events })
}
