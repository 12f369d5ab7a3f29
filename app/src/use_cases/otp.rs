//! ワンタイムパスワード (SPEC 7.4): a software token (TOTP, RFC 6238) that a
//! user registers from ホーム and that 取得 and 更新 then ask for. A code
//! works once; six wrong codes in a row stop it; the master user (for
//! others) or the bank releases it.

use super::issuance::entry;
use super::{confirmation, login, mail_notices, Failure};
use crate::db::users::{self, UserRecord};
use crate::db::{audit_log, Tx};
use crate::domain::audit::ClientInfo;
use crate::domain::secret::OtpSecretText;
use crate::domain::secret::Password;
use crate::domain::{
    AdminRefusal, AuditAction, LoginId, OtpRefusal, PasswordKind, Refusal, Timestamp, TypedLoginId,
};
use crate::error::AppError;
use crate::infra::throttle::Attempt;
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
/// right code and the user's ログインパスワード again (whoever sits at a
/// logged-in browser must not be able to bind their own token to the
/// account; a wrong password counts toward the login stop).
/// `with_certificate`: the session presented the user's own certificate
/// (電子証明書方式), so the token may stand as 取得's second proof.
pub async fn register(
    state: &AppState,
    user: &UserRecord,
    secret: &OtpSecretText,
    code: &str,
    password: &Password,
    with_certificate: bool,
    client: &ClientInfo,
) -> Result<(), Failure<Refusal>> {
    let check = login::check_password(
        state,
        &TypedLoginId::known(&user.login_id),
        password,
        client,
    )
    .await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let result: Result<(), Refusal> = match login::settle_password(&mut tx, check).await? {
        Err(refusal) => Err(refusal.into()),
        Ok(_) if user.otp_secret.is_some() => Err(OtpRefusal::AlreadyRegistered.into()),
        Ok(_) if code.trim().is_empty() => Err(OtpRefusal::Missing.into()),
        Ok(_) => match matching_step(secret, code, now) {
            Some(step)
                if users::register_otp(&mut tx, user.id, secret, step as i64, with_certificate)
                    .await? =>
            {
                mail_notices::enqueue_event_notice(
                    &mut tx,
                    user.id,
                    &mail_notices::Event::OtpRegistered,
                    now,
                    client,
                )
                .await?;
                Ok(())
            }
            Some(_) => Err(OtpRefusal::AlreadyRegistered.into()),
            // Not counted: nothing is registered yet to stop.
            None => Err(OtpRefusal::Wrong.into()),
        },
    };
    let entry = entry(now, user, AuditAction::OtpRegister, client).outcome(&result);
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    if result.is_ok() {
        mail_notices::spawn_delivery(state);
    }
    result.map_err(Failure::Refused)
}

/// Checks a code of `user`'s registered ワンタイムパスワード in `tx`: a
/// stopped one is refused unchecked, a right code is accepted once, a wrong
/// one counts toward the stop. The stop is read in the transaction and is
/// in both updates' conditions, so codes sent at once cannot get past it.
/// For users without one there is nothing to check.
pub(crate) async fn check_in(
    tx: &mut Tx,
    user: &UserRecord,
    code: &str,
    now: Timestamp,
) -> Result<Result<(), OtpRefusal>, sqlx::Error> {
    let Some(secret) = &user.otp_secret else {
        return Ok(Ok(()));
    };
    if users::is_stopped(tx, user.id, PasswordKind::Otp).await? {
        return Ok(Err(OtpRefusal::Stopped));
    }
    if code.trim().is_empty() {
        return Ok(Err(OtpRefusal::Missing));
    }
    match matching_step(secret, code, now) {
        Some(step) if users::use_otp_step(tx, user.id, step as i64).await? => Ok(Ok(())),
        Some(_) => Ok(Err(OtpRefusal::Replayed)),
        None => Ok(Err(
            match users::record_password_failure(tx, user.id, PasswordKind::Otp).await? {
                None => OtpRefusal::Stopped,
                Some((_, true)) => OtpRefusal::NowStopped,
                Some((_, false)) => OtpRefusal::Wrong,
            },
        )),
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
    let allowed = state
        .throttles
        .allow(
            Attempt::Otp,
            client.ip.as_deref(),
            user.login_id.as_str(),
            now,
        )
        .await?;
    let mut tx = state.db.begin_write().await?;
    let result = if allowed {
        check_in(&mut tx, &user, code, now).await?
    } else {
        Err(OtpRefusal::Throttled)
    };
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
    login_id: &TypedLoginId,
    client: &ClientInfo,
) -> Result<LoginId, AppError> {
    let target = match confirmation::other_user_of(state, master, login_id).await? {
        Ok(target) => target,
        Err(AdminRefusal::NotPermitted) => return Err(AppError::Forbidden),
        Err(_) => return Err(AppError::NotFound),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    users::release_password(&mut tx, target.id, PasswordKind::Otp).await?;
    let entry =
        entry(now, master, AuditAction::OtpRelease, client).target(target.login_id.as_str());
    audit_log::insert_tx(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(target.login_id)
}

/// ワンタイムパスワード登録解除 by the master user for a user of the
/// contract (a lost phone, a token someone else registered), confirmed with
/// the 確認用パスワード; audited and mailed. The user may register anew.
pub async fn reset_by_master(
    state: &AppState,
    master: &UserRecord,
    login_id: &TypedLoginId,
    password: &Password,
    client: &ClientInfo,
) -> Result<LoginId, Failure<AdminRefusal>> {
    let now = state.clock.now();
    let row = entry(now, master, AuditAction::OtpReset, client).target(login_id.typed());
    let verdict = match confirmation::gate(state, master, client, now).await? {
        Err(refusal) => Err(refusal),
        Ok(()) => match confirmation::other_user_of(state, master, login_id).await? {
            Err(refusal) => Err(refusal),
            Ok(target) if target.otp_secret.is_none() => Err(AdminRefusal::NothingToReset),
            Ok(target) => confirmation::verify(state, master, password)
                .await?
                .map(|()| target),
        },
    };
    let mut tx = state.db.begin_write().await?;
    let result = match verdict {
        Ok(target) => {
            confirmation::settle(&mut tx, master, Ok(())).await?.ok();
            let by = format!("{}（{}）", master.name, master.login_id);
            reset_in(&mut tx, &target, &by, now, client).await?
        }
        // A refusal stays one; a wrong password is counted.
        Err(refusal) => Err(confirmation::settle(&mut tx, master, Err(refusal))
            .await?
            .err()
            .unwrap_or(refusal)),
    };
    audit_log::insert_tx(&mut tx, &row.outcome(&result)).await?;
    tx.commit().await?;
    if result.is_ok() {
        mail_notices::spawn_delivery(state);
    }
    result.map_err(Failure::Refused)
}

/// The reset itself, in the caller's transaction, with its mails.
pub(crate) async fn reset_in(
    tx: &mut Tx,
    target: &UserRecord,
    by: &str,
    now: Timestamp,
    client: &ClientInfo,
) -> Result<Result<LoginId, AdminRefusal>, sqlx::Error> {
    if !users::reset_otp(tx, target.id).await? {
        return Ok(Err(AdminRefusal::NothingToReset));
    }
    let event = mail_notices::Event::OtpReset { by };
    mail_notices::enqueue_event_notice(tx, target.id, &event, now, client).await?;
    Ok(Ok(target.login_id.clone()))
}

/// The users of the master's contract who registered a ワンタイムパスワード
/// (with whether it is stopped), the master excluded.
pub async fn holders(
    state: &AppState,
    master: &UserRecord,
) -> Result<Vec<(LoginId, String, bool)>, AppError> {
    Ok(
        users::otp_holders_in_contract(state.db.pool(), master.contract_id)
            .await?
            .into_iter()
            .filter(|(id, _, _)| *id != master.login_id)
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
