//! What a logged-in session remembers, and the key it is stored under: one
//! type read by the request code (who is asking) and by the session store
//! (whose sessions a revocation ends), so neither imports the other.

use super::{CertificateSerial, Timestamp};
use serde::{Deserialize, Serialize};

/// The session key under which the logged-in user's [`SessionAuth`] lives.
pub const AUTH_KEY: &str = "auth";

/// What the session remembers about its user. The user's role and state are
/// re-read from the database on every request, never trusted from here.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub authenticated_at: Timestamp,
    /// The login before this one, shown on ホーム as 前回ログイン日時.
    pub previous_login_at: Option<Timestamp>,
    /// When the session was last saved. Saving moves the idle deadline; it
    /// is done at most once per `request::refresh_interval`, not on every request,
    /// because each save is a database write (and on SQLite a commit that
    /// every other writer waits for).
    pub last_seen: Timestamp,
    /// 電子証明書方式: the certificate the session logged in with. Every
    /// request must present it, and it must still be the user's current one.
    #[serde(default)]
    pub certificate_serial: Option<CertificateSerial>,
}
