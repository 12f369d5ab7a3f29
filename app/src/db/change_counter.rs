//! The change counter: one number that every write to the tables a
//! session read returns (sessions, users, contracts, certificates) bumps,
//! by triggers (migrations `…_change_counter.sql`). `infra::session_reads`
//! keeps sessions in memory under it.

use super::Db;
use sqlx::{AnyConnection, ConnectOptions, Row};
use std::sync::Mutex;
use std::time::Duration;

/// The counter's one read, written once for both uses below.
macro_rules! counter_query {
    () => {
        "SELECT changes FROM change_counter WHERE id = 1"
    };
}

const SQL: &str = counter_query!();

/// The counter now, on an SQLite file on the request's own thread (without
/// a statement while nothing was committed since the last read); `None`
/// when that is not possible now (PostgreSQL, or SQLite would have to wait).
pub fn read_here(db: &Db) -> Option<i64> {
    db.counter_here(|conn| conn.prepare_cached(SQL)?.query_row([], |r| r.get(0)))
}

/// The counter now, through the pool.
pub async fn read_through_pool(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query(SQL).fetch_one(db.pool()).await?.try_get(0)
}

/// A connection of its own for the counter's reads on PostgreSQL, made one
/// at a time (`infra::session_reads`). Through the pool each read was two
/// round trips: sqlx pings an idle connection before handing it out
/// (`test_before_acquire`), and the counter is read for nearly every
/// request. A connection that fails is dropped; the next read connects anew.
#[derive(Debug, Default)]
pub struct CounterConnection {
    kept: Mutex<Option<AnyConnection>>,
}

/// How long the counter's own connection may take to answer: every request
/// that waits for the counter waits for it. Past that it is dropped and the
/// pool reads (whose acquire has its own limit).
const COUNTER_TIMEOUT: Duration = Duration::from_secs(2);

impl CounterConnection {
    /// The counter now, on the kept connection or a new one; an error when
    /// either fails or takes longer than [`COUNTER_TIMEOUT`].
    pub async fn read(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let kept = self.kept.lock().ok().and_then(|mut kept| kept.take());
        let read = async {
            let mut connection = match kept {
                Some(connection) => connection,
                None => db.pool().connect_options().connect().await?,
            };
            let changes = sqlx::query(SQL)
                .fetch_one(&mut connection)
                .await?
                .try_get(0)?;
            Ok::<_, sqlx::Error>((changes, connection))
        };
        let (changes, connection) = tokio::time::timeout(COUNTER_TIMEOUT, read)
            .await
            .map_err(|_| sqlx::Error::Io(std::io::ErrorKind::TimedOut.into()))??;
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Some(connection);
        }
        Ok(changes)
    }
}

/// The counter's value in a statement's own snapshot, as a column of it:
/// what a row read beside it is as of.
pub(crate) const IN_STATEMENT: &str = concat!("(", counter_query!(), ") AS changes");
