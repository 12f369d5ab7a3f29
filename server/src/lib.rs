//! kanri's server: configuration, the axum router with its middleware,
//! start-up and the bank's operator commands. The screens and their server
//! functions live in `kanri-app`.

pub mod cli;
pub mod middleware;
pub mod reports;
pub mod router;
pub mod startup;

pub use router::app;
pub use startup::{build_state, StartupError};
