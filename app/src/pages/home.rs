//! ホーム: 利用者名, 前回ログイン日時 and the own certificate's expiry notice.

use crate::components::{Layout, Loaded, Notice, ScreenHeading};
use crate::domain::certificate::ExpiryNotice;
use crate::domain::CertificateStatus;
use crate::functions::home::load_home;
use crate::payloads::home::HomeData;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! { <Loaded load=load_home body=home/> }
}

fn expiry_message(n: &ExpiryNotice) -> String {
    if n.status == CertificateStatus::Expired {
        format!(
            "ご利用の電子証明書は有効期限（{}）を過ぎています。クライアント証明書（電子証明書）の取得手順にしたがって、再度取得してください。",
            n.not_after.jst()
        )
    } else {
        format!(
            "ご利用の電子証明書の有効期限は{}です（残り{}日）。有効期限が切れる前に、下の「証明書更新」（ログイン画面にもあります）で更新してください。",
            n.not_after.jst(),
            n.days_left
        )
    }
}

fn home(data: HomeData) -> impl IntoView {
    let renewal_url = data.renewal_url.clone();
    let notice = data.expiry_notice.map(|n| {
        let message = expiry_message(&n);
        let action = if n.status == CertificateStatus::Expired {
            view! { <a class="button" href=routes::ISSUANCE_AUTH>"電子証明書発行（取得）"</a> }.into_any()
        } else {
            view! { <a class="button primary" href=renewal_url>"証明書更新"</a> }.into_any()
        };
        view! { <div class="expiry-notice" role="note"><h2>"電子証明書の有効期限のお知らせ"</h2><p>{message}</p><p>{action}</p></div> }
    });
    let registered = super::query("notice").as_deref() == Some("otp_registered");
    let otp = if data.otp_registered {
        view! { <p>"ワンタイムパスワード：登録済み"</p> }.into_any()
    } else {
        view! { <p>"ワンタイムパスワード：未登録 "<a href=routes::OTP_REGISTER>"ワンタイムパスワードを登録する"</a></p> }.into_any()
    };
    let previous = data
        .previous_login
        .map(|t| t.jst())
        .unwrap_or_else(|| "初めてのログインです".to_owned());
    view! {
        <Layout viewer=data.viewer.clone()>
            <ScreenHeading title="ホーム"/>
            {registered.then(|| view! { <Notice message="ワンタイムパスワードを登録しました。電子証明書の取得・更新の際に入力していただきます。".to_owned()/> })}
            {notice}
            <dl class="summary">
                <dt>"利用者名"</dt>
                <dd>{data.viewer.name.clone()}</dd>
                <dt>"前回ログイン日時"</dt>
                <dd>{previous}</dd>
            </dl>
            <section class="security" aria-label="セキュリティ">{otp}</section>
        </Layout>
    }
}
