//! 発行用コード発行 (SPEC 9.1): the master user grants a user of the
//! contract a one-time code for 取得, confirmed with the 確認用パスワード.
//! The code is shown once on the result screen (it waits in the server's
//! session until that screen takes it) and mailed to the user.

use crate::error::AppError;
use crate::payloads::issuance_code::{CodeGrantForm, CodeGrantResult};
use leptos::prelude::*;

/// The session key of a code granted and not yet shown.
#[cfg(feature = "ssr")]
const GRANTED_KEY: &str = "issuance_code_granted";

#[server(prefix = "/api", endpoint = "code_grant_form")]
pub async fn load_code_grant() -> Result<CodeGrantForm, AppError> {
    use crate::request;
    use crate::use_cases::issuance_codes;
    let current = request::current_master().await?;
    let state = request::state()?;
    Ok(CodeGrantForm {
        viewer: super::viewer_of(&current.user),
        users: issuance_codes::grantable(&state, &current.user).await?,
    })
}

#[server(prefix = "/api", endpoint = "code_grant")]
pub async fn grant_issuance_code(
    #[server(default)] login_id: String,
    confirmation_password: String,
) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::payloads::issuance_code::GrantedCode;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{issuance_codes, Failure};
    let current = request::current_master().await?;
    let state = request::state()?;
    let password = Password::new(confirmation_password);
    let client = request::client_info();
    match issuance_codes::grant_by_master(
        &state,
        &current.user,
        &crate::domain::TypedLoginId::new(&login_id),
        &password,
        &client,
    )
    .await
    {
        Ok(granted) => {
            let shown = GrantedCode {
                login_id: granted.login_id,
                name: granted.name,
                code: granted.code.display(),
                expires_at: granted.expires_at.jst(),
            };
            current.session.insert(GRANTED_KEY, shown).await?;
            leptos_axum::redirect(routes::CODE_GRANTED);
        }
        Err(Failure::Refused(refusal)) => {
            leptos_axum::redirect(&routes::with_error(routes::CODE_GRANT, refusal.code()))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

/// The result screen takes the code out of the session: a reload shows
/// that it was shown already.
#[server(prefix = "/api", endpoint = "code_granted")]
pub async fn load_code_granted() -> Result<CodeGrantResult, AppError> {
    use crate::request;
    let current = request::current_master().await?;
    let granted = current.session.remove(GRANTED_KEY).await.ok().flatten();
    Ok(CodeGrantResult {
        viewer: super::viewer_of(&current.user),
        granted,
    })
}
