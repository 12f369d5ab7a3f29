//! 証明書失効 — 利用者一覧 / 対象者の選択 (BRSK018).

use crate::components::{Layout, Loaded, Notice, ScreenHeading};
use crate::functions::revocation::{load_revocation_candidates, CandidateList};
use crate::models::RevokeRefusal;
use leptos::prelude::*;

#[component]
pub fn RevokeListPage() -> impl IntoView {
    view! { <Loaded load=load_revocation_candidates body=page/> }
}

fn page(data: CandidateList) -> impl IntoView {
    let refusal = super::query("error")
        .as_deref()
        .and_then(RevokeRefusal::from_code);
    let rows = data
        .candidates
        .into_iter()
        .map(|c| {
            let radio_id = format!("target-{}", c.login_id);
            let selectable = c.not_selectable_because.is_none();
            let status = if c.expiring_soon { format!("{}（期限間近）", c.status_label) } else { c.status_label.clone() };
            view! {
                <tr class:unselectable=!selectable>
                    <td class="select">
                        {if selectable {
                            view! {
                                <input type="radio" name="login_id" id=radio_id.clone() value=c.login_id.clone()
                                    aria-describedby=refusal.map(|_| "list-message")/>
                            }.into_any()
                        } else {
                            view! { <span class="why-not">{c.not_selectable_because.clone()}</span> }.into_any()
                        }}
                    </td>
                    <td><label for=radio_id>{c.login_id.clone()}</label></td>
                    <td>{c.name.clone()}</td>
                    <td>{c.role_label.clone()}</td>
                    <td class:expiring=c.expiring_soon>{status}</td>
                    <td>{c.not_after_jst.clone().unwrap_or_else(|| "－".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="利用者一覧" screen_id="BRSK018"/>
            <p>"証明書の失効を行う対象者を選択し、「失効」ボタンを押してください。"</p>
            {refusal.map(|r| view! { <Notice message=r.message("") error=true id="list-message"/> })}
            <form method="get" action="/kanri/users/revoke/confirm">
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
                    <button type="submit" class="primary">"失効"</button>
                    <a class="button" href="/kanri/users">"戻る"</a>
                </div>
            </form>
        </Layout>
    }
}
