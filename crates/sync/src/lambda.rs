//! The Lambda wiring the four sync functions share (feature `lambda`): configuration
//! from the environment, the AWS adapters behind the worker's ports, and the SQS
//! partial-batch handler. A function's `main.rs` is one call to [`run`].
//!
//! Per message: the body is read as a checked [`Envelope`] (unparsable or inconsistent
//! bodies are parked by the batch wrapper), the [`Worker`] applies it under idempotency
//! and marks the ledger APPLIED; a failure the batch policy will park is marked PARKED
//! in the ledger first, then the wrapper moves the message to the DLQ.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_lambda_events::sqs::SqsEvent;
use chrono::Utc;
use lambda_runtime::{LambdaEvent, service_fn};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use spine_aws::idempotency::{DynamoIdempotencyStore, IdempotencyTableConfig};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_aws::queue::{QueueConfig, SqsQueues};
use spine_aws::secrets::{OdooFrom, SecretsCache, SecretsConfig};
use spine_core::idempotency::{Idempotency, IdempotencyConfig};
use spine_core::{Classify, Envelope, Flow};
use spine_runtime::{
    Action, BatchHandler, BatchPolicy, FirstInvocation, MessageActions, MessageContext, SqsActions, decide,
};

use crate::config::SyncConfig;
use crate::syncer::Syncer;
use crate::worker::{ApiKeySource, BoxError, Worker, WorkerError};

/// Environment variables the sync functions read besides [`crate::env_names`]; the
/// names template.yaml must set.
pub mod env_names {
    /// The Secrets Manager id of the Odoo connection secret.
    pub const ODOO_SECRET_ID: &str = "ODOO_SECRET_ID";
    /// The idempotency table (spine-aws).
    pub const IDEMPOTENCY_TABLE: &str = spine_aws::idempotency::ENV_IDEMPOTENCY_TABLE;
    /// The ledger table (spine-aws).
    pub const LEDGER_TABLE: &str = spine_aws::ledger::ENV_LEDGER_TABLE;

    /// Every variable the function for `flow` reads.
    pub fn all(flow: spine_core::Flow) -> Vec<&'static str> {
        let mut names = vec![ODOO_SECRET_ID, IDEMPOTENCY_TABLE, LEDGER_TABLE];
        for (f, queue, dlq) in spine_aws::queue::QueueConfig::ENV {
            if f == flow {
                names.extend([queue, dlq]);
            }
        }
        names.extend(crate::env_names::ALL);
        names.extend(spine_runtime::env_names::ALL);
        names
    }
}

/// An [`Envelope`] that passed [`Envelope::from_json`]'s checks (contract rules, keys
/// consistent with the content), so the batch wrapper parks anything else as unparsable.
#[derive(Clone, Debug)]
pub struct CheckedEnvelope(pub Envelope);

impl<'de> Deserialize<'de> for CheckedEnvelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(deserializer)?;
        Envelope::from_json(&raw.to_string())
            .map(CheckedEnvelope)
            .map_err(serde::de::Error::custom)
    }
}

/// [`ApiKeySource`] on Secrets Manager: re-reads the Odoo secret at once.
pub struct SecretsKeySource {
    secrets: SecretsCache,
    secret_id: String,
}

impl SecretsKeySource {
    /// Reads the key of the Odoo secret `secret_id` through `secrets`.
    pub fn new(secrets: SecretsCache, secret_id: impl Into<String>) -> Self {
        Self {
            secrets,
            secret_id: secret_id.into(),
        }
    }
}

#[async_trait::async_trait]
impl ApiKeySource for SecretsKeySource {
    async fn fresh_api_key(&self) -> Result<SecretString, BoxError> {
        let snapshot = self.secrets.refresh_now(&self.secret_id).await?;
        let secret = spine_aws::secrets::OdooSecret::from_fields(&snapshot.current.fields)?;
        Ok(secret.api_key)
    }
}

/// The current invocation's deadline (epoch ms; 0 when unknown). A Lambda instance runs
/// one invocation at a time, so one cell per instance is enough.
#[derive(Clone, Debug, Default)]
pub struct Deadline(Arc<AtomicI64>);

impl Deadline {
    /// Records the deadline of the invocation starting now.
    pub fn set(&self, epoch_ms: i64) {
        self.0.store(epoch_ms, Ordering::Relaxed);
    }

    /// The deadline, when one was recorded.
    pub fn get(&self) -> Option<i64> {
        Some(self.0.load(Ordering::Relaxed)).filter(|ms| *ms > 0)
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), WorkerError>> + Send>>;
type MessageFn = Box<dyn Fn(CheckedEnvelope, MessageContext) -> HandlerFuture + Send + Sync>;

/// The SQS batch handler of one sync function.
pub type SyncBatchHandler = BatchHandler<CheckedEnvelope, MessageFn>;

/// Lifts `worker` to a partial-batch handler acting on messages through `actions`.
pub fn batch_handler(
    worker: Arc<Worker>,
    actions: Arc<dyn MessageActions>,
    policy: BatchPolicy,
    deadline: Deadline,
) -> SyncBatchHandler {
    let per_message: MessageFn = Box::new(move |message, ctx| {
        let (worker, deadline) = (worker.clone(), deadline.clone());
        Box::pin(async move { one(&worker, &policy, deadline.get(), message.0, ctx).await })
    });
    BatchHandler::new(per_message, actions, policy)
}

async fn one(
    worker: &Worker,
    policy: &BatchPolicy,
    deadline: Option<i64>,
    envelope: Envelope,
    ctx: MessageContext,
) -> Result<(), WorkerError> {
    let error = match worker.handle(&envelope, deadline).await {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    // The wrapper decides with the same inputs; the ledger must say PARKED before the
    // message leaves for the DLQ, so decide here too.
    let action = decide(error.disposition(), &ctx, policy, Utc::now(), &error.to_string());
    if matches!(action, Action::Park(_))
        && let Err(e) = worker.mark_parked(&envelope, &error).await
    {
        tracing::warn!(error = %e, "could not mark the ledger entry PARKED");
    }
    Err(error)
}

/// Why a sync function could not start, or could not build its Odoo side on its first
/// invocation.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("environment variable {0} is missing or empty")]
    MissingEnv(&'static str),
    #[error("configuration: {0}")]
    Config(#[source] BoxError),
    #[error("the Odoo secret {secret_id} cannot be used: {source}")]
    OdooSecret {
        secret_id: String,
        #[source]
        source: BoxError,
    },
}

fn config<E: std::error::Error + Send + Sync + 'static>(e: E) -> StartError {
    StartError::Config(Box::new(e))
}

/// What a sync function reads at cold start: the environment only, no network call.
struct Parts {
    flow: Flow,
    actor: &'static str,
    sync_config: SyncConfig,
    queues: spine_aws::queue::FlowQueues,
    idempotency_table: IdempotencyTableConfig,
    ledger_table: LedgerTableConfig,
    secret_id: String,
    policy: BatchPolicy,
    skip_idempotency: bool,
}

impl Parts {
    /// Reads and checks every setting (fail fast: a bad one stops the cold start).
    fn from_env(flow: Flow, actor: &'static str) -> Result<Self, StartError> {
        let secret_id = std::env::var(env_names::ODOO_SECRET_ID)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or(StartError::MissingEnv(env_names::ODOO_SECRET_ID))?;
        let skip_idempotency = spine_core::idempotency::unsafe_skip_requested();
        if skip_idempotency {
            tracing::warn!(
                "idempotency is OFF (test mode: no worker record, no search for an earlier payment or credit note): duplicates are expected"
            );
        }
        Ok(Self {
            flow,
            actor,
            sync_config: SyncConfig::from_env().map_err(config)?,
            queues: QueueConfig::flow_from_env(flow).map_err(config)?,
            idempotency_table: IdempotencyTableConfig::from_env().map_err(config)?,
            ledger_table: LedgerTableConfig::from_env().map_err(config)?,
            secret_id,
            policy: BatchPolicy::from_env().map_err(config)?,
            skip_idempotency,
        })
    }

    /// The batch handler, built on the first invocation: it reads the Odoo secret, so
    /// doing it here keeps that round trip out of the cold start (and a secret fixed
    /// after a failed first try is picked up by the next invocation).
    async fn handler(
        &self,
        aws: &aws_config::SdkConfig,
        deadline: Deadline,
    ) -> Result<SyncBatchHandler, StartError> {
        let dynamodb = aws_sdk_dynamodb::Client::new(aws);
        let secrets = SecretsCache::new(aws_sdk_secretsmanager::Client::new(aws), SecretsConfig::default());
        // Key rotation is the worker's (SecretsKeySource, on a credentials error), so
        // only the client is kept.
        let odoo = OdooFrom::Secret(self.secret_id.clone())
            .connect(&secrets)
            .await
            .map_err(|e| StartError::OdooSecret {
                secret_id: self.secret_id.clone(),
                source: Box::new(e),
            })?
            .client;
        let mut syncer = Syncer::new(odoo, self.sync_config.clone());
        if self.skip_idempotency {
            syncer = syncer.without_record_checks();
        }
        let syncer = Arc::new(syncer);
        let idempotency = Idempotency::new(
            Arc::new(DynamoIdempotencyStore::new(
                dynamodb.clone(),
                self.idempotency_table.clone(),
            )),
            IdempotencyConfig::default(),
        );
        let ledger = Arc::new(DynamoLedger::new(dynamodb, self.ledger_table.clone()));
        let keys: Arc<dyn ApiKeySource> = Arc::new(SecretsKeySource::new(secrets, self.secret_id.clone()));
        let mut worker = Worker::new(self.flow, syncer, idempotency, ledger, Some(keys), self.actor);
        if self.skip_idempotency {
            worker = worker.without_idempotency();
        }
        let actions = Arc::new(SqsActions::new(
            SqsQueues::new(aws_sdk_sqs::Client::new(aws)),
            self.queues.clone(),
        ));
        Ok(batch_handler(Arc::new(worker), actions, self.policy, deadline))
    }
}

/// Cold start and the Lambda loop of the sync function for `flow`, named `actor` in the
/// ledger: reads the environment (fail fast), then serves; the Odoo side is built on
/// the first invocation. When that fails, the invocation fails (its batch comes back
/// after the visibility timeout) and the next one tries again.
pub async fn run(flow: Flow, actor: &'static str) -> Result<(), lambda_runtime::Error> {
    spine_runtime::init_tracing();
    let parts = Arc::new(Parts::from_env(flow, actor)?);
    let function = Arc::new(FirstInvocation::new(
        actor,
        parts,
        spine_runtime::load_aws_config().await,
    ));
    let deadline = Deadline::default();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (function, deadline) = (function.clone(), deadline.clone());
        async move {
            deadline.set(i64::try_from(event.context.deadline).unwrap_or(i64::MAX));
            // Boxed: the builder's future nested in the runtime's is deep enough to
            // overflow rustc's layout depth limit in the function crates.
            let build = |parts: Arc<Parts>, aws| Box::pin(async move { parts.handler(&aws, deadline).await });
            let handler = function.get(build).await.map_err(spine_runtime::diagnostic)?;
            handler
                .handle(event.payload)
                .await
                .map_err(spine_runtime::diagnostic)
        }
    }))
    .await
}
