//! The time as kanri sees it. Every use case asks the clock in the app
//! state instead of the system, so that tests can move time forward (idle
//! timeout, absolute lifetime, the 40-day notice) without sleeping.

use crate::domain::Timestamp;
use chrono::{Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The system clock plus an offset that only tests change. Clones share
/// the offset, so moving one moves every copy (the app state's included).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> Timestamp {
        Timestamp(Utc::now() + Duration::microseconds(self.offset_micros.load(Ordering::Relaxed)))
    }

    /// A time read from the system clock (say, by a library), as this clock
    /// reads it: deadlines computed by others stay consistent with
    /// [`Clock::now`] when a test has moved the clock.
    pub fn from_system(&self, t: chrono::DateTime<Utc>) -> Timestamp {
        Timestamp(t + Duration::microseconds(self.offset_micros.load(Ordering::Relaxed)))
    }

    /// Moves this clock and all its copies forward (tests).
    pub fn advance(&self, by: Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_one_copy_moves_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(Duration::days(40));
        assert!(copy.now().0 - before.0 >= Duration::days(40));
    }
}
