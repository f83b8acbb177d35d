//! The mail worker: one per instance, it claims due messages from the outbox one at a
//! time, has the clinic core write each, sends it over SMTP and settles it — sent,
//! skipped, tried again later with a growing pause, or failed for the owner to see.
//! It also sends staff who asked for it their day's schedule each morning.
//! Without SMTP settings it does not run and messages wait in the queue.

use kneadtime_store::ids::*;
use std::time::Duration;

use kneadtime_clinic::notify::{self, Composed, Email, Letterhead, Outcome, compose};
use kneadtime_store::{Claimed, NoticeState};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::AppState;
use crate::config::SmtpUrl;

/// How long a claim holds a message: longer than one send can take.
const LEASE_SECS: i64 = 120;
/// One SMTP conversation may take this long before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the worker waits before looking at the queue again (due reminders,
/// retries, messages queued by another instance).
const POLL: Duration = Duration::from_secs(2);
/// Attempts before a message counts as failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// The pause before attempt `attempts + 1`: a minute, doubling, at most six hours.
pub fn retry_delay_secs(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (60i64 << doublings).min(6 * 3600)
}

/// Sends mail through one SMTP server, from one address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from_email: String,
}

impl Mailer {
    /// A mailer for `url`, sending as `from_email`.
    ///
    /// # Errors
    /// The URL's problem, in words (never the URL itself, which may hold a password).
    pub fn new(url: &SmtpUrl, from_email: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| format!("smtp_url {}: {e}", url.redacted()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer {
            transport,
            from_email: from_email.to_string(),
        })
    }

    /// Sends one email now, outside the outbox (a sign-in link, which must not wait in
    /// the database).
    pub async fn send_now(&self, email: &Email) -> Result<(), String> {
        self.send(email).await.map_err(|(_, why)| why)
    }

    /// Sends one email. `Err((permanent, why))` when the server refused it.
    async fn send(&self, email: &Email) -> Result<(), (bool, String)> {
        let message = build(email, &self.from_email).map_err(|e| (true, e))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err((e.is_permanent(), e.to_string())),
        }
    }
}

/// The email as MIME: the text, and the invitation as a `text/calendar` part with its
/// method, which calendar clients offer to add.
fn build(email: &Email, from_email: &str) -> Result<Message, String> {
    let from = Mailbox::new(
        Some(email.from_name.clone()),
        from_email
            .parse()
            .map_err(|e| format!("mail_from {from_email:?}: {e}"))?,
    );
    let to = Mailbox::new(
        Some(email.to_name.clone()),
        email
            .to_email
            .trim()
            .parse()
            .map_err(|e| format!("the client's email {:?}: {e}", email.to_email))?,
    );
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(&email.subject)
        .message_id(Some(email.message_id.clone()));
    let text = SinglePart::plain(email.text.clone());
    let message = match &email.invitation {
        Some((method, ics)) => {
            let kind =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|e| e.to_string())?;
            let name = if *method == "CANCEL" {
                "cancel.ics"
            } else {
                "invite.ics"
            };
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(name.to_string()).body(ics.clone(), kind)),
            )
        }
        None => builder.singlepart(text),
    };
    message.map_err(|e| e.to_string())
}

/// Starts the worker for `state`; it runs until the task is aborted.
pub fn spawn(state: AppState, mailer: std::sync::Arc<Mailer>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let head = Letterhead {
            base_url: state.base_url.to_string(),
            from_email: mailer.from_email.clone(),
        };
        let mut days = DailyState::default();
        loop {
            match notify::claim_next(&state.clinic, LEASE_SECS).await {
                Ok(Some(c)) => settle(&state, &mailer, &head, c).await,
                Ok(None) => {
                    if days.due(std::time::Instant::now()) {
                        daily(&state, &mailer, &head, &mut days).await;
                    }
                    if tokio::time::timeout(POLL, notify::outbox_wake(&state.clinic).notified())
                        .await
                        .is_ok()
                    {
                        // Woken by a change (an opt-in among them): look at the day now.
                        days.last = None;
                    }
                }
                Err(e) => {
                    crate::log::line(&format!("mail: cannot read the outbox: {e}"));
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    })
}

/// The local hour from which staff get their day's schedule.
pub const DAILY_HOUR: i8 = 6;
/// How often the worker looks for schedules to send, when nothing wakes it.
const DAILY_EVERY: Duration = Duration::from_secs(30);

/// What this worker knows of the morning schedules: when it last looked, and the
/// (staff, day) pairs it has settled, so each is claimed in the database once.
#[derive(Default)]
struct DailyState {
    last: Option<std::time::Instant>,
    done: std::collections::HashSet<(String, String)>,
}

impl DailyState {
    fn due(&self, now: std::time::Instant) -> bool {
        self.last
            .is_none_or(|t| now.duration_since(t) >= DAILY_EVERY)
    }
}

/// Sends each staff member who asked for it their day, once, from [`DAILY_HOUR`] in the
/// clinic's zone; a send that fails is given back and tried at the next look.
async fn daily(state: &AppState, mailer: &Mailer, head: &Letterhead, days: &mut DailyState) {
    days.last = Some(std::time::Instant::now());
    let (Ok(clinic), Ok(staff)) = (
        kneadtime_clinic::catalog::clinic(&state.clinic).await,
        kneadtime_clinic::catalog::staff_list(&state.clinic).await,
    ) else {
        return;
    };
    let tz = kneadtime_clinic::zone_of(&clinic.time_zone);
    let now = state.clinic.clock.now().to_zoned(tz);
    if now.hour() < DAILY_HOUR {
        return;
    }
    let day = now.date();
    let key = day.to_string();
    // Only today's are kept.
    days.done.retain(|(_, d)| *d == key);
    for s in staff.iter().filter(|s| s.active && s.daily_email) {
        if days
            .done
            .contains(&(String::from(s.id.clone()), key.clone()))
        {
            continue;
        }
        match notify::claim_daily(&state.clinic, &s.id, &key).await {
            Ok(true) => {}
            Ok(false) => {
                days.done.insert((String::from(s.id.clone()), key.clone()));
                continue;
            }
            Err(_) => continue,
        }
        let sent = match kneadtime_clinic::notify::daily_schedule(&state.clinic, s, day, head).await
        {
            Ok(Some(email)) => mailer.send_now(&email).await,
            Ok(None) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
        match sent {
            Ok(()) => {
                days.done.insert((String::from(s.id.clone()), key.clone()));
            }
            Err(why) => {
                crate::log::line(&format!(
                    "mail: the day's schedule for a staff member was not sent: {why}"
                ));
                let _ = notify::release_daily(&state.clinic, &s.id, &key).await;
            }
        }
    }
}

/// Writes, sends and settles one claimed message.
async fn settle(state: &AppState, mailer: &Mailer, head: &Letterhead, c: Claimed) {
    let outcome = match compose(&state.clinic, &c.notice, head).await {
        Ok(Composed::Skip(why)) => {
            if let Err(e) = notify::settle(&state.clinic, &c, Outcome::Skipped(why)).await {
                crate::log::line(&format!("mail: cannot record message {}: {e}", c.notice.id));
            }
            return;
        }
        Ok(Composed::Send(email)) => mailer.send(&email).await,
        Err(e) => Err((false, format!("cannot write the message: {e}"))),
    };
    let result = match outcome {
        Ok(()) => notify::settle(&state.clinic, &c, Outcome::Sent).await,
        Err((permanent, why)) => {
            let retry = (!permanent && c.notice.attempts < MAX_ATTEMPTS)
                .then(|| state.now() + retry_delay_secs(c.notice.attempts));
            crate::log::line(&format!(
                "mail: message {} ({}) not sent, attempt {}: {why}",
                c.notice.id,
                c.notice.kind.as_str(),
                c.notice.attempts
            ));
            notify::settle(
                &state.clinic,
                &c,
                Outcome::Failed {
                    why: &why,
                    retry_at: retry,
                },
            )
            .await
        }
    };
    if let Err(e) = result {
        crate::log::line(&format!("mail: cannot record message {}: {e}", c.notice.id));
    }
}

/// One message as the owner sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NoticeOut {
    pub id: NoticeId,
    pub kind: kneadtime_store::NoticeKind,
    /// What it is about: an appointment, or a waitlist offer.
    pub appointment_id: Option<AppointmentId>,
    /// The waitlist offer the message is about.
    pub offer_id: Option<OfferId>,
    pub state: NoticeState,
    /// When it was (or is) due, in the clinic's zone.
    pub due: String,
    pub attempts: i64,
    /// The last error, or why it was skipped.
    pub error: String,
}

/// The outbox as the owner sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxOut {
    /// Whether this server sends mail (SMTP is set up); when false, messages wait.
    pub sending: bool,
    pub counts: kneadtime_store::OutboxCounts,
    /// The most recent failed messages, newest first.
    pub failed: Vec<NoticeOut>,
}

/// The outbox's state for the owner's pages and the API.
pub async fn outbox(state: &AppState) -> crate::error::ApiResult<OutboxOut> {
    let o = notify::outbox(&state.clinic, 50).await?;
    let tz = o.zone;
    Ok(OutboxOut {
        sending: state.mailer.is_some(),
        counts: o.counts,
        failed: o
            .failed
            .into_iter()
            .map(|n| NoticeOut {
                due: kneadtime_clinic::show(n.due_at.as_second(), &tz),
                id: n.id,
                kind: n.kind,
                appointment_id: n.appointment_id,
                offer_id: n.offer_id,
                state: n.state,
                attempts: n.attempts,
                error: n.last_error,
            })
            .collect(),
    })
}

/// GET /api/outbox: the owner's view of messages to clients.
#[utoipa::path(
    get,
    path = "/api/outbox",
    operation_id = "getOutbox",
    tag = "clinic",
    summary = "Messages to clients (owner)",
    description = "Owner only. Confirmations, changes, cancellations and reminders are queued with the booking change and sent by each server's mail worker; this shows how many wait, were sent in the last 30 days or failed, and the failed ones.",
    responses(
        (status = 200, description = "The outbox.", body = OutboxOut),
    ),
)]
pub async fn get_outbox(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: crate::auth::Caller,
) -> crate::error::ApiResult<axum::Json<OutboxOut>> {
    crate::policy::allow(&state, &caller, crate::policy::Act::Clinic).await?;
    Ok(axum::Json(outbox(&state).await?))
}

/// POST /api/outbox/{id}/retry: queue a failed message again.
#[utoipa::path(
    post,
    path = "/api/outbox/{id}/retry",
    operation_id = "retryMessage",
    tag = "clinic",
    summary = "Send a failed message again (owner)",
    description = "Owner only. Queues a failed message again, due now, with its attempts reset.",
    params(
        ("id" = String, Path),
    ),
    responses(
        (status = 200, description = "The outbox after the change.", body = OutboxOut),
    ),
)]
pub async fn retry(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: crate::auth::Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> crate::error::ApiResult<axum::Json<OutboxOut>> {
    crate::policy::allow(&state, &caller, crate::policy::Act::Clinic).await?;
    notify::retry(&state.clinic, &NoticeId::from(&id)).await?;
    Ok(axum::Json(outbox(&state).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        assert_eq!(retry_delay_secs(1), 60);
        assert_eq!(retry_delay_secs(2), 120);
        assert_eq!(retry_delay_secs(4), 480);
        assert_eq!(retry_delay_secs(MAX_ATTEMPTS), 7680);
        assert_eq!(retry_delay_secs(30), 6 * 3600);
        assert_eq!(retry_delay_secs(0), 60);
    }
}
