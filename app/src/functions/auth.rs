//! ログイン and ログアウト.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(login_id: String, password: String) -> Result<(), AppError> {
    use crate::domain::Timestamp;
    use crate::models::LoginNotice;
    use crate::server::auth::{self, LoginOutcome};
    use crate::server::context::{self, SessionAuth};
    use crate::server::password::Password;
    use crate::server::session_store::AUTH_KEY;

    let state = context::state()?;
    let session = context::session().await?;
    let client = context::client_info();
    let password = Password::new(password);
    match auth::login(&state, &login_id, &password, &client).await? {
        LoginOutcome::Success {
            user,
            previous_login_at,
        } => {
            // A new session ID at every login (no session fixation).
            session.cycle_id().await?;
            let now = Timestamp::now();
            let auth = SessionAuth {
                user_id: user.id,
                authenticated_at: now,
                previous_login_at,
                last_seen: now,
            };
            session.insert(AUTH_KEY, auth).await?;
            leptos_axum::redirect("/");
        }
        LoginOutcome::Invalid => {
            leptos_axum::redirect(&format!("/login?notice={}", LoginNotice::Invalid.code()))
        }
        LoginOutcome::Stopped => {
            leptos_axum::redirect(&format!("/login?notice={}", LoginNotice::Stopped.code()))
        }
        LoginOutcome::Throttled => {
            leptos_axum::redirect(&format!("/login?notice={}", LoginNotice::Throttled.code()))
        }
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::models::LoginNotice;
    use crate::server::{auth, context};

    let state = context::state()?;
    if let Ok(current) = context::current_user().await {
        auth::record_logout(&state, &current.user, &context::client_info()).await?;
        // Deletes the record on the server and expires the cookie.
        current.session.flush().await?;
    }
    leptos_axum::redirect(&format!("/login?notice={}", LoginNotice::LoggedOut.code()));
    Ok(())
}
