//! 操作履歴照会: the contract's 操作履歴 of the last 100 days, newest first,
//! filtered and paged, with a CSV download of the filtered rows.

use crate::components::{Layout, Loaded, Notice, Pager, ScreenHeading};
use crate::domain::history::AuditRow;
use crate::domain::history::{HistoryFilterForm, HISTORY_DAYS};
use crate::domain::AuditAction;
use crate::domain::LoginId;
use crate::functions::operation_history::load_audit_history;
use crate::payloads::operation_history::AuditHistory;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn OperationHistoryPage() -> impl IntoView {
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
    let page = data.page;
    let page_href = {
        let f = data.filter.clone();
        move |n: usize| routes::operation_history(&f, n)
    };
    let empty = page.total_rows == 0;
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="操作履歴照会"/>
            <p>{format!("過去{HISTORY_DAYS}日分（{}以降）の操作履歴を新しい順に表示します。", data.window_start)}</p>
            {data.filter_message.map(|m| view! { <Notice message=m error=true id="filter-message"/> })}
            {filters(&data.filter, &data.users, &data.window_start)}
            <table class="history">
                <caption>{format!("操作履歴（{}件）", page.total_rows)}</caption>
                <thead><tr>
                    <th scope="col">"日時"</th><th scope="col">"利用者"</th><th scope="col">"操作内容"</th>
                    <th scope="col">"対象"</th><th scope="col">"結果"</th>
                </tr></thead>
                <tbody>{data.rows.into_iter().map(row).collect_view()}</tbody>
            </table>
            {empty.then(|| view! { <p>"該当する操作履歴はありません。"</p> })}
            <Pager page href=page_href/>
            <p><a href=routes::BUSINESS_SELECT>"戻る"</a></p>
        </Layout>
    }
}

/// The filter form (a GET, so that it works without JavaScript and the
/// address can be bookmarked) and the CSV of what it selects.
fn filters(
    f: &HistoryFilterForm,
    users: &[(LoginId, String)],
    window_start: &str,
) -> impl IntoView {
    let user_options = users
        .iter()
        .map(|(id, name)| {
            let selected = id.as_str() == f.user;
            view! { <option value=id.to_string() selected=selected>{format!("{id}（{name}）")}</option> }
        })
        .collect_view();
    let action_options = AuditAction::ALL
        .iter()
        .map(|action| {
            let selected = action.as_db() == f.action;
            view! { <option value=action.as_db() selected=selected>{action.label()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=routes::OPERATION_HISTORY class="filters">
            <div class="field">
                <label for="from">"開始日"</label>
                <input id="from" name="from" type="date" value=f.from.clone() min=window_start.to_owned()/>
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
                <a class="button" href=routes::operation_history_csv(f) download="sousa-rireki.csv">"CSVダウンロード"</a>
            </div>
        </form>
    }
}

fn row(r: AuditRow) -> impl IntoView {
    view! {
        <tr>
            <td>{r.occurred_at.jst()}</td>
            <td>{r.actor.clone()}</td>
            <td>{r.action_label()}</td>
            <td>{r.target}</td>
            <td>{r.outcome.label()}</td>
        </tr>
    }
}
