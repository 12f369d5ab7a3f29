//! Why an attempt was refused: one kind of typed refusal for every
//! use case. Each reason has a stable code (stored in 操作履歴 and carried
//! in a redirect's query string), a short label for 操作履歴, and a
//! sentence for the screen.

use serde::{Deserialize, Serialize};

/// Declares a refusal enum with its stored code and its 操作履歴 label.
macro_rules! refusals {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $audit:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The words in 操作履歴's 結果 column: 失敗（…）.
            pub fn audit_label(self) -> &'static str {
                match self { $($name::$variant => $audit,)+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|r| r.code() == code)
            }
        }
    };
}

refusals! {
    /// A login that did not happen (SPEC section 5).
    LoginRefusal {
        /// Unknown ID or malformed input.
        Invalid = "invalid_credentials", "ログインIDまたはパスワード誤り";
        WrongPassword = "wrong_password", "ログインパスワード誤り";
        WrongPasswordNowStopped = "wrong_password_now_stopped", "ログインパスワード誤り（利用停止）";
        Stopped = "login_password_stopped", "ログインパスワード利用停止中";
        Throttled = "throttled", "試行回数超過";
    }
}

impl LoginRefusal {
    /// The sentence on screen: a wrong ID and a wrong password read the same.
    pub fn message(self) -> &'static str {
        match self {
            LoginRefusal::Invalid | LoginRefusal::WrongPassword => "ログインIDまたはログインパスワードが正しくありません。",
            LoginRefusal::WrongPasswordNowStopped | LoginRefusal::Stopped => "ログインパスワードが利用停止となっています。マスターユーザ（マスターユーザの方はお取引店）に利用停止の解除を依頼してください。",
            LoginRefusal::Throttled => "短時間に多くのログインが試みられたため、受け付けを一時停止しています。しばらくしてから再度お試しください。",
        }
    }
}

refusals! {
    /// A 証明書失効 step that did not happen (SPEC section 4).
    RevokeRefusal {
        NotSelected = "not_selected", "対象者未選択";
        NotFound = "not_found", "対象者なし";
        NotPermitted = "not_permitted", "権限なし";
        NotRevocable = "not_revocable", "失効できない状態";
        AlreadyRevoked = "already_revoked", "失効済み";
        /// 一時停止 of a certificate that is not 発行済み (issue 26).
        NotSuspendable = "not_suspendable", "一時停止できない状態";
        AlreadySuspended = "already_suspended", "一時停止中";
        /// 再開 of a certificate that is not on hold.
        NotSuspended = "not_suspended", "一時停止中でない";
        /// 再開 of a hold the bank made (`contract-suspend`).
        HeldByBank = "held_by_bank", "お取引店による一時停止";
        CertificateChanged = "certificate_changed", "証明書変更あり";
        PasswordMissing = "password_missing", "確認用パスワード未入力";
        WrongPassword = "wrong_password", "確認用パスワード誤り";
        PasswordNowStopped = "password_now_stopped", "確認用パスワード誤り（利用停止）";
        PasswordStopped = "password_stopped", "確認用パスワード利用停止中";
        Throttled = "throttled", "試行回数超過";
    }
}

impl RevokeRefusal {
    /// The sentence on screen. `releaser` is who can release the actor's
    /// stopped 確認用パスワード (マスターユーザ or お取引店).
    pub fn message(self, releaser: &str) -> String {
        match self {
            RevokeRefusal::NotSelected => "証明書を失効する利用者を選択してください。".into(),
            RevokeRefusal::NotFound => "指定された利用者は見つかりません。".into(),
            RevokeRefusal::NotPermitted => "この利用者の証明書を失効する権限がありません。".into(),
            RevokeRefusal::NotRevocable => "この利用者の証明書は失効できません（発行済みまたは有効期限切れの証明書のみ失効できます）。".into(),
            RevokeRefusal::AlreadyRevoked => "この証明書は既に失効済みです。".into(),
            RevokeRefusal::NotSuspendable => "この利用者の証明書は一時停止できません（発行済みの証明書のみ一時停止できます）。".into(),
            RevokeRefusal::AlreadySuspended => "この証明書は既に一時停止中です。".into(),
            RevokeRefusal::NotSuspended => "この証明書は一時停止中ではありません（一時停止中の証明書のみ再開できます）。".into(),
            RevokeRefusal::HeldByBank => "この証明書はお取引店により一時停止されています。再開はお取引店にお申し込みください。".into(),
            RevokeRefusal::CertificateChanged => "証明書の状態が変更されています。お手数ですが、最初からやり直してください。".into(),
            RevokeRefusal::PasswordMissing => "確認用パスワードを入力してください。".into(),
            RevokeRefusal::WrongPassword => "確認用パスワードが正しくありません。".into(),
            RevokeRefusal::PasswordNowStopped => format!(
                "確認用パスワードを{}回連続で誤ったため、確認用パスワードが利用停止となりました。{releaser}に利用停止の解除を依頼してください。",
                super::user::MAX_PASSWORD_FAILURES
            ),
            RevokeRefusal::PasswordStopped => format!(
                "確認用パスワードが利用停止となっているため、実行できません。{releaser}に利用停止の解除を依頼してください。"
            ),
            RevokeRefusal::Throttled => "短時間に多くの実行が試みられたため、受け付けを一時停止しています。しばらくしてから再度お試しください。".into(),
        }
    }

    /// Whether the refusal concerns the password field (for `aria-describedby`).
    pub fn is_about_password(self) -> bool {
        matches!(
            self,
            RevokeRefusal::PasswordMissing | RevokeRefusal::WrongPassword
        )
    }

    /// Whether the shown certificate or target is gone, so that the master
    /// must start over from the list rather than retry the confirmation.
    pub fn starts_over(self) -> bool {
        matches!(
            self,
            RevokeRefusal::NotFound
                | RevokeRefusal::CertificateChanged
                | RevokeRefusal::AlreadyRevoked
                | RevokeRefusal::NotPermitted
                | RevokeRefusal::NotRevocable
                | RevokeRefusal::NotSuspendable
                | RevokeRefusal::AlreadySuspended
                | RevokeRefusal::NotSuspended
                | RevokeRefusal::HeldByBank
        )
    }
}

refusals! {
    /// A ワンタイムパスワード that did not pass (SPEC 7.4).
    OtpRefusal {
        Missing = "otp_missing", "ワンタイムパスワード未入力";
        Wrong = "otp_wrong", "ワンタイムパスワード誤り";
        NowStopped = "otp_now_stopped", "ワンタイムパスワード誤り（利用停止）";
        Stopped = "otp_stopped", "ワンタイムパスワード利用停止中";
        /// The code of a time step already used: a replay.
        Replayed = "otp_replayed", "ワンタイムパスワード使用済み";
        AlreadyRegistered = "otp_already_registered", "ワンタイムパスワード登録済み";
        /// Too many codes tried on the account just now.
        Throttled = "otp_throttled", "ワンタイムパスワード試行回数超過";
    }
}

impl OtpRefusal {
    /// `releaser`: who releases the user's stopped ワンタイムパスワード.
    pub fn message(self, releaser: &str) -> String {
        match self {
            OtpRefusal::Missing => "ワンタイムパスワードを入力してください。".into(),
            OtpRefusal::Wrong => "ワンタイムパスワードが正しくありません。ソフトウェアトークンに表示されている6桁の数字を入力してください。".into(),
            OtpRefusal::NowStopped => format!(
                "ワンタイムパスワードを{}回連続で誤ったため、ワンタイムパスワードが利用停止となりました。{releaser}に利用停止の解除を依頼してください。",
                super::user::MAX_PASSWORD_FAILURES
            ),
            OtpRefusal::Stopped => format!(
                "ワンタイムパスワードが利用停止となっています。{releaser}に利用停止の解除を依頼してください。"
            ),
            OtpRefusal::Replayed => "このワンタイムパスワードは使用済みです。次に表示される数字を入力してください。".into(),
            OtpRefusal::AlreadyRegistered => "ワンタイムパスワードは登録済みです。".into(),
            OtpRefusal::Throttled => "短時間に多くのワンタイムパスワードが入力されたため、受け付けを一時停止しています。しばらくしてから再度お試しください。".into(),
        }
    }
}

refusals! {
    /// A 取得 or 更新 that issued nothing (SPEC 7.2, 7.3).
    IssueRefusal {
        /// 取得 while a 発行済み certificate exists: that one is renewed (更新).
        AlreadyIssued = "already_issued", "発行済み証明書あり";
        /// The authentication step was not done, or is over 10 minutes old.
        NotAuthenticated = "not_authenticated", "認証未完了・期限切れ";
        MethodMissing = "method_missing", "発行方法未選択";
        ImportPasswordTooShort = "import_password_short", "パスワード文字数不足";
        ImportPasswordMismatch = "import_password_mismatch", "パスワード不一致";
        /// The login ID, one of the user's passwords, or one character repeated.
        ImportPasswordGuessable = "import_password_guessable", "推測されやすいパスワード";
        CsrMissing = "csr_missing", "CSR未入力";
        CsrTooLarge = "csr_too_large", "CSRサイズ超過";
        CsrMalformed = "csr_malformed", "CSR形式誤り";
        CsrBadSignature = "csr_bad_signature", "CSR署名不正";
        CsrWeakKey = "csr_weak_key", "CSR鍵長不足";
        CsrUnsupportedKey = "csr_unsupported_key", "CSR鍵種別非対応";
        /// The one download was made, or its 10 minutes passed.
        DownloadGone = "download_gone", "ダウンロード済み・期限切れ";
        /// 取得 needs a 発行用コード here (SPEC 9.1) and none was typed.
        CodeRequired = "code_required", "発行用コード未入力";
        /// Not a live code of this user: wrong, another user's, used or voided.
        CodeInvalid = "code_invalid", "発行用コード誤り";
        /// This user's code, past its 24 hours.
        CodeExpired = "code_expired", "発行用コード有効期限切れ";
        /// The user's certificate is on hold: 再開 by an administrator
        /// first (a hold is not undone by obtaining another certificate).
        Suspended = "certificate_suspended", "証明書一時停止中";
    }
}

impl IssueRefusal {
    pub fn message(self) -> &'static str {
        match self {
            IssueRefusal::AlreadyIssued => "発行済みの電子証明書があるため、新たに取得することはできません。有効期限が近い場合は「証明書更新」から更新してください。パソコンを変更される場合は、先に証明書失効を行ってください。",
            IssueRefusal::NotAuthenticated => "認証の有効時間（10分）が過ぎたか、認証が完了していません。お手数ですが、最初からやり直してください。",
            IssueRefusal::MethodMissing => "証明書の発行方法を選択してください。",
            IssueRefusal::ImportPasswordTooShort => "証明書ファイルのパスワードは8文字以上で入力してください。",
            IssueRefusal::ImportPasswordMismatch => "証明書ファイルのパスワードが確認用の入力と一致しません。",
            IssueRefusal::ImportPasswordGuessable => "証明書ファイルのパスワードには、ログインID、ログインパスワード、確認用パスワード、同じ文字の繰り返しは使えません。別のパスワードを入力してください。",
            IssueRefusal::CsrMissing => "証明書署名要求（CSR）を貼り付けるか、ファイルを選択してください。",
            IssueRefusal::CsrTooLarge => "証明書署名要求（CSR）が大きすぎます（16KBまで）。",
            IssueRefusal::CsrMalformed => "証明書署名要求（CSR）の形式が正しくありません。PKCS#10形式（PEMまたはDER）のCSRを指定してください。",
            IssueRefusal::CsrBadSignature => "証明書署名要求（CSR）の署名が正しくありません。CSRを作成し直してください。",
            IssueRefusal::CsrWeakKey => "証明書署名要求（CSR）の鍵が短すぎます。RSAは2048ビット以上、またはECDSA（P-256/P-384）の鍵で作成してください。",
            IssueRefusal::CsrUnsupportedKey => "証明書署名要求（CSR）の鍵の種類には対応していません。RSA（2048ビット以上）またはECDSA（P-256/P-384）の鍵で作成してください。",
            IssueRefusal::DownloadGone => "証明書ファイルはダウンロード済みか、ダウンロードの有効時間（10分）が過ぎています。証明書ファイルは1回のみダウンロードできます。",
            IssueRefusal::CodeRequired => "電子証明書の取得には発行用コードが必要です。マスターユーザ（マスターユーザの方はお取引店）に発行用コードの発行を依頼し、メールで届いた発行用コードを入力してください。",
            IssueRefusal::Suspended => "電子証明書が一時停止中のため、取得・更新できません。マスターユーザまたは管理者（マスターユーザの方はお取引店）に再開を依頼してください。",
            IssueRefusal::CodeInvalid => "発行用コードが正しくないか、既に使用されています。メールで届いた発行用コードを入力してください。",
            IssueRefusal::CodeExpired => "発行用コードの有効期限（24時間）が過ぎています。マスターユーザ（マスターユーザの方はお取引店）に発行用コードの再発行を依頼してください。",
        }
    }
}

refusals! {
    /// A client certificate presented over TLS that does not do (SPEC 7.3, 7.5).
    CertificateRefusal {
        Missing = "cert_missing", "証明書提示なし";
        Malformed = "cert_malformed", "証明書形式誤り";
        ForeignCa = "cert_foreign_ca", "他の認証局の証明書";
        NotYetValid = "cert_not_yet_valid", "有効期間開始前";
        Expired = "cert_expired", "有効期限切れ";
        Revoked = "cert_revoked", "失効済み";
        /// Replaced by a renewal: the new certificate is the one to use.
        Superseded = "cert_superseded", "更新済みの旧証明書";
        OtherUser = "cert_other_user", "他の利用者の証明書";
        /// Issued by kanri but not the user's current certificate.
        NotCurrent = "cert_not_current", "現在の証明書ではない";
        /// On hold (一時停止) until an administrator's 再開.
        Suspended = "cert_suspended", "一時停止中";
    }
}

impl CertificateRefusal {
    /// What to do about it: a master user cannot be helped by anyone in
    /// the contract, only by the bank (the 申込書, manual (5)).
    pub fn guidance(master: bool) -> &'static str {
        if master {
            "マスターユーザの方は、お取引店で「クライアント証明書（電子証明書）機能申込書」をご提出ください。"
        } else {
            "クライアント証明書（電子証明書）の取得手順にしたがって、ログイン画面の「電子証明書発行」から電子証明書を取得してください。"
        }
    }

    /// The whole sentence of a refused 電子証明書方式 login or request.
    pub fn login_message(self, master: bool) -> String {
        if self == CertificateRefusal::Suspended {
            // Nothing to obtain: the same certificate works again after 再開.
            let who = if master {
                "お取引店"
            } else {
                "マスターユーザまたは管理者"
            };
            return format!("{}{who}に再開を依頼してください。", self.message());
        }
        let what = match self {
            CertificateRefusal::Missing => "この契約は電子証明書方式でご利用いただいています。電子証明書をインストールしたパソコンから、ブラウザの証明書の選択画面でご自身の電子証明書を選択してログインしてください。",
            other => other.message(),
        };
        format!("{what}{}", Self::guidance(master))
    }

    /// What is wrong with the certificate the browser presented.
    pub fn message(self) -> &'static str {
        match self {
            CertificateRefusal::Missing => "電子証明書が提示されていません。ブラウザの証明書の選択画面で、ご自身の電子証明書を選択してください。",
            CertificateRefusal::Malformed => "提示された電子証明書を読み取れません。",
            CertificateRefusal::ForeignCa => "提示された電子証明書は当組合が発行したものではありません。",
            CertificateRefusal::NotYetValid => "提示された電子証明書はまだ有効期間が始まっていません。",
            CertificateRefusal::Expired => "提示された電子証明書は有効期限が切れています。",
            CertificateRefusal::Revoked => "提示された電子証明書は失効しています。",
            CertificateRefusal::Superseded => "提示された電子証明書は更新済みの古い証明書です。更新後の新しい電子証明書を選択してください。",
            CertificateRefusal::OtherUser => "提示された電子証明書はご本人のものではありません。",
            CertificateRefusal::NotCurrent => "提示された電子証明書は現在ご利用いただける証明書ではありません。",
            CertificateRefusal::Suspended => "提示された電子証明書は一時停止中です。",
        }
    }
}

refusals! {
    /// A 利用者管理 action of the master user (発行用コード発行,
    /// ワンタイムパスワード登録解除) that did not happen.
    AdminRefusal {
        NotSelected = "not_selected", "対象者未選択";
        NotFound = "not_found", "対象者なし";
        NotPermitted = "not_permitted", "権限なし";
        /// ワンタイムパスワード登録解除 of a user who has none.
        NothingToReset = "nothing_to_reset", "ワンタイムパスワード未登録";
        PasswordMissing = "password_missing", "確認用パスワード未入力";
        WrongPassword = "wrong_password", "確認用パスワード誤り";
        PasswordNowStopped = "password_now_stopped", "確認用パスワード誤り（利用停止）";
        PasswordStopped = "password_stopped", "確認用パスワード利用停止中";
        Throttled = "throttled", "試行回数超過";
    }
}

impl AdminRefusal {
    /// The sentence on screen; the master's stopped 確認用パスワード is
    /// released by the bank.
    pub fn message(self) -> String {
        match self {
            AdminRefusal::NotSelected => "対象の利用者を選択してください。".into(),
            AdminRefusal::NotFound => "指定された利用者は見つかりません。".into(),
            AdminRefusal::NotPermitted => "この利用者に対する操作の権限がありません。マスターユーザご本人の分はお取引店にお申し込みください。".into(),
            AdminRefusal::NothingToReset => "この利用者はワンタイムパスワードを登録していません。".into(),
            other => RevokeRefusal::from(other).message("お取引店"),
        }
    }

    /// Whether the refusal concerns the password field.
    pub fn is_about_password(self) -> bool {
        matches!(
            self,
            AdminRefusal::PasswordMissing | AdminRefusal::WrongPassword
        )
    }
}

/// The 確認用パスワード's refusals read the same for every action it confirms.
impl From<AdminRefusal> for RevokeRefusal {
    fn from(r: AdminRefusal) -> Self {
        match r {
            AdminRefusal::NotSelected => RevokeRefusal::NotSelected,
            AdminRefusal::NotFound | AdminRefusal::NothingToReset => RevokeRefusal::NotFound,
            AdminRefusal::NotPermitted => RevokeRefusal::NotPermitted,
            AdminRefusal::PasswordMissing => RevokeRefusal::PasswordMissing,
            AdminRefusal::WrongPassword => RevokeRefusal::WrongPassword,
            AdminRefusal::PasswordNowStopped => RevokeRefusal::PasswordNowStopped,
            AdminRefusal::PasswordStopped => RevokeRefusal::PasswordStopped,
            AdminRefusal::Throttled => RevokeRefusal::Throttled,
        }
    }
}

/// Any refusal, as 操作履歴 stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Refusal {
    Login(LoginRefusal),
    Revocation(RevokeRefusal),
    Otp(OtpRefusal),
    Issue(IssueRefusal),
    Certificate(CertificateRefusal),
    Admin(AdminRefusal),
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Admin(r) => r.code(),
            Refusal::Login(r) => r.code(),
            Refusal::Revocation(r) => r.code(),
            Refusal::Otp(r) => r.code(),
            Refusal::Issue(r) => r.code(),
            Refusal::Certificate(r) => r.code(),
        }
    }

    pub fn audit_label(self) -> &'static str {
        match self {
            Refusal::Admin(r) => r.audit_label(),
            Refusal::Login(r) => r.audit_label(),
            Refusal::Revocation(r) => r.audit_label(),
            Refusal::Otp(r) => r.audit_label(),
            Refusal::Issue(r) => r.audit_label(),
            Refusal::Certificate(r) => r.audit_label(),
        }
    }

    /// The sentence on screen. `releaser` is who releases the user's stopped
    /// 確認用パスワード or ワンタイムパスワード.
    pub fn message(self, releaser: &str) -> String {
        match self {
            Refusal::Login(r) => r.message().to_owned(),
            Refusal::Revocation(r) => r.message(releaser),
            Refusal::Otp(r) => r.message(releaser),
            Refusal::Issue(r) => r.message().to_owned(),
            Refusal::Certificate(r) => r.message().to_owned(),
            Refusal::Admin(r) => r.message(),
        }
    }
}

impl Refusal {
    /// What a screen that an anonymous client reaches (証明書取得認証, and
    /// 更新 and the registration alike) may say: a wrong or stopped password
    /// reads exactly like an unknown ID, so that nobody learns which login
    /// IDs exist (SPEC 9.1), not even after six tries. 操作履歴 keeps the
    /// real reason; ログイン still names the stop (SPEC section 5).
    pub fn on_screen(self) -> Self {
        match self {
            Refusal::Login(
                LoginRefusal::WrongPassword
                | LoginRefusal::WrongPasswordNowStopped
                | LoginRefusal::Stopped,
            ) => Refusal::Login(LoginRefusal::Invalid),
            other => other,
        }
    }

    /// A refusal carried back to a screen of 取得 or 更新 (`?error=<code>`):
    /// their vocabularies share no code.
    pub fn from_certificate_screen(code: &str) -> Option<Self> {
        [login, otp, certificate, issue]
            .iter()
            .find_map(|read| read(code))
    }

    /// Who releases a stopped password or ワンタイムパスワード, for a screen
    /// that does not know the user's role yet.
    pub const RELEASER: &'static str = "マスターユーザ（マスターユーザの方はお取引店）";
}

/// Reads a stored code as a refusal of one kind (the vocabularies of
/// 操作履歴's actions are made of these: `AuditAction::refusal`).
pub(crate) type Reader = fn(&str) -> Option<Refusal>;

pub(crate) fn login(code: &str) -> Option<Refusal> {
    LoginRefusal::from_code(code).map(Refusal::Login)
}
pub(crate) fn revocation(code: &str) -> Option<Refusal> {
    RevokeRefusal::from_code(code).map(Refusal::Revocation)
}
pub(crate) fn otp(code: &str) -> Option<Refusal> {
    OtpRefusal::from_code(code).map(Refusal::Otp)
}
pub(crate) fn issue(code: &str) -> Option<Refusal> {
    IssueRefusal::from_code(code).map(Refusal::Issue)
}
pub(crate) fn admin(code: &str) -> Option<Refusal> {
    AdminRefusal::from_code(code).map(Refusal::Admin)
}
pub(crate) fn certificate(code: &str) -> Option<Refusal> {
    CertificateRefusal::from_code(code).map(Refusal::Certificate)
}

impl From<LoginRefusal> for Refusal {
    fn from(r: LoginRefusal) -> Self {
        Refusal::Login(r)
    }
}

impl From<RevokeRefusal> for Refusal {
    fn from(r: RevokeRefusal) -> Self {
        Refusal::Revocation(r)
    }
}

impl From<OtpRefusal> for Refusal {
    fn from(r: OtpRefusal) -> Self {
        Refusal::Otp(r)
    }
}

impl From<IssueRefusal> for Refusal {
    fn from(r: IssueRefusal) -> Self {
        Refusal::Issue(r)
    }
}

impl From<AdminRefusal> for Refusal {
    fn from(r: AdminRefusal) -> Self {
        Refusal::Admin(r)
    }
}

impl From<CertificateRefusal> for Refusal {
    fn from(r: CertificateRefusal) -> Self {
        Refusal::Certificate(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_ignored() {
        for r in RevokeRefusal::ALL {
            assert_eq!(RevokeRefusal::from_code(r.code()), Some(*r));
        }
        for r in LoginRefusal::ALL {
            assert_eq!(LoginRefusal::from_code(r.code()), Some(*r));
        }
        assert_eq!(RevokeRefusal::from_code("<script>"), None);
    }

    #[test]
    fn the_stop_message_names_who_releases_it_and_the_limit() {
        let message = RevokeRefusal::PasswordNowStopped.message("お取引店");
        assert!(
            message.contains("お取引店") && message.contains("6回"),
            "{message}"
        );
    }
}
