//! 更新 (SPEC 7.3, manual 【手順1–5】): the browser presents the current
//! certificate over TLS (its certificate picker is the manual's 証明書一覧),
//! the owner confirms with the ログインパスワード (CCHK002) and the
//! ワンタイムパスワード when registered (CCHK003), and gets the new
//! certificate (CCHK007). The new one and the old one's end (revoked,
//! superseded) are one transaction: of two renewals at once, one wins.

use super::client_certificate::{self, Identified};
use super::issuance::{self, entry, record_entry, Issued, KeyMethodInput};
use super::{authority, login, Failure};
use crate::db::audit_log;
use crate::domain::audit::{clean, AuditEntry, ClientInfo};
use crate::domain::register::IssuedVia;
use crate::domain::secret::Password;
use crate::domain::{
    Actor, AuditAction, CertificateRefusal, CertificateSerial, CertificateStatus, Refusal,
    RevocationReason, TypedLoginId,
};
use crate::error::AppError;
use crate::state::AppState;

/// The presented certificate, if it can be renewed by whoever asks:
/// `session_user` is the logged-in user when 更新 is reached from ホーム
/// (another user's certificate is refused then). A refusal is recorded in
/// 操作履歴, within the client's budget for anonymous rows.
async fn presented(
    state: &AppState,
    der: Option<&[u8]>,
    session_user: Option<i64>,
    client: &ClientInfo,
) -> Result<Result<Identified, CertificateRefusal>, AppError> {
    let result = presented_certificate(state, der, session_user).await?;
    if let Err(refusal) = &result {
        let now = state.clock.now();
        let anonymous = state
            .throttles
            .may_record_anonymous(state.db.pool(), client.ip.as_deref(), now)
            .await?;
        if anonymous {
            let entry = AuditEntry::new(
                now,
                Actor::Unknown(clean("（証明書）", 32)),
                None,
                AuditAction::RenewalAuth,
                client,
            );
            record_entry(state, entry.refused(*refusal)).await?;
        }
    }
    Ok(result)
}

/// What the 更新 screen shows before anything is sent: whose certificate
/// was presented (its 有効期限 may be up to `renewal_grace_days` past), or
/// why it cannot be renewed. Opening a screen writes
/// nothing to 操作履歴; the refusal is recorded when the form is sent.
pub async fn presented_certificate(
    state: &AppState,
    der: Option<&[u8]>,
    session_user: Option<i64>,
) -> Result<Result<Identified, CertificateRefusal>, AppError> {
    // A certificate that expired within the bank's grace period still
    // renews (SPEC 9.3); past it, 取得.
    let grace_days = state.config.renewal_grace_days;
    let now = state.clock.now();
    Ok(
        match client_certificate::identify_with_grace(state, der, grace_days).await? {
            Ok(identified) if session_user.is_some_and(|id| id != identified.user.id) => {
                Err(CertificateRefusal::OtherUser)
            }
            // An expired certificate is no proof that 取得 would not ask
            // for: where 取得 needs a 発行用コード (電子証明書方式, or the
            // bank's choice), so does this, and 取得 is where it is asked.
            // An ex-employee's lapsed certificate and password get nothing.
            Ok(identified)
                if now > identified.certificate.not_after
                    && issuance::proof_for(&identified.user, CertificateStatus::Expired).code =>
            {
                Err(CertificateRefusal::Expired)
            }
            other => other,
        },
    )
}

/// Who passed CCHK002, for which certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user_id: i64,
    pub serial: CertificateSerial,
    pub needs_otp: bool,
}

/// CCHK002: the presented certificate's owner and their ログインパスワード
/// (a wrong one counts toward the login stop).
pub async fn authenticate(
    state: &AppState,
    der: Option<&[u8]>,
    session_user: Option<i64>,
    password: &Password,
    client: &ClientInfo,
) -> Result<Authenticated, Failure<Refusal>> {
    let identified = match presented(state, der, session_user, client).await? {
        Ok(identified) => identified,
        Err(refusal) => return Err(Failure::Refused(refusal.into())),
    };
    let login_id = TypedLoginId::known(&identified.user.login_id);
    let check = login::check_password(state, &login_id, password, client).await?;
    let now = state.clock.now();
    let entry = entry(now, &identified.user, AuditAction::RenewalAuth, client).target(format!(
        "{} ({})",
        identified.user.login_id, identified.certificate.serial
    ));
    let mut tx = state.db.begin_write().await?;
    let result: Result<Authenticated, Refusal> =
        match login::settle_password(&mut tx, check).await? {
            Ok(user) => Ok(Authenticated {
                user_id: user.id,
                serial: identified.certificate.serial.clone(),
                needs_otp: user.otp_secret.is_some(),
            }),
            Err(refusal) => Err(refusal.into()),
        };
    audit_log::insert_tx(&mut tx, &entry.outcome(&result)).await?;
    tx.commit().await?;
    result.map_err(Failure::Refused)
}

/// CCHK007: the new certificate for the authenticated one, which must
/// still be the one presented and still current.
pub async fn renew(
    state: &AppState,
    authenticated: &Authenticated,
    der: Option<&[u8]>,
    input: &KeyMethodInput<'_>,
    client: &ClientInfo,
) -> Result<Issued, Failure<Refusal>> {
    let identified = match presented(state, der, Some(authenticated.user_id), client).await? {
        Ok(i) if i.certificate.serial == authenticated.serial => i,
        Ok(_) => return Err(Failure::Refused(CertificateRefusal::NotCurrent.into())),
        Err(refusal) => return Err(Failure::Refused(refusal.into())),
    };
    let user = identified.user;
    let now = state.clock.now();
    let entry = entry(now, &user, AuditAction::CertificateRenew, client);
    let method = match issuance::key_method(state, &user, input, &entry).await {
        Ok(method) => method,
        Err(Failure::Refused(refusal)) => return Err(Failure::Refused(refusal.into())),
        Err(Failure::Error(err)) => return Err(Failure::Error(err)),
    };
    let prepared = issuance::prepare_off_runtime(state, &user, method, now).await?;
    let mut tx = state.db.begin_write().await?;
    let old = &identified.certificate.serial;
    let signed = authority::sign_in(
        &mut tx,
        &user,
        &prepared,
        Some(old),
        now,
        Some(client),
        IssuedVia::Renewal,
    );
    let Some(token) = signed.await? else {
        // Another renewal (or a revocation) ended this certificate first.
        tx.rollback().await?;
        let refusal = CertificateRefusal::NotCurrent;
        record_entry(state, entry.target(old.as_str()).refused(refusal)).await?;
        return Err(Failure::Refused(refusal.into()));
    };
    let done = entry.target(format!(
        "{} ({} → {}) 旧証明書の失効理由: {}",
        user.login_id,
        old,
        prepared.serial,
        RevocationReason::Superseded.label()
    ));
    audit_log::insert_tx(&mut tx, &done).await?;
    tx.commit().await?;
    authority::published(state);
    tracing::info!(user = %user.login_id, "certificate renewed");
    Ok(Issued::from_prepared(prepared, token))
}
