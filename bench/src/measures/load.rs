//! The bench's own HTTP load, for what wrk cannot do: present a TLS client
//! certificate (電子証明書方式 checks it on every request). It also posts
//! the OCSP requests (a DER body, no Lua script). N tasks each hold one keep-alive HTTP/1.1
//! connection, plain TCP or TLS (rustls on ring, as the server), and send
//! the same request again and again until the deadline, timing each answer.
//! The figures are wrk's ([`Load`]: requests/s, p50, p99, non-2xx), so that a
//! page loaded through either compares; any page, over either transport:
//!
//! ```no_run
//! # async fn example(addr: std::net::SocketAddr, ca_der: &[u8], me: kanri_bench::measures::load::ClientCertificate) {
//! use kanri_bench::measures::load::{self, Request, Target};
//! let plain = Target::http(addr);
//! let with_certificate = Target::https(addr, ca_der, Some(&me));
//! let page = Request::get("/kanri/users").header("cookie", "kanri_session=…");
//! let figures = load::run(&with_certificate, &page, 32, 10).await;
//! println!("{:.0}/s, p50 {:.2} ms, p99 {:.2} ms", figures.load.rps, figures.load.p50_ms, figures.load.p99_ms);
//! # }
//! ```

use super::wrk::Load;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{HeaderMap, Method, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Connections the measures open, as wrk's for the pages.
pub const CONNECTIONS: usize = 32;
/// After a connection fails, its task waits this long before the next one.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// A TLS client certificate and its key, as a `.p12` holds them.
#[derive(Clone, Debug)]
pub struct ClientCertificate {
    pub certificate_der: Vec<u8>,
    /// PKCS#8.
    pub key_der: Vec<u8>,
}

/// Where the load goes: a server address, over plain TCP or TLS.
#[derive(Clone)]
pub struct Target {
    address: SocketAddr,
    tls: Option<TlsConnector>,
}

impl Target {
    /// Plain HTTP.
    pub fn http(address: SocketAddr) -> Target {
        Target { address, tls: None }
    }

    /// HTTPS to a server whose certificate `ca_der` issued for its IP
    /// address, presenting `client` when given.
    pub fn https(address: SocketAddr, ca_der: &[u8], client: Option<&ClientCertificate>) -> Target {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(ca_der.to_vec()))
            .expect("the CA certificate");
        let builder =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("rustls' default protocol versions")
                .with_root_certificates(roots);
        let config = match client {
            None => builder.with_no_client_auth(),
            Some(client) => builder
                .with_client_auth_cert(
                    vec![CertificateDer::from(client.certificate_der.clone())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client.key_der.clone())),
                )
                .expect("the client certificate and its key"),
        };
        Target {
            address,
            tls: Some(TlsConnector::from(Arc::new(config))),
        }
    }

    /// `request` once, on a connection of its own; panics without an answer.
    pub async fn once(&self, request: &Request) -> Answer {
        let address = self.address;
        let mut connection = self
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connect to {address}: {e}"));
        connection
            .send(request)
            .await
            .unwrap_or_else(|e| panic!("{} {} on {address}: {e}", request.method, request.path))
    }

    /// Logs `login_id` in with the demo password through this target; the
    /// session's `Cookie` header value.
    pub async fn login(&self, login_id: &str) -> String {
        let form = format!("login_id={login_id}&password={}", crate::fixtures::PASSWORD);
        let request = Request::post("/api/login", "application/x-www-form-urlencoded", form)
            .header("accept", "text/html");
        let answer = self.once(&request).await;
        assert_eq!(
            (answer.status.as_u16(), answer.header("location")),
            (302, Some("/")),
            "{login_id} logs in"
        );
        answer.cookie().expect("a session cookie")
    }

    /// A new keep-alive connection.
    pub async fn connect(&self) -> io::Result<Connection> {
        let tcp = TcpStream::connect(self.address).await?;
        tcp.set_nodelay(true)?;
        match &self.tls {
            None => Connection::handshake(tcp, self.address).await,
            Some(tls) => {
                let name = ServerName::IpAddress(self.address.ip().into());
                let stream = tls.connect(name, tcp).await?;
                Connection::handshake(stream, self.address).await
            }
        }
    }
}

/// One request, sent as it is every time.
#[derive(Clone, Debug)]
pub struct Request {
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Request {
    pub fn get(path: &str) -> Request {
        Request {
            method: Method::GET,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn post(path: &str, content_type: &str, body: impl Into<Bytes>) -> Request {
        Request {
            method: Method::POST,
            ..Request::get(path)
        }
        .header("content-type", content_type)
        .body(body)
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = body.into();
        self
    }
}

/// An answer, read to its end.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `name=value` of the first `Set-Cookie`, as a `Cookie` header value.
    pub fn cookie(&self) -> Option<String> {
        let set = self.header("set-cookie")?;
        Some(set.split(';').next()?.to_owned())
    }
}

/// One keep-alive HTTP/1.1 connection (hyper's client half).
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    async fn handshake<S>(stream: S, address: SocketAddr) -> io::Result<Connection>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(connection);
        Ok(Connection {
            sender,
            host: address.to_string(),
        })
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(&mut self, request: &Request) -> Result<Answer, hyper::Error> {
        let mut http = hyper::Request::builder()
            .method(request.method.clone())
            .uri(request.path.as_str())
            .header("host", self.host.as_str());
        for (name, value) in &request.headers {
            http = http.header(*name, value.as_str());
        }
        let http = http
            .body(Full::new(request.body.clone()))
            .expect("a well-formed request");
        self.sender.ready().await?;
        let (parts, body) = self.sender.send_request(http).await?.into_parts();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await?.to_bytes(),
        })
    }
}

/// What one load run measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Loaded {
    /// Requests answered, whatever the status.
    pub requests: u64,
    /// Requests that got no answer (the connection failed; it is made again).
    pub errors: u64,
    /// Answers per second, their p50 and p99, and how many were not 2xx.
    pub load: Load,
}

impl Loaded {
    /// 2xx answers per second.
    pub fn ok_per_second(&self) -> f64 {
        let ok = self.requests - self.load.non_2xx;
        self.load.rps * ok as f64 / self.requests.max(1) as f64
    }
}

/// `connections` connections to `target`, each sending `request` until
/// `seconds` have passed.
pub async fn run(target: &Target, request: &Request, connections: usize, seconds: u64) -> Loaded {
    let duration = Duration::from_secs(seconds);
    sample(target, request, connections, duration)
        .await
        .figures()
}

/// Keep-alive or not: a peer that closes after every answer (OpenSSL's
/// OCSP responder) is loaded with one connection per request, and kanri
/// the same way beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connections {
    KeepAlive,
    OnePerRequest,
}

/// [`run`] with `connections` concurrent clients opening one connection
/// per request.
pub async fn run_one_per_request(
    target: &Target,
    request: &Request,
    connections: usize,
    seconds: u64,
) -> Loaded {
    let duration = Duration::from_secs(seconds);
    sample_in(
        target,
        request,
        connections,
        duration,
        Connections::OnePerRequest,
    )
    .await
    .figures()
}

/// [`run`] for `duration`, its answers kept so that the runs of a measure
/// taken in turns with another's can be merged before the percentiles.
pub async fn sample(
    target: &Target,
    request: &Request,
    connections: usize,
    duration: Duration,
) -> Sample {
    sample_in(
        target,
        request,
        connections,
        duration,
        Connections::KeepAlive,
    )
    .await
}

async fn sample_in(
    target: &Target,
    request: &Request,
    connections: usize,
    duration: Duration,
    mode: Connections,
) -> Sample {
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(drive(
                target.clone(),
                request.clone(),
                started + duration,
                mode,
            ))
        })
        .collect();
    let mut all = Sample::default();
    for task in tasks {
        all = all.merge(task.await.expect("a load task"));
    }
    all.elapsed = started.elapsed();
    all
}

/// Timed answers of one or more runs.
#[derive(Debug, Default)]
pub struct Sample {
    latencies: Vec<Duration>,
    non_2xx: u64,
    errors: u64,
    /// How long the runs took, one after the other.
    elapsed: Duration,
}

impl Sample {
    /// Both runs' answers, as if one run had taken both their times.
    pub fn merge(mut self, other: Sample) -> Sample {
        self.latencies.extend(other.latencies);
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self
    }

    pub fn figures(mut self) -> Loaded {
        self.latencies.sort_unstable();
        let requests = self.latencies.len() as u64;
        Loaded {
            requests,
            errors: self.errors,
            load: Load {
                rps: requests as f64 / self.elapsed.as_secs_f64(),
                p50_ms: percentile_ms(&self.latencies, 50),
                p99_ms: percentile_ms(&self.latencies, 99),
                non_2xx: self.non_2xx,
            },
        }
    }
}

/// The `p`th percentile of sorted latencies, in milliseconds (NaN if none).
fn percentile_ms(sorted: &[Duration], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[at].as_secs_f64() * 1000.0
}

/// One connection's loop: (re)connect, send, time, until `until`.
async fn drive(target: Target, request: Request, until: Instant, mode: Connections) -> Sample {
    let mut answers = Sample::default();
    let mut connection: Option<Connection> = None;
    while Instant::now() < until {
        let live = match connection.as_mut() {
            Some(live) => live,
            None => match target.connect().await {
                Ok(new) => connection.insert(new),
                Err(_) => {
                    answers.errors += 1;
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        match live.send(&request).await {
            Ok(answer) => {
                answers.latencies.push(sent.elapsed());
                answers.non_2xx += u64::from(!answer.status.is_success());
                if mode == Connections::OnePerRequest {
                    connection = None;
                }
            }
            Err(_) => {
                answers.errors += 1;
                connection = None;
            }
        }
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&ms, 50), 100.0);
        assert_eq!(percentile_ms(&ms, 99), 198.0);
        assert_eq!(percentile_ms(&ms[..1], 99), 1.0);
        assert!(percentile_ms(&[], 50).is_nan());
    }
}
