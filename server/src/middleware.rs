//! Cross-cutting HTTP concerns, each a small axum middleware:
//! - server-function errors become the right status and a Japanese page;
//! - state-changing requests from another origin are refused (CSRF);
//! - security and cache headers on every response.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kanri_app::error::AppError;
use kanri_app::models::LoginNotice;
use kanri_app::server::AppState;

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

fn accepts_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A minimal page for errors that happen outside the Leptos screens.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>エラー</title>\
         <link rel=\"stylesheet\" href=\"/pkg/kanri.css\"></head><body><main id=\"main\">\
         <h1>エラー</h1><p class=\"notice notice-error\" role=\"alert\">{message}</p>\
         <p><a href=\"/\">ホームへ戻る</a></p></main></body></html>"
    );
    (status, Html(body)).into_response()
}

/// Server functions answer every error with 500 and leave plain-form posts a
/// redirect to the Referer. Here, in one place, the error is read back and
/// answered with its own status: a login page for an ended session, a
/// Japanese page (forms) or JSON (fetch) otherwise. A 500 never answers a
/// user's mistake.
pub async fn server_fn_errors(req: Request, next: Next) -> Response {
    let html = accepts_html(&req);
    let response = next.run(req).await;
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let error: AppError = serde_json::from_slice(&bytes).unwrap_or(AppError::Internal);
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if html {
        if error == AppError::NotLoggedIn {
            let to = format!("/login?notice={}", LoginNotice::SessionEnded.code());
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
        }
        return error_page(status, &error.to_string());
    }
    parts.status = status;
    parts.headers.remove(header::LOCATION);
    Response::from_parts(parts, Body::from(bytes))
}

/// Refuses a state-changing request that a browser says comes from another
/// site (`Sec-Fetch-Site`), or whose `Origin` is not this server. Together
/// with the SameSite=Strict session cookie this stops cross-site request
/// forgery with JavaScript on and off.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(&req) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin write refused");
        return error_page(
            StatusCode::FORBIDDEN,
            "他のサイトからの送信は受け付けられません。画面を開き直して操作してください。",
        );
    }
    next.run(req).await
}

fn is_same_origin(req: &Request) -> bool {
    let headers = req.headers();
    // Every current browser sends Sec-Fetch-Site; it is the whole answer.
    // (With `Referrer-Policy: no-referrer`, Chromium's form posts carry
    // `Origin: null`, so Origin alone would refuse our own forms.)
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Not a browser (curl, the operator's scripts): no ambient
        // credentials to abuse beyond the SameSite=Strict cookie.
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host)
}

/// CSP for responses that are not screens (error pages, server-function
/// answers, files): no script at all.
const DEFAULT_CSP: &str =
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Headers on every response. Screens bring their own CSP (with the
/// response's nonce, see `kanri_app::App`); everything else gets one
/// without scripts. Authenticated pages and server functions must never be
/// cached; static files under /pkg may be. HSTS when served over HTTPS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cacheable = req.uri().path().starts_with("/pkg/");
    let mut response = next.run(req).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // tower-http's own answer is English plain text.
        response = error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "送信された内容が大きすぎます。入力内容を確認してください。",
        );
    }
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
    }
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
