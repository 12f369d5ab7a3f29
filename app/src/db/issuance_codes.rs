//! 発行用コード (SPEC 9.1): only each code's SHA-256 is stored. A code is
//! live while unused, not voided and not expired; a grant voids the user's
//! earlier live codes in the same transaction, so at most one is live.

use super::Tx;
use crate::domain::Timestamp;
use sqlx::{AnyPool, Row};

pub struct NewCode<'a> {
    pub user_id: i64,
    pub code_hash: &'a str,
    pub granted_by: &'a str,
    pub granted_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a new code for its user and voids the user's earlier live ones.
pub async fn grant(tx: &mut Tx, code: &NewCode<'_>) -> Result<(), sqlx::Error> {
    void_live(tx, code.user_id, code.granted_at).await?;
    sqlx::query(
        "INSERT INTO issuance_codes (user_id, code_hash, granted_by, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code.user_id)
    .bind(code.code_hash)
    .bind(code.granted_by)
    .bind(code.granted_at.to_db())
    .bind(code.expires_at.to_db())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Voids every unused code of the user (a new grant, a revocation).
/// Returns how many were live.
pub async fn void_live(tx: &mut Tx, user_id: i64, now: Timestamp) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE issuance_codes SET voided_at = $2 \
         WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL",
    )
    .bind(user_id)
    .bind(now.to_db())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// What a typed code is for `user_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeLookup {
    /// Live: its row's id.
    Live(i64),
    /// This user's, unused, but past its time.
    Expired,
    /// Anything else: unknown, another user's, used or voided.
    Invalid,
}

pub async fn look_up(
    pool: &AnyPool,
    user_id: i64,
    code_hash: &str,
    now: Timestamp,
) -> Result<CodeLookup, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, expires_at FROM issuance_codes \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL AND voided_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(CodeLookup::Invalid);
    };
    let expires_at: String = row.try_get("expires_at")?;
    Ok(if expires_at.as_str() > now.to_db().as_str() {
        CodeLookup::Live(row.try_get("id")?)
    } else {
        CodeLookup::Expired
    })
}

/// Uses `user_id`'s live code (compare-and-set): of two issuances with one
/// code, one gets it. `false` when it was used, voided or expired meanwhile.
pub async fn consume(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE issuance_codes SET used_at = $2 \
         WHERE id = $1 AND user_id = $3 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now.to_db())
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// A code that expired unused, for its 操作履歴 row.
pub struct ExpiredCode {
    pub login_id: String,
    pub contract_code: String,
    pub granted_at: String,
}

/// Marks the codes that expired unused by `now` as voided (at their
/// expiry) and returns them, so that each expiry is recorded once.
pub async fn close_expired(tx: &mut Tx, now: Timestamp) -> Result<Vec<ExpiredCode>, sqlx::Error> {
    let rows = sqlx::query(
        "UPDATE issuance_codes SET voided_at = expires_at \
         WHERE used_at IS NULL AND voided_at IS NULL AND expires_at <= $1 \
         RETURNING user_id, granted_at",
    )
    .bind(now.to_db())
    .fetch_all(&mut **tx)
    .await?;
    let mut expired = Vec::with_capacity(rows.len());
    for row in rows {
        let user_id: i64 = row.try_get("user_id")?;
        let owner = sqlx::query(
            "SELECT u.login_id, c.code FROM users u JOIN contracts c ON c.id = u.contract_id \
             WHERE u.id = $1",
        )
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
        expired.push(ExpiredCode {
            login_id: owner.try_get("login_id")?,
            contract_code: owner.try_get("code")?,
            granted_at: row.try_get("granted_at")?,
        });
    }
    Ok(expired)
}
