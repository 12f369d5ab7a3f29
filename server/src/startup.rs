//! From configuration to a ready [`AppState`]: database, migrations, the
//! demo set (in demo mode), the password hasher.

use kanri_app::server::config::Config;
use kanri_app::server::db::{Db, DbError};
use kanri_app::server::mail::{MailError, Mailer};
use kanri_app::server::operator::OperatorError;
use kanri_app::server::password::{HashError, PasswordHasher};
use kanri_app::server::throttle::Throttles;
use kanri_app::server::{demo, AppState};
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data folder {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("password hasher: {0}")]
    Hash(#[from] HashError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("demo data: {0}")]
    Demo(#[from] OperatorError),
}

pub async fn build_state(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartupError::DataDir(config.data_dir.display().to_string(), e))?;
    }
    let db = Db::connect(&config.database_url, config.max_db_connections).await?;
    db.migrate().await?;
    let hasher = PasswordHasher::new(config.hash_cost, config.hash_concurrency)?;
    let mailer = Mailer::from_config(&config.mail)?;
    let state = AppState {
        db,
        hasher,
        mailer,
        throttles: Arc::new(Throttles::new(
            config.attempts_per_client_per_minute,
            config.attempts_per_account_per_minute,
        )),
        config: Arc::new(config),
        leptos_options,
    };
    if state.config.demo && demo::load(&state).await? {
        tracing::info!("demo data loaded (SPEC section 6)");
    }
    Ok(state)
}
