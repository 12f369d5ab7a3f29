//! Attempt counters of the attempt limits, one row per key and minute.

use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

/// Counts one attempt under `key` in the minute starting at `window_start`
/// and returns the attempts of that minute so far. One statement (an
/// upsert), so that concurrent attempts on any instance all count.
pub async fn count_attempt<'e, E>(
    db: E,
    key: &str,
    window_start: Timestamp,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO attempt_windows (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         attempts = CASE WHEN attempt_windows.window_start = excluded.window_start \
                    THEN attempt_windows.attempts + 1 ELSE 1 END, \
         window_start = excluded.window_start \
         RETURNING attempts",
    )
    .bind(key)
    .bind(window_start.to_db())
    .fetch_one(db)
    .await?
    .try_get("attempts")
}

/// Forgets the minutes before `before`.
pub async fn delete_before(pool: &AnyPool, before: Timestamp) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM attempt_windows WHERE window_start < $1")
            .bind(before.to_db())
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
