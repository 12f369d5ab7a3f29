//! ワンタイムパスワード: registration from ホーム, release by the master user.

use crate::error::AppError;
use crate::payloads::otp::{OtpRegistration, OtpStoppedUsers};
use leptos::prelude::*;

/// The session key of a secret shown for registration, not yet confirmed.
#[cfg(feature = "ssr")]
const ENROLMENT_KEY: &str = "otp_enrolment";

/// ワンタイムパスワード登録: a new secret (kept in the server's session
/// until a code confirms it), drawn as a QR code.
#[server(prefix = "/api", endpoint = "otp_registration")]
pub async fn load_otp_registration() -> Result<OtpRegistration, AppError> {
    use crate::db::users::OtpSecretText;
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
    let kept: Option<String> = current.session.get(ENROLMENT_KEY).await.ok().flatten();
    let enrolment = match kept {
        Some(secret) => otp::enrolment_of(&current.user, OtpSecretText::new(secret))?,
        None => otp::new_enrolment(&current.user)?,
    };
    current
        .session
        .insert(ENROLMENT_KEY, enrolment.secret.expose())
        .await?;
    Ok(OtpRegistration {
        viewer,
        registered: false,
        qr_svg: enrolment.qr_svg,
        secret_text: otp::grouped(&enrolment.secret),
    })
}

#[server(prefix = "/api", endpoint = "otp_register")]
pub async fn register_otp(code: String) -> Result<(), AppError> {
    use crate::db::users::OtpSecretText;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{otp, Failure};
    let current = request::current_user().await?;
    let state = request::state()?;
    let kept: Option<String> = current.session.get(ENROLMENT_KEY).await.ok().flatten();
    let Some(secret) = kept.map(OtpSecretText::new) else {
        // No secret was shown in this session: show one.
        leptos_axum::redirect(routes::OTP_REGISTER);
        return Ok(());
    };
    match otp::register(
        &state,
        &current.user,
        &secret,
        &code,
        &request::client_info(),
    )
    .await
    {
        Ok(()) => {
            current.session.remove_value(ENROLMENT_KEY).await?;
            leptos_axum::redirect(&format!("{}?notice=otp_registered", routes::HOME));
        }
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::with_error(routes::OTP_REGISTER, refusal.code()))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

/// ワンタイムパスワード利用停止解除: the master user's contract's users
/// whose ワンタイムパスワード is stopped.
#[server(prefix = "/api", endpoint = "otp_stopped")]
pub async fn load_otp_stopped() -> Result<OtpStoppedUsers, AppError> {
    use crate::request;
    use crate::use_cases::otp;
    let current = request::current_master().await?;
    let state = request::state()?;
    Ok(OtpStoppedUsers {
        viewer: super::viewer_of(&current.user),
        users: otp::stopped_users(&state, &current.user).await?,
    })
}

#[server(prefix = "/api", endpoint = "otp_release")]
pub async fn release_otp(login_id: String) -> Result<(), AppError> {
    use crate::request;
    use crate::routes;
    use crate::use_cases::otp;
    let current = request::current_master().await?;
    let state = request::state()?;
    let released =
        otp::release_by_master(&state, &current.user, &login_id, &request::client_info()).await?;
    leptos_axum::redirect(&format!(
        "{}?released={}",
        routes::OTP_RELEASE,
        super::encode_query_value(released.as_str())
    ));
    Ok(())
}
