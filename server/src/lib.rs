//! kanri's server: configuration, the axum router with its middleware,
//! start-up and the bank's operator commands. The screens and their server
//! functions live in `kanri-app`.

#![forbid(unsafe_code)]

pub mod certificate_forms;
pub mod cli;
pub mod csv_downloads;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod publication;
pub mod router;
pub mod serve;
pub mod startup;
pub mod tls;

pub use router::app;
pub use startup::{build_state, build_state_with_clock, StartupError};
