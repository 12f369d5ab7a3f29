//! 更新 (SPEC 7.3, manual 【手順1–5】): the browser presents the current
//! certificate over TLS (its certificate picker is the manual's 証明書一覧),
//! the owner confirms with the ログインパスワード (CCHK002) and the
//! ワンタイムパスワード when registered (CCHK003), and gets the new
//! certificate (CCHK007). The new one and the old one's end (revoked,
//! superseded) are one transaction: of two renewals at once, one wins.

use super::client_certificate::{self, Identified};
use super::issuance::{self, entry, record_entry, Issued, KeyMethodInput};
use super::{authority, login, Failure};
use crate::db::{audit_log, issuance_codes};
use crate::domain::audit::{clean, AuditEntry, ClientInfo};
use crate::domain::register::IssuedVia;
use crate::domain::secret::Password;
use crate::domain::{
    Actor, AuditAction, CertificateRefusal, CertificateSerial, CertificateStatus, IssueRefusal,
    Refusal, RevocationReason, TypedLoginId,
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
    Ok(
        match client_certificate::identify_with_grace(state, der, grace_days).await? {
            Ok(identified) if session_user.is_some_and(|id| id != identified.user.id) => {
                Err(CertificateRefusal::OtherUser)
            }
            other => other,
        },
    )
}

/// Whether 更新 of this certificate asks for a 発行用コード besides the
/// password: it has expired, and 取得 would ask for one (電子証明書方式, or
/// the bank's choice; SPEC 9.1). An expired certificate is no proof that
/// 取得 would not ask for, so an ex-employee's lapsed certificate and
/// password get nothing; a valid one is (it is the user's own, in force).
pub fn needs_code(state: &AppState, identified: &Identified) -> bool {
    state.clock.now() > identified.certificate.not_after
        && issuance::proof_for(&identified.user, CertificateStatus::Expired).code
}

/// Who passed CCHK002, for which certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user_id: i64,
    pub serial: CertificateSerial,
    pub needs_otp: bool,
    /// The live 発行用コード typed for an expired certificate
    /// ([`needs_code`]): used when the new one is issued, in its transaction.
    pub code_id: Option<i64>,
}

/// CCHK002: the presented certificate's owner and their ログインパスワード
/// (a wrong one counts toward the login stop), and the 発行用コード where
/// [`needs_code`] says so.
pub async fn authenticate(
    state: &AppState,
    der: Option<&[u8]>,
    session_user: Option<i64>,
    password: &Password,
    typed_code: &str,
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
    // Read before the transaction (no second pooled connection while it holds one).
    let code = if needs_code(state, &identified) {
        let expired = CertificateStatus::Expired;
        Some(issuance::code_check(state, &identified.user, expired, typed_code, now).await?)
    } else {
        None
    };
    let mut tx = state.db.begin_write().await?;
    let result: Result<Authenticated, Refusal> =
        match (login::settle_password(&mut tx, check).await?, code) {
            (Err(refusal), _) => Err(refusal.into()),
            (Ok(_), Some(Err(refusal))) => Err(refusal.into()),
            (Ok(user), code) => Ok(Authenticated {
                user_id: user.id,
                serial: identified.certificate.serial.clone(),
                needs_otp: user.otp_secret.is_some(),
                code_id: code.and_then(Result::ok).flatten(),
            }),
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
    let now = state.clock.now();
    let entry = entry(now, &identified.user, AuditAction::CertificateRenew, client);
    // Authenticated while valid, expired since: the code is asked now.
    if needs_code(state, &identified) && authenticated.code_id.is_none() {
        let refusal = IssueRefusal::CodeRequired;
        record_entry(state, entry.refused(refusal)).await?;
        return Err(Failure::Refused(refusal.into()));
    }
    let user = identified.user;
    let method = match issuance::key_method(state, &user, input, &entry).await {
        Ok(method) => method,
        Err(Failure::Refused(refusal)) => return Err(Failure::Refused(refusal.into())),
        Err(Failure::Error(err)) => return Err(Failure::Error(err)),
    };
    let prepared = issuance::prepare_off_runtime(state, &user, method, now).await?;
    let mut tx = state.db.begin_write().await?;
    if let Some(code_id) = authenticated.code_id {
        if !issuance_codes::consume(&mut tx, code_id, user.id, now).await? {
            // Used meanwhile (another tab), or voided by a 失効.
            tx.rollback().await?;
            let refusal = IssueRefusal::CodeInvalid;
            record_entry(state, entry.refused(refusal)).await?;
            return Err(Failure::Refused(refusal.into()));
        }
    }
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
    let used = if authenticated.code_id.is_some() {
        " 発行用コード使用"
    } else {
        ""
    };
    let done = entry.target(format!(
        "{} ({} → {}) 旧証明書の失効理由: {}{used}",
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
