//! The database layer: every SQL statement of kanri lives under this
//! module, one file per table (`users`, `contracts`, `certificates`,
//! `certificate_authority`, `pending_downloads`, `audit_log`, `sessions`,
//! `mail_outbox`).
//!
//! One pool type for both backends (sqlx's `Any` driver), picked from
//! `DATABASE_URL` at start. The SQL is written once, in the common subset of
//! SQLite and PostgreSQL: `$n` placeholders (SQLite's driver binds them by
//! number), TEXT times, BIGINT/INTEGER flags, `RETURNING`.

pub mod attempt_windows;
pub mod audit_log;
pub mod certificate_authority;
pub mod certificates;
pub mod contracts;
pub mod crls;
pub mod issuance_codes;
pub mod mail_outbox;
pub mod ocsp_responders;
pub mod pending_downloads;
pub mod sessions;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Transaction};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL scheme (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// How a failed statement relates to the schema's rules. Mapped from the
/// driver's error kind, never from message text.
#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    Unique,
    ForeignKey,
    Check,
    Other,
}

pub fn violation(err: &sqlx::Error) -> Option<Violation> {
    use sqlx::error::ErrorKind;
    let db = err.as_database_error()?;
    Some(match db.kind() {
        ErrorKind::UniqueViolation => Violation::Unique,
        ErrorKind::ForeignKeyViolation => Violation::ForeignKey,
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation => Violation::Check,
        _ => Violation::Other,
    })
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). SQLite files are
    /// created when missing and put into WAL mode, so readers never wait for
    /// the writer.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        // Wait for the writer instead of failing with
                        // "database is locked"; foreign keys are per connection.
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        // Deleted rows (a downloaded .p12, a used code's
                        // hash, a session) are overwritten, not left in free
                        // pages for a copy of the file to give back.
                        conn.execute("PRAGMA secure_delete = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Self { pool, backend })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads
    /// first and writes later can fail with SQLITE_BUSY without waiting.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A result row's columns by name, typed as the mappings of the tables
/// read them.
pub(crate) trait Columns {
    fn int(&self, name: &str) -> Result<i64, sqlx::Error>;
    fn opt_int(&self, name: &str) -> Result<Option<i64>, sqlx::Error>;
    fn text(&self, name: &str) -> Result<String, sqlx::Error>;
    fn opt_text(&self, name: &str) -> Result<Option<String>, sqlx::Error>;
}

impl Columns for sqlx::any::AnyRow {
    fn int(&self, name: &str) -> Result<i64, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn text(&self, name: &str) -> Result<String, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

/// Reads an integer flag column (0/1) as a bool.
pub(crate) fn flag(value: i64) -> bool {
    value != 0
}

/// A stored value this version cannot read: the row is refused, not guessed.
pub(crate) fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("invalid {what} in database").into())
}
