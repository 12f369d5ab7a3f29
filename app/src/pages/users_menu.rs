//! 利用者管理 → 作業内容選択 (BRSK001).

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::pages::load_administrator;
use crate::models::Viewer;
use leptos::prelude::*;

#[component]
pub fn UserAdminMenuPage() -> impl IntoView {
    view! { <Loaded load=load_administrator body=page/> }
}

fn page(viewer: Viewer) -> impl IntoView {
    view! {
        <Layout viewer>
            <ScreenHeading title="作業内容選択" screen_id="BRSK001"/>
            <ul class="choices">
                <li><a class="button" href="/kanri/users/revoke">"証明書失効"</a></li>
                <li><a class="button" href="/kanri/users/status">"証明書状態照会"</a></li>
            </ul>
            <p><a href="/kanri">"戻る"</a></p>
        </Layout>
    }
}
