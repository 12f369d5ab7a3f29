//! Certificates (電子証明書). Issuance, renewal and revocation all write here:
//! this table is the one certificate status database.

use super::Tx;
use crate::domain::{CertificateSerial, Timestamp};

pub struct NewCertificate<'a> {
    pub user_id: i64,
    pub serial: &'a CertificateSerial,
    pub subject_o: &'a str,
    pub subject_ou: &'a str,
    pub subject_cn: &'a str,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// Issues a certificate. A previous 発行済み certificate of the user (for
/// example an expired one being renewed) is superseded in the same
/// transaction, so the schema's one-issued-per-user rule always holds.
pub async fn issue(tx: &mut Tx, cert: NewCertificate<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE certificates SET state = 'superseded' WHERE user_id = $1 AND state = 'issued'",
    )
    .bind(cert.user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, \
         not_after, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'issued')",
    )
    .bind(cert.user_id)
    .bind(cert.serial.as_str())
    .bind(cert.subject_o)
    .bind(cert.subject_ou)
    .bind(cert.subject_cn)
    .bind(cert.not_before.to_db())
    .bind(cert.not_after.to_db())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts a certificate that is already revoked (demo data: `revoked01`).
pub async fn insert_revoked(
    tx: &mut Tx,
    cert: NewCertificate<'_>,
    revoked_at: Timestamp,
    revoked_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, \
         not_after, state, revoked_at, revoked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'revoked', $8, $9)",
    )
    .bind(cert.user_id)
    .bind(cert.serial.as_str())
    .bind(cert.subject_o)
    .bind(cert.subject_ou)
    .bind(cert.subject_cn)
    .bind(cert.not_before.to_db())
    .bind(cert.not_after.to_db())
    .bind(revoked_at.to_db())
    .bind(revoked_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Compare-and-set revocation: succeeds only while the certificate with this
/// serial belongs to `user_id` and is still 発行済み (expired ones included,
/// since expiry is not a stored state). Returns whether this call revoked it;
/// of two concurrent calls exactly one sees `true`.
pub async fn revoke_if_issued(
    tx: &mut Tx,
    user_id: i64,
    serial: &CertificateSerial,
    revoked_at: Timestamp,
    revoked_by: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET state = 'revoked', revoked_at = $3, revoked_by = $4, revocation_reason = $5 \
         WHERE serial = $1 AND user_id = $2 AND state = 'issued'",
    )
    .bind(serial.as_str())
    .bind(user_id)
    .bind(revoked_at.to_db())
    .bind(revoked_by)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}
