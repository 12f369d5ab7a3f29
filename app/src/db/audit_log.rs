//! 操作履歴: append-only (the schema refuses UPDATE and DELETE).

use super::Tx;
use crate::domain::audit::AuditEntry;
use crate::domain::{AuditAction, AuditOutcome, LoginId, Timestamp};
use sqlx::{Any, AnyPool, Executor, Row};

pub async fn insert<'e, E>(db: E, entry: &AuditEntry) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let (outcome, reason) = entry.outcome.to_db();
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome, reason, \
         client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.occurred_at.to_db())
    .bind(entry.actor.as_str())
    .bind(entry.contract_code.as_deref())
    .bind(entry.action.as_db())
    .bind(entry.target.as_deref())
    .bind(outcome)
    .bind(reason)
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
    pub from: Timestamp,
    pub until: Timestamp,
    /// `None`: every actor.
    pub actor: Option<&'a LoginId>,
    /// `None`: every action.
    pub action: Option<AuditAction>,
}

/// One 操作履歴 row as read back.
pub struct HistoryRow {
    pub occurred_at: Timestamp,
    pub actor: String,
    /// `None` for an action this version does not know.
    pub action: Option<AuditAction>,
    pub target: Option<String>,
    pub outcome: AuditOutcome,
}

macro_rules! history_where {
    () => {
        "contract_code = $1 AND occurred_at >= $2 AND occurred_at < $3 \
         AND ($4 = '' OR actor = $4) AND ($5 = '' OR action = $5)"
    };
}

const HISTORY_COUNT: &str = concat!(
    "SELECT COUNT(*) AS n FROM audit_log WHERE ",
    history_where!()
);
const HISTORY_PAGE: &str = concat!(
    "SELECT occurred_at, actor, action, target, outcome, reason FROM audit_log WHERE ",
    history_where!(),
    " ORDER BY occurred_at DESC, id DESC LIMIT $6 OFFSET $7"
);

fn bind_history<'q>(
    sql: &'q str,
    q: &'q HistoryQuery<'_>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(q.contract_code)
        .bind(q.from.to_db())
        .bind(q.until.to_db())
        .bind(q.actor.map_or("", LoginId::as_str))
        .bind(q.action.map_or("", AuditAction::as_db))
}

pub async fn history_count(pool: &AnyPool, q: &HistoryQuery<'_>) -> Result<i64, sqlx::Error> {
    bind_history(HISTORY_COUNT, q)
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// Newest first; `limit`/`offset` page through the rows.
pub async fn history(
    pool: &AnyPool,
    q: &HistoryQuery<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    let rows = bind_history(HISTORY_PAGE, q)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let occurred_at: String = r.try_get("occurred_at")?;
            let action = AuditAction::from_db(&r.try_get::<String, _>("action")?);
            let outcome: String = r.try_get("outcome")?;
            let reason: Option<String> = r.try_get("reason")?;
            Ok(HistoryRow {
                occurred_at: Timestamp::from_db(&occurred_at)
                    .ok_or_else(|| super::decode_error("occurred_at"))?,
                actor: r.try_get("actor")?,
                action,
                target: r.try_get("target")?,
                outcome: AuditOutcome::from_db(action, &outcome, reason.as_deref()),
            })
        })
        .collect()
}
