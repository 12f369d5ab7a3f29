//! The one error type of the application layer, and the one mapping from an
//! error to what the browser gets: a status, a way to ログイン, a heading and
//! a Japanese sentence. Screens ([`crate::components::PageError`]), server
//! functions and the server's own handlers all answer through
//! [`AppError::status`] / [`AppError::login_redirect`] / [`AppError::heading`].
//! Internals (SQL, I/O) are logged once on the server and never reach the
//! browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// No session came with the request: a visitor who has not logged in.
    #[error("ログインしてください。")]
    NotLoggedIn,
    /// The request's session is over (timeout, logout elsewhere, revoked).
    #[error(
        "一定時間操作がなかったため、またはセッションが終了したため、再度ログインしてください。"
    )]
    SessionEnded,
    #[error("この画面を利用する権限がありません。")]
    Forbidden,
    #[error("指定された利用者は見つかりません。")]
    NotFound,
    #[error("お探しのページは見つかりません。")]
    NoSuchPage,
    #[error("入力内容が正しくありません。")]
    BadInput,
    #[error("只今、処理が混み合っています。しばらくしてから再度お試しください。")]
    Busy,
    #[error("システムエラーが発生しました。しばらくしてから再度お試しください。")]
    Internal,
    /// 電子証明書方式: the request's certificate is not (any more) the one
    /// its session logged in with. The session is over.
    #[error("{}", refusal.login_message(*master))]
    Certificate {
        refusal: crate::domain::CertificateRefusal,
        /// The user is the マスターユーザ (only the bank helps them).
        master: bool,
    },
}

/// The header through which a server function tells the server's error
/// middleware which error it answered (see [`FromServerFnError::ser`] below).
pub const ERROR_HEADER: &str = "x-kanri-error";

impl AppError {
    const ALL: [AppError; 8] = [
        AppError::NotLoggedIn,
        AppError::SessionEnded,
        AppError::Forbidden,
        AppError::NotFound,
        AppError::NoSuchPage,
        AppError::BadInput,
        AppError::Busy,
        AppError::Internal,
    ];

    /// The HTTP status that goes with the error.
    pub fn status(self) -> u16 {
        match self {
            AppError::NotLoggedIn | AppError::SessionEnded => 401,
            AppError::Forbidden => 403,
            AppError::NotFound | AppError::NoSuchPage => 404,
            AppError::BadInput => 400,
            AppError::Busy => 503,
            AppError::Internal => 500,
            AppError::Certificate { .. } => 403,
        }
    }

    /// Where a browser goes instead of an error page: ログイン, with the
    /// session-ended notice only when there was a session.
    pub fn login_redirect(self) -> Option<String> {
        use crate::payloads::login::LoginNotice;
        match self {
            AppError::NotLoggedIn => Some(crate::routes::LOGIN.to_owned()),
            AppError::SessionEnded => Some(crate::routes::login_with(LoginNotice::SessionEnded)),
            _ => None,
        }
    }

    /// The heading of the error page.
    pub fn heading(self) -> &'static str {
        match self {
            AppError::Forbidden => "権限がありません",
            AppError::NotFound | AppError::NoSuchPage => "見つかりません",
            AppError::NotLoggedIn | AppError::SessionEnded => "ログインしてください",
            AppError::Certificate { .. } => "電子証明書を確認できません",
            _ => "エラー",
        }
    }

    pub fn code(self) -> std::borrow::Cow<'static, str> {
        let code = match self {
            AppError::NotLoggedIn => "not_logged_in",
            AppError::SessionEnded => "session_ended",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::NoSuchPage => "no_such_page",
            AppError::BadInput => "bad_input",
            AppError::Busy => "busy",
            AppError::Internal => "internal",
            AppError::Certificate { refusal, master } => {
                let role = if master { "master" } else { "user" };
                return format!("certificate.{}.{role}", refusal.code()).into();
            }
        };
        code.into()
    }

    pub fn from_code(code: &str) -> Option<Self> {
        if let Some(rest) = code.strip_prefix("certificate.") {
            let (refusal, role) = rest.split_once('.')?;
            return Some(AppError::Certificate {
                refusal: crate::domain::CertificateRefusal::from_code(refusal)?,
                master: role == "master",
            });
        }
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed, missing or repeated form fields are the user's (or an
            // attacker's) mistake, never the server's.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_) => AppError::BadInput,
            _ => AppError::Internal,
        }
    }

    /// Every error a server function returns is serialised here, once, on
    /// the server, while the function's response is being built: the one
    /// place where it gets its own status (server_fn's default is 500) and
    /// the header that lets the error middleware answer a plain form post
    /// with a Japanese page.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(self.status()) {
                response.set_status(status);
            }
            if let Ok(code) = http::HeaderValue::from_str(&self.code()) {
                response.insert_header(http::HeaderName::from_static(ERROR_HEADER), code);
            }
        }
        <JsonEncoding as leptos::server_fn::Encodes<Self>>::encode(self).unwrap_or_default()
    }
}

// Server-side causes become `Internal` (or `Busy`) after being logged once,
// here, with their detail; the browser only ever sees the Japanese sentence.
#[cfg(feature = "ssr")]
mod from_server {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            if matches!(err, sqlx::Error::PoolTimedOut) {
                tracing::warn!("database pool exhausted");
                return AppError::Busy;
            }
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }

    impl From<crate::infra::password::HashError> for AppError {
        fn from(err: crate::infra::password::HashError) -> Self {
            tracing::error!(error = %err, "password hashing error");
            AppError::Internal
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(err: tower_sessions::session::Error) -> Self {
            tracing::error!(error = %err, "session store error");
            AppError::Internal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let certificate = AppError::Certificate {
            refusal: crate::domain::CertificateRefusal::Revoked,
            master: true,
        };
        for e in AppError::ALL.into_iter().chain([certificate]) {
            assert_eq!(AppError::from_code(&e.code()), Some(e));
        }
        assert!(certificate.to_string().contains("申込書"));
    }

    #[test]
    fn only_a_visitor_with_an_ended_session_is_told_it_ended() {
        assert_eq!(
            AppError::NotLoggedIn.login_redirect().as_deref(),
            Some("/login")
        );
        assert_eq!(
            AppError::SessionEnded.login_redirect().as_deref(),
            Some("/login?notice=session_ended")
        );
        assert_eq!(AppError::Forbidden.login_redirect(), None);
    }
}
