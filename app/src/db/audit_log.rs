//! 操作履歴: append-only (the schema refuses UPDATE and DELETE) and hash-
//! chained (migration 20261207000011, `domain::audit_chain`): every row is
//! written with its place in its contract's chain and its hash, in the
//! transaction that writes it.

use super::{Db, Tx};
use crate::domain::audit::AuditEntry;
use crate::domain::audit_chain::{Link, StoredLink, GENESIS};
use crate::domain::{AuditAction, AuditOutcome, LoginId, Timestamp};
use sqlx::{Any, AnyPool, Row};

/// Writes `entry` in a transaction of its own.
pub async fn insert(db: &Db, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    insert_tx(&mut tx, entry).await?;
    tx.commit().await
}

/// Writes `entry` in `tx` as the next row of its chain. The chain's end is
/// taken first (`UPDATE … RETURNING` locks its row until `tx` ends), so
/// two writers of one chain, on any instances, write one after the other.
pub async fn insert_tx(tx: &mut Tx, entry: &AuditEntry) -> Result<(), sqlx::Error> {
    let chain = entry.contract_code.as_deref().unwrap_or("");
    sqlx::query(
        "INSERT INTO audit_chains (chain, seq, head) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
    )
    .bind(chain)
    .bind(GENESIS)
    .execute(&mut **tx)
    .await?;
    let end =
        sqlx::query("UPDATE audit_chains SET seq = seq + 1 WHERE chain = $1 RETURNING seq, head")
            .bind(chain)
            .fetch_one(&mut **tx)
            .await?;
    let (outcome, reason) = entry.outcome.to_db();
    let link = Link {
        chain: chain.to_owned(),
        seq: end.try_get("seq")?,
        prev: end.try_get("head")?,
        occurred_at: entry.occurred_at.to_db(),
        actor: entry.actor.as_str().to_owned(),
        action: entry.action.as_db().to_owned(),
        target: entry.target.clone(),
        outcome: outcome.to_owned(),
        reason: reason.map(str::to_owned),
        client_ip: entry.client.ip.clone(),
        user_agent: entry.client.user_agent.clone(),
    };
    let hash = link.hash();
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome, reason, \
         client_ip, user_agent, chain, chain_seq, prev_hash, row_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&link.occurred_at)
    .bind(&link.actor)
    .bind(entry.contract_code.as_deref())
    .bind(&link.action)
    .bind(link.target.as_deref())
    .bind(&link.outcome)
    .bind(link.reason.as_deref())
    .bind(link.client_ip.as_deref())
    .bind(link.user_agent.as_deref())
    .bind(chain)
    .bind(link.seq)
    .bind(&link.prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_chains SET head = $2 WHERE chain = $1")
        .bind(chain)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every chain that has rows, whether or not its end is recorded.
pub async fn chain_names(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("SELECT DISTINCT chain FROM audit_log WHERE chain IS NOT NULL")
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| r.try_get("chain")).collect()
}

/// Chained rows whose contract is not their chain's: moved to another
/// contract's history by hand.
pub async fn moved_rows(pool: &AnyPool) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id FROM audit_log WHERE chain IS NOT NULL AND chain <> COALESCE(contract_code, '') \
         ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// When the oldest chained row happened.
pub async fn oldest_chained_at(pool: &AnyPool) -> Result<Option<Timestamp>, sqlx::Error> {
    let at: Option<String> =
        sqlx::query("SELECT MIN(occurred_at) AS at FROM audit_log WHERE chain IS NOT NULL")
            .fetch_one(pool)
            .await?
            .try_get("at")?;
    Ok(at.as_deref().and_then(Timestamp::from_db))
}

/// The rows of `chain` numbered above `after` up to `upto`, counted by
/// action, outcome and reason (`/metrics`).
pub async fn event_counts(
    pool: &AnyPool,
    chain: &str,
    after: i64,
    upto: i64,
) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT action, outcome, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM audit_log \
         WHERE chain = $1 AND chain_seq > $2 AND chain_seq <= $3 GROUP BY action, outcome, reason",
    )
    .bind(chain)
    .bind(after)
    .bind(upto)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("action")?,
                r.try_get("outcome")?,
                r.try_get("reason")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Every chain's recorded end: name, number of its last row, its hash.
pub async fn chain_ends(pool: &AnyPool) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT chain, seq, head FROM audit_chains ORDER BY chain")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("chain")?, r.try_get("seq")?, r.try_get("head")?)))
        .collect()
}

/// Where the chain started: the first chained id, and how many rows were
/// written before it.
pub async fn chain_start(pool: &AnyPool) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query("SELECT first_id, legacy_rows FROM audit_chain_start WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok((row.try_get("first_id")?, row.try_get("legacy_rows")?))
}

/// Rows before the chain's start (`first_id`), and the ids of rows from
/// it on that carry no place in a chain (put there by hand).
pub async fn unchained(pool: &AnyPool, first_id: i64) -> Result<(i64, Vec<i64>), sqlx::Error> {
    let legacy: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE id < $1")
        .bind(first_id)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let stray = sqlx::query(
        "SELECT id FROM audit_log WHERE id >= $1 \
         AND (chain IS NULL OR chain_seq IS NULL OR prev_hash IS NULL OR row_hash IS NULL) \
         ORDER BY id",
    )
    .bind(first_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    Ok((legacy, stray))
}

/// The chained rows of `chain` in the order they are stored (by id).
pub async fn chain_rows(pool: &AnyPool, chain: &str) -> Result<Vec<StoredLink>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, chain, chain_seq, prev_hash, row_hash, occurred_at, actor, action, target, outcome, reason, \
         client_ip, user_agent FROM audit_log \
         WHERE chain = $1 AND chain_seq IS NOT NULL AND prev_hash IS NOT NULL AND row_hash IS NOT NULL \
         ORDER BY id",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .filter_map(|r| chained_of(r).transpose())
        .collect()
}

/// The checkpoint key as stored: its public key (SubjectPublicKeyInfo DER)
/// and its PKCS#8, sealed at rest.
pub struct StoredEvidenceKey {
    pub public_key_der: Vec<u8>,
    pub sealed_pkcs8: Vec<u8>,
}

pub async fn evidence_key(pool: &AnyPool) -> Result<Option<StoredEvidenceKey>, sqlx::Error> {
    let row =
        sqlx::query("SELECT public_key_der, sealed_pkcs8 FROM audit_signing_key WHERE id = 1")
            .fetch_optional(pool)
            .await?;
    row.map(|r| {
        Ok(StoredEvidenceKey {
            public_key_der: r.try_get("public_key_der")?,
            sealed_pkcs8: r.try_get("sealed_pkcs8")?,
        })
    })
    .transpose()
}

/// Stores the checkpoint key unless an instance stored one first; the
/// caller then reads the stored one.
pub async fn insert_evidence_key(
    pool: &AnyPool,
    key: &StoredEvidenceKey,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_signing_key (id, public_key_der, sealed_pkcs8, created_at) \
         VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(key.public_key_der.as_slice())
    .bind(key.sealed_pkcs8.as_slice())
    .bind(now.to_db())
    .execute(pool)
    .await?;
    Ok(())
}

/// A signed checkpoint: the signed text and its signature.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub id: i64,
    pub signed_at: Timestamp,
    pub body: String,
    pub signature: Vec<u8>,
}

pub async fn insert_checkpoint(
    pool: &AnyPool,
    signed_at: Timestamp,
    body: &str,
    signature: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_checkpoints (signed_at, body, signature) VALUES ($1, $2, $3)")
        .bind(signed_at.to_db())
        .bind(body)
        .bind(signature)
        .execute(pool)
        .await?;
    Ok(())
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(pool: &AnyPool) -> Result<Vec<Checkpoint>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, signed_at, body, signature FROM audit_checkpoints ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| {
            let signed_at: String = r.try_get("signed_at")?;
            Ok(Checkpoint {
                id: r.try_get("id")?,
                signed_at: Timestamp::from_db(&signed_at)
                    .ok_or_else(|| super::decode_error("signed_at"))?,
                body: r.try_get("body")?,
                signature: r.try_get("signature")?,
            })
        })
        .collect()
}

/// When the newest checkpoint was signed.
pub async fn latest_checkpoint_at(pool: &AnyPool) -> Result<Option<Timestamp>, sqlx::Error> {
    let at: Option<String> = sqlx::query("SELECT MAX(signed_at) AS at FROM audit_checkpoints")
        .fetch_one(pool)
        .await?
        .try_get("at")?;
    Ok(at.as_deref().and_then(Timestamp::from_db))
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
    /// The row as its chain covers it, with its stored hash (`None` for
    /// rows written before the chain started).
    pub chained: Option<StoredLink>,
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
    "SELECT id, occurred_at, actor, action, target, outcome, reason, client_ip, user_agent, \
     chain, chain_seq, prev_hash, row_hash FROM audit_log WHERE ",
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
            let action_code: String = r.try_get("action")?;
            let action = AuditAction::from_db(&action_code);
            let outcome: String = r.try_get("outcome")?;
            let reason: Option<String> = r.try_get("reason")?;
            let chained = chained_of(r)?;
            Ok(HistoryRow {
                occurred_at: Timestamp::from_db(&occurred_at)
                    .ok_or_else(|| super::decode_error("occurred_at"))?,
                actor: r.try_get("actor")?,
                action,
                target: r.try_get("target")?,
                outcome: AuditOutcome::from_db(action, &outcome, reason.as_deref()),
                chained,
            })
        })
        .collect()
}

/// A row's link in its chain, when it has one.
fn chained_of(r: &sqlx::any::AnyRow) -> Result<Option<StoredLink>, sqlx::Error> {
    let place: (Option<String>, Option<i64>, Option<String>, Option<String>) = (
        r.try_get("chain")?,
        r.try_get("chain_seq")?,
        r.try_get("prev_hash")?,
        r.try_get("row_hash")?,
    );
    let (Some(chain), Some(seq), Some(prev), Some(hash)) = place else {
        return Ok(None);
    };
    Ok(Some(StoredLink {
        id: r.try_get("id")?,
        hash,
        link: Link {
            chain,
            seq,
            prev,
            occurred_at: r.try_get("occurred_at")?,
            actor: r.try_get("actor")?,
            action: r.try_get("action")?,
            target: r.try_get("target")?,
            outcome: r.try_get("outcome")?,
            reason: r.try_get("reason")?,
            client_ip: r.try_get("client_ip")?,
            user_agent: r.try_get("user_agent")?,
        },
    }))
}
