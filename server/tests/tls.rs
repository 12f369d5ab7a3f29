//! Real clients that kanri did not write, against a real kanri-server
//! process in demo mode (issues 11 and 12): curl and openssl s_client over
//! kanri's HTTPS listener with user02's demo certificate (B002 has
//! 電子証明書方式), a resumed TLS session after a revocation, openssl's
//! CRL check and OCSP client, and Debian's nginx in front of kanri with
//! `ssl_verify_client optional` forwarding the certificate.

mod common;

use common::peers::{run, scratch};
use kanri_testkit::nginx::Nginx;
use kanri_testkit::{Server, ServerSpec};
use std::path::{Path, PathBuf};
use std::process::Command;

const DEMO_P12_PASSWORD: &str = "pass:Demo-P12-01";

/// A kanri-server in demo mode and files for the clients.
struct Demo {
    server: Server,
    files: PathBuf,
}

impl Demo {
    async fn start(extra_env: &[(&str, &str)]) -> Demo {
        let data = scratch("data");
        let mut spec =
            ServerSpec::new(env!("CARGO_BIN_EXE_kanri-server"), &data).env("RUST_LOG", "warn");
        for (k, v) in extra_env {
            spec = spec.env(*k, *v);
        }
        let server = spec.start().await.expect("kanri-server starts");
        let demo = Demo {
            server,
            files: scratch("files"),
        };
        // ca.pem: what clients trust, the issuing CA and its root; the two
        // apart as well.
        for (path, file) in [
            ("/pki/chain.pem", "ca.pem"),
            ("/pki/ca.crt", "issuing.pem"),
            ("/pki/root.crt", "root.pem"),
        ] {
            let pem = reqwest::get(demo.server.url(path))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            std::fs::write(demo.file(file), pem).unwrap();
        }
        for user in ["user02", "master02"] {
            demo.extract(user);
        }
        demo
    }

    fn file(&self, name: &str) -> String {
        self.files.join(name).display().to_string()
    }

    /// The demo user's certificate and key, out of their .p12 (openssl).
    fn extract(&self, user: &str) {
        let p12 = self
            .server
            .spec()
            .data_dir()
            .join(format!("demo-certificates/{user}.p12"));
        let p12 = p12.display().to_string();
        for (flags, out) in [
            (["-nokeys", "-clcerts"], format!("{user}.crt")),
            (["-nocerts", "-nodes"], format!("{user}.key")),
        ] {
            let out = self.file(&out);
            let said = run(
                "openssl",
                &[
                    "pkcs12",
                    "-in",
                    &p12,
                    "-passin",
                    DEMO_P12_PASSWORD,
                    flags[0],
                    flags[1],
                    "-out",
                    &out,
                ],
                None,
            );
            assert!(Path::new(&out).exists(), "{said}");
        }
    }

    /// curl over HTTPS with `user`'s certificate and a cookie jar; returns
    /// "<status> <redirect>" and the body.
    fn curl(
        &self,
        base: &str,
        user: Option<&str>,
        path: &str,
        form: Option<&str>,
    ) -> (String, String) {
        let jar = self.file("cookies.txt");
        let body = self.file("body.html");
        let url = format!("{base}{path}");
        let mut args = vec![
            "-sS",
            "-o",
            &body,
            "-w",
            "%{http_code} %{redirect_url}",
            "-c",
            &jar,
            "-b",
            &jar,
            "-H",
            "Accept: text/html",
            "--cacert",
        ];
        let ca = self.file("ca.pem");
        args.push(&ca);
        let (cert, key);
        if let Some(user) = user {
            cert = self.file(&format!("{user}.crt"));
            key = self.file(&format!("{user}.key"));
            args.extend_from_slice(&["--cert", &cert, "--key", &key]);
        }
        if let Some(form) = form {
            args.extend_from_slice(&["--data", form]);
        }
        args.push(&url);
        let status = run("curl", &args, None);
        let body = std::fs::read_to_string(&body).unwrap_or_default();
        (status, body)
    }

    /// The session cookie curl keeps, as a `Cookie` header value.
    fn cookie(&self) -> String {
        let jar = std::fs::read_to_string(self.file("cookies.txt")).unwrap();
        let line = jar
            .lines()
            .find(|l| l.contains("kanri_session"))
            .expect("a session cookie");
        let fields: Vec<&str> = line.split('\t').collect();
        format!("{}={}", fields[5], fields[6])
    }

    /// One HTTP request over `openssl s_client` with user02's certificate,
    /// saving (or resuming) the TLS session; returns all it printed.
    fn s_client(&self, session: &str, resume: bool, cookie: &str) -> String {
        let connect = format!("127.0.0.1:{}", self.server.tls_port());
        let (cert, key, ca) = (
            self.file("user02.crt"),
            self.file("user02.key"),
            self.file("ca.pem"),
        );
        let session = self.file(session);
        let mut args = vec![
            "s_client", "-connect", &connect, "-cert", &cert, "-key", &key, "-CAfile", &ca,
            "-ign_eof",
        ];
        if resume {
            args.extend_from_slice(&["-sess_in", &session]);
        } else {
            args.extend_from_slice(&["-sess_out", &session]);
        }
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {connect}\r\nAccept: text/html\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        );
        run("openssl", &args, Some(&request))
    }

    fn revoke(&self, user: &str) {
        let out = Command::new(env!("CARGO_BIN_EXE_kanri-server"))
            .args([
                "cert-revoke",
                "--login-id",
                user,
                "--reason",
                "keyCompromise",
            ])
            .env("KANRI_DATA_DIR", self.server.spec().data_dir())
            .env("KANRI_DEMO", "1")
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .envs(kanri_testkit::token_env())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn ocsp(&self, user: &str) -> String {
        let url = self.server.url("/pki/ocsp");
        let (ca, cert) = (self.file("ca.pem"), self.file(&format!("{user}.crt")));
        let issuer = self.file("issuing.pem");
        run(
            "openssl",
            &[
                "ocsp",
                "-issuer",
                &issuer,
                "-cert",
                &cert,
                "-url",
                &url,
                "-CAfile",
                &ca,
                "-resp_text",
            ],
            None,
        )
    }

    async fn crl_verify(&self, user: &str) -> String {
        let der = reqwest::get(self.server.url("/pki/crl"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        std::fs::write(self.file("crl.der"), &der).unwrap();
        run(
            "openssl",
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                &self.file("crl.der"),
                "-out",
                &self.file("crl.pem"),
            ],
            None,
        );
        let (ca, crl, cert) = (
            self.file("ca.pem"),
            self.file("crl.pem"),
            self.file(&format!("{user}.crt")),
        );
        run(
            "openssl",
            &[
                "verify",
                "-crl_check",
                "-CRLfile",
                &crl,
                "-CAfile",
                &ca,
                &cert,
            ],
            None,
        )
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.files);
        let _ = std::fs::remove_dir_all(self.server.spec().data_dir());
    }
}

const LOGIN_USER02: &str = "login_id=user02&password=Login-Pass-01";

/// Issue 24: the demo's CA is two tiers, as `ca-init` makes them. A client
/// certificate verifies through the issuing CA to the root; the issuing CA
/// is constrained (path length 0, clientAuth only: that a server
/// certificate it signs is refused is shown by `pki`'s unit test with
/// openssl and by `browser_trust.rs` with Chromium); the `.p12` a user
/// imports holds their certificate and the issuing CA, never the root
/// (Windows' wizard would put a self-signed certificate among the trusted
/// roots).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_verifies_for_clients_and_the_p12_holds_no_root() {
    let demo = Demo::start(&[]).await;
    let (root, issuing, chain) = (
        demo.file("root.pem"),
        demo.file("issuing.pem"),
        demo.file("ca.pem"),
    );
    let read = |path: &str| std::fs::read_to_string(path).unwrap();
    assert_eq!(read(&chain), read(&issuing) + &read(&root));
    assert_ne!(read(&root), read(&issuing));
    let text = run(
        "openssl",
        &["x509", "-in", &issuing, "-noout", "-text"],
        None,
    );
    assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
    assert!(
        text.contains(
            "X509v3 Extended Key Usage: \n                TLS Web Client Authentication\n"
        ),
        "{text}"
    );

    let user02 = demo.file("user02.crt");
    let verify = |purpose: &str, file: &str| {
        run(
            "openssl",
            &[
                "verify",
                "-purpose",
                purpose,
                "-CAfile",
                &root,
                "-untrusted",
                &issuing,
                file,
            ],
            None,
        )
    };
    let said = verify("sslclient", &user02);
    assert!(said.contains("user02.crt: OK"), "{said}");

    // The .p12's certificates: user02's and the issuing CA's, no root.
    let p12 = demo
        .server
        .spec()
        .data_dir()
        .join("demo-certificates/user02.p12");
    let p12 = p12.display().to_string();
    let certificates = run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            &p12,
            "-passin",
            DEMO_P12_PASSWORD,
            "-nokeys",
        ],
        None,
    );
    assert_eq!(
        certificates.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{certificates}"
    );
    let body = |pem: &str| -> String {
        pem.lines()
            .filter(|line| !line.starts_with("-----"))
            .collect()
    };
    let flat: String = certificates
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(
        flat.contains(&body(&read(&issuing))),
        "the issuing CA is in the .p12"
    );
    assert!(
        !flat.contains(&body(&read(&root))),
        "the root is not in the .p12"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_and_openssl_with_user02s_certificate_until_its_revocation() {
    let demo = Demo::start(&[]).await;
    let https = demo.server.https_url();
    // Without a certificate, 電子証明書方式 refuses the password alone.
    let (status, _) = demo.curl(&https, None, "/api/login", Some(LOGIN_USER02));
    assert!(
        status.ends_with("/login?notice=certificate.cert_missing.user"),
        "{status}"
    );
    // Another user's certificate: refused.
    let (status, _) = demo.curl(&https, Some("master02"), "/api/login", Some(LOGIN_USER02));
    assert!(status.ends_with("cert_other_user.user"), "{status}");
    // Its own: ホーム.
    let (status, _) = demo.curl(&https, Some("user02"), "/api/login", Some(LOGIN_USER02));
    assert!(
        status.starts_with("302") && status.ends_with(&format!("{https}/")),
        "{status}"
    );
    let (status, body) = demo.curl(&https, Some("user02"), "/", None);
    assert!(status.starts_with("200"), "{status}");
    assert!(body.contains("榛名 四郎"));

    // A full TLS handshake by openssl, its session saved.
    let cookie = demo.cookie();
    let first = demo.s_client("tls-session.pem", false, &cookie);
    assert!(first.contains("HTTP/1.1 200"), "{first}");
    assert!(
        first.contains("Verify return code: 0 (ok)"),
        "the server's certificate checks out: {first}"
    );
    assert!(demo.ocsp("user02").contains("user02.crt: good"));
    assert!(demo.crl_verify("user02").await.contains("user02.crt: OK"));

    demo.revoke("user02");

    // The resumed TLS session carries the old handshake's certificate; the
    // request is refused all the same, and the session ends.
    let resumed = demo.s_client("tls-session.pem", true, &cookie);
    assert!(
        resumed.contains("Reused, TLS"),
        "the session was resumed: {resumed}"
    );
    assert!(resumed.contains("HTTP/1.1 403"), "{resumed}");
    assert!(resumed.contains("失効しています"));
    let (status, _) = demo.curl(&https, Some("user02"), "/", None);
    assert!(status.starts_with("303"), "the session is over: {status}");
    // A new login with it: refused.
    let (status, _) = demo.curl(&https, Some("user02"), "/api/login", Some(LOGIN_USER02));
    assert!(status.ends_with("cert_revoked.user"), "{status}");

    let ocsp = demo.ocsp("user02");
    assert!(ocsp.contains("user02.crt: revoked"), "{ocsp}");
    assert!(ocsp.contains("Reason: keyCompromise"), "{ocsp}");
    assert!(ocsp.contains("Response verify OK"), "{ocsp}");
    let crl = demo.crl_verify("user02").await;
    assert!(crl.contains("certificate revoked"), "{crl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_nginx_the_forwarded_certificate_logs_in_and_a_forged_header_does_not() {
    let demo = Demo::start(&[("KANRI_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let nginx = Nginx::start(Path::new(&demo.file("ca.pem")), &[demo.server.port()])
        .await
        .unwrap();
    // curl trusts the site's self-signed certificate through its own file.
    std::fs::copy(nginx.prefix.join("site.crt"), demo.files.join("site.pem")).unwrap();
    let ca = std::fs::read_to_string(demo.file("ca.pem")).unwrap()
        + &std::fs::read_to_string(demo.file("site.pem")).unwrap();
    std::fs::write(demo.file("ca.pem"), ca).unwrap();

    let front = nginx.url();
    let (status, _) = demo.curl(&front, None, "/api/login", Some(LOGIN_USER02));
    assert!(status.ends_with("cert_missing.user"), "{status}");
    let (status, _) = demo.curl(&front, Some("user02"), "/api/login", Some(LOGIN_USER02));
    assert!(
        status.starts_with("302") && status.ends_with(&format!("{front}/")),
        "{status}"
    );
    let (status, body) = demo.curl(&front, Some("user02"), "/", None);
    assert!(
        status.starts_with("200") && body.contains("榛名 四郎"),
        "{status}"
    );

    // The same header straight to kanri from another address: ignored.
    let escaped: String = std::fs::read_to_string(demo.file("user02.crt"))
        .unwrap()
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .map(|rest| format!("-----BEGIN CERTIFICATE-----{rest}"))
        .unwrap()
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let header = format!("X-SSL-Client-Cert: {escaped}");
    let direct = run(
        "curl",
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "--interface",
            "127.0.0.2",
            "-H",
            "Accept: text/html",
            "-H",
            &header,
            "--data",
            LOGIN_USER02,
            &demo.server.url("/api/login"),
        ],
        None,
    );
    assert!(
        direct.ends_with("cert_missing.user"),
        "a forged header is ignored: {direct}"
    );

    demo.revoke("user02");
    let (status, body) = demo.curl(&front, Some("user02"), "/", None);
    assert!(
        status.starts_with("403") && body.contains("失効しています"),
        "{status}"
    );
    // nginx knows nothing of revocations (no CRL configured there): kanri refuses.
    let (status, _) = demo.curl(&front, Some("user02"), "/api/login", Some(LOGIN_USER02));
    assert!(status.ends_with("cert_revoked.user"), "{status}");
}
