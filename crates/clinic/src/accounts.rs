//! Accounts and sessions as use-cases: who a session token belongs to, starting and
//! ending sessions, finding the account a sign-in names, counting failed sign-ins and
//! remembering the addresses an account signs in from, passwords, and the clinic's first
//! owner. Tokens and password hashes are made by the caller; only their hashes come here.

use kneadtime_store::UnixTime;
use kneadtime_store::ids::*;
use kneadtime_store::{Client, NewStaff, Role, Staff, StoreError, WebSession};

use crate::Clinic;
use crate::error::{Code, CoreError, CoreResult};

/// The session a token's hash names, if it is still open at `now`, and its staff member
/// when it is a staff session (one read).
pub async fn session(
    core: &Clinic,
    token_hash: &str,
    now: i64,
) -> CoreResult<Option<(WebSession, Option<Staff>)>> {
    match core
        .store
        .web_session_with_staff(token_hash, UnixTime::from_second(now))
        .await
    {
        Ok(x) => Ok(Some(x)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Keeps a new session.
pub async fn start_session(core: &Clinic, s: &WebSession) -> CoreResult<()> {
    Ok(core.store.create_web_session(s).await?)
}

/// Ends one session, by its token's hash.
pub async fn end_session(core: &Clinic, token_hash: &str) -> CoreResult<()> {
    Ok(core.store.delete_web_session(token_hash).await?)
}

/// Removes every session that has expired by now; how many went.
pub async fn sweep_sessions(core: &Clinic) -> CoreResult<u64> {
    Ok(core
        .store
        .expire_web_sessions(UnixTime::from_second(core.now()))
        .await?)
}

/// Forgets rate-limit counts whose longest possible window is over; how many went.
pub async fn sweep_rate_limits(core: &Clinic) -> CoreResult<u64> {
    let before = core.now() - kneadtime_store::RATE_LIMIT_WINDOW_MAX_SECS;
    Ok(core
        .store
        .forget_rate_limits(UnixTime::from_second(before))
        .await?)
}

/// Failed sign-ins counted under `bucket` in the current window.
pub async fn failures(core: &Clinic, bucket: &str, window_secs: i64) -> CoreResult<i64> {
    Ok(core.store.hits(bucket, window_secs).await?)
}

/// Remembers that `account` signed in from `address`.
pub async fn remember_address(core: &Clinic, account: &str, address: &str) -> CoreResult<()> {
    Ok(core.store.remember_sign_in(account, address).await?)
}

/// True when `account` signed in from `address` since `since` (Unix seconds).
pub async fn known_address(
    core: &Clinic,
    account: &str,
    address: &str,
    since: i64,
) -> CoreResult<bool> {
    Ok(core
        .store
        .known_sign_in(account, address, UnixTime::from_second(since))
        .await?)
}

/// The staff login with this email, if any.
pub async fn staff_by_email(core: &Clinic, email: &str) -> CoreResult<Option<Staff>> {
    match core.store.staff_by_email(email).await {
        Ok(s) => Ok(Some(s)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The client with this email who has a password, if any (emails are unique).
pub async fn client_with_password(core: &Clinic, email: &str) -> CoreResult<Option<Client>> {
    Ok(crate::people::clients_by_email(core, email)
        .await?
        .into_iter()
        .find(|c| c.password_hash.is_some()))
}

/// Sets a client's password (its hash); every other session of theirs ends.
pub async fn set_client_password(
    core: &Clinic,
    client_id: &ClientId,
    password_hash: &str,
    keep_session: &str,
) -> CoreResult<()> {
    core.store
        .set_client_password(client_id, Some(password_hash))
        .await?;
    Ok(core
        .store
        .end_client_sessions(client_id, Some(keep_session))
        .await?)
}

/// Sets a staff member's password (its hash); every other session of theirs ends.
pub async fn set_staff_password(
    core: &Clinic,
    staff_id: &StaffId,
    password_hash: &str,
    keep_session: &str,
) -> CoreResult<()> {
    core.store
        .set_staff_password(staff_id, password_hash)
        .await?;
    Ok(core
        .store
        .end_staff_sessions(staff_id, Some(keep_session))
        .await?)
}

/// True while the clinic has no staff login: only then may the first owner be made.
pub async fn unclaimed(core: &Clinic) -> CoreResult<bool> {
    Ok(core.store.staff_list().await?.is_empty())
}

/// The clinic's first owner, with the clinic's name and zone (already checked). The
/// setup is claimed once across every instance: the first claim wins, the rest are told
/// it is done; a claim whose owner cannot be made is given back.
pub async fn first_owner(
    core: &Clinic,
    owner: NewStaff,
    clinic_name: &str,
    time_zone: &str,
) -> CoreResult<Staff> {
    let done = || CoreError::Conflict {
        code: Code::AlreadySetUp,
        field: None,
        message: "the clinic already has an owner; sign in instead".into(),
    };
    if !core.store.claim_setup().await? {
        return Err(done());
    }
    let made = make_owner(core, owner, clinic_name, time_zone).await;
    if made.is_err() {
        core.store.release_setup().await?;
    }
    made
}

async fn make_owner(
    core: &Clinic,
    owner: NewStaff,
    clinic_name: &str,
    time_zone: &str,
) -> CoreResult<Staff> {
    let staff = core
        .store
        .create_staff(&NewStaff {
            role: Role::Owner,
            therapist_id: None,
            ..owner
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict => CoreError::Conflict {
                code: Code::AlreadySetUp,
                field: None,
                message: "that email already has a login".into(),
            },
            StoreError::Invalid(m) => CoreError::field("email", m),
            e => e.into(),
        })?;
    let mut clinic = core.store.clinic().await?;
    clinic.name = clinic_name.to_string();
    clinic.time_zone = time_zone.to_string();
    core.store.update_clinic(&clinic).await?;
    Ok(staff)
}
