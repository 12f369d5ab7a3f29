//! ワンタイムパスワード: registration from ホーム, release and reset by the
//! master user.

use crate::error::AppError;
use crate::payloads::otp::{OtpHolders, OtpRegistration};
use leptos::prelude::*;

/// The session key of a secret shown for registration, not yet confirmed:
/// kept with the user it was drawn for, so that it is never anyone
/// else's (login and logout also clear the session's data).
#[cfg(feature = "ssr")]
const ENROLMENT_KEY: &str = "otp_enrolment";

/// The secret waiting in the session, if it was drawn for `user_id`.
#[cfg(feature = "ssr")]
async fn kept_secret(
    session: &tower_sessions::Session,
    user_id: i64,
) -> Option<crate::domain::secret::OtpSecretText> {
    let kept: Option<(i64, String)> = session.get(ENROLMENT_KEY).await.ok().flatten();
    kept.filter(|(owner, _)| *owner == user_id)
        .map(|(_, secret)| crate::domain::secret::OtpSecretText::new(secret))
}

/// ワンタイムパスワード登録: a new secret (kept in the server's session
/// until a code confirms it), drawn as a QR code.
#[server(prefix = "/api", endpoint = "otp_registration")]
pub async fn load_otp_registration() -> Result<OtpRegistration, AppError> {
    use crate::request;
    use crate::use_cases::otp;
    let current = request::current_user().await?;
    let viewer = super::viewer_of(&current.user);
    if current.user.otp_secret.is_some() {
        return Ok(OtpRegistration {
            viewer,
            registered: true,
            qr_svg: String::new(),
            secret_text: String::new(),
        });
    }
    // A reload shows the same secret until it is confirmed.
    let enrolment = match kept_secret(&current.session, current.user.id).await {
        Some(secret) => otp::enrolment_of(&current.user, secret)?,
        None => otp::new_enrolment(&current.user)?,
    };
    let kept = (current.user.id, enrolment.secret.expose().to_owned());
    current.session.insert(ENROLMENT_KEY, kept).await?;
    Ok(OtpRegistration {
        viewer,
        registered: false,
        qr_svg: enrolment.qr_svg,
        secret_text: otp::grouped(&enrolment.secret),
    })
}

/// 登録: one right code of the new token and the ログインパスワード again.
#[server(prefix = "/api", endpoint = "otp_register")]
pub async fn register_otp(
    code: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{otp, Failure};
    let current = request::current_user().await?;
    let state = request::state()?;
    let password = Password::new(password);
    let Some(secret) = kept_secret(&current.session, current.user.id).await else {
        // No secret was shown in this session: show one.
        leptos_axum::redirect(routes::OTP_REGISTER);
        return Ok(());
    };
    match otp::register(
        &state,
        &current.user,
        &secret,
        &code,
        &password,
        // Checked against the user's current certificate on this very request.
        current.auth.certificate_serial.is_some(),
        &request::client_info(),
    )
    .await
    {
        Ok(()) => {
            current.session.remove_value(ENROLMENT_KEY).await?;
            leptos_axum::redirect(&format!("{}?notice=otp_registered", routes::HOME));
        }
        Err(Failure::Refused(refusal)) => {
            let code = refusal.on_screen().code();
            leptos_axum::redirect(&routes::with_error(routes::OTP_REGISTER, code))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

/// ワンタイムパスワード管理: the master user's contract's users who
/// registered a ワンタイムパスワード.
#[server(prefix = "/api", endpoint = "otp_holders")]
pub async fn load_otp_holders() -> Result<OtpHolders, AppError> {
    use crate::request;
    use crate::use_cases::otp;
    let current = request::current_master().await?;
    let state = request::state()?;
    Ok(OtpHolders {
        viewer: super::viewer_of(&current.user),
        users: otp::holders(&state, &current.user).await?,
    })
}

/// 登録解除: the master user removes a user's ワンタイムパスワード,
/// confirmed with the 確認用パスワード.
#[server(prefix = "/api", endpoint = "otp_reset")]
pub async fn reset_otp(
    #[server(default)] login_id: String,
    confirmation_password: String,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{otp, Failure};
    let current = request::current_master().await?;
    let state = request::state()?;
    let password = Password::new(confirmation_password);
    let client = request::client_info();
    match otp::reset_by_master(
        &state,
        &current.user,
        &crate::domain::TypedLoginId::new(&login_id),
        &password,
        &client,
    )
    .await
    {
        Ok(reset) => leptos_axum::redirect(&routes::otp_release_done("reset", &reset)),
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::with_error(routes::OTP_RELEASE, refusal.code()))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "otp_release")]
pub async fn release_otp(login_id: String) -> Result<(), AppError> {
    use crate::request;
    use crate::routes;
    use crate::use_cases::otp;
    let current = request::current_master().await?;
    let state = request::state()?;
    let released = otp::release_by_master(
        &state,
        &current.user,
        &crate::domain::TypedLoginId::new(&login_id),
        &request::client_info(),
    )
    .await?;
    leptos_axum::redirect(&routes::otp_release_done("released", &released));
    Ok(())
}
