//! The mail outbox: what kanri owes its users by e-mail, claimed and marked
//! sent by the delivery job.

use super::{Backend, Tx};
use crate::domain::{CertificateSerial, LoginId, Timestamp};
use sqlx::{Any, AnyPool, Executor, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    ExpiryNotice,
    RevocationNotice,
    /// A 取得, 更新, ワンタイムパスワード registration or reset, or a
    /// 発行用コード grant: queued in the event's own transaction.
    EventNotice,
}

impl MailKind {
    pub fn as_db(self) -> &'static str {
        match self {
            MailKind::ExpiryNotice => "expiry_notice",
            MailKind::RevocationNotice => "revocation_notice",
            MailKind::EventNotice => "event_notice",
        }
    }
}

/// A 発行済み certificate within a reminder's window that has had neither
/// that reminder nor a later one.
#[derive(Clone, Debug)]
pub struct ExpiryCandidate {
    pub certificate_id: i64,
    pub login_id: LoginId,
    pub name: String,
    pub email: String,
    pub serial: CertificateSerial,
    pub not_after: Timestamp,
}

/// The certificates due the reminder of `days` days: 発行済み, expiring
/// after `after` (now, or the next reminder's window) and by `horizon`
/// (`days` from now), with no expiry notice of `days` or fewer days yet.
/// A held certificate (一時停止) is left out: it cannot be renewed now, and
/// once released the next scan finds it.
pub async fn expiry_candidates(
    pool: &AnyPool,
    after: Timestamp,
    horizon: Timestamp,
    days: i64,
) -> Result<Vec<ExpiryCandidate>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, u.login_id, u.name, u.email, c.serial, c.not_after FROM certificates c \
         JOIN users u ON u.id = c.user_id \
         WHERE c.state = 'issued' AND c.suspended_at IS NULL AND c.not_after > $1 AND c.not_after <= $2 \
         AND NOT EXISTS (SELECT 1 FROM mail_outbox m WHERE m.kind = 'expiry_notice' \
                         AND m.certificate_id = c.id AND m.notice_days <= $3) \
         ORDER BY c.not_after",
    )
    .bind(after.to_db())
    .bind(horizon.to_db())
    .bind(days)
    .fetch_all(pool)
    .await?;
    let bad = super::decode_error;
    rows.iter()
        .map(|r| {
            Ok(ExpiryCandidate {
                certificate_id: r.try_get("id")?,
                login_id: LoginId::parse(&r.try_get::<String, _>("login_id")?)
                    .map_err(|_| bad("login_id"))?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                serial: CertificateSerial::parse(&r.try_get::<String, _>("serial")?)
                    .map_err(|_| bad("serial"))?,
                not_after: Timestamp::from_db(&r.try_get::<String, _>("not_after")?)
                    .ok_or_else(|| bad("not_after"))?,
            })
        })
        .collect()
}

pub struct NewMail<'a> {
    pub kind: MailKind,
    pub certificate_id: i64,
    /// The reminder's days before expiry (expiry notices); 0 otherwise.
    pub notice_days: i64,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues a message unless one of this kind (and reminder day) exists for
/// the certificate. Returns whether it was queued.
pub async fn enqueue<'e, E>(db: E, mail: &NewMail<'_>, now: Timestamp) -> Result<bool, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let result = sqlx::query(
        "INSERT INTO mail_outbox (kind, certificate_id, notice_days, recipient, subject, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, certificate_id, notice_days) DO NOTHING",
    )
    .bind(mail.kind.as_db())
    .bind(mail.certificate_id)
    .bind(mail.notice_days)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(now.to_db())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn enqueue_tx(
    tx: &mut Tx,
    mail: &NewMail<'_>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    enqueue(&mut **tx, mail, now).await
}

/// Rows per statement of [`enqueue_many_tx`]: 7 parameters each stays far
/// below SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_INSERT: usize = 500;

/// Queues every message of `mails` whose (kind, certificate) has none yet,
/// a few hundred rows per statement: the 40-day scan queues thousands at
/// once, and one statement per row was most of its time (on SQLite each is
/// a hand-off to sqlx's worker thread). Returns how many were queued.
pub async fn enqueue_many_tx(
    tx: &mut Tx,
    backend: Backend,
    mails: &[NewMail<'_>],
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    let created_at = now.to_db();
    let mut queued = 0;
    for chunk in mails.chunks(ROWS_PER_INSERT) {
        let sql = multi_row_insert(backend, chunk.len());
        let mut query = sqlx::query(&sql);
        for mail in chunk {
            query = query
                .bind(mail.kind.as_db())
                .bind(mail.certificate_id)
                .bind(mail.notice_days)
                .bind(mail.recipient)
                .bind(mail.subject)
                .bind(mail.body)
                .bind(created_at.as_str());
        }
        queued += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(queued)
}

/// The INSERT of `rows` messages. On SQLite with anonymous `?` parameters,
/// unlike every other statement here: sqlx looks each numbered parameter's
/// name up in SQLite's list of names, which takes time in proportion to
/// the statement's parameters, so 3,000 numbered ones cost a square (the
/// 40-day scan spent 0.4 s there for 10,000 notices).
fn multi_row_insert(backend: Backend, rows: usize) -> String {
    const COLUMNS: usize = 7;
    let mut sql = String::from(
        "INSERT INTO mail_outbox (kind, certificate_id, notice_days, recipient, subject, body, created_at) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        let placeholders: Vec<String> = (1..=COLUMNS)
            .map(|column| match backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${}", row * COLUMNS + column),
            })
            .collect();
        sql.push_str(&format!("({})", placeholders.join(", ")));
    }
    sql.push_str(" ON CONFLICT (kind, certificate_id, notice_days) DO NOTHING");
    sql
}

/// Unsent messages nobody holds a live claim on.
pub async fn claimable_ids(
    pool: &AnyPool,
    lease_expired_before: Timestamp,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $1) ORDER BY id LIMIT $2",
    )
    .bind(lease_expired_before.to_db())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Where a message's body takes its secret (a 発行用コード) when it is sent.
pub const SECRET_MARK: &str = "{{secret}}";

pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// The body as sent: with its secret, if it has one.
    pub body: String,
}

/// Claims one message for this sender (compare-and-set on the claim): of
/// several instances trying at once, exactly one gets it.
pub async fn claim(
    pool: &AnyPool,
    id: i64,
    token: &str,
    now: Timestamp,
    lease_expired_before: Timestamp,
) -> Result<Option<ClaimedMail>, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE mail_outbox SET claim_token = $2, claimed_at = $3, attempts = attempts + 1 \
         WHERE id = $1 AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $4)",
    )
    .bind(id)
    .bind(token)
    .bind(now.to_db())
    .bind(lease_expired_before.to_db())
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT recipient, subject, body, secret FROM mail_outbox WHERE id = $1 AND claim_token = $2",
    )
    .bind(id)
    .bind(token)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(ClaimedMail {
            id,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body: match r.try_get::<Option<String>, _>("secret")? {
                Some(secret) => r
                    .try_get::<String, _>("body")?
                    .replace(SECRET_MARK, &secret),
                None => r.try_get("body")?,
            },
        })
    })
    .transpose()
}

pub async fn mark_sent(
    pool: &AnyPool,
    id: i64,
    token: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    // Sent: the secret it carried is not kept.
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $3, secret = NULL WHERE id = $1 AND claim_token = $2",
    )
    .bind(id)
    .bind(token)
    .bind(now.to_db())
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives a claim back after a failed send, so that the next run retries.
pub async fn release(pool: &AnyPool, id: i64, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mail_outbox SET claim_token = NULL, claimed_at = NULL WHERE id = $1 AND claim_token = $2")
        .bind(id)
        .bind(token)
        .execute(pool)
        .await?;
    Ok(())
}

/// Someone a notice goes to.
#[derive(Clone, Debug)]
pub struct Person {
    pub user_id: i64,
    pub login_id: String,
    pub name: String,
    pub email: String,
}

/// Who hears of an event of a user: the user, their contract's master
/// user, and the branch to call.
#[derive(Clone, Debug)]
pub struct Recipients {
    pub user: Person,
    pub master: Option<Person>,
    pub branch: String,
}

pub async fn recipients(tx: &mut Tx, user_id: i64) -> Result<Option<Recipients>, sqlx::Error> {
    let person = |r: &sqlx::any::AnyRow, prefix: &str| -> Result<Person, sqlx::Error> {
        Ok(Person {
            user_id: r.try_get(format!("{prefix}id").as_str())?,
            login_id: r.try_get(format!("{prefix}login_id").as_str())?,
            name: r.try_get(format!("{prefix}name").as_str())?,
            email: r.try_get(format!("{prefix}email").as_str())?,
        })
    };
    let row = sqlx::query(
        "SELECT u.id, u.login_id, u.name, u.email, c.branch, \
         m.id AS m_id, m.login_id AS m_login_id, m.name AS m_name, m.email AS m_email \
         FROM users u JOIN contracts c ON c.id = u.contract_id \
         LEFT JOIN users m ON m.contract_id = u.contract_id AND m.role = 'master' \
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let master_id: Option<i64> = row.try_get("m_id")?;
    Ok(Some(Recipients {
        user: person(&row, "")?,
        master: master_id.map(|_| person(&row, "m_")).transpose()?,
        branch: row.try_get("branch")?,
    }))
}

/// Queues one event notice (no certificate row of its own). `secret`: what
/// the body's [`SECRET_MARK`] stands for, kept apart and cleared once sent.
pub async fn enqueue_event(
    tx: &mut Tx,
    recipient: &str,
    subject: &str,
    body: &str,
    secret: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (kind, certificate_id, recipient, subject, body, secret, created_at) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6)",
    )
    .bind(MailKind::EventNotice.as_db())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(secret)
    .bind(now.to_db())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn email_of<'e, E>(db: E, user_id: i64) -> Result<Option<String>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    row.map(|r| r.try_get("email")).transpose()
}

pub async fn certificate_id<'e, E>(
    db: E,
    serial: &CertificateSerial,
) -> Result<Option<i64>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT id FROM certificates WHERE serial = $1")
        .bind(serial.as_str())
        .fetch_optional(db)
        .await?;
    row.map(|r| r.try_get("id")).transpose()
}

/// The outbox's backlog as operators watch it (`/metrics`): unsent
/// messages waiting for their first attempt, and waiting after one. Only
/// the unsent rows are read (an index keeps them apart from the sent ones,
/// which are never deleted).
pub async fn counts(pool: &AnyPool) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN attempts = 0 THEN 1 ELSE 0 END), 0) AS waiting, \
         COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying \
         FROM mail_outbox WHERE sent_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok((row.try_get("waiting")?, row.try_get("retrying")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_row_insert_has_seven_parameters_per_row_in_each_dialect() {
        let sql = multi_row_insert(Backend::Postgres, 2);
        assert!(
            sql.contains(
                "VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14) ON CONFLICT"
            ),
            "{sql}"
        );
        let sql = multi_row_insert(Backend::Sqlite, 2);
        assert!(
            sql.contains("VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?) ON CONFLICT"),
            "{sql}"
        );
    }
}
