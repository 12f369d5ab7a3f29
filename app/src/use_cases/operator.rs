//! The bank side (お取引店): operations behind the server's operator
//! commands. Each writes 操作履歴 as `bank-operator`.

use super::issuance::{self, KeyMethod, Prepared};
use crate::db::contracts::ContractSetting;
use crate::db::users::{self, NewUser};
use crate::db::{audit_log, certificates, contracts, violation, Tx, Violation};
use crate::domain::audit::{AuditEntry, ClientInfo};

use crate::domain::register::IssuedVia;
use crate::domain::secret::Password;
use crate::domain::suspension::HoldAction;
use crate::domain::user::{validate_contract, validate_user, InvalidInput, UserFields};
use crate::domain::{
    Actor, AuditAction, CertificateSerial, LoginId, PasswordKind, RevocationReason, Role, Timestamp,
};
use crate::infra::password::PasswordHasher;
use crate::state::AppState;

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
    Invalid(#[from] InvalidInput),
    #[error("{0}")]
    Input(String),
    #[error("利用者 {0} に失効できる証明書はありません")]
    NothingToRevoke(String),
    #[error("利用者 {0} には発行済みの証明書があります（先に cert-revoke で失効してください）")]
    AlreadyIssued(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] crate::error::AppError),
    #[error("password hashing failed")]
    Hash(#[from] crate::infra::password::HashError),
}

pub struct NewUserInput {
    pub login_id: String,
    pub name: String,
    pub role: Role,
    pub email: String,
    pub login_password: Password,
    pub confirmation_password: Password,
}

impl NewUserInput {
    fn fields(&self) -> UserFields<'_> {
        UserFields {
            login_id: &self.login_id,
            name: &self.name,
            email: &self.email,
            login_password: self.login_password.expose(),
            confirmation_password: self.confirmation_password.expose(),
        }
    }
}

fn operator_entry(now: Timestamp, contract: &str, action: AuditAction, target: &str) -> AuditEntry {
    AuditEntry::new(
        now,
        Actor::BankOperator,
        Some(contract),
        action,
        &ClientInfo::default(),
    )
    .target(target)
}

/// Which unique rule a refused insert of `login_id` broke. SQLite does not
/// name the constraint, so the database is asked instead of the message
/// read: the ログインID is taken, or else the contract has its master.
async fn unique_rule_broken(
    state: &AppState,
    login_id: &LoginId,
    contract_code: &str,
) -> Result<OperatorError, OperatorError> {
    Ok(
        if users::find_by_login_id(state.db.pool(), login_id)
            .await?
            .is_some()
        {
            OperatorError::LoginIdTaken(login_id.to_string())
        } else {
            OperatorError::MasterExists(contract_code.to_owned())
        },
    )
}

/// Inserts a validated user; `Ok(Err(login_id))` when a unique rule
/// refused it (the transaction is then unusable on PostgreSQL: roll back).
async fn insert_user(
    tx: &mut Tx,
    hasher: &PasswordHasher,
    contract_id: i64,
    contract_code: &str,
    input: &NewUserInput,
    now: Timestamp,
) -> Result<Result<(), LoginId>, OperatorError> {
    let login_id = validate_user(&input.fields())?;
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
    match users::insert(tx, new, now).await {
        Ok(_) => {}
        Err(e) if violation(&e) == Some(Violation::Unique) => return Ok(Err(login_id)),
        Err(e) => return Err(e.into()),
    }
    let entry = operator_entry(
        now,
        contract_code,
        AuditAction::UserCreate,
        login_id.as_str(),
    );
    audit_log::insert_tx(tx, &entry).await?;
    Ok(Ok(()))
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
    validate_contract(code, name, branch, master.role)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let contract_id = contracts::insert(&mut tx, code, name.trim(), branch.trim(), now)
        .await
        .map_err(|e| match violation(&e) {
            Some(Violation::Unique) => OperatorError::ContractExists(code.into()),
            _ => e.into(),
        })?;
    let entry = operator_entry(now, code, AuditAction::ContractCreate, code);
    audit_log::insert_tx(&mut tx, &entry).await?;
    if let Err(login_id) =
        insert_user(&mut tx, &state.hasher, contract_id, code, &master, now).await?
    {
        tx.rollback().await?;
        return Err(unique_rule_broken(state, &login_id, code).await?);
    }
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
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if let Err(login_id) = insert_user(
        &mut tx,
        &state.hasher,
        contract.id,
        &contract.code,
        &input,
        now,
    )
    .await?
    {
        tx.rollback().await?;
        return Err(unique_rule_broken(state, &login_id, &contract.code).await?);
    }
    tx.commit().await?;
    Ok(())
}

/// A user named on the command line, or why not.
async fn user_named(
    state: &AppState,
    login_id: &LoginId,
) -> Result<users::UserRecord, OperatorError> {
    users::find_by_login_id(state.db.pool(), login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))
}

/// Issues a real certificate to a user valid one year from `issued_at`,
/// with a key made here (a `.p12`) or from the user's CSR. Refused while the
/// user has a 発行済み certificate (revoke it first), as 取得 is.
pub async fn issue_certificate(
    state: &AppState,
    login_id: &LoginId,
    method: KeyMethod,
    issued_at: Timestamp,
) -> Result<Prepared, OperatorError> {
    let user = user_named(state, login_id).await?;
    let prepared = issuance::prepare_off_runtime(state, &user, method, issued_at)
        .await
        .map_err(|_| OperatorError::Input("証明書を作成できませんでした".into()))?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    // The operator hands the .p12 over itself: nothing waits for a download,
    // and nobody else needs telling.
    let signed = super::authority::sign_in(
        &mut tx,
        &user,
        &prepared,
        None,
        now,
        None,
        IssuedVia::Operator,
    )
    .await?;
    if signed.is_none() {
        tx.rollback().await?;
        return Err(OperatorError::AlreadyIssued(user.login_id.to_string()));
    }
    let target = format!("{} ({})", user.login_id, prepared.serial);
    let entry = operator_entry(
        now,
        &user.contract_code,
        AuditAction::CertificateIssue,
        &target,
    );
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(prepared)
}

/// Revokes a user's current certificate on the paper 申込書 route, and
/// tells the user by e-mail.
pub async fn revoke_certificate(
    state: &AppState,
    login_id: &LoginId,
    reason: RevocationReason,
) -> Result<CertificateSerial, OperatorError> {
    revoke(state, login_id, reason, true).await
}

/// Revokes without the e-mail: for loading demo data, which sets up a past
/// state rather than reporting an event.
pub(crate) async fn revoke_silently(
    state: &AppState,
    login_id: &LoginId,
    reason: RevocationReason,
) -> Result<CertificateSerial, OperatorError> {
    revoke(state, login_id, reason, false).await
}

async fn revoke(
    state: &AppState,
    login_id: &LoginId,
    reason: RevocationReason,
    notify: bool,
) -> Result<CertificateSerial, OperatorError> {
    let user = user_named(state, login_id).await?;
    let login_id = user.login_id.clone();
    let listed = users::find_with_certificate(state.db.pool(), user.contract_id, &login_id)
        .await?
        .ok_or_else(|| OperatorError::UserNotFound(login_id.to_string()))?;
    let serial = listed
        .certificate
        .map(|c| c.serial)
        .ok_or_else(|| OperatorError::NothingToRevoke(login_id.to_string()))?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let revocation = super::authority::Revocation {
        user_id: user.id,
        login_id: &login_id,
        name: &user.name,
        certificate_login: user.certificate_login,
        serial: &serial,
        reason,
        revoked_by: &Actor::BankOperator,
        revoked_by_name: "お取引店",
        keep_session: None,
        notify,
        reobtain: false,
        client: &ClientInfo::default(),
    };
    let revoked = super::authority::revoke_in(&mut tx, &revocation, now).await?;
    if !revoked {
        return Err(OperatorError::NothingToRevoke(login_id.to_string()));
    }
    let target = format!("{login_id} ({serial}) 理由: {}", reason.label());
    let entry = operator_entry(
        now,
        &user.contract_code,
        AuditAction::CertificateRevoke,
        &target,
    );
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    super::authority::published(state);
    Ok(serial)
}

/// The bank's 一時停止 of every certificate of a contract at once (fraud
/// response, SPEC 9.3: `contract-suspend`; holds made by the master user
/// or an admin are taken over, so that nobody in the contract can release
/// them), or its 再開 (`contract-resume`), which releases them all. One statement and one
/// 操作履歴 row for the contract; no mail per certificate (the bank
/// speaks to the customer itself). Every certificate stops at its next
/// request on every instance, and the CRL is made anew. Returns how many
/// certificates changed.
pub async fn hold_contract(
    state: &AppState,
    contract_code: &str,
    action: HoldAction,
) -> Result<u64, OperatorError> {
    let contract = contracts::find_by_code(state.db.pool(), contract_code)
        .await?
        .ok_or_else(|| OperatorError::ContractNotFound(contract_code.into()))?;
    let now = state.clock.now();
    let by = Actor::BankOperator;
    let mut tx = state.db.begin_write().await?;
    let changed = match action {
        HoldAction::Suspend => {
            certificates::hold_contract(&mut tx, contract.id, now, by.as_str()).await?
        }
        HoldAction::Resume => {
            certificates::release_contract(&mut tx, contract.id, by.as_str()).await?
        }
    };
    let target = match action {
        HoldAction::Suspend => format!("契約 {contract_code} の発行済み証明書 {changed}件"),
        HoldAction::Resume => format!("契約 {contract_code} のお取引店による一時停止 {changed}件"),
    };
    let entry = operator_entry(now, contract_code, action.audit_action(), &target);
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    super::authority::published(state);
    Ok(changed)
}

/// 電子証明書方式 on or off for a contract (the bank, on the 申込書).
/// Sessions already open follow at once: the setting is read per request.
pub async fn set_certificate_login(
    state: &AppState,
    contract_code: &str,
    on: bool,
) -> Result<(), OperatorError> {
    set_contract(state, contract_code, ContractSetting::CertificateLogin, on).await
}

/// Whether 取得 needs a second proof on a contract without 電子証明書方式
/// (the bank's choice; with 電子証明書方式 it always does).
pub async fn set_issuance_code_required(
    state: &AppState,
    contract_code: &str,
    on: bool,
) -> Result<(), OperatorError> {
    set_contract(
        state,
        contract_code,
        ContractSetting::IssuanceCodeRequired,
        on,
    )
    .await
}

/// A contract's setting on or off, in 操作履歴.
pub async fn set_contract(
    state: &AppState,
    contract_code: &str,
    setting: ContractSetting,
    on: bool,
) -> Result<(), OperatorError> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if !contracts::set(&mut tx, contract_code, setting, on).await? {
        return Err(OperatorError::ContractNotFound(contract_code.into()));
    }
    let target = format!("{contract_code} {}", setting.describe(on));
    let entry = operator_entry(now, contract_code, AuditAction::ContractSet, &target);
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// The bank's 発行用コード for a user (the 申込書 route: always the way for
/// a master user): printed once to the operator and mailed to the user.
pub async fn grant_issuance_code(
    state: &AppState,
    login_id: &LoginId,
) -> Result<super::issuance_codes::Granted, OperatorError> {
    let user = user_named(state, login_id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let granted = super::issuance_codes::grant_in(
        &mut tx,
        user.id,
        &Actor::BankOperator,
        now,
        &ClientInfo::default(),
    )
    .await?;
    tx.commit().await?;
    super::mail_notices::spawn_delivery(state);
    Ok(granted)
}

/// ワンタイムパスワード登録解除 by the bank (for a master user, or anyone).
pub async fn reset_otp(state: &AppState, login_id: &LoginId) -> Result<(), OperatorError> {
    let user = user_named(state, login_id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let reset =
        super::otp::reset_in(&mut tx, &user, "お取引店", now, &ClientInfo::default()).await?;
    if reset.is_err() {
        return Err(OperatorError::Input(format!(
            "利用者 {} はワンタイムパスワードを登録していません",
            user.login_id
        )));
    }
    let entry = operator_entry(
        now,
        &user.contract_code,
        AuditAction::OtpReset,
        user.login_id.as_str(),
    );
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    super::mail_notices::spawn_delivery(state);
    Ok(())
}

pub async fn release_password(
    state: &AppState,
    login_id: &LoginId,
    kind: PasswordKind,
) -> Result<(), OperatorError> {
    let user = user_named(state, login_id).await?;
    let login_id = user.login_id.clone();
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    users::release_password(&mut tx, user.id, kind).await?;
    let target = format!("{login_id} ({})", kind.label());
    let entry = operator_entry(
        now,
        &user.contract_code,
        AuditAction::PasswordRelease,
        &target,
    );
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
