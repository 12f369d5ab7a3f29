//! From configuration to a ready [`AppState`]: database, migrations, the
//! demo set (in demo mode), the password hasher.

use kanri_app::db::{Db, DbError};
use kanri_app::infra::cache::Caches;
use kanri_app::infra::clock::Clock;
use kanri_app::infra::config::Config;
use kanri_app::infra::mailer::{MailError, Mailer};
use kanri_app::infra::password::{HashError, PasswordHasher};
use kanri_app::infra::throttle::Throttles;
use kanri_app::state::{AppState, Services};
use kanri_app::use_cases::certificate_authority::{self, CaSetupError};
use kanri_app::use_cases::demo;
use kanri_app::use_cases::operator::OperatorError;
use leptos::config::LeptosOptions;
use std::str::FromStr;
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
    #[error("{0}")]
    Ca(#[from] CaSetupError),
}

/// The database, migrated: all the operator's CA commands need.
pub async fn connect(config: &Config) -> Result<Db, StartupError> {
    if config.database_url.starts_with("sqlite:") {
        private_files(config)
            .map_err(|e| StartupError::DataDir(config.data_dir.display().to_string(), e))?;
    }
    let db = Db::connect(&config.database_url, config.max_db_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// The data folder (the demo's `.p12` files, mail) and the SQLite file (the
/// sealed CA key, sessions, 操作履歴), each created readable by kanri's user
/// only; SQLite's `-wal` and `-shm` files beside it are inside the private
/// folder whatever their own mode. Existing files and folders are left as
/// the bank set them.
fn private_files(config: &Config) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let private_dir = |dir: &std::path::Path| {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    };
    private_dir(&config.data_dir)?;
    let url = &config.database_url;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(());
    }
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(std::io::Error::other)?;
    let file = options.get_filename();
    if file.as_os_str().is_empty() {
        return Ok(());
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_dir(parent)?;
    }
    // An empty file is an empty SQLite database; sqlx opens it as one.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn build_state(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    build_state_with_clock(config, leptos_options, Clock::system()).await
}

/// [`build_state`] with a given clock (tests move it forward).
pub async fn build_state_with_clock(
    config: Config,
    leptos_options: LeptosOptions,
    clock: Clock,
) -> Result<AppState, StartupError> {
    let db = connect(&config).await?;
    // The CA first: a missing or wrong passphrase stops the server here.
    let pki = certificate_authority::open(&db, &config, clock.now()).await?;
    let hasher = PasswordHasher::new(config.hash_cost, config.hash_concurrency)?;
    let mailer = Mailer::from_config(&config.mail)?;
    let throttles = Throttles::new(
        db.clone(),
        config.attempts_per_client_per_minute,
        config.attempts_per_account_per_minute,
    );
    let state = AppState::new(Services {
        db,
        clock,
        pki: Arc::new(pki),
        hasher,
        mailer,
        throttles: Arc::new(throttles),
        caches: Caches::new(config.caches),
        metrics: Default::default(),
        background: Default::default(),
        config: Arc::new(config),
        leptos_options,
    });
    if state.config.demo && demo::load(&state).await? {
        tracing::info!("demo data loaded (SPEC section 6)");
    }
    // /metrics counts the events from here on.
    let ends = kanri_app::db::audit_log::chain_ends(state.db.pool())
        .await
        .map_err(DbError::from)?;
    state
        .metrics
        .start_at(ends.into_iter().map(|(chain, seq, _)| (chain, seq)))
        .await;
    Ok(state)
}
