//! Infrastructure behind the use cases: configuration, the clock, password
//! hashing, the session store, attempt limits, the mail transport, the CA
//! at run time, and every memory cache (`cache`).
//! Nothing here knows a business rule.

pub mod cache;
pub mod clock;
pub mod coalesce;
pub mod config;
pub mod mailer;
pub mod metrics;
pub mod password;
pub mod pki;
pub mod session_store;
pub mod throttle;
