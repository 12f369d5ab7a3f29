//! ワンタイムパスワード: 登録 (from ホーム) and 利用停止解除 (利用者管理,
//! the master user). The QR code is an SVG drawn by the server, so the
//! registration works without JavaScript.

use crate::components::{Layout, Loaded, Notice, OnceForm, ScreenHeading};
use crate::domain::{OtpRefusal, Refusal};
use crate::functions::otp::{load_otp_registration, load_otp_stopped, RegisterOtp, ReleaseOtp};
use crate::payloads::otp::{OtpRegistration, OtpStoppedUsers};
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
                <Notice message=OtpRefusal::AlreadyRegistered.message("") />
                <p><a href=routes::HOME>"ホームへ戻る"</a></p>
            </Layout>
        }
        .into_any();
    }
    let refusal = super::query("error")
        .as_deref()
        .and_then(OtpRefusal::from_code);
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="ワンタイムパスワード登録"/>
            <ol class="steps">
                <li>"スマートフォンの認証アプリ（ソフトウェアトークン）で、下のQRコードを読み取ってください。読み取れない場合は、シークレットを手で入力してください。"</li>
                <li>"アプリに表示された6桁の数字を入力し、「登録」ボタンを押してください。"</li>
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
    view! { <Loaded load=load_otp_stopped body=release/> }
}

fn release(data: OtpStoppedUsers) -> impl IntoView {
    let released = super::query("released");
    let rows = data
        .users
        .into_iter()
        .map(|(login_id, name)| {
            view! {
                <tr>
                    <td>{login_id.to_string()}</td>
                    <td>{name}</td>
                    <td>
                        <OnceForm action=ReleaseOtp::url().to_owned()>
                            <input type="hidden" name="login_id" value=login_id.to_string()/>
                            <button type="submit">{format!("{login_id} の利用停止を解除")}</button>
                        </OnceForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="ワンタイムパスワード利用停止解除"/>
            {released.map(|id| view! { <Notice message=format!("{id} のワンタイムパスワードの利用停止を解除しました。")/> })}
            <table class="users">
                <caption>"ワンタイムパスワードが利用停止となっている利用者"</caption>
                <thead><tr><th scope="col">"ログインID"</th><th scope="col">"利用者名"</th><th scope="col">"操作"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="hint">"マスターユーザご自身のワンタイムパスワードの利用停止は、お取引店で解除します。"</p>
            <p><a href=routes::USERS_MENU>"戻る"</a></p>
        </Layout>
    }
}
