//! The bank side (お取引店): operations behind the server's operator
//! commands. Each writes 操作履歴 as `bank-operator`.

use super::audit::{Actor, AuditAction, AuditEntry, ClientInfo};
use super::db::users::{self, NewUser, PasswordKind};
use super::db::{audit, certificates, contracts, violation, Tx, Violation};
use super::password::{Password, PasswordHasher};
use super::AppState;
use crate::domain::time::cn_timestamp;
use crate::domain::{CertificateSerial, LoginId, Role, Timestamp};
use chrono::Duration;

/// Subject of the certificates kanri issues in demo mode.
pub const DEMO_SUBJECT_O: &str = "(9999)KENSHINYO DEMO";
pub const DEMO_SUBJECT_OU: &str = "(9999)KANRI DEMO CA";

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("契約コード {0} は既に登録されています")]
    ContractExists(String),
    #[error("契約コード {0} は見つかりません")]
    ContractNotFound(String),
    #[error("ログインID {0} は既に使われています")]
    LoginIdTaken(String),
    #[error("ログインID {0} は見つかりません")]
    UserNotFound(String),
    #[error("契約 {0} には既にマスターユーザがいます")]
    MasterExists(String),
    #[error("{0}")]
    Invalid(String),
    #[error("利用者 {0} に失効できる証明書はありません")]
    NothingToRevoke(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed")]
    Hash(#[from] super::password::HashError),
}

pub struct NewUserInput {
    pub login_id: String,
    pub name: String,
    pub role: Role,
    pub email: String,
    pub login_password: Password,
    pub confirmation_password: Password,
}

/// Validates a user's fields (SPEC section 1) and returns the parsed ID.
pub fn validate_user(input: &NewUserInput) -> Result<LoginId, OperatorError> {
    let login_id =
        LoginId::parse(&input.login_id).map_err(|e| OperatorError::Invalid(e.to_string()))?;
    let name_len = input.name.trim().chars().count();
    if !(1..=30).contains(&name_len) || input.name.chars().any(char::is_control) {
        return Err(OperatorError::Invalid(
            "利用者名は1〜30文字で入力してください".into(),
        ));
    }
    if !input.email.contains('@')
        || input
            .email
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(OperatorError::Invalid(
            "メールアドレスが正しくありません".into(),
        ));
    }
    for (label, p) in [
        ("ログインパスワード", &input.login_password),
        ("確認用パスワード", &input.confirmation_password),
    ] {
        let len = p.expose().chars().count();
        if !(8..=64).contains(&len) {
            return Err(OperatorError::Invalid(format!(
                "{label}は8〜64文字で入力してください"
            )));
        }
    }
    if input.login_password.expose() == input.confirmation_password.expose() {
        return Err(OperatorError::Invalid(
            "ログインパスワードと確認用パスワードには別の値を設定してください".into(),
        ));
    }
    Ok(login_id)
}

fn operator_entry(contract: &str, action: AuditAction, target: &str) -> AuditEntry {
    AuditEntry::new(
        Actor::BankOperator,
        Some(contract),
        action,
        &ClientInfo::default(),
    )
    .target(target)
}

async fn insert_user(
    tx: &mut Tx,
    hasher: &PasswordHasher,
    contract_id: i64,
    contract_code: &str,
    input: &NewUserInput,
) -> Result<i64, OperatorError> {
    let login_id = validate_user(input)?;
    let login_hash = hasher.hash(&input.login_password).await?;
    let confirmation_hash = hasher.hash(&input.confirmation_password).await?;
    let new = NewUser {
        contract_id,
        login_id: &login_id,
        name: input.name.trim(),
        role: input.role,
        email: &input.email,
        login_password_hash: &login_hash,
        confirmation_password_hash: &confirmation_hash,
    };
    let id = users::insert(tx, new)
        .await
        .map_err(|e| match violation(&e) {
            // Two unique rules can fail here: the login ID and one master per contract.
            Some(Violation::Unique) if input.role == Role::Master => {
                OperatorError::MasterExists(contract_code.into())
            }
            Some(Violation::Unique) => OperatorError::LoginIdTaken(login_id.to_string()),
            _ => e.into(),
        })?;
    audit::insert_tx(
        tx,
        &operator_entry(contract_code, AuditAction::UserCreate, login_id.as_str()),
    )
    .await?;
    Ok(id)
}

/// Creates a contract together with its マスターユーザ, so that a contract
/// never exists without one.
pub async fn create_contract(
    state: &AppState,
    code: &str,
    name: &str,
    branch: &str,
    master: NewUserInput,
) -> Result<(), OperatorError> {
    if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(OperatorError::Invalid(
            "契約コードは1〜8桁の半角英数字で入力してください".into(),
        ));
    }
    if name.trim().is_empty() || branch.trim().is_empty() {
        return Err(OperatorError::Invalid(
            "契約者名とお取引店を入力してください".into(),
        ));
    }
    if master.role != Role::Master {
        return Err(OperatorError::Invalid(
            "契約の最初の利用者はマスターユーザです".into(),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let contract_id = contracts::insert(&mut tx, code, name.trim(), branch.trim())
        .await
        .map_err(|e| match violation(&e) {
            Some(Violation::Unique) => OperatorError::ContractExists(code.into()),
            _ => e.into(),
        })?;
    audit::insert_tx(
        &mut tx,
        &operator_entry(code, AuditAction::ContractCreate, code),
    )
    .await?;
    insert_user(&mut tx, &state.hasher, contract_id, code, &master).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_user(
    state: &AppState,
    contract_code: &str,
    input: NewUserInput,
) -> Result<(), OperatorError> {
    if input.role == Role::Master {
        return Err(OperatorError::MasterExists(contract_code.into()));
    }
    let contract = contracts::find_by_code(state.db.pool(), contract_code)
        .await?
        .ok_or_else(|| OperatorError::ContractNotFound(contract_code.into()))?;
    let mut tx = state.db.begin_write().await?;
    insert_user(&mut tx, &state.hasher, contract.id, &contract.code, &input).await?;
    tx.commit().await?;
    Ok(())
}

fn random_serial() -> CertificateSerial {
    CertificateSerial::from_bytes(rand::random::<[u8; 16]>())
}

/// Issues a (demo) certificate record valid for one year from `not_before`;
/// an earlier 発行済み certificate of the user is superseded.
pub async fn issue_certificate(
    state: &AppState,
    raw_login_id: &str,
    not_before: Timestamp,
) -> Result<CertificateSerial, OperatorError> {
    let login_id =
        LoginId::parse(raw_login_id).map_err(|e| OperatorError::Invalid(e.to_string()))?;
    let user = users::find_by_login_id(state.db.pool(), &login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))?;
    let serial = random_serial();
    let cn = format!(
        "{}.{}.{}",
        user.login_id,
        user.contract_code,
        cn_timestamp(not_before.0)
    );
    let mut tx = state.db.begin_write().await?;
    certificates::issue(
        &mut tx,
        certificates::NewCertificate {
            user_id: user.id,
            serial: &serial,
            subject_o: DEMO_SUBJECT_O,
            subject_ou: DEMO_SUBJECT_OU,
            subject_cn: &cn,
            not_before,
            not_after: Timestamp(not_before.0 + Duration::days(365)),
        },
    )
    .await?;
    let target = format!("{} ({serial})", user.login_id);
    audit::insert_tx(
        &mut tx,
        &operator_entry(&user.contract_code, AuditAction::CertificateIssue, &target),
    )
    .await?;
    tx.commit().await?;
    Ok(serial)
}

/// Revokes a user's current certificate on the paper 申込書 route, and
/// tells the user by e-mail.
pub async fn revoke_certificate(
    state: &AppState,
    raw_login_id: &str,
    reason: Option<&str>,
) -> Result<CertificateSerial, OperatorError> {
    revoke(state, raw_login_id, reason, true).await
}

/// Revokes without the e-mail: for loading demo data, which sets up a past
/// state rather than reporting an event.
pub(crate) async fn revoke_silently(
    state: &AppState,
    raw_login_id: &str,
    reason: Option<&str>,
) -> Result<CertificateSerial, OperatorError> {
    revoke(state, raw_login_id, reason, false).await
}

async fn revoke(
    state: &AppState,
    raw_login_id: &str,
    reason: Option<&str>,
    notify: bool,
) -> Result<CertificateSerial, OperatorError> {
    let login_id =
        LoginId::parse(raw_login_id).map_err(|e| OperatorError::Invalid(e.to_string()))?;
    let user = users::find_by_login_id(state.db.pool(), &login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))?;
    let listed = users::find_with_certificate(state.db.pool(), user.contract_id, &login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))?;
    let serial = listed
        .certificate
        .map(|c| c.serial)
        .ok_or_else(|| OperatorError::NothingToRevoke(login_id.to_string()))?;
    let now = Timestamp::now();
    let mut tx = state.db.begin_write().await?;
    if !certificates::revoke_if_issued(
        &mut tx,
        user.id,
        &serial,
        now,
        Actor::BankOperator.as_str(),
        reason,
    )
    .await?
    {
        return Err(OperatorError::NothingToRevoke(login_id.to_string()));
    }
    let target = format!("{login_id} ({serial})");
    audit::insert_tx(
        &mut tx,
        &operator_entry(&user.contract_code, AuditAction::CertificateRevoke, &target),
    )
    .await?;
    super::db::sessions::delete_for_user(&mut *tx, user.id, None).await?;
    if notify {
        super::mail::enqueue_revocation_notice(
            &mut tx,
            user.id,
            &user.name,
            login_id.as_str(),
            &serial,
            now,
            "お取引店",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(serial)
}

pub async fn release_password(
    state: &AppState,
    raw_login_id: &str,
    kind: PasswordKind,
) -> Result<(), OperatorError> {
    let login_id =
        LoginId::parse(raw_login_id).map_err(|e| OperatorError::Invalid(e.to_string()))?;
    let user = users::find_by_login_id(state.db.pool(), &login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))?;
    let mut tx = state.db.begin_write().await?;
    users::release_password(&mut tx, user.id, kind).await?;
    let target = format!("{login_id} ({})", kind.label());
    audit::insert_tx(
        &mut tx,
        &operator_entry(&user.contract_code, AuditAction::PasswordRelease, &target),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
