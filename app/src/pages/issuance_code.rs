//! 発行用コード発行 and its result (利用者管理, the master user; SPEC 9.1).

use crate::components::{ConfirmedUserForm, Layout, Loaded, Notice, ScreenHeading};
use crate::domain::AdminRefusal;
use crate::functions::issuance_code::{load_code_grant, load_code_granted, GrantIssuanceCode};
use crate::payloads::issuance_code::{CodeGrantForm, CodeGrantResult};
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn IssuanceCodeGrantPage() -> impl IntoView {
    view! { <Loaded load=load_code_grant body=grant_form/> }
}

fn grant_form(data: CodeGrantForm) -> impl IntoView {
    let refusal = super::query("error")
        .as_deref()
        .and_then(AdminRefusal::from_code);
    let message_id = refusal
        .filter(|r| r.is_about_password())
        .map(|_| "grant-message");
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="発行用コード発行"/>
            <p>"電子証明書の取得に必要な発行用コードを発行します。対象の利用者を選択し、確認用パスワードを入力の上「発行」ボタンを押してください。"</p>
            <ul class="notes">
                <li>"◆発行用コードは1回のみ使用でき、有効期限は発行から24時間です。同じ利用者に新たに発行すると、以前の発行用コードは使用できなくなります。"</li>
                <li>"◆発行用コードは利用者のメールアドレスに送信し、次の画面に1回のみ表示します。"</li>
                <li>"◆マスターユーザご自身の発行用コードは、お取引店で発行します。"</li>
            </ul>
            {refusal.map(|r| view! { <Notice message=r.message() error=true id="grant-message"/> })}
            <ConfirmedUserForm action=GrantIssuanceCode::url().to_owned() users=data.users submit="発行" message_id/>
            <p><a href=routes::USERS_MENU>"戻る"</a></p>
        </Layout>
    }
}

#[component]
pub fn IssuanceCodeResultPage() -> impl IntoView {
    view! { <Loaded load=load_code_granted body=result/> }
}

fn result(data: CodeGrantResult) -> impl IntoView {
    let body = match data.granted {
        Some(granted) => view! {
            <p class="notice notice-info" role="status">"発行用コードを発行しました。利用者のメールアドレスにも送信しました。"</p>
            <table class="details">
                <tbody>
                    <tr><th scope="row">"ログインID"</th><td>{granted.login_id.to_string()}</td></tr>
                    <tr><th scope="row">"利用者名"</th><td>{granted.name}</td></tr>
                    <tr><th scope="row">"発行用コード"</th><td><code id="issuance-code">{granted.code}</code></td></tr>
                    <tr><th scope="row">"有効期限"</th><td>{granted.expires_at}</td></tr>
                </tbody>
            </table>
            <p class="hint">"発行用コードはこの画面でのみ表示します。再表示はできません。"</p>
        }
        .into_any(),
        None => view! {
            <Notice message="発行用コードは表示済みです。再表示はできません。必要な場合は、改めて発行してください。".to_owned()/>
        }
        .into_any(),
    };
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="発行用コード発行結果"/>
            {body}
            <div class="actions"><a class="button primary" href=routes::USERS_MENU>"利用者管理へ"</a></div>
        </Layout>
    }
}
