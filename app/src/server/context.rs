//! What a server function or page needs from the request it serves: the app
//! state, the session, the logged-in user and the client. Every check of
//! "who is asking" goes through [`current_user`] / [`current_administrator`].

use super::audit::ClientInfo;
use super::db::users::{self, UserRecord};
use super::session_store::AUTH_KEY;
use super::AppState;
use crate::domain::Timestamp;
use crate::error::AppError;
use axum::extract::ConnectInfo;
use http::request::Parts;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use tower_sessions::Session;

/// What the session remembers about its user. The user's role and state are
/// re-read from the database on every request, never trusted from here.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub authenticated_at: Timestamp,
    /// The login before this one, shown on ホーム as 前回ログイン日時.
    pub previous_login_at: Option<Timestamp>,
    /// When the session was last saved. Saving moves the idle deadline; it
    /// is done at most once per [`refresh_interval`], not on every request,
    /// because each save is a database write (and on SQLite a commit that
    /// every other writer waits for).
    pub last_seen: Timestamp,
}

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

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "session layer missing");
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
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = peer.map(|peer| client_address(peer, &parts.headers, &trusted).to_string());
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

/// The logged-in user, or `NotLoggedIn` (no session, idle or absolute
/// timeout passed, or the user no longer exists).
pub async fn current_user() -> Result<CurrentUser, AppError> {
    authenticate(&state()?, session().await?).await
}

/// [`current_user`] for handlers outside Leptos (the CSV download).
pub async fn authenticate(state: &AppState, session: Session) -> Result<CurrentUser, AppError> {
    // A record this version cannot read (written by an older one) is a
    // logged-out session, not an error.
    let auth = match session.get::<SessionAuth>(AUTH_KEY).await {
        Ok(auth) => auth,
        Err(tower_sessions::session::Error::SerdeJson(_)) => {
            session.flush().await?;
            None
        }
        Err(err) => return Err(err.into()),
    };
    let Some(mut auth) = auth else {
        return Err(AppError::NotLoggedIn);
    };
    let age = Timestamp::now().0 - auth.authenticated_at.0;
    if age
        .to_std()
        .map_or(true, |age| age > state.config.session_absolute)
    {
        session.flush().await?;
        return Err(AppError::NotLoggedIn);
    }
    let Some(user) = users::find_by_id(state.db.pool(), auth.user_id).await? else {
        session.flush().await?;
        return Err(AppError::NotLoggedIn);
    };
    let now = Timestamp::now();
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

/// The logged-in user if they may use 管理 (master or admin), else `Forbidden`.
pub async fn current_administrator() -> Result<CurrentUser, AppError> {
    let current = current_user().await?;
    if current.user.role.may_administer() {
        Ok(current)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Sets the HTTP status that matches `err` on the response being built.
pub fn set_error_status(err: &AppError) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            options.set_status(status);
        }
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
