//! The use cases: one module per thing a person does (a screen's action or
//! an operator command). Each checks with the domain's rules, runs one
//! transaction through `db`, and writes 操作履歴 at one exit. Server
//! functions and operator commands call these; nothing here renders.
//!
//! The certificates: `authority` (the one place that issues, supersedes and
//! revokes), `certificate_authority` (the CA itself), `issuance`
//! (取得, and what every issuance shares), `renewal` (更新),
//! `client_certificate` (the certificate a browser presents),
//! `revocation` (失効), `otp` (ワンタイムパスワード), `issuance_codes`
//! (発行用コード), `confirmation` (the 確認用パスワード every 利用者管理
//! action is confirmed with).

pub mod audit_evidence;
pub mod authority;
pub mod certificate_authority;
pub mod certificate_register;
pub mod certificate_status;
pub mod client_certificate;
pub(crate) mod confirmation;
pub mod demo;
pub mod issuance;
pub mod issuance_codes;
pub mod login;
pub mod mail_notices;
pub mod metrics;
pub mod operation_history;
pub mod operator;
pub mod otp;
pub mod publication;
pub mod renewal;
pub mod revocation;
pub mod suspension;

use crate::error::AppError;

/// Why a use case did not do what was asked: a refusal of kind `R` that
/// the screen explains (and 操作履歴 records), or an error of the server.
#[derive(Debug)]
pub enum Failure<R> {
    Refused(R),
    Error(AppError),
}

impl<R> From<AppError> for Failure<R> {
    fn from(err: AppError) -> Self {
        Failure::Error(err)
    }
}

impl<R> From<sqlx::Error> for Failure<R> {
    fn from(err: sqlx::Error) -> Self {
        Failure::Error(err.into())
    }
}

impl<R> From<crate::infra::password::HashError> for Failure<R> {
    fn from(err: crate::infra::password::HashError) -> Self {
        Failure::Error(err.into())
    }
}
