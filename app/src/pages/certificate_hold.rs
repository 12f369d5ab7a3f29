//! 証明書一時停止・再開: 利用者一覧 → 確認 → 結果, in the steps and the
//! look of 証明書失効 (BRSK018 → BRSK019 → 結果). Every step works as a
//! plain form: the list's two buttons say which of the two is asked.

use crate::components::{Layout, Loaded, Notice, OnceForm, ScreenHeading};
use crate::domain::suspension::{self, HoldAction, HoldCandidate, HoldConfirmation};
use crate::domain::{RevokeRefusal, MAX_PASSWORD_FAILURES};
use crate::functions::certificate_hold::{
    load_hold_candidates, load_hold_confirmation, load_hold_result, HoldCertificate,
};
use crate::payloads::certificate_hold::{HoldConfirmationPage, HoldList, HoldResultPage};
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn HoldListPage() -> impl IntoView {
    view! { <Loaded load=load_hold_candidates body=list/> }
}

fn row(c: HoldCandidate, refusal: Option<RevokeRefusal>) -> impl IntoView {
    let radio_id = format!("target-{}", c.login_id);
    let select = match c.possible {
        Ok(action) => view! {
            <input type="radio" name="login_id" id=radio_id.clone() value=c.login_id.to_string()
                aria-describedby=refusal.map(|_| "list-message")/>
            <span class="hint">{format!("{}できます", action.label())}</span>
        }
        .into_any(),
        Err(why) => {
            view! { <span class="why-not">{suspension::why_not_label(why)}</span> }.into_any()
        }
    };
    let held = c.status == crate::domain::CertificateStatus::Suspended;
    view! {
        <tr class:unselectable=c.possible.is_err()>
            <td class="select">{select}</td>
            <td><label for=radio_id>{c.login_id.to_string()}</label></td>
            <td>{c.name}</td>
            <td>{c.role.label()}</td>
            <td class:expiring=held>{c.status.label()}</td>
            <td>{c.not_after.map(|t| t.jst()).unwrap_or_else(|| "－".to_owned())}</td>
        </tr>
    }
}

fn list(data: HoldList) -> impl IntoView {
    let refusal = super::query("error")
        .as_deref()
        .and_then(RevokeRefusal::from_code);
    let rows = data
        .candidates
        .into_iter()
        .map(|c| row(c, refusal))
        .collect_view();
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="証明書一時停止・再開 利用者一覧"/>
            <p>"対象者を選択し、「一時停止」または「再開」ボタンを押してください。一時停止中の電子証明書ではログインできません。再開すると、同じ電子証明書で再びログインできます。"</p>
            {refusal.map(|r| view! { <Notice message=suspension::message(r, "") error=true id="list-message"/> })}
            <form method="get" action=routes::HOLD_CONFIRM>
                <table class="users">
                    <caption>"対象者の選択"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"選択"</th>
                            <th scope="col">"ログインID"</th>
                            <th scope="col">"利用者名"</th>
                            <th scope="col">"利用者区分"</th>
                            <th scope="col">"証明書状態"</th>
                            <th scope="col">"証明書有効期限"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <div class="actions">
                    <button type="submit" class="primary" name="action" value=HoldAction::Suspend.code()>"一時停止"</button>
                    <button type="submit" class="primary" name="action" value=HoldAction::Resume.code()>"再開"</button>
                    <a class="button" href=routes::USERS_MENU>"戻る"</a>
                </div>
            </form>
        </Layout>
    }
}

#[component]
pub fn HoldConfirmPage() -> impl IntoView {
    let login_id = super::query("login_id").unwrap_or_default();
    let action = super::query("action").unwrap_or_default();
    view! {
        <Loaded load=move || load_hold_confirmation(login_id.clone(), action.clone()) body=confirm/>
    }
}

fn details(c: &HoldConfirmation) -> impl IntoView {
    view! {
        <table class="details">
            <tbody>
                <tr><th scope="row">"ログインID"</th><td>{c.login_id.to_string()}</td></tr>
                <tr><th scope="row">"利用者名"</th><td>{c.name.clone()}</td></tr>
                <tr><th scope="row">"証明書状態"</th><td>{c.status.label()}</td></tr>
                <tr><th scope="row">"証明書有効期限"</th><td>{c.not_after.jst()}</td></tr>
                <tr><th scope="row">"シリアル番号"</th><td>{c.serial.to_string()}</td></tr>
            </tbody>
        </table>
    }
}

fn confirm(data: HoldConfirmationPage) -> AnyView {
    let releaser = data.releaser();
    let confirmation = match data.confirmation {
        Ok(c) => c,
        Err(refusal) => {
            // Nothing to confirm: back to the list, which explains why.
            #[cfg(feature = "ssr")]
            leptos_axum::redirect(&routes::hold_list_with(refusal));
            return view! { <p>{suspension::message(refusal, releaser)}</p> }.into_any();
        }
    };
    let action = confirmation.action;
    let refusal = super::query("error")
        .as_deref()
        .and_then(RevokeRefusal::from_code);
    let about_password = refusal.is_some_and(RevokeRefusal::is_about_password);
    let message = refusal.map(|r| suspension::message(r, releaser));
    let attempts_left = (refusal == Some(RevokeRefusal::WrongPassword))
        .then(|| MAX_PASSWORD_FAILURES - confirmation.confirmation_failures)
        .filter(|n| *n > 0)
        .map(|n| format!("あと{n}回誤ると確認用パスワードが利用停止となります。"));
    let what = match action {
        HoldAction::Suspend => "一時停止すると、この利用者はこの電子証明書でログインできなくなります（再開すると再びログインできます）。",
        HoldAction::Resume => "再開すると、この利用者は同じ電子証明書で再びログインできます。",
    };
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title=format!("証明書{}確認", action.label())/>
            <p>{format!("証明書{}の対象者を確認し、確認用パスワードを入力の上「実行」ボタンを押してください。", action.label())}</p>
            <p>{what}</p>
            {message.map(|m| view! { <Notice message=m error=true id="confirm-message"/> })}
            {attempts_left.map(|m| view! { <p class="hint" id="attempts-left">{m}</p> })}
            {details(&confirmation)}
            <OnceForm action=HoldCertificate::url().to_owned()>
                <input type="hidden" name="login_id" value=confirmation.login_id.to_string()/>
                <input type="hidden" name="serial" value=confirmation.serial.to_string()/>
                <input type="hidden" name="action" value=action.code()/>
                <div class="field">
                    <label for="confirmation_password">"確認用パスワード"</label>
                    <input id="confirmation_password" name="confirmation_password" type="password"
                        required maxlength="128" autocomplete="off" autofocus=about_password
                        aria-invalid=about_password.to_string()
                        aria-describedby=if about_password { "confirm-message attempts-left" } else { "" }/>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"実行"</button>
                    <a class="button" href=routes::HOLD_LIST>"戻る"</a>
                </div>
            </OnceForm>
        </Layout>
    }
    .into_any()
}

#[component]
pub fn HoldResultPage() -> impl IntoView {
    let login_id = super::query("login_id").unwrap_or_default();
    view! { <Loaded load=move || load_hold_result(login_id.clone()) body=result/> }
}

fn result(HoldResultPage { viewer, result: r }: HoldResultPage) -> impl IntoView {
    // The heading only: the table says what the certificate is now.
    let action = super::query("action")
        .as_deref()
        .and_then(HoldAction::from_code)
        .unwrap_or(HoldAction::Suspend);
    view! {
        <Layout viewer=viewer>
            <ScreenHeading title=format!("証明書{}結果", action.label())/>
            <p class="notice notice-info" role="status">{format!("証明書{}結果が表示されます。", action.label())}</p>
            <table class="details">
                <tbody>
                    <tr><th scope="row">"ログインID"</th><td>{r.login_id.to_string()}</td></tr>
                    <tr><th scope="row">"利用者名"</th><td>{r.name}</td></tr>
                    <tr><th scope="row">"証明書状態"</th><td id="certificate-status">{r.status.label()}</td></tr>
                    {r.suspended_at.map(|t| view! { <tr><th scope="row">"一時停止日時"</th><td>{t.jst()}</td></tr> })}
                </tbody>
            </table>
            <ul class="notes">
                <li>"◆一時停止中の電子証明書ではログインできません。証明書の更新・再取得もできません。"</li>
                <li>"◆再開すると、同じ電子証明書で再びログインできます。パソコンの紛失などで電子証明書を二度と使わない場合は、証明書失効を行ってください。"</li>
                <li>"◆利用者とマスターユーザにはメールでお知らせしています。"</li>
            </ul>
            <div class="actions"><a class="button primary" href=routes::HOME>"ホームへ"</a></div>
        </Layout>
    }
}
