//! The issuing CA's one row: certificate, sealed key, the chain above it,
//! client subject; and the issuing CAs `ca-rollover` replaced, whose
//! certificates are still in use.

use super::Tx;
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

/// The CA as stored. The key is sealed (only the passphrase opens it) or
/// in a PKCS#11 token, where the label finds it.
pub struct StoredCa {
    /// Which issuing CA this is: 1 for the first, one more at each
    /// `ca-rollover`.
    pub generation: i64,
    pub certificate_pem: String,
    pub key: StoredKey,
    pub client_o: String,
    pub client_ou: String,
    /// Made in demo mode, sealed with the published demo passphrase: it
    /// serves in demo mode only.
    pub demo: bool,
    /// The certificates above the issuing CA up to its root, PEM; `None`
    /// when the issuing CA is its own root.
    pub chain_pem: Option<String>,
    /// The demo's HTTPS server certificate and its key, sealed (the schema
    /// refuses a key outside demo).
    pub demo_tls: Option<(String, String)>,
}

/// Where the CA's key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredKey {
    /// Sealed with the passphrase: the `ENCRYPTED PRIVATE KEY` PEM.
    Sealed(String),
    /// In the configured PKCS#11 token, under this label.
    InToken(String),
}

/// How the CA came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Generated,
    Imported,
}

pub async fn load(pool: &AnyPool) -> Result<Option<StoredCa>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT generation, certificate_pem, sealed_key_pem, token_key_label, client_o, client_ou, demo, chain_pem, \
         demo_tls_certificate_pem, demo_tls_sealed_key_pem \
         FROM certificate_authority WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StoredCa {
            generation: r.try_get("generation")?,
            certificate_pem: r.try_get("certificate_pem")?,
            key: stored_key(&r)?,
            client_o: r.try_get("client_o")?,
            client_ou: r.try_get("client_ou")?,
            demo: super::flag(r.try_get("demo")?),
            chain_pem: r.try_get("chain_pem")?,
            demo_tls: r
                .try_get::<Option<String>, _>("demo_tls_certificate_pem")?
                .zip(r.try_get::<Option<String>, _>("demo_tls_sealed_key_pem")?),
        })
    })
    .transpose()
}

fn stored_key(r: &sqlx::any::AnyRow) -> Result<StoredKey, sqlx::Error> {
    Ok(match r.try_get::<Option<String>, _>("token_key_label")? {
        Some(label) => StoredKey::InToken(label),
        None => StoredKey::Sealed(r.try_get("sealed_key_pem")?),
    })
}

/// The certificate and key of an issuing CA.
#[derive(Clone, Debug)]
pub struct StoredIssuer {
    pub generation: i64,
    pub certificate_pem: String,
    pub key: StoredKey,
}

fn sealed_pem(key: &StoredKey) -> &str {
    match key {
        StoredKey::Sealed(pem) => pem,
        StoredKey::InToken(_) => "",
    }
}

fn token_label(key: &StoredKey) -> Option<&str> {
    match key {
        StoredKey::Sealed(_) => None,
        StoredKey::InToken(label) => Some(label),
    }
}

/// The issuing CAs `ca-rollover` replaced, newest first.
pub async fn previous(pool: &AnyPool) -> Result<Vec<StoredIssuer>, sqlx::Error> {
    sqlx::query(
        "SELECT generation, certificate_pem, sealed_key_pem, token_key_label FROM previous_issuing_cas \
         ORDER BY generation DESC",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(StoredIssuer {
            generation: r.try_get("generation")?,
            certificate_pem: r.try_get("certificate_pem")?,
            key: stored_key(r)?,
        })
    })
    .collect()
}

/// `ca-rollover`: the issuing CA `current` moves to the previous ones and
/// `next` (its generation one more) takes its place, certified by the same
/// root (`chain_pem`), provided the row is still what `current` read: of
/// a rollover and a reseal (or another rollover) at once, the first wins.
/// `false`: the other came first; the caller must not commit (the move may
/// be half written).
pub async fn roll_over(
    tx: &mut Tx,
    current: &StoredCa,
    next: &StoredIssuer,
    chain_pem: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    // The current row as read: generation and key (sealed PEM, or label).
    const UNCHANGED: &str = "id = 1 AND generation = $1 AND sealed_key_pem = $2 \
                             AND COALESCE(token_key_label, '') = $3";
    let moved = sqlx::query(&format!(
        "INSERT INTO previous_issuing_cas (generation, certificate_pem, sealed_key_pem, token_key_label, retired_at) \
         SELECT generation, certificate_pem, sealed_key_pem, token_key_label, $4 FROM certificate_authority \
         WHERE {UNCHANGED} ON CONFLICT (generation) DO NOTHING"
    ))
    .bind(current.generation)
    .bind(sealed_pem(&current.key))
    .bind(token_label(&current.key).unwrap_or_default())
    .bind(now.to_db())
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    let replaced = sqlx::query(&format!(
        "UPDATE certificate_authority SET generation = $4, certificate_pem = $5, sealed_key_pem = $6, \
         token_key_label = $7, chain_pem = $8 WHERE {UNCHANGED}"
    ))
    .bind(current.generation)
    .bind(sealed_pem(&current.key))
    .bind(token_label(&current.key).unwrap_or_default())
    .bind(next.generation)
    .bind(&next.certificate_pem)
    .bind(sealed_pem(&next.key))
    .bind(token_label(&next.key))
    .bind(chain_pem)
    .execute(&mut **tx)
    .await?;
    Ok(replaced.rows_affected() == 1)
}

/// Stores the CA unless one exists. Returns whether this call stored it:
/// of two instances creating the demo CA at once, one wins and the other
/// loads the winner's.
pub async fn insert(
    tx: &mut Tx,
    ca: &StoredCa,
    origin: Origin,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let origin = match origin {
        Origin::Generated => "generated",
        Origin::Imported => "imported",
    };
    let result = sqlx::query(
        "INSERT INTO certificate_authority (id, certificate_pem, sealed_key_pem, token_key_label, client_o, client_ou, origin, created_at, demo, \
         chain_pem, demo_tls_certificate_pem, demo_tls_sealed_key_pem) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&ca.certificate_pem)
    .bind(sealed_pem(&ca.key))
    .bind(token_label(&ca.key))
    .bind(&ca.client_o)
    .bind(&ca.client_ou)
    .bind(origin)
    .bind(now.to_db())
    .bind(i64::from(ca.demo))
    .bind(&ca.chain_pem)
    .bind(ca.demo_tls.as_ref().map(|(certificate, _)| certificate))
    .bind(ca.demo_tls.as_ref().map(|(_, key)| key))
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the sealed key with the same key sealed anew (`ca-reseal`),
/// provided it is still the one `previous` names: of two reseals at once,
/// one wins and the other is told.
pub async fn reseal(
    tx: &mut Tx,
    previous_sealed_pem: &str,
    sealed_key_pem: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificate_authority SET sealed_key_pem = $1 WHERE id = 1 AND sealed_key_pem = $2",
    )
    .bind(sealed_key_pem)
    .bind(previous_sealed_pem)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// [`reseal`] for a previous issuing CA's key.
pub async fn reseal_previous(
    tx: &mut Tx,
    generation: i64,
    previous_sealed_pem: &str,
    sealed_key_pem: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE previous_issuing_cas SET sealed_key_pem = $1 WHERE generation = $2 AND sealed_key_pem = $3",
    )
    .bind(sealed_key_pem)
    .bind(generation)
    .bind(previous_sealed_pem)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}
