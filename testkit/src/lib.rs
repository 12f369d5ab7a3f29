//! A real `kanri-server` process, started and driven from outside: a
//! dev-only crate (used by `server/tests` and `bench/`), never in the product.
//!
//! The load test (`server/tests/load.rs`) and the benchmarks (`kanri-bench`)
//! both run the binary itself rather than the router in process: they need
//! its start-up, its signals, its memory and its log. They start, watch and
//! stop it the same way, so that way is written here once: a free port on
//! 127.0.0.1, `serve --demo` with a data directory, stdout and stderr to files
//! in that directory, ready when `GET /readyz` answers 200, RSS from
//! `/proc/<pid>/status`, SIGKILL, SIGTERM.
//!
//! A [`ServerSpec`] says what to start and can start it more than once, so
//! several instances with different environments (a shared `DATABASE_URL`,
//! say) can run side by side, each known by its port, and any one of them
//! can be killed and restarted on that port:
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use kanri_testkit::ServerSpec;
//! let spec = ServerSpec::new("target/debug/kanri-server", "/tmp/kanri-a")
//!     .env("RUST_LOG", "warn");
//! let mut server = spec.start().await?;
//! println!("{} uses {} KiB", server.base_url(), server.rss()?.now_kib);
//! server.kill()?;
//! server.restart().await?;
//! assert!(server.terminate().await?.success());
//! # Ok(())
//! # }
//! ```
//!
//! Std and tokio only: the readiness probe is one raw HTTP/1.1 request, so
//! the library needs no HTTP client. Linux only, like `/proc`. Debian's
//! nginx in front of instances is [`nginx::Nginx`].

#![forbid(unsafe_code)]

pub mod nginx;

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The server's stderr, which is its log (tracing), in the data directory.
pub const LOG_FILE: &str = "server.log";

/// The server's stdout, the start-up banner, in the data directory. In demo
/// mode the banner prints the demo's published login on purpose, so it is
/// kept apart from the log (which must hold no password).
pub const STDOUT_FILE: &str = "stdout.txt";

/// How often the readiness probe asks, and how long one probe may take.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often [`Server::wait_exit`] looks whether the process has exited.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The SoftHSM2 token `.ci/softhsm` prepared for the tests, when it did:
/// the PKCS#11 module, the token's label and its PIN
/// (`KANRI_TEST_PKCS11_MODULE`, `_TOKEN`, `_PIN`; SoftHSM2 itself finds
/// the token through `SOFTHSM2_CONF`, which every child inherits).
pub fn test_token() -> Option<(PathBuf, String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some((
        var("KANRI_TEST_PKCS11_MODULE")?.into(),
        var("KANRI_TEST_PKCS11_TOKEN")?,
        var("KANRI_TEST_PKCS11_PIN")?,
    ))
}

/// The environment that makes a kanri process keep its CA's key in the
/// test token ([`test_token`]), its PIN as the CA passphrase; empty when
/// there is no test token. Set last, so it wins over a test's passphrase.
pub fn token_env() -> Vec<(&'static str, OsString)> {
    match test_token() {
        Some((module, token, pin)) => vec![
            ("KANRI_CA_PKCS11_MODULE", module.into_os_string()),
            ("KANRI_CA_PKCS11_TOKEN", token.into()),
            ("KANRI_CA_PASSPHRASE", pin.into()),
        ],
        None => Vec::new(),
    }
}

/// SoftHSM2's PKCS#11 module as Debian installs it (package softhsm2).
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A new SoftHSM2 token labelled `label` with user PIN `pin`, its files in
/// `dir` (emptied first); returns the configuration file to give kanri as
/// `SOFTHSM2_CONF`. `.ci/install` installs SoftHSM2.
pub fn new_softhsm_token(dir: &Path, label: &str, pin: &str) -> PathBuf {
    assert!(
        Path::new(SOFTHSM_MODULE).exists(),
        "SoftHSM2 must be installed ({SOFTHSM_MODULE}; .ci/install does it)"
    );
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("tokens")).expect("the token's folder");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .expect("softhsm2.conf");
    let made = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", label, "--pin", pin])
        .args(["--so-pin", "security-officer-pin"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util (.ci/install installs softhsm2)");
    assert!(
        made.status.success(),
        "softhsm2-util: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    conf
}

/// The private value of a P-256 key from `openssl ec -noout -text`'s
/// `priv:` block (without OpenSSL's sign byte): what a test searches
/// files and memory for to show a key is not there.
pub fn openssl_ec_private_value(text: &str) -> Vec<u8> {
    let hex: String = text
        .split("priv:")
        .nth(1)
        .and_then(|rest| rest.split("pub:").next())
        .expect("a priv: block")
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let bytes = match bytes.as_slice() {
        [0, rest @ ..] if rest.len() == 32 => rest.to_vec(),
        _ => bytes,
    };
    assert_eq!(bytes.len(), 32, "{text}");
    bytes
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What to start: the binary, its data directory, its site root and the
/// environment beyond what every instance gets.
#[derive(Clone, Debug)]
pub struct ServerSpec {
    binary: PathBuf,
    data_dir: PathBuf,
    site_root: PathBuf,
    env: Vec<(OsString, OsString)>,
    ready_within: Duration,
}

impl ServerSpec {
    /// `binary` is the kanri-server executable (`env!("CARGO_BIN_EXE_kanri-server")`
    /// in tests); `data_dir` must exist and holds the SQLite database (unless
    /// the caller sets `DATABASE_URL`) and the two output files. The site
    /// root defaults to `<data_dir>/site`, readiness to within 60 s.
    pub fn new(binary: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        ServerSpec {
            binary: binary.into(),
            site_root: data_dir.join("site"),
            data_dir,
            env: Vec::new(),
            ready_within: Duration::from_secs(60),
        }
    }

    /// Where the built site (`pkg/`, `LEPTOS_SITE_ROOT`) is.
    pub fn site_root(mut self, site_root: impl Into<PathBuf>) -> Self {
        self.site_root = site_root.into();
        self
    }

    /// One more environment variable; set after the ones every instance gets,
    /// so it may override them. `DATABASE_URL` is not inherited from the
    /// caller's environment, only set here.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// How long start-up may take before `start` gives up.
    pub fn ready_within(mut self, limit: Duration) -> Self {
        self.ready_within = limit;
        self
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts an instance on a free port of 127.0.0.1 and waits until it is
    /// ready.
    pub async fn start(&self) -> io::Result<Server> {
        self.start_on(free_port()?).await
    }

    /// Starts an instance on `port` of 127.0.0.1 and waits until it is ready.
    pub async fn start_on(&self, port: u16) -> io::Result<Server> {
        let tls_port = free_port()?;
        let mut server = Server {
            child: self.spawn(port, tls_port)?,
            spec: self.clone(),
            port,
            tls_port,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    fn spawn(&self, port: u16, tls_port: u16) -> io::Result<Child> {
        let output = |name: &str| -> io::Result<File> {
            let path = self.data_dir.join(name);
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        };
        let mut command = Command::new(&self.binary);
        command
            .args(["serve", "--demo"])
            .env("KANRI_DATA_DIR", &self.data_dir)
            .env_remove("DATABASE_URL")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &self.site_root)
            .env("LEPTOS_OUTPUT_NAME", "kanri")
            // Demo mode listens for HTTPS too (3443 by default): each
            // instance on its own port.
            .env("KANRI_TLS_ADDR", format!("127.0.0.1:{tls_port}"))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(token_env())
            .stdout(Stdio::from(output(STDOUT_FILE)?))
            .stderr(Stdio::from(output(LOG_FILE)?));
        command.spawn().map_err(|e| {
            let binary = self.binary.display();
            io::Error::new(e.kind(), format!("start {binary}: {e}"))
        })
    }
}

/// One running kanri-server process. Dropping it kills the process if it is
/// still running, so that a failed test leaves no server behind.
#[derive(Debug)]
pub struct Server {
    spec: ServerSpec,
    port: u16,
    /// The HTTPS listener's port (demo mode's own certificate).
    tls_port: u16,
    child: Child,
}

/// Resident memory of a process, in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rss {
    /// Now (`VmRSS`).
    pub now_kib: u64,
    /// The most the process has used so far (`VmHWM`).
    pub peak_kib: u64,
}

impl Server {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn spec(&self) -> &ServerSpec {
        &self.spec
    }

    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    /// `https://127.0.0.1:<tls port>`, without a trailing slash.
    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.tls_port)
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The base URL followed by `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The server's log (its stderr), appended to by every start.
    pub fn log_path(&self) -> PathBuf {
        self.spec.data_dir.join(LOG_FILE)
    }

    /// The process's resident memory now and at its peak.
    pub fn rss(&self) -> io::Result<Rss> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        Ok(Rss {
            now_kib: status_kib(&status, "VmRSS:")?,
            peak_kib: status_kib(&status, "VmHWM:")?,
        })
    }

    /// SIGKILL, then waits for the process to end.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        self.child.kill()?;
        self.child.wait()
    }

    /// Sends SIGTERM (a graceful stop) and returns at once; see
    /// [`Server::wait_exit`] and [`Server::terminate`].
    pub fn sigterm(&self) -> io::Result<()> {
        let pid = self.pid().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("kill -TERM {pid}: {status}")))
        }
    }

    /// Waits, without blocking the runtime, until the process has exited.
    pub async fn wait_exit(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            tokio::time::sleep(EXIT_POLL_INTERVAL).await;
        }
    }

    /// SIGTERM, then waits until the process has exited.
    pub async fn terminate(&mut self) -> io::Result<ExitStatus> {
        self.sigterm()?;
        self.wait_exit().await
    }

    /// Starts the process again with the same spec on the same port, once it
    /// has exited ([`Server::kill`], [`Server::terminate`] or by itself), and
    /// waits until it is ready.
    pub async fn restart(&mut self) -> io::Result<()> {
        if self.child.try_wait()?.is_none() {
            return Err(io::Error::other(format!(
                "kanri-server on port {} is still running: stop it before restarting",
                self.port
            )));
        }
        self.child = self.spec.spawn(self.port, self.tls_port)?;
        self.wait_ready().await
    }

    /// Until `GET /readyz` answers 200, the process exits, or the spec's
    /// time is up.
    async fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.spec.ready_within;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(self.not_ready(format!("exited before it was ready ({status})")));
            }
            let port = self.port;
            if tokio::task::spawn_blocking(move || answers_ready(port))
                .await
                .map_err(io::Error::other)?
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let limit = self.spec.ready_within;
                return Err(self.not_ready(format!("was not ready within {limit:?}")));
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    fn not_ready(&self, what: String) -> io::Error {
        io::Error::other(format!(
            "kanri-server on port {} {what}; its log: {}",
            self.port,
            self.log_path().display()
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.kill();
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on at the moment of asking.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether `GET /readyz` on the port answers 200 (any failure is "not yet").
fn answers_ready(port: u16) -> bool {
    let probe = || -> io::Result<bool> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT)?;
        stream.set_read_timeout(Some(PROBE_TIMEOUT))?;
        stream.set_write_timeout(Some(PROBE_TIMEOUT))?;
        write!(
            stream,
            "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        let mut status_line = [0; 12];
        stream.read_exact(&mut status_line)?;
        Ok(&status_line == b"HTTP/1.1 200")
    };
    probe().unwrap_or(false)
}

/// A `Name:   1234 kB` line of `/proc/<pid>/status`, in KiB.
fn status_kib(status: &str, name: &str) -> io::Result<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no {name} line")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_lines_in_kib() {
        let status = "Name:\tkanri-server\nVmHWM:\t  65536 kB\nVmRSS:\t  43210 kB\n";
        assert_eq!(status_kib(status, "VmRSS:").unwrap(), 43210);
        assert_eq!(status_kib(status, "VmHWM:").unwrap(), 65536);
        assert!(status_kib(status, "VmSwap:").is_err());
    }
}
