//! 証明書失効 — 利用者一覧 / 対象者の選択 (BRSK018).

use crate::components::{Layout, Loaded, Notice, ScreenHeading};
use crate::domain::revocation::RevocationCandidate;
use crate::domain::RevokeRefusal;
use crate::functions::revocation::load_revocation_candidates;
use crate::payloads::revoke_list::CandidateList;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn RevokeListPage() -> impl IntoView {
    view! { <Loaded load=load_revocation_candidates body=page/> }
}

fn row(c: RevocationCandidate, refusal: Option<RevokeRefusal>) -> impl IntoView {
    let radio_id = format!("target-{}", c.login_id);
    let expiring = c.status.is_expiring_soon();
    let status = if expiring {
        format!("{}（期限間近）", c.status.label())
    } else {
        c.status.label().to_owned()
    };
    let select = match c.not_selectable {
        None => view! {
            <input type="radio" name="login_id" id=radio_id.clone() value=c.login_id.to_string()
                aria-describedby=refusal.map(|_| "list-message")/>
        }
        .into_any(),
        Some(why) => view! { <span class="why-not">{why.label()}</span> }.into_any(),
    };
    view! {
        <tr class:unselectable=c.not_selectable.is_some()>
            <td class="select">{select}</td>
            <td><label for=radio_id>{c.login_id.to_string()}</label></td>
            <td>{c.name}</td>
            <td>{c.role.label()}</td>
            <td class:expiring=expiring>{status}</td>
            <td>{c.not_after.map(|t| t.jst()).unwrap_or_else(|| "－".to_owned())}</td>
        </tr>
    }
}

fn page(data: CandidateList) -> impl IntoView {
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
            <ScreenHeading title="利用者一覧" screen_id="BRSK018"/>
            <p>"証明書の失効を行う対象者を選択し、「失効」ボタンを押してください。"</p>
            {refusal.map(|r| view! { <Notice message=r.message("") error=true id="list-message"/> })}
            <form method="get" action=routes::REVOKE_CONFIRM>
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
                    <a class="button" href=routes::USERS_MENU>"戻る"</a>
                </div>
            </form>
        </Layout>
    }
}
