//! 証明書失効: the list, the confirmation, 実行 and the result.

use crate::error::AppError;
use crate::payloads::revoke_confirm::ConfirmationPage;
use crate::payloads::revoke_list::CandidateList;
use crate::payloads::revoke_result::ResultPage;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "revocation_candidates")]
pub async fn load_revocation_candidates() -> Result<CandidateList, AppError> {
    use crate::request;
    use crate::use_cases::revocation;
    let current = request::current_administrator().await?;
    let state = request::state()?;
    Ok(CandidateList {
        viewer: super::viewer_of(&current.user),
        candidates: revocation::candidates(&state, &current.user).await?,
    })
}

#[server(prefix = "/api", endpoint = "revocation_confirmation")]
pub async fn load_revocation_confirmation(login_id: String) -> Result<ConfirmationPage, AppError> {
    use crate::request;
    use crate::use_cases::{revocation, Failure};
    let current = request::current_administrator().await?;
    let state = request::state()?;
    let client = request::client_info();
    let confirmation = match revocation::confirmation(
        &state,
        &current.user,
        &crate::domain::TypedLoginId::new(&login_id),
        &client,
    )
    .await
    {
        Ok(c) => Ok(c),
        Err(Failure::Refused(refusal)) => Err(refusal),
        Err(Failure::Error(err)) => return Err(err),
    };
    Ok(ConfirmationPage {
        viewer: super::viewer_of(&current.user),
        confirmation,
    })
}

/// 実行. Redirects to the result screen on success, back to the
/// confirmation screen (or the list, when starting over is needed) otherwise.
#[server(prefix = "/api", endpoint = "revoke_certificate")]
pub async fn revoke_certificate(
    login_id: String,
    serial: String,
    confirmation_password: String,
    /// 再取得を許可する (a checkbox: present when ticked).
    #[server(default)]
    reobtain: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::request;
    use crate::routes;
    use crate::use_cases::revocation::{self, ExecuteRequest};
    use crate::use_cases::Failure;

    let current = request::current_administrator().await?;
    let state = request::state()?;
    let password = Password::new(confirmation_password);
    let client = request::client_info();
    let session_id = current.session.id().map(|id| id.to_string());
    let request = ExecuteRequest {
        login_id: &crate::domain::TypedLoginId::new(&login_id),
        shown: crate::domain::CertificateSerial::parse(&serial).ok(),
        password: &password,
        keep_session: session_id.as_deref(),
        allow_reobtain: reobtain.is_some(),
        client: &client,
    };
    match revocation::execute(&state, &current.user, &request, &client).await {
        Ok(revoked) => leptos_axum::redirect(&routes::revoke_result(
            &revoked.login_id,
            revoked.reobtain_granted,
        )),
        Err(Failure::Refused(refusal)) if refusal.starts_over() => {
            leptos_axum::redirect(&routes::revoke_list_with(refusal))
        }
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::revoke_confirm(&login_id, Some(refusal)))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "revocation_result")]
pub async fn load_revocation_result(login_id: String) -> Result<ResultPage, AppError> {
    use crate::request;
    use crate::use_cases::revocation;
    let current = request::current_administrator().await?;
    let state = request::state()?;
    let result = revocation::result(
        &state,
        &current.user,
        &crate::domain::TypedLoginId::new(&login_id),
    )
    .await?;
    Ok(ResultPage {
        viewer: super::viewer_of(&current.user),
        result,
    })
}
