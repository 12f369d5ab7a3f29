//! Attempt limits per client address and per account, in front of the
//! password checks of login and 実行. They sit before argon2 so that a flood
//! costs one small write, not 19 MiB and tens of milliseconds each; the
//! 6-failure stops (SPEC section 5) remain the per-account rule that counts.
//!
//! The counters live in the database (fixed one-minute windows), so that
//! several instances behind a load balancer share them: an attacker spread
//! over three instances gets the limit once, not three times.

use crate::db::{attempt_windows, Db};
use crate::domain::Timestamp;
use chrono::{DurationRound, TimeDelta};

/// The password an attempt is counted against. 取得 and 更新 check the
/// ログインパスワード too, so they share its counters with ログイン.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    LoginPassword,
    ConfirmationPassword,
    /// The ワンタイムパスワード of 取得 and 更新, per account like the passwords.
    Otp,
}

impl Attempt {
    /// The counter's key prefix (rows live at most an hour: renaming one
    /// only restarts a window).
    fn key(self) -> &'static str {
        match self {
            Attempt::LoginPassword => "login",
            Attempt::ConfirmationPassword => "revoke",
            Attempt::Otp => "otp",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Throttles {
    db: Db,
    per_client_per_minute: i64,
    per_account_per_minute: i64,
}

impl Throttles {
    pub fn new(db: Db, per_client_per_minute: u32, per_account_per_minute: u32) -> Self {
        Self {
            db,
            per_client_per_minute: i64::from(per_client_per_minute),
            per_account_per_minute: i64::from(per_account_per_minute),
        }
    }

    /// Counts one `attempt` by `client` on `account` at `now`;
    /// `false` when either is over its limit in the current minute. Both
    /// are counted, even when the first refuses, so that neither limit can
    /// be dodged by the other.
    pub async fn allow(
        &self,
        attempt: Attempt,
        client: Option<&str>,
        account: &str,
        now: Timestamp,
    ) -> Result<bool, sqlx::Error> {
        let window = minute_of(now);
        let action = attempt.key();
        let pool = self.db.pool();
        let by_client = match client {
            Some(ip) => {
                let key = format!("{action}:client:{ip}");
                attempt_windows::count_attempt(pool, &key, window).await?
                    <= self.per_client_per_minute
            }
            None => true,
        };
        let key = format!("{action}:account:{account}");
        let by_account = attempt_windows::count_attempt(pool, &key, window).await?
            <= self.per_account_per_minute;
        Ok(by_client && by_account)
    }

    /// Forgets windows older than an hour (run with the session cleanup).
    pub async fn forget_old(&self, now: Timestamp) -> Result<u64, sqlx::Error> {
        let hour_ago = Timestamp(now.0 - chrono::Duration::hours(1));
        attempt_windows::delete_before(self.db.pool(), hour_ago).await
    }
}

/// The start of the minute `now` is in.
fn minute_of(now: Timestamp) -> Timestamp {
    Timestamp(now.0.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn windows_are_whole_minutes() {
        let t = Timestamp(Utc.with_ymd_and_hms(2026, 11, 24, 3, 4, 59).unwrap());
        assert_eq!(minute_of(t).to_db(), "2026-11-24T03:04:00.000000Z");
    }
}
