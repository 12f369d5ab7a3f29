//! 証明書発行履歴: every certificate ever issued to the contract's users,
//! newest first, paged, of one user when the filter says so, with a CSV
//! download; each row's ログインID opens that user's 操作履歴.

use crate::components::{Layout, Loaded, Notice, Pager, ScreenHeading};
use crate::domain::register::{IssuedVia, RegisterRow};
use crate::domain::LoginId;
use crate::functions::certificate_register::load_certificate_register;
use crate::payloads::certificate_register::CertificateRegister;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn CertificateRegisterPage() -> impl IntoView {
    let get = |name| super::query(name).unwrap_or_default();
    let (user, page) = (get("user"), get("page"));
    view! { <Loaded load=move || load_certificate_register(user, page) body=register/> }
}

fn register(data: CertificateRegister) -> impl IntoView {
    let page = data.page;
    let page_href = {
        let user = data.user.clone();
        move |n: usize| routes::certificate_register(&user, n)
    };
    let empty = page.total_rows == 0;
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="証明書発行履歴"/>
            <p>"この契約の利用者に発行したすべての電子証明書を、新しい順に表示します。心当たりのない証明書があれば、証明書失効のうえお取引店にご連絡ください。"</p>
            {data.filter_message.map(|m| view! { <Notice message=m error=true id="filter-message"/> })}
            {filters(&data.user, &data.users)}
            <table class="history" id="register">
                <caption>{format!("発行した証明書（{}件）", page.total_rows)}</caption>
                <thead><tr>
                    <th scope="col">"ログインID"</th><th scope="col">"Common Name"</th>
                    <th scope="col">"シリアル番号"</th><th scope="col">"発行日時"</th>
                    <th scope="col">"有効期限"</th><th scope="col">"発行方法"</th><th scope="col">"状態"</th>
                </tr></thead>
                <tbody>{data.rows.into_iter().map(row).collect_view()}</tbody>
            </table>
            {empty.then(|| view! { <p>"該当する証明書はありません。"</p> })}
            <Pager page href=page_href/>
            <p><a href=routes::BUSINESS_SELECT>"戻る"</a></p>
        </Layout>
    }
}

/// A GET form, so that it works without JavaScript and can be bookmarked.
fn filters(user: &str, users: &[(LoginId, String)]) -> impl IntoView {
    let options = users
        .iter()
        .map(|(id, name)| {
            let selected = id.as_str() == user;
            view! { <option value=id.to_string() selected=selected>{format!("{id}（{name}）")}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=routes::CERTIFICATE_REGISTER class="filters">
            <div class="field">
                <label for="user">"利用者"</label>
                <select id="user" name="user"><option value="">"すべて"</option>{options}</select>
            </div>
            <div class="actions">
                <button type="submit" class="primary">"絞り込み"</button>
                <a class="button" href=routes::certificate_register_csv(user) download="shoumeisho-hakkou-rireki.csv">"CSVダウンロード"</a>
            </div>
        </form>
    }
}

fn row(r: RegisterRow) -> impl IntoView {
    let history = routes::operation_history_of(&r.login_id);
    view! {
        <tr>
            <td><a href=history>{r.login_id.to_string()}</a></td>
            <td>{r.common_name}</td>
            <td class="serial">{r.serial.to_string()}</td>
            <td>{r.issued_at.jst()}</td>
            <td>{r.not_after.jst()}</td>
            <td>{IssuedVia::label(r.via)}</td>
            <td>{r.state.label()}</td>
        </tr>
    }
}
