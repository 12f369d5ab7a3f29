//! 証明書失効結果. Read-only: reload, back and forward repeat nothing.

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::revocation::load_revocation_result;
use crate::payloads::revoke_result::ResultPage;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn RevokeResultPage() -> impl IntoView {
    let login_id = super::query("login_id").unwrap_or_default();
    view! { <Loaded load=move || load_revocation_result(login_id.clone()) body=page/> }
}

fn page(ResultPage { viewer, result: r }: ResultPage) -> impl IntoView {
    // Said by the 実行 that granted it (the URL only picks the sentence).
    let reobtain = super::query("reobtain").is_some_and(|v| v == "1");
    view! {
        <Layout viewer=viewer>
            <ScreenHeading title="証明書失効結果"/>
            <p class="notice notice-info" role="status">"証明書失効結果が表示されます。"</p>
            <table class="details">
                <tbody>
                    <tr><th scope="row">"ログインID"</th><td>{r.login_id.to_string()}</td></tr>
                    <tr><th scope="row">"利用者名"</th><td>{r.name}</td></tr>
                    <tr><th scope="row">"証明書状態"</th><td id="certificate-status">{r.status.label()}</td></tr>
                    {r.revoked_at.map(|t| view! { <tr><th scope="row">"失効日時"</th><td>{t.jst()}</td></tr> })}
                </tbody>
            </table>
            {reobtain.then(|| view! {
                <p class="notice notice-info" role="status" id="reobtain-granted">"再取得を許可しました。発行用コード（有効期限24時間）を利用者のメールアドレスに送信しました。利用者は、ログイン画面の「電子証明書発行」から、ログインID・ログインパスワード・発行用コードを入力して電子証明書を取得できます。"</p>
            })}
            <ul class="notes">
                <li>"◆失効を行った場合でも、ID・パスワードによるログイン方式へは変更になりません。"</li>
                <li>"◆証明書を再取得する場合は、クライアント証明書（電子証明書）の取得手順にしたがって、電子証明書の発行を行ってください。失効後の再取得には発行用コードが必要です（利用者管理の「発行用コード発行」から発行できます）。"</li>
                <li>"◆ID・パスワード方式によるログインへ変更する場合やマスターユーザさまがパソコンを変更するなどしてログインできなくなってしまった場合は、お手数ですが、お取引店で「クライアント証明書（電子証明書）機能申込書」をご提出ください。"</li>
            </ul>
            <div class="actions"><a class="button primary" href=routes::HOME>"ホームへ"</a></div>
        </Layout>
    }
}
