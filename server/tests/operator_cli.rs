//! The bank's operator commands, run as the real binary (issue 2): each
//! works, reads passwords from standard input only, and writes 操作履歴 as
//! `bank-operator`.

mod common;

use common::TestApp;
use sqlx::{Connection, Row, SqliteConnection};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CA_PASSPHRASE: &str = "operator-test-passphrase";

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    run_with(dir, args, stdin, CA_PASSPHRASE)
}

fn run_with(dir: &Path, args: &[&str], stdin: &str, passphrase: &str) -> Output {
    run_in(dir, args, stdin, passphrase, &[])
}

/// The binary with `extra` environment (KANRI_DEMO, the TLS listener),
/// killed after two minutes: a `serve` that should have refused to start
/// fails the test instead of hanging it.
fn run_in(
    dir: &Path,
    args: &[&str],
    stdin: &str,
    passphrase: &str,
    extra: &[(&str, &str)],
) -> Output {
    common::peers::output_of(
        Command::new("timeout")
            .arg("120")
            .arg(env!("CARGO_BIN_EXE_kanri-server"))
            .args(args)
            .env("KANRI_DATA_DIR", dir)
            .env("KANRI_CA_PASSPHRASE", passphrase)
            .env_remove("DATABASE_URL")
            .env_remove("KANRI_DEMO")
            .env("LEPTOS_OUTPUT_NAME", "kanri")
            .env("RUST_LOG", "warn")
            .envs(extra.iter().copied()),
        stdin,
    )
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn operator_commands_work_and_are_audited_as_bank_operator() {
    let dir = std::env::temp_dir().join(format!("kanri-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();

    for command in [
        "ca-init",
        "ca-import",
        "otp-release",
        "contract-set",
        "contract-add",
        "user-add",
        "cert-issue",
        "cert-revoke",
        "contract-suspend",
        "contract-resume",
        "password-release",
        "demo-load",
        "mail-run",
        "audit-verify",
        "audit-checkpoint",
    ] {
        let help = ok(&run(&dir, &[command, "--help"], ""));
        assert!(help.contains("Usage"), "{command} --help");
    }

    // Nothing works before the bank has a CA; then ca-init makes one, once.
    let no_ca = run(&dir, &["demo-load"], "");
    assert!(String::from_utf8_lossy(&no_ca.stderr).contains("ca-init"));
    let root_key = dir.join("root-key.pem");
    let root_key = root_key.to_str().unwrap();
    let ca_init = [
        "ca-init",
        "--organization",
        "(9999)KENSHINYO",
        "--unit",
        "(9999)KANRI CA",
        "--common-name",
        "KANRI CA",
        "--root-key-out",
        root_key,
    ];
    ok(&run(&dir, &ca_init, "root-passphrase-for-the-vault\n"));
    std::fs::remove_file(root_key).unwrap();
    let again = run(&dir, &ca_init, "root-passphrase-for-the-vault\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("作成済み"));
    assert!(
        !Path::new(root_key).exists(),
        "no root key for a CA not made"
    );
    // A wrong passphrase stops at start, saying so.
    let wrong = run_with(&dir, &["demo-load"], "", "not-the-passphrase");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("パスフレーズが正しくありません"));

    let out = ok(&run(
        &dir,
        &[
            "contract-add",
            "--code",
            "C003",
            "--name",
            "株式会社例",
            "--branch",
            "本店営業部",
            "--master-login-id",
            "master03",
            "--master-name",
            "例 太郎",
            "--master-email",
            "m3@example.jp",
        ],
        "Login-Pass-03\nKakunin-Pass-03\n",
    ));
    assert!(out.contains("C003"));
    ok(&run(
        &dir,
        &[
            "user-add",
            "--contract",
            "C003",
            "--login-id",
            "user0301",
            "--name",
            "例 花子",
            "--role",
            "general",
            "--email",
            "u@example.jp",
        ],
        "Login-Pass-04\nKakunin-Pass-04\n",
    ));
    // The same password twice, a bad login ID, an unknown contract: refused with a Japanese message.
    for (contract, login_id, passwords, message) in [
        ("C003", "user0302", "Same-Pass-99\nSame-Pass-99\n", "別の値"),
        (
            "C003",
            "ab",
            "Login-Pass-05\nKakunin-Pass-05\n",
            "ログインID",
        ),
        (
            "Z999",
            "user0303",
            "Login-Pass-05\nKakunin-Pass-05\n",
            "見つかりません",
        ),
    ] {
        let refused = run(
            &dir,
            &[
                "user-add",
                "--contract",
                contract,
                "--login-id",
                login_id,
                "--name",
                "x",
                "--role",
                "admin",
                "--email",
                "x@example.jp",
            ],
            passwords,
        );
        assert!(
            !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains(message),
            "user-add {login_id} in {contract}: {}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }

    let p12 = dir.join("user0301.p12");
    let issued = ok(&run(
        &dir,
        &[
            "cert-issue",
            "--login-id",
            "user0301",
            "--p12",
            p12.to_str().unwrap(),
        ],
        "Import-Pass-01\n",
    ));
    assert!(issued.contains("シリアル番号"));
    // The bank holds the contract's certificates and releases them.
    let held = ok(&run(&dir, &["contract-suspend", "--code", "C003"], ""));
    assert!(held.contains("証明書 1件を一時停止しました"), "{held}");
    let released = ok(&run(&dir, &["contract-resume", "--code", "C003"], ""));
    assert!(released.contains("証明書 1件を再開しました"), "{released}");
    let unknown = run(&dir, &["contract-suspend", "--code", "Q404"], "");
    assert!(
        !unknown.status.success()
            && String::from_utf8_lossy(&unknown.stderr).contains("見つかりません")
    );
    let twice = run(
        &dir,
        &[
            "cert-issue",
            "--login-id",
            "user0301",
            "--p12",
            p12.to_str().unwrap(),
        ],
        "Import-Pass-01\n",
    );
    assert!(String::from_utf8_lossy(&twice.stderr).contains("発行済み"));
    ok(&run(
        &dir,
        &[
            "cert-revoke",
            "--login-id",
            "user0301",
            "--reason",
            "keyCompromise",
        ],
        "",
    ));
    ok(&run(
        &dir,
        &[
            "password-release",
            "--login-id",
            "user0301",
            "--kind",
            "confirmation",
        ],
        "",
    ));
    ok(&run(&dir, &["mail-run"], ""));
    // 操作履歴 as written by every command above is intact, and a
    // checkpoint is signed on demand.
    let verified = ok(&run(&dir, &["audit-verify"], ""));
    assert!(
        verified.contains("改ざんは見つかりませんでした"),
        "{verified}"
    );
    let signed = ok(&run(&dir, &["audit-checkpoint"], ""));
    assert!(signed.contains("kanri 操作履歴 checkpoint v1"), "{signed}");

    let mut db = SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap();
    let actions: Vec<String> =
        sqlx::query("SELECT action FROM audit_log WHERE actor = 'bank-operator' ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(
        actions,
        [
            "ca_create",
            "contract_create",
            "user_create",
            "user_create",
            "certificate_issue",
            "certificate_suspend",
            "certificate_resume",
            "certificate_revoke",
            "password_release"
        ]
    );
    let hash: String =
        sqlx::query("SELECT login_password_hash FROM users WHERE login_id = 'master03'")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "OWASP parameters: {hash}"
    );
    let state: String = sqlx::query("SELECT c.state FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = 'user0301'")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "revoked");
    let reason: String = sqlx::query("SELECT c.revocation_reason FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = 'user0301'")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(reason, "keyCompromise");
    // The .p12 opens with its import password in a client kanri did not write.
    let openssl = Command::new("openssl")
        .args([
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-passin",
            "pass:Import-Pass-01",
            "-nokeys",
        ])
        .output()
        .unwrap();
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    assert!(String::from_utf8_lossy(&openssl.stdout).contains("user0301.C003."));
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_databases!(a_master_login_id_in_use_elsewhere_is_reported_as_taken);

/// A new contract whose master's ログインID belongs to another contract's
/// user: the ID is taken (it used to be reported as "already has a master").
async fn a_master_login_id_in_use_elsewhere_is_reported_as_taken(app: TestApp) {
    use kanri_app::domain::secret::Password;
    use kanri_app::domain::Role;
    use kanri_app::use_cases::operator::{self, NewUserInput, OperatorError};
    let input = |login_id: &str, role| NewUserInput {
        login_id: login_id.into(),
        name: "例 太郎".into(),
        role,
        email: "m3@example.jp".into(),
        login_password: Password::new("Login-Pass-03".into()),
        confirmation_password: Password::new("Kakunin-Pass-03".into()),
    };
    let err = operator::create_contract(
        &app.state,
        "C003",
        "株式会社例",
        "本店",
        input("admin01", Role::Master),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, OperatorError::LoginIdTaken(id) if id == "admin01"),
        "{err}"
    );
    assert_eq!(err.to_string(), "ログインID admin01 は既に使われています");
    // Nothing of the refused contract was kept.
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM contracts WHERE code = $1", "C003")
            .await,
        0
    );
    let err = operator::add_user(&app.state, "B002", input("master01", Role::General))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OperatorError::LoginIdTaken(id) if id == "master01"),
        "{err}"
    );
}

fn refused(out: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused: {stderr}");
    assert!(stderr.contains(message), "{message:?} in {stderr}");
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Issue 24's passphrase and demo rules, played by an operator who gets
/// them wrong: a short passphrase, a demo CA taken into production, an
/// HTTPS listener without the bank's server certificate; and the data
/// folder and database file that hold the sealed key, private to kanri.
#[tokio::test]
async fn the_ca_key_is_kept_as_a_bank_keeps_it() {
    let root = std::env::temp_dir().join(format!("kanri-ca-{:016x}", rand::random::<u64>()));
    let dir = root.join("data");
    let root_key = root.join("vault/root-key.pem");
    std::fs::create_dir_all(root_key.parent().unwrap()).unwrap();
    let root_key = root_key.to_str().unwrap();
    let ca_init = [
        "ca-init",
        "--organization",
        "(9999)KENSHINYO",
        "--unit",
        "(9999)KANRI CA",
        "--common-name",
        "KANRI CA",
        "--root-key-out",
        root_key,
    ];
    let vault = "root-passphrase-for-the-vault\n";
    refused(
        &run_with(&dir, &ca_init, vault, "fifteen-chars!!"),
        "16文字以上",
    );
    // Padding does not make a passphrase longer; the demo's is published.
    refused(
        &run_with(&dir, &ca_init, vault, "abc             "),
        "16文字以上",
    );
    refused(
        &run_with(&dir, &ca_init, vault, "kanri-demo-ca-passphrase"),
        "公開",
    );
    // The folder and the database file kanri created are its user's alone.
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("kanri.db")), 0o600);
    let old = "sixteen-chars-ok";
    // The root's passphrase: as long, and not the online key's.
    refused(&run_with(&dir, &ca_init, "short\n", old), "16文字以上");
    refused(
        &run_with(&dir, &ca_init, &format!("{old}\n"), old),
        "別のもの",
    );
    assert!(
        !Path::new(root_key).exists(),
        "nothing written for a refused ca-init"
    );
    // An existing file is never overwritten (it may be the only copy of a root).
    std::fs::write(root_key, "the bank's other root").unwrap();
    refused(&run_with(&dir, &ca_init, vault, old), "上書きしません");
    assert_eq!(
        std::fs::read_to_string(root_key).unwrap(),
        "the bank's other root"
    );
    std::fs::remove_file(root_key).unwrap();
    let said = ok(&run_with(&dir, &ca_init, vault, old));
    assert!(said.contains("オフライン"), "{said}");

    // Two tiers: the root's key is in the file, for the vault, sealed, and
    // nowhere in the database; kanri keeps the root's certificate.
    assert_eq!(mode(Path::new(root_key)), 0o600);
    let root_pem = std::fs::read_to_string(root_key).unwrap();
    assert!(root_pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let opened = Command::new("openssl")
        .args([
            "pkey",
            "-in",
            root_key,
            "-passin",
            "pass:root-passphrase-for-the-vault",
            "-pubout",
        ])
        .output()
        .unwrap();
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    {
        let mut db =
            SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
                .await
                .unwrap();
        let row = sqlx::query(
            "SELECT chain_pem, demo_tls_sealed_key_pem, certificate_pem FROM certificate_authority",
        )
        .fetch_one(&mut db)
        .await
        .unwrap();
        let chain: Option<String> = row.get(0);
        let demo_key: Option<String> = row.get(1);
        let issuing: String = row.get(2);
        assert!(
            demo_key.is_none(),
            "no key but the issuing CA's in the database"
        );
        let chain = chain.expect("the root's certificate is kept");
        let dir_files = root.join("vault");
        std::fs::write(dir_files.join("root.pem"), &chain).unwrap();
        std::fs::write(dir_files.join("issuing.pem"), &issuing).unwrap();
        // The key in the vault is the root's: its public key is the root certificate's.
        let root_public = Command::new("openssl")
            .args(["x509", "-in"])
            .arg(dir_files.join("root.pem"))
            .args(["-noout", "-pubkey"])
            .output()
            .unwrap();
        assert_eq!(opened.stdout, root_public.stdout);
        let verified = Command::new("openssl")
            .arg("verify")
            .arg("-CAfile")
            .arg(dir_files.join("root.pem"))
            .arg(dir_files.join("issuing.pem"))
            .output()
            .unwrap();
        assert!(
            verified.status.success(),
            "{}",
            String::from_utf8_lossy(&verified.stdout)
        );
        db.close().await.unwrap();
    }

    // ca-rollover: the root's key comes back from the vault for one
    // signature; a wrong passphrase for it changes nothing.
    let rollover = [
        "ca-rollover",
        "--common-name",
        "KANRI CA 2",
        "--root-key",
        root_key,
    ];
    refused(
        &run_with(&dir, &rollover, "not-the-vault-passphrase\n", old),
        "ルート認証局の鍵のパスフレーズが正しくありません",
    );
    let said = ok(&run_with(&dir, &rollover, vault, old));
    assert!(said.contains("再起動"), "{said}");
    {
        let mut db =
            SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
                .await
                .unwrap();
        let generation: i64 = sqlx::query("SELECT generation FROM certificate_authority")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        assert_eq!(generation, 2);
        let previous: i64 = sqlx::query("SELECT COUNT(*) FROM previous_issuing_cas")
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            previous, 1,
            "the first issuing CA stays, for its certificates"
        );
        db.close().await.unwrap();
    }
    std::fs::remove_file(root_key).unwrap();

    // ca-reseal: the new passphrase must be long enough too; then only it
    // opens the keys (the issuing CA's and the one the rollover replaced:
    // every command below opens both).
    refused(
        &run_with(&dir, &["ca-reseal"], "too-short\n", old),
        "16文字以上",
    );
    let new = "a-new-and-longer-passphrase";
    refused(
        &run_with(
            &dir,
            &["ca-reseal"],
            &format!("{new}\n"),
            "not-the-passphrase",
        ),
        "正しくありません",
    );
    let out = ok(&run_with(&dir, &["ca-reseal"], &format!("{new}\n"), old));
    assert!(out.contains("KANRI_CA_PASSPHRASE"), "{out}");
    refused(
        &run_with(&dir, &["mail-run"], "", old),
        "パスフレーズが正しくありません",
    );
    ok(&run_with(&dir, &["mail-run"], "", new));
    let mut db = SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap();
    let resealed: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'ca_reseal' AND actor = 'bank-operator'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    assert_eq!(resealed, 1);
    db.close().await.unwrap();

    // Outside demo mode kanri issues itself no server certificate.
    let tls = [
        ("KANRI_TLS_ADDR", "127.0.0.1:0"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ];
    refused(&run_in(&dir, &["serve"], "", new, &tls), "KANRI_TLS_CERT");
    // Outside demo mode cookies are Secure and HSTS is sent unless the bank
    // says otherwise (issue 25): a bank serves kanri over HTTPS only.
    assert!(headers_of_a_running_server(&dir, new, &[]).contains("strict-transport-security"));
    let off = [("KANRI_SECURE_COOKIES", "0")];
    assert!(!headers_of_a_running_server(&dir, new, &off).contains("strict-transport-security"));

    // The bank's database never runs the demo (its users' passwords are
    // published), and the demo's data loads nowhere else.
    let demo = [("KANRI_DEMO", "1")];
    refused(&run_in(&dir, &["mail-run"], "", new, &demo), "本番用");
    refused(&run_with(&dir, &["demo-load"], "", new), "デモモード");

    // A CA made in demo mode (sealed with a passphrase the demo publishes)
    // serves the demo and nothing else.
    let demo_dir = root.join("demo");
    ok(&run_in(
        &demo_dir,
        &["demo-load"],
        "",
        new,
        &[("KANRI_DEMO", "1")],
    ));
    refused(&run_with(&demo_dir, &["mail-run"], "", new), "デモ用");
    refused(
        &run_with(&demo_dir, &["ca-reseal"], &format!("{new}-2\n"), new),
        "デモ用",
    );
    ok(&run_in(
        &demo_dir,
        &["mail-run"],
        "",
        new,
        &[("KANRI_DEMO", "1")],
    ));
    let _ = std::fs::remove_dir_all(root);
}

/// `serve` outside demo mode on a free port: the lower-cased headers of
/// its `/healthz`, then the server is stopped.
fn headers_of_a_running_server(dir: &Path, passphrase: &str, extra: &[(&str, &str)]) -> String {
    use std::io::Read;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kanri-server"))
        .arg("serve")
        .env("KANRI_DATA_DIR", dir)
        .env("KANRI_CA_PASSPHRASE", passphrase)
        .env_remove("DATABASE_URL")
        .env_remove("KANRI_DEMO")
        .env_remove("KANRI_SECURE_COOKIES")
        .env("LEPTOS_OUTPUT_NAME", "kanri")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("RUST_LOG", "warn")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let answer = loop {
        let asked = std::net::TcpStream::connect(&addr).and_then(|mut stream| {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: kanri\r\nConnection: close\r\n\r\n")?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer)?;
            Ok(answer)
        });
        match asked {
            Ok(answer) if answer.starts_with("HTTP/1.1 200") => break answer,
            _ if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                panic!("kanri-server did not answer /healthz on {addr}");
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

on_both_databases!(the_demo_never_loads_beside_other_contracts);

/// A database whose contracts are not the demo's (here the demo's A001
/// renamed, so that A001 is missing and B002 and Z001 are there, either of
/// which may be the bank's): the demo's users, with their published
/// passwords, are not added beside them.
async fn the_demo_never_loads_beside_other_contracts(app: TestApp) {
    use kanri_app::use_cases::demo;
    let mut db = app.state.db.pool().acquire().await.unwrap();
    sqlx::query("UPDATE contracts SET code = 'Z001' WHERE code = 'A001'")
        .execute(&mut *db)
        .await
        .unwrap();
    drop(db);
    let users = |app: &TestApp| {
        let pool = app.state.db.pool().clone();
        async move {
            let row = sqlx::query("SELECT COUNT(*) FROM users")
                .fetch_one(&pool)
                .await
                .unwrap();
            row.get::<i64, _>(0)
        }
    };
    let before = users(&app).await;
    let err = demo::load(&app.state).await.unwrap_err();
    assert!(
        err.to_string().contains("デモデータを登録できません"),
        "{err}"
    );
    assert!(
        err.to_string().contains("B002"),
        "names the contract: {err}"
    );
    assert_eq!(users(&app).await, before, "nothing added");
}

/// `ca-import`: the bank's own issuing CA, made by its own tools (openssl
/// here), comes with the certificates above it up to its root; without
/// them, or with another root's, it is refused and nothing is stored.
#[tokio::test]
async fn ca_import_takes_the_banks_issuing_ca_with_its_chain() {
    let root = std::env::temp_dir().join(format!("kanri-import-{:016x}", rand::random::<u64>()));
    let (dir, bank) = (root.join("data"), root.join("bank"));
    std::fs::create_dir_all(&bank).unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&bank)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for name in ["root", "other-root", "issuing"] {
        openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &format!("{name}.key"),
        ]);
    }
    for name in ["root", "other-root"] {
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-subj",
            "/O=(9999)BANK/CN=BANK ROOT",
            "-days",
            "3650",
            "-out",
            &format!("{name}.pem"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    std::fs::write(
        bank.join("issuing.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n\
         extendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-new",
        "-key",
        "issuing.key",
        "-subj",
        "/O=(9999)BANK/CN=BANK CA",
        "-out",
        "issuing.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "issuing.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-CAcreateserial",
        "-days",
        "1825",
        "-extfile",
        "issuing.ext",
        "-out",
        "issuing.pem",
    ]);
    let file = |name: &str| bank.join(name).display().to_string();
    let (certificate, key) = (file("issuing.pem"), file("issuing.key"));
    let import = |chain: Option<&str>| {
        let mut args = vec![
            "ca-import",
            "--certificate",
            &certificate,
            "--key",
            &key,
            "--organization",
            "(9999)BANK",
            "--unit",
            "(9999)BANK CA",
        ];
        if let Some(chain) = chain {
            args.extend(["--chain", chain]);
        }
        run(&dir, &args, "")
    };
    refused(&import(None), "--chain");
    refused(
        &import(Some(&file("other-root.pem"))),
        "ルート認証局までの連なり",
    );
    refused(
        &import(Some(&file("issuing.pem"))),
        "ルート認証局までの連なり",
    );
    let mut db = SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap();
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM certificate_authority")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0, "nothing stored for a refused import");
    ok(&import(Some(&file("root.pem"))));
    let chain: Option<String> = sqlx::query("SELECT chain_pem FROM certificate_authority")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    let root_pem = std::fs::read_to_string(bank.join("root.pem")).unwrap();
    assert_eq!(chain.as_deref().map(str::trim), Some(root_pem.trim()));
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(root);
}
