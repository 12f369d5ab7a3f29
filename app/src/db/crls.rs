//! The CRLs kanri signs and the counter that says when one is stale.

use super::{decode_error, Backend, Db, Tx};
use crate::domain::{CertificateSerial, RevocationReason, Timestamp};
use sqlx::{AnyPool, Row};

/// A signed CRL as stored.
#[derive(Clone, Debug)]
pub struct StoredCrl {
    pub number: i64,
    /// The revocation counter it covers.
    pub revocations: i64,
    pub this_update: Timestamp,
    pub next_update: Timestamp,
    pub der: Vec<u8>,
}

/// The revocations committed so far (bumped by every revocation).
pub async fn revocations(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT revocations FROM crl_counter WHERE id = 1")
        .fetch_one(pool)
        .await?
        .try_get("revocations")
}

/// Counts one revocation, inside its transaction.
pub async fn count_revocation(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE crl_counter SET revocations = revocations + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest CRL's number, without reading the CRL (at 100,000 entries it
/// is megabytes).
pub async fn latest_number(pool: &AnyPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query("SELECT MAX(number) AS number FROM crls")
        .fetch_one(pool)
        .await?
        .try_get("number")
}

pub async fn latest(pool: &AnyPool) -> Result<Option<StoredCrl>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT number, revocations, this_update, next_update, der FROM crls ORDER BY number DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let time = |column: &str| -> Result<Timestamp, sqlx::Error> {
            Timestamp::from_db(&r.try_get::<String, _>(column)?).ok_or_else(|| decode_error(column))
        };
        Ok(StoredCrl {
            number: r.try_get("number")?,
            revocations: r.try_get("revocations")?,
            this_update: time("this_update")?,
            next_update: time("next_update")?,
            der: r.try_get("der")?,
        })
    })
    .transpose()
}

/// Stores a CRL unless another instance stored this number first; keeps the
/// two newest. Returns whether this one was stored.
pub async fn insert(tx: &mut Tx, crl: &StoredCrl) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "INSERT INTO crls (number, revocations, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (number) DO NOTHING",
    )
    .bind(crl.number)
    .bind(crl.revocations)
    .bind(crl.this_update.to_db())
    .bind(crl.next_update.to_db())
    .bind(crl.der.as_slice())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query("DELETE FROM crls WHERE number < $1")
        .bind(crl.number - 1)
        .execute(&mut **tx)
        .await?;
    Ok(stored)
}

/// One entry of the CRL.
#[derive(Clone, Debug)]
pub struct RevokedEntry {
    pub serial: CertificateSerial,
    pub revoked_at: Timestamp,
    pub reason: RevocationReason,
}

/// Every revoked certificate still within its validity at `now`. Read as one
/// aggregated row (the one backend-specific statement here, like the user
/// list): a CRL of 100,000 entries is 100,000 rows otherwise.
pub async fn revoked_unexpired(db: &Db, now: Timestamp) -> Result<Vec<RevokedEntry>, sqlx::Error> {
    const COLUMNS: &str = "serial, revoked_at, revocation_reason";
    let aggregate = match db.backend() {
        Backend::Sqlite => format!("json_group_array(json_array({COLUMNS}))"),
        Backend::Postgres => format!("COALESCE(json_agg(json_build_array({COLUMNS}))::text, '[]')"),
    };
    let sql = format!(
        "SELECT {aggregate} AS list FROM certificates WHERE state = 'revoked' AND not_after > $1"
    );
    let json: String = sqlx::query(&sql)
        .bind(now.to_db())
        .fetch_one(db.pool())
        .await?
        .try_get("list")?;
    let rows: Vec<(String, Option<String>, Option<String>)> =
        serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    rows.into_iter()
        .map(|(serial, revoked_at, reason)| {
            Ok(RevokedEntry {
                serial: CertificateSerial::parse(&serial).map_err(|_| decode_error("serial"))?,
                revoked_at: revoked_at
                    .as_deref()
                    .and_then(Timestamp::from_db)
                    .ok_or_else(|| decode_error("revoked_at"))?,
                reason: reason
                    .as_deref()
                    .and_then(RevocationReason::from_db)
                    .unwrap_or(RevocationReason::Unspecified),
            })
        })
        .collect()
}
