//! Each contract's user list in memory, under the contract version it was
//! read with. The version comes with the session's own row on every request
//! (no extra read) and every write that changes a list bumps it in the
//! writing transaction (database triggers), so a request never gets a list
//! older than what it could see: with a newer version it reads the list
//! again. Correct with several instances, since the version lives in the
//! database; each instance only keeps its own copy.

use crate::db::users::{self, UserWithCertificate};
use crate::db::Db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Contracts kept before the cache starts over.
const CONTRACTS_KEPT: usize = 1_000;

/// One contract's list and the contract version it was read under.
#[derive(Debug)]
struct Entry {
    version: i64,
    users: Arc<Vec<UserWithCertificate>>,
}

#[derive(Debug, Default)]
pub struct ContractLists {
    entries: Mutex<HashMap<i64, Entry>>,
}

impl ContractLists {
    /// The contract's users with their newest certificates, as of at least
    /// `seen_version`.
    pub async fn get(
        &self,
        db: &Db,
        contract_id: i64,
        seen_version: i64,
    ) -> Result<Arc<Vec<UserWithCertificate>>, sqlx::Error> {
        if let Some(entry) = self.lock().get(&contract_id) {
            if entry.version >= seen_version {
                return Ok(entry.users.clone());
            }
        }
        let (version, users) = users::list_with_version(db, contract_id).await?;
        let users = Arc::new(users);
        let mut entries = self.lock();
        if entries.len() >= CONTRACTS_KEPT {
            entries.clear();
        }
        // Another request may have put a newer one meanwhile: keep the newest.
        let newer_kept = entries
            .get(&contract_id)
            .is_some_and(|e| e.version > version);
        if !newer_kept {
            let users = users.clone();
            entries.insert(contract_id, Entry { version, users });
        }
        Ok(users)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
