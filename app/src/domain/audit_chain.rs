//! The hash chain that makes 操作履歴 tamper-evident (issue 27, SPEC 9.4),
//! as pure rules: what a row's hash is taken of, and where a stored chain
//! stops being what was written.
//!
//! One chain per contract (its rows are what the contract's master user
//! exports, so an export can be checked offline) and one, named "", for the
//! rows of no contract (the bank's commands, refusals that name nobody).
//! Each row's hash is SHA-256 over a JSON array of its chain, its number in
//! the chain, the previous row's hash and every column that says what
//! happened ([`Link::preimage`]): a row edited, removed, added or moved
//! no longer fits its neighbours. README "Verifying 操作履歴" gives the
//! algorithm for an examiner's own script.

use sha2::{Digest, Sha256};

/// The "previous hash" of a chain's first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row as its chain covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The contract code, or "" for rows of no contract.
    pub chain: String,
    /// Its number in the chain, from 1.
    pub seq: i64,
    /// The hash of the row before it ([`GENESIS`] for the first).
    pub prev: String,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Link {
    /// What the hash is taken of: the fields as one JSON array, in this
    /// order, without spaces, UTF-8 (as Python's `json.dumps(row,
    /// ensure_ascii=False, separators=(",", ":"))` writes it).
    pub fn preimage(&self) -> String {
        serde_json::json!([
            self.chain,
            self.seq,
            self.prev,
            self.occurred_at,
            self.actor,
            self.action,
            self.target,
            self.outcome,
            self.reason,
            self.client_ip,
            self.user_agent,
        ])
        .to_string()
    }

    /// SHA-256 of [`Link::preimage`], 64 lowercase hex digits.
    pub fn hash(&self) -> String {
        Sha256::digest(self.preimage().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A chained row as stored: its id, what it says, and its stored hash.
#[derive(Clone, Debug)]
pub struct StoredLink {
    pub id: i64,
    pub link: Link,
    pub hash: String,
}

/// Where a chain stops being what was written, naming the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The row is not what its hash was taken of.
    Edited { id: i64 },
    /// Rows are missing before this one (numbers `missing` onwards).
    Deleted { before_id: i64, missing: i64 },
    /// The row takes a number already taken: added afterwards.
    Inserted { id: i64 },
    /// The row does not link to its predecessor's hash: the predecessor
    /// was edited and its hash recomputed, or this row was replaced.
    Relinked { before_id: i64, id: i64 },
    /// The rows are stored in another order than they were chained in.
    Reordered { id: i64 },
    /// The chain's recorded end is not its last row: rows removed from
    /// its end, or added after it.
    End {
        recorded_seq: i64,
        last_seq: i64,
        last_id: Option<i64>,
    },
}

impl Break {
    /// The sentence `audit-verify` prints.
    pub fn describe(&self, chain: &str) -> String {
        let chain = if chain.is_empty() {
            "契約なし".to_owned()
        } else {
            format!("契約 {chain}")
        };
        match self {
            Break::Edited { id } => format!("{chain}: 行 id {id} の内容が変更されています"),
            Break::Deleted { before_id, missing } => {
                format!("{chain}: 行 id {before_id} の前の行（連番 {missing}）が削除されています")
            }
            Break::Inserted { id } => format!("{chain}: 行 id {id} は後から挿入された行です"),
            Break::Relinked { before_id, id } => format!(
                "{chain}: 行 id {before_id} が（ハッシュを計算し直して）変更されたか、行 id {id} が差し替えられています"
            ),
            Break::Reordered { id } => format!("{chain}: 行 id {id} の順序が入れ替えられています"),
            Break::End {
                recorded_seq,
                last_seq,
                last_id,
            } => {
                let last = last_id.map_or(String::new(), |id| format!("、行 id {id}"));
                format!(
                    "{chain}: 記録された末尾（連番 {recorded_seq}）と最後の行（連番 {last_seq}{last}）が一致しません（末尾の行の削除・追加・書き換え）"
                )
            }
        }
    }
}

/// Checks one chain: `rows` as stored, in id order (the order they were
/// written in: a chain's rows are written one at a time), and the end the
/// chain records (its number and hash). The first break, or `Ok(n)` with
/// the number of rows.
pub fn verify(rows: &[StoredLink], recorded: (i64, &str)) -> Result<i64, Break> {
    // In the chain's own order first: content, gaps, repeats, links.
    let mut by_seq: Vec<&StoredLink> = rows.iter().collect();
    by_seq.sort_by_key(|r| (r.link.seq, r.id));
    let (mut expected, mut prev) = (1, GENESIS.to_owned());
    let mut before: Option<i64> = None;
    for row in &by_seq {
        let seq = row.link.seq;
        if seq < expected {
            return Err(Break::Inserted { id: row.id });
        }
        if seq > expected {
            return Err(Break::Deleted {
                before_id: row.id,
                missing: expected,
            });
        }
        if row.link.hash() != row.hash {
            return Err(Break::Edited { id: row.id });
        }
        if row.link.prev != prev {
            return Err(match before {
                Some(before_id) => Break::Relinked {
                    before_id,
                    id: row.id,
                },
                None => Break::Edited { id: row.id },
            });
        }
        expected += 1;
        prev = row.hash.clone();
        before = Some(row.id);
    }
    // Then the order they are stored in.
    for pair in rows.windows(2) {
        if pair[1].link.seq < pair[0].link.seq {
            return Err(Break::Reordered { id: pair[1].id });
        }
    }
    let last_seq = expected - 1;
    if recorded.0 != last_seq || (last_seq > 0 && recorded.1 != prev) {
        return Err(Break::End {
            recorded_seq: recorded.0,
            last_seq,
            last_id: before,
        });
    }
    Ok(last_seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_of(n: i64) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let link = Link {
                    chain: "A001".into(),
                    seq,
                    prev: prev.clone(),
                    occurred_at: format!("2026-12-07T00:00:{seq:02}.000000Z"),
                    actor: "master01".into(),
                    action: "login".into(),
                    target: (seq % 2 == 0).then(|| "対象\n\"x\"".to_owned()),
                    outcome: "success".into(),
                    reason: None,
                    client_ip: Some("127.0.0.1".into()),
                    user_agent: None,
                };
                let hash = link.hash();
                prev = hash.clone();
                StoredLink {
                    id: 100 + seq,
                    link,
                    hash,
                }
            })
            .collect()
    }

    fn end(rows: &[StoredLink]) -> (i64, String) {
        rows.last()
            .map_or((0, GENESIS.to_owned()), |r| (r.link.seq, r.hash.clone()))
    }

    #[test]
    fn the_preimage_is_a_plain_json_array() {
        let rows = chain_of(2);
        assert_eq!(
            rows[1].link.preimage(),
            format!(
                "[\"A001\",2,\"{}\",\"2026-12-07T00:00:02.000000Z\",\"master01\",\"login\",\"対象\\n\\\"x\\\"\",\"success\",null,\"127.0.0.1\",null]",
                rows[0].hash
            )
        );
        assert_eq!(rows[0].hash.len(), 64);
    }

    #[test]
    fn an_intact_chain_passes_and_each_change_names_its_row() {
        let rows = chain_of(5);
        let (seq, head) = end(&rows);
        assert_eq!(verify(&rows, (seq, &head)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));

        let mut edited = rows.clone();
        edited[2].link.target = Some("書き換え".into());
        assert_eq!(
            verify(&edited, (seq, &head)),
            Err(Break::Edited { id: 103 })
        );

        let mut deleted = rows.clone();
        deleted.remove(2);
        assert_eq!(
            verify(&deleted, (seq, &head)),
            Err(Break::Deleted {
                before_id: 104,
                missing: 3
            })
        );

        // A row made up afterwards, with a correct hash of its own, that
        // takes an existing place.
        let mut inserted = rows.clone();
        let mut fake = rows[1].link.clone();
        fake.target = Some("偽の行".into());
        inserted.push(StoredLink {
            id: 200,
            hash: fake.hash(),
            link: fake,
        });
        assert_eq!(
            verify(&inserted, (seq, &head)),
            Err(Break::Inserted { id: 200 })
        );

        let mut reordered = rows.clone();
        reordered.swap(1, 2);
        (reordered[1].id, reordered[2].id) = (102, 103);
        assert_eq!(
            verify(&reordered, (seq, &head)),
            Err(Break::Reordered { id: 103 })
        );

        // A row edited and its hash recomputed: its successor no longer
        // links to it.
        let mut rehashed = rows.clone();
        rehashed[1].link.target = Some("書き換え".into());
        rehashed[1].hash = rehashed[1].link.hash();
        assert_eq!(
            verify(&rehashed, (seq, &head)),
            Err(Break::Relinked {
                before_id: 102,
                id: 103
            })
        );

        // The last row removed, the recorded end left as it was.
        assert_eq!(
            verify(&rows[..4], (seq, &head)),
            Err(Break::End {
                recorded_seq: 5,
                last_seq: 4,
                last_id: Some(104)
            })
        );
    }
}
