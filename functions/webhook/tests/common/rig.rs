//! A webhook handler over in-memory ports: fixed keys, a memory ledger, a recording queue.

use super::{RecordingQueue, clock, secret, sources};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spine_core::ledger::memory::MemoryLedger;
use spine_ingest::{Limits, SigningKeys, SourceConfig};
use std::sync::Arc;
use webhook::Webhook;
use webhook::ports::{KeyError, KeySource};

struct FixedKeys {
    down: bool,
}

#[async_trait]
impl KeySource for FixedKeys {
    async fn keys(&self, source: &SourceConfig, _now: DateTime<Utc>) -> Result<SigningKeys, KeyError> {
        if self.down {
            return Err(KeyError::Empty(source.secret.clone()));
        }
        Ok(SigningKeys::current(secret(source.name.as_str()).into()))
    }
}

pub struct Rig {
    pub webhook: Webhook,
    pub ledger: Arc<MemoryLedger>,
    pub queue: Arc<RecordingQueue>,
}

pub fn rig(keys_down: bool) -> Rig {
    let ledger = Arc::new(MemoryLedger::new());
    let queue = Arc::new(RecordingQueue::default());
    let webhook = Webhook::new(
        sources("unused"),
        Limits::default(),
        Arc::new(FixedKeys { down: keys_down }),
        ledger.clone(),
        queue.clone(),
    )
    .with_clock(clock());
    Rig {
        webhook,
        ledger,
        queue,
    }
}

pub fn sent(rig: &Rig) -> usize {
    rig.queue.sent.lock().expect("not poisoned").len()
}
