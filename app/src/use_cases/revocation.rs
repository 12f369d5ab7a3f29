//! 証明書失効 (SPEC section 4): the screens BRSK018 → BRSK019 → 結果.
//! The rule itself is `domain::revocation::check`; here are the lookups,
//! the password and the one transaction. Every refusal is in 操作履歴.

use super::{authority, confirmation, Failure};
use crate::db::users::{self, UserRecord, UserWithCertificate};
use crate::db::{audit_log, Tx};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::revocation::{self, NotSelectable, Step};
use crate::domain::revocation::{RevocationCandidate, RevocationConfirmation, RevocationResult};
use crate::domain::secret::Password;
use crate::domain::{
    Actor, AdminRefusal, AuditAction, CertificateRecord, CertificateSerial, CertificateStatus,
    LoginId, RevocationReason, RevokeRefusal, Role, Timestamp, TypedLoginId,
};
use crate::error::AppError;
use crate::state::AppState;

/// The rows of 利用者一覧 / 対象者の選択 for the actor's contract.
pub async fn candidates(
    state: &AppState,
    actor: &UserRecord,
) -> Result<Vec<RevocationCandidate>, AppError> {
    let now = state.clock.now();
    let window = state.config.notice_window();
    let rows = crate::db::users::list_with_certificates(&state.db, actor.contract_id).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let status = CertificateStatus::of(row.certificate.as_ref(), now, window);
            let verdict = revocation::check(
                actor.role,
                row.role,
                row.certificate.as_ref(),
                Step::Choose,
                now,
            );
            RevocationCandidate {
                not_selectable: verdict
                    .err()
                    .map(|refusal| NotSelectable::from_refusal(refusal, status)),
                not_after: row.certificate.as_ref().map(|c| c.not_after),
                login_id: row.login_id.clone(),
                name: row.name.clone(),
                role: row.role,
                status,
            }
        })
        .collect())
}

/// The 操作履歴 row of a revocation step by `actor`.
fn entry(actor: &UserRecord, client: &ClientInfo, now: Timestamp) -> AuditEntry {
    AuditEntry::new(
        now,
        Actor::User(actor.login_id.clone()),
        Some(&actor.contract_code),
        AuditAction::CertificateRevoke,
        client,
    )
}

/// Looks a target up in the actor's own contract; other contracts' users
/// are answered exactly like IDs that do not exist.
pub(crate) async fn find_target(
    state: &AppState,
    actor: &UserRecord,
    login_id: &TypedLoginId,
) -> Result<Option<UserWithCertificate>, AppError> {
    let Some(login_id) = login_id.login_id() else {
        return Ok(None);
    };
    Ok(users::find_with_certificate(state.db.pool(), actor.contract_id, login_id).await?)
}

/// The confirmation screen's data, after the same rule as 実行. A refusal
/// is recorded in 操作履歴 (someone asked for a target they may not have).
pub async fn confirmation(
    state: &AppState,
    actor: &UserRecord,
    login_id: &TypedLoginId,
    client: &ClientInfo,
) -> Result<RevocationConfirmation, Failure<RevokeRefusal>> {
    if login_id.is_empty() {
        return Err(Failure::Refused(RevokeRefusal::NotSelected));
    }
    let now = state.clock.now();
    let refuse = |named: &str, refusal| {
        let row = entry(actor, client, now).target(named).refused(refusal);
        async move {
            audit_log::insert(&state.db, &row).await?;
            Ok::<_, Failure<RevokeRefusal>>(Failure::Refused(refusal))
        }
    };
    let Some(target) = find_target(state, actor, login_id).await? else {
        return Err(refuse(login_id.typed(), RevokeRefusal::NotFound).await?);
    };
    let step = Step::Choose;
    let certificate = match revocation::check(
        actor.role,
        target.role,
        target.certificate.as_ref(),
        step,
        now,
    ) {
        Ok(certificate) => certificate,
        Err(refusal) => return Err(refuse(target.login_id.as_str(), refusal).await?),
    };
    Ok(RevocationConfirmation {
        login_id: target.login_id.clone(),
        name: target.name.clone(),
        status: certificate.status(now, state.config.notice_window()),
        not_after: certificate.not_after,
        serial: certificate.serial.clone(),
        own_certificate: target.user_id == actor.id,
        confirmation_failures: actor.confirmation_failures,
    })
}

/// What 実行 was asked to do.
pub struct ExecuteRequest<'a> {
    pub login_id: &'a TypedLoginId,
    /// The serial the confirmation screen showed (`None`: the form's value
    /// was not a serial).
    pub shown: Option<CertificateSerial>,
    pub password: &'a Password,
    /// The actor's own session, which survives when a master revokes their
    /// own certificate.
    pub keep_session: Option<&'a str>,
    /// 再取得を許可する: grant the target a 発行用コード in the same step
    /// (the manual's PC change: 失効, then 再取得).
    pub allow_reobtain: bool,
    pub client: &'a ClientInfo,
}

/// What the checks of 実行 found before anything is written.
struct Checked {
    /// The target as named in 操作履歴: its ログインID (and serial), or what was typed.
    audit_target: String,
    verdict: Result<(UserWithCertificate, CertificateRecord), RevokeRefusal>,
}

/// Throttle → stopped password → target → the rule → the password. No writes.
async fn check(
    state: &AppState,
    actor: &UserRecord,
    request: &ExecuteRequest<'_>,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<Checked, AppError> {
    let refused = |target: &str, refusal| Checked {
        audit_target: target.to_owned(),
        verdict: Err(refusal),
    };
    // Too many attempts just now, or a stopped password: refused before any
    // work (and any hash).
    if let Err(refusal) = confirmation::gate(state, actor, client, now).await? {
        return Ok(refused(request.login_id.typed(), refusal.into()));
    }
    let Some(target) = find_target(state, actor, request.login_id).await? else {
        return Ok(refused(request.login_id.typed(), RevokeRefusal::NotFound));
    };
    let step = Step::Execute {
        shown: request.shown.as_ref(),
    };
    let certificate = match revocation::check(
        actor.role,
        target.role,
        target.certificate.as_ref(),
        step,
        now,
    ) {
        Ok(certificate) => certificate.clone(),
        Err(refusal) => return Ok(refused(target.login_id.as_str(), refusal)),
    };
    let audit_target = format!(
        "{} ({}) 理由: {}",
        target.login_id,
        certificate.serial,
        RevocationReason::Unspecified.label()
    );
    let verdict = confirmation::verify(state, actor, request.password)
        .await?
        .map(|()| (target, certificate))
        .map_err(RevokeRefusal::from);
    Ok(Checked {
        audit_target,
        verdict,
    })
}

/// 実行: re-checks everything, verifies the actor's 確認用パスワード and
/// revokes. Whatever the outcome, the counter, the certificate, 操作履歴,
/// the target's sessions and the notice are written in one transaction.
pub async fn execute(
    state: &AppState,
    actor: &UserRecord,
    request: &ExecuteRequest<'_>,
    client: &ClientInfo,
) -> Result<Revoked, Failure<RevokeRefusal>> {
    let now = state.clock.now();
    let checked = check(state, actor, request, client, now).await?;
    let mut tx = state.db.begin_write().await?;
    let result = match checked.verdict {
        Ok((target, certificate)) => {
            confirmation::settle(&mut tx, actor, Ok(())).await?.ok();
            revoke_in(&mut tx, actor, &target, &certificate, request, now).await?
        }
        Err(RevokeRefusal::WrongPassword) => {
            let settled =
                confirmation::settle(&mut tx, actor, Err(AdminRefusal::WrongPassword)).await?;
            Err(settled.map_or_else(RevokeRefusal::from, |()| RevokeRefusal::WrongPassword))
        }
        Err(refusal) => Err(refusal),
    };
    let row = entry(actor, client, now)
        .target(&checked.audit_target)
        .outcome(&result);
    audit_log::insert_tx(&mut tx, &row).await?;
    tx.commit().await?;
    if let Ok(revoked) = &result {
        authority::published(state);
        tracing::info!(actor = %actor.login_id, target = %revoked.login_id, "certificate revoked");
    }
    result.map_err(Failure::Refused)
}

/// The revocation itself, by the authority: the certificate (compare-and-
/// set: of concurrent executes only one finds it still 発行済み), the
/// target's other sessions, their 発行用コード (voided, or a new one when
/// the master allowed re-obtaining), the notice.
async fn revoke_in(
    tx: &mut Tx,
    actor: &UserRecord,
    target: &UserWithCertificate,
    certificate: &CertificateRecord,
    request: &ExecuteRequest<'_>,
    now: Timestamp,
) -> Result<Result<Revoked, RevokeRefusal>, AppError> {
    // Only the master grants codes, and never their own (the bank does).
    let may_grant = actor.role == Role::Master && target.user_id != actor.id;
    let reobtain = request.allow_reobtain && may_grant;
    let revoked_by = Actor::User(actor.login_id.clone());
    let revocation = authority::Revocation {
        user_id: target.user_id,
        login_id: &target.login_id,
        name: &target.name,
        certificate_login: actor.certificate_login,
        serial: &certificate.serial,
        reason: RevocationReason::Unspecified,
        revoked_by: &revoked_by,
        revoked_by_name: &format!("{}（{}）", actor.name, actor.login_id),
        keep_session: request.keep_session,
        notify: true,
        reobtain,
        client: request.client,
    };
    if !authority::revoke_in(tx, &revocation, now).await? {
        return Ok(Err(RevokeRefusal::AlreadyRevoked));
    }
    Ok(Ok(Revoked {
        login_id: target.login_id.clone(),
        reobtain_granted: reobtain,
    }))
}

/// What 実行 did.
#[derive(Debug)]
pub struct Revoked {
    pub login_id: LoginId,
    /// A 発行用コード was granted with the revocation and mailed to the user.
    pub reobtain_granted: bool,
}

/// 証明書失効結果: the target's certificate as it is now. Read-only, so a
/// reload or back/forward never repeats anything.
pub async fn result(
    state: &AppState,
    actor: &UserRecord,
    login_id: &TypedLoginId,
) -> Result<RevocationResult, AppError> {
    let target = find_target(state, actor, login_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    Ok(RevocationResult {
        status: CertificateStatus::of(
            target.certificate.as_ref(),
            now,
            state.config.notice_window(),
        ),
        revoked_at: target.certificate.as_ref().and_then(|c| c.revoked_at),
        login_id: target.login_id,
        name: target.name,
    })
}
