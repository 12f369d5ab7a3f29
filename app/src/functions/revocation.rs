//! 証明書失効: the list, the confirmation, 実行 and the result.

use crate::error::AppError;
use crate::models::{RevocationCandidate, RevocationConfirmation, RevocationResult, Viewer};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CandidateList {
    pub viewer: Viewer,
    pub candidates: Vec<RevocationCandidate>,
}

/// What the confirmation screen shows: the target, or why it cannot be shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmationPage {
    pub viewer: Viewer,
    pub releaser: String,
    pub confirmation: Result<RevocationConfirmation, crate::models::RevokeRefusal>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResultPage {
    pub viewer: Viewer,
    pub result: RevocationResult,
}

#[server(prefix = "/api", endpoint = "revocation_candidates")]
pub async fn load_revocation_candidates() -> Result<CandidateList, AppError> {
    use crate::server::{context, revocation};
    let current = context::current_administrator().await?;
    let state = context::state()?;
    Ok(CandidateList {
        viewer: super::pages::viewer_of(&current.user),
        candidates: revocation::candidates(&state, &current.user).await?,
    })
}

#[server(prefix = "/api", endpoint = "revocation_confirmation")]
pub async fn load_revocation_confirmation(login_id: String) -> Result<ConfirmationPage, AppError> {
    use crate::server::context;
    use crate::server::revocation::{self, RevokeError};
    let current = context::current_administrator().await?;
    let state = context::state()?;
    let confirmation =
        match revocation::confirmation(&state, &current.user, &login_id, &context::client_info())
            .await
        {
            Ok(c) => Ok(c),
            Err(RevokeError::Refused(refusal)) => Err(refusal),
            Err(RevokeError::App(err)) => return Err(err),
        };
    Ok(ConfirmationPage {
        viewer: super::pages::viewer_of(&current.user),
        releaser: current.user.role.password_releaser().to_owned(),
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
) -> Result<(), AppError> {
    use super::encode_query_value as q;
    use crate::models::RevokeRefusal;
    use crate::server::context;
    use crate::server::password::Password;
    use crate::server::revocation::{self, RevokeError};

    let current = context::current_administrator().await?;
    let state = context::state()?;
    let password = Password::new(confirmation_password);
    let session_id = current.session.id().map(|id| id.to_string());
    let outcome = revocation::execute(
        &state,
        &current.user,
        session_id.as_deref(),
        &login_id,
        &serial,
        &password,
        &context::client_info(),
    )
    .await;
    let target = q(&login_id);
    match outcome {
        Ok(()) => leptos_axum::redirect(&format!("/kanri/users/revoke/result?login_id={target}")),
        Err(RevokeError::Refused(refusal)) => {
            let back = match refusal {
                // The shown certificate is gone or the target is unknown: start over.
                RevokeRefusal::NotFound
                | RevokeRefusal::CertificateChanged
                | RevokeRefusal::AlreadyRevoked
                | RevokeRefusal::NotPermitted
                | RevokeRefusal::NotRevocable => "/kanri/users/revoke?".to_owned(),
                _ => format!("/kanri/users/revoke/confirm?login_id={target}&"),
            };
            leptos_axum::redirect(&format!("{back}error={}", refusal.code()));
        }
        Err(RevokeError::App(err)) => return Err(err),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "revocation_result")]
pub async fn load_revocation_result(login_id: String) -> Result<ResultPage, AppError> {
    use crate::server::{context, revocation};
    let current = context::current_administrator().await?;
    let state = context::state()?;
    Ok(ResultPage {
        viewer: super::pages::viewer_of(&current.user),
        result: revocation::result(&state, &current.user, &login_id).await?,
    })
}
