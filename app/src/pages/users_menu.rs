//! 利用者管理 → 作業内容選択 (BRSK001).

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::home::load_administrator;
use crate::payloads::Viewer;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn UserAdminMenuPage() -> impl IntoView {
    view! { <Loaded load=load_administrator body=page/> }
}

fn page(viewer: Viewer) -> impl IntoView {
    let master = viewer.role == crate::domain::Role::Master;
    view! {
        <Layout viewer>
            <ScreenHeading title="作業内容選択" screen_id="BRSK001"/>
            <ul class="choices">
                <li><a class="button" href=routes::REVOKE_LIST>"証明書失効"</a></li>
                <li><a class="button" href=routes::HOLD_LIST>"証明書一時停止・再開"</a></li>
                <li><a class="button" href=routes::CERTIFICATE_STATUS>"証明書状態照会"</a></li>
                {master.then(|| view! {
                    <li><a class="button" href=routes::CODE_GRANT>"発行用コード発行"</a></li>
                    <li><a class="button" href=routes::OTP_RELEASE>"ワンタイムパスワード管理"</a></li>
                })}
            </ul>
            <p><a href=routes::BUSINESS_SELECT>"戻る"</a></p>
        </Layout>
    }
}
