//! The 操作履歴 CSV download: a plain axum handler, because a file download
//! is not a server function's typed answer. It runs the same checks as the
//! screens (`context::authenticate`, master or admin only).

use crate::middleware::error_page;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use kanri_app::domain::Timestamp;
use kanri_app::error::AppError;
use kanri_app::models::{AuditFilterForm, LoginNotice};
use kanri_app::server::{context, reports, AppState};
use tower_sessions::Session;

pub async fn history_csv(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    match csv_response(&state, session, query).await {
        Ok(response) => response,
        Err(AppError::NotLoggedIn) => {
            let to = format!("/login?notice={}", LoginNotice::SessionEnded.code());
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        Err(err) => error_page(
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST),
            &err.to_string(),
        ),
    }
}

async fn csv_response(
    state: &AppState,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, AppError> {
    let current = context::authenticate(state, session).await?;
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
    let raw = AuditFilterForm {
        from: field("from"),
        to: field("to"),
        user: field("user"),
        action: field("action"),
    };
    let known: Vec<String> = reports::contract_users(state, &current.user)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let filter = reports::parse_history_filter(&raw, &known, Timestamp::now());
    let csv = reports::audit_csv(state, &current.user, &filter).await?;
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
