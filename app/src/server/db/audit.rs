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
