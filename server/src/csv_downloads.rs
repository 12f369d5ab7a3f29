//! The CSV downloads of 操作履歴 and 証明書発行履歴: plain axum handlers,
//! because a file download is not a server function's typed answer. They
//! run the same checks as the screens (`request::authenticate`, master or
//! admin only) and answer errors through the same mapping
//! (`middleware::error_response`).

use crate::middleware::error_response;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kanri_app::domain::history::HistoryFilterForm;
use kanri_app::error::AppError;
use kanri_app::request;
use kanri_app::state::AppState;
use kanri_app::use_cases::{certificate_register, operation_history};
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

/// The administrator asking and the first value of each query field (the
/// first of repeated fields counts, as on the screens).
async fn administrator_and_fields(
    state: &AppState,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<(request::CurrentUser, impl Fn(&str) -> String), AppError> {
    let current = request::authenticate(state, session).await?;
    if !current.user.role.may_administer() {
        return Err(AppError::Forbidden);
    }
    let Query(pairs) = query.map_err(|_| AppError::BadInput)?;
    let field = move |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok((current, field))
}

fn attachment(filename: &str, csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}

pub async fn register_csv(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    register_csv_response(&state, session, query)
        .await
        .unwrap_or_else(error_response)
}

async fn register_csv_response(
    state: &AppState,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, AppError> {
    let (current, field) = administrator_and_fields(state, session, query).await?;
    let users = operation_history::contract_users(state, &current.user).await?;
    let filter = certificate_register::filter(&field("user"), &users);
    let csv = certificate_register::csv(state, &current.user, &filter).await?;
    Ok(attachment("shoumeisho-hakkou-rireki.csv", csv))
}

async fn csv_response(
    state: &AppState,
    session: Session,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, AppError> {
    let (current, field) = administrator_and_fields(state, session, query).await?;
    let raw = HistoryFilterForm {
        from: field("from"),
        to: field("to"),
        user: field("user"),
        action: field("action"),
    };
    let users = operation_history::contract_users(state, &current.user).await?;
    let filter = operation_history::filter(&raw, &users, state);
    let csv = operation_history::csv(state, &current.user, &filter).await?;
    let filename = format!("sousa-rireki-{}-{}.csv", filter.form.from, filter.form.to);
    Ok(attachment(&filename, csv))
}
