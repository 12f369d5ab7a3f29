//! Attempt limits per client address and per account, in front of the
//! password checks of login and 実行. They sit before argon2 so that a flood
//! costs one small write, not 19 MiB and tens of milliseconds each; the
//! 6-failure stops (SPEC section 5) remain the per-account rule that counts.
//!
//! The counters live in the database (fixed one-minute windows), so that
//! several instances behind a load balancer share them: an attacker spread
//! over three instances gets the limit once, not three times. A client is
//! its IPv4 address, or its IPv6 address's /64: one customer line holds
//! 2^64 addresses, one key each would be no limit at all.
//!
//! The same per-client budget bounds what anonymous clients can write into
//! 操作履歴 ([`Throttles::may_record_anonymous`]).

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
                let key = format!("{action}:client:{}", client_key(ip));
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

    /// Whether a refusal of someone who named nobody (an unknown ログインID, no
    /// or a foreign certificate) may still be written to 操作履歴: at most
    /// the per-client limit per minute, so that a flood adds a bounded
    /// number of rows instead of burying the real events. A request from no
    /// known address is recorded (it comes from kanri's own callers).
    ///
    /// Counted through `db`: a login's or 取得's own transaction, so that a
    /// refusal for an unknown ID commits once, as a wrong password does (a
    /// second commit made unknown IDs measurably slower on SQLite: a way to
    /// tell which IDs exist, `second_proof.rs`).
    pub async fn may_record_anonymous<'e, E>(
        &self,
        db: E,
        client: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, sqlx::Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let Some(ip) = client else {
            return Ok(true);
        };
        let key = format!("record:client:{}", client_key(ip));
        Ok(
            attempt_windows::count_attempt(db, &key, minute_of(now)).await?
                <= self.per_client_per_minute,
        )
    }

    /// Forgets windows older than an hour (run with the session cleanup).
    pub async fn forget_old(&self, now: Timestamp) -> Result<u64, sqlx::Error> {
        let hour_ago = Timestamp(now.0 - chrono::Duration::hours(1));
        attempt_windows::delete_before(self.db.pool(), hour_ago).await
    }
}

/// The key a client address is counted under: an IPv4 address (or one
/// mapped into IPv6) itself, an IPv6 address its /64. Text that is no
/// address is its own key.
pub fn client_key(ip: &str) -> String {
    match ip.parse() {
        Ok(address) => client_key_of(address),
        Err(_) => ip.to_owned(),
    }
}

/// [`client_key`] of an address (the listeners count connections by it).
pub fn client_key_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        v4 => v4.to_string(),
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
    fn an_ipv6_client_is_its_64_and_an_ipv4_one_itself() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
        assert_eq!(client_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(client_key("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn windows_are_whole_minutes() {
        let t = Timestamp(Utc.with_ymd_and_hms(2026, 11, 24, 3, 4, 59).unwrap());
        assert_eq!(minute_of(t).to_db(), "2026-11-24T03:04:00.000000Z");
    }
}
