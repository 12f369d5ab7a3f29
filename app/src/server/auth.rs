//! Login (SPEC section 5): one message for a wrong ID and a wrong password,
//! the ログインパスワード stopped at the 6th consecutive failure, every
//! attempt in 操作履歴.

use super::audit::{clean, Actor, AuditAction, AuditEntry, ClientInfo};
use super::db::audit;
use super::db::users::{self, PasswordKind, UserRecord};
use super::password::Password;
use super::AppState;
use crate::domain::{LoginId, Timestamp};
use crate::error::AppError;

#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in; `previous_login_at` is the login before this one.
    Success {
        user: Box<UserRecord>,
        previous_login_at: Option<Timestamp>,
    },
    /// Wrong ID, wrong password or malformed input: one answer for all.
    Invalid,
    /// The ログインパスワード is stopped (now or before).
    Stopped,
    /// Too many attempts from this client or on this account just now.
    Throttled,
}

pub async fn login(
    state: &AppState,
    raw_login_id: &str,
    password: &Password,
    client: &ClientInfo,
) -> Result<LoginOutcome, AppError> {
    let db = &state.db;
    let account = clean(raw_login_id.trim(), 32);
    if !state
        .throttles
        .allow("login", client.ip.as_deref(), &account)
    {
        let entry = AuditEntry::new(Actor::Unknown(account), None, AuditAction::Login, client)
            .failed("throttled");
        audit::insert(db.pool(), &entry).await?;
        return Ok(LoginOutcome::Throttled);
    }
    let login_id = LoginId::parse(raw_login_id.trim()).ok();
    let user = match &login_id {
        Some(id) if !password.is_empty() => users::find_by_login_id(db.pool(), id).await?,
        _ => None,
    };
    let Some(user) = user else {
        // Spend the time of a real check so that timing does not tell
        // whether the ID exists.
        state.hasher.verify_dummy(password).await?;
        let actor = Actor::Unknown(clean(raw_login_id, 32));
        let entry =
            AuditEntry::new(actor, None, AuditAction::Login, client).failed("invalid_credentials");
        audit::insert(db.pool(), &entry).await?;
        return Ok(LoginOutcome::Invalid);
    };
    let actor = Actor::User(user.login_id.clone());
    let entry = AuditEntry::new(actor, Some(&user.contract_code), AuditAction::Login, client);

    if user.login_stopped {
        audit::insert(db.pool(), &entry.failed("login_password_stopped")).await?;
        return Ok(LoginOutcome::Stopped);
    }

    if !state
        .hasher
        .verify(password, &user.login_password_hash)
        .await?
    {
        let mut tx = db.begin_write().await?;
        let (_, stopped) =
            users::record_password_failure(&mut tx, user.id, PasswordKind::Login).await?;
        let reason = if stopped {
            "wrong_password_now_stopped"
        } else {
            "wrong_password"
        };
        audit::insert_tx(&mut tx, &entry.failed(reason)).await?;
        tx.commit().await?;
        return Ok(if stopped {
            LoginOutcome::Stopped
        } else {
            LoginOutcome::Invalid
        });
    }

    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    users::record_login(&mut tx, user.id, now).await?;
    audit::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    let previous_login_at = user.last_login_at;
    Ok(LoginOutcome::Success {
        user: Box::new(user),
        previous_login_at,
    })
}

/// Records a logout in 操作履歴.
pub async fn record_logout(
    state: &AppState,
    user: &UserRecord,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let entry = AuditEntry::new(
        Actor::User(user.login_id.clone()),
        Some(&user.contract_code),
        AuditAction::Logout,
        client,
    );
    audit::insert(state.db.pool(), &entry).await?;
    Ok(())
}
