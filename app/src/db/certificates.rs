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
}

const STORED_COLUMNS: &str =
    "id, user_id, serial, state, not_after, revoked_at, revocation_reason, issuer_generation";

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
         c.revocation_reason, c.issued_via FROM certificates c JOIN users u ON u.id = c.user_id \
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
