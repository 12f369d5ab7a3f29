//! Data for the screens that only show things.

use crate::error::AppError;
use crate::models::{HomeData, Viewer};
use leptos::prelude::*;

/// The viewer as the layout shows them; the contract's name comes with the
/// user's own row, so this costs no query.
#[cfg(feature = "ssr")]
pub(crate) fn viewer_of(user: &crate::server::db::users::UserRecord) -> Viewer {
    Viewer {
        login_id: user.login_id.to_string(),
        name: user.name.clone(),
        role_label: user.role.label().to_owned(),
        may_administer: user.role.may_administer(),
        contract_name: user.contract_name.clone(),
    }
}

/// ホーム: who is logged in, the previous login and the expiry notice.
#[server(prefix = "/api", endpoint = "home")]
pub async fn load_home() -> Result<HomeData, AppError> {
    use crate::domain::certificate::days_left;
    use crate::domain::{CertificateStatus, Timestamp};
    use crate::models::ExpiryNotice;
    use crate::server::context;
    use crate::server::db::users;

    let current = context::current_user().await?;
    let state = context::state()?;
    let now = Timestamp::now();
    let own = users::find_with_certificate(
        state.db.pool(),
        current.user.contract_id,
        &current.user.login_id,
    )
    .await?;
    let expiry_notice = own.and_then(|row| row.certificate).and_then(|cert| {
        let status = CertificateStatus::derive(Some((cert.state, cert.not_after)), now);
        status.needs_expiry_notice().then(|| ExpiryNotice {
            expired: status == CertificateStatus::Expired,
            not_after_jst: cert.not_after.jst(),
            days_left: days_left(cert.not_after, now),
        })
    });
    Ok(HomeData {
        viewer: viewer_of(&current.user),
        previous_login_jst: current.auth.previous_login_at.map(Timestamp::jst),
        expiry_notice,
    })
}

/// The viewer of a 管理 screen: refused unless master or admin.
#[server(prefix = "/api", endpoint = "administrator")]
pub async fn load_administrator() -> Result<Viewer, AppError> {
    use crate::server::context;
    let current = context::current_administrator().await?;
    Ok(viewer_of(&current.user))
}
