//! The people the clinic knows, read for whoever asks: clients and staff by id or email,
//! what each has on file, the record of who looked at what, and the counters that slow
//! down repeated attempts. Pages and handlers read people here, never from the store.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{Client, Intake, Staff, StoreError};

use crate::Clinic;
use crate::error::CoreResult;

/// Who a signed-in person is, as the clinic names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Client(ClientId),
    Staff(StaffId),
}

/// The client `id`.
pub async fn client(core: &Clinic, id: &ClientId) -> CoreResult<Client> {
    Ok(core.store.client(id).await?)
}

/// Every client, by name.
pub async fn clients(core: &Clinic) -> CoreResult<Vec<Client>> {
    Ok(core.store.clients().await?)
}

/// The names of these clients, by id (ids not on file are left out).
pub async fn names_of(
    core: &Clinic,
    client_ids: &[ClientId],
) -> CoreResult<std::collections::HashMap<ClientId, String>> {
    Ok(core.store.client_names(client_ids).await?)
}

/// The clients on file under `email` (trimmed, every letter's case aside); usually none or
/// one.
pub async fn clients_by_email(core: &Clinic, email: &str) -> CoreResult<Vec<Client>> {
    Ok(core.store.clients_by_email(email.trim()).await?)
}

/// The staff member `id`.
pub async fn staff(core: &Clinic, id: &StaffId) -> CoreResult<Staff> {
    Ok(core.store.staff(id).await?)
}

/// The name a signed-in person goes by.
pub async fn name_of(core: &Clinic, p: &Person) -> CoreResult<String> {
    Ok(match p {
        Person::Client(id) => core.store.client(id).await?.name,
        Person::Staff(id) => core.store.staff(id).await?.name,
    })
}

/// The client's intake form, when they have filled it in.
pub async fn intake(core: &Clinic, client_id: &ClientId) -> CoreResult<Option<Intake>> {
    Ok(core.store.intake(client_id).await?)
}

/// The intake forms of these clients (those who filled one in).
pub async fn intakes_of(core: &Clinic, client_ids: &[ClientId]) -> CoreResult<Vec<Intake>> {
    Ok(core.store.intakes_of(client_ids).await?)
}

/// Records that `actor` (`staff:ID` or `client:ID`) did `action` to `client_id`'s record;
/// `subject` names the part.
pub async fn audit(
    core: &Clinic,
    actor: &str,
    action: &str,
    client_id: Option<&ClientId>,
    subject: &str,
) -> CoreResult<()> {
    Ok(core.store.audit(actor, action, client_id, subject).await?)
}

/// Counts one attempt under `bucket` in the current window of `window_secs`: true while
/// the window holds at most `limit` of them.
pub async fn attempt(
    core: &Clinic,
    bucket: &str,
    window_secs: i64,
    limit: i64,
) -> CoreResult<bool> {
    Ok(core.store.hit(bucket, window_secs, limit).await?)
}

/// Keeps a one-time sign-in link for `client_id` (the hash of its secret), valid for
/// `minutes`.
pub async fn keep_sign_in_link(
    core: &Clinic,
    client_id: &ClientId,
    token_hash: &str,
    minutes: i64,
) -> CoreResult<()> {
    Ok(core
        .store
        .create_sign_in_link(client_id, token_hash, minutes * 60)
        .await?)
}

/// Uses up the sign-in link with this hash: the client it was for, or none when it is
/// unknown, used or past its time.
pub async fn use_sign_in_link(core: &Clinic, token_hash: &str) -> CoreResult<Option<String>> {
    match core.store.use_sign_in_link(token_hash).await {
        Ok(id) => Ok(Some(id)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The races the client has told the clinic about, by date.
pub async fn races(
    core: &Clinic,
    client_id: &ClientId,
) -> CoreResult<Vec<kneadtime_store::ClientRace>> {
    Ok(core.store.races(client_id).await?)
}

/// The client whose personal link has this hash, when it is one.
pub async fn client_by_link(core: &Clinic, token_hash: &str) -> CoreResult<Option<Client>> {
    match core.store.client_by_token_hash(token_hash).await {
        Ok(c) => Ok(Some(c)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// One entry of the audit log, with the people named.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    /// The person behind `actor` ("" when the record is gone).
    pub actor_name: String,
    pub action: String,
    pub client_id: Option<ClientId>,
    /// "" when the client was erased.
    pub client_name: String,
    pub subject: String,
}

/// The newest `limit` entries of the audit log (for one client, or all), named.
pub async fn audit_log(
    core: &Clinic,
    client_id: Option<&ClientId>,
    limit: i64,
) -> CoreResult<Vec<AuditLine>> {
    let (list, staff) = tokio::try_join!(
        core.store.audit_entries(client_id, limit),
        core.store.staff_list(),
    )?;
    // The clients named in these lines, as subjects or as actors.
    let mut ids: Vec<ClientId> = list
        .iter()
        .flat_map(|e| {
            let actor = match e.actor.split_once(':') {
                Some(("client", id)) => Some(ClientId::from(id)),
                _ => None,
            };
            e.client_id.clone().into_iter().chain(actor)
        })
        .collect();
    ids.sort();
    ids.dedup();
    let clients = core.store.client_names(&ids).await?;
    let client_name = |id: &str| clients.get(id).cloned().unwrap_or_default();
    Ok(list
        .into_iter()
        .map(|e| {
            let actor_name = match e.actor.split_once(':') {
                Some(("staff", id)) => staff
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                Some(("client", id)) => client_name(id),
                _ => String::new(),
            };
            AuditLine {
                at: e.at.as_second(),
                client_name: e.client_id.as_deref().map(client_name).unwrap_or_default(),
                actor: e.actor,
                actor_name,
                action: e.action,
                client_id: e.client_id,
                subject: e.subject,
            }
        })
        .collect())
}

/// Whether two spellings of a name are the same name (case and spacing aside).
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Erases the client on their request, once `confirm_name` matches the name on file:
/// what they told the clinic goes, their bookings stay as anonymous counts (how many is
/// returned), and the erasure is logged as `actor`'s, naming the client by id only.
pub async fn erase(
    core: &Clinic,
    client_id: &ClientId,
    confirm_name: &str,
    actor: &str,
) -> CoreResult<i64> {
    let c = core.store.client(client_id).await.map_err(|e| match e {
        StoreError::NotFound => crate::CoreError::NotFound("client"),
        e => e.into(),
    })?;
    if !same_name(confirm_name, &c.name) {
        return Err(crate::CoreError::field(
            "confirm_name",
            "type the client's name as it is on file to confirm the erasure",
        ));
    }
    let (calendars, history) = tokio::try_join!(
        core.store.calendars(client_id),
        core.store.history(client_id)
    )?;
    let n = core.store.erase_client(client_id).await?;
    for k in &calendars {
        core.calendars.forget(&k.id);
    }
    for h in &history {
        core.calendars.forget(&h.id);
    }
    audit(core, actor, "client.erase", Some(client_id), "").await?;
    core.seasons.forget(client_id);
    Ok(n)
}

/// Turns a staff member's morning schedule email on or off; the mail worker looks at
/// once (this morning's may be due already).
pub async fn set_daily_email(core: &Clinic, staff_id: &StaffId, on: bool) -> CoreResult<()> {
    core.store.set_staff_daily_email(staff_id, on).await?;
    core.store.outbox_wake().notify_one();
    Ok(())
}

/// True when `therapist` treats `client`: booked with them, or seen by them since `since`.
pub async fn treats(
    core: &Clinic,
    therapist: &TherapistId,
    client: &ClientId,
    since: i64,
) -> CoreResult<bool> {
    Ok(core
        .store
        .treats(therapist, client, UnixTime::from_second(since))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn a_name_is_confirmed_whatever_its_case_and_spacing() {
        assert!(same_name("  ada   LOVELACE ", "Ada Lovelace"));
        assert!(!same_name("Ada", "Ada Lovelace"));
    }
}
