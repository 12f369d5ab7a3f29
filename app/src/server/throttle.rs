//! Attempt limits per client address and per account, in front of the
//! password checks of login and 実行. They sit before argon2 so that a flood
//! costs a hash map lookup, not 19 MiB and tens of milliseconds each; the
//! 6-failure stops (SPEC section 5) remain the per-account rule that counts.
//!
//! Fixed one-minute windows in this process's memory: with several
//! instances each keeps its own count, which still bounds the total.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    counters: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Entries kept before expired windows are swept.
const SWEEP_AT: usize = 10_000;

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt under `key`; `false` when the key is over its limit
    /// in the current window.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if counters.len() >= SWEEP_AT {
            let window = self.window;
            counters.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counters.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.limit
    }
}

/// The limits kanri applies.
#[derive(Debug)]
pub struct Throttles {
    pub per_client: Throttle,
    pub per_account: Throttle,
}

impl Throttles {
    pub fn new(per_client_per_minute: u32, per_account_per_minute: u32) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            per_client: Throttle::new(per_client_per_minute, minute),
            per_account: Throttle::new(per_account_per_minute, minute),
        }
    }

    /// Checks (and counts) one attempt of `action` by `client` on `account`.
    pub fn allow(&self, action: &str, client: Option<&str>, account: &str) -> bool {
        // Both are counted, even when the first refuses, so that neither
        // limit can be dodged by the other.
        let by_client = client.is_none_or(|ip| self.per_client.allow(&format!("{action}:{ip}")));
        let by_account = self.per_account.allow(&format!("{action}:{account}"));
        by_client && by_account
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_refuses_until_the_window_passes() {
        let t = Throttle::new(3, Duration::from_millis(50));
        assert!(t.allow("a") && t.allow("a") && t.allow("a"));
        assert!(!t.allow("a"));
        assert!(t.allow("b"), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.allow("a"));
    }

    #[test]
    fn per_client_and_per_account_both_apply() {
        let t = Throttles::new(5, 2);
        assert!(t.allow("login", Some("10.0.0.1"), "master01"));
        assert!(t.allow("login", Some("10.0.0.2"), "master01"));
        assert!(
            !t.allow("login", Some("10.0.0.3"), "master01"),
            "third try on one account"
        );
        for i in 0..5 {
            assert!(t.allow("login", Some("10.0.0.9"), &format!("user{i}")));
        }
        assert!(
            !t.allow("login", Some("10.0.0.9"), "user9"),
            "sixth try from one address"
        );
    }
}
