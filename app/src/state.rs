//! Application state, given to every route and server function.

use crate::db::Db;
use crate::infra::cache::Caches;
use crate::infra::clock::Clock;
use crate::infra::coalesce::BackgroundRuns;
use crate::infra::config::Config;
use crate::infra::mailer::Mailer;
use crate::infra::metrics::Metrics;
use crate::infra::password::PasswordHasher;
use crate::infra::pki::Pki;
use crate::infra::throttle::Throttles;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request may need, behind one `Arc`: Leptos hands the state
/// to each request and `use_context` clones it at every use, a dozen times
/// per page; cloning the fields themselves (the Leptos options' strings,
/// the pool, the mailer) was ~8 % of a page's CPU time (bench/NOTES.md).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

#[derive(Debug)]
pub struct Services {
    pub db: Db,
    pub clock: Clock,
    pub hasher: PasswordHasher,
    /// kanri's CA, opened at start.
    pub pki: Arc<Pki>,
    pub mailer: Mailer,
    pub throttles: Arc<Throttles>,
    /// Every memory cache of this process (`infra::cache`).
    pub caches: Caches,
    /// What `/metrics` reports of this process (`infra::metrics`).
    pub metrics: Metrics,
    /// The CRL refresh and mail delivery that requests start, one at a time.
    pub background: Arc<BackgroundRuns>,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
