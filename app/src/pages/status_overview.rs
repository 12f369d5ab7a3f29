//! 証明書状態照会: counts per 証明書状態, then every user, sortable and paged.
//! 期限間近 and 有効期限切れ are marked with a sign and words, not colour alone.

use crate::components::{Layout, Loaded, Pager, ScreenHeading};
use crate::functions::reports::load_certificate_overview;
use crate::models::{CertificateOverview, OverviewSort};
use leptos::prelude::*;

#[component]
pub fn StatusOverviewPage() -> impl IntoView {
    let sort = super::query("sort").unwrap_or_default();
    let dir = super::query("dir").unwrap_or_default();
    let page = super::query("page").unwrap_or_default();
    view! { <Loaded load=move || load_certificate_overview(sort, dir, page) body=overview/> }
}

fn overview(data: CertificateOverview) -> impl IntoView {
    let sort = data.sort;
    let descending = data.descending;
    let header = move |column: OverviewSort| {
        let active = column == sort;
        let next_dir = if active && !descending { "desc" } else { "asc" };
        let href = format!("/kanri/users/status?sort={}&dir={next_dir}", column.code());
        let aria_sort = if !active {
            "none"
        } else if descending {
            "descending"
        } else {
            "ascending"
        };
        let mark = if !active {
            ""
        } else if descending {
            " ▼"
        } else {
            " ▲"
        };
        view! { <th scope="col" aria-sort=aria_sort><a href=href>{column.label()}{mark}</a></th> }
    };
    let rows = data
        .rows
        .into_iter()
        .map(|r| {
            let status = if r.expiring_soon {
                format!("⚠ {}（期限間近）", r.status_label)
            } else if r.expired {
                format!("✕ {}", r.status_label)
            } else {
                r.status_label.clone()
            };
            let days = match r.days_left {
                Some(d) if d < 0 => format!("{}日経過", -d),
                Some(d) => format!("残り{d}日"),
                None => "－".to_owned(),
            };
            view! {
                <tr class:expiring=r.expiring_soon class:expired=r.expired>
                    <td>{r.login_id}</td>
                    <td>{r.name}</td>
                    <td>{r.role_label}</td>
                    <td>{status}</td>
                    <td>{r.not_after_jst.unwrap_or_else(|| "－".to_owned())}" "<span class="days">"（"{days}"）"</span></td>
                </tr>
            }
        })
        .collect_view();
    let page = data.page;
    let page_href = move |n: usize| {
        format!(
            "/kanri/users/status?sort={}&dir={}&page={n}",
            sort.code(),
            if descending { "desc" } else { "asc" }
        )
    };
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="証明書状態照会"/>
            <table class="counts">
                <caption>"証明書状態ごとの利用者数"</caption>
                <thead><tr>
                    <th scope="col">"発行済み"</th><th scope="col">"うち期限間近"</th><th scope="col">"有効期限切れ"</th>
                    <th scope="col">"失効済み"</th><th scope="col">"未発行"</th><th scope="col">"合計"</th>
                </tr></thead>
                <tbody><tr>
                    <td id="count-issued">{data.issued}</td>
                    <td id="count-expiring">{data.expiring_soon}</td>
                    <td id="count-expired">{data.expired}</td>
                    <td id="count-revoked">{data.revoked}</td>
                    <td id="count-not-issued">{data.not_issued}</td>
                    <td>{page.total_rows}</td>
                </tr></tbody>
            </table>
            <p class="hint">"⚠ 期限間近：有効期限まで40日以内です。証明書発行アプリの「証明書更新」で更新してください。 ✕ 有効期限切れ：取得手順にしたがって再度取得してください。"</p>
            <table class="users">
                <caption>"利用者ごとの証明書状態"</caption>
                <thead><tr>
                    {header(OverviewSort::LoginId)}
                    {header(OverviewSort::Name)}
                    {header(OverviewSort::Role)}
                    {header(OverviewSort::Status)}
                    {header(OverviewSort::NotAfter)}
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <Pager page href=page_href/>
            <p><a href="/kanri/users">"戻る"</a></p>
        </Layout>
    }
}
