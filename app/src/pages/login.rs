//! ログイン.

use crate::components::{Layout, Notice, OnceForm, ScreenHeading};
use crate::functions::auth::Login;
use crate::payloads::login::LoginNotice;
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// 更新 is over HTTPS (the browser presents its certificate there).
fn renewal_url() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::state::AppState>() {
        return state.config.renewal_url();
    }
    routes::RENEWAL_AUTH.to_owned()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let notice = super::query("notice")
        .as_deref()
        .and_then(LoginNotice::from_code);
    let error = notice.filter(|n| n.is_error());
    view! {
        <Layout>
            <ScreenHeading title="ログイン"/>
            {notice.map(|n| view! { <Notice message=n.message().to_owned() error=n.is_error() id="login-message"/> })}
            <OnceForm action=Login::url().to_owned()>
                <div class="field">
                    <label for="login_id">"ログインID"</label>
                    <input id="login_id" name="login_id" type="text" required maxlength="12"
                        autocomplete="username" autofocus
                        aria-describedby=error.map(|_| "login-message")/>
                </div>
                <div class="field">
                    <label for="password">"ログインパスワード"</label>
                    <input id="password" name="password" type="password" required maxlength="128"
                        autocomplete="current-password"
                        aria-describedby=error.map(|_| "login-message")/>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"ログイン"</button>
                </div>
            </OnceForm>
            <section class="certificate-links" aria-labelledby="certificate-heading">
                <h2 id="certificate-heading">"電子証明書"</h2>
                <p>"電子証明書をご利用の方で、初めてご利用になる場合や再取得する場合は「電子証明書発行」、有効期限が近づいた場合は「証明書更新」を押してください。"</p>
                <ul class="choices">
                    <li><a class="button" href=routes::ISSUANCE_AUTH>"電子証明書発行"</a></li>
                    <li><a class="button" href=renewal_url()>"証明書更新"</a></li>
                </ul>
            </section>
        </Layout>
    }
}
