//! 証明書状態照会.

use crate::error::AppError;
use crate::payloads::certificate_status::CertificateOverview;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "certificate_overview")]
pub async fn load_certificate_overview(
    sort: String,
    dir: String,
    page: String,
) -> Result<CertificateOverview, AppError> {
    use crate::domain::overview::OverviewSort;
    use crate::domain::Page;
    use crate::request;
    use crate::use_cases::certificate_status;

    let current = request::current_administrator().await?;
    let state = request::state()?;
    let sort = OverviewSort::from_code(&sort);
    let descending = dir == "desc";
    let overview = certificate_status::overview(
        &state,
        &current.user,
        sort,
        descending,
        Page::parse_number(&page),
    )
    .await?;
    Ok(CertificateOverview {
        viewer: super::viewer_of(&current.user),
        counts: overview.counts,
        rows: overview.rows,
        sort,
        descending,
        page: overview.page,
        notice_days: state.config.notice_window().days(),
    })
}
