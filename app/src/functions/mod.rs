//! Server functions: the only entry points from the browser into the server.
//! Each reads its input, asks `request` who is calling, runs one use case
//! and maps the result to a redirect (forms) or a screen's payload.
//!
//! Forms post as plain HTML (`application/x-www-form-urlencoded`), so every
//! flow works without JavaScript; outcomes travel back as codes in the
//! redirect's query string (post/redirect/get).

pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod certificate_flow;
pub mod certificate_hold;
pub mod certificate_register;
pub mod certificate_status;
pub mod home;
pub mod issuance_code;
pub mod operation_history;
pub mod otp;
pub mod renewal;
pub mod revocation;

/// The viewer as the layout shows them; the contract's name comes with the
/// user's own row, so this costs no query.
#[cfg(feature = "ssr")]
pub(crate) fn viewer_of(user: &crate::db::users::UserRecord) -> crate::payloads::Viewer {
    crate::payloads::Viewer {
        login_id: user.login_id.clone(),
        name: user.name.clone(),
        role: user.role,
        contract_name: user.contract_name.clone(),
    }
}
