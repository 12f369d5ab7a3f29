//! 操作履歴照会: the contract's 操作履歴 of the last 100 days, newest first,
//! filtered and paged, with a CSV download of the filtered rows.

use crate::components::{Layout, Loaded, Notice, Pager, ScreenHeading};
use crate::functions::encode_query_value as q;
use crate::functions::reports::load_audit_history;
use crate::models::AuditHistory;
use leptos::prelude::*;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let get = |name| super::query(name).unwrap_or_default();
    let (from, to, user, action, page) = (
        get("from"),
        get("to"),
        get("user"),
        get("action"),
        get("page"),
    );
    view! { <Loaded load=move || load_audit_history(from, to, user, action, page) body=history/> }
}

fn history(data: AuditHistory) -> impl IntoView {
    let f = data.filter.clone();
    let filter_query = format!(
        "from={}&to={}&user={}&action={}",
        q(&f.from),
        q(&f.to),
        q(&f.user),
        q(&f.action)
    );
    let csv_href = format!("/kanri/history.csv?{filter_query}");
    let page = data.page;
    let page_href = {
        let filter_query = filter_query.clone();
        move |n: usize| format!("/kanri/history?{filter_query}&page={n}")
    };
    let user_options = data
        .users
        .iter()
        .map(|(id, name)| {
            let selected = *id == f.user;
            view! { <option value=id.clone() selected=selected>{format!("{id}（{name}）")}</option> }
        })
        .collect_view();
    let action_options = data
        .actions
        .iter()
        .map(|(code, label)| {
            let selected = *code == f.action;
            view! { <option value=code.clone() selected=selected>{label.clone()}</option> }
        })
        .collect_view();
    let rows = data
        .rows
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{r.occurred_jst}</td>
                    <td>{r.actor}</td>
                    <td>{r.action_label}</td>
                    <td>{r.target}</td>
                    <td>{r.outcome_label}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = page.total_rows == 0;
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="操作履歴照会"/>
            <p>{format!("過去100日分（{}以降）の操作履歴を新しい順に表示します。", data.window_start)}</p>
            {data.filter_message.map(|m| view! { <Notice message=m error=true id="filter-message"/> })}
            <form method="get" action="/kanri/history" class="filters">
                <div class="field">
                    <label for="from">"開始日"</label>
                    <input id="from" name="from" type="date" value=f.from.clone() min=data.window_start.clone()/>
                </div>
                <div class="field">
                    <label for="to">"終了日"</label>
                    <input id="to" name="to" type="date" value=f.to.clone()/>
                </div>
                <div class="field">
                    <label for="user">"利用者"</label>
                    <select id="user" name="user"><option value="">"すべて"</option>{user_options}</select>
                </div>
                <div class="field">
                    <label for="action">"操作内容"</label>
                    <select id="action" name="action"><option value="">"すべて"</option>{action_options}</select>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"絞り込み"</button>
                    <a class="button" href=csv_href download="sousa-rireki.csv">"CSVダウンロード"</a>
                </div>
            </form>
            <table class="history">
                <caption>{format!("操作履歴（{}件）", page.total_rows)}</caption>
                <thead><tr>
                    <th scope="col">"日時"</th><th scope="col">"利用者"</th><th scope="col">"操作内容"</th>
                    <th scope="col">"対象"</th><th scope="col">"結果"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {empty.then(|| view! { <p>"該当する操作履歴はありません。"</p> })}
            <Pager page href=page_href/>
            <p><a href="/kanri">"戻る"</a></p>
        </Layout>
    }
}
