//! The change counter: one number that every write to the tables a
//! session read returns (sessions, users, contracts, certificates) bumps,
//! by triggers (migrations `…_change_counter.sql`). `infra::session_reads`
//! keeps sessions in memory under it.

use super::Db;
use sqlx::Row;

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

/// The counter's value in a statement's own snapshot, as a column of it:
/// what a row read beside it is as of.
pub(crate) const IN_STATEMENT: &str = concat!("(", counter_query!(), ") AS changes");
