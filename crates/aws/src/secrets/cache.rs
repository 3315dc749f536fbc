//! The per-secret-id cache in front of Secrets Manager.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use tokio::sync::Mutex;

use super::{SecretFields, SecretSnapshot, SecretVersion, SecretsError};

/// How long a fetched secret is served from memory.
#[derive(Clone, Copy, Debug)]
pub struct SecretsConfig {
    /// Time to live of a cached snapshot (default 5 minutes).
    pub ttl: Duration,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
        }
    }
}

type Slot = Arc<Mutex<Option<Arc<SecretSnapshot>>>>;

/// Reads secrets from Secrets Manager and caches them per secret id.
///
/// Contract: [`get`](Self::get) returns a snapshot no older than the TTL; concurrent
/// callers for the same id wait on one fetch instead of each calling AWS. A failed
/// fetch caches nothing (the next caller tries again). Cheap to clone.
#[derive(Clone)]
pub struct SecretsCache {
    client: Client,
    config: SecretsConfig,
    slots: Arc<StdMutex<HashMap<String, Slot>>>,
}

impl SecretsCache {
    /// A cache over `client` (built once at cold start).
    pub fn new(client: Client, config: SecretsConfig) -> Self {
        Self {
            client,
            config,
            slots: Arc::default(),
        }
    }

    fn slot(&self, secret_id: &str) -> Slot {
        // A poisoned map only means another task panicked mid-insert; the map is still valid.
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(secret_id.to_owned()).or_default().clone()
    }

    /// The cached snapshot when fresh, otherwise a new fetch (shared by concurrent callers).
    #[tracing::instrument(skip(self))]
    pub async fn get(&self, secret_id: &str) -> Result<Arc<SecretSnapshot>, SecretsError> {
        let slot = self.slot(secret_id);
        let mut held = slot.lock().await;
        if let Some(snapshot) = held.as_ref()
            && snapshot.fetched_at.elapsed() < self.config.ttl
        {
            return Ok(snapshot.clone());
        }
        let fresh = Arc::new(fetch(&self.client, secret_id).await?);
        *held = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forgets the cached snapshot so the next [`get`](Self::get) fetches.
    pub async fn invalidate(&self, secret_id: &str) {
        *self.slot(secret_id).lock().await = None;
    }

    /// Fetches now, ignoring the TTL; used when Odoo rejects the credentials so a rotated
    /// secret is seen at once. Callers that queued behind a refresh which started after
    /// they called reuse its result instead of fetching again.
    #[tracing::instrument(skip(self))]
    pub async fn refresh_now(&self, secret_id: &str) -> Result<Arc<SecretSnapshot>, SecretsError> {
        let asked_at = Instant::now();
        let slot = self.slot(secret_id);
        let mut held = slot.lock().await;
        if let Some(snapshot) = held.as_ref()
            && snapshot.fetched_at >= asked_at
        {
            return Ok(snapshot.clone());
        }
        let fresh = Arc::new(fetch(&self.client, secret_id).await?);
        *held = Some(fresh.clone());
        Ok(fresh)
    }
}

async fn fetch(client: &Client, secret_id: &str) -> Result<SecretSnapshot, SecretsError> {
    let current = fetch_stage(client, secret_id, "AWSCURRENT")
        .await?
        .ok_or_else(|| SecretsError::NotFound {
            secret_id: secret_id.to_owned(),
        })?;
    let previous = fetch_stage(client, secret_id, "AWSPREVIOUS").await?;
    Ok(SecretSnapshot {
        current,
        previous,
        fetched_at: Instant::now(),
    })
}

/// One version stage; `Ok(None)` when the secret has no version in that stage.
async fn fetch_stage(
    client: &Client,
    secret_id: &str,
    stage: &str,
) -> Result<Option<SecretVersion>, SecretsError> {
    let answer = client
        .get_secret_value()
        .secret_id(secret_id)
        .version_stage(stage)
        .send()
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(SdkError::ServiceError(e))
            if matches!(e.err(), GetSecretValueError::ResourceNotFoundException(_)) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(classify_sdk_error(secret_id, e)),
    };
    let Some(text) = out.secret_string() else {
        return Err(SecretsError::NotJson {
            secret_id: secret_id.to_owned(),
            source: None,
        });
    };
    let created_at = out
        .created_date()
        .and_then(|d| chrono::DateTime::from_timestamp(d.secs(), d.subsec_nanos()));
    Ok(Some(SecretVersion {
        version_id: out.version_id().unwrap_or_default().to_owned(),
        created_at,
        fields: SecretFields::parse(secret_id, text)?,
    }))
}

fn classify_sdk_error(secret_id: &str, error: SdkError<GetSecretValueError>) -> SecretsError {
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(e) => {
            let code = aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(e.err()).unwrap_or_default();
            matches!(e.err(), GetSecretValueError::InternalServiceError(_))
                || code.contains("Throttl")
                || e.raw().status().is_server_error()
        }
        _ => false,
    };
    let secret_id = secret_id.to_owned();
    let source = Box::new(error);
    if transient {
        SecretsError::Transient { secret_id, source }
    } else {
        SecretsError::Aws { secret_id, source }
    }
}
