//! The one error type of the application layer. Every variant carries the
//! Japanese sentence the screen shows; internals (SQL, I/O) are logged once on
//! the server and never reach the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("ログインしてください。")]
    NotLoggedIn,
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
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotLoggedIn => 401,
            AppError::Forbidden => 403,
            AppError::NotFound | AppError::NoSuchPage => 404,
            AppError::BadInput => 400,
            AppError::Busy => 503,
            AppError::Internal => 500,
        }
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
}

// Server-side causes become `Internal` after being logged once, here, with
// their detail; the browser only ever sees the Japanese sentence.
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

    impl From<crate::server::password::HashError> for AppError {
        fn from(err: crate::server::password::HashError) -> Self {
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
