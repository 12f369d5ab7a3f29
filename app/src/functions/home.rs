//! ホーム, and the viewer of the 管理 menus.

use crate::error::AppError;
use crate::payloads::home::HomeData;
use crate::payloads::Viewer;
use leptos::prelude::*;

/// ホーム: who is logged in, the previous login and the expiry notice.
#[server(prefix = "/api", endpoint = "home")]
pub async fn load_home() -> Result<HomeData, AppError> {
    use crate::request;
    use crate::use_cases::certificate_status;

    let current = request::current_user().await?;
    let state = request::state()?;
    let expiry_notice = certificate_status::expiry_notice(&state, &current.user).await?;
    Ok(HomeData {
        viewer: super::viewer_of(&current.user),
        previous_login: current.auth.previous_login_at,
        expiry_notice,
        otp_registered: current.user.otp_secret.is_some(),
        renewal_url: state.config.renewal_url(),
    })
}

/// The viewer of a 管理 screen: refused unless master or admin.
#[server(prefix = "/api", endpoint = "administrator")]
pub async fn load_administrator() -> Result<Viewer, AppError> {
    let current = crate::request::current_administrator().await?;
    Ok(super::viewer_of(&current.user))
}
