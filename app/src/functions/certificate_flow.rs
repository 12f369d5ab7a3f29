//! The steps 取得 and 更新 share: 証明書取得認証 (取得's first step), the
//! ワンタイムパスワード, the screens' data and the result. The key-method
//! form itself posts to a plain handler of the server (a CSR may be a file:
//! multipart), `server::certificate_forms`.

use crate::domain::IssueRefusal;
use crate::error::AppError;
use crate::payloads::certificate_flow::{Flow, IssuedCertificate, StepPage};
use leptos::prelude::*;

/// The first screen of each flow, where a stale or missing step starts over.
pub fn start_of(flow: Flow) -> &'static str {
    match flow {
        Flow::Issuance => crate::routes::ISSUANCE_AUTH,
        Flow::Renewal => crate::routes::RENEWAL_AUTH,
    }
}

/// 証明書取得認証 (取得 手順5): ログインID, ログインパスワード and, where
/// SPEC 9.1 needs one, the 発行用コード.
#[server(prefix = "/api", endpoint = "issuance_authenticate")]
pub async fn authenticate_for_issuance(
    login_id: String,
    password: String,
    #[server(default)] issuance_code: String,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{issuance, Failure};

    let state = request::state()?;
    let session = request::session().await?;
    let password = Password::new(password);
    let client = request::client_info();
    match issuance::authenticate(
        &state,
        &crate::domain::TypedLoginId::new(&login_id),
        &password,
        &issuance_code,
        &client,
    )
    .await
    {
        Ok(authenticated) => {
            begin(
                &session,
                Flow::Issuance,
                authenticated.user_id,
                None,
                authenticated.needs_otp,
                authenticated.code_id,
            )
            .await?;
            leptos_axum::redirect(next_step(Flow::Issuance, authenticated.needs_otp));
        }
        Err(Failure::Refused(refusal)) => {
            // An unknown ID and a wrong password read the same (no one
            // learns which IDs exist).
            let code = refusal.on_screen().code();
            leptos_axum::redirect(&routes::with_error(routes::ISSUANCE_AUTH, code))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

/// After the password: the ワンタイムパスワード when registered, else the key method.
#[cfg(feature = "ssr")]
pub(crate) fn next_step(flow: Flow, needs_otp: bool) -> &'static str {
    use crate::routes;
    match (flow, needs_otp) {
        (Flow::Issuance, true) => routes::ISSUANCE_OTP,
        (Flow::Issuance, false) => routes::ISSUANCE_METHOD,
        (Flow::Renewal, true) => routes::RENEWAL_OTP,
        (Flow::Renewal, false) => routes::RENEWAL_METHOD,
    }
}

/// Starts a flow in the session, with a new session ID (the user just
/// proved who they are).
#[cfg(feature = "ssr")]
pub(crate) async fn begin(
    session: &tower_sessions::Session,
    flow: Flow,
    user_id: i64,
    renewing: Option<crate::domain::CertificateSerial>,
    needs_otp: bool,
    code_id: Option<i64>,
) -> Result<(), AppError> {
    use crate::request::{self, PendingCertificate, CERTIFICATE_FLOW_KEY};
    session.cycle_id().await?;
    let pending = PendingCertificate {
        flow,
        user_id,
        renewing,
        authenticated_at: request::state()?.clock.now(),
        otp_passed: !needs_otp,
        code_id,
        issued: None,
    };
    session.insert(CERTIFICATE_FLOW_KEY, pending).await?;
    Ok(())
}

/// The ワンタイムパスワード and key-method screens: who is getting a
/// certificate, or `NotAuthenticated` when the flow's authentication is
/// missing or over 10 minutes old.
#[server(prefix = "/api", endpoint = "certificate_step")]
pub async fn load_certificate_step(
    flow: Flow,
    otp_step: bool,
) -> Result<Result<StepPage, IssueRefusal>, AppError> {
    use crate::request;
    use crate::use_cases::issuance;
    let state = request::state()?;
    let session = request::session().await?;
    let now = state.clock.now();
    let usable = request::pending_certificate(&session).await?.filter(|p| {
        p.flow == flow && p.issued.is_none() && p.is_fresh(now) && (otp_step != p.otp_passed)
    });
    let Some(pending) = usable else {
        return Ok(Err(IssueRefusal::NotAuthenticated));
    };
    let user = issuance::pending_user(&state, pending.user_id).await?;
    Ok(Ok(StepPage {
        flow,
        login_id: user.login_id,
        name: user.name,
    }))
}

/// ワンタイムパスワード認証 (CCHK003 in 更新): a right code moves on to the
/// key method; a wrong one counts toward the stop.
#[server(prefix = "/api", endpoint = "certificate_otp")]
pub async fn certificate_otp(flow: Flow, code: String) -> Result<(), AppError> {
    use crate::domain::AuditAction;
    use crate::request::{self, CERTIFICATE_FLOW_KEY};
    use crate::routes;
    use crate::use_cases::{otp, Failure};

    let state = request::state()?;
    let session = request::session().await?;
    let now = state.clock.now();
    let pending = request::pending_certificate(&session)
        .await?
        .filter(|p| p.flow == flow && !p.otp_passed && p.is_fresh(now));
    let Some(mut pending) = pending else {
        let code = IssueRefusal::NotAuthenticated.code();
        leptos_axum::redirect(&routes::with_error(start_of(flow), code));
        return Ok(());
    };
    let action = match flow {
        Flow::Issuance => AuditAction::IssuanceAuth,
        Flow::Renewal => AuditAction::RenewalAuth,
    };
    let here = next_step(flow, true);
    match otp::authenticate(
        &state,
        pending.user_id,
        &code,
        action,
        &request::client_info(),
    )
    .await
    {
        Ok(()) => {
            pending.otp_passed = true;
            session.insert(CERTIFICATE_FLOW_KEY, pending).await?;
            leptos_axum::redirect(next_step(flow, false));
        }
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::with_error(here, refusal.code()))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

/// 証明書発行結果 / CCHK007: what was issued in this session.
#[server(prefix = "/api", endpoint = "certificate_result")]
pub async fn load_certificate_result(
    flow: Flow,
) -> Result<Result<IssuedCertificate, IssueRefusal>, AppError> {
    use crate::request;
    let session = request::session().await?;
    let now = request::state()?.clock.now();
    // Within the flow's 10 minutes: a shared PC's next user does not find it.
    let issued = request::pending_certificate(&session)
        .await?
        .filter(|p| p.flow == flow && p.is_fresh(now))
        .and_then(|p| p.issued);
    Ok(issued
        .map(|i| i.certificate)
        .ok_or(IssueRefusal::NotAuthenticated))
}
