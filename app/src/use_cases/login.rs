//! Login (SPEC section 5): one message for a wrong ID and a wrong password,
//! the ログインパスワード stopped at the 6th consecutive failure, every
//! attempt in 操作履歴.

use super::{client_certificate, Failure};
use crate::db::audit_log;
use crate::db::users::{self, UserRecord};
use crate::db::Tx;
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::secret::Password;
use crate::domain::{
    Actor, AuditAction, CertificateRefusal, CertificateSerial, LoginId, LoginRefusal, PasswordKind,
    Refusal, Role, Timestamp, TypedLoginId,
};
use crate::error::AppError;
use crate::infra::throttle::Attempt;
use crate::state::AppState;

/// A login that succeeded.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: UserRecord,
    /// The login before this one (ホーム's 前回ログイン日時).
    pub previous_login_at: Option<Timestamp>,
    /// 電子証明書方式: the certificate the session is bound to.
    pub certificate_serial: Option<CertificateSerial>,
}

/// What the ログインパスワード check found before anything is written.
/// Login and the 取得 authentication (証明書取得認証) share it: a wrong
/// password counts toward the same stop.
pub(crate) struct PasswordCheck {
    pub actor: Actor,
    /// The account the attempt named, when it exists.
    pub user_id: Option<i64>,
    pub contract_code: Option<String>,
    pub verdict: Result<UserRecord, LoginRefusal>,
}

/// Throttle, look the user up, verify the password: no writes yet.
pub(crate) async fn check_password(
    state: &AppState,
    login_id: &TypedLoginId,
    password: &Password,
    client: &ClientInfo,
) -> Result<PasswordCheck, AppError> {
    let unknown = |verdict| PasswordCheck {
        actor: Actor::Unknown(login_id.typed().to_owned()),
        user_id: None,
        contract_code: None,
        verdict: Err(verdict),
    };
    let now = state.clock.now();
    let allowed = state
        .throttles
        .allow(
            Attempt::LoginPassword,
            client.ip.as_deref(),
            login_id.typed(),
            now,
        )
        .await?;
    if !allowed {
        return Ok(unknown(LoginRefusal::Throttled));
    }
    let user = match login_id.login_id() {
        Some(id) if !password.is_empty() => users::find_by_login_id(state.db.pool(), id).await?,
        _ => None,
    };
    let Some(user) = user else {
        // Spend the time of a real check so that timing does not tell
        // whether the ID exists.
        state.hasher.verify_dummy(password).await?;
        return Ok(unknown(LoginRefusal::Invalid));
    };
    let verdict = if user.login_stopped {
        // A stopped password is refused without being checked, after the
        // time a check takes (a quick answer would tell that the ID exists).
        state.hasher.verify_dummy(password).await?;
        Err(LoginRefusal::Stopped)
    } else if state
        .hasher
        .verify(password, &user.login_password_hash)
        .await?
    {
        Ok(())
    } else {
        Err(LoginRefusal::WrongPassword)
    };
    Ok(PasswordCheck {
        actor: Actor::User(user.login_id.clone()),
        user_id: Some(user.id),
        contract_code: Some(user.contract_code.clone()),
        verdict: verdict.map(|()| user),
    })
}

/// Writes what a password check means for the account: a wrong password
/// counts (and stops the password at the sixth); a right one clears the
/// count. Returns the verdict with the stop taken into account.
pub(crate) async fn settle_password(
    tx: &mut Tx,
    check: PasswordCheck,
) -> Result<Result<UserRecord, LoginRefusal>, AppError> {
    match check.verdict {
        Ok(user) => {
            users::reset_password_failures(tx, user.id, PasswordKind::Login).await?;
            Ok(Ok(user))
        }
        Err(LoginRefusal::WrongPassword) => {
            let user_id = check.user_id.ok_or(AppError::Internal)?;
            Ok(Err(
                match users::record_password_failure(tx, user_id, PasswordKind::Login).await? {
                    // Stopped by a concurrent attempt meanwhile: not counted again.
                    None => LoginRefusal::Stopped,
                    Some((_, true)) => LoginRefusal::WrongPasswordNowStopped,
                    Some((_, false)) => LoginRefusal::WrongPassword,
                },
            ))
        }
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Logs in, or says why not; the counter, the last login and 操作履歴 are
/// written in one transaction. For a contract with 電子証明書方式, the
/// `presented` certificate must be the user's own current one; it is
/// checked after the password, so that only someone who knows the password
/// learns that a certificate is missing.
pub async fn login(
    state: &AppState,
    login_id: &TypedLoginId,
    password: &Password,
    presented: Option<&[u8]>,
    client: &ClientInfo,
) -> Result<LoggedIn, Failure<Refusal>> {
    let check = check_password(state, login_id, password, client).await?;
    // The certificate is looked at (after a right password only) before the
    // transaction: its reads must not wait for a second pooled connection
    // while the transaction holds one.
    let certificate = match &check.verdict {
        Ok(user) => Some(certificate_of(state, user, presented).await?),
        Err(_) => None,
    };
    let now = state.clock.now();
    let entry = AuditEntry::new(
        now,
        check.actor.clone(),
        check.contract_code.as_deref(),
        AuditAction::Login,
        client,
    );
    let mut tx = state.db.begin_write().await?;
    let record = worth_recording(state, &mut tx, &check, client).await?;
    let result: Result<LoggedIn, Refusal> =
        match (settle_password(&mut tx, check).await?, certificate) {
            (Err(refusal), _) => Err(refusal.into()),
            (Ok(_), Some(Err(refusal))) => Err(refusal.into()),
            (Ok(user), certificate) => {
                users::record_login(&mut tx, user.id, now).await?;
                let previous_login_at = user.last_login_at;
                Ok(LoggedIn {
                    user,
                    previous_login_at,
                    certificate_serial: certificate.and_then(Result::ok).flatten(),
                })
            }
        };
    if record {
        audit_log::insert_tx(&mut tx, &entry.outcome(&result)).await?;
    }
    tx.commit().await?;
    result.map_err(Failure::Refused)
}

/// Whether a password check's outcome goes into 操作履歴: always when it
/// named a user; for an ID that names nobody, within the client's budget
/// (`Throttles::may_record_anonymous`), counted in `tx`, the check's own
/// transaction.
pub(crate) async fn worth_recording(
    state: &AppState,
    tx: &mut Tx,
    check: &PasswordCheck,
    client: &ClientInfo,
) -> Result<bool, AppError> {
    if check.user_id.is_some() {
        return Ok(true);
    }
    let now = state.clock.now();
    Ok(state
        .throttles
        .may_record_anonymous(&mut **tx, client.ip.as_deref(), now)
        .await?)
}

/// The certificate a 電子証明書方式 login is bound to; nothing for a contract
/// that logs in by ID and password.
async fn certificate_of(
    state: &AppState,
    user: &UserRecord,
    presented: Option<&[u8]>,
) -> Result<Result<Option<CertificateSerial>, CertificateRefusal>, AppError> {
    if !user.certificate_login {
        return Ok(Ok(None));
    }
    Ok(client_certificate::owned_by(state, user, presented)
        .await?
        .map(Some))
}

/// Whether `login_id` is a contract's マスターユーザ (a refused certificate's
/// advice differs for them).
pub async fn is_master(state: &AppState, login_id: &LoginId) -> Result<bool, AppError> {
    let user = users::find_by_login_id(state.db.pool(), login_id).await?;
    Ok(user.is_some_and(|u| u.role == Role::Master))
}

/// Records a logout in 操作履歴.
pub async fn record_logout(
    state: &AppState,
    user: &UserRecord,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let entry = AuditEntry::new(
        state.clock.now(),
        Actor::User(user.login_id.clone()),
        Some(&user.contract_code),
        AuditAction::Logout,
        client,
    );
    audit_log::insert(&state.db, &entry).await?;
    Ok(())
}
