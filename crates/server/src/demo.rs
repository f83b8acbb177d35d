//! The demo clinic for `kneadtime serve --demo`: its sign-in secrets, hashed here, and
//! the fixture itself, which lives in the clinic core.

use jiff::civil::Date;

pub use kneadtime_clinic::demo::{DemoInfo, OWNER_EMAIL, THERAPIST_EMAIL};

use crate::AppState;
use crate::auth::{hash_password, hash_token, new_token};

pub const OWNER_PASSWORD: &str = "demo-owner-pass";
pub const THERAPIST_PASSWORD: &str = "demo-therapist-pass";

/// Loads the demo when the database has no therapists yet; `None` when it already has
/// data.
pub async fn load(state: &AppState, today: Date) -> Result<Option<DemoInfo>, String> {
    // A clinic with data keeps it; the passwords are not hashed for nothing.
    let therapists = kneadtime_clinic::catalog::therapists(&state.clinic, true)
        .await
        .map_err(|e| format!("loading the demo clinic: {e}"))?;
    if !therapists.is_empty() {
        return Ok(None);
    }
    let pw = |p: &str| hash_password(p.to_string());
    let credentials = kneadtime_clinic::demo::Credentials {
        owner_password_hash: pw(OWNER_PASSWORD).await.map_err(|e| e.message)?,
        therapist_password_hash: pw(THERAPIST_PASSWORD).await.map_err(|e| e.message)?,
        new_link: &|| {
            let token = new_token();
            let hash = hash_token(&token);
            (token, hash)
        },
    };
    kneadtime_clinic::demo::load(&state.clinic, today, &credentials).await
}
