//! ホーム: 利用者名, 前回ログイン日時 and the own certificate's expiry notice.

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::pages::load_home;
use crate::models::HomeData;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! { <Loaded load=load_home body=home/> }
}

fn home(data: HomeData) -> impl IntoView {
    let notice = data.expiry_notice.map(|n| {
        let message = if n.expired {
            format!(
                "ご利用の電子証明書は有効期限（{}）を過ぎています。クライアント証明書（電子証明書）の取得手順にしたがって、再度取得してください。",
                n.not_after_jst
            )
        } else {
            format!(
                "ご利用の電子証明書の有効期限は{}です（残り{}日）。有効期限が切れる前に、証明書発行アプリの「証明書更新」で更新してください。",
                n.not_after_jst, n.days_left
            )
        };
        view! { <div class="expiry-notice" role="note"><h2>"電子証明書の有効期限のお知らせ"</h2><p>{message}</p></div> }
    });
    view! {
        <Layout viewer=data.viewer.clone()>
            <ScreenHeading title="ホーム"/>
            {notice}
            <dl class="summary">
                <dt>"利用者名"</dt>
                <dd>{data.viewer.name.clone()}</dd>
                <dt>"前回ログイン日時"</dt>
                <dd>{data.previous_login_jst.unwrap_or_else(|| "初めてのログインです".to_owned())}</dd>
            </dl>
        </Layout>
    }
}
