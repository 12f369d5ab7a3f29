//! Certificates (電子証明書). Issuance, renewal and revocation all write here:
//! this table is the one certificate status database, and it holds each
//! certificate itself (DER) beside what the certificate says.

use super::{decode_error, Tx};
use crate::domain::register::IssuedVia;
use crate::domain::{CertificateSerial, CertificateState, LoginId, RevocationReason, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

pub struct NewCertificate<'a> {
    pub user_id: i64,
    pub serial: &'a CertificateSerial,
    pub subject_o: &'a str,
    pub subject_ou: &'a str,
    pub subject_cn: &'a str,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub der: &'a [u8],
    pub issued_via: IssuedVia,
    /// The issuing CA that signed it.
    pub issuer_generation: i64,
}

/// Inserts a 発行済み certificate and returns its id. The schema allows one
/// 発行済み certificate per user: the caller ends the previous one first,
/// in the same transaction.
pub async fn insert(tx: &mut Tx, cert: NewCertificate<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, \
         not_after, state, der, issued_via, issuer_generation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'issued', $8, $9, $10) RETURNING id",
    )
    .bind(cert.user_id)
    .bind(cert.serial.as_str())
    .bind(cert.subject_o)
    .bind(cert.subject_ou)
    .bind(cert.subject_cn)
    .bind(cert.not_before.to_db())
    .bind(cert.not_after.to_db())
    .bind(cert.der)
    .bind(cert.issued_via.as_db())
    .bind(cert.issuer_generation)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")
}

/// Compare-and-set revocation: succeeds only while the certificate with this
/// serial belongs to `user_id` and is still 発行済み (expired ones included,
/// since expiry is not a stored state). Returns whether this call revoked it;
/// of two concurrent calls exactly one sees `true`. A trigger counts the
/// revocation in the same transaction, which is what makes the published
/// CRL stale, and numbers it in commit order (`revocation_seq`, read by
/// `crls::revoked_since`).
pub async fn revoke_if_issued(
    tx: &mut Tx,
    user_id: i64,
    serial: &CertificateSerial,
    revoked_at: Timestamp,
    revoked_by: &str,
    reason: RevocationReason,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET state = 'revoked', revoked_at = $3, revoked_by = $4, revocation_reason = $5 \
         WHERE serial = $1 AND user_id = $2 AND state = 'issued'",
    )
    .bind(serial.as_str())
    .bind(user_id)
    .bind(revoked_at.to_db())
    .bind(revoked_by)
    .bind(reason.as_db())
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// 更新 and 取得 end the certificate they replace (compare-and-set, as
/// [`revoke_if_issued`] with reason superseded), but only while it is not
/// on hold: a hold that lands while the new key is being made stops the
/// renewal instead of being left behind on the old certificate.
pub async fn supersede_if_in_force(
    tx: &mut Tx,
    user_id: i64,
    serial: &CertificateSerial,
    at: Timestamp,
    by: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET state = 'revoked', revoked_at = $3, revoked_by = $4, revocation_reason = $5 \
         WHERE serial = $1 AND user_id = $2 AND state = 'issued' AND suspended_at IS NULL",
    )
    .bind(serial.as_str())
    .bind(user_id)
    .bind(at.to_db())
    .bind(by)
    .bind(RevocationReason::Superseded.as_db())
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// 一時停止 (compare-and-set): holds the certificate with this serial while
/// it belongs to `user_id`, is 発行済み and not held already. Returns
/// whether this call held it. A trigger makes the CRL stale in the same
/// transaction (migration 20261207000010).
pub async fn hold_if_issued(
    tx: &mut Tx,
    user_id: i64,
    serial: &CertificateSerial,
    at: Timestamp,
    held_by: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET suspended_at = $3, suspended_by = $4 \
         WHERE serial = $1 AND user_id = $2 AND state = 'issued' AND suspended_at IS NULL",
    )
    .bind(serial.as_str())
    .bind(user_id)
    .bind(at.to_db())
    .bind(held_by)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// 再開 (compare-and-set): releases the hold of the certificate with this
/// serial while it belongs to `user_id` and is still held, by anyone but
/// `not_by` (the bank's holds are the bank's to release). Returns whether
/// this call released it.
pub async fn release_if_held(
    tx: &mut Tx,
    user_id: i64,
    serial: &CertificateSerial,
    not_by: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET suspended_at = NULL, suspended_by = NULL \
         WHERE serial = $1 AND user_id = $2 AND state = 'issued' AND suspended_at IS NOT NULL \
         AND suspended_by <> $3",
    )
    .bind(serial.as_str())
    .bind(user_id)
    .bind(not_by)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The bank's 一時停止 of a whole contract (`contract-suspend`): every
/// 発行済み certificate of its users, expired ones too (they may still be
/// renewed within the grace), and the holds already made by the master
/// user or an admin, which the bank takes over (keeping their time), so
/// that nobody in the contract can release any of them. Returns how many
/// certificates it held or took over.
///
/// Run twice in the one transaction: on PostgreSQL a statement sees the
/// rows committed before it started, so a renewal committing during the
/// first leaves its new certificate to the second; one committing after
/// that finds its old certificate held and is refused
/// ([`supersede_if_in_force`]).
pub async fn hold_contract(
    tx: &mut Tx,
    contract_id: i64,
    at: Timestamp,
    held_by: &str,
) -> Result<u64, sqlx::Error> {
    let mut held = 0;
    for _ in 0..2 {
        held += sqlx::query(
            "UPDATE certificates SET suspended_at = COALESCE(suspended_at, $2), suspended_by = $3 \
             WHERE state = 'issued' AND (suspended_by IS NULL OR suspended_by <> $3) \
             AND user_id IN (SELECT id FROM users WHERE contract_id = $1)",
        )
        .bind(contract_id)
        .bind(at.to_db())
        .bind(held_by)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(held)
}

/// `contract-resume`: releases the holds of the contract's certificates
/// that `held_by` made or took over.
pub async fn release_contract(
    tx: &mut Tx,
    contract_id: i64,
    held_by: &str,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE certificates SET suspended_at = NULL, suspended_by = NULL \
         WHERE state = 'issued' AND suspended_at IS NOT NULL AND suspended_by = $2 \
         AND user_id IN (SELECT id FROM users WHERE contract_id = $1)",
    )
    .bind(contract_id)
    .bind(held_by)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected())
}

/// A certificate as the status checks (renewal, login, OCSP) see it.
#[derive(Clone, Debug)]
pub struct StoredCertificate {
    pub id: i64,
    pub user_id: i64,
    pub serial: CertificateSerial,
    pub state: CertificateState,
    pub not_after: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<RevocationReason>,
    /// The issuing CA that signed it (OCSP answers for it in that CA's name
    /// only).
    pub issuer_generation: i64,
    /// 一時停止 (certificateHold) since then, until 再開.
    pub suspended_at: Option<Timestamp>,
}

impl StoredCertificate {
    /// On hold: 発行済み and 一時停止.
    pub fn is_held(&self) -> bool {
        self.state == CertificateState::Issued && self.suspended_at.is_some()
    }
}

const STORED_COLUMNS: &str =
    "id, user_id, serial, state, not_after, revoked_at, revocation_reason, \
     issuer_generation, suspended_at";

fn stored_from_row(r: &AnyRow) -> Result<StoredCertificate, sqlx::Error> {
    let text = |column: &str| -> Result<String, sqlx::Error> { r.try_get(column) };
    let optional = |column: &str| -> Result<Option<String>, sqlx::Error> { r.try_get(column) };
    Ok(StoredCertificate {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        serial: CertificateSerial::parse(&text("serial")?).map_err(|_| decode_error("serial"))?,
        state: CertificateState::from_db(&text("state")?).ok_or_else(|| decode_error("state"))?,
        not_after: Timestamp::from_db(&text("not_after")?)
            .ok_or_else(|| decode_error("not_after"))?,
        revoked_at: optional("revoked_at")?
            .as_deref()
            .and_then(Timestamp::from_db),
        revocation_reason: optional("revocation_reason")?
            .as_deref()
            .and_then(RevocationReason::from_db),
        issuer_generation: r.try_get("issuer_generation")?,
        suspended_at: optional("suspended_at")?
            .as_deref()
            .and_then(Timestamp::from_db),
    })
}

/// A certificate of the contract's register (証明書発行履歴), as stored.
pub struct RegisterRecord {
    pub login_id: LoginId,
    pub common_name: String,
    pub serial: CertificateSerial,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub state: CertificateState,
    pub revocation_reason: Option<RevocationReason>,
    pub issued_via: Option<IssuedVia>,
    pub suspended_at: Option<Timestamp>,
}

/// How many certificates were ever issued to the users of contract
/// `contract_id` (to `user` alone when given).
pub async fn register_count(
    pool: &sqlx::AnyPool,
    contract_id: i64,
    user: Option<&LoginId>,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM certificates c JOIN users u ON u.id = c.user_id \
         WHERE u.contract_id = $1 AND ($2 = '' OR u.login_id = $2)",
    )
    .bind(contract_id)
    .bind(user.map_or("", LoginId::as_str))
    .fetch_one(pool)
    .await?
    .try_get("n")
}

/// Those certificates, newest first, `limit` from `offset`.
pub async fn register(
    pool: &sqlx::AnyPool,
    contract_id: i64,
    user: Option<&LoginId>,
    limit: i64,
    offset: i64,
) -> Result<Vec<RegisterRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.login_id, c.subject_cn, c.serial, c.not_before, c.not_after, c.state, \
         c.revocation_reason, c.issued_via, c.suspended_at FROM certificates c JOIN users u ON u.id = c.user_id \
         WHERE u.contract_id = $1 AND ($2 = '' OR u.login_id = $2) \
         ORDER BY c.not_before DESC, c.id DESC LIMIT $3 OFFSET $4",
    )
    .bind(contract_id)
    .bind(user.map_or("", LoginId::as_str))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let text = |column: &str| -> Result<String, sqlx::Error> { r.try_get(column) };
            let optional =
                |column: &str| -> Result<Option<String>, sqlx::Error> { r.try_get(column) };
            let time = |column: &str| -> Result<Timestamp, sqlx::Error> {
                Timestamp::from_db(&text(column)?).ok_or_else(|| decode_error(column))
            };
            Ok(RegisterRecord {
                login_id: LoginId::parse(&text("login_id")?)
                    .map_err(|_| decode_error("login_id"))?,
                common_name: text("subject_cn")?,
                serial: CertificateSerial::parse(&text("serial")?)
                    .map_err(|_| decode_error("serial"))?,
                not_before: time("not_before")?,
                not_after: time("not_after")?,
                state: CertificateState::from_db(&text("state")?)
                    .ok_or_else(|| decode_error("state"))?,
                revocation_reason: optional("revocation_reason")?
                    .as_deref()
                    .and_then(RevocationReason::from_db),
                issued_via: optional("issued_via")?
                    .as_deref()
                    .and_then(IssuedVia::from_db),
                suspended_at: optional("suspended_at")?
                    .as_deref()
                    .and_then(Timestamp::from_db),
            })
        })
        .collect()
}

/// The certificate kanri issued with this serial, if any.
pub async fn find_by_serial<'e, E>(
    db: E,
    serial: &CertificateSerial,
) -> Result<Option<StoredCertificate>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {STORED_COLUMNS} FROM certificates WHERE serial = $1");
    let row = sqlx::query(&sql)
        .bind(serial.as_str())
        .fetch_optional(db)
        .await?;
    row.as_ref().map(stored_from_row).transpose()
}

/// The certificate itself, for the `.cer` download of the CSR route.
pub async fn der_by_serial<'e, E>(
    db: E,
    serial: &CertificateSerial,
) -> Result<Option<Vec<u8>>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT der FROM certificates WHERE serial = $1 AND der IS NOT NULL")
        .bind(serial.as_str())
        .fetch_optional(db)
        .await?;
    row.map(|r| r.try_get("der")).transpose()
}
