//! The delegated OCSP responders, one row per generation. Each issuing CA
//! (`issuer_generation`) certifies its own; the generations number all of
//! them together.

use super::{decode_error, Tx};
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

/// A responder as stored: its certificate and its sealed key.
pub struct StoredResponder {
    pub generation: i64,
    /// The issuing CA that certified it.
    pub issuer_generation: i64,
    pub certificate_der: Vec<u8>,
    pub sealed_key_pem: String,
    pub not_after: Timestamp,
}

/// The newest responder of the issuing CA of `issuer_generation`, if any,
/// and the generation the next responder (of any issuer) takes.
pub struct Latest {
    pub responder: Option<StoredResponder>,
    pub next_generation: i64,
}

/// [`Latest`], read in one statement: one snapshot, so that a responder
/// another instance stores meanwhile is either seen or takes the number
/// this one will try (and wins it), never a second generation beside it.
pub async fn latest(pool: &AnyPool, issuer_generation: i64) -> Result<Latest, sqlx::Error> {
    let row = sqlx::query(
        "SELECT n.newest, r.generation, r.certificate_der, r.sealed_key_pem, r.not_after \
         FROM (SELECT MAX(generation) AS newest FROM ocsp_responders) n \
         LEFT JOIN ocsp_responders r ON r.generation = \
           (SELECT MAX(generation) FROM ocsp_responders WHERE issuer_generation = $1)",
    )
    .bind(issuer_generation)
    .fetch_one(pool)
    .await?;
    let newest: Option<i64> = row.try_get("newest")?;
    let responder = match row.try_get::<Option<i64>, _>("generation")? {
        None => None,
        Some(generation) => {
            let not_after: String = row.try_get("not_after")?;
            Some(StoredResponder {
                generation,
                issuer_generation,
                certificate_der: row.try_get("certificate_der")?,
                sealed_key_pem: row.try_get("sealed_key_pem")?,
                not_after: Timestamp::from_db(&not_after)
                    .ok_or_else(|| decode_error("not_after"))?,
            })
        }
    };
    let next_generation = newest
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| decode_error("generation"))?;
    Ok(Latest {
        responder,
        next_generation,
    })
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
        "INSERT INTO ocsp_responders (generation, issuer_generation, certificate_der, sealed_key_pem, \
         not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (generation) DO NOTHING",
    )
    .bind(responder.generation)
    .bind(responder.issuer_generation)
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
