//! 操作履歴: append-only (the schema refuses UPDATE and DELETE).

use super::Tx;
use crate::server::audit::AuditEntry;
use sqlx::{Any, Executor};

pub async fn insert<'e, E>(db: E, entry: &AuditEntry) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome, reason, \
         client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.occurred_at.to_db())
    .bind(entry.actor.as_str())
    .bind(entry.contract_code.as_deref())
    .bind(entry.action.as_db())
    .bind(entry.target.as_deref())
    .bind(entry.outcome.as_db())
    .bind(entry.reason.as_deref())
    .bind(entry.client.ip.as_deref())
    .bind(entry.client.user_agent.as_deref())
    .execute(db)
    .await?;
    Ok(())
}

/// Same as [`insert`], inside a transaction.
pub async fn insert_tx(tx: &mut Tx, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    insert(&mut **tx, entry).await
}

/// Which 操作履歴 rows of one contract to read. Times are UTC bounds.
pub struct HistoryQuery<'a> {
    pub contract_code: &'a str,
    pub from: crate::domain::Timestamp,
    pub until: crate::domain::Timestamp,
    /// Empty: every actor.
    pub actor: &'a str,
    /// Empty: every action.
    pub action: &'a str,
}

pub struct HistoryRow {
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
}

const HISTORY_WHERE: &str = "contract_code = $1 AND occurred_at >= $2 AND occurred_at < $3 \
     AND ($4 = '' OR actor = $4) AND ($5 = '' OR action = $5)";

pub async fn history_count(pool: &sqlx::AnyPool, q: &HistoryQuery<'_>) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    let sql = format!("SELECT COUNT(*) AS n FROM audit_log WHERE {HISTORY_WHERE}");
    let row = sqlx::query(&sql)
        .bind(q.contract_code)
        .bind(q.from.to_db())
        .bind(q.until.to_db())
        .bind(q.actor)
        .bind(q.action)
        .fetch_one(pool)
        .await?;
    row.try_get("n")
}

/// Newest first; `limit`/`offset` page through the rows.
pub async fn history(
    pool: &sqlx::AnyPool,
    q: &HistoryQuery<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    use sqlx::Row;
    let sql = format!(
        "SELECT occurred_at, actor, action, target, outcome, reason FROM audit_log WHERE {HISTORY_WHERE} \
         ORDER BY occurred_at DESC, id DESC LIMIT $6 OFFSET $7"
    );
    let rows = sqlx::query(&sql)
        .bind(q.contract_code)
        .bind(q.from.to_db())
        .bind(q.until.to_db())
        .bind(q.actor)
        .bind(q.action)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                occurred_at: r.try_get("occurred_at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                outcome: r.try_get("outcome")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}
