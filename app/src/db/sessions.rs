//! Session records of tower-sessions (see `server::session_store`).

use sqlx::{AnyPool, Row};

pub async fn insert_new(
    pool: &AnyPool,
    id: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(data)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Updates an existing record only: a session deleted meanwhile (logout in
/// another tab, the user's certificate revoked) must not be brought back by a
/// request that was already in flight.
pub async fn update(
    pool: &AnyPool,
    id: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 WHERE id = $1")
        .bind(id)
        .bind(user_id)
        .bind(data)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// The record's data if it has not expired at `now`.
pub async fn load(
    pool: &AnyPool,
    id: &str,
    now: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now)
            .fetch_optional(pool)
            .await?;
    row.map(|r| Ok((r.try_get("data")?, r.try_get("expires_at")?)))
        .transpose()
}

pub async fn delete(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_expired(pool: &AnyPool, now: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected())
}

/// Ends every session of a user except `keep` (the session doing the
/// revocation, when a master revokes their own certificate).
pub async fn delete_for_user<'e, E>(
    db: E,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(db)
            .await?
            .rows_affected(),
    )
}
