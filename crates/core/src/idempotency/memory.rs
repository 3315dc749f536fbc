//! An in-memory [`IdempotencyStore`] for unit tests of code that uses the idempotency
//! layer. It follows the port's contract exactly (same takeover rule, owner checks) but
//! keeps nothing across processes: never use it in a function.

use super::{
    AcquireError, IdempotencyKey, IdempotencyRecord, IdempotencyStatus, IdempotencyStore, StoreError,
};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Records in a mutex-guarded map; every call counts as one request.
#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    records: Mutex<HashMap<IdempotencyKey, IdempotencyRecord>>,
    requests: std::sync::atomic::AtomicU64,
}

impl MemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored record for `key`, if any.
    pub fn get(&self, key: &IdempotencyKey) -> Option<IdempotencyRecord> {
        self.lock().get(key).cloned()
    }

    /// Puts a record as it is, bypassing the rules (to arrange a test).
    pub fn insert(&self, record: IdempotencyRecord) {
        self.lock().insert(record.key.clone(), record);
    }

    /// Store calls made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IdempotencyKey, IdempotencyRecord>> {
        self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn held<'a>(
        records: &'a mut HashMap<IdempotencyKey, IdempotencyRecord>,
        key: &IdempotencyKey,
        owner: &str,
    ) -> Option<&'a mut IdempotencyRecord> {
        records
            .get_mut(key)
            .filter(|r| r.status == IdempotencyStatus::InProgress && r.owner == owner)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotencyStore {
    async fn acquire(&self, record: &IdempotencyRecord, now_ms: i64) -> Result<(), AcquireError> {
        let mut records = self.lock();
        if let Some(existing) = records.get(&record.key)
            && !existing.is_takeable(now_ms)
        {
            return Err(AcquireError::Exists(Box::new(existing.clone())));
        }
        records.insert(record.key.clone(), record.clone());
        Ok(())
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        owner: &str,
        result: &serde_json::Value,
        expiration: i64,
    ) -> Result<(), StoreError> {
        let mut records = self.lock();
        let record =
            Self::held(&mut records, key, owner).ok_or_else(|| StoreError::NotHeld { key: key.clone() })?;
        record.status = IdempotencyStatus::Completed;
        record.result = Some(result.clone());
        record.expiration = expiration;
        Ok(())
    }

    async fn release(&self, key: &IdempotencyKey, owner: &str) -> Result<(), StoreError> {
        let mut records = self.lock();
        if Self::held(&mut records, key, owner).is_some() {
            records.remove(key);
        }
        Ok(())
    }

    async fn forget_completed(&self, key: &IdempotencyKey) -> Result<bool, StoreError> {
        let mut records = self.lock();
        let completed = records
            .get(key)
            .is_some_and(|r| r.status == super::IdempotencyStatus::Completed);
        if completed {
            records.remove(key);
        }
        Ok(completed)
    }
}
