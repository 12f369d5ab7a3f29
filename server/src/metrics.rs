//! `/metrics` (issue 27 item 2): the Prometheus text format, for operators
//! only. Without `KANRI_METRICS_TOKEN` there is no such address; with it,
//! a request must carry `Authorization: Bearer <token>` (compared as
//! SHA-256 digests, so the comparison's time says nothing about the token).
//! And the time every request takes, by route group.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kanri_app::infra::metrics::route_group;
use kanri_app::state::AppState;
use sha2::{Digest, Sha256};

/// The address, only when a token is configured.
pub fn routes(state: &AppState) -> Router<AppState> {
    match state.config.metrics_token {
        Some(_) => Router::new().route("/metrics", get(metrics)),
        None => Router::new(),
    }
}

async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme's name is case-insensitive (RFC 7235).
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token.trim());
    let expected = state.config.metrics_token.as_deref().unwrap_or_default();
    if Sha256::digest(given.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is needed\n",
        )
            .into_response();
    }
    match kanri_app::use_cases::metrics::scrape(&state).await {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(err) => crate::middleware::error_response(err),
    }
}

/// Times every request into `kanri_request_duration_seconds`: to the
/// response's head (a streamed body may go on after it).
pub async fn timed(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let group = route_group(request.uri().path());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request_took(group, started.elapsed().as_secs_f64());
    response
}
