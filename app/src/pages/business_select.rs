//! 管理 → 業務選択 (BSSK001).

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::home::load_administrator;
use crate::payloads::Viewer;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn BusinessSelectPage() -> impl IntoView {
    view! { <Loaded load=load_administrator body=page/> }
}

fn page(viewer: Viewer) -> impl IntoView {
    view! {
        <Layout viewer>
            <ScreenHeading title="業務選択" screen_id="BSSK001"/>
            <ul class="choices">
                <li><a class="button" href=routes::USERS_MENU>"利用者管理"</a></li>
                <li><a class="button" href=routes::OPERATION_HISTORY>"操作履歴照会"</a></li>
                <li><a class="button" href=routes::CERTIFICATE_REGISTER>"証明書発行履歴"</a></li>
            </ul>
        </Layout>
    }
}
