//! Every address of kanri, written once: the screens (with the page that
//! renders each, for the router) and the links and redirects built from
//! them. Form actions come from the server functions themselves
//! (`ServerFn::url()`), so no screen spells an `/api/…` address.

use crate::domain::history::HistoryFilterForm;
use crate::domain::{LoginId, RevokeRefusal};
use crate::functions::encode_query_value as q;
use crate::payloads::login::LoginNotice;

/// Declares each screen's address as a constant and the router that
/// renders them all on the server (`SsrMode::Async`, so that a screen can
/// still set its status or redirect).
macro_rules! screens {
    ($($(#[$doc:meta])* $name:ident = $path:tt => $page:ident,)+) => {
        $($(#[$doc])* pub const $name: &str = $path;)+

        /// The router of every screen above.
        #[leptos::component]
        pub fn ScreenRoutes() -> impl leptos::IntoView {
            use crate::pages::*;
            use leptos::prelude::*;
            use leptos_router::components::{Route, Routes};
            use leptos_router::{path, SsrMode};
            view! {
                <Routes fallback=NotFoundPage>
                    $(<Route path=path!($path) view=$page ssr=SsrMode::Async/>)+
                </Routes>
            }
        }
    };
}

screens! {
    /// ホーム.
    HOME = "/" => HomePage,
    /// ログイン.
    LOGIN = "/login" => LoginPage,
    /// 管理 → 業務選択 (BSSK001).
    BUSINESS_SELECT = "/kanri" => BusinessSelectPage,
    /// 利用者管理 → 作業内容選択 (BRSK001).
    USERS_MENU = "/kanri/users" => UserAdminMenuPage,
    /// 証明書状態照会.
    CERTIFICATE_STATUS = "/kanri/users/status" => CertificateStatusPage,
    /// 操作履歴照会.
    OPERATION_HISTORY = "/kanri/history" => OperationHistoryPage,
    /// 証明書失効 — 利用者一覧 (BRSK018).
    REVOKE_LIST = "/kanri/users/revoke" => RevokeListPage,
    /// 証明書失効確認 (BRSK019).
    REVOKE_CONFIRM = "/kanri/users/revoke/confirm" => RevokeConfirmPage,
    /// 証明書失効結果.
    REVOKE_RESULT = "/kanri/users/revoke/result" => RevokeResultPage,
    /// 証明書取得認証 (取得 手順5).
    ISSUANCE_AUTH = "/certificate/issue" => IssuanceAuthPage,
    /// ワンタイムパスワード認証 of 取得.
    ISSUANCE_OTP = "/certificate/issue/otp" => IssuanceOtpPage,
    /// The key method of 取得.
    ISSUANCE_METHOD = "/certificate/issue/method" => IssuanceMethodPage,
    /// 証明書発行結果 (取得 手順6).
    ISSUANCE_RESULT = "/certificate/issue/result" => IssuanceResultPage,
    /// 証明書取得 認証 (CCHK002) of 更新, over HTTPS with the current certificate.
    RENEWAL_AUTH = "/certificate/renew" => RenewalAuthPage,
    /// ワンタイムパスワード認証 (CCHK003) of 更新.
    RENEWAL_OTP = "/certificate/renew/otp" => RenewalOtpPage,
    /// The key method of 更新.
    RENEWAL_METHOD = "/certificate/renew/method" => RenewalMethodPage,
    /// 証明書取得 結果 (CCHK007) of 更新.
    RENEWAL_RESULT = "/certificate/renew/result" => RenewalResultPage,
    /// ワンタイムパスワード登録 (from ホーム).
    OTP_REGISTER = "/otp/register" => OtpRegistrationPage,
    /// ワンタイムパスワード管理: 利用停止解除 and 登録解除 (利用者管理, master user).
    OTP_RELEASE = "/kanri/users/otp" => OtpReleasePage,
    /// 発行用コード発行 (利用者管理, master user).
    CODE_GRANT = "/kanri/users/code" => IssuanceCodeGrantPage,
    /// 発行用コード発行結果: the code, shown once.
    CODE_GRANTED = "/kanri/users/code/result" => IssuanceCodeResultPage,
    /// The minimal page `bench/` compares with (404 unless enabled).
    BENCH_MINIMAL = "/bench/minimal" => BenchMinimalPage,
    /// The minimal page after one database round trip, awaited as every
    /// screen awaits its data (404 unless enabled).
    BENCH_ONE_READ = "/bench/one-read" => BenchOneReadPage,
}

/// The 操作履歴 CSV download (a plain handler of the server, not a screen).
pub const OPERATION_HISTORY_CSV: &str = "/kanri/history.csv";
/// The key-method form of 取得 and 更新 posts here (multipart: a CSR file).
pub const CERTIFICATE_SUBMIT: &str = "/certificate/submit";
/// The one download of a `.p12` made on the server.
pub const CERTIFICATE_DOWNLOAD: &str = "/certificate/download";
/// kanri's CA certificate (PEM), public.
pub const CA_CERTIFICATE: &str = "/pki/ca.crt";
/// The CRL (DER), written into every certificate.
pub const CRL: &str = "/pki/crl";
/// The OCSP responder (POST, or GET `/pki/ocsp/<base64>`), written into every certificate.
pub const OCSP: &str = "/pki/ocsp";
/// The certificate just issued (DER, for `certreq -accept`), only to the
/// session it was issued in: no address serves certificates by serial,
/// whose subjects name login IDs (SPEC 9.1).
pub const CERTIFICATE_DER: &str = "/certificate/download.cer";

/// A screen of 取得 or 更新 with a refusal to explain (`?error=<code>`).
pub fn with_error(screen: &str, code: &str) -> String {
    format!("{screen}?error={}", q(code))
}

pub fn login_with(notice: LoginNotice) -> String {
    format!("{LOGIN}?notice={}", notice.code())
}

/// 利用者一覧, explaining why the master must start over.
pub fn revoke_list_with(refusal: RevokeRefusal) -> String {
    format!("{REVOKE_LIST}?error={}", refusal.code())
}

pub fn revoke_confirm(login_id: &str, refusal: Option<RevokeRefusal>) -> String {
    let error = refusal
        .map(|r| format!("&error={}", r.code()))
        .unwrap_or_default();
    format!("{REVOKE_CONFIRM}?login_id={}{error}", q(login_id))
}

/// 証明書失効結果; `reobtain_granted` says that a 発行用コード was mailed.
pub fn revoke_result(login_id: &LoginId, reobtain_granted: bool) -> String {
    let granted = if reobtain_granted { "&reobtain=1" } else { "" };
    format!("{REVOKE_RESULT}?login_id={}{granted}", q(login_id.as_str()))
}

pub fn certificate_status(sort_code: &str, descending: bool, page: Option<usize>) -> String {
    let dir = if descending { "desc" } else { "asc" };
    let page = page.map(|n| format!("&page={n}")).unwrap_or_default();
    format!("{CERTIFICATE_STATUS}?sort={sort_code}&dir={dir}{page}")
}

fn filter_query(f: &HistoryFilterForm) -> String {
    format!(
        "from={}&to={}&user={}&action={}",
        q(&f.from),
        q(&f.to),
        q(&f.user),
        q(&f.action)
    )
}

pub fn operation_history(filter: &HistoryFilterForm, page: usize) -> String {
    format!("{OPERATION_HISTORY}?{}&page={page}", filter_query(filter))
}

pub fn operation_history_csv(filter: &HistoryFilterForm) -> String {
    format!("{OPERATION_HISTORY_CSV}?{}", filter_query(filter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_what_a_user_typed() {
        assert_eq!(
            revoke_confirm("a&b=c", None),
            "/kanri/users/revoke/confirm?login_id=a%26b%3Dc"
        );
        assert_eq!(
            revoke_confirm("sachikodt", Some(RevokeRefusal::WrongPassword)),
            "/kanri/users/revoke/confirm?login_id=sachikodt&error=wrong_password"
        );
        let filter = HistoryFilterForm {
            from: "2026-11-01".into(),
            ..Default::default()
        };
        assert_eq!(
            operation_history_csv(&filter),
            "/kanri/history.csv?from=2026-11-01&to=&user=&action="
        );
    }
}
