//! kanri's application crate: screens, server functions and domain types,
//! compiled twice — natively with `ssr` for the server, and to WASM with
//! `hydrate` for the few interactive islands.
//!
//! Rendering mode: Leptos islands. Every screen is rendered on the server and
//! works as plain HTML; only `components::OnceForm` hydrates. See the README's
//! architecture section for why.

#![recursion_limit = "256"]

pub mod components;
pub mod domain;
pub mod error;
pub mod functions;
pub mod models;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use pages::*;

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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Async SSR: a screen is sent only when complete, so that it can still
    // set its status code or redirect (login required, no permission).
    view! {
        <Stylesheet id="kanri" href="/pkg/kanri.css"/>
        <Title text="法人向けインターネットバンキング 管理"/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri") view=BusinessSelectPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users") view=UserAdminMenuPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/status") view=StatusOverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/history") view=HistoryPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke") view=RevokeListPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke/confirm") view=RevokeConfirmPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke/result") view=RevokeResultPage ssr=SsrMode::Async/>
            </Routes>
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
