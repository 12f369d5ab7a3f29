//! The delegated OCSP responders, one row per generation.

use super::{decode_error, Tx};
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

/// A responder as stored: its certificate and its sealed key.
pub struct StoredResponder {
    pub generation: i64,
    pub certificate_der: Vec<u8>,
    pub sealed_key_pem: String,
    pub not_after: Timestamp,
}

/// The newest generation, if any.
pub async fn latest(pool: &AnyPool) -> Result<Option<StoredResponder>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT generation, certificate_der, sealed_key_pem, not_after FROM ocsp_responders \
         ORDER BY generation DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let not_after: String = r.try_get("not_after")?;
        Ok(StoredResponder {
            generation: r.try_get("generation")?,
            certificate_der: r.try_get("certificate_der")?,
            sealed_key_pem: r.try_get("sealed_key_pem")?,
            not_after: Timestamp::from_db(&not_after).ok_or_else(|| decode_error("not_after"))?,
        })
    })
    .transpose()
}

/// Stores the next generation unless another instance stored it first
/// (returns whether this one was stored), and drops responders that have
/// expired: their keys sign nothing any more.
pub async fn insert_next(
    tx: &mut Tx,
    responder: &StoredResponder,
    not_before: Timestamp,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "INSERT INTO ocsp_responders (generation, certificate_der, sealed_key_pem, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (generation) DO NOTHING",
    )
    .bind(responder.generation)
    .bind(&responder.certificate_der)
    .bind(&responder.sealed_key_pem)
    .bind(not_before.to_db())
    .bind(responder.not_after.to_db())
    .bind(now.to_db())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if stored {
        sqlx::query("DELETE FROM ocsp_responders WHERE not_after < $1")
            .bind(now.to_db())
            .execute(&mut **tx)
            .await?;
    }
    Ok(stored)
}
