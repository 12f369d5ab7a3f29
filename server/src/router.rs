//! `app(state)`: the whole HTTP surface of kanri as one axum `Router`, so
//! that tests drive exactly what production serves.

use crate::middleware;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use kanri_app::infra::config::Config;
use kanri_app::infra::session_store::DbSessionStore;
use kanri_app::routes;
use kanri_app::state::AppState;
use kanri_app::{shell, App};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Largest request body accepted: forms here are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            routes::OPERATION_HISTORY_CSV,
            get(crate::csv_downloads::history_csv),
        )
        .route(
            routes::CERTIFICATE_REGISTER_CSV,
            get(crate::csv_downloads::register_csv),
        )
        .route(
            routes::CERTIFICATE_SUBMIT,
            post(crate::certificate_forms::submit),
        )
        .route(
            routes::CERTIFICATE_DOWNLOAD,
            get(crate::certificate_forms::download),
        )
        .route(
            routes::CERTIFICATE_DER,
            get(crate::certificate_forms::certificate_der),
        )
        .merge(publication_routes())
        .merge(crate::metrics::routes(&state))
        .merge(bench_routes(&state.config))
        .merge(Router::new().leptos_routes_with_context(
            &state,
            routes,
            || (),
            move || shell(leptos_options.clone()),
        ))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(middleware::server_fn_errors))
        .layer(sessions(&state))
        .layer(axum::middleware::from_fn(middleware::same_origin_writes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::proxied_client_certificate,
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // A whole request, its body included (a body that never ends): 408.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::timed,
        ))
        .with_state(state)
}

/// The CA certificates, the CRL and OCSP: public, for relying parties
/// (SPEC 7.6). Issued certificates are not: see `routes::CERTIFICATE_DER`.
fn publication_routes() -> Router<AppState> {
    Router::new()
        .route(
            routes::CA_CERTIFICATE,
            get(crate::publication::ca_certificate),
        )
        .route(
            routes::ROOT_CERTIFICATE,
            get(crate::publication::root_certificate),
        )
        .route(routes::CA_CHAIN, get(crate::publication::ca_chain))
        .route(routes::AUDIT_KEY, get(crate::publication::audit_key))
        .route(
            routes::AUDIT_CHECKPOINTS,
            get(crate::publication::audit_checkpoints),
        )
        .route(routes::CRL, get(crate::publication::crl))
        .route(
            &format!("{}/{{generation}}", routes::CRL),
            get(crate::publication::crl_of_generation),
        )
        .route(routes::OCSP, post(crate::publication::ocsp_post))
        .route(
            &format!("{}/{{*request}}", routes::OCSP),
            get(crate::publication::ocsp_get),
        )
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure and `__Host-`
/// behind HTTPS, ended after the idle timeout.
fn sessions(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let config = &state.config;
    let idle = time::Duration::try_from(config.session_idle).unwrap_or(time::Duration::minutes(15));
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone(), state.clock.clone()))
        .with_name(config.session_cookie_name())
        .with_http_only(true)
        .with_secure(config.secure_cookies)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        // Saved when changed; `request::authenticate` changes it often enough
        // to move the idle deadline with activity (see `refresh_interval`).
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Baseline for bench/ (a `bench` build with `KANRI_BENCH_BARE_FILE`): the
/// list page's own bytes from a bare handler.
#[cfg(feature = "bench")]
fn bench_routes(config: &Config) -> Router<AppState> {
    let bytes = config
        .bench_bare_file
        .as_ref()
        .and_then(|f| std::fs::read(f).ok());
    let Some(bytes) = bytes else {
        return Router::new();
    };
    let bytes = axum::body::Bytes::from(bytes);
    Router::new().route(
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
    )
}

/// The product binary: no `/bench/` address at all.
#[cfg(not(feature = "bench"))]
fn bench_routes(_: &Config) -> Router<AppState> {
    Router::new()
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
