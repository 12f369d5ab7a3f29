//! 証明書発行履歴.

use crate::error::AppError;
use crate::payloads::certificate_register::CertificateRegister;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "certificate_register")]
pub async fn load_certificate_register(
    user: String,
    page: String,
) -> Result<CertificateRegister, AppError> {
    use crate::domain::Page;
    use crate::request;
    use crate::use_cases::{certificate_register, operation_history};

    let current = request::current_administrator().await?;
    let state = request::state()?;
    let users = operation_history::contract_users(&state, &current.user).await?;
    let filter = certificate_register::filter(&user, &users);
    let register =
        certificate_register::register(&state, &current.user, &filter, Page::parse_number(&page))
            .await?;
    Ok(CertificateRegister {
        viewer: super::viewer_of(&current.user),
        user: filter.user.map(|u| u.to_string()).unwrap_or_default(),
        filter_message: filter.message,
        users,
        rows: register.rows,
        page: register.page,
    })
}
