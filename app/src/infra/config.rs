//! Configuration in one struct, read from the environment. The defaults run
//! the embedded SQLite demo. The one secret here, the CA passphrase, is a
//! type that never prints.

use super::cache::CacheMode;
use super::password::HashCost;
use crate::domain::secret::Password;
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
    /// Serve cookies as `__Host-…; Secure`, with HSTS: `KANRI_SECURE_COOKIES`,
    /// on by default outside demo mode (a bank serves kanri over HTTPS only;
    /// the demo's plain HTTP on 127.0.0.1 cannot keep a Secure cookie).
    pub secure_cookies: bool,
    pub hash_cost: HashCost,
    /// Password hashes computed at once; each takes `hash_cost.memory_kib`.
    pub hash_concurrency: usize,
    pub max_db_connections: u32,
    pub mail: MailConfig,
    /// The expiry reminders' days before 有効期限, each mailed once per
    /// certificate (`KANRI_EXPIRY_REMINDER_DAYS`, comma-separated, 1 to 365;
    /// by default 40 and 10).
    pub expiry_reminder_days: Vec<i64>,
    /// How many days after its 有効期限 a certificate may still be
    /// presented for 更新 (`KANRI_RENEWAL_GRACE_DAYS`, 0 to 90, 0 turns it
    /// off; by default 30, SPEC 9.3). It never logs in once expired.
    pub renewal_grace_days: u16,
    /// The bearer token `/metrics` asks for (`KANRI_METRICS_TOKEN`, 32
    /// characters or more); without one there is no `/metrics`.
    pub metrics_token: Option<String>,
    /// Login and 実行 attempts allowed per minute from one client address…
    pub attempts_per_client_per_minute: u32,
    /// …and on one account.
    pub attempts_per_account_per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed (the reverse proxies).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Log lines as JSON (`KANRI_LOG_FORMAT=json`) instead of text.
    pub json_logs: bool,
    /// Connections served at once per listener (`KANRI_MAX_CONNECTIONS`);
    /// more wait in the kernel's backlog.
    pub max_connections: usize,
    /// …of them from one client (an IPv4 address, an IPv6 /64), the trusted
    /// proxies not counted (`KANRI_MAX_CONNECTIONS_PER_CLIENT`); more are
    /// closed at once. A company's office behind one address keeps a few
    /// connections per browser, so this is generous.
    pub max_connections_per_client: usize,
    /// A TLS handshake and a request's head must arrive within this
    /// (`KANRI_HEADER_TIMEOUT_SECONDS`).
    pub header_timeout: Duration,
    /// A whole request, its body included (`KANRI_REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout: Duration,
    /// `KANRI_CACHES=off`: keep nothing in memory between requests (see
    /// `infra::cache`); on by default.
    pub caches: CacheMode,
    /// `KANRI_BENCH_BARE_FILE`: in a `bench` build only (the `bench`
    /// feature, which also adds `/bench/minimal` and `/bench/one-read`),
    /// `/bench/bare` serves this file's bytes from a bare axum handler, a
    /// baseline of `bench/`. The product binary has no `/bench/` address.
    pub bench_bare_file: Option<PathBuf>,
    /// Opens the CA's sealed key: `KANRI_CA_PASSPHRASE`, or the first line
    /// of the file `KANRI_CA_PASSPHRASE_FILE`. Demo mode falls back to
    /// [`DEMO_CA_PASSPHRASE`].
    pub ca_passphrase: Option<kanri_pki::Passphrase>,
    /// The PKCS#11 token that keeps the issuing CA's key (an HSM):
    /// `KANRI_CA_PKCS11_MODULE` (the vendor's library) and
    /// `KANRI_CA_PKCS11_TOKEN` (the token's label), given together. The CA
    /// passphrase is then the token's user PIN. Without them the key is
    /// sealed in the database (the embedded default).
    pub ca_token: Option<kanri_pki::TokenConfig>,
    /// Base of the addresses written into every certificate (`<base>/pki/crl`,
    /// `<base>/pki/ocsp`): `KANRI_PUBLIC_URL`.
    pub public_url: String,
    /// kanri's own HTTPS listener with optional client certificates.
    pub tls: Option<TlsConfig>,
    /// Where browsers reach kanri over HTTPS (their certificate is asked
    /// for there): `KANRI_HTTPS_URL`, by default the HTTPS listener's
    /// address, else `public_url` (HTTPS ends at a proxy in front).
    pub https_url: Option<String>,
}

/// The HTTPS listener: `KANRI_TLS_ADDR`, with the server's certificate
/// chain and key from `KANRI_TLS_CERT` / `KANRI_TLS_KEY` (PEM files). In
/// demo mode it listens on 127.0.0.1:3443 with a certificate the demo CA
/// issues at start.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    pub addr: std::net::SocketAddr,
    /// `None`: issue one from kanri's own CA at start (demo and tests).
    pub certificate: Option<TlsFiles>,
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub certificate_chain: PathBuf,
    pub private_key: PathBuf,
}

/// The demo's CA passphrase: printed in the README, for the demo only. A
/// server outside demo mode refuses to start without its own.
pub const DEMO_CA_PASSPHRASE: &str = "kanri-demo-ca-passphrase";

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
    #[error("{0} must be a comma-separated list of days from 1 to 365, e.g. 40,10")]
    NotDays(&'static str),
    #[error("{0} must be a number of days from 0 (off) to 90")]
    NotGraceDays(&'static str),
    #[error("{0} must be 32 or more visible ASCII characters")]
    ShortToken(&'static str),
    #[error("{0} must be an address such as 127.0.0.1:3443")]
    NotASocketAddress(&'static str),
    #[error("cannot read {0}: {1}")]
    Unreadable(&'static str, std::io::Error),
    #[error("{0} and {1} must be given together")]
    Incomplete(&'static str, &'static str),
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

/// The expiry reminders' days, largest first, each once.
fn reminder_days() -> Result<Vec<i64>, ConfigError> {
    const NAME: &str = "KANRI_EXPIRY_REMINDER_DAYS";
    let Some(list) = var(NAME) else {
        return Ok(vec![40, 10]);
    };
    let mut days = list
        .split(',')
        .map(|day| {
            day.trim()
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=365).contains(d))
        })
        .collect::<Option<Vec<_>>>()
        .filter(|days| !days.is_empty())
        .ok_or(ConfigError::NotDays(NAME))?;
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

fn renewal_grace_days() -> Result<u16, ConfigError> {
    const NAME: &str = "KANRI_RENEWAL_GRACE_DAYS";
    match var(NAME) {
        None => Ok(30),
        Some(days) => days
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|d| *d <= 90)
            .ok_or(ConfigError::NotGraceDays(NAME)),
    }
}

fn metrics_token() -> Result<Option<String>, ConfigError> {
    const NAME: &str = "KANRI_METRICS_TOKEN";
    match var(NAME) {
        None => Ok(None),
        // Visible ASCII: what an Authorization header can carry.
        Some(token)
            if token.trim().len() >= 32 && token.trim().bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        Some(_) => Err(ConfigError::ShortToken(NAME)),
    }
}

fn boolean(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(_) => Err(ConfigError::NotABool(name)),
    }
}

impl Config {
    /// How near its 有効期限 a certificate is 期限間近: from the first
    /// expiry reminder on.
    pub fn notice_window(&self) -> crate::domain::NoticeWindow {
        crate::domain::NoticeWindow::from_reminder_days(&self.expiry_reminder_days)
    }

    pub const SESSION_COOKIE: &'static str = "kanri_session";
    pub const SECURE_SESSION_COOKIE: &'static str = "__Host-kanri_session";

    /// Reads `KANRI_*` and `DATABASE_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(var("KANRI_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kanri.db").display()));
        let demo = boolean("KANRI_DEMO", false)?;
        Ok(Self {
            database_url,
            session_idle: Duration::from_secs(60 * number("KANRI_SESSION_IDLE_MINUTES", 15)?),
            session_absolute: Duration::from_secs(
                60 * number("KANRI_SESSION_ABSOLUTE_MINUTES", 8 * 60)?,
            ),
            secure_cookies: boolean("KANRI_SECURE_COOKIES", !demo)?,
            hash_cost: HashCost::OWASP,
            hash_concurrency: number("KANRI_HASH_CONCURRENCY", 2)? as usize,
            max_db_connections: number("KANRI_DB_MAX_CONNECTIONS", 8)? as u32,
            mail: MailConfig::from_env(&data_dir)?,
            expiry_reminder_days: reminder_days()?,
            renewal_grace_days: renewal_grace_days()?,
            metrics_token: metrics_token()?,
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
            max_connections: number("KANRI_MAX_CONNECTIONS", 512)?.max(1) as usize,
            max_connections_per_client: number("KANRI_MAX_CONNECTIONS_PER_CLIENT", 128)?.max(1)
                as usize,
            header_timeout: Duration::from_secs(number("KANRI_HEADER_TIMEOUT_SECONDS", 10)?.max(1)),
            request_timeout: Duration::from_secs(
                number("KANRI_REQUEST_TIMEOUT_SECONDS", 30)?.max(1),
            ),
            caches: if boolean("KANRI_CACHES", true)? {
                CacheMode::Keep
            } else {
                CacheMode::Off
            },
            bench_bare_file: var("KANRI_BENCH_BARE_FILE").map(PathBuf::from),
            ca_passphrase: ca_passphrase()?,
            ca_token: ca_token()?,
            public_url: var("KANRI_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into()),
            tls: tls(demo)?,
            https_url: var("KANRI_HTTPS_URL"),
            demo,
            data_dir,
        })
    }

    /// Demo mode (`serve --demo` as well as `KANRI_DEMO=1`): the demo data,
    /// and the HTTPS listener at 127.0.0.1:3443 unless one is configured.
    pub fn enable_demo(&mut self) {
        self.demo = true;
        // The default follows the mode (`serve --demo` decides it late).
        if var("KANRI_SECURE_COOKIES").is_none() {
            self.secure_cookies = false;
        }
        if self.tls.is_none() {
            self.tls = Some(TlsConfig {
                addr: std::net::SocketAddr::from(([127, 0, 0, 1], 3443)),
                certificate: None,
            });
        }
    }

    /// The address of 更新 (CCHK002), where the browser presents its certificate.
    pub fn renewal_url(&self) -> String {
        let base = match (&self.https_url, &self.tls) {
            (Some(url), _) => url.trim_end_matches('/').to_owned(),
            (None, Some(tls)) => format!("https://{}", tls.addr),
            (None, None) => self.public_url.trim_end_matches('/').to_owned(),
        };
        format!("{base}{}", crate::routes::RENEWAL_AUTH)
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

fn ca_passphrase() -> Result<Option<kanri_pki::Passphrase>, ConfigError> {
    if let Some(file) = var("KANRI_CA_PASSPHRASE_FILE") {
        let contents = std::fs::read_to_string(&file)
            .map_err(|e| ConfigError::Unreadable("KANRI_CA_PASSPHRASE_FILE", e))?;
        return Ok(Some(kanri_pki::Passphrase::from_file_contents(&contents)));
    }
    Ok(var("KANRI_CA_PASSPHRASE").map(kanri_pki::Passphrase::new))
}

fn ca_token() -> Result<Option<kanri_pki::TokenConfig>, ConfigError> {
    match (var("KANRI_CA_PKCS11_MODULE"), var("KANRI_CA_PKCS11_TOKEN")) {
        (Some(module), Some(token_label)) => Ok(Some(kanri_pki::TokenConfig {
            module: module.trim().into(),
            token_label: token_label.trim().to_owned(),
        })),
        (None, None) => Ok(None),
        _ => Err(ConfigError::Incomplete(
            "KANRI_CA_PKCS11_MODULE",
            "KANRI_CA_PKCS11_TOKEN",
        )),
    }
}

fn tls(demo: bool) -> Result<Option<TlsConfig>, ConfigError> {
    let addr = match var("KANRI_TLS_ADDR") {
        Some(addr) => addr
            .trim()
            .parse()
            .map_err(|_| ConfigError::NotASocketAddress("KANRI_TLS_ADDR"))?,
        None if demo => std::net::SocketAddr::from(([127, 0, 0, 1], 3443)),
        None => return Ok(None),
    };
    let certificate = match (var("KANRI_TLS_CERT"), var("KANRI_TLS_KEY")) {
        (Some(chain), Some(key)) => Some(TlsFiles {
            certificate_chain: chain.into(),
            private_key: key.into(),
        }),
        (None, None) => None,
        _ => return Err(ConfigError::Incomplete("KANRI_TLS_CERT", "KANRI_TLS_KEY")),
    };
    Ok(Some(TlsConfig { addr, certificate }))
}
