//! 操作履歴照会.

use crate::error::AppError;
use crate::payloads::operation_history::AuditHistory;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "audit_history")]
pub async fn load_audit_history(
    from: String,
    to: String,
    user: String,
    action: String,
    page: String,
) -> Result<AuditHistory, AppError> {
    use crate::domain::history::HistoryFilterForm;
    use crate::domain::Page;
    use crate::request;
    use crate::use_cases::operation_history;

    let current = request::current_administrator().await?;
    let state = request::state()?;
    let users = operation_history::contract_users(&state, &current.user).await?;
    let raw = HistoryFilterForm {
        from,
        to,
        user,
        action,
    };
    let filter = operation_history::filter(&raw, &users, &state);
    let history =
        operation_history::history(&state, &current.user, &filter, Page::parse_number(&page))
            .await?;
    Ok(AuditHistory {
        viewer: super::viewer_of(&current.user),
        filter: filter.form,
        filter_message: filter.message,
        users,
        rows: history.rows,
        page: history.page,
        window_start: filter.window_start.to_string(),
    })
}
