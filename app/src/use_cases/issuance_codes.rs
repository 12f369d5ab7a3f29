//! 発行用コード (SPEC 9.1): granted by the contract's master user for the
//! contract's other users (利用者管理 → 発行用コード発行, confirmed with the
//! 確認用パスワード, or with a 失効's 再取得を許可する), and by the bank for
//! anyone (the 申込書 route: `kanri-server issuance-code`). The code is
//! shown once to whoever granted it and mailed to the user; only its hash
//! is stored. Every grant, use, expiry and refusal is in 操作履歴.

use super::{confirmation, mail_notices, Failure};
use crate::db::users::{self, UserRecord};
use crate::db::{audit_log, issuance_codes, Tx};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::issuance_code::VALID_HOURS;
use crate::domain::secret::Password;
use crate::domain::{
    Actor, AdminRefusal, AuditAction, IssuanceCode, LoginId, Timestamp, TypedLoginId,
};
use crate::error::AppError;
use crate::state::AppState;

/// A code just granted: shown once, never stored.
#[derive(Debug)]
pub struct Granted {
    pub login_id: LoginId,
    pub name: String,
    pub code: IssuanceCode,
    pub expires_at: Timestamp,
}

/// Grants `user_id` a new code in the caller's transaction: voids their
/// earlier live ones, writes the 操作履歴 row and queues the mails.
pub(crate) async fn grant_in(
    tx: &mut Tx,
    user_id: i64,
    grantor: &Actor,
    now: Timestamp,
    client: &ClientInfo,
) -> Result<Granted, AppError> {
    let user = users::find_by_id(&mut **tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = IssuanceCode::generate();
    let expires_at = Timestamp(now.0 + chrono::Duration::hours(VALID_HOURS));
    let hash = super::issuance::token_hash(code.expose());
    let new = issuance_codes::NewCode {
        user_id,
        code_hash: &hash,
        granted_by: grantor.as_str(),
        granted_at: now,
        expires_at,
    };
    issuance_codes::grant(tx, &new).await?;
    let by = match grantor {
        Actor::BankOperator => "お取引店".to_owned(),
        other => other.as_str().to_owned(),
    };
    let event = mail_notices::Event::CodeGranted {
        code: &code,
        expires_at,
        by: &by,
    };
    mail_notices::enqueue_event_notice(tx, user_id, &event, now, client).await?;
    let row = AuditEntry::new(
        now,
        grantor.clone(),
        Some(&user.contract_code),
        AuditAction::IssuanceCodeGrant,
        client,
    )
    .target(format!("{} 有効期限: {}", user.login_id, expires_at.jst()));
    audit_log::insert_tx(tx, &row).await?;
    Ok(Granted {
        login_id: user.login_id,
        name: user.name,
        code,
        expires_at,
    })
}

/// 発行用コード発行 by the master user, confirmed with the 確認用パスワード.
pub async fn grant_by_master(
    state: &AppState,
    master: &UserRecord,
    login_id: &TypedLoginId,
    password: &Password,
    client: &ClientInfo,
) -> Result<Granted, Failure<AdminRefusal>> {
    let now = state.clock.now();
    let row = AuditEntry::new(
        now,
        Actor::User(master.login_id.clone()),
        Some(&master.contract_code),
        AuditAction::IssuanceCodeGrant,
        client,
    )
    .target(login_id.typed());
    let refuse = |refusal: AdminRefusal| {
        let row = row.clone().refused(refusal);
        async move {
            audit_log::insert(&state.db, &row).await?;
            Ok::<_, Failure<AdminRefusal>>(Failure::Refused(refusal))
        }
    };
    if login_id.is_empty() {
        return Err(refuse(AdminRefusal::NotSelected).await?);
    }
    if let Err(refusal) = confirmation::gate(state, master, client, now).await? {
        return Err(refuse(refusal).await?);
    }
    let target = match confirmation::other_user_of(state, master, login_id).await? {
        Ok(target) => target,
        Err(refusal) => return Err(refuse(refusal).await?),
    };
    let verdict = confirmation::verify(state, master, password).await?;
    let mut tx = state.db.begin_write().await?;
    let settled = confirmation::settle(&mut tx, master, verdict).await?;
    if let Err(refusal) = settled {
        audit_log::insert_tx(&mut tx, &row.refused(refusal)).await?;
        tx.commit().await?;
        return Err(Failure::Refused(refusal));
    }
    let granted = grant_in(
        &mut tx,
        target.id,
        &Actor::User(master.login_id.clone()),
        now,
        client,
    )
    .await?;
    tx.commit().await?;
    mail_notices::spawn_delivery(state);
    Ok(granted)
}

/// The users of the master's contract a code may be granted to.
pub async fn grantable(
    state: &AppState,
    master: &UserRecord,
) -> Result<Vec<(LoginId, String)>, AppError> {
    let rows = users::list_with_certificates(&state.db, master.contract_id).await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.login_id != master.login_id)
        .map(|row| (row.login_id, row.name))
        .collect())
}

/// Records, once each, the codes that expired unused (the mail job runs it).
pub async fn record_expiries(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let mut expired = issuance_codes::close_expired(&mut tx, now).await?;
    // Each contract's 操作履歴 chain is locked as its row is written: in
    // one order on every instance, so two jobs at once cannot deadlock.
    expired.sort_by(|a, b| a.contract_code.cmp(&b.contract_code));
    for code in &expired {
        let row = AuditEntry::new(
            now,
            Actor::BankOperator,
            Some(&code.contract_code),
            AuditAction::IssuanceCodeExpiry,
            &ClientInfo::default(),
        )
        .target(format!(
            "{} 発行日時: {}",
            code.login_id,
            Timestamp::from_db(&code.granted_at).map_or(code.granted_at.clone(), |t| t.jst())
        ));
        audit_log::insert_tx(&mut tx, &row).await?;
    }
    tx.commit().await?;
    Ok(expired.len())
}
