//! Every address of kanri, named once: the screens, the plain handlers and
//! the links and redirects built from them. Which page renders a screen is
//! the router's business (`crate::router`), not this file's. Form actions
//! come from the server functions themselves (`ServerFn::url()`), so no
//! screen spells an `/api/…` address.

use crate::domain::history::HistoryFilterForm;
use crate::domain::suspension::HoldAction;
use crate::domain::{LoginId, RevokeRefusal};
use crate::payloads::login::LoginNotice;

// Screens: each is a page of the router (`crate::router`).

/// ホーム.
pub const HOME: &str = "/";

/// ログイン.
pub const LOGIN: &str = "/login";

/// 管理 → 業務選択 (BSSK001).
pub const BUSINESS_SELECT: &str = "/kanri";

/// 利用者管理 → 作業内容選択 (BRSK001).
pub const USERS_MENU: &str = "/kanri/users";

/// 証明書状態照会.
pub const CERTIFICATE_STATUS: &str = "/kanri/users/status";

/// 操作履歴照会.
pub const OPERATION_HISTORY: &str = "/kanri/history";

/// 証明書発行履歴: every certificate ever issued to the contract's users.
pub const CERTIFICATE_REGISTER: &str = "/kanri/certificates";

/// 証明書失効 — 利用者一覧 (BRSK018).
pub const REVOKE_LIST: &str = "/kanri/users/revoke";

/// 証明書失効確認 (BRSK019).
pub const REVOKE_CONFIRM: &str = "/kanri/users/revoke/confirm";

/// 証明書失効結果.
pub const REVOKE_RESULT: &str = "/kanri/users/revoke/result";

/// 証明書一時停止・再開 — 利用者一覧.
pub const HOLD_LIST: &str = "/kanri/users/hold";

/// 証明書一時停止確認 / 証明書再開確認.
pub const HOLD_CONFIRM: &str = "/kanri/users/hold/confirm";

/// 証明書一時停止結果 / 証明書再開結果.
pub const HOLD_RESULT: &str = "/kanri/users/hold/result";

/// 証明書取得認証 (取得 手順5).
pub const ISSUANCE_AUTH: &str = "/certificate/issue";

/// ワンタイムパスワード認証 of 取得.
pub const ISSUANCE_OTP: &str = "/certificate/issue/otp";

/// The key method of 取得.
pub const ISSUANCE_METHOD: &str = "/certificate/issue/method";

/// 証明書発行結果 (取得 手順6).
pub const ISSUANCE_RESULT: &str = "/certificate/issue/result";

/// 証明書取得 認証 (CCHK002) of 更新, over HTTPS with the current certificate.
pub const RENEWAL_AUTH: &str = "/certificate/renew";

/// ワンタイムパスワード認証 (CCHK003) of 更新.
pub const RENEWAL_OTP: &str = "/certificate/renew/otp";

/// The key method of 更新.
pub const RENEWAL_METHOD: &str = "/certificate/renew/method";

/// 証明書取得 結果 (CCHK007) of 更新.
pub const RENEWAL_RESULT: &str = "/certificate/renew/result";

/// ワンタイムパスワード登録 (from ホーム).
pub const OTP_REGISTER: &str = "/otp/register";

/// ワンタイムパスワード管理: 利用停止解除 and 登録解除 (利用者管理, master user).
pub const OTP_RELEASE: &str = "/kanri/users/otp";

/// 発行用コード発行 (利用者管理, master user).
pub const CODE_GRANT: &str = "/kanri/users/code";

/// 発行用コード発行結果: the code, shown once.
pub const CODE_GRANTED: &str = "/kanri/users/code/result";

/// Every screen above, in order: the router is checked against this list.
pub const SCREENS: &[&str] = &[
    HOME,
    LOGIN,
    BUSINESS_SELECT,
    USERS_MENU,
    CERTIFICATE_STATUS,
    OPERATION_HISTORY,
    CERTIFICATE_REGISTER,
    REVOKE_LIST,
    REVOKE_CONFIRM,
    REVOKE_RESULT,
    HOLD_LIST,
    HOLD_CONFIRM,
    HOLD_RESULT,
    ISSUANCE_AUTH,
    ISSUANCE_OTP,
    ISSUANCE_METHOD,
    ISSUANCE_RESULT,
    RENEWAL_AUTH,
    RENEWAL_OTP,
    RENEWAL_METHOD,
    RENEWAL_RESULT,
    OTP_REGISTER,
    OTP_RELEASE,
    CODE_GRANT,
    CODE_GRANTED,
];

/// The 操作履歴 CSV download (a plain handler of the server, not a screen).
pub const OPERATION_HISTORY_CSV: &str = "/kanri/history.csv";
/// The 証明書発行履歴 CSV download (a plain handler, like 操作履歴's).
pub const CERTIFICATE_REGISTER_CSV: &str = "/kanri/certificates.csv";
/// The key-method form of 取得 and 更新 posts here (multipart: a CSR file).
pub const CERTIFICATE_SUBMIT: &str = "/certificate/submit";
/// The one download of a `.p12` made on the server.
pub const CERTIFICATE_DOWNLOAD: &str = "/certificate/download";
/// kanri's issuing CA certificate (PEM), public: what a user's tools may
/// need beside their own certificate (never the root: a user's PC must not
/// be asked to trust kanri's root for anything).
pub const CA_CERTIFICATE: &str = "/pki/ca.crt";
/// The root certificate (PEM), for relying parties.
pub const ROOT_CERTIFICATE: &str = "/pki/root.crt";
/// The issuing CA and the certificates above it up to the root (PEM): what
/// nginx's `ssl_client_certificate` and `openssl verify -CAfile` take.
pub const CA_CHAIN: &str = "/pki/chain.pem";
/// The public key of 操作履歴's signed checkpoints (PEM).
pub const AUDIT_KEY: &str = "/pki/audit-key.pem";
/// Every signed checkpoint of 操作履歴 (text).
pub const AUDIT_CHECKPOINTS: &str = "/pki/audit-checkpoints";
/// The CRL (DER) of the first issuing CA, written into its certificates;
/// `/pki/crl/<generation>` is each later issuing CA's (`ca-rollover`).
pub const CRL: &str = "/pki/crl";
/// The OCSP responder (POST, or GET `/pki/ocsp/<base64>`), written into every certificate.
pub const OCSP: &str = "/pki/ocsp";
/// The certificate just issued (DER, for `certreq -accept`), only to the
/// session it was issued in: no address serves certificates by serial,
/// whose subjects name login IDs (SPEC 9.1).
pub const CERTIFICATE_DER: &str = "/certificate/download.cer";

/// URL-encodes a query value (the few characters our codes and IDs may hold).
pub fn query_value(raw: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    // RFC 3986's unreserved characters stay; everything else is escaped.
    const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(raw, ESCAPED).to_string()
}

use query_value as q;

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

/// The hold list, explaining why the actor must start over.
pub fn hold_list_with(refusal: RevokeRefusal) -> String {
    format!("{HOLD_LIST}?error={}", refusal.code())
}

pub fn hold_confirm(login_id: &str, action: HoldAction, refusal: Option<RevokeRefusal>) -> String {
    let error = refusal
        .map(|r| format!("&error={}", r.code()))
        .unwrap_or_default();
    format!(
        "{HOLD_CONFIRM}?login_id={}&action={}{error}",
        q(login_id),
        action.code()
    )
}

/// The hold result of `action` (the action picks the heading only: the
/// screen reads the certificate as it is).
pub fn hold_result(login_id: &LoginId, action: HoldAction) -> String {
    format!(
        "{HOLD_RESULT}?login_id={}&action={}",
        q(login_id.as_str()),
        action.code()
    )
}

/// ワンタイムパスワード管理 after `done` (`reset` or `released`) for `login_id`.
pub fn otp_release_done(done: &str, login_id: &LoginId) -> String {
    format!("{OTP_RELEASE}?{done}={}", q(login_id.as_str()))
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

/// 証明書発行履歴 of `user` (all users when empty), page `page`.
pub fn certificate_register(user: &str, page: usize) -> String {
    format!("{CERTIFICATE_REGISTER}?user={}&page={page}", q(user))
}

pub fn certificate_register_csv(user: &str) -> String {
    format!("{CERTIFICATE_REGISTER_CSV}?user={}", q(user))
}

/// 操作履歴照会 of one user, over the whole window.
pub fn operation_history_of(user: &LoginId) -> String {
    operation_history(
        &HistoryFilterForm {
            user: user.to_string(),
            ..HistoryFilterForm::default()
        },
        1,
    )
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
