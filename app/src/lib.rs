//! kanri's application crate: screens, server functions and domain types,
//! compiled twice — natively with `ssr` for the server, and to WASM with
//! `hydrate` for the few interactive islands.
//!
//! Rendering mode: Leptos islands. Every screen is rendered on the server and
//! works as plain HTML; only `components::OnceForm` hydrates. See the README's
//! architecture section for why.

#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod components;
pub mod domain;
pub mod error;
pub mod functions;
pub mod pages;
pub mod payloads;
pub mod router;
pub mod routes;

// Server only: the layers behind the server functions.
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod infra;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod use_cases;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::Router;

/// The HTML document around every screen.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No favicon: an empty one keeps browsers from asking for /favicon.ico.
                <link rel="icon" href="data:,"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The Content-Security-Policy of a screen: scripts only from this server
/// and the inline hydration loader that carries this response's nonce.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // leptos_axum mints a nonce per response and puts it on every script
    // it writes; the header that allows exactly those scripts goes here.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <Stylesheet id="kanri" href="/pkg/kanri.css"/>
        <Title text="法人向けインターネットバンキング 管理"/>
        <Router>
            <router::ScreenRoutes/>
        </Router>
    }
}

/// Entry point of the WASM bundle: wakes the islands, then marks the page so
/// that end-to-end tests can wait for hydration instead of sleeping.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
