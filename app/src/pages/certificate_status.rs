//! 証明書状態照会: counts per 証明書状態, then every user, sortable and paged.
//! 期限間近 and 有効期限切れ are marked with a sign and words, not colour alone.

use crate::components::{Layout, Loaded, Pager, ScreenHeading};
use crate::domain::overview::{OverviewRow, OverviewSort, StatusCounts};
use crate::domain::CertificateStatus;
use crate::functions::certificate_status::load_certificate_overview;
use crate::payloads::certificate_status::CertificateOverview;
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn CertificateStatusPage() -> impl IntoView {
    let sort = super::query("sort").unwrap_or_default();
    let dir = super::query("dir").unwrap_or_default();
    let page = super::query("page").unwrap_or_default();
    view! { <Loaded load=move || load_certificate_overview(sort, dir, page) body=overview/> }
}

fn overview(data: CertificateOverview) -> impl IntoView {
    let (sort, descending) = (data.sort, data.descending);
    let header = move |column| sort_header(column, sort, descending);
    let rows = data.rows.into_iter().map(row).collect_view();
    let page = data.page;
    let notice_days = data.notice_days;
    let page_href = move |n: usize| routes::certificate_status(sort.code(), descending, Some(n));
    view! {
        <Layout viewer=data.viewer>
            <ScreenHeading title="証明書状態照会"/>
            {counts(&data.counts, page.total_rows)}
            <p class="hint">{format!("⚠ 期限間近：有効期限まで{notice_days}日以内です。ログイン画面の「証明書更新」で更新してください。 ✕ 有効期限切れ：取得手順にしたがって再度取得してください。")}</p>
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
            <p><a href=routes::USERS_MENU>"戻る"</a></p>
        </Layout>
    }
}

/// A column heading that sorts by it: ascending first, then the other way.
fn sort_header(column: OverviewSort, sort: OverviewSort, descending: bool) -> impl IntoView {
    let active = column == sort;
    let next_descending = active && !descending;
    let href = routes::certificate_status(column.code(), next_descending, None);
    let (aria_sort, mark) = match (active, descending) {
        (false, _) => ("none", ""),
        (true, true) => ("descending", " ▼"),
        (true, false) => ("ascending", " ▲"),
    };
    view! { <th scope="col" aria-sort=aria_sort><a href=href>{column.label()}{mark}</a></th> }
}

fn counts(c: &StatusCounts, total: usize) -> impl IntoView {
    view! {
        <table class="counts">
            <caption>"証明書状態ごとの利用者数"</caption>
            <thead><tr>
                <th scope="col">"発行済み"</th><th scope="col">"うち期限間近"</th><th scope="col">"有効期限切れ"</th>
                <th scope="col">"一時停止中"</th><th scope="col">"失効済み"</th><th scope="col">"未発行"</th><th scope="col">"合計"</th>
            </tr></thead>
            <tbody><tr>
                <td id="count-issued">{c.issued}</td>
                <td id="count-expiring">{c.expiring_soon}</td>
                <td id="count-expired">{c.expired}</td>
                <td id="count-suspended">{c.suspended}</td>
                <td id="count-revoked">{c.revoked}</td>
                <td id="count-not-issued">{c.not_issued}</td>
                <td>{total}</td>
            </tr></tbody>
        </table>
    }
}

fn row(r: OverviewRow) -> impl IntoView {
    let expiring = r.status.is_expiring_soon();
    let expired = r.status == CertificateStatus::Expired;
    let status = if expiring {
        format!("⚠ {}（期限間近）", r.status.label())
    } else if expired {
        format!("✕ {}", r.status.label())
    } else if let Some(reason) = r.revocation_reason {
        format!("{}（{}）", r.status.label(), reason.label())
    } else {
        r.status.label().to_owned()
    };
    let days = match r.days_left {
        Some(d) if d < 0 => format!("{}日経過", -d),
        Some(d) => format!("残り{d}日"),
        None => "－".to_owned(),
    };
    view! {
        <tr class:expiring=expiring class:expired=expired>
            <td>{r.login_id.to_string()}</td>
            <td>{r.name}</td>
            <td>{r.role.label()}</td>
            <td>{status}</td>
            <td>{r.not_after.map(|t| t.jst()).unwrap_or_else(|| "－".to_owned())}" "<span class="days">"（"{days}"）"</span></td>
        </tr>
    }
}
