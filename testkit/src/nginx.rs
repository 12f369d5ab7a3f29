//! Debian's nginx in front of kanri instances, with the repository's own
//! configuration (`server/deploy/nginx.conf`, the README's deployment): the
//! TLS tests, the multi-instance test and the benchmarks start it the same
//! way. Its folder (configuration, pid, logs, the site's certificate) is
//! made under the temporary directory and removed when it is dropped.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::free_port;

/// Where Debian's package puts nginx (`.ci/install` installs it).
const BINARY: &str = "/usr/sbin/nginx";

/// How long nginx may take to listen.
const START_POLLS: u32 = 100;
const START_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The configuration, with its dollar-brace placeholders.
const CONFIG_TEMPLATE: &str = include_str!("../../server/deploy/nginx.conf");

/// A running nginx. Dropping it stops it (and its workers).
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    pub port: u16,
    /// Its folder: `access.log` (with the upstream that answered) and
    /// `error.log` are here.
    pub prefix: PathBuf,
}

impl Nginx {
    /// nginx on a free port of 127.0.0.1 in front of kanri instances on
    /// `upstreams`, asking for client certificates of `client_ca` (PEM),
    /// with a site certificate self-signed by openssl for 127.0.0.1.
    pub async fn start(client_ca: &Path, upstreams: &[u16]) -> io::Result<Nginx> {
        Self::start_with_site(client_ca, upstreams, None).await
    }

    /// [`Nginx::start`] with the site's certificate and key (PEM) given, so
    /// that a client can verify it against a CA of its own.
    pub async fn start_with_site(
        client_ca: &Path,
        upstreams: &[u16],
        site: Option<(&str, &str)>,
    ) -> io::Result<Nginx> {
        if !Path::new(BINARY).exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{BINARY}: nginx must be installed (.ci/install does it)"),
            ));
        }
        let port = free_port()?;
        let prefix =
            std::env::temp_dir().join(format!("kanri-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&prefix)?;
        let (cert, key) = (prefix.join("site.crt"), prefix.join("site.key"));
        match site {
            Some((cert_pem, key_pem)) => {
                std::fs::write(&cert, cert_pem)?;
                std::fs::write(&key, key_pem)?;
            }
            None => self_signed(&cert, &key)?,
        }
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(
            &conf_path,
            config(&prefix, port, &cert, &key, client_ca, upstreams),
        )?;
        // As root nginx runs its workers as "nobody": they must reach the folder.
        command("chmod", &["-R", "a+rwX", &prefix.display().to_string()])?;
        let mut child = Command::new(BINARY)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        for _ in 0..START_POLLS {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Nginx {
                    child,
                    port,
                    prefix,
                });
            }
            if let Some(status) = child.try_wait()? {
                let mut said = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    stderr.read_to_string(&mut said)?;
                }
                let log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "nginx exited ({status}): {said}{log}"
                )));
            }
            tokio::time::sleep(START_POLL_INTERVAL).await;
        }
        let _ = child.kill();
        Err(io::Error::other(format!("nginx did not listen on {port}")))
    }

    /// The master process (its workers are its children).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `https://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Its access log so far: one line per request, with the upstream(s)
    /// that answered (`upstream=127.0.0.1:3001 upstream_status=200`).
    pub fn access_log(&self) -> io::Result<String> {
        std::fs::read_to_string(self.prefix.join("access.log"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master stops its workers on the way out;
        // killed, it leaves them running (and holding the port).
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..START_POLLS {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(START_POLL_INTERVAL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}

/// Requests per upstream address in an access log of the repository's
/// format; a request tried on two ("upstream=a:1, b:2 upstream_status=502,
/// 303") counts for both.
pub fn per_upstream(access_log: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in access_log.lines() {
        let upstreams = line
            .split_once("upstream=")
            .and_then(|(_, rest)| rest.split_once(" upstream_status="))
            .map(|(upstreams, _)| upstreams);
        for one in upstreams.into_iter().flat_map(|u| u.split(", ")) {
            *counts.entry(one.to_owned()).or_default() += 1;
        }
    }
    counts
}

/// The repository's configuration with its placeholders filled in.
fn config(
    prefix: &Path,
    port: u16,
    cert: &Path,
    key: &Path,
    client_ca: &Path,
    upstreams: &[u16],
) -> String {
    let servers: String = upstreams
        .iter()
        .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"))
        .collect();
    CONFIG_TEMPLATE
        .replace("${PREFIX}", &prefix.display().to_string())
        .replace("${LISTEN}", &format!("127.0.0.1:{port}"))
        .replace("${SERVER_CERT}", &cert.display().to_string())
        .replace("${SERVER_KEY}", &key.display().to_string())
        .replace("${CLIENT_CA}", &client_ca.display().to_string())
        .replace("${UPSTREAMS}", &servers)
}

/// A P-256 certificate for 127.0.0.1, self-signed by openssl, and its key.
fn self_signed(cert: &Path, key: &Path) -> io::Result<()> {
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    command(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            &key,
            "-out",
            &cert,
        ],
    )
}

/// Runs a command; an error with what it printed if it fails.
fn command(program: &str, args: &[&str]) -> io::Result<()> {
    let out = Command::new(program).args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{program} {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_per_upstream_including_retries() {
        let log = "127.0.0.1 [x] \"GET / HTTP/1.1\" 200 upstream=127.0.0.1:1 upstream_status=200 0.001\n\
                   127.0.0.1 [x] \"POST /api/login HTTP/1.1\" 303 upstream=127.0.0.1:2, 127.0.0.1:1 upstream_status=502, 303 0.010\n\
                   127.0.0.1 [x] \"GET / HTTP/1.1\" 502 upstream=- upstream_status=- 0.000\n";
        let counts = per_upstream(log);
        assert_eq!(counts.get("127.0.0.1:1"), Some(&2));
        assert_eq!(counts.get("127.0.0.1:2"), Some(&1));
        assert_eq!(counts.get("-"), Some(&1));
    }

    #[test]
    fn the_configuration_has_no_placeholder_left() {
        let conf = config(
            Path::new("/tmp/p"),
            8443,
            Path::new("/tmp/p/site.crt"),
            Path::new("/tmp/p/site.key"),
            Path::new("/tmp/ca.pem"),
            &[3001, 3002],
        );
        assert!(!conf.contains("${"), "{conf}");
        assert!(conf.contains("listen 127.0.0.1:8443 ssl;"));
        assert!(conf.contains("server 127.0.0.1:3002 max_fails=1 fail_timeout=5s;"));
        assert!(conf.contains("ssl_client_certificate /tmp/ca.pem;"));
    }
}
