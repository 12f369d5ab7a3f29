//! The evidence that 操作履歴 was not edited (issue 27, SPEC 9.4): signed
//! checkpoints of every chain's end, and `audit-verify`, which walks the
//! chains (`domain::audit_chain`) and the checkpoints and names the first
//! row of each chain that is not what was written.
//!
//! The checkpoint key is kanri's own Ed25519 key, not the CA's. Its private
//! half is sealed at rest under the CA, so whoever reaches only the
//! database can neither sign a checkpoint nor swap the key: the public key
//! is always derived from the sealed private key, never read from its row.

use crate::db::audit_log::{self, StoredEvidenceKey};
use crate::domain::audit_chain::{self, StoredLink, GENESIS};
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::state::AppState;
use kanri_pki::{verify_evidence, EvidenceKey};
use std::collections::BTreeMap;

/// What the checkpoint key is sealed for (`Ca::seal_at_rest`).
const KEY_AT_REST: &str = "kanri audit checkpoint key v1";

/// The first line of every checkpoint.
const HEADER: &str = "kanri 操作履歴 checkpoint v1";

/// How often the periodic job signs one (and `audit-checkpoint` on demand).
pub const CHECKPOINT_EVERY_HOURS: i64 = 24;

/// How many of the newest checkpoints `/pki/audit-checkpoints` shows.
pub const PUBLISHED_CHECKPOINTS: usize = 100;

/// The name a chain has in a checkpoint: its contract code, `-` for "".
fn chain_name(chain: &str) -> &str {
    if chain.is_empty() {
        "-"
    } else {
        chain
    }
}

/// How a report names a chain.
fn chain_label(chain: &str) -> String {
    if chain.is_empty() {
        "契約なし".into()
    } else {
        format!("契約 {chain}")
    }
}

/// The checkpoint key: the stored one, opened with any issuing CA (it was
/// sealed under the CA current then), or a new one stored by whichever
/// instance comes first.
async fn evidence_key(state: &AppState) -> Result<EvidenceKey, AppError> {
    let pool = state.db.pool();
    for _ in 0..2 {
        if let Some(stored) = audit_log::evidence_key(pool).await? {
            return open_key(state, &stored).map_err(|why| {
                tracing::error!(why, "the checkpoint key cannot be used");
                AppError::Internal
            });
        }
        let (key, pkcs8) = EvidenceKey::generate().map_err(|_| AppError::Internal)?;
        let sealed = state
            .pki
            .ca
            .seal_at_rest(KEY_AT_REST, &pkcs8)
            .map_err(|_| AppError::Internal)?;
        let stored = StoredEvidenceKey {
            public_key_der: key.public_key_der(),
            sealed_pkcs8: sealed,
        };
        audit_log::insert_evidence_key(pool, &stored, state.clock.now()).await?;
    }
    Err(AppError::Internal)
}

/// The stored key opened, and checked against the public key stored beside it.
fn open_key(state: &AppState, stored: &StoredEvidenceKey) -> Result<EvidenceKey, &'static str> {
    let pkcs8 = state
        .pki
        .issuers()
        .find_map(|(_, ca)| ca.open_at_rest(KEY_AT_REST, &stored.sealed_pkcs8))
        .ok_or("封印された鍵をどの発行用認証局でも開けません")?;
    let key = EvidenceKey::from_pkcs8(&pkcs8).map_err(|_| "Ed25519 の鍵ではありません")?;
    if key.public_key_der() != stored.public_key_der {
        return Err("保存された公開鍵が封印された鍵のものではありません");
    }
    Ok(key)
}

/// The public key checkpoints are signed with (PEM), made if there is none yet.
pub async fn public_key_pem(state: &AppState) -> Result<String, AppError> {
    let key = evidence_key(state).await?;
    Ok(kanri_pki::encode_pem("PUBLIC KEY", &key.public_key_der()))
}

/// Signs a checkpoint of every chain's end, and of where the chain
/// started, now. Returns its text.
pub async fn checkpoint(state: &AppState) -> Result<String, AppError> {
    let key = evidence_key(state).await?;
    let pool = state.db.pool();
    let now = state.clock.now();
    let (first_id, legacy_rows) = audit_log::chain_start(pool).await?;
    let mut body = format!(
        "{HEADER}\nsigned_at {}\nstart {first_id} {legacy_rows}\n",
        now.to_db()
    );
    for (chain, seq, head) in audit_log::chain_ends(pool).await? {
        body.push_str(&format!("chain {} {seq} {head}\n", chain_name(&chain)));
    }
    let signature = key.sign(body.as_bytes());
    audit_log::insert_checkpoint(pool, now, &body, &signature).await?;
    tracing::info!(at = %now.to_db(), "操作履歴 checkpoint signed");
    Ok(body)
}

/// The periodic job's part: a checkpoint when the newest is
/// [`CHECKPOINT_EVERY_HOURS`] old (any instance may sign it; two at once
/// only make two checkpoints). A newest one dated after now (a clock gone
/// wrong, or a row changed to stop them) does not stop the next.
pub async fn checkpoint_if_due(state: &AppState) -> Result<(), AppError> {
    let now = state.clock.now();
    let every = chrono::Duration::hours(CHECKPOINT_EVERY_HOURS);
    let due = match audit_log::latest_checkpoint_at(state.db.pool()).await? {
        Some(at) => at.0 > now.0 || now.0 - at.0 >= every,
        None => true,
    };
    if due {
        checkpoint(state).await?;
    }
    Ok(())
}

/// The newest checkpoints as published at `/pki/audit-checkpoints`, oldest
/// first: each one's text, then a line `signature <base64>`, then an
/// empty line.
pub async fn published_checkpoints(state: &AppState) -> Result<String, AppError> {
    use base64::Engine;
    let all = audit_log::checkpoints(state.db.pool()).await?;
    let mut out = String::new();
    for c in &all[all.len().saturating_sub(PUBLISHED_CHECKPOINTS)..] {
        out.push_str(&c.body);
        out.push_str("signature ");
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(&c.signature));
        out.push_str("\n\n");
    }
    Ok(out)
}

/// What `audit-verify` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Rows of each chain that verified.
    pub chains: Vec<(String, i64)>,
    /// Rows written before the chain started.
    pub legacy_rows: i64,
    pub checkpoints: usize,
    /// Each problem, in words, naming the row: empty when all is well.
    pub problems: Vec<String>,
}

/// Walks every chain and every checkpoint.
pub async fn verify(state: &AppState) -> Result<Report, AppError> {
    let pool = state.db.pool();
    let mut report = Report::default();
    let start = audit_log::chain_start(pool).await?;
    let (legacy, stray) = audit_log::unchained(pool, start.0).await?;
    report.legacy_rows = legacy;
    if legacy != start.1 {
        report.problems.push(format!(
            "連鎖の開始前の行が {} 行から {legacy} 行に変わっています（削除または挿入）",
            start.1
        ));
    }
    for id in stray {
        report.problems.push(format!(
            "行 id {id} は連鎖に含まれていません（後から挿入された行です）"
        ));
    }
    for id in audit_log::moved_rows(pool).await? {
        report.problems.push(format!(
            "行 id {id} の契約コードが連鎖と一致しません（別の契約へ移されています）"
        ));
    }
    let rows_of = verify_chains(pool, &mut report).await?;
    verify_checkpoints(state, start, &rows_of, &mut report).await?;
    Ok(report)
}

/// Every chain, by its rows and its recorded end. Returns the rows.
async fn verify_chains(
    pool: &sqlx::AnyPool,
    report: &mut Report,
) -> Result<BTreeMap<String, Vec<StoredLink>>, AppError> {
    let mut ends: BTreeMap<String, (i64, String)> = audit_log::chain_ends(pool)
        .await?
        .into_iter()
        .map(|(chain, seq, head)| (chain, (seq, head)))
        .collect();
    for chain in audit_log::chain_names(pool).await? {
        ends.entry(chain).or_insert((0, GENESIS.to_owned()));
    }
    let mut rows_of = BTreeMap::new();
    for (chain, (seq, head)) in &ends {
        let rows = audit_log::chain_rows(pool, chain).await?;
        match audit_chain::verify(&rows, (*seq, head)) {
            Ok(n) => report.chains.push((chain.clone(), n)),
            Err(broken) => report.problems.push(broken.describe(chain)),
        }
        rows_of.insert(chain.clone(), rows);
    }
    Ok(rows_of)
}

/// Every checkpoint: signed by the sealed key, and each chain's end and
/// the chain's start as they were then; and one signed within the last
/// day (a day and an hour).
async fn verify_checkpoints(
    state: &AppState,
    start: (i64, i64),
    rows_of: &BTreeMap<String, Vec<StoredLink>>,
    report: &mut Report,
) -> Result<(), AppError> {
    let pool = state.db.pool();
    let checkpoints = audit_log::checkpoints(pool).await?;
    report.checkpoints = checkpoints.len();
    let public = match audit_log::evidence_key(pool).await? {
        Some(stored) => match open_key(state, &stored) {
            Ok(key) => Some(key.public_key_der()),
            Err(why) => {
                report
                    .problems
                    .push(format!("チェックポイントの署名鍵が使えません（{why}）"));
                None
            }
        },
        None if !checkpoints.is_empty() => {
            report
                .problems
                .push("チェックポイントの署名鍵がありません（削除されています）".into());
            None
        }
        None => None,
    };
    let mut newest: Option<Timestamp> = None;
    for c in &checkpoints {
        let label = format!("チェックポイント {}（{}）", c.id, c.signed_at.jst());
        let signed = public
            .as_deref()
            .is_some_and(|key| verify_evidence(key, c.body.as_bytes(), &c.signature));
        if !signed {
            report
                .problems
                .push(format!("{label}: 署名が正しくありません"));
            continue;
        }
        newest = newest.max(checkpoint_time(&c.body));
        if checkpoint_start(&c.body) != Some(start) {
            report.problems.push(format!(
                "{label}: 連鎖の開始（行 id・開始前の行数）が署名時と一致しません"
            ));
        }
        for (chain, seq, hash) in checkpoint_ends(&c.body) {
            let chain = if chain == "-" { "" } else { chain };
            let found = rows_of
                .get(chain)
                .and_then(|rows| rows.iter().find(|r| r.link.seq == seq));
            match found {
                Some(row) if row.hash == hash => {}
                Some(row) => report.problems.push(format!(
                    "{label}: {} の連番 {seq}（行 id {}）が署名時と一致しません（この行までのいずれかが書き換えられています）",
                    chain_label(chain),
                    row.id
                )),
                None if seq == 0 => {}
                None => report.problems.push(format!(
                    "{label}: {} の連番 {seq} の行がありません（削除されています）",
                    chain_label(chain)
                )),
            }
        }
    }
    // Checkpoints are signed daily: none for longer means they were
    // stopped (or deleted), and the rows since are vouched for by nobody.
    let unvouched_since = match newest {
        Some(at) => Some(at),
        None => audit_log::oldest_chained_at(pool).await?,
    };
    let stale = chrono::Duration::hours(CHECKPOINT_EVERY_HOURS + 1);
    if let Some(since) = unvouched_since {
        if state.clock.now().0 - since.0 > stale {
            report.problems.push(format!(
                "{} 以降、チェックポイントが署名されていません（毎日署名されます）",
                since.jst()
            ));
        }
    }
    Ok(())
}

/// The `signed_at` line of a checkpoint's text.
fn checkpoint_time(body: &str) -> Option<Timestamp> {
    body.lines()
        .find_map(|line| line.strip_prefix("signed_at "))
        .and_then(Timestamp::from_db)
}

/// The `start <first_id> <legacy_rows>` line of a checkpoint's text.
fn checkpoint_start(body: &str) -> Option<(i64, i64)> {
    let mut fields = body
        .lines()
        .find_map(|line| line.strip_prefix("start "))?
        .split(' ');
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// The `chain <name> <seq> <hash>` lines of a checkpoint's text.
fn checkpoint_ends(body: &str) -> Vec<(&str, i64, &str)> {
    body.lines()
        .filter_map(|line| {
            let mut fields = line.strip_prefix("chain ")?.split(' ');
            let name = fields.next()?;
            let seq = fields.next()?.parse().ok()?;
            let hash = fields.next()?;
            Some((name, seq, hash))
        })
        .collect()
}
