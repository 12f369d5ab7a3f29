//! The issuing CA's one row: certificate, sealed key, the chain above it,
//! client subject.

use super::Tx;
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

/// The CA as stored. The key is sealed (only the passphrase opens it) or
/// in a PKCS#11 token, where the label finds it.
pub struct StoredCa {
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
        "SELECT certificate_pem, sealed_key_pem, token_key_label, client_o, client_ou, demo, chain_pem, \
         demo_tls_certificate_pem, demo_tls_sealed_key_pem \
         FROM certificate_authority WHERE id = 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StoredCa {
            certificate_pem: r.try_get("certificate_pem")?,
            key: match r.try_get::<Option<String>, _>("token_key_label")? {
                Some(label) => StoredKey::InToken(label),
                None => StoredKey::Sealed(r.try_get("sealed_key_pem")?),
            },
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
    .bind(match &ca.key {
        StoredKey::Sealed(pem) => pem.as_str(),
        StoredKey::InToken(_) => "",
    })
    .bind(match &ca.key {
        StoredKey::Sealed(_) => None,
        StoredKey::InToken(label) => Some(label.as_str()),
    })
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
