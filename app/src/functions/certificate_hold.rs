//! 証明書一時停止・再開: the list, the confirmation, 実行 and the result.

use crate::error::AppError;
use crate::payloads::certificate_hold::{HoldConfirmationPage, HoldList, HoldResultPage};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "hold_candidates")]
pub async fn load_hold_candidates() -> Result<HoldList, AppError> {
    use crate::request;
    use crate::use_cases::suspension;
    let current = request::current_administrator().await?;
    let state = request::state()?;
    Ok(HoldList {
        viewer: super::viewer_of(&current.user),
        candidates: suspension::candidates(&state, &current.user).await?,
    })
}

/// `action` is the button pressed on the list (`suspend` or `resume`).
#[server(prefix = "/api", endpoint = "hold_confirmation")]
pub async fn load_hold_confirmation(
    login_id: String,
    action: String,
) -> Result<HoldConfirmationPage, AppError> {
    use crate::domain::suspension::HoldAction;
    use crate::request;
    use crate::use_cases::{suspension, Failure};
    let current = request::current_administrator().await?;
    let state = request::state()?;
    let client = request::client_info();
    // Not one of the two buttons: nothing to confirm, like no selection.
    let confirmation = match HoldAction::from_code(&action) {
        None => Err(crate::domain::RevokeRefusal::NotSelected),
        Some(action) => {
            let login_id = crate::domain::TypedLoginId::new(&login_id);
            match suspension::confirmation(&state, &current.user, action, &login_id, &client).await
            {
                Ok(c) => Ok(c),
                Err(Failure::Refused(refusal)) => Err(refusal),
                Err(Failure::Error(err)) => return Err(err),
            }
        }
    };
    Ok(HoldConfirmationPage {
        viewer: super::viewer_of(&current.user),
        confirmation,
    })
}

/// 実行. Redirects to the result on success, back to the confirmation (or
/// the list, when starting over is needed) otherwise.
#[server(prefix = "/api", endpoint = "hold_certificate")]
pub async fn hold_certificate(
    login_id: String,
    serial: String,
    action: String,
    confirmation_password: String,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::domain::suspension::HoldAction;
    use crate::domain::RevokeRefusal;
    use crate::request;
    use crate::routes;
    use crate::use_cases::suspension::{self, HoldRequest};
    use crate::use_cases::Failure;

    let current = request::current_administrator().await?;
    let state = request::state()?;
    let Some(action) = HoldAction::from_code(&action) else {
        leptos_axum::redirect(&routes::hold_list_with(RevokeRefusal::NotSelected));
        return Ok(());
    };
    let password = Password::new(confirmation_password);
    let client = request::client_info();
    let request = HoldRequest {
        action,
        login_id: &crate::domain::TypedLoginId::new(&login_id),
        shown: crate::domain::CertificateSerial::parse(&serial).ok(),
        password: &password,
        client: &client,
    };
    match suspension::execute(&state, &current.user, &request).await {
        Ok(login_id) => leptos_axum::redirect(&routes::hold_result(&login_id, action)),
        Err(Failure::Refused(refusal)) if refusal.starts_over() => {
            leptos_axum::redirect(&routes::hold_list_with(refusal))
        }
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::hold_confirm(&login_id, action, Some(refusal)))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "hold_result")]
pub async fn load_hold_result(login_id: String) -> Result<HoldResultPage, AppError> {
    use crate::request;
    use crate::use_cases::suspension;
    let current = request::current_administrator().await?;
    let state = request::state()?;
    let login_id = crate::domain::TypedLoginId::new(&login_id);
    Ok(HoldResultPage {
        viewer: super::viewer_of(&current.user),
        result: suspension::result(&state, &current.user, &login_id).await?,
    })
}
