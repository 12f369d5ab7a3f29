//! The 操作履歴 CSV download: a plain axum handler, because a file download
//! is not a server function's typed answer. It runs the same checks as the
//! screens (`request::authenticate`, master or admin only) and answers
//! errors through the same mapping (`middleware::error_response`).

use crate::middleware::error_response;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kanri_app::domain::history::HistoryFilterForm;
use kanri_app::error::AppError;
use kanri_app::request;
use kanri_app::state::AppState;
use kanri_app::use_cases::operation_history;
use tower_sessions::Session;

pub async fn history_csv(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    csv_response(&state, session, query)
        .await
        .unwrap_or_else(error_response)
}

async fn csv_response(
    state: &AppState,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, AppError> {
    let current = request::authenticate(state, session).await?;
    if !current.user.role.may_administer() {
        return Err(AppError::Forbidden);
    }
    let Query(pairs) = query.map_err(|_| AppError::BadInput)?;
    // The first of repeated fields counts, as on the screen.
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let raw = HistoryFilterForm {
        from: field("from"),
        to: field("to"),
        user: field("user"),
        action: field("action"),
    };
    let users = operation_history::contract_users(state, &current.user).await?;
    let filter = operation_history::filter(&raw, &users, state);
    let csv = operation_history::csv(state, &current.user, &filter).await?;
    let filename = format!(
        "attachment; filename=\"sousa-rireki-{}-{}.csv\"",
        filter.form.from, filter.form.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        csv,
    )
        .into_response())
}
