//! The 確認用パスワード that confirms an action of 利用者管理 (SPEC section
//! 4): 証明書失効, 発行用コード発行 and ワンタイムパスワード登録解除 all go
//! through these three steps, so the rule is written once: an attempt limit
//! and a stopped password first (no hash computed), then the password, then
//! in the action's own transaction the count (the sixth wrong one stops it,
//! and a password stopped meanwhile is not counted again) or its reset.

use crate::db::users::{self, UserRecord};
use crate::db::Tx;
use crate::domain::audit::ClientInfo;
use crate::domain::secret::Password;
use crate::domain::user::master_may_act_on;
use crate::domain::{AdminRefusal, PasswordKind, Timestamp, TypedLoginId};
use crate::error::AppError;
use crate::infra::throttle::Attempt;
use crate::state::AppState;

/// Before anything else is looked at: too many attempts just now, or the
/// actor's 確認用パスワード is stopped.
pub(crate) async fn gate(
    state: &AppState,
    actor: &UserRecord,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<Result<(), AdminRefusal>, AppError> {
    let allowed = state
        .throttles
        .allow(
            Attempt::ConfirmationPassword,
            client.ip.as_deref(),
            actor.login_id.as_str(),
            now,
        )
        .await?;
    Ok(if !allowed {
        Err(AdminRefusal::Throttled)
    } else if actor.confirmation_stopped {
        Err(AdminRefusal::PasswordStopped)
    } else {
        Ok(())
    })
}

/// The password itself (argon2, off the async workers). Nothing written.
pub(crate) async fn verify(
    state: &AppState,
    actor: &UserRecord,
    password: &Password,
) -> Result<Result<(), AdminRefusal>, AppError> {
    if password.is_empty() {
        return Ok(Err(AdminRefusal::PasswordMissing));
    }
    let right = state
        .hasher
        .verify(password, &actor.confirmation_password_hash)
        .await?;
    Ok(if right {
        Ok(())
    } else {
        Err(AdminRefusal::WrongPassword)
    })
}

/// What the verdict means for the actor's counter, in the action's
/// transaction: a wrong password counts, a right one clears the count.
pub(crate) async fn settle(
    tx: &mut Tx,
    actor: &UserRecord,
    verdict: Result<(), AdminRefusal>,
) -> Result<Result<(), AdminRefusal>, sqlx::Error> {
    match verdict {
        Ok(()) => {
            users::reset_password_failures(tx, actor.id, PasswordKind::Confirmation).await?;
            Ok(Ok(()))
        }
        Err(AdminRefusal::WrongPassword) => Ok(Err(
            match users::record_password_failure(tx, actor.id, PasswordKind::Confirmation).await? {
                None => AdminRefusal::PasswordStopped,
                Some((_, true)) => AdminRefusal::PasswordNowStopped,
                Some((_, false)) => AdminRefusal::WrongPassword,
            },
        )),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// A user of the master's own contract other than the master (the master
/// acts for others; the bank acts for the master).
pub(crate) async fn other_user_of(
    state: &AppState,
    master: &UserRecord,
    login_id: &TypedLoginId,
) -> Result<Result<UserRecord, AdminRefusal>, AppError> {
    let target = match login_id.login_id() {
        Some(id) => users::find_by_login_id(state.db.pool(), id).await?,
        None => None,
    };
    let Some(target) = target else {
        return Ok(Err(AdminRefusal::NotFound));
    };
    let same_contract = target.contract_id == master.contract_id;
    let same_user = target.id == master.id;
    Ok(master_may_act_on(master.role, same_contract, same_user).map(|()| target))
}
