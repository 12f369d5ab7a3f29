//! Contracts (契約).

use super::Tx;
use crate::domain::Timestamp;
use sqlx::{Any, Executor, Row};

#[derive(Clone, Debug)]
pub struct Contract {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub branch: String,
}

pub async fn insert(
    tx: &mut Tx,
    code: &str,
    name: &str,
    branch: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO contracts (code, name, branch, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(branch)
    .bind(now.to_db())
    .fetch_one(&mut **tx)
    .await?;
    row.try_get("id")
}

pub async fn find_by_code<'e, E>(db: E, code: &str) -> Result<Option<Contract>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT id, code, name, branch FROM contracts WHERE code = $1")
        .bind(code)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Contract {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            branch: r.try_get("branch")?,
        })
    })
    .transpose()
}

/// 電子証明書方式 on or off for a contract; whether the contract exists.
pub async fn set_certificate_login(tx: &mut Tx, code: &str, on: bool) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE contracts SET certificate_login = $2 WHERE code = $1")
            .bind(code)
            .bind(i64::from(on))
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}
