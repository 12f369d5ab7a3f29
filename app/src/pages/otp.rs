//! ワンタイムパスワード: 登録 (from ホーム), and its 管理 in 利用者管理 by
//! the master user: 利用停止解除 and 登録解除. The QR code is an SVG drawn by the server, so the
//! registration works without JavaScript.

use crate::components::{ConfirmedUserForm, Layout, Loaded, Notice, OnceForm, ScreenHeading};
use crate::domain::{AdminRefusal, Refusal};
use crate::functions::otp::{
    load_otp_holders, load_otp_registration, RegisterOtp, ReleaseOtp, ResetOtp,
};
use crate::payloads::otp::{OtpHolders, OtpRegistration};
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn OtpRegistrationPage() -> impl IntoView {
    view! { <Loaded load=load_otp_registration body=registration/> }
}

fn registration(data: OtpRegistration) -> AnyView {
    if data.registered {
        return view! {
            <Layout viewer=data.viewer>
                <ScreenHeading title="ワンタイムパスワード登録"/>
                <Notice message=crate::domain::OtpRefusal::AlreadyRegistered.message("") />
                <p><a href=routes::HOME>"ホームへ戻る"</a></p>
            </Layout>
        }
        .into_any();
    }
    let refusal = super::query("error")
        .as_deref()
        .and_then(|code| crate::domain::AuditAction::OtpRegister.refusal(code));
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="ワンタイムパスワード登録"/>
            <ol class="steps">
                <li>"スマートフォンの認証アプリ（ソフトウェアトークン）で、下のQRコードを読み取ってください。読み取れない場合は、シークレットを手で入力してください。"</li>
                <li>"アプリに表示された6桁の数字とログインパスワードを入力し、「登録」ボタンを押してください。"</li>
            </ol>
            {refusal.map(|r| view! { <Notice message=r.message(Refusal::RELEASER) error=true id="otp-message"/> })}
            <figure class="qr">
                <div class="qr-code" role="img" aria-label="ワンタイムパスワード登録用のQRコード" inner_html=data.qr_svg></div>
                <figcaption>"シークレット: "<code id="otp-secret">{data.secret_text}</code></figcaption>
            </figure>
            <p class="hint">"シークレットはこの画面でのみ表示します。登録後は再表示できません。"</p>
            <OnceForm action=RegisterOtp::url().to_owned()>
                <div class="field">
                    <label for="code">"ワンタイムパスワード"</label>
                    <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        required maxlength="8" pattern="[0-9 ]*"/>
                </div>
                <div class="field">
                    <label for="password">"ログインパスワード"</label>
                    <input id="password" name="password" type="password" required maxlength="128"
                        autocomplete="current-password"/>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"登録"</button>
                    <a class="button" href=routes::HOME>"戻る"</a>
                </div>
            </OnceForm>
        </Layout>
    }
    .into_any()
}

#[component]
pub fn OtpReleasePage() -> impl IntoView {
    view! { <Loaded load=load_otp_holders body=management/> }
}

fn management(data: OtpHolders) -> impl IntoView {
    let released = super::query("released");
    let reset = super::query("reset");
    let refusal = super::query("error")
        .as_deref()
        .and_then(AdminRefusal::from_code);
    let targets = data
        .users
        .iter()
        .map(|(login_id, name, _)| (login_id.clone(), name.clone()))
        .collect();
    let message_id = refusal
        .filter(|r| r.is_about_password())
        .map(|_| "reset-message");
    let rows = data
        .users
        .into_iter()
        .map(|(login_id, name, stopped)| {
            let id = login_id.to_string();
            let action = stopped.then(move || {
                view! {
                    <OnceForm action=ReleaseOtp::url().to_owned()>
                        <input type="hidden" name="login_id" value=id.clone()/>
                        <button type="submit">{format!("{id} の利用停止を解除")}</button>
                    </OnceForm>
                }
            });
            view! {
                <tr>
                    <td>{login_id.to_string()}</td>
                    <td>{name}</td>
                    <td>{if stopped { "利用停止中" } else { "利用中" }}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="ワンタイムパスワード管理"/>
            {released.map(|id| view! { <Notice message=format!("{id} のワンタイムパスワードの利用停止を解除しました。")/> })}
            {reset.map(|id| view! { <Notice message=format!("{id} のワンタイムパスワードの登録を解除しました。利用者にメールでお知らせしました。")/> })}
            {refusal.map(|r| view! { <Notice message=r.message() error=true id="reset-message"/> })}
            <table class="users">
                <caption>"ワンタイムパスワードを登録している利用者"</caption>
                <thead><tr><th scope="col">"ログインID"</th><th scope="col">"利用者名"</th><th scope="col">"状態"</th><th scope="col">"操作"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h2>"登録解除"</h2>
            <p>"スマートフォンの紛失などで利用者がワンタイムパスワードを使えなくなった場合、登録を解除します。利用者は改めて登録できます。"</p>
            <ConfirmedUserForm action=ResetOtp::url().to_owned() users=targets submit="登録解除" message_id/>
            <p class="hint">"マスターユーザご自身のワンタイムパスワードの利用停止解除・登録解除は、お取引店で行います。"</p>
            <p><a href=routes::USERS_MENU>"戻る"</a></p>
        </Layout>
    }
}
