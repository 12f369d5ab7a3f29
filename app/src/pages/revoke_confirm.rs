//! 証明書失効確認 (BRSK019).

use crate::components::{Layout, Loaded, Notice, OnceForm, ScreenHeading};
use crate::domain::revocation::RevocationConfirmation;
use crate::domain::{RevokeRefusal, MAX_PASSWORD_FAILURES};
use crate::functions::revocation::{load_revocation_confirmation, RevokeCertificate};
use crate::payloads::revoke_confirm::ConfirmationPage;
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn RevokeConfirmPage() -> impl IntoView {
    let login_id = super::query("login_id").unwrap_or_default();
    view! { <Loaded load=move || load_revocation_confirmation(login_id.clone()) body=page/> }
}

const OWN_CERTIFICATE_WARNING: &str = "ご自身（マスターユーザ）の証明書を失効しようとしています。失効すると、証明書を再取得するまでこの証明書ではログインできなくなります。パソコンを変更される場合は、お取引店で「クライアント証明書（電子証明書）機能申込書」をご提出ください。";

fn details(c: &RevocationConfirmation) -> impl IntoView {
    view! {
        <table class="details">
            <tbody>
                <tr><th scope="row">"ログインID"</th><td>{c.login_id.to_string()}</td></tr>
                <tr><th scope="row">"利用者名"</th><td>{c.name.clone()}</td></tr>
                <tr><th scope="row">"証明書状態"</th><td>{c.status.label()}</td></tr>
                <tr><th scope="row">"証明書有効期限"</th><td>{c.not_after.jst()}</td></tr>
            </tbody>
        </table>
    }
}

fn page(data: ConfirmationPage) -> AnyView {
    let releaser = data.releaser();
    let confirmation = match data.confirmation {
        Ok(c) => c,
        Err(refusal) => {
            // Nothing to confirm: back to the list, which explains why.
            #[cfg(feature = "ssr")]
            leptos_axum::redirect(&routes::revoke_list_with(refusal));
            return view! { <p>{refusal.message("")}</p> }.into_any();
        }
    };
    let refusal = super::query("error")
        .as_deref()
        .and_then(RevokeRefusal::from_code);
    let about_password = refusal.is_some_and(RevokeRefusal::is_about_password);
    let message = refusal.map(|r| r.message(releaser));
    let attempts_left = (refusal == Some(RevokeRefusal::WrongPassword))
        .then(|| MAX_PASSWORD_FAILURES - confirmation.confirmation_failures)
        .filter(|n| *n > 0)
        .map(|n| format!("あと{n}回誤ると確認用パスワードが利用停止となります。"));
    // Only the master grants 発行用コード, and never their own.
    let may_allow_reobtain =
        data.viewer.role == crate::domain::Role::Master && !confirmation.own_certificate;
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="証明書失効確認" screen_id="BRSK019"/>
            <p>"証明書失効の対象者を確認し、確認用パスワードを入力の上「実行」ボタンを押してください。"</p>
            {message.map(|m| view! { <Notice message=m error=true id="confirm-message"/> })}
            {attempts_left.map(|m| view! { <p class="hint" id="attempts-left">{m}</p> })}
            {confirmation.own_certificate.then(|| view! {
                <div class="warning" role="note"><strong>"ご注意ください："</strong>{OWN_CERTIFICATE_WARNING}</div>
            })}
            {details(&confirmation)}
            <OnceForm action=RevokeCertificate::url().to_owned()>
                <input type="hidden" name="login_id" value=confirmation.login_id.to_string()/>
                <input type="hidden" name="serial" value=confirmation.serial.to_string()/>
                <div class="field">
                    <label for="confirmation_password">"確認用パスワード"</label>
                    <input id="confirmation_password" name="confirmation_password" type="password"
                        required maxlength="128" autocomplete="off" autofocus=about_password
                        aria-invalid=about_password.to_string()
                        aria-describedby=if about_password { "confirm-message attempts-left" } else { "" }/>
                </div>
                {may_allow_reobtain.then(|| view! {
                    <div class="field checkbox">
                        <input id="reobtain" name="reobtain" type="checkbox" value="1" aria-describedby="reobtain-hint"/>
                        <label for="reobtain">"再取得を許可する（発行用コードを発行する）"</label>
                        <p class="hint" id="reobtain-hint">"パソコンの変更などで、この利用者が電子証明書を取得し直す場合に選択してください。発行用コード（有効期限24時間）を利用者のメールアドレスに送信します。選択しない場合、失効後の再取得には改めて発行用コードの発行が必要です。"</p>
                    </div>
                })}
                <div class="actions">
                    <button type="submit" class="primary">"実行"</button>
                    <a class="button" href=routes::REVOKE_LIST>"戻る"</a>
                </div>
            </OnceForm>
        </Layout>
    }
    .into_any()
}
