//! 証明書状態照会: every user of one contract with their 証明書状態,
//! counted, sorted and paged, for its master and admin users.

use crate::db::users::{self, UserRecord};
use crate::domain::certificate::days_left;
use crate::domain::certificate::ExpiryNotice;
use crate::domain::overview::{OverviewRow, OverviewSort, StatusCounts};
use crate::domain::{CertificateStatus, Page};
use crate::error::AppError;
use crate::state::AppState;
use std::cmp::Ordering;

pub struct Overview {
    pub counts: StatusCounts,
    pub rows: Vec<OverviewRow>,
    pub page: Page,
}

/// The order 証明書状態 sorts in: what needs attention first.
fn status_rank(status: CertificateStatus) -> u8 {
    match status {
        CertificateStatus::Expired => 0,
        CertificateStatus::Issued {
            expiring_soon: true,
        } => 1,
        CertificateStatus::Issued {
            expiring_soon: false,
        } => 2,
        CertificateStatus::Suspended => 3,
        CertificateStatus::Revoked => 4,
        CertificateStatus::NotIssued => 5,
    }
}

fn compare(sort: OverviewSort, a: &OverviewRow, b: &OverviewRow) -> Ordering {
    match sort {
        OverviewSort::LoginId => a.login_id.as_str().cmp(b.login_id.as_str()),
        OverviewSort::Name => a.name.cmp(&b.name),
        OverviewSort::Role => a.role.label().cmp(b.role.label()),
        OverviewSort::Status => status_rank(a.status).cmp(&status_rank(b.status)),
        // Users without a live certificate sort after every date.
        OverviewSort::NotAfter => a
            .days_left
            .unwrap_or(i64::MAX)
            .cmp(&b.days_left.unwrap_or(i64::MAX)),
    }
}

/// The whole contract is read (counts need it; 1,000 users is one indexed
/// query), the page is cut in memory.
pub async fn overview(
    state: &AppState,
    actor: &UserRecord,
    sort: OverviewSort,
    descending: bool,
    page: usize,
) -> Result<Overview, AppError> {
    let now = state.clock.now();
    let window = state.config.notice_window();
    let listed = crate::db::users::list_with_certificates(&state.db, actor.contract_id).await?;
    let mut counts = StatusCounts::default();
    let mut rows: Vec<OverviewRow> = listed
        .iter()
        .map(|u| {
            let status = CertificateStatus::of(u.certificate.as_ref(), now, window);
            counts.count(status);
            let live = matches!(
                status,
                CertificateStatus::Issued { .. }
                    | CertificateStatus::Expired
                    | CertificateStatus::Suspended
            );
            let revocation_reason = u
                .certificate
                .as_ref()
                .filter(|_| status == CertificateStatus::Revoked)
                .and_then(|c| c.revocation_reason);
            let cert = u.certificate.as_ref().filter(|_| live);
            OverviewRow {
                login_id: u.login_id.clone(),
                name: u.name.clone(),
                role: u.role,
                status,
                not_after: cert.map(|c| c.not_after),
                days_left: cert.map(|c| days_left(c.not_after, now)),
                revocation_reason,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let primary = compare(sort, a, b);
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then_with(|| a.login_id.as_str().cmp(b.login_id.as_str()))
    });
    let page = Page::of(page, rows.len());
    let rows = rows
        .into_iter()
        .skip(page.offset())
        .take(crate::domain::paging::PAGE_SIZE)
        .collect();
    Ok(Overview { counts, rows, page })
}

/// ホーム's notice: the user's own certificate when it is 期限間近 or
/// 有効期限切れ.
pub async fn expiry_notice(
    state: &AppState,
    user: &UserRecord,
) -> Result<Option<ExpiryNotice>, AppError> {
    let now = state.clock.now();
    let own =
        users::find_with_certificate(state.db.pool(), user.contract_id, &user.login_id).await?;
    Ok(own.and_then(|row| row.certificate).and_then(|cert| {
        let status = cert.status(now, state.config.notice_window());
        status.needs_expiry_notice().then(|| ExpiryNotice {
            status,
            not_after: cert.not_after,
            days_left: days_left(cert.not_after, now),
        })
    }))
}
