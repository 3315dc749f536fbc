//! An in-memory [`Ledger`] for unit tests of the code that uses the ledger. Same
//! transition rules and outcomes as the DynamoDB adapter; nothing survives the process.

use super::transition::{self, Transition};
use super::{
    HistoryEntry, Ledger, LedgerEntry, LedgerError, LedgerStatus, Page, PageToken, PutOutcome, StatusKind,
};
use crate::ids::{EventKey, Flow};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Entries in a mutex-guarded map.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    entries: Mutex<HashMap<EventKey, LedgerEntry>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<EventKey, LedgerEntry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn transition_now(
        &self,
        key: &EventKey,
        status: LedgerStatus,
        history: HistoryEntry,
    ) -> Result<(), LedgerError> {
        let mut entries = self.lock();
        let entry = entries
            .get_mut(key)
            .ok_or_else(|| LedgerError::NotFound(key.clone()))?;
        let (from, to) = (entry.status.kind(), status.kind());
        match transition::check(from, to) {
            Transition::NoOp => Ok(()),
            Transition::Refuse => Err(LedgerError::InvalidTransition {
                event_key: key.clone(),
                from,
                to,
            }),
            Transition::Apply => {
                entry.updated_at = history.at;
                entry.status = status;
                entry.history.push(history);
                Ok(())
            }
        }
    }
}

/// Pages over already filtered and sorted entries; the token is the next index.
fn paginate(
    items: Vec<LedgerEntry>,
    limit: u32,
    page: Option<PageToken>,
) -> Result<Page<LedgerEntry>, LedgerError> {
    let start = match page {
        None => 0,
        Some(PageToken(token)) => token
            .parse::<usize>()
            .map_err(|_| LedgerError::InvalidPageToken(token))?,
    };
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let end = start.saturating_add(limit).min(items.len());
    let next = (end < items.len()).then(|| PageToken(end.to_string()));
    let items = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok(Page { items, next })
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn put_received(&self, entry: &LedgerEntry) -> Result<PutOutcome, LedgerError> {
        let kind = entry.status.kind();
        if !matches!(kind, StatusKind::Received | StatusKind::Ignored) {
            return Err(LedgerError::InvalidInitialStatus(kind));
        }
        let mut entries = self.lock();
        if let Some(existing) = entries.get(&entry.event_key) {
            return Ok(PutOutcome::Duplicate {
                status: existing.status.kind(),
            });
        }
        entries.insert(entry.event_key.clone(), entry.clone());
        Ok(PutOutcome::Inserted)
    }

    async fn transition(
        &self,
        key: &EventKey,
        status: LedgerStatus,
        line: HistoryEntry,
    ) -> Result<(), LedgerError> {
        self.transition_now(key, status, line)
    }

    async fn append_audit(&self, key: &EventKey, entry: &HistoryEntry) -> Result<(), LedgerError> {
        let mut entries = self.lock();
        let existing = entries
            .get_mut(key)
            .ok_or_else(|| LedgerError::NotFound(key.clone()))?;
        existing.history.push(entry.clone());
        Ok(())
    }

    async fn get(&self, key: &EventKey) -> Result<Option<LedgerEntry>, LedgerError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn query_by_flow_day(
        &self,
        flow: Flow,
        day: NaiveDate,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let mut items: Vec<LedgerEntry> = self
            .lock()
            .values()
            .filter(|e| e.flow == flow && e.received_day() == day)
            .cloned()
            .collect();
        items.sort_by(|a, b| (a.received_at, &a.event_key).cmp(&(b.received_at, &b.event_key)));
        paginate(items, limit, page)
    }

    async fn query_by_status(
        &self,
        status: StatusKind,
        flow: Option<Flow>,
        older_than: DateTime<Utc>,
        limit: u32,
        page: Option<PageToken>,
    ) -> Result<Page<LedgerEntry>, LedgerError> {
        let mut items: Vec<LedgerEntry> = self
            .lock()
            .values()
            .filter(|e| {
                let flow_ok = flow.is_none_or(|f| e.flow == f);
                !status.is_final() && flow_ok && e.status.kind() == status && e.updated_at < older_than
            })
            .cloned()
            .collect();
        items.sort_by(|a, b| (a.updated_at, &a.event_key).cmp(&(b.updated_at, &b.event_key)));
        paginate(items, limit, page)
    }
}
