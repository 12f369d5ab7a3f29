//! Application state, given to every route and server function.

use super::config::Config;
use super::db::Db;
use super::mail::Mailer;
use super::password::PasswordHasher;
use super::throttle::Throttles;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub hasher: PasswordHasher,
    pub mailer: Mailer,
    pub throttles: Arc<Throttles>,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
