//! A tamper-evident 操作履歴 (issue 27): 50 writers on three instances
//! leave intact chains; each of edit, delete, insert and reorder of one
//! row, made by SQL with the append-only triggers switched off and on
//! again, makes `audit-verify` fail and name that row; a rewrite that
//! recomputes every hash is caught by the signed checkpoint, whose
//! signature OpenSSL verifies with the published key; the README's Python
//! block verifies a CSV export offline. Both databases.

mod common;

use axum::http::StatusCode;
use common::{openssl, scratch_dir, Backend, TestApp};
use kanri_app::db::audit_log;
use kanri_app::domain::audit::{AuditEntry, ClientInfo};
use kanri_app::domain::audit_chain::Link;
use kanri_app::domain::{Actor, AuditAction};
use kanri_app::use_cases::audit_evidence;
use sqlx::Row;

on_both_databases!(
    checkpoints_are_signed_daily_and_their_absence_is_reported,
    fifty_writers_on_three_instances_leave_intact_chains,
    each_kind_of_tampering_names_its_row,
    a_rewrite_with_every_hash_recomputed_is_caught_by_the_signed_checkpoint,
    an_export_verifies_offline_with_the_readmes_python,
);

fn entry(contract: Option<&str>, n: usize) -> AuditEntry {
    AuditEntry::new(
        kanri_app::domain::Timestamp(chrono::Utc::now()),
        Actor::BankOperator,
        contract,
        AuditAction::ContractSet,
        &ClientInfo::new(Some("192.0.2.7".into()), Some("writer")),
    )
    .target(format!("writer {n}"))
}

/// The problems `audit-verify` reports, in its words.
async fn problems(app: &TestApp) -> Vec<String> {
    audit_evidence::verify(&app.state).await.unwrap().problems
}

/// Runs `statements` on 操作履歴 with its append-only triggers off, as
/// whoever reaches the database can; then puts them back.
async fn tamper(app: &TestApp, statements: &[String]) {
    let pool = app.state.db.pool();
    // One connection for all of it, as one tampering session would be.
    let mut conn = pool.acquire().await.unwrap();
    let (off, on): (&[&str], &[&str]) = match app.backend {
        Backend::Postgres => (
            &["ALTER TABLE audit_log DISABLE TRIGGER USER"],
            &["ALTER TABLE audit_log ENABLE TRIGGER USER"],
        ),
        Backend::Sqlite => (
            &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
            &[
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log_append_only'); END",
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log_append_only'); END",
            ],
        ),
    };
    let all = off
        .iter()
        .map(|s| s.to_string())
        .chain(statements.iter().cloned())
        .chain(on.iter().map(|s| s.to_string()));
    for statement in all {
        sqlx::query(&statement)
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    drop(conn);
    // The triggers are back: kanri's own code still cannot change a row.
    let refused =
        sqlx::query("UPDATE audit_log SET target = 'x' WHERE id = (SELECT MIN(id) FROM audit_log)")
            .execute(pool)
            .await;
    assert!(refused.is_err(), "the append-only trigger is back");
}

fn one(statement: String) -> Vec<String> {
    vec![statement]
}

/// Swaps the places in the table of rows `a` and `b`.
fn swap(a: i64, b: i64) -> Vec<String> {
    vec![
        format!("UPDATE audit_log SET id = -1 WHERE id = {a}"),
        format!("UPDATE audit_log SET id = {a} WHERE id = {b}"),
        format!("UPDATE audit_log SET id = {b} WHERE id = -1"),
    ]
}

/// Ids of chain `chain`'s rows, in order.
async fn ids_of(app: &TestApp, chain: &str) -> Vec<i64> {
    sqlx::query("SELECT id FROM audit_log WHERE chain = $1 ORDER BY chain_seq")
        .bind(chain)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect()
}

async fn fifty_writers_on_three_instances_leave_intact_chains(app: TestApp) {
    let (second, third) = (app.other_instance().await, app.other_instance().await);
    let dbs = [
        app.state.db.clone(),
        second.state.db.clone(),
        third.state.db.clone(),
    ];
    let before = audit_evidence::verify(&app.state).await.unwrap();
    assert!(before.problems.is_empty(), "{:?}", before.problems);
    let rows_before: i64 = before.chains.iter().map(|(_, n)| n).sum();
    let mut writers = Vec::new();
    for n in 0..50 {
        let db = dbs[n % 3].clone();
        let contract = ["A001", "B002", ""][n % 3];
        writers.push(tokio::spawn(async move {
            for k in 0..4 {
                let contract = (!contract.is_empty()).then_some(contract);
                audit_log::insert(&db, &entry(contract, n * 10 + k))
                    .await
                    .unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let report = audit_evidence::verify(&app.state).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let rows: i64 = report.chains.iter().map(|(_, n)| n).sum();
    assert_eq!(rows - rows_before, 200, "{:?}", report.chains);
    // Each chain is numbered 1..n without a gap or a repeat.
    for chain in ["A001", "B002", ""] {
        let seqs: Vec<i64> =
            sqlx::query("SELECT chain_seq FROM audit_log WHERE chain = $1 ORDER BY id")
                .bind(chain)
                .fetch_all(app.state.db.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<i64, _>(0))
                .collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{chain}");
    }
}

async fn each_kind_of_tampering_names_its_row(app: TestApp) {
    // A contract's chain of its own: rows 1 to 8.
    for n in 0..8 {
        audit_log::insert(&app.state.db, &entry(Some("T001"), n))
            .await
            .unwrap();
    }
    assert_eq!(problems(&app).await, Vec::<String>::new());
    let ids = ids_of(&app, "T001").await;
    let (third, fourth, fifth) = (ids[2], ids[3], ids[4]);

    // Edited: one row's 対象.
    tamper(
        &app,
        &one(format!(
            "UPDATE audit_log SET target = '書き換え' WHERE id = {third}"
        )),
    )
    .await;
    assert_eq!(
        problems(&app).await,
        [format!("契約 T001: 行 id {third} の内容が変更されています")]
    );
    tamper(
        &app,
        &one(format!(
            "UPDATE audit_log SET target = 'writer 2' WHERE id = {third}"
        )),
    )
    .await;
    assert_eq!(problems(&app).await, Vec::<String>::new(), "put back");

    // Reordered: two rows' places in the table swapped.
    tamper(&app, &swap(third, fourth)).await;
    assert_eq!(
        problems(&app).await,
        [format!(
            "契約 T001: 行 id {fourth} の順序が入れ替えられています"
        )]
    );
    tamper(&app, &swap(third, fourth)).await;
    assert_eq!(problems(&app).await, Vec::<String>::new(), "put back");

    // Inserted: a row added by hand, as the schema before the chain wrote them.
    let at = kanri_app::domain::Timestamp(chrono::Utc::now()).to_db();
    tamper(
        &app,
        &one(format!(
            "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome) \
             VALUES ('{at}', 'master01', 'T001', 'login', '偽の行', 'success')"
        )),
    )
    .await;
    let fake: i64 = sqlx::query("SELECT id FROM audit_log WHERE target = '偽の行'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        problems(&app).await,
        [format!(
            "行 id {fake} は連鎖に含まれていません（後から挿入された行です）"
        )]
    );
    tamper(
        &app,
        &one(format!("DELETE FROM audit_log WHERE id = {fake}")),
    )
    .await;
    assert_eq!(problems(&app).await, Vec::<String>::new(), "put back");

    // Deleted: one row gone; the row after it is named.
    tamper(
        &app,
        &one(format!("DELETE FROM audit_log WHERE id = {fourth}")),
    )
    .await;
    assert_eq!(
        problems(&app).await,
        [format!(
            "契約 T001: 行 id {fifth} の前の行（連番 4）が削除されています"
        )]
    );

    // Moved: a row of T001 put into another contract's history.
    tamper(
        &app,
        &one(format!(
            "UPDATE audit_log SET contract_code = 'A001' WHERE id = {third}"
        )),
    )
    .await;
    let found = problems(&app).await;
    assert!(
        found.contains(&format!(
            "行 id {third} の契約コードが連鎖と一致しません（別の契約へ移されています）"
        )),
        "{found:?}"
    );
    tamper(
        &app,
        &one(format!(
            "UPDATE audit_log SET contract_code = 'T001' WHERE id = {third}"
        )),
    )
    .await;

    // The command says so with its exit status.
    let outcome =
        kanri_server::cli::run_operator(&app.state, kanri_server::cli::Command::AuditVerify).await;
    let err = outcome.unwrap_err().to_string();
    assert!(err.contains(&format!("行 id {fifth}")), "{err}");
}

async fn a_rewrite_with_every_hash_recomputed_is_caught_by_the_signed_checkpoint(app: TestApp) {
    for n in 0..5 {
        audit_log::insert(&app.state.db, &entry(Some("T002"), n))
            .await
            .unwrap();
    }
    let body = audit_evidence::checkpoint(&app.state).await.unwrap();
    assert!(body.contains("\nchain T002 5 "), "{body}");
    let ok = kanri_server::cli::run_operator(&app.state, kanri_server::cli::Command::AuditVerify)
        .await
        .unwrap();
    assert!(ok.contains("改ざんは見つかりませんでした"), "{ok}");

    // Someone who knows the algorithm rewrites row 2 of T002 and every hash
    // after it, and the chain's recorded end: the chain alone passes…
    let rows = audit_log::chain_rows(app.state.db.pool(), "T002")
        .await
        .unwrap();
    let mut prev = rows[0].hash.clone();
    let mut statements = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let mut link: Link = row.link.clone();
        if i == 1 {
            link.target = Some("書き換え".into());
        }
        link.prev = prev.clone();
        let hash = link.hash();
        statements.push(format!(
            "UPDATE audit_log SET target = '{}', prev_hash = '{}', row_hash = '{hash}' WHERE id = {}",
            link.target.clone().unwrap_or_default(),
            link.prev,
            row.id
        ));
        prev = hash;
    }
    statements.push(format!(
        "UPDATE audit_chains SET head = '{prev}' WHERE chain = 'T002'"
    ));
    tamper(&app, &statements).await;
    // …but not the checkpoint signed before.
    let found = problems(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("チェックポイント ")
            && found[0].ends_with(&format!(
                "契約 T002 の連番 5（行 id {}）が署名時と一致しません（この行までのいずれかが書き換えられています）",
                rows.last().unwrap().id
            )),
        "{found:?}"
    );

    // A key of the attacker's own in the key's row, to sign checkpoints
    // of the rewritten chain: the sealed private key says otherwise.
    let (theirs, _) = kanri_pki::EvidenceKey::generate().unwrap();
    let original: Vec<u8> = sqlx::query("SELECT public_key_der FROM audit_signing_key")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get(0);
    sqlx::query("UPDATE audit_signing_key SET public_key_der = $1")
        .bind(theirs.public_key_der())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let found = problems(&app).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains("保存された公開鍵が封印された鍵のものではありません")),
        "{found:?}"
    );
    assert_eq!(
        app.client().get("/pki/audit-key.pem").await.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a swapped key is never published"
    );
    sqlx::query("UPDATE audit_signing_key SET public_key_der = $1")
        .bind(original)
        .execute(app.state.db.pool())
        .await
        .unwrap();

    // The published checkpoint verifies with OpenSSL and the published key;
    // a changed text does not.
    let dir = scratch_dir();
    let key = app.client().get("/pki/audit-key.pem").await;
    assert_eq!(key.status, StatusCode::OK);
    std::fs::write(dir.join("audit-key.pem"), &key.body).unwrap();
    let published = app.client().get("/pki/audit-checkpoints").await;
    assert_eq!(published.status, StatusCode::OK);
    let first = published.body.split("\n\n").next().unwrap();
    let (text, signature) = first.split_once("signature ").unwrap();
    assert_eq!(text, body);
    use base64::Engine;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .unwrap();
    std::fs::write(dir.join("checkpoint.txt"), text).unwrap();
    std::fs::write(dir.join("checkpoint.sig"), &signature).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    let verify = |text_file: &str| {
        std::process::Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                &path("audit-key.pem"),
                "-rawin",
            ])
            .args(["-in", &path(text_file), "-sigfile", &path("checkpoint.sig")])
            .output()
            .unwrap()
    };
    let good = verify("checkpoint.txt");
    assert!(
        good.status.success()
            && String::from_utf8_lossy(&good.stdout).contains("Signature Verified Successfully"),
        "{good:?}"
    );
    std::fs::write(
        dir.join("changed.txt"),
        text.replace("chain T002 5", "chain T002 4"),
    )
    .unwrap();
    assert!(!verify("changed.txt").status.success());
    // The key is not the CA's.
    let ca = openssl(&[
        "x509",
        "-in",
        &{
            std::fs::write(dir.join("ca.pem"), state_ca_pem(&app)).unwrap();
            path("ca.pem")
        },
        "-noout",
        "-pubkey",
    ]);
    assert_ne!(ca.trim(), key.body.trim());
    let _ = std::fs::remove_dir_all(&dir);
}

fn state_ca_pem(app: &TestApp) -> String {
    app.state.pki.ca.certificate_pem()
}

async fn an_export_verifies_offline_with_the_readmes_python(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    // A few rows of A001 of every kind: logins, a refused confirmation.
    let _ = master
        .get("/kanri/users/revoke/confirm?login_id=nobody")
        .await;
    let _ = app.logged_in("admin01").await;
    let csv = master.get("/kanri/history.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("連番,ハッシュ,検証用データ"),
        "{}",
        &csv.body[..200]
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let block = readme
        .split("<!-- verify-history-csv -->\n```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README's verification block");
    let dir = scratch_dir();
    std::fs::write(dir.join("verify.py"), block).unwrap();
    std::fs::write(dir.join("history.csv"), &csv.body).unwrap();
    let run = |file: &str| {
        std::process::Command::new("python3")
            .arg(dir.join("verify.py"))
            .arg(dir.join(file))
            .output()
            .unwrap()
    };
    let out = run("history.csv");
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: usize = said
        .trim()
        .trim_start_matches("OK: ")
        .trim_end_matches(" rows")
        .parse()
        .unwrap();
    assert!(rows >= 3, "{said}");
    // One row's 対象 changed in the export, where it is shown or in the
    // data too: refused either way.
    let shown_only = csv.body.replacen("\"nobody\"", "\"nobodY\"", 1);
    let everywhere = csv.body.replace("nobody", "nobodY");
    for (name, edited) in [("shown.csv", shown_only), ("everywhere.csv", everywhere)] {
        assert_ne!(edited, csv.body);
        std::fs::write(dir.join(name), edited).unwrap();
        assert!(!run(name).status.success(), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn checkpoints_are_signed_daily_and_their_absence_is_reported(app: TestApp) {
    audit_log::insert(&app.state.db, &entry(Some("T003"), 0))
        .await
        .unwrap();
    // The periodic job signs the first at once and the next a day later.
    audit_evidence::checkpoint_if_due(&app.state).await.unwrap();
    audit_evidence::checkpoint_if_due(&app.state).await.unwrap();
    assert_eq!(
        audit_evidence::verify(&app.state)
            .await
            .unwrap()
            .checkpoints,
        1
    );
    assert_eq!(problems(&app).await, Vec::<String>::new());
    // Two days on without a checkpoint (the job stopped): said.
    app.state.clock.advance(chrono::Duration::hours(50));
    let found = problems(&app).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("チェックポイントが署名されていません"),
        "{found:?}"
    );
    audit_evidence::checkpoint_if_due(&app.state).await.unwrap();
    assert_eq!(problems(&app).await, Vec::<String>::new());
}
