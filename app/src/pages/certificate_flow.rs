//! The screens of 取得 and 更新 (manual 取得手順 手順5–6, 更新 【手順3–5】):
//! 証明書取得認証, CCHK002 (更新's certificate and password), the
//! ワンタイムパスワード (CCHK003), the key method, and the result
//! (証明書発行結果 / CCHK007). The two flows share the later screens.

use crate::components::{Layout, Notice, OnceForm, ScreenHeading};
use crate::domain::Refusal;
use crate::functions::certificate_flow::{
    load_certificate_result, load_certificate_step, start_of, AuthenticateForIssuance,
    CertificateOtp,
};
use crate::functions::renewal::{load_renewal_start, AuthenticateForRenewal};
use crate::payloads::certificate_flow::{Flow, IssuedCertificate, StepPage};
use crate::payloads::renewal::RenewalStart;
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The refusal a step was sent back with (`?error=<code>`), as a notice.
fn refusal_notice() -> Option<impl IntoView> {
    let refusal = super::query("error")
        .as_deref()
        .and_then(Refusal::from_certificate_screen)?;
    Some(
        view! { <Notice message=refusal.message(Refusal::RELEASER) error=true id="step-message"/> },
    )
}

fn password_field() -> impl IntoView {
    view! {
        <div class="field">
            <label for="password">"ログインパスワード"</label>
            <input id="password" name="password" type="password" required maxlength="128"
                autocomplete="current-password"/>
        </div>
    }
}

/// 証明書取得認証 (取得 手順5).
#[component]
pub fn IssuanceAuthPage() -> impl IntoView {
    view! {
        <Layout>
            <ScreenHeading title="証明書取得認証"/>
            <p>"電子証明書発行に必要な本人認証を行います。ログインID、ログインパスワードを入力の上、「認証して発行」ボタンを押してください。"</p>
            {refusal_notice()}
            <OnceForm action=AuthenticateForIssuance::url().to_owned()>
                <div class="field">
                    <label for="login_id">"ログインID"</label>
                    <input id="login_id" name="login_id" type="text" required maxlength="12" autocomplete="username"/>
                </div>
                {password_field()}
                <div class="field">
                    <label for="issuance_code">"発行用コード"</label>
                    <input id="issuance_code" name="issuance_code" type="text" maxlength="20"
                        autocomplete="one-time-code" aria-describedby="issuance-code-hint"/>
                    <p class="hint" id="issuance-code-hint">"電子証明書方式のご契約の方、証明書を失効された方は、メールでお届けした発行用コード（例：ABCD-EFGH-JKLM）を入力してください。ワンタイムパスワードをご登録の方は、次の画面でワンタイムパスワードを入力していただきます。"</p>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"認証して発行"</button>
                    <a class="button" href=routes::LOGIN>"戻る"</a>
                </div>
            </OnceForm>
        </Layout>
    }
}

/// 証明書取得 認証 (CCHK002, 更新 【手順3】).
#[component]
pub fn RenewalAuthPage() -> impl IntoView {
    view! { <crate::components::Loaded load=load_renewal_start body=renewal_start/> }
}

fn renewal_start(data: RenewalStart) -> AnyView {
    let certificate = match data.presented {
        Ok(c) => c,
        Err(refusal) => {
            return view! {
                <Layout>
                    <ScreenHeading title="証明書取得 認証" screen_id="CCHK002"/>
                    <Notice message=refusal.message().to_owned() error=true id="step-message"/>
                    <p>"更新する電子証明書を、ブラウザの証明書の選択画面（証明書一覧）で選択してください。有効期限が切れた電子証明書は更新できません。クライアント証明書（電子証明書）の取得手順にしたがって、再度取得してください。"</p>
                    <ul class="choices">
                        <li><a class="button" href=data.https_url.clone()>"証明書を選択し直す"</a></li>
                        <li><a class="button" href=routes::ISSUANCE_AUTH>"電子証明書発行（取得）"</a></li>
                    </ul>
                </Layout>
            }
            .into_any();
        }
    };
    view! {
        <Layout>
            <ScreenHeading title="証明書取得 認証" screen_id="CCHK002"/>
            <p>"電子証明書発行に必要な本人認証を行います。ログインパスワードを入力の上、「認証」ボタンを押してください。"</p>
            {refusal_notice()}
            <table class="details">
                <caption>"更新する証明書"</caption>
                <tbody>
                    <tr><th scope="row">"ログインID"</th><td>{certificate.login_id.to_string()}</td></tr>
                    <tr><th scope="row">"Common Name"</th><td id="presented-cn">{certificate.common_name}</td></tr>
                    <tr><th scope="row">"証明書シリアル番号"</th><td>{certificate.serial.to_string()}</td></tr>
                    <tr><th scope="row">"有効期限"</th><td>{certificate.not_after.jst()}</td></tr>
                </tbody>
            </table>
            <OnceForm action=AuthenticateForRenewal::url().to_owned()>
                <fieldset>
                    <legend>"認証情報"</legend>
                    {password_field()}
                    {certificate.needs_code.then(|| view! {
                        <div class="field">
                            <label for="issuance_code">"発行用コード"</label>
                            <input id="issuance_code" name="issuance_code" type="text" maxlength="20" required
                                autocomplete="one-time-code" aria-describedby="renewal-code-hint"/>
                            <p class="hint" id="renewal-code-hint">"有効期限が切れた電子証明書の更新には、発行用コードが必要です。マスターユーザ（マスターユーザの方はお取引店）に発行用コードの発行を依頼し、メールで届いた発行用コードを入力してください。"</p>
                        </div>
                    })}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="primary">"認証"</button>
                    <a class="button" href=routes::LOGIN>"戻る"</a>
                </div>
            </OnceForm>
        </Layout>
    }
    .into_any()
}

/// What a later step shows when its flow was not authenticated (or the 10
/// minutes passed): the message and the way back to the start.
fn start_over(flow: Flow, refusal: crate::domain::IssueRefusal) -> AnyView {
    view! {
        <Layout>
            <ScreenHeading title=flow.title()/>
            <Notice message=refusal.message().to_owned() error=true/>
            <p><a class="button primary" href=start_of(flow)>"最初からやり直す"</a></p>
        </Layout>
    }
    .into_any()
}

fn otp_step(flow: Flow) -> impl IntoView {
    let body = move |data: Result<StepPage, crate::domain::IssueRefusal>| {
        match data {
        Err(refusal) => start_over(flow, refusal),
        Ok(page) => view! {
            <Layout>
                <ScreenHeading title=format!("{} ワンタイムパスワード認証", flow.title()) screen_id=if flow == Flow::Renewal { "CCHK003" } else { "" }/>
                <p>"ワンタイムパスワードを入力の上、「認証」ボタンを押してください。"</p>
                {refusal_notice()}
                <p>{format!("{}（{}）様", page.name, page.login_id)}</p>
                <OnceForm action=CertificateOtp::url().to_owned()>
                    <input type="hidden" name="flow" value=flow_value(flow)/>
                    <fieldset>
                        <legend>"ワンタイムパスワード認証"</legend>
                        <div class="field">
                            <label for="code">"ワンタイムパスワード"</label>
                            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                required maxlength="8" pattern="[0-9 ]*"/>
                        </div>
                    </fieldset>
                    <div class="actions"><button type="submit" class="primary">"認証"</button></div>
                </OnceForm>
            </Layout>
        }
        .into_any(),
    }
    };
    view! { <crate::components::Loaded load=move || load_certificate_step(flow, true) body=body/> }
}

/// The `flow` field's value, as the server function reads it.
fn flow_value(flow: Flow) -> &'static str {
    match flow {
        Flow::Issuance => "Issuance",
        Flow::Renewal => "Renewal",
    }
}

#[component]
pub fn IssuanceOtpPage() -> impl IntoView {
    otp_step(Flow::Issuance)
}

#[component]
pub fn RenewalOtpPage() -> impl IntoView {
    otp_step(Flow::Renewal)
}

fn method_step(flow: Flow) -> impl IntoView {
    let body = move |data: Result<StepPage, crate::domain::IssueRefusal>| match data {
        Err(refusal) => start_over(flow, refusal),
        Ok(page) => method_form(flow, page),
    };
    view! { <crate::components::Loaded load=move || load_certificate_step(flow, false) body=body/> }
}

fn method_form(flow: Flow, page: StepPage) -> AnyView {
    view! {
        <Layout>
            <ScreenHeading title=format!("{} 発行方法の選択", flow.title())/>
            <p>{format!("{}（{}）様の電子証明書を発行します。鍵の作り方を選び、「発行」ボタンを押してください。", page.name, page.login_id)}</p>
            {refusal_notice()}
            <form method="post" action=routes::CERTIFICATE_SUBMIT enctype="multipart/form-data" class="method">
                <input type="hidden" name="flow" value=flow_value(flow)/>
                <fieldset>
                    <legend><label><input type="radio" name="method" value="p12" checked/>" 証明書ファイル（.p12）をダウンロードする"</label></legend>
                    <p class="hint">"鍵と証明書をこの画面で作成し、パスワードで保護したファイルでお渡しします。ファイルはWindowsの証明書のインポート（ダブルクリック）で取り込んでください。ダウンロードは1回のみ、10分以内です。"</p>
                    <div class="field">
                        <label for="import_password">"証明書ファイルのパスワード（8文字以上）"</label>
                        <input id="import_password" name="import_password" type="password" minlength="8" maxlength="128" autocomplete="new-password"/>
                    </div>
                    <div class="field">
                        <label for="import_password_repeat">"証明書ファイルのパスワード（確認用）"</label>
                        <input id="import_password_repeat" name="import_password_repeat" type="password" minlength="8" maxlength="128" autocomplete="new-password"/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend><label><input type="radio" name="method" value="csr"/>" 証明書署名要求（CSR）を送る"</label></legend>
                    <p class="hint">"Windowsの certreq -new などで作成したCSR（PKCS#10、PEMまたはDER）を貼り付けるか、ファイルを選択してください。鍵はお使いのパソコンから出ません。"</p>
                    <div class="field">
                        <label for="csr_text">"CSR（貼り付け）"</label>
                        <textarea id="csr_text" name="csr_text" rows="8" cols="64" maxlength="16384"></textarea>
                    </div>
                    <div class="field">
                        <label for="csr_file">"CSR（ファイル）"</label>
                        <input id="csr_file" name="csr_file" type="file" accept=".csr,.req,.pem,.der"/>
                    </div>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="primary">"発行"</button>
                    <a class="button" href=start_of(flow)>"戻る"</a>
                </div>
            </form>
        </Layout>
    }
    .into_any()
}

#[component]
pub fn IssuanceMethodPage() -> impl IntoView {
    method_step(Flow::Issuance)
}

#[component]
pub fn RenewalMethodPage() -> impl IntoView {
    method_step(Flow::Renewal)
}

fn result_step(flow: Flow) -> impl IntoView {
    let body = move |data: Result<IssuedCertificate, crate::domain::IssueRefusal>| match data {
        Err(refusal) => start_over(flow, refusal),
        Ok(issued) => result_page(issued),
    };
    view! { <crate::components::Loaded load=move || load_certificate_result(flow) body=body/> }
}

fn certificate_details(c: &IssuedCertificate) -> impl IntoView {
    view! {
        <table class="details">
            <caption>"証明書情報"</caption>
            <tbody>
                <tr><th scope="row">"Organization"</th><td>{c.organization.clone()}</td></tr>
                <tr><th scope="row">"Organization Unit"</th><td>{c.organizational_unit.clone()}</td></tr>
                <tr><th scope="row">"Common Name"</th><td id="issued-cn">{c.common_name.clone()}</td></tr>
                <tr><th scope="row">"証明書シリアル番号"</th><td id="issued-serial">{c.serial.to_string()}</td></tr>
                <tr><th scope="row">"有効期限"</th><td>{c.not_after.jst()}</td></tr>
            </tbody>
        </table>
    }
}

fn delivery(c: &IssuedCertificate) -> AnyView {
    match &c.pem {
        Some(pem) => view! {
            <h2>"証明書"</h2>
            <p>"発行した証明書です。CSRを作成したパソコンで certreq -accept などにより取り込んでください。"</p>
            <pre class="pem">{pem.clone()}</pre>
            <ul class="choices">
                <li><a class="button" href=routes::CERTIFICATE_DER download="certificate.cer">"証明書（.cer）をダウンロード"</a></li>
                <li><a class="button" href=routes::CA_CERTIFICATE download="kanri-ca.crt">"認証局の証明書をダウンロード"</a></li>
            </ul>
        }
        .into_any(),
        None if c.download_pending => view! {
            <p><a class="button primary" href=routes::CERTIFICATE_DOWNLOAD download="certificate.p12">"証明書ファイル（.p12）をダウンロード"</a></p>
            <p class="hint">"ダウンロードは1回のみ、10分以内です。ファイルを開き、設定したパスワードで取り込んでください。"</p>
        }
        .into_any(),
        None => view! { <p class="hint">"証明書ファイルはダウンロード済みです。"</p> }.into_any(),
    }
}

fn result_page(c: IssuedCertificate) -> AnyView {
    let (title, screen_id) = match c.flow {
        Flow::Issuance => ("証明書発行結果", ""),
        Flow::Renewal => ("証明書取得 結果", "CCHK007"),
    };
    view! {
        <Layout>
            <ScreenHeading title=title screen_id=screen_id/>
            <p class="notice notice-info" role="status">"電子証明書の発行が完了しました。"</p>
            {certificate_details(&c)}
            {delivery(&c)}
            <ul class="notes">
                <li>"* 電子証明書を有効にするには、一度全てのブラウザを閉じてください。"</li>
                <li>"* 電子証明書の有効期限は、発行後1年間です。"</li>
                <li>{format!("* 有効期間満了の{}日前に、ログイン後のトップページおよび電子メールでお知らせします。", c.notice_days)}</li>
            </ul>
            <div class="actions"><a class="button" href=routes::LOGIN>"閉じる"</a></div>
        </Layout>
    }
    .into_any()
}

#[component]
pub fn IssuanceResultPage() -> impl IntoView {
    result_step(Flow::Issuance)
}

#[component]
pub fn RenewalResultPage() -> impl IntoView {
    result_step(Flow::Renewal)
}
