//! `.p12` files waiting for their one download (at most 10 minutes).

use super::Tx;
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    certificate_id: i64,
    pkcs12: &[u8],
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pending_downloads (token_hash, certificate_id, pkcs12, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(certificate_id)
    .bind(pkcs12)
    .bind(expires_at.to_db())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the file out (deleting it) if it is still there and not expired:
/// of two downloads at once, exactly one gets it, on any instance.
pub async fn take(
    pool: &AnyPool,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM pending_downloads WHERE token_hash = $1 AND expires_at > $2 RETURNING pkcs12",
    )
    .bind(token_hash)
    .bind(now.to_db())
    .fetch_optional(pool)
    .await?;
    row.map(|r| r.try_get("pkcs12")).transpose()
}

/// Deletes the files nobody came for.
pub async fn delete_expired(pool: &AnyPool, now: Timestamp) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM pending_downloads WHERE expires_at <= $1")
            .bind(now.to_db())
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
