//! 証明書状態照会 and 操作履歴照会.

use crate::error::AppError;
use crate::models::{AuditHistory, CertificateOverview};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "certificate_overview")]
pub async fn load_certificate_overview(
    sort: String,
    dir: String,
    page: String,
) -> Result<CertificateOverview, AppError> {
    use crate::models::OverviewSort;
    use crate::server::{context, reports};
    let current = context::current_administrator().await?;
    let state = context::state()?;
    let sort = OverviewSort::from_code(&sort).unwrap_or(OverviewSort::NotAfter);
    let descending = dir == "desc";
    let page = page.trim().parse().unwrap_or(1);
    let overview =
        reports::certificate_overview(&state, &current.user, sort, descending, page).await?;
    let [not_issued, issued, expiring_soon, expired, revoked] = overview.counts;
    Ok(CertificateOverview {
        viewer: super::pages::viewer_of(&current.user),
        not_issued,
        issued,
        expiring_soon,
        expired,
        revoked,
        rows: overview.rows,
        sort,
        descending,
        page: overview.page,
    })
}

#[server(prefix = "/api", endpoint = "audit_history")]
pub async fn load_audit_history(
    from: String,
    to: String,
    user: String,
    action: String,
    page: String,
) -> Result<AuditHistory, AppError> {
    use crate::domain::Timestamp;
    use crate::models::AuditFilterForm;
    use crate::server::audit::AuditAction;
    use crate::server::{context, reports};
    let current = context::current_administrator().await?;
    let state = context::state()?;
    let users = reports::contract_users(&state, &current.user).await?;
    let known: Vec<String> = users.iter().map(|(id, _)| id.clone()).collect();
    let raw = AuditFilterForm {
        from,
        to,
        user,
        action,
    };
    let filter = reports::parse_history_filter(&raw, &known, Timestamp::now());
    let history = reports::audit_history(
        &state,
        &current.user,
        &filter,
        page.trim().parse().unwrap_or(1),
    )
    .await?;
    Ok(AuditHistory {
        viewer: super::pages::viewer_of(&current.user),
        filter: filter.form,
        filter_message: filter.message,
        users,
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.as_db().to_owned(), a.label().to_owned()))
            .collect(),
        rows: history.rows,
        page: history.page,
        window_start: filter.window_start.to_string(),
    })
}
