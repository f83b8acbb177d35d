//! The waitlist's use-cases: joining for a window (by default the client's next pre- or
//! post-race window), and the rounds that offer each freed time to the waiting clients
//! it suits best — by the same training fit as slot search — a few at once, each offer
//! ending after [`OFFER_HOURS`] or before the clinic's notice would refuse the booking.

use jiff::civil::Date;
use kneadtime_domain::Kind;
use kneadtime_domain::care::race_windows;
use kneadtime_domain::plan::RaceRef;
use kneadtime_domain::season::add_days;
use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{
    FreedTime, NewOffer, NewWaitEntry, Offer, OfferState, Service, ServiceKind, StoreError,
    WaitEntry,
};

use crate::Clinic;
use crate::context::client_context;
use crate::error::{Code, CoreError, CoreResult};
use crate::slots::{Search, search};
use crate::time::{day_start, local_date};

/// How long an offer stays open at most.
pub const OFFER_HOURS: i64 = 12;
/// How many waiting clients one freed time is offered to at once.
pub const OFFER_FANOUT: usize = 3;
/// An offer shorter than this is not worth sending.
const MIN_OFFER_SECS: i64 = 30 * 60;
/// The longest window one can wait on.
pub const MAX_WINDOW_DAYS: i64 = 62;
/// How far ahead time given back (a day off removed, longer hours) is offered.
pub const OPENED_DAYS: i32 = 62;

/// The days a client waits on, and what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitWindow {
    pub from: Date,
    pub to: Date,
    /// In the client's words: "before the City Half".
    pub note: String,
}

fn race_label(r: &RaceRef) -> String {
    let name = r.name.trim();
    if name.is_empty() {
        format!("race on {}", r.date.strftime("%a %-d %b"))
    } else {
        name.to_string()
    }
}

/// The window a client of `service` waits on when they name none: their next pre-race
/// window for pre-race work, post-race for post-race work, either for general work.
/// `None` for other kinds, or with no race ahead.
pub fn default_window(
    season: &kneadtime_domain::Season,
    service: &Service,
    today: Date,
) -> Option<WaitWindow> {
    let kind = match service.kind {
        ServiceKind::Massage(k @ (Kind::PreEvent | Kind::PostEvent)) => Some(k),
        ServiceKind::General => None,
        ServiceKind::Massage(_) => return None,
    };
    let w = race_windows(season, today, kind, 1).into_iter().next()?;
    let side = if w.kind == Kind::PreEvent {
        "before"
    } else {
        "after"
    };
    Some(WaitWindow {
        from: w.from,
        to: w.to,
        note: format!("{} massage {side} {}", w.kind.label(), race_label(&w.race)),
    })
}

/// What a client asks to wait for.
#[derive(Debug, Clone)]
pub struct Join<'a> {
    pub client_id: &'a ClientId,
    pub service_id: &'a ServiceId,
    pub therapist_id: Option<&'a TherapistId>,
    /// Both or neither; neither takes [`default_window`].
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// Puts a client on the waitlist for a window of local days.
pub async fn join(core: &Clinic, j: &Join<'_>) -> CoreResult<WaitEntry> {
    let ctx = client_context(core, j.client_id).await?;
    let service = match core.store.service(j.service_id).await {
        Ok(s) if s.active => s,
        Ok(_) | Err(kneadtime_store::StoreError::NotFound) => {
            return Err(CoreError::field(
                "service_id",
                "expected a service the clinic offers",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(t) = j.therapist_id {
        match core.store.therapist(t).await {
            Ok(t) if t.active => {}
            Ok(_) | Err(kneadtime_store::StoreError::NotFound) => {
                return Err(CoreError::field(
                    "therapist_id",
                    "expected a working therapist",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let now = core.now();
    let today = local_date(now, &ctx.tz);
    let window = match (j.from, j.to) {
        // Days that meet the race window are waited on for it.
        (Some(from), Some(to)) => WaitWindow {
            from,
            to,
            note: default_window(&ctx.season, &service, today)
                .filter(|w| w.from <= to && from <= w.to)
                .map(|w| w.note)
                .unwrap_or_default(),
        },
        (None, None) => {
            default_window(&ctx.season, &service, today).ok_or_else(|| CoreError::Refused {
                code: Code::NoWindow,
                message: "no race window is ahead for this service; choose the days you could come"
                    .into(),
            })?
        }
        (None, Some(_)) => return Err(CoreError::field("from", "expected the first day too")),
        (Some(_), None) => return Err(CoreError::field("to", "expected the last day too")),
    };
    if window.to < window.from {
        return Err(CoreError::field(
            "to",
            "expected a last day on or after the first",
        ));
    }
    if window.to < today {
        return Err(CoreError::field("to", "expected a day from today on"));
    }
    let last = add_days(today, ctx.clinic.booking_horizon_days as i32);
    if window.from > last {
        return Err(CoreError::field(
            "from",
            format!(
                "the clinic takes bookings up to {} days ahead",
                ctx.clinic.booking_horizon_days
            ),
        ));
    }
    let to = window.to.min(last);
    if kneadtime_domain::season::days_between(window.from, to) >= MAX_WINDOW_DAYS as i32 {
        return Err(CoreError::field(
            "to",
            format!("expected a window of at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    let entry = core
        .store
        .join_waitlist(NewWaitEntry {
            client_id: j.client_id.clone(),
            service_id: service.id.clone(),
            therapist_id: j.therapist_id.cloned(),
            from_at: UnixTime::from_second(day_start(window.from, &ctx.tz).max(now)),
            until_at: UnixTime::from_second(day_start(add_days(to, 1), &ctx.tz)),
            note: window.note,
        })
        .await
        .map_err(|e| match e {
            kneadtime_store::StoreError::Invalid(why) if why.starts_with("already waiting") => {
                CoreError::Refused {
                    code: Code::TooManyWaiting,
                    message: format!(
                        "you are already waiting on {} windows; leave one first",
                        kneadtime_store::MAX_WAITING_PER_CLIENT
                    ),
                }
            }
            e => e.into(),
        })?;
    Ok(entry)
}

/// Offers one freed time to the waiting clients it suits best; how many offers went out.
pub async fn offer_round(core: &Clinic, t: &FreedTime) -> CoreResult<usize> {
    let now = core.now();
    let clinic = core.store.clinic().await?;
    let notice = clinic.min_notice_hours * 3600;
    if t.start_at - notice < UnixTime::from_second(now + MIN_OFFER_SECS) {
        return Ok(0);
    }
    let waiting = core.store.waiting_for(t).await?;
    // Services come from the kept set-up, not one read per waiting client.
    let setup = core.setup().await?;
    let mut scored: Vec<(u32, i64, NewOffer)> = Vec::new();
    for e in &waiting {
        let service = match setup.service(&e.service_id) {
            Some(s) if s.active => s.clone(),
            _ => continue,
        };
        // A client whose season cannot be read is skipped, not the whole round.
        let Ok(ctx) = client_context(core, &e.client_id).await else {
            continue;
        };
        let len = service.length_min * 60;
        let q = Search {
            service: &service,
            from: local_date(t.start_at.as_second(), &ctx.tz),
            days: 1,
            therapist_id: Some(&t.therapist_id),
            not_before: (now + notice).max(e.from_at.as_second()),
            moving: None,
            include_refused: false,
        };
        let best = search(core, &ctx, &q).await?.into_iter().find(|s| {
            s.fit.allowed
                && s.start_at >= t.start_at.as_second()
                && s.start_at < t.end_at.as_second()
                && s.start_at + len <= e.until_at.as_second()
        });
        let Some(slot) = best else {
            continue;
        };
        let expires_at = (now + OFFER_HOURS * 3600).min(slot.start_at - notice);
        if expires_at < now + MIN_OFFER_SECS {
            continue;
        }
        scored.push((
            slot.fit.score,
            e.created_at.as_second(),
            NewOffer {
                entry_id: e.id.clone(),
                therapist_id: t.therapist_id.clone(),
                start_at: UnixTime::from_second(slot.start_at),
                end_at: UnixTime::from_second(slot.start_at + len),
                expires_at: UnixTime::from_second(expires_at),
            },
        ));
    }
    // The best fit first; between equals, who waited longest.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let offers: Vec<NewOffer> = scored
        .into_iter()
        .take(OFFER_FANOUT)
        .map(|(_, _, o)| o)
        .collect();
    Ok(core.store.make_offers(&offers).await?.len())
}

/// One pass of the waitlist: ends expired offers, then offers each freed time (at most
/// `batch`); how many offers went out. A time whose round fails is noted in the error
/// and the rest still run.
pub async fn tick(core: &Clinic, batch: usize) -> CoreResult<usize> {
    core.store.expire_offers().await?;
    let mut made = 0;
    let mut failed = None;
    for t in core.store.take_freed(batch).await? {
        match offer_round(core, &t).await {
            Ok(n) => made += n,
            Err(e) => {
                // The time goes back for the next beat rather than being lost (the
                // round's own error is what the worker logs).
                let _ = core.store.put_back_freed(&t).await;
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(made),
    }
}

/// Time given back to the clinic — a day off removed, a closure lifted, longer hours —
/// on `days` for `therapists`: each therapist's day from today on (up to
/// [`OPENED_DAYS`] ahead) is noted for the waitlist worker when someone waits over it,
/// and the worker offers the best-fitting times in it. Returns how many days were noted.
pub async fn opened(core: &Clinic, therapists: &[TherapistId], days: &[Date]) -> CoreResult<usize> {
    let (sites, all) = tokio::try_join!(crate::sites::Sites::read(core), async {
        Ok(core.store.therapists().await?)
    })?;
    let mut noted = 0;
    for id in therapists {
        // Each therapist's days are read in their location's zone.
        let tz = all
            .iter()
            .find(|t| t.id == id)
            .map_or(jiff::tz::TimeZone::UTC, |t| sites.zone_of(t));
        let today = local_date(core.now(), &tz);
        let last = add_days(today, OPENED_DAYS);
        for d in days.iter().filter(|d| **d >= today && **d <= last) {
            let (start, end) = (day_start(*d, &tz), day_start(add_days(*d, 1), &tz));
            noted += usize::from(
                core.store
                    .note_opened(id, UnixTime::from_second(start), UnixTime::from_second(end))
                    .await?,
            );
        }
    }
    Ok(noted)
}

/// The weekdays on which `new` hours hold time that `old` did not, Monday first.
pub fn weekdays_gained(
    old: &[kneadtime_store::WorkingHours],
    new: &[kneadtime_store::WorkingHours],
) -> Vec<jiff::civil::Weekday> {
    WEEK.into_iter()
        .filter(|w| {
            new.iter().filter(|n| n.weekday == *w).any(|n| {
                // Some minute of this span outside every old span of the day.
                let mut covered = n.start_minute;
                let mut old_day: Vec<_> = old.iter().filter(|o| o.weekday == *w).collect();
                old_day.sort_by_key(|o| o.start_minute);
                for o in old_day {
                    if o.start_minute <= covered && o.end_minute > covered {
                        covered = o.end_minute;
                    }
                }
                covered < n.end_minute
            })
        })
        .collect()
}

/// Offers the weekdays `gained` over the weeks ahead (from `today`, up to
/// [`OPENED_DAYS`]) to those waiting on `therapists`' time.
pub async fn weekdays_opened(
    core: &Clinic,
    therapists: &[TherapistId],
    gained: &[jiff::civil::Weekday],
    today: Date,
) -> CoreResult<()> {
    if gained.is_empty() {
        return Ok(());
    }
    let days: Vec<Date> =
        dates_between(today, kneadtime_domain::dates::add_days(today, OPENED_DAYS))
            .into_iter()
            .filter(|d| gained.contains(&d.weekday()))
            .collect();
    opened(core, therapists, &days).await?;
    Ok(())
}

/// The days of the week, Monday first.
pub const WEEK: [jiff::civil::Weekday; 7] = {
    use jiff::civil::Weekday::*;
    [
        Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
    ]
};

/// The dates from `from` to `to` inclusive, at most [`OPENED_DAYS`] + 1 of them.
pub fn dates_between(from: Date, to: Date) -> Vec<Date> {
    let n = kneadtime_domain::dates::days_between(from, to).clamp(-1, OPENED_DAYS);
    (0..=n).map(|i| add_days(from, i)).collect()
}

/// The waitlist entry `id`.
pub async fn entry(core: &Clinic, id: &WaitId) -> CoreResult<WaitEntry> {
    core.store.wait_entry(id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("waitlist entry"),
        e => e.into(),
    })
}

/// The entries still waiting, of one client or all.
pub async fn waiting(core: &Clinic, client_id: Option<&ClientId>) -> CoreResult<Vec<WaitEntry>> {
    Ok(core.store.waiting(client_id).await?)
}

/// Takes the entry `id` off the waitlist: false when it was no longer waiting.
pub async fn withdraw(core: &Clinic, id: &WaitId) -> CoreResult<bool> {
    match core.store.withdraw_wait(id).await {
        Ok(()) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The offer `id` with the entry it was made to.
pub async fn offer(core: &Clinic, id: &OfferId) -> CoreResult<(Offer, WaitEntry)> {
    let o = core.store.offer(id).await.map_err(|e| match e {
        StoreError::NotFound => CoreError::NotFound("offer"),
        e => e.into(),
    })?;
    let e = core.store.wait_entry(&o.entry_id).await?;
    Ok((o, e))
}

/// The open offers (to one client, or all), each with the entry it was made to.
pub async fn open_offers(
    core: &Clinic,
    client_id: Option<&ClientId>,
) -> CoreResult<Vec<(Offer, WaitEntry)>> {
    let offers = core.store.open_offers(client_id).await?;
    // The entries in one read, not one per offer.
    let mut ids: Vec<WaitId> = offers.iter().map(|o| o.entry_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let entries: std::collections::HashMap<WaitId, WaitEntry> = core
        .store
        .wait_entries_with_ids(&ids)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    // An offer's entry is held by a foreign key; one erased between the two reads
    // leaves its offer out rather than failing the page.
    Ok(offers
        .into_iter()
        .filter_map(|o| entries.get(&o.entry_id).cloned().map(|e| (o, e)))
        .collect())
}

/// Declines the open offer `id`, so its time goes to the next in line: false when it
/// was no longer open.
pub async fn decline(core: &Clinic, id: &OfferId) -> CoreResult<bool> {
    Ok(core.store.end_offer(id, OfferState::Declined).await?)
}

/// Notified whenever a time someone waits for may have been freed.
pub fn freed(core: &Clinic) -> &tokio::sync::Notify {
    core.store.waitlist_wake()
}

#[cfg(test)]
mod opened_tests {
    use super::*;
    use kneadtime_store::WorkingHours;

    fn h(weekday: i8, start: i64, end: i64) -> WorkingHours {
        WorkingHours {
            weekday: jiff::civil::Weekday::from_monday_zero_offset(weekday).unwrap(),
            start_minute: start * 60,
            end_minute: end * 60,
        }
    }

    #[test]
    fn only_days_with_more_time_count_as_gained() {
        let old = [h(0, 9, 17), h(1, 9, 12), h(1, 13, 17)];
        // Monday the same, Tuesday's lunch filled, Wednesday new, Thursday shorter.
        let new = [h(0, 9, 17), h(1, 9, 17), h(2, 10, 14)];
        use jiff::civil::Weekday::*;
        assert_eq!(weekdays_gained(&old, &new), vec![Tuesday, Wednesday]);
        assert_eq!(weekdays_gained(&new, &old), vec![]);
        assert_eq!(
            weekdays_gained(&[h(0, 9, 17)], &[h(0, 8, 17)]),
            vec![Monday]
        );
    }

    #[test]
    fn dates_are_bounded() {
        let d = jiff::civil::date(2027, 1, 1);
        assert_eq!(dates_between(d, d).len(), 1);
        assert_eq!(
            dates_between(d, add_days(d, 1000)).len(),
            OPENED_DAYS as usize + 1
        );
        assert!(dates_between(add_days(d, 1), d).is_empty());
    }
}
