//! E-mail (issue 4): the expiry reminders (40 and 10 days before, issue
//! 26) each exactly once per certificate, the revocation notice, and a real
//! SMTP round trip.

mod common;

use chrono::Duration;
use common::{smtp, Backend, TestApp};
use kanri_app::domain::Timestamp;
use kanri_app::infra::config::MailTransport;
use kanri_app::use_cases::mail_notices as mail;
use sqlx::Row;
use std::path::PathBuf;

on_both_databases!(
    expiry_job_sends_one_notice_per_certificate_across_runs,
    concurrent_expiry_jobs_send_one_notice,
    a_resend_after_a_crash_replaces_the_message,
    revocation_sends_the_target_a_notice,
    a_scan_queues_more_notices_than_one_statement_holds,
    each_reminder_goes_once_per_certificate_across_instances,
    a_certificate_first_seen_in_the_last_window_gets_only_the_last_reminder,
);

/// The expiry notices of admin01's certificate: (reminder day, subject).
async fn reminders_of_admin01(app: &TestApp) -> Vec<(i64, String)> {
    sqlx::query(
        "SELECT m.notice_days, m.subject FROM mail_outbox m JOIN certificates c ON c.id = m.certificate_id \
         JOIN users u ON u.id = c.user_id WHERE m.kind = 'expiry_notice' AND u.login_id = $1 ORDER BY m.id",
    )
    .bind("admin01")
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Issue 26: admin01's certificate (25 days left in the demo data) gets
/// the 40-day reminder now and the 10-day one 16 days later, each once,
/// whichever instance scans and however often (an instance that was killed
/// and started again is one more instance on the same database).
async fn each_reminder_goes_once_per_certificate_across_instances(app: TestApp) {
    assert_eq!(
        mail::scan_expiring(&app.state, app.state.clock.now())
            .await
            .unwrap(),
        1
    );
    let other = app.other_instance().await;
    assert_eq!(
        mail::scan_expiring(&other.state, other.state.clock.now())
            .await
            .unwrap(),
        0
    );
    app.state.clock.advance(Duration::days(16));
    let (a, b) = tokio::join!(
        mail::scan_expiring(&app.state, app.state.clock.now()),
        mail::scan_expiring(&other.state, other.state.clock.now())
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "the 10-day reminder, once");
    let restarted = app.other_instance().await;
    assert_eq!(
        mail::scan_expiring(&restarted.state, restarted.state.clock.now())
            .await
            .unwrap(),
        0
    );
    let reminders = reminders_of_admin01(&app).await;
    assert_eq!(
        reminders.iter().map(|(days, _)| *days).collect::<Vec<_>>(),
        vec![40, 10]
    );
    assert!(reminders[0].1.contains("40日以内"), "{}", reminders[0].1);
    assert!(reminders[1].1.contains("10日以内"), "{}", reminders[1].1);
    let (_, delivery) = mail::run_once(&app.state).await.unwrap();
    assert_eq!(delivery.sent, 2);
}

/// A certificate first looked at 5 days before its expiry (the job did not
/// run for weeks) gets the 10-day reminder only, not every missed one at once.
async fn a_certificate_first_seen_in_the_last_window_gets_only_the_last_reminder(app: TestApp) {
    app.state.clock.advance(Duration::days(20));
    assert_eq!(
        mail::scan_expiring(&app.state, app.state.clock.now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        mail::scan_expiring(&app.state, app.state.clock.now())
            .await
            .unwrap(),
        0
    );
    let reminders = reminders_of_admin01(&app).await;
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].0, 10);
}

fn mail_dir(app: &TestApp) -> PathBuf {
    match &app.state.config.mail.transport {
        MailTransport::Files(dir) => dir.clone(),
        other => panic!("expected file transport, got {other:?}"),
    }
}

fn eml_files(app: &TestApp) -> Vec<String> {
    let mut contents: Vec<String> = std::fs::read_dir(mail_dir(app))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    contents.sort();
    contents
}

async fn expiry_job_sends_one_notice_per_certificate_across_runs(app: TestApp) {
    // Demo data: only admin01 (25 days) is within 40 days; expired01 is past.
    let (queued, delivery) = mail::run_once(&app.state).await.unwrap();
    assert_eq!((queued, delivery.sent, delivery.failed), (1, 1, 0));
    let (queued, delivery) = mail::run_once(&app.state).await.unwrap();
    assert_eq!(
        (queued, delivery.sent),
        (0, 0),
        "the second run sends nothing"
    );
    let files = eml_files(&app);
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("To: admin01@example.jp"), "{}", files[0]);
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND sent_at IS NOT NULL",
            "expiry_notice"
        )
        .await,
        1
    );
}

/// The scan queues a few hundred notices per statement: with more
/// candidates than two statements hold, and one of them already queued in
/// the middle of the second, each certificate gets exactly one notice.
async fn a_scan_queues_more_notices_than_one_statement_holds(app: TestApp) {
    const BULK: i64 = 1_100;
    let now = app.state.clock.now();
    let mut tx = app.state.db.begin_write().await.unwrap();
    let contract_id: i64 = sqlx::query("SELECT contract_id FROM users WHERE login_id = 'master01'")
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
    let mut middle_certificate = 0;
    for i in 0..BULK {
        let login_id = format!("bulk{i:04}");
        let user_id: i64 = sqlx::query(
            "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
             VALUES ($1, $2, $3, 'general', $4, 'x', 'y', $5) RETURNING id",
        )
        .bind(contract_id)
        .bind(&login_id)
        .bind(format!("一括 {i}"))
        .bind(format!("{login_id}@example.jp"))
        .bind(now.to_db())
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
        let not_before = Timestamp(now.0 - Duration::days(300));
        let not_after = Timestamp(now.0 + Duration::days(10) + Duration::seconds(i));
        let certificate_id: i64 = sqlx::query(
            "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state) \
             VALUES ($1, $2, 'o', 'ou', 'cn', $3, $4, 'issued') RETURNING id",
        )
        .bind(user_id)
        .bind(format!("{:032x}", 0xb01c_0000 + i))
        .bind(not_before.to_db())
        .bind(not_after.to_db())
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
        if i == 700 {
            middle_certificate = certificate_id;
        }
    }
    tx.commit().await.unwrap();
    sqlx::query(
        "INSERT INTO mail_outbox (kind, certificate_id, recipient, subject, body, created_at) \
         VALUES ('expiry_notice', $1, 'bulk0700@example.jp', 's', 'b', $2)",
    )
    .bind(middle_certificate)
    .bind(now.to_db())
    .execute(app.state.db.pool())
    .await
    .unwrap();

    // The bulk users' notices but the one already queued, and admin01's (demo).
    let queued = mail::scan_expiring(&app.state, now).await.unwrap();
    assert_eq!(queued as i64, BULK - 1 + 1);
    let count = |sql: &'static str| app.scalar_i64(sql, "expiry_notice");
    assert_eq!(
        count("SELECT COUNT(*) FROM mail_outbox WHERE kind = $1").await,
        BULK + 1
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT certificate_id) FROM mail_outbox WHERE kind = $1").await,
        BULK + 1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND recipient = 'bulk1099@example.jp'").await,
        1,
        "the last chunk's last row is queued"
    );
    assert_eq!(
        mail::scan_expiring(&app.state, now).await.unwrap(),
        0,
        "the second scan queues nothing"
    );
}

async fn concurrent_expiry_jobs_send_one_notice(app: TestApp) {
    let (a, b) = tokio::join!(mail::run_once(&app.state), mail::run_once(&app.state));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.0 + b.0, 1, "queued once in all");
    assert_eq!(a.1.sent + b.1.sent, 1, "sent once in all");
    assert_eq!(eml_files(&app).len(), 1);
}

/// An instance killed after the hand-off but before `sent_at` leaves the row
/// to be sent again: the second copy must land on the first, not beside it.
async fn a_resend_after_a_crash_replaces_the_message(app: TestApp) {
    let (_, delivery) = mail::run_once(&app.state).await.unwrap();
    assert_eq!(delivery.sent, 1);
    let first = eml_files(&app);
    // As if the sender died before recording the hand-off.
    sqlx::query("UPDATE mail_outbox SET sent_at = NULL, claimed_at = NULL, claim_token = NULL")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let delivery = mail::deliver_pending(&app.state).await.unwrap();
    assert_eq!(delivery.sent, 1, "sent again");
    let again = eml_files(&app);
    assert_eq!(again.len(), 1, "one message, not two");
    let id = app
        .scalar_i64(
            "SELECT id FROM mail_outbox WHERE kind = $1",
            "expiry_notice",
        )
        .await;
    let message_id = format!("Message-ID: <{}@kanri.invalid>", mail::message_key(id));
    assert!(first[0].contains(&message_id), "{}", first[0]);
    assert!(again[0].contains(&message_id), "the same Message-ID");
}

async fn revocation_sends_the_target_a_notice(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let serial = app.certificate_serial("sachikodt").await;
    master.revoke("sachikodt", &serial).await;
    // The revocation starts delivery in the background: wait for it (a
    // second sender would find the row claimed and leave it alone).
    let mut row = None;
    for _ in 0..100 {
        row = app
            .scalar_string(
                "SELECT recipient FROM mail_outbox WHERE kind = $1 AND sent_at IS NOT NULL",
                "revocation_notice",
            )
            .await;
        if row.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(row.as_deref(), Some("sachikodt@example.jp"));
    let body = app
        .scalar_string(
            "SELECT body FROM mail_outbox WHERE kind = $1",
            "revocation_notice",
        )
        .await
        .unwrap();
    assert!(body.contains(&serial), "names the certificate");
    assert!(body.contains("群馬 太郎（master01）"), "says by whom");
    assert!(
        body.contains("年") && body.contains("秒"),
        "says when, in Japan time"
    );
    assert!(!body.contains("Pass"), "nothing secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_notice_over_real_smtp() {
    let (port, server) = smtp::start().await;
    let app = TestApp::start(Backend::Sqlite, |c| {
        c.mail.transport = MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port,
            starttls: false,
            username: None,
            password: None,
        };
        c.mail.from = "kanri <noreply@kanri.invalid>".into();
    })
    .await
    .unwrap();
    let (queued, delivery) = mail::run_once(&app.state).await.unwrap();
    assert_eq!((queued, delivery.sent, delivery.failed), (1, 1, 0));
    let received = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(received.mail_from, "<noreply@kanri.invalid>");
    assert_eq!(received.rcpt_to, vec!["<admin01@example.jp>".to_owned()]);
    assert_eq!(received.header("To").as_deref(), Some("admin01@example.jp"));
    assert_eq!(
        received.header("Subject").as_deref(),
        Some("【電子証明書】有効期限が近づいています（40日以内）")
    );
    assert!(received
        .header("Content-Type")
        .unwrap()
        .contains("text/plain; charset=utf-8"));
    assert!(
        received.body.starts_with("管理 花子 様"),
        "{}",
        received.body
    );
    assert!(received.body.contains("ログインID：admin01"));
    let not_after = app
        .scalar_string(
            "SELECT c.not_after FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1",
            "admin01",
        )
        .await
        .unwrap();
    let jst = kanri_app::domain::Timestamp::from_db(&not_after)
        .unwrap()
        .jst();
    assert!(
        received.body.contains(&format!("有効期限：{jst}")),
        "有効期限 in Japan time"
    );
    assert!(received.body.contains("証明書更新"));
    let message_id = received.header("Message-ID").unwrap();
    assert!(message_id.starts_with("<kanri-mail-"), "{message_id}");
}
