//! The emails the clinic sends a client about a booking — confirmed, moved, cancelled,
//! and the reminder before it — written from what the database holds when the message
//! is sent, with a calendar invitation attached. Plain data: the server's mail worker
//! sends it.

use kneadtime_domain::care::{purpose, self_care};
use kneadtime_domain::day_fit;
use kneadtime_import::{Parties, TimedEvent, write_invitation};
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{
    Appointment, Claimed, Notice, NoticeKind, NoticeState, OutboxCounts, ServiceKind, Status,
    StoreError,
};

use crate::Clinic;
use crate::context::client_context;
use crate::error::CoreResult;
use crate::time::{day_start, local_date, local_datetime, zone_of};

/// One email, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to_name: String,
    pub to_email: String,
    /// Shown as the sender's name (the clinic's).
    pub from_name: String,
    pub subject: String,
    pub text: String,
    /// The `.ics` to attach, with its iTIP method (`REQUEST` or `CANCEL`).
    pub invitation: Option<(&'static str, String)>,
    /// Stable for the message, so a resend after a lost answer is recognisable.
    pub message_id: String,
}

/// What to do with a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Composed {
    Send(Box<Email>),
    /// Nothing to send, and why (kept with the message for the owner).
    Skip(&'static str),
}

/// Where links in emails point and what address they come from.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The server's public address, without a trailing slash.
    pub base_url: String,
    /// The address mail is sent from; the invitation's organiser.
    pub from_email: String,
}

fn host_of(url: &str) -> &str {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() { "kneadtime" } else { host }
}

/// Writes the message `notice` stands for, or says why there is none to send.
pub async fn compose(core: &Clinic, notice: &Notice, head: &Letterhead) -> CoreResult<Composed> {
    if notice.kind == NoticeKind::Offer {
        return compose_offer(core, notice, head).await;
    }
    if notice.kind == NoticeKind::Waitlisted {
        return compose_waitlisted(core, notice, head).await;
    }
    let Some(appointment_id) = &notice.appointment_id else {
        return Ok(Composed::Skip("the message names no appointment"));
    };
    let a = match core.store.appointment(appointment_id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return Ok(Composed::Skip("the appointment is gone")),
        Err(e) => return Err(e.into()),
    };
    if notice.kind != NoticeKind::Cancelled && notice.sequence < a.sequence {
        return Ok(Composed::Skip(
            "a later change to the booking has its own message",
        ));
    }
    if notice.kind == NoticeKind::Reminder && a.status != Status::Booked {
        return Ok(Composed::Skip("the appointment is no longer booked"));
    }
    if notice.kind != NoticeKind::Cancelled && a.status == Status::Cancelled {
        return Ok(Composed::Skip("the appointment was cancelled since"));
    }
    let (client, therapist, service, clinic, location) = tokio::try_join!(
        core.store.client(&a.client_id),
        core.store.therapist(&a.therapist_id),
        core.store.service(&a.service_id),
        core.store.clinic(),
        core.store.location_of_therapist(&a.therapist_id),
    )?;
    if client.email.trim().is_empty() {
        return Ok(Composed::Skip("the client has no email address"));
    }
    // Times are told in the zone of the location the client goes to.
    let tz = zone_of(&location.time_zone);
    let zone = tz.iana_name().unwrap_or("UTC");
    let start = local_datetime(a.start_at.as_second(), &tz);
    let when = format!("{} ({zone})", start.strftime("%a %-d %b %Y, %H:%M"));
    let place = place_of(&clinic, &location);
    let kind = match service.kind {
        ServiceKind::Massage(k) => Some(k),
        ServiceKind::General => None,
    };
    // The session's place in the season; a season that cannot be built (a bad profile,
    // an unreadable calendar) leaves the email without it rather than unsent.
    let season_line = if notice.kind == NoticeKind::Cancelled {
        None
    } else {
        client_context(core, &a.client_id).await.ok().map(|ctx| {
            let date = local_date(a.start_at.as_second(), &ctx.tz);
            let fit = day_fit(
                &ctx.season,
                ctx.wanted(&service),
                date,
                Some(start),
                &ctx.previous(Some(&a.id)),
            );
            purpose(kind, fit.race.as_ref(), date)
        })
    };
    let today = local_date(core.now(), &tz);
    let day = local_date(a.start_at.as_second(), &tz);
    let at = start.strftime("%H:%M").to_string();
    let soon = match kneadtime_domain::dates::days_between(today, day) {
        0 => format!("today at {at}"),
        1 => format!("tomorrow at {at}"),
        _ => format!("on {}", start.strftime("%a %-d %b at %H:%M")),
    };
    let subject = match notice.kind {
        NoticeKind::Booked => format!("Booked: {} with {}, {}", service.name, therapist.name, soon),
        NoticeKind::Rescheduled => format!(
            "Moved: {} with {}, now {}",
            service.name, therapist.name, soon
        ),
        NoticeKind::Cancelled => format!(
            "Cancelled: {} with {}, {}",
            service.name, therapist.name, soon
        ),
        NoticeKind::Reminder | NoticeKind::Offer | NoticeKind::Waitlisted => format!(
            "Reminder: {} with {} {}",
            service.name, therapist.name, soon
        ),
    };
    let opening = match notice.kind {
        NoticeKind::Booked => format!("your booking at {} is confirmed.", clinic.name),
        NoticeKind::Rescheduled if a.awaiting_client => format!(
            "{} had to move your booking to a new time (we are sorry for the change).",
            clinic.name
        ),
        NoticeKind::Rescheduled => {
            format!("your booking at {} has moved to a new time.", clinic.name)
        }
        NoticeKind::Cancelled => format!(
            "your booking at {} has been cancelled. If you did not ask for this, or would like another time, book again or reply to this email.",
            clinic.name
        ),
        NoticeKind::Reminder | NoticeKind::Offer | NoticeKind::Waitlisted => {
            format!("a reminder of your booking at {} {soon}.", clinic.name)
        }
    };
    let mut text = format!("Hello {},\n\n{opening}\n\n", client.name.trim());
    // A race-week booking says which event gave it.
    if notice.kind == NoticeKind::Booked
        && let Some(event_id) = a
            .idempotency_key
            .as_deref()
            .and_then(|k| k.strip_prefix("race:"))
            .and_then(|k| k.split(':').next())
        && let Ok(ev) = core.store.race_event(&RaceEventId::from(event_id)).await
    {
        text.push_str(&format!(
            "You asked for a session around {}; this is the time the clinic found for you, chosen with every other runner's so the best days go round.\n\n",
            ev.name
        ));
    }
    text.push_str(&format!(
        "  What:   {} ({} min), {}\n  When:   {when}\n  With:   {}\n  Where:  {place}\n",
        service.name,
        service.length_min,
        crate::money::price_text(service.price_cents, &clinic.currency),
        therapist.name
    ));
    if let Some(line) = &season_line {
        text.push_str(&format!("\nThis is {line}.\n"));
    }
    if notice.kind != NoticeKind::Cancelled {
        text.push('\n');
        text.push_str(self_care(kind));
        text.push('\n');
        let window = clinic.cancel_window_hours;
        text.push_str(&if window > 0 {
            format!(
                "\nYou can cancel or move this booking yourself up to {window} hours before it starts; after that, please call the clinic.\n"
            )
        } else {
            "\nYou can cancel or move this booking yourself until it starts.\n".to_string()
        });
        if notice.kind == NoticeKind::Rescheduled && a.awaiting_client {
            text.push_str(&format!(
                "The clinic moved it, so please tell us whether the new time suits you: keep it on your page, {}/me, or choose another: {}/me/move/{}\n",
                head.base_url, head.base_url, a.id
            ));
        } else if notice.kind == NoticeKind::Rescheduled {
            text.push_str(&format!(
                "If the new time does not suit you, choose another: {}/me/move/{}\n",
                head.base_url, a.id
            ));
        }
        text.push_str(&format!("Your bookings: {}/me\n", head.base_url));
        text.push_str("The attached invitation puts it in your calendar.\n");
    } else {
        text.push_str(&format!("\nBook another time: {}/book\n", head.base_url));
    }
    text.push_str(&format!("\n{}\n", clinic.name));
    let invitation = (notice.kind != NoticeKind::Reminder).then(|| {
        let ev = event(&a, &service.name, &therapist.name, &place);
        let parties = Parties {
            organizer_name: clinic.name.clone(),
            organizer_email: head.from_email.clone(),
            attendee_name: client.name.clone(),
            attendee_email: client.email.clone(),
        };
        let method = if ev.cancelled { "CANCEL" } else { "REQUEST" };
        (method, write_invitation(&ev, &parties, core.clock.now()))
    });
    Ok(Composed::Send(Box::new(Email {
        to_name: client.name,
        to_email: client.email,
        from_name: clinic.name,
        subject,
        text,
        invitation,
        message_id: format!("<{}@{}>", notice.id, host_of(&head.base_url)),
    })))
}

/// The email offering a freed time to a waiting client: what, when, why it suits their
/// season, that the first to accept gets it, and when the offer ends.
async fn compose_offer(core: &Clinic, notice: &Notice, head: &Letterhead) -> CoreResult<Composed> {
    let Some(offer_id) = &notice.offer_id else {
        return Ok(Composed::Skip("the message names no offer"));
    };
    let offer = match core.store.offer(offer_id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Ok(Composed::Skip("the offer is gone")),
        Err(e) => return Err(e.into()),
    };
    if offer.state != kneadtime_store::OfferState::Open
        || offer.expires_at <= UnixTime::from_second(core.now())
    {
        return Ok(Composed::Skip("the offer ended before it was sent"));
    }
    let entry = core.store.wait_entry(&offer.entry_id).await?;
    let (client, therapist, service, clinic, location) = tokio::try_join!(
        core.store.client(&entry.client_id),
        core.store.therapist(&offer.therapist_id),
        core.store.service(&entry.service_id),
        core.store.clinic(),
        core.store.location_of_therapist(&offer.therapist_id),
    )?;
    if client.email.trim().is_empty() {
        return Ok(Composed::Skip("the client has no email address"));
    }
    let tz = zone_of(&location.time_zone);
    let zone = tz.iana_name().unwrap_or("UTC");
    let start = local_datetime(offer.start_at.as_second(), &tz);
    let ends = local_datetime(offer.expires_at.as_second(), &tz);
    let place = place_of(&clinic, &location);
    let kind = match service.kind {
        ServiceKind::Massage(k) => Some(k),
        ServiceKind::General => None,
    };
    let season_line = client_context(core, &entry.client_id)
        .await
        .ok()
        .map(|ctx| {
            let date = local_date(offer.start_at.as_second(), &ctx.tz);
            let fit = day_fit(
                &ctx.season,
                ctx.wanted(&service),
                date,
                Some(start),
                &ctx.previous(None),
            );
            purpose(kind, fit.race.as_ref(), date)
        });
    let mut text = format!(
        "Hello {},\n\na time has opened up at {} in the days you are waiting for:\n\n",
        client.name.trim(),
        clinic.name
    );
    text.push_str(&format!(
        "  What:   {} ({} min), {}\n  When:   {} ({zone})\n  With:   {}\n  Where:  {place}\n",
        service.name,
        service.length_min,
        crate::money::price_text(service.price_cents, &clinic.currency),
        start.strftime("%a %-d %b %Y, %H:%M"),
        therapist.name
    ));
    if let Some(line) = &season_line {
        text.push_str(&format!("\nIt would be {line}.\n"));
    }
    text.push_str(&format!(
        "\nA few waiting clients are offered this time; the first to accept books it. \
         The offer ends {}.\n\nAccept or decline: {}/me\n\n{}\n",
        ends.strftime("%a %-d %b at %H:%M"),
        head.base_url,
        clinic.name
    ));
    Ok(Composed::Send(Box::new(Email {
        to_name: client.name,
        to_email: client.email,
        from_name: clinic.name,
        subject: format!(
            "A time opened up: {} with {}, {}",
            service.name,
            therapist.name,
            start.strftime("%a %-d %b at %H:%M")
        ),
        text,
        invitation: None,
        message_id: format!("<{}@{}>", notice.id, host_of(&head.base_url)),
    })))
}

/// The email telling a runner of race week that no time suited them yet: why, the days
/// they wait on, and that the first time to open there is offered to them.
async fn compose_waitlisted(
    core: &Clinic,
    notice: &Notice,
    head: &Letterhead,
) -> CoreResult<Composed> {
    let Some(wait_id) = &notice.wait_id else {
        return Ok(Composed::Skip("the message names no waitlist entry"));
    };
    let entry = match core.store.wait_entry(wait_id).await {
        Ok(e) => e,
        Err(StoreError::NotFound) => return Ok(Composed::Skip("the waitlist entry is gone")),
        Err(e) => return Err(e.into()),
    };
    if entry.state != kneadtime_store::WaitState::Waiting {
        return Ok(Composed::Skip("the runner is no longer waiting"));
    }
    let (client, clinic, requests, locations) = tokio::try_join!(
        core.store.client(&entry.client_id),
        core.store.clinic(),
        core.store.race_requests_of(&entry.client_id),
        core.store.locations(),
    )?;
    if client.email.trim().is_empty() {
        return Ok(Composed::Skip("the client has no email address"));
    }
    let request = requests
        .iter()
        .find(|r| r.wait_id.as_deref() == Some(wait_id.as_str()));
    let reason = request.map(|r| r.reason.clone()).unwrap_or_default();
    // Where they wait: the locations they chose (by name), in the first one's zone.
    let chosen: Vec<&kneadtime_store::Location> = request
        .map(|r| {
            r.locations
                .iter()
                .filter_map(|id| locations.iter().find(|l| l.id == id))
                .collect()
        })
        .unwrap_or_default();
    let tz = chosen
        .first()
        .map_or_else(|| zone_of(&clinic.time_zone), |l| zone_of(&l.time_zone));
    let at = if locations.len() < 2 {
        String::new()
    } else if chosen.is_empty() {
        " at any of our locations".to_string()
    } else {
        let names: Vec<&str> = chosen.iter().map(|l| l.name.trim()).collect();
        format!(" at {}", names.join(" or "))
    };
    let first = local_date(entry.from_at.as_second(), &tz);
    let last = local_date((entry.until_at - 1).as_second(), &tz);
    let mut text = format!(
        "Hello {},\n\nthank you for asking {} for a massage ({}). We could not give you a time yet.\n\n",
        client.name.trim(),
        clinic.name,
        entry.note
    );
    if !reason.is_empty() {
        text.push_str(&format!("{reason}\n\n"));
    }
    text.push_str(&format!(
        "You are on the waitlist for {} to {}{at}. When a time opens in those days we email you first, and you can take it with one click.\n\nYour page: {}/me\n\n{}\n",
        first.strftime("%a %-d %b"),
        last.strftime("%a %-d %b"),
        head.base_url,
        clinic.name
    ));
    Ok(Composed::Send(Box::new(Email {
        to_name: client.name,
        to_email: client.email,
        from_name: clinic.name.clone(),
        subject: format!("On the waitlist: your massage, {}", entry.note),
        text,
        invitation: None,
        message_id: format!("<{}@{}>", notice.id, host_of(&head.base_url)),
    })))
}

/// Where clients come: the clinic's name, the location's when it differs, and the
/// location's address when it has one ("Fast Feet, Docklands, 1 Dock Street").
pub fn place_of(clinic: &kneadtime_store::Clinic, location: &kneadtime_store::Location) -> String {
    let mut place = clinic.name.trim().to_string();
    let here = location.name.trim();
    if !here.is_empty() && !here.eq_ignore_ascii_case(&place) {
        place = if place.is_empty() {
            here.to_string()
        } else {
            format!("{place}, {here}")
        };
    }
    if !location.address.trim().is_empty() {
        place = format!("{place}, {}", location.address.trim());
    }
    place
}

/// The appointment as a calendar event: one UID for its whole life, the sequence as
/// the database counts its changes.
fn event(a: &Appointment, service: &str, therapist: &str, place: &str) -> TimedEvent {
    TimedEvent {
        uid: format!("{}@kneadtime", a.id),
        start: a.start_at.timestamp().unwrap_or_default(),
        end: a.end_at.timestamp().unwrap_or_default(),
        summary: format!("{service} with {therapist}"),
        description: String::new(),
        location: place.to_string(),
        cancelled: a.status == Status::Cancelled,
        sequence: u32::try_from(a.sequence).unwrap_or(u32::MAX),
        reminder_minutes_before: None,
    }
}

/// A staff member's day by email: each booked appointment on local date `day` (their
/// own for a therapist, everyone's for the owner) with what it is for in the client's
/// season. `None` when nothing is booked or they have no email.
pub async fn daily_schedule(
    core: &Clinic,
    staff: &kneadtime_store::Staff,
    day: jiff::civil::Date,
    head: &Letterhead,
) -> CoreResult<Option<Email>> {
    if staff.email.trim().is_empty() {
        return Ok(None);
    }
    let (clinic, therapists, services, sites) = tokio::try_join!(
        async { Ok(core.store.clinic().await?) },
        async { Ok(core.store.therapists().await?) },
        async { Ok(core.store.services().await?) },
        crate::sites::Sites::read(core),
    )?;
    // A therapist's day is read in their location's zone; the owner's in the group's.
    let zone_of_therapist = |id: &str| {
        therapists
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| zone_of(&clinic.time_zone), |t| sites.zone_of(t))
    };
    let tz = match &staff.therapist_id {
        Some(t) => zone_of_therapist(t),
        None => zone_of(&clinic.time_zone),
    };
    let (from, to) = (
        day_start(day, &tz),
        day_start(kneadtime_domain::season::add_days(day, 1), &tz),
    );
    let all = match &staff.therapist_id {
        Some(t) => {
            core.store
                .appointments_for_therapist(
                    t,
                    UnixTime::from_second(from),
                    UnixTime::from_second(to),
                )
                .await?
        }
        None if staff.role == kneadtime_store::Role::Owner => {
            core.store
                .appointments_between(UnixTime::from_second(from), UnixTime::from_second(to))
                .await?
        }
        None => return Ok(None),
    };
    let mut booked: Vec<Appointment> = all
        .into_iter()
        .filter(|a| a.status == Status::Booked)
        .collect();
    if booked.is_empty() {
        return Ok(None);
    }
    booked.sort_by_key(|a| (a.start_at, a.therapist_id.clone()));
    let name_of = |id: &str| {
        therapists
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    let mut text = format!(
        "Hello {},\n\nyour day at {} on {}:\n\n",
        staff.name.trim(),
        clinic.name,
        day.strftime("%A %-d %B")
    );
    for a in &booked {
        let Some(service) = services.iter().find(|s| s.id == a.service_id) else {
            continue;
        };
        let client = core.store.client(&a.client_id).await?;
        let kind = match service.kind {
            ServiceKind::Massage(k) => Some(k),
            ServiceKind::General => None,
        };
        let here = zone_of_therapist(&a.therapist_id);
        let why = client_context(core, &a.client_id).await.ok().map(|ctx| {
            let fit = day_fit(
                &ctx.season,
                ctx.wanted(service),
                day,
                Some(local_datetime(a.start_at.as_second(), &here)),
                &ctx.previous(Some(&a.id)),
            );
            purpose(kind, fit.race.as_ref(), day)
        });
        let with = if staff.therapist_id.is_none() {
            let at = therapists
                .iter()
                .find(|t| t.id == a.therapist_id)
                .filter(|_| sites.several())
                .map(|t| format!(" at {}", sites.name(&t.location_id)))
                .unwrap_or_default();
            format!(" with {}{at}", name_of(&a.therapist_id))
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  {}–{}  {} · {}{with}\n",
            local_datetime(a.start_at.as_second(), &here).strftime("%H:%M"),
            local_datetime(a.end_at.as_second(), &here).strftime("%H:%M"),
            service.name,
            client.name.trim(),
        ));
        if let Some(w) = why {
            text.push_str(&format!("          {}\n", capitalise(&w)));
        }
    }
    text.push_str(&format!(
        "\nThe schedule: {}/staff?date={day}\n\nYou get this because you asked for your day by email; turn it off on the schedule page.\n",
        head.base_url
    ));
    Ok(Some(Email {
        to_name: staff.name.clone(),
        to_email: staff.email.clone(),
        from_name: clinic.name.clone(),
        subject: format!(
            "Your day on {}: {} booked",
            day.strftime("%a %-d %b"),
            booked.len()
        ),
        text,
        invitation: None,
        message_id: format!("<day-{}-{day}@{}>", staff.id, host_of(&head.base_url)),
    }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The email carrying a one-time sign-in link to `client`, good for `minutes`.
pub fn sign_in_email(
    clinic: &kneadtime_store::Clinic,
    client: &kneadtime_store::Client,
    link: &str,
    minutes: i64,
    message_id: &str,
) -> Email {
    let text = format!(
        "Hello {},\n\nOpen this link to sign in to {} and see your bookings:\n\n  {link}\n\n\
         It works once, within {minutes} minutes, on the device you open it on. If you did not \
         ask for it, ignore this email; nothing changes.\n\n{}\n",
        client.name.trim(),
        clinic.name,
        clinic.name
    );
    Email {
        to_name: client.name.clone(),
        to_email: client.email.clone(),
        from_name: clinic.name.clone(),
        subject: format!("Your sign-in link for {}", clinic.name),
        text,
        invitation: None,
        message_id: message_id.to_string(),
    }
}

/// Sends a message that failed once more, waking the sender; not found when there is no
/// such failed message.
pub async fn retry(core: &Clinic, notice_id: &NoticeId) -> CoreResult<()> {
    match core.store.retry_notice(notice_id).await {
        Ok(()) => {
            core.store.outbox_wake().notify_one();
            Ok(())
        }
        Err(StoreError::NotFound) => Err(crate::CoreError::NotFound("failed message")),
        Err(e) => Err(e.into()),
    }
}

/// The next message due, claimed for `lease_secs` (another worker takes it after that).
pub async fn claim_next(core: &Clinic, lease_secs: i64) -> CoreResult<Option<Claimed>> {
    Ok(core.store.claim_notice(lease_secs).await?)
}

/// Wakes when a message is queued or given back.
pub fn outbox_wake(core: &Clinic) -> &tokio::sync::Notify {
    core.store.outbox_wake()
}

/// What became of a claimed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<'a> {
    Sent,
    /// Nothing to send, and why.
    Skipped(&'a str),
    /// Not sent, and why; tried again at `retry_at`, or never when there is none.
    Failed {
        why: &'a str,
        retry_at: Option<i64>,
    },
}

/// Records what became of a claimed message.
pub async fn settle(core: &Clinic, c: &Claimed, outcome: Outcome<'_>) -> CoreResult<()> {
    match outcome {
        Outcome::Sent => core.store.notice_done(c, NoticeState::Sent, "").await?,
        Outcome::Skipped(why) => core.store.notice_done(c, NoticeState::Skipped, why).await?,
        Outcome::Failed { why, retry_at } => {
            core.store
                .notice_failed(c, why, retry_at.map(UnixTime::from_second))
                .await?
        }
    };
    Ok(())
}

/// Claims the staff member's schedule for `day` (`YYYY-MM-DD`) once across every
/// instance: true when this caller is to send it.
pub async fn claim_daily(core: &Clinic, staff_id: &StaffId, day: &str) -> CoreResult<bool> {
    Ok(core.store.claim_daily_schedule(staff_id, day).await?)
}

/// Gives back a claimed schedule that could not be sent, so it is tried again.
pub async fn release_daily(core: &Clinic, staff_id: &StaffId, day: &str) -> CoreResult<()> {
    Ok(core.store.release_daily_schedule(staff_id, day).await?)
}

/// The outbox as the owner sees it: how many messages stand where, and the latest
/// failed ones (newest first), with the clinic's zone to show them in.
#[derive(Debug, Clone)]
pub struct Outbox {
    pub counts: OutboxCounts,
    pub failed: Vec<Notice>,
    pub zone: jiff::tz::TimeZone,
}

/// The outbox, with at most `failed` failed messages.
pub async fn outbox(core: &Clinic, failed: i64) -> CoreResult<Outbox> {
    let (counts, list, setup) = tokio::try_join!(
        async { Ok(core.store.outbox_counts().await?) },
        async { Ok(core.store.notices(NoticeState::Failed, failed).await?) },
        core.setup(),
    )?;
    Ok(Outbox {
        counts,
        failed: list,
        zone: crate::zone_of(&setup.clinic.time_zone),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_links() {
        assert_eq!(host_of("https://book.example.com/x"), "book.example.com");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of(""), "kneadtime");
    }
}
