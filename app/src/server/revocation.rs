//! 証明書失効 (SPEC section 4): the checks and the transaction behind the
//! screens BRSK018 → BRSK019 → 結果. Every refusal is written to 操作履歴.

use super::audit::{clean, Actor, AuditAction, AuditEntry, ClientInfo};
use super::db::users::{self, PasswordKind, UserRecord, UserWithCertificate};
use super::db::{audit, certificates, sessions};
use super::password::Password;
use super::AppState;
use crate::domain::{CertificateSerial, CertificateState, CertificateStatus, LoginId, Timestamp};
use crate::error::AppError;
use crate::models::{RevocationCandidate, RevocationConfirmation, RevocationResult, RevokeRefusal};

/// Why a revocation did not happen: a refusal the screen explains, or an
/// internal error.
#[derive(Debug)]
pub enum RevokeError {
    Refused(RevokeRefusal),
    App(AppError),
}

impl From<AppError> for RevokeError {
    fn from(err: AppError) -> Self {
        RevokeError::App(err)
    }
}

impl From<super::password::HashError> for RevokeError {
    fn from(err: super::password::HashError) -> Self {
        RevokeError::App(err.into())
    }
}

impl From<sqlx::Error> for RevokeError {
    fn from(err: sqlx::Error) -> Self {
        RevokeError::App(err.into())
    }
}

fn status_of(row: &UserWithCertificate, now: Timestamp) -> CertificateStatus {
    CertificateStatus::derive(
        row.certificate.as_ref().map(|c| (c.state, c.not_after)),
        now,
    )
}

/// Why `actor` may not revoke `target`'s certificate now, if anything.
fn refusal_for(
    actor: &UserRecord,
    target: &UserWithCertificate,
    now: Timestamp,
) -> Option<RevokeRefusal> {
    if !actor.role.may_revoke_certificate_of(target.role) {
        return Some(RevokeRefusal::NotPermitted);
    }
    match status_of(target, now) {
        CertificateStatus::Revoked => Some(RevokeRefusal::AlreadyRevoked),
        status if !status.is_revocable() => Some(RevokeRefusal::NotRevocable),
        _ => None,
    }
}

/// The rows of 利用者一覧 / 対象者の選択 for the actor's contract.
pub async fn candidates(
    state: &AppState,
    actor: &UserRecord,
) -> Result<Vec<RevocationCandidate>, AppError> {
    let now = Timestamp::now();
    let rows = users::list_with_certificates(&state.db, actor.contract_id).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let status = status_of(row, now);
            let why_not = refusal_for(actor, row, now).map(|r| match r {
                RevokeRefusal::NotPermitted => "マスターユーザの証明書は失効できません".to_owned(),
                RevokeRefusal::AlreadyRevoked => "失効済みです".to_owned(),
                _ if status == CertificateStatus::NotIssued => {
                    "証明書が発行されていません".to_owned()
                }
                _ => "失効できない証明書状態です".to_owned(),
            });
            RevocationCandidate {
                login_id: row.login_id.to_string(),
                name: row.name.clone(),
                role_label: row.role.label().to_owned(),
                status_label: status.label().to_owned(),
                expiring_soon: matches!(
                    status,
                    CertificateStatus::Issued {
                        expiring_soon: true
                    }
                ),
                not_after_jst: row.certificate.as_ref().map(|c| c.not_after.jst()),
                not_selectable_because: why_not,
            }
        })
        .collect())
}

/// The 操作履歴 row of a revocation step by `actor`.
fn revocation_entry(actor: &UserRecord, client: &ClientInfo) -> AuditEntry {
    AuditEntry::new(
        Actor::User(actor.login_id.clone()),
        Some(&actor.contract_code),
        AuditAction::CertificateRevoke,
        client,
    )
}

/// Records a refused step and returns the refusal. `target` is what the
/// request named, cleaned of control characters before it is stored.
async fn refuse(
    state: &AppState,
    actor: &UserRecord,
    target: &str,
    refusal: RevokeRefusal,
    client: &ClientInfo,
) -> Result<RevokeError, AppError> {
    let entry = revocation_entry(actor, client)
        .target(clean(target, 32))
        .failed(refusal.code());
    audit::insert(state.db.pool(), &entry).await?;
    Ok(RevokeError::Refused(refusal))
}

/// Looks a target up in the actor's own contract; other contracts' users
/// are answered exactly like IDs that do not exist.
async fn find_target(
    state: &AppState,
    actor: &UserRecord,
    raw_login_id: &str,
) -> Result<Option<UserWithCertificate>, AppError> {
    let Ok(login_id) = LoginId::parse(raw_login_id) else {
        return Ok(None);
    };
    Ok(users::find_with_certificate(state.db.pool(), actor.contract_id, &login_id).await?)
}

/// The confirmation screen's data, after the same checks as 実行.
pub async fn confirmation(
    state: &AppState,
    actor: &UserRecord,
    raw_login_id: &str,
    client: &ClientInfo,
) -> Result<RevocationConfirmation, RevokeError> {
    if raw_login_id.is_empty() {
        return Err(RevokeError::Refused(RevokeRefusal::NotSelected));
    }
    let now = Timestamp::now();
    let Some(target) = find_target(state, actor, raw_login_id).await? else {
        return Err(refuse(state, actor, raw_login_id, RevokeRefusal::NotFound, client).await?);
    };
    if let Some(refusal) = refusal_for(actor, &target, now) {
        return Err(refuse(state, actor, target.login_id.as_str(), refusal, client).await?);
    }
    let certificate = target
        .certificate
        .as_ref()
        .ok_or(RevokeError::Refused(RevokeRefusal::NotRevocable))?;
    Ok(RevocationConfirmation {
        login_id: target.login_id.to_string(),
        name: target.name.clone(),
        status_label: status_of(&target, now).label().to_owned(),
        not_after_jst: certificate.not_after.jst(),
        serial: certificate.serial.to_string(),
        own_certificate: target.user_id == actor.id,
        confirmation_failures: actor.confirmation_failures,
    })
}

/// 実行: re-checks everything, verifies the actor's 確認用パスワード and
/// revokes in one transaction. `keep_session` is the actor's own session,
/// which survives when a master revokes their own certificate.
pub async fn execute(
    state: &AppState,
    actor: &UserRecord,
    keep_session: Option<&str>,
    raw_login_id: &str,
    raw_serial: &str,
    password: &Password,
    client: &ClientInfo,
) -> Result<(), RevokeError> {
    let now = Timestamp::now();
    let actor_entry = || revocation_entry(actor, client);

    // Too many attempts just now: refused before any work (and any hash).
    if !state
        .throttles
        .allow("revoke", client.ip.as_deref(), actor.login_id.as_str())
    {
        return Err(refuse(state, actor, raw_login_id, RevokeRefusal::Throttled, client).await?);
    }
    // A stopped password is refused without being checked.
    if actor.confirmation_stopped {
        return Err(refuse(
            state,
            actor,
            raw_login_id,
            RevokeRefusal::PasswordStopped,
            client,
        )
        .await?);
    }
    let Some(target) = find_target(state, actor, raw_login_id).await? else {
        return Err(refuse(state, actor, raw_login_id, RevokeRefusal::NotFound, client).await?);
    };
    let target_name = target.login_id.as_str();
    if !actor.role.may_revoke_certificate_of(target.role) {
        return Err(refuse(
            state,
            actor,
            target_name,
            RevokeRefusal::NotPermitted,
            client,
        )
        .await?);
    }
    // The certificate must still be the one the confirmation screen showed.
    let shown = CertificateSerial::parse(raw_serial).ok();
    let current = target.certificate.as_ref();
    match (current, &shown) {
        (Some(c), Some(s)) if &c.serial == s => {}
        _ => {
            return Err(refuse(
                state,
                actor,
                target_name,
                RevokeRefusal::CertificateChanged,
                client,
            )
            .await?)
        }
    }
    let certificate = current.expect("matched above");
    if certificate.state == CertificateState::Revoked {
        return Err(refuse(
            state,
            actor,
            target_name,
            RevokeRefusal::AlreadyRevoked,
            client,
        )
        .await?);
    }
    if !status_of(&target, now).is_revocable() {
        return Err(refuse(
            state,
            actor,
            target_name,
            RevokeRefusal::NotRevocable,
            client,
        )
        .await?);
    }
    if password.is_empty() {
        return Err(refuse(
            state,
            actor,
            target_name,
            RevokeRefusal::PasswordMissing,
            client,
        )
        .await?);
    }

    // The expensive check happens outside any transaction.
    if !state
        .hasher
        .verify(password, &actor.confirmation_password_hash)
        .await?
    {
        let mut tx = state.db.begin_write().await?;
        let (_, stopped) =
            users::record_password_failure(&mut tx, actor.id, PasswordKind::Confirmation).await?;
        let refusal = if stopped {
            RevokeRefusal::PasswordNowStopped
        } else {
            RevokeRefusal::WrongPassword
        };
        audit::insert_tx(
            &mut tx,
            &actor_entry().target(target_name).failed(refusal.code()),
        )
        .await?;
        tx.commit().await?;
        return Err(RevokeError::Refused(refusal));
    }

    // One transaction: reset the counter, compare-and-set the certificate,
    // write 操作履歴, end the target's other sessions. Of concurrent
    // executes only one finds the certificate still 発行済み.
    let mut tx = state.db.begin_write().await?;
    users::reset_password_failures(&mut tx, actor.id, PasswordKind::Confirmation).await?;
    let revoked = certificates::revoke_if_issued(
        &mut tx,
        target.user_id,
        &certificate.serial,
        now,
        actor.login_id.as_str(),
        None,
    )
    .await?;
    let target_with_serial = format!("{target_name} ({})", certificate.serial);
    if !revoked {
        let refusal = RevokeRefusal::AlreadyRevoked;
        audit::insert_tx(
            &mut tx,
            &actor_entry()
                .target(&target_with_serial)
                .failed(refusal.code()),
        )
        .await?;
        tx.commit().await?;
        return Err(RevokeError::Refused(refusal));
    }
    audit::insert_tx(&mut tx, &actor_entry().target(&target_with_serial)).await?;
    sessions::delete_for_user(&mut *tx, target.user_id, keep_session).await?;
    let revoked_by = format!("{}（{}）", actor.name, actor.login_id);
    super::mail::enqueue_revocation_notice(
        &mut tx,
        target.user_id,
        &target.name,
        target.login_id.as_str(),
        &certificate.serial,
        now,
        &revoked_by,
    )
    .await?;
    tx.commit().await?;
    super::mail::spawn_delivery(state);
    tracing::info!(actor = %actor.login_id, target = %target.login_id, "certificate revoked");
    Ok(())
}

/// 証明書失効結果: the target's certificate as it is now. Read-only, so a
/// reload or back/forward never repeats anything.
pub async fn result(
    state: &AppState,
    actor: &UserRecord,
    raw_login_id: &str,
) -> Result<RevocationResult, AppError> {
    let target = find_target(state, actor, raw_login_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = status_of(&target, Timestamp::now());
    Ok(RevocationResult {
        login_id: target.login_id.to_string(),
        name: target.name.clone(),
        status_label: status.label().to_owned(),
        revoked_at_jst: target
            .certificate
            .as_ref()
            .and_then(|c| c.revoked_at)
            .map(Timestamp::jst),
    })
}
