//! Cross-cutting HTTP concerns, each a small axum middleware:
//! - server-function errors become the right status and a Japanese page;
//! - state-changing requests from another origin are refused (CSRF);
//! - security and cache headers on every response;
//! - a screen's change counter read before it renders.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kanri_app::error::{AppError, ERROR_HEADER};
use kanri_app::request::PresentedCertificate;
use kanri_app::state::AppState;

fn accepts_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A minimal page for errors that happen outside the Leptos screens.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{heading}</title>\
         <link rel=\"stylesheet\" href=\"/pkg/kanri.css\"></head><body><main id=\"main\">\
         <h1>{heading}</h1><p class=\"notice notice-error\" role=\"alert\">{message}</p>\
         <p><a href=\"/\">ホームへ戻る</a></p></main></body></html>"
    );
    (status, Html(body)).into_response()
}

/// What a browser (or a page's own `fetch`) gets for an error: the one
/// mapping of `AppError`, as a response. ログイン for an ended or missing
/// session (303, which browsers follow), else the error's status with a
/// Japanese page.
pub fn error_response(error: AppError) -> Response {
    if let Some(to) = error.login_redirect() {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_page(status, error.heading(), &error.to_string())
}

/// A server function's error already carries its status (set where it is
/// serialised, `AppError::ser`). A plain form post (JavaScript off) would
/// otherwise get server_fn's redirect back to the form with the error in
/// its query string; it gets the error's page instead. Calls from the
/// page's own `fetch` keep their JSON answer.
pub async fn server_fn_errors(req: Request, next: Next) -> Response {
    let html = accepts_html(&req);
    let mut response = next.run(req).await;
    let Some(error) = response
        .headers_mut()
        .remove(ERROR_HEADER)
        .and_then(|code| code.to_str().ok().and_then(AppError::from_code))
    else {
        return response;
    };
    if html {
        return error_response(error);
    }
    response.headers_mut().remove(header::LOCATION);
    response
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
            "エラー",
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
/// cached; static files under /pkg may be, and what the CA publishes under
/// /pki says itself how long (the OCSP answers' nextUpdate, RFC 5019). HSTS
/// when served over HTTPS.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let cacheable = path.starts_with("/pkg/");
    let published = path.starts_with("/pki/");
    let mut response = next.run(req).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // tower-http's own answer is English plain text.
        response = error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "エラー",
            "送信された内容が大きすぎます。入力内容を確認してください。",
        );
    } else if response.status() == StatusCode::REQUEST_TIMEOUT {
        // tower-http's timeout answers with an empty body.
        response = error_page(
            StatusCode::REQUEST_TIMEOUT,
            "エラー",
            "送信に時間がかかりすぎたため、処理を中止しました。画面を開き直して操作してください。",
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
    let says_itself = published && headers.contains_key(header::CACHE_CONTROL);
    if !cacheable && !says_itself {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The header a TLS proxy in front of kanri forwards the client certificate
/// in: nginx's `$ssl_client_escaped_cert`, the PEM URL-encoded.
pub const CLIENT_CERT_HEADER: &str = "x-ssl-client-cert";

/// A client certificate forwarded by a trusted TLS proxy (SPEC 8) becomes
/// the request's `PresentedCertificate`, as if kanri's own HTTPS listener
/// had received it. From any other peer the header is dropped: anyone can
/// send a header, only the proxy saw the TLS handshake.
pub async fn proxied_client_certificate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(value) = req.headers_mut().remove(CLIENT_CERT_HEADER) else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| state.config.trusted_proxies.contains(&ip));
    if !trusted {
        tracing::warn!(
            ?peer,
            "client certificate header from an untrusted peer ignored"
        );
    } else if let Some(der) = forwarded_certificate(value.as_bytes()) {
        req.extensions_mut()
            .insert(PresentedCertificate(std::sync::Arc::new(der)));
    }
    next.run(req).await
}

/// The DER of a URL-encoded PEM certificate; `None` for an empty value
/// (nginx sends one when the client presented nothing), garbage, or a PEM
/// without its end line (a cut header would otherwise decode to the first
/// part of a certificate; `tests/parsers.rs` holds it to that).
pub fn forwarded_certificate(value: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let pem: Vec<u8> = percent_encoding::percent_decode(value).collect();
    let pem = std::str::from_utf8(&pem).ok()?;
    let (_, rest) = pem.split_once("-----BEGIN CERTIFICATE-----")?;
    let (body, _) = rest.split_once("-----END CERTIFICATE-----")?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .ok()
}
