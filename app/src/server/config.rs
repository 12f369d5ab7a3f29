//! Configuration in one struct, read from the environment. The defaults run
//! the embedded SQLite demo; nothing here is a secret.

use super::password::HashCost;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; defaults to a SQLite file in `data_dir`.
    pub database_url: String,
    pub data_dir: PathBuf,
    /// Demo mode: loads SPEC section 6 into a new database and says so on every page.
    pub demo: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Serve cookies as `__Host-…; Secure` (set when kanri is behind HTTPS).
    pub secure_cookies: bool,
    pub hash_cost: HashCost,
    /// Password hashes computed at once; each takes `hash_cost.memory_kib`.
    pub hash_concurrency: usize,
    pub max_db_connections: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be a positive whole number")]
    NotANumber(&'static str),
    #[error("{0} must be 1 or 0 (or true/false)")]
    NotABool(&'static str),
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(name: &'static str, default: u64) -> Result<u64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(ConfigError::NotANumber(name)),
    }
}

fn boolean(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "yes") => Ok(true),
        Some("0" | "false" | "no") => Ok(false),
        Some(_) => Err(ConfigError::NotABool(name)),
    }
}

impl Config {
    pub const SESSION_COOKIE: &'static str = "kanri_session";
    pub const SECURE_SESSION_COOKIE: &'static str = "__Host-kanri_session";

    /// Reads `KANRI_*` and `DATABASE_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(var("KANRI_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kanri.db").display()));
        Ok(Self {
            database_url,
            data_dir,
            demo: boolean("KANRI_DEMO", false)?,
            session_idle: Duration::from_secs(60 * number("KANRI_SESSION_IDLE_MINUTES", 15)?),
            session_absolute: Duration::from_secs(
                60 * number("KANRI_SESSION_ABSOLUTE_MINUTES", 8 * 60)?,
            ),
            secure_cookies: boolean("KANRI_SECURE_COOKIES", false)?,
            hash_cost: HashCost::OWASP,
            hash_concurrency: number("KANRI_HASH_CONCURRENCY", 2)? as usize,
            max_db_connections: number("KANRI_DB_MAX_CONNECTIONS", 8)? as u32,
        })
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            Self::SECURE_SESSION_COOKIE
        } else {
            Self::SESSION_COOKIE
        }
    }
}
