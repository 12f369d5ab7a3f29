//! The certificate authority's changes of state, each written once (in the
//! spirit of smallstep's `Authority.Sign` / `Authority.Revoke`): every entry
//! point — the 失効 screen, the bank's commands, 取得, 更新 — decides who may
//! do what, then calls these, which do the whole sequence in the caller's
//! transaction (the certificate's state, the user's sessions and
//! 発行用コード, the notices), and [`published`] after the commit (the CRL
//! made anew, the mail delivered). The 操作履歴 row stays with the caller,
//! which alone knows how its attempt is named and refused.

use super::{issuance, issuance_codes, mail_notices};
use crate::db::users::UserRecord;
use crate::db::{certificates, sessions, Tx};
use crate::domain::audit::ClientInfo;
use crate::domain::register::IssuedVia;
use crate::domain::suspension::HoldAction;
use crate::domain::{Actor, CertificateSerial, LoginId, RevocationReason, Timestamp};
use crate::error::AppError;
use crate::state::AppState;

/// A revocation, as any entry point asks for it.
pub struct Revocation<'a> {
    pub user_id: i64,
    pub login_id: &'a LoginId,
    pub name: &'a str,
    /// The user's contract logs in by 電子証明書方式: its sessions are then
    /// bound to the certificate and end at their next request, with the
    /// reason, instead of being deleted here.
    pub certificate_login: bool,
    /// The certificate shown to whoever revokes it (compare-and-set).
    pub serial: &'a CertificateSerial,
    pub reason: RevocationReason,
    pub revoked_by: &'a Actor,
    /// How the notice names who revoked it.
    pub revoked_by_name: &'a str,
    /// A session that survives (a master revoking their own certificate).
    pub keep_session: Option<&'a str>,
    /// Tell the user by e-mail (not when the demo sets up a past state).
    pub notify: bool,
    /// 再取得を許可する: a new 発行用コード from `revoked_by`; otherwise the
    /// user's unused codes go with the certificate (a revocation holds).
    pub reobtain: bool,
    pub client: &'a ClientInfo,
}

/// Revokes in `tx`. `false` when the certificate was no longer 発行済み
/// (another revocation or a renewal came first): nothing was written.
pub async fn revoke_in(
    tx: &mut Tx,
    revocation: &Revocation<'_>,
    now: Timestamp,
) -> Result<bool, AppError> {
    let r = revocation;
    let revoked = certificates::revoke_if_issued(
        tx,
        r.user_id,
        r.serial,
        now,
        r.revoked_by.as_str(),
        r.reason,
    )
    .await?;
    if !revoked {
        return Ok(false);
    }
    if !r.certificate_login {
        sessions::delete_for_user(&mut **tx, r.user_id, r.keep_session).await?;
    }
    if r.notify {
        mail_notices::enqueue_revocation_notice(
            tx,
            r.user_id,
            r.name,
            r.login_id,
            r.serial,
            now,
            r.revoked_by_name,
        )
        .await?;
    }
    if r.reobtain {
        issuance_codes::grant_in(tx, r.user_id, r.revoked_by, now, r.client).await?;
    } else {
        crate::db::issuance_codes::void_live(tx, r.user_id, now).await?;
    }
    Ok(true)
}

/// A 一時停止 or 再開, as any entry point asks for it.
pub struct Hold<'a> {
    pub user_id: i64,
    /// The certificate shown to whoever acts (compare-and-set).
    pub serial: &'a CertificateSerial,
    pub action: HoldAction,
    pub by: &'a Actor,
    /// How the notices name who did it.
    pub by_name: &'a str,
    pub client: &'a ClientInfo,
}

/// Holds or releases in `tx`, with the notices to the user and the master
/// user. `false` when the certificate was no longer as shown (another
/// hold, release, revocation or renewal came first): nothing was written.
/// Sessions are left alone: a session of 電子証明書方式 is bound to the
/// certificate and ends at its next request (the user's row then carries
/// no certificate in force); other sessions never depended on it.
pub async fn hold_in(tx: &mut Tx, hold: &Hold<'_>, now: Timestamp) -> Result<bool, AppError> {
    let done = match hold.action {
        HoldAction::Suspend => {
            certificates::hold_if_issued(tx, hold.user_id, hold.serial, now, hold.by.as_str())
                .await?
        }
        HoldAction::Resume => {
            let bank = Actor::BankOperator;
            certificates::release_if_held(tx, hold.user_id, hold.serial, bank.as_str()).await?
        }
    };
    if done {
        let event = mail_notices::Event::Held {
            action: hold.action,
            serial: hold.serial,
            by: hold.by_name,
        };
        mail_notices::enqueue_event_notice(tx, hold.user_id, &event, now, hold.client).await?;
    }
    Ok(done)
}

/// Stores a certificate made for `user` (its `.p12`, if any, waiting for
/// one download when `download`), ending `replacing` as superseded (更新,
/// or an expired one at 取得); queues the notices when `client` is a
/// person's (the bank hands its own over in person). `None`: `replacing`
/// was no longer 発行済み, or the user has one 発行済み already (the
/// schema's rule), or it was put on hold (一時停止) meanwhile: roll back.
/// `Some(token)`: the download's token.
pub async fn sign_in(
    tx: &mut Tx,
    user: &UserRecord,
    prepared: &issuance::Prepared,
    replacing: Option<&CertificateSerial>,
    now: Timestamp,
    client: Option<&ClientInfo>,
    issued_via: IssuedVia,
) -> Result<Option<Option<String>>, AppError> {
    if let Some(old) = replacing {
        let ended =
            certificates::supersede_if_in_force(tx, user.id, old, now, user.login_id.as_str())
                .await?;
        if !ended {
            return Ok(None);
        }
    }
    let Some(token) =
        issuance::store_in(tx, user.id, prepared, now, client.is_some(), issued_via).await?
    else {
        return Ok(None);
    };
    if let Some(client) = client {
        let event = match replacing {
            Some(old) => mail_notices::Event::Renewed {
                old,
                new: &prepared.serial,
            },
            None => mail_notices::Event::Issued {
                serial: &prepared.serial,
            },
        };
        mail_notices::enqueue_event_notice(tx, user.id, &event, now, client).await?;
    }
    Ok(Some(token))
}

/// After a committed change: the CRL is made anew within a second (every
/// instance serves the new one at its next request anyway) and the queued
/// mail goes out.
pub fn published(state: &AppState) {
    super::publication::refresh_soon(state);
    mail_notices::spawn_delivery(state);
}
