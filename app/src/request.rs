//! What a server function or page needs from the request it serves: the app
//! state, the session, the logged-in user and the client. Every check of
//! "who is asking" goes through [`current_user`] / [`current_administrator`].

use crate::db::users::{self, UserRecord};
use crate::domain::audit::ClientInfo;
use crate::domain::session::{SessionAuth, AUTH_KEY};
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use tower_sessions::Session;

/// How often activity is written back to the session: a quarter of the idle
/// timeout, at most a minute. The idle deadline is therefore exact to within
/// that interval.
pub fn refresh_interval(idle: std::time::Duration) -> chrono::Duration {
    let interval = (idle / 4).min(std::time::Duration::from_secs(60));
    chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::seconds(60))
}

pub struct CurrentUser {
    pub user: UserRecord,
    pub auth: SessionAuth,
    pub session: Session,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The request's session, as tower-sessions' own extractor finds it (in the
/// request's extensions), without `leptos_axum::extract`'s copy of the
/// request parts: this runs on every request.
pub async fn session() -> Result<Session, AppError> {
    with_context::<Parts, _>(|parts| parts.extensions.get::<Session>().cloned())
        .flatten()
        .ok_or_else(|| {
            tracing::error!("session layer missing");
            AppError::Internal
        })
}

/// The client's address and user agent. The address is the socket's peer,
/// or — only when that peer is a configured reverse proxy — the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_info() -> ClientInfo {
    let Some(parts) = use_context::<Parts>() else {
        return ClientInfo::default();
    };
    let trusted = use_context::<AppState>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    client_info_of(&parts, &trusted)
}

/// [`client_info`] of a request outside Leptos (the server's own handlers).
pub fn client_info_of(parts: &Parts, trusted: &[IpAddr]) -> ClientInfo {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = peer.map(|peer| client_address(peer, &parts.headers, trusted).to_string());
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    ClientInfo::new(ip, user_agent)
}

pub fn client_address(peer: IpAddr, headers: &http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|ip| ip.trim().parse().ok())
        .collect();
    // Walk from the nearest hop outwards; the first untrusted one is the client.
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// The session key of a 取得 or 更新 in progress.
pub const CERTIFICATE_FLOW_KEY: &str = "certificate_flow";

/// A 取得 or 更新 in progress, kept in the server-side session between its
/// screens: who authenticated, when, whether the ワンタイムパスワード step is
/// done, and after issuance what the result screen shows. No secret is kept
/// here: the import password and the CSR come with the last step's form.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingCertificate {
    pub flow: crate::payloads::certificate_flow::Flow,
    pub user_id: i64,
    /// 更新: the certificate being renewed.
    pub renewing: Option<crate::domain::CertificateSerial>,
    pub authenticated_at: Timestamp,
    /// Done, or not needed (no ワンタイムパスワード registered).
    pub otp_passed: bool,
    /// 取得, and 更新 of an expired certificate where 取得 would ask for
    /// one: the live 発行用コード checked at authentication (its row id),
    /// used when the certificate is issued.
    #[serde(default)]
    pub code_id: Option<i64>,
    pub issued: Option<IssuedInSession>,
}

/// What the result screen shows, and the `.p12` download's token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuedInSession {
    pub certificate: crate::payloads::certificate_flow::IssuedCertificate,
    pub download_token: Option<String>,
}

impl PendingCertificate {
    /// How long the authentication of 取得 / 更新 lasts (SPEC 7.2).
    pub const VALID_MINUTES: i64 = 10;

    /// Whether the authentication is within its 10 minutes.
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now.0 - self.authenticated_at.0 <= chrono::Duration::minutes(Self::VALID_MINUTES)
    }

    /// Whether the flow may issue now: authenticated, the ワンタイムパスワード
    /// done, nothing issued yet in this authentication.
    pub fn may_issue(&self, now: Timestamp) -> bool {
        self.otp_passed && self.issued.is_none() && self.is_fresh(now)
    }
}

/// The 取得 / 更新 in progress in this session, if any.
pub async fn pending_certificate(
    session: &Session,
) -> Result<Option<PendingCertificate>, AppError> {
    match session
        .get::<PendingCertificate>(CERTIFICATE_FLOW_KEY)
        .await
    {
        Ok(pending) => Ok(pending),
        // Written by another version: as if there were none.
        Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The client certificate the request's TLS connection presented (kanri's
/// HTTPS listener puts it into every request of the connection), or that a
/// trusted TLS proxy forwarded. Only the bytes: what they are worth is
/// decided per request against the CA and the database
/// (`use_cases::client_certificate`), so that a resumed TLS session, whose
/// certificate was checked once at its first handshake, is not trusted
/// blindly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedCertificate(pub std::sync::Arc<Vec<u8>>);

/// The certificate presented with the current request, if any.
pub fn presented_certificate() -> Option<PresentedCertificate> {
    with_context::<Parts, _>(|parts| parts.extensions.get::<PresentedCertificate>().cloned())
        .flatten()
}

/// The logged-in user; `NotLoggedIn` without a session, `SessionEnded`
/// when the session's idle or absolute time passed, it was ended on the
/// server (logout elsewhere, the certificate revoked) or its user is gone.
pub async fn current_user() -> Result<CurrentUser, AppError> {
    authenticate(&state()?, session().await?).await
}

/// [`current_user`] for handlers outside Leptos (the CSV download).
pub async fn authenticate(state: &AppState, session: Session) -> Result<CurrentUser, AppError> {
    // Read before the session loads: tower-sessions forgets an ID whose
    // record is gone, and an ID that came with the request is what tells an
    // ended session from a visitor who never logged in.
    let came_with_cookie = session.id().is_some();
    let ended = || {
        if came_with_cookie {
            AppError::SessionEnded
        } else {
            AppError::NotLoggedIn
        }
    };
    let now = state.clock.now();
    // The session's record and its user in one read, every request
    // (tower-sessions would load the record alone, and the user would be a
    // second query). The session layer still writes the record and the cookie.
    let found = match session.id() {
        Some(id) => users::find_by_session(&state.db, &id.to_string(), now).await?,
        None => None,
    };
    let live = found.and_then(|row| {
        let auth = auth_in(&row.data).filter(|auth| auth.user_id == row.user.id)?;
        is_live(&auth, now, &state.config).then_some((auth, row.user))
    });
    let Some((mut auth, user)) = live else {
        session.flush().await?;
        return Err(ended());
    };
    if user.certificate_login {
        if let Err(refusal) = check_certificate(state, &user, &auth, now).await? {
            session.flush().await?;
            return Err(AppError::Certificate {
                refusal,
                master: user.role == crate::domain::Role::Master,
            });
        }
    }
    if now.0 - auth.last_seen.0 >= refresh_interval(state.config.session_idle) {
        auth.last_seen = now;
        session.insert(AUTH_KEY, &auth).await?;
    }
    Ok(CurrentUser {
        user,
        auth,
        session,
    })
}

/// 電子証明書方式, on every request of the session (SPEC 7.5): the request's
/// certificate against the session's, the CA and the status database. A
/// refusal ends the session and is recorded in 操作履歴.
async fn check_certificate(
    state: &AppState,
    user: &UserRecord,
    auth: &SessionAuth,
    now: Timestamp,
) -> Result<Result<(), crate::domain::CertificateRefusal>, AppError> {
    let presented = presented_certificate();
    let der = presented.as_ref().map(|p| p.0.as_slice());
    let bound = auth.certificate_serial.as_ref();
    crate::use_cases::client_certificate::check_session(
        state,
        user,
        bound,
        der,
        now,
        &client_info(),
    )
    .await
}

/// The [`SessionAuth`] in a session record's data. A record this version
/// cannot read (written by an older one) is a logged-out session.
fn auth_in(data: &str) -> Option<SessionAuth> {
    let mut fields: std::collections::HashMap<String, serde_json::Value> =
        serde_json::from_str(data).ok()?;
    serde_json::from_value(fields.remove(AUTH_KEY)?).ok()
}

/// Whether a session is within its absolute lifetime and its idle timeout.
fn is_live(auth: &SessionAuth, now: Timestamp, config: &crate::infra::config::Config) -> bool {
    let within = |since: Timestamp, limit: std::time::Duration| {
        (now.0 - since.0).to_std().is_ok_and(|age| age <= limit)
            // A clock that went back a little is not an attack on the session.
            || now.0 <= since.0
    };
    within(auth.authenticated_at, config.session_absolute)
        && within(auth.last_seen, config.session_idle)
}

/// The logged-in マスターユーザ, else `Forbidden`.
pub async fn current_master() -> Result<CurrentUser, AppError> {
    let current = current_user().await?;
    if current.user.role == crate::domain::Role::Master {
        Ok(current)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The logged-in user if they may use 管理 (master or admin), else `Forbidden`.
pub async fn current_administrator() -> Result<CurrentUser, AppError> {
    let current = current_user().await?;
    if current.user.role.may_administer() {
        Ok(current)
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.5".parse().unwrap());
        let proxies = [ip("10.0.0.1"), ip("10.0.0.5")];
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers, &proxies),
            ip("198.51.100.7"),
            "spoofed header ignored"
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &http::HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }
}
