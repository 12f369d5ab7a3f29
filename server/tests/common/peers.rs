//! The real peers the tests talk to, shared by the tests that start real
//! processes: running a command, scratch folders, and Debian's nginx with
//! the repository's configuration (`server/deploy/nginx.conf`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A new folder under the temporary directory, named after its use.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kanri-{name}-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/install does it): {e}"));
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Debian's nginx, as installed by the project's scripts.
fn nginx_binary() -> &'static str {
    assert!(
        Path::new("/usr/sbin/nginx").exists(),
        "nginx must be installed (.ci/install does it)"
    );
    "/usr/sbin/nginx"
}

/// nginx with the repository's configuration in front of `upstreams`.
pub struct Nginx {
    child: Child,
    pub port: u16,
    pub prefix: PathBuf,
}

impl Nginx {
    /// nginx on a free port of 127.0.0.1 in front of kanri instances on
    /// `upstreams`, asking for client certificates of `client_ca` (PEM).
    pub async fn start(client_ca: &Path, upstreams: &[u16]) -> Nginx {
        Self::start_with_site(client_ca, upstreams, None).await
    }

    /// [`Nginx::start`] with the site's certificate and key (PEM) given;
    /// `None`: one self-signed by openssl for 127.0.0.1.
    pub async fn start_with_site(
        client_ca: &Path,
        upstreams: &[u16],
        site: Option<(&str, &str)>,
    ) -> Nginx {
        let prefix = scratch("nginx");
        let port = kanri_server::harness::free_port().unwrap();
        let (cert, key) = (prefix.join("site.crt"), prefix.join("site.key"));
        if let Some((cert_pem, key_pem)) = site {
            std::fs::write(&cert, cert_pem).unwrap();
            std::fs::write(&key, key_pem).unwrap();
        } else {
            run(
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
                    key.to_str().unwrap(),
                    "-out",
                    cert.to_str().unwrap(),
                ],
                None,
            );
        }
        let servers: String = upstreams
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"))
            .collect();
        let template = include_str!("../../deploy/nginx.conf");
        let conf = template
            .replace("${PREFIX}", prefix.to_str().unwrap())
            .replace("${LISTEN}", &format!("127.0.0.1:{port}"))
            .replace("${SERVER_CERT}", cert.to_str().unwrap())
            .replace("${SERVER_KEY}", key.to_str().unwrap())
            .replace("${CLIENT_CA}", client_ca.to_str().unwrap())
            .replace("${UPSTREAMS}", &servers);
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        // As root nginx runs its worker as "nobody": it must reach the prefix.
        run("chmod", &["-R", "a+rwX", prefix.to_str().unwrap()], None);
        let child = Command::new(nginx_binary())
            .args([
                "-p",
                prefix.to_str().unwrap(),
                "-c",
                conf_path.to_str().unwrap(),
                "-g",
                "daemon off;",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = child;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut said = String::new();
                use std::io::Read;
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut said)
                    .unwrap();
                let log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}): {said}{log}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Nginx {
            child,
            port,
            prefix,
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master stops its workers on the way out;
        // killed, it leaves them running (and holding the port) after the test.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}
