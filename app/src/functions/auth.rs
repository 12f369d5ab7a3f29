//! ログイン and ログアウト.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(login_id: String, password: String) -> Result<(), AppError> {
    use crate::domain::secret::Password;
    use crate::domain::session::{SessionAuth, AUTH_KEY};
    use crate::payloads::login::LoginNotice;
    use crate::request;
    use crate::routes;
    use crate::use_cases::{login, Failure};

    let state = request::state()?;
    let session = request::session().await?;
    let password = Password::new(password);
    let presented = request::presented_certificate();
    let der = presented.as_ref().map(|p| p.0.as_slice());
    let login_id = crate::domain::TypedLoginId::new(&login_id);
    match login::login(&state, &login_id, &password, der, &request::client_info()).await {
        Ok(logged_in) => {
            // A new session ID at every login (no session fixation), and
            // nothing left of whoever used this browser before (a
            // half-finished ワンタイムパスワード registration, a 取得 in progress).
            session.clear().await;
            session.cycle_id().await?;
            let now = state.clock.now();
            let auth = SessionAuth {
                user_id: logged_in.user.id,
                authenticated_at: now,
                previous_login_at: logged_in.previous_login_at,
                last_seen: now,
                certificate_serial: logged_in.certificate_serial,
            };
            session.insert(AUTH_KEY, auth).await?;
            leptos_axum::redirect(routes::HOME);
        }
        Err(Failure::Refused(refusal)) => {
            // Only a refusal after the right password is about a certificate;
            // the advice depends on whether the user is the master.
            let master = match refusal {
                crate::domain::Refusal::Certificate(_) => match login_id.login_id() {
                    Some(id) => login::is_master(&state, id).await?,
                    None => false,
                },
                _ => false,
            };
            let notice = LoginNotice::for_login_refusal(refusal, master);
            leptos_axum::redirect(&routes::login_with(notice))
        }
        Err(Failure::Error(err)) => return Err(err),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::payloads::login::LoginNotice;
    use crate::request;
    use crate::routes;
    use crate::use_cases::login;

    let state = request::state()?;
    if let Ok(current) = request::current_user().await {
        login::record_logout(&state, &current.user, &request::client_info()).await?;
    }
    // Deletes the record on the server and expires the cookie, whatever the
    // session held (also a registration or a 取得 left half-done).
    let session = request::session().await?;
    if session.id().is_some() {
        session.flush().await?;
    }
    leptos_axum::redirect(&routes::login_with(LoginNotice::LoggedOut));
    Ok(())
}
