//! `app(state)`: the whole HTTP surface of kanri as one axum `Router`, so
//! that tests drive exactly what production serves.

use crate::middleware;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use kanri_app::server::session_store::DbSessionStore;
use kanri_app::server::AppState;
use kanri_app::{shell, App};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Largest request body accepted: forms here are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let idle = time::Duration::try_from(config.session_idle).unwrap_or(time::Duration::minutes(15));
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_secure(config.secure_cookies)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        // Saved when changed; `context::authenticate` changes it often enough
        // to move the idle deadline with activity (see `refresh_interval`).
        .with_expiry(Expiry::OnInactivity(idle));

    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let mut router = Router::new();
    // Baseline for bench/: the list page's own bytes from a bare handler.
    if let Some(bytes) = config
        .bench_bare_file
        .as_ref()
        .filter(|_| config.bench_routes)
        .and_then(|f| std::fs::read(f).ok())
    {
        let bytes = axum::body::Bytes::from(bytes);
        router = router.route(
            "/bench/bare",
            get(move || {
                let bytes = bytes.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        bytes,
                    )
                }
            }),
        );
    }
    router
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/kanri/history.csv", get(crate::reports::history_csv))
        .leptos_routes_with_context(&state, routes, || (), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(middleware::server_fn_errors))
        .layer(sessions)
        .layer(axum::middleware::from_fn(middleware::same_origin_writes))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
