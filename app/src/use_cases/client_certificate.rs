//! The client certificate a browser presents over TLS (kanri's HTTPS
//! listener, or a trusted proxy's header), checked against kanri's CA and
//! the certificate status database: whose it is, and whether it is that
//! user's current 発行済み certificate. 更新 starts here, and so does the
//! 電子証明書方式 login.

use crate::db::audit_log;
use crate::db::certificates::{self, StoredCertificate};
use crate::db::users::{self, UserRecord};
use crate::domain::audit::{AuditEntry, ClientInfo};
use crate::domain::{
    Actor, AuditAction, CertificateRefusal, CertificateSerial, CertificateState, Timestamp,
};
use crate::error::AppError;
use crate::state::AppState;

/// A presented certificate that is its owner's current one.
#[derive(Debug)]
pub struct Identified {
    pub user: UserRecord,
    pub certificate: StoredCertificate,
    pub common_name: String,
}

/// The state of a kanri certificate, as a refusal unless 発行済み and not
/// on hold.
pub fn refusal_for(stored: &StoredCertificate) -> Option<CertificateRefusal> {
    match stored.state {
        _ if stored.is_held() => Some(CertificateRefusal::Suspended),
        CertificateState::Issued => None,
        CertificateState::Revoked
            if stored.revocation_reason == Some(crate::domain::RevocationReason::Superseded) =>
        {
            Some(CertificateRefusal::Superseded)
        }
        CertificateState::Revoked => Some(CertificateRefusal::Revoked),
        CertificateState::Superseded => Some(CertificateRefusal::Superseded),
    }
}

/// Whose current certificate `der` is, or why it is not usable.
/// `Err(Ok(refusal))`: refused; `Err(Err(_))`: the server failed.
pub async fn identify(
    state: &AppState,
    der: Option<&[u8]>,
) -> Result<Result<Identified, CertificateRefusal>, AppError> {
    identify_with_grace(state, der, 0).await
}

/// [`identify`] for 更新: a certificate `grace_days` past its 有効期限
/// still does (`Config::renewal_grace_days`).
pub async fn identify_with_grace(
    state: &AppState,
    der: Option<&[u8]>,
    grace_days: u16,
) -> Result<Result<Identified, CertificateRefusal>, AppError> {
    let Some(der) = der else {
        return Ok(Err(CertificateRefusal::Missing));
    };
    let now = state.clock.now();
    let verified = state
        .caches
        .signatures
        .verify_with_grace(&state.pki, der, now, grace_days);
    let (serial, common_name) = match verified {
        Ok(v) => (v.serial, v.common_name),
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(certificate) = certificates::find_by_serial(state.db.pool(), &serial).await? else {
        // Signed by our CA but not in the database (an imported CA's older
        // certificates): not one kanri lets in.
        return Ok(Err(CertificateRefusal::NotCurrent));
    };
    if let Some(refusal) = refusal_for(&certificate) {
        return Ok(Err(refusal));
    }
    let user = users::find_by_id(state.db.pool(), certificate.user_id)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Ok(Identified {
        user,
        certificate,
        common_name,
    }))
}

/// 電子証明書方式 at login: the presented certificate must be `user`'s own
/// current one. Returns its serial, to which the session is bound.
pub async fn owned_by(
    state: &AppState,
    user: &UserRecord,
    der: Option<&[u8]>,
) -> Result<Result<CertificateSerial, CertificateRefusal>, AppError> {
    Ok(match identify(state, der).await? {
        Ok(identified) if identified.user.id == user.id => Ok(identified.certificate.serial),
        Ok(_) => Err(CertificateRefusal::OtherUser),
        Err(refusal) => Err(refusal),
    })
}

/// Every request of a 電子証明書方式 session: the connection still presents
/// the certificate the session logged in with, valid, and it is still the
/// user's 発行済み certificate. A refusal (which ends the session) is
/// recorded in 操作履歴.
pub async fn check_session(
    state: &AppState,
    user: &UserRecord,
    bound: Option<&CertificateSerial>,
    der: Option<&[u8]>,
    now: Timestamp,
    client: &ClientInfo,
) -> Result<Result<(), CertificateRefusal>, AppError> {
    let result = session_certificate(state, user, bound, der, now).await?;
    if let Err(refusal) = result {
        let entry = AuditEntry::new(
            now,
            Actor::User(user.login_id.clone()),
            Some(&user.contract_code),
            AuditAction::SessionCertificate,
            client,
        );
        let target = bound.map(|s| s.to_string()).unwrap_or_default();
        audit_log::insert(&state.db, &entry.target(target).refused(refusal)).await?;
        tracing::info!(user = %user.login_id, refusal = refusal.code(), "session ended by its certificate");
    }
    Ok(result)
}

/// [`check_session`]'s check: one comparison with what the user's row
/// already carries; the database is asked again only to say why not.
async fn session_certificate(
    state: &AppState,
    user: &UserRecord,
    bound: Option<&CertificateSerial>,
    der: Option<&[u8]>,
    now: Timestamp,
) -> Result<Result<(), CertificateRefusal>, AppError> {
    let Some(der) = der else {
        return Ok(Err(CertificateRefusal::Missing));
    };
    let presented = match state.caches.signatures.verify(&state.pki, der, now) {
        Ok(v) => v.serial,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if Some(&presented) != bound {
        // Another certificate than the one this session logged in with.
        return Ok(Err(CertificateRefusal::NotCurrent));
    }
    match &user.current_certificate {
        Some((current, _)) if *current == presented => Ok(Ok(())),
        _ => {
            let stored = certificates::find_by_serial(state.db.pool(), &presented).await?;
            Ok(Err(stored
                .as_ref()
                .and_then(refusal_for)
                .unwrap_or(CertificateRefusal::NotCurrent)))
        }
    }
}
