//! Infrastructure behind the use cases: configuration, the clock, password
//! hashing, the session store, attempt limits and the mail transport.
//! Nothing here knows a business rule.

pub mod clock;
pub mod coalesce;
pub mod config;
pub mod crl_entries;
pub mod mailer;
pub mod password;
pub mod pki;
pub mod session_store;
pub mod throttle;
