//! Configuration in one struct, read from the environment. The defaults run
//! the embedded SQLite demo; nothing here is a secret.

use super::password::{HashCost, Password};
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
    pub mail: MailConfig,
    /// Login and 実行 attempts allowed per minute from one client address…
    pub attempts_per_client_per_minute: u32,
    /// …and on one account.
    pub attempts_per_account_per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed (the reverse proxies).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Log lines as JSON (`KANRI_LOG_FORMAT=json`) instead of text.
    pub json_logs: bool,
    /// `KANRI_BENCH_ROUTES=1`: serve `/bench/minimal` (a minimal Leptos page)
    /// and, with `KANRI_BENCH_BARE_FILE`, `/bench/bare` (those bytes from a
    /// bare axum handler), the baselines of `bench/`. Off by default.
    pub bench_routes: bool,
    pub bench_bare_file: Option<PathBuf>,
}

/// Where e-mail goes: an SMTP server, or (the default) `.eml` files in a
/// folder, so that the demo needs no mail server.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// The From header, e.g. `kanri <noreply@example.jp>`.
    pub from: String,
    pub transport: MailTransport,
    /// How often the expiry-notice job runs.
    pub interval: Duration,
}

#[derive(Clone, Debug)]
pub enum MailTransport {
    Smtp {
        host: String,
        port: u16,
        starttls: bool,
        username: Option<String>,
        password: Option<Password>,
    },
    Files(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be a positive whole number")]
    NotANumber(&'static str),
    #[error("{0} must be 1 or 0 (or true/false)")]
    NotABool(&'static str),
    #[error("{0} must be a comma-separated list of IP addresses")]
    NotAddresses(&'static str),
    #[error("{0} must be a port number")]
    NotAPort(&'static str),
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
            demo: boolean("KANRI_DEMO", false)?,
            session_idle: Duration::from_secs(60 * number("KANRI_SESSION_IDLE_MINUTES", 15)?),
            session_absolute: Duration::from_secs(
                60 * number("KANRI_SESSION_ABSOLUTE_MINUTES", 8 * 60)?,
            ),
            secure_cookies: boolean("KANRI_SECURE_COOKIES", false)?,
            hash_cost: HashCost::OWASP,
            hash_concurrency: number("KANRI_HASH_CONCURRENCY", 2)? as usize,
            max_db_connections: number("KANRI_DB_MAX_CONNECTIONS", 8)? as u32,
            mail: MailConfig::from_env(&data_dir)?,
            attempts_per_client_per_minute: number("KANRI_ATTEMPTS_PER_CLIENT_PER_MINUTE", 30)?
                as u32,
            attempts_per_account_per_minute: number("KANRI_ATTEMPTS_PER_ACCOUNT_PER_MINUTE", 10)?
                as u32,
            trusted_proxies: match var("KANRI_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(|ip| ip.trim().parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| ConfigError::NotAddresses("KANRI_TRUSTED_PROXIES"))?,
            },
            json_logs: var("KANRI_LOG_FORMAT").is_some_and(|f| f == "json"),
            bench_routes: boolean("KANRI_BENCH_ROUTES", false)?,
            bench_bare_file: var("KANRI_BENCH_BARE_FILE").map(PathBuf::from),
            data_dir,
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

impl MailConfig {
    /// `KANRI_SMTP_HOST` (+ `_PORT`, `_STARTTLS`, `_USERNAME`, `_PASSWORD`)
    /// selects SMTP; without it messages are written to `KANRI_MAIL_DIR`
    /// (default `<data dir>/mail`).
    pub fn from_env(data_dir: &std::path::Path) -> Result<Self, ConfigError> {
        let transport = match var("KANRI_SMTP_HOST") {
            Some(host) => MailTransport::Smtp {
                host,
                port: match var("KANRI_SMTP_PORT") {
                    None => 587,
                    Some(p) => p
                        .trim()
                        .parse()
                        .map_err(|_| ConfigError::NotAPort("KANRI_SMTP_PORT"))?,
                },
                starttls: boolean("KANRI_SMTP_STARTTLS", true)?,
                username: var("KANRI_SMTP_USERNAME"),
                password: var("KANRI_SMTP_PASSWORD").map(Password::new),
            },
            None => MailTransport::Files(
                var("KANRI_MAIL_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("mail")),
            ),
        };
        Ok(Self {
            from: var("KANRI_MAIL_FROM").unwrap_or_else(|| "kanri <noreply@kanri.invalid>".into()),
            transport,
            interval: Duration::from_secs(60 * number("KANRI_MAIL_INTERVAL_MINUTES", 24 * 60)?),
        })
    }
}
