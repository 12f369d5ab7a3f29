//! ログイン.

use crate::components::{Layout, Notice, OnceForm, ScreenHeading};
use crate::models::LoginNotice;
use leptos::prelude::*;

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
            <OnceForm action="/api/login".to_owned()>
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
        </Layout>
    }
}
