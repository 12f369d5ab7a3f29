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

/// The code of one contract whose code is none of `codes`, if there is one.
pub async fn one_other_than<'e, E>(db: E, codes: &[&str]) -> Result<Option<String>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let placeholders: Vec<String> = (1..=codes.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT code FROM contracts WHERE code NOT IN ({}) ORDER BY code LIMIT 1",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for code in codes {
        query = query.bind(*code);
    }
    let row = query.fetch_optional(db).await?;
    row.map(|r| r.try_get("code")).transpose()
}

/// A contract's setting the bank turns on or off (the 申込書).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractSetting {
    /// 電子証明書方式: its users log in only with their own certificate.
    CertificateLogin,
    /// 取得 needs a second proof even without 電子証明書方式.
    IssuanceCodeRequired,
}

impl ContractSetting {
    fn column(self) -> &'static str {
        match self {
            ContractSetting::CertificateLogin => "certificate_login",
            ContractSetting::IssuanceCodeRequired => "issuance_code_required",
        }
    }

    /// How 操作履歴 and the operator's output name the setting and its value.
    pub fn describe(self, on: bool) -> String {
        match (self, on) {
            (ContractSetting::CertificateLogin, true) => "電子証明書方式=利用する",
            (ContractSetting::CertificateLogin, false) => "電子証明書方式=利用しない",
            (ContractSetting::IssuanceCodeRequired, true) => "取得時の発行用コード=必要",
            (ContractSetting::IssuanceCodeRequired, false) => {
                "取得時の発行用コード=電子証明書方式のみ"
            }
        }
        .to_owned()
    }
}

/// Turns a setting of a contract on or off; whether the contract exists.
pub async fn set(
    tx: &mut Tx,
    code: &str,
    setting: ContractSetting,
    on: bool,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE contracts SET {} = $2 WHERE code = $1",
        setting.column()
    );
    Ok(sqlx::query(&sql)
        .bind(code)
        .bind(i64::from(on))
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}
