//! 一時停止 and 再開 (SPEC 9.3): the list, the confirmation, 実行 and the
//! result, in the steps of 証明書失効 (`revocation`), whose target lookup
//! and 確認用パスワード they share. The rule is
//! `domain::suspension::check`; the write is `authority::hold_in`. Every
//! refusal is in 操作履歴.

use super::{authority, confirmation, revocation, Failure};
use crate::db::audit_log;
use crate::db::users::UserRecord;
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::revocation::Step;
use crate::domain::secret::Password;
use crate::domain::suspension::{self, HoldAction, HoldCandidate, HoldConfirmation, HoldResult};
use crate::domain::{
    Actor, AdminRefusal, CertificateSerial, CertificateStatus, LoginId, RevokeRefusal, Timestamp,
    TypedLoginId,
};
use crate::error::AppError;
use crate::state::AppState;

/// The rows of the list for the actor's contract, each with what may be
/// done to it.
pub async fn candidates(
    state: &AppState,
    actor: &UserRecord,
) -> Result<Vec<HoldCandidate>, AppError> {
    let now = state.clock.now();
    let window = state.config.notice_window();
    let rows = crate::db::users::list_with_certificates(&state.db, actor.contract_id).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let certificate = row.certificate.as_ref();
            let check = |action| {
                suspension::check(action, actor.role, row.role, certificate, Step::Choose, now)
            };
            // The action that fits the certificate's state, or why neither.
            let fitting = if certificate.is_some_and(|c| c.is_held()) {
                HoldAction::Resume
            } else {
                HoldAction::Suspend
            };
            HoldCandidate {
                possible: check(fitting).map(|_| fitting),
                status: CertificateStatus::of(certificate, now, window),
                not_after: certificate.map(|c| c.not_after),
                login_id: row.login_id.clone(),
                name: row.name.clone(),
                role: row.role,
            }
        })
        .collect())
}

fn entry(
    actor: &UserRecord,
    action: HoldAction,
    client: &ClientInfo,
    now: Timestamp,
) -> AuditEntry {
    AuditEntry::new(
        now,
        Actor::User(actor.login_id.clone()),
        Some(&actor.contract_code),
        action.audit_action(),
        client,
    )
}

/// The confirmation screen's data, after the same rule as 実行. A refusal
/// is recorded in 操作履歴.
pub async fn confirmation(
    state: &AppState,
    actor: &UserRecord,
    action: HoldAction,
    login_id: &TypedLoginId,
    client: &ClientInfo,
) -> Result<HoldConfirmation, Failure<RevokeRefusal>> {
    if login_id.is_empty() {
        return Err(Failure::Refused(RevokeRefusal::NotSelected));
    }
    let now = state.clock.now();
    let refuse = |named: &str, refusal| {
        let row = entry(actor, action, client, now)
            .target(named)
            .refused(refusal);
        async move {
            audit_log::insert(&state.db, &row).await?;
            Ok::<_, Failure<RevokeRefusal>>(Failure::Refused(refusal))
        }
    };
    let Some(target) = revocation::find_target(state, actor, login_id).await? else {
        return Err(refuse(login_id.typed(), RevokeRefusal::NotFound).await?);
    };
    let checked = suspension::check(
        action,
        actor.role,
        target.role,
        target.certificate.as_ref(),
        Step::Choose,
        now,
    );
    let certificate = match checked {
        Ok(certificate) => certificate,
        Err(refusal) => return Err(refuse(target.login_id.as_str(), refusal).await?),
    };
    Ok(HoldConfirmation {
        action,
        login_id: target.login_id.clone(),
        name: target.name.clone(),
        status: certificate.status(now, state.config.notice_window()),
        not_after: certificate.not_after,
        serial: certificate.serial.clone(),
        confirmation_failures: actor.confirmation_failures,
    })
}

/// What 実行 was asked to do.
pub struct HoldRequest<'a> {
    pub action: HoldAction,
    pub login_id: &'a TypedLoginId,
    /// The serial the confirmation screen showed (`None`: not a serial).
    pub shown: Option<CertificateSerial>,
    pub password: &'a Password,
    pub client: &'a ClientInfo,
}

/// 実行: re-checks everything, verifies the actor's 確認用パスワード and
/// holds or releases. The counter, the certificate, 操作履歴 and the
/// notices are written in one transaction, whatever the outcome.
pub async fn execute(
    state: &AppState,
    actor: &UserRecord,
    request: &HoldRequest<'_>,
) -> Result<LoginId, Failure<RevokeRefusal>> {
    let now = state.clock.now();
    let client = request.client;
    let mut audit_target = request.login_id.typed().to_owned();
    // Throttle → stopped password → target → the rule → the password. No writes.
    let verdict = match confirmation::gate(state, actor, client, now).await? {
        Err(refusal) => Err(RevokeRefusal::from(refusal)),
        Ok(()) => match revocation::find_target(state, actor, request.login_id).await? {
            None => Err(RevokeRefusal::NotFound),
            Some(target) => {
                audit_target = target.login_id.to_string();
                let step = Step::Execute {
                    shown: request.shown.as_ref(),
                };
                let checked = suspension::check(
                    request.action,
                    actor.role,
                    target.role,
                    target.certificate.as_ref(),
                    step,
                    now,
                )
                .cloned();
                match checked {
                    Err(refusal) => Err(refusal),
                    Ok(certificate) => {
                        audit_target = format!("{} ({})", target.login_id, certificate.serial);
                        confirmation::verify(state, actor, request.password)
                            .await?
                            .map(|()| (target, certificate))
                            .map_err(RevokeRefusal::from)
                    }
                }
            }
        },
    };
    let mut tx = state.db.begin_write().await?;
    let result = match verdict {
        Ok((target, certificate)) => {
            confirmation::settle(&mut tx, actor, Ok(())).await?.ok();
            let by = Actor::User(actor.login_id.clone());
            let hold = authority::Hold {
                user_id: target.user_id,
                serial: &certificate.serial,
                action: request.action,
                by: &by,
                by_name: &format!("{}（{}）", actor.name, actor.login_id),
                client,
            };
            if authority::hold_in(&mut tx, &hold, now).await? {
                Ok(target.login_id)
            } else {
                // Another hold, release, revocation or renewal came first.
                Err(RevokeRefusal::CertificateChanged)
            }
        }
        Err(RevokeRefusal::WrongPassword) => {
            let settled =
                confirmation::settle(&mut tx, actor, Err(AdminRefusal::WrongPassword)).await?;
            Err(settled.map_or_else(RevokeRefusal::from, |()| RevokeRefusal::WrongPassword))
        }
        Err(refusal) => Err(refusal),
    };
    let row = entry(actor, request.action, client, now)
        .target(&audit_target)
        .outcome(&result);
    audit_log::insert_tx(&mut tx, &row).await?;
    tx.commit().await?;
    if let Ok(login_id) = &result {
        authority::published(state);
        tracing::info!(actor = %actor.login_id, target = %login_id, action = request.action.code(), "certificate hold changed");
    }
    result.map_err(Failure::Refused)
}

/// The result screen: the target's certificate as it is now. Read-only.
pub async fn result(
    state: &AppState,
    actor: &UserRecord,
    login_id: &TypedLoginId,
) -> Result<HoldResult, AppError> {
    let target = revocation::find_target(state, actor, login_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let certificate = target.certificate.as_ref();
    Ok(HoldResult {
        status: CertificateStatus::of(certificate, now, state.config.notice_window()),
        suspended_at: certificate
            .filter(|c| c.is_held())
            .and_then(|c| c.suspended_at),
        login_id: target.login_id,
        name: target.name,
    })
}
