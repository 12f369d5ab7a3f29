//! ワンタイムパスワード (SPEC 7.4): a software token (TOTP, RFC 6238) that a
//! user registers from ホーム and that 取得 and 更新 then ask for. A code
//! works once; six wrong codes in a row stop it; the master user (for
//! others) or the bank releases it.

use super::issuance::entry;
use super::Failure;
use crate::db::users::{self, OtpSecretText, UserRecord};
use crate::db::{audit_log, Tx};
use crate::domain::audit::ClientInfo;
use crate::domain::{AuditAction, LoginId, OtpRefusal, PasswordKind, Timestamp};
use crate::error::AppError;
use crate::state::AppState;
use kanri_pki::{otpauth_uri, qr_svg, verify_totp, TotpSecret};

/// The issuer shown in the user's authenticator app.
const ISSUER: &str = "KANRI";

/// What the registration screen shows: a new secret, as a QR code and as
/// text. The secret travels to the confirmation in the server's session,
/// never in the page's form.
pub struct Enrolment {
    pub secret: OtpSecretText,
    pub qr_svg: String,
}

/// A new secret for `user`, not yet registered.
pub fn new_enrolment(user: &UserRecord) -> Result<Enrolment, AppError> {
    let secret = TotpSecret::generate().map_err(|_| AppError::Internal)?;
    enrolment_of(user, OtpSecretText::new(secret.to_base32().to_string()))
}

/// The registration screen of a secret already drawn (a reload shows the same).
pub fn enrolment_of(user: &UserRecord, secret: OtpSecretText) -> Result<Enrolment, AppError> {
    let parsed = TotpSecret::from_base32(secret.expose()).map_err(|_| AppError::BadInput)?;
    let uri = otpauth_uri(&parsed, ISSUER, user.login_id.as_str());
    let qr_svg = qr_svg(&uri).map_err(|_| AppError::Internal)?;
    Ok(Enrolment { secret, qr_svg })
}

/// The secret's text with a space every four characters, easier to type.
pub fn grouped(secret: &OtpSecretText) -> String {
    secret
        .expose()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The time step a typed code matches for `secret`, ignoring replay.
fn matching_step(secret: &OtpSecretText, code: &str, now: Timestamp) -> Option<u64> {
    let secret = TotpSecret::from_base32(secret.expose()).ok()?;
    verify_totp(&secret, code, now.0, None)
}

/// Registers the secret shown on the registration screen, completed by one
/// right code.
pub async fn register(
    state: &AppState,
    user: &UserRecord,
    secret: &OtpSecretText,
    code: &str,
    client: &ClientInfo,
) -> Result<(), Failure<OtpRefusal>> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let result = if user.otp_secret.is_some() {
        Err(OtpRefusal::AlreadyRegistered)
    } else if code.trim().is_empty() {
        Err(OtpRefusal::Missing)
    } else {
        match matching_step(secret, code, now) {
            Some(step) if users::register_otp(&mut tx, user.id, secret, step as i64).await? => {
                Ok(())
            }
            Some(_) => Err(OtpRefusal::AlreadyRegistered),
            // Not counted: nothing is registered yet to stop.
            None => Err(OtpRefusal::Wrong),
        }
    };
    let entry = entry(now, user, AuditAction::OtpRegister, client).outcome(&result);
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    result.map_err(Failure::Refused)
}

/// Checks a code of `user`'s registered ワンタイムパスワード in `tx`: a
/// stopped one is refused unchecked, a right code is accepted once, a wrong
/// one counts toward the stop. For users without one there is nothing to
/// check.
pub(crate) async fn check_in(
    tx: &mut Tx,
    user: &UserRecord,
    code: &str,
    now: Timestamp,
) -> Result<Result<(), OtpRefusal>, sqlx::Error> {
    let Some(secret) = &user.otp_secret else {
        return Ok(Ok(()));
    };
    if user.otp_stopped {
        return Ok(Err(OtpRefusal::Stopped));
    }
    if code.trim().is_empty() {
        return Ok(Err(OtpRefusal::Missing));
    }
    match matching_step(secret, code, now) {
        Some(step) if users::use_otp_step(tx, user.id, step as i64).await? => Ok(Ok(())),
        Some(_) => Ok(Err(OtpRefusal::Replayed)),
        None => {
            let (_, stopped) =
                users::record_password_failure(tx, user.id, PasswordKind::Otp).await?;
            Ok(Err(if stopped {
                OtpRefusal::NowStopped
            } else {
                OtpRefusal::Wrong
            }))
        }
    }
}

/// The ワンタイムパスワード step of 取得 or 更新 (`action`), recorded in
/// 操作履歴 whatever the outcome.
pub async fn authenticate(
    state: &AppState,
    user_id: i64,
    code: &str,
    action: AuditAction,
    client: &ClientInfo,
) -> Result<(), Failure<OtpRefusal>> {
    let user = users::find_by_id(state.db.pool(), user_id)
        .await?
        .ok_or(AppError::SessionEnded)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let result = check_in(&mut tx, &user, code, now).await?;
    let entry = entry(now, &user, action, client)
        .target("ワンタイムパスワード")
        .outcome(&result);
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    result.map_err(Failure::Refused)
}

/// Releases a stopped ワンタイムパスワード of a user in the master's own
/// contract (the master releases others'; the bank releases the master's).
pub async fn release_by_master(
    state: &AppState,
    master: &UserRecord,
    raw_login_id: &str,
    client: &ClientInfo,
) -> Result<LoginId, AppError> {
    if master.role != crate::domain::Role::Master {
        return Err(AppError::Forbidden);
    }
    let login_id = LoginId::parse(raw_login_id).map_err(|_| AppError::NotFound)?;
    let target = users::find_with_certificate(state.db.pool(), master.contract_id, &login_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.user_id == master.id {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    users::release_password(&mut tx, target.user_id, PasswordKind::Otp).await?;
    let entry = entry(now, master, AuditAction::OtpRelease, client).target(login_id.as_str());
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(login_id)
}

/// The users of the master's contract whose ワンタイムパスワード is stopped.
pub async fn stopped_users(
    state: &AppState,
    master: &UserRecord,
) -> Result<Vec<(LoginId, String)>, AppError> {
    Ok(
        users::otp_stopped_in_contract(state.db.pool(), master.contract_id)
            .await?
            .into_iter()
            .filter(|(id, _)| *id != master.login_id)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_shown_in_groups_of_four() {
        let secret = OtpSecretText::new("JBSWY3DPEHPK3PXPABCD".into());
        assert_eq!(grouped(&secret), "JBSW Y3DP EHPK 3PXP ABCD");
    }
}
