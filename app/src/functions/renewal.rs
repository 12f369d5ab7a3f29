//! 更新's first step (CCHK002): the certificate the browser presented, and
//! its owner's ログインパスワード. The later steps are `certificate_flow`'s.

use crate::error::AppError;
use crate::payloads::renewal::RenewalStart;
use leptos::prelude::*;

/// The logged-in user, if the request has a live session (更新 from ホーム):
/// then only their own certificate may be renewed here.
#[cfg(feature = "ssr")]
async fn session_user() -> Option<i64> {
    crate::request::current_user().await.ok().map(|c| c.user.id)
}

#[server(prefix = "/api", endpoint = "renewal_start")]
pub async fn load_renewal_start() -> Result<RenewalStart, AppError> {
    use crate::payloads::renewal::PresentedCertificate;
    use crate::request;
    use crate::use_cases::renewal;
    let state = request::state()?;
    let presented = request::presented_certificate();
    let der = presented.as_ref().map(|p| p.0.as_slice());
    let found = renewal::presented_certificate(&state, der, session_user().await).await?;
    Ok(RenewalStart {
        presented: found.map(|i| PresentedCertificate {
            needs_code: renewal::needs_code(&state, &i),
            login_id: i.user.login_id,
            name: i.user.name,
            common_name: i.common_name,
            serial: i.certificate.serial,
            not_after: i.certificate.not_after,
        }),
        https_url: state.config.renewal_url(),
    })
}

#[server(prefix = "/api", endpoint = "renewal_authenticate")]
pub async fn authenticate_for_renewal(
    password: String,
    /// 発行用コード: only asked for an expired certificate (`needs_code`).
    #[server(default)]
    issuance_code: Option<String>,
) -> Result<(), AppError> {
    use super::certificate_flow::{begin, next_step};
    use crate::domain::secret::Password;
    use crate::payloads::certificate_flow::Flow;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{renewal, Failure};

    let state = request::state()?;
    let session = request::session().await?;
    let presented = request::presented_certificate();
    let der = presented.as_ref().map(|p| p.0.as_slice());
    let password = Password::new(password);
    let client = request::client_info();
    let code = issuance_code.unwrap_or_default();
    let user = session_user().await;
    match renewal::authenticate(&state, der, user, &password, &code, &client).await {
        Ok(auth) => {
            begin(
                &session,
                Flow::Renewal,
                auth.user_id,
                Some(auth.serial),
                auth.needs_otp,
                auth.code_id,
            )
            .await?;
            leptos_axum::redirect(next_step(Flow::Renewal, auth.needs_otp));
        }
        Err(Failure::Refused(refusal)) => {
            // A wrong password reads like every other failed check.
            let code = refusal.on_screen().code();
            leptos_axum::redirect(&routes::with_error(routes::RENEWAL_AUTH, code))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}
