//! ホーム, and the viewer of the 管理 menus.

use crate::error::AppError;
use crate::payloads::home::HomeData;
use crate::payloads::Viewer;
use leptos::prelude::*;

/// ホーム: who is logged in, the previous login and the expiry notice.
#[server(prefix = "/api", endpoint = "home")]
pub async fn load_home() -> Result<HomeData, AppError> {
    use crate::db::users;
    use crate::domain::certificate::days_left;
    use crate::payloads::home::ExpiryNotice;
    use crate::request;

    let current = request::current_user().await?;
    let state = request::state()?;
    let now = state.clock.now();
    let own = users::find_with_certificate(
        state.db.pool(),
        current.user.contract_id,
        &current.user.login_id,
    )
    .await?;
    let expiry_notice = own.and_then(|row| row.certificate).and_then(|cert| {
        let status = cert.status(now);
        status.needs_expiry_notice().then(|| ExpiryNotice {
            status,
            not_after: cert.not_after,
            days_left: days_left(cert.not_after, now),
        })
    });
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
