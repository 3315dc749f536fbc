//! The webhook's decision path: checks and mapping (pure, in spine-ingest), then the
//! ledger's conditional put, the enqueue and the QUEUED mark, ending in one answer and
//! one structured log line per request.

use crate::http::{headers_of, method_of, response, source_of};
use crate::ports::{EventQueue, KeySource};
use crate::record::{ignored_entry, received_entry};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chrono::{DateTime, Utc};
use spine_core::ledger::{Ledger, PutOutcome, StatusKind};
use spine_core::{CorrelationId, Envelope};
use spine_ingest::{Answer, Limits, Outcome, Rejection, Sources};
use std::sync::Arc;
use std::time::Instant;

/// The actor name the webhook writes into ledger history.
pub const ACTOR: &str = "webhook";

/// Where "now" comes from (a fixed time in tests, so signed samples stay fresh).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The webhook function's state, built once at cold start.
pub struct Webhook {
    sources: Sources,
    limits: Limits,
    keys: Arc<dyn KeySource>,
    ledger: Arc<dyn Ledger>,
    queue: Arc<dyn EventQueue>,
    clock: Clock,
    /// Layer 1 of DESIGN.md's idempotency: a repeated delivery enqueues nothing. Off
    /// only in the proof's unsafe test mode.
    dedupe: bool,
}

/// What one request came to, for the log line.
#[derive(Default)]
struct Trace {
    source: String,
    topic: Option<String>,
    event_key: Option<String>,
    outcome: &'static str,
}

impl Webhook {
    /// A webhook over its ports, reading the system clock.
    pub fn new(
        sources: Sources,
        limits: Limits,
        keys: Arc<dyn KeySource>,
        ledger: Arc<dyn Ledger>,
        queue: Arc<dyn EventQueue>,
    ) -> Self {
        Self {
            sources,
            limits,
            keys,
            ledger,
            queue,
            clock: Arc::new(Utc::now),
            dedupe: true,
        }
    }

    /// Test mode ([`spine_core::idempotency::UNSAFE_SKIP_ENV`]): every repeated delivery
    /// is enqueued again, as if the ledger's ingress dedupe did not exist.
    pub fn without_ingress_dedupe(mut self) -> Self {
        self.dedupe = false;
        self
    }

    /// The same webhook with another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Answers one request. Never fails: every problem is an HTTP answer (4xx for the
    /// sender's mistakes, 503 when storing or enqueueing failed so the sender retries).
    pub async fn handle(&self, request: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        let started = Instant::now();
        let headers = headers_of(&request.headers);
        let correlation_id = spine_ingest::correlation_id(&headers);
        let mut trace = Trace {
            source: source_of(&request),
            ..Trace::default()
        };
        // The path segment is sender-chosen text: capped before it reaches a log line.
        let logged_source: String = trace.source.chars().take(40).collect();
        let answer = match self.decide(&request, &headers, &correlation_id, &mut trace).await {
            Ok(answer) => answer,
            Err(rejection) => {
                trace.outcome = rejection.code();
                if rejection.status() >= 500 {
                    tracing::error!(error = %rejection, correlation_id = %correlation_id, "webhook failed");
                }
                Answer::rejected(&rejection)
            }
        };
        tracing::info!(
            source = %logged_source,
            topic = trace.topic.as_deref().unwrap_or(""),
            outcome = trace.outcome,
            status = answer.status,
            event_key = trace.event_key.as_deref().unwrap_or(""),
            correlation_id = %correlation_id,
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "webhook"
        );
        response(answer, &correlation_id)
    }

    async fn decide(
        &self,
        request: &ApiGatewayV2httpRequest,
        headers: &spine_ingest::Headers,
        correlation_id: &CorrelationId,
        trace: &mut Trace,
    ) -> Result<Answer, Rejection> {
        let received_at = (self.clock)();
        if method_of(request) != "POST" {
            return Err(Rejection::MethodNotAllowed(
                method_of(request).chars().take(16).collect(),
            ));
        }
        // The name is sender-chosen text: echoed back and logged only capped.
        let config = self
            .sources
            .get(&trace.source)
            .ok_or_else(|| Rejection::UnknownSource(trace.source.chars().take(40).collect()))?;
        let body = spine_ingest::decode_body(request.body.as_deref(), request.is_base64_encoded)?;
        spine_ingest::check_request(headers, &body, &self.limits)?;
        let keys = self.keys.keys(config, received_at).await.map_err(|e| {
            tracing::error!(error = ?e, source = %config.name, "signing keys unavailable");
            Rejection::Unavailable(e.to_string())
        })?;
        let outcome =
            spine_ingest::process(config, &keys, headers, &body, received_at, correlation_id.clone())?;
        match outcome {
            Outcome::Accepted(envelope) => {
                trace.topic = Some(envelope.topic.clone());
                trace.event_key = Some(envelope.event_key.to_string());
                self.accept(&envelope, trace).await
            }
            Outcome::Ignored {
                source_event_id,
                topic,
                occurred_at,
            } => {
                // An ignored topic never passed the contract's length check: capped here.
                let topic: String = topic.chars().take(128).collect();
                trace.topic = Some(topic.clone());
                let entry = ignored_entry(
                    config,
                    source_event_id,
                    &topic,
                    correlation_id,
                    received_at,
                    occurred_at,
                )?;
                trace.event_key = Some(entry.event_key.to_string());
                self.ledger.put_received(&entry).await.map_err(unavailable)?;
                trace.outcome = "ignored";
                Ok(Answer::ignored(&entry.event_key, &topic, correlation_id))
            }
        }
    }

    /// Records, enqueues and marks one accepted event. A repeat whose ledger entry is
    /// still RECEIVED never reached the queue: it is enqueued now.
    async fn accept(&self, envelope: &Envelope, trace: &mut Trace) -> Result<Answer, Rejection> {
        let entry = received_entry(envelope)?;
        match self.ledger.put_received(&entry).await.map_err(unavailable)? {
            PutOutcome::Inserted => trace.outcome = "accepted",
            PutOutcome::Duplicate {
                status: StatusKind::Received,
            } => trace.outcome = "re-enqueued",
            PutOutcome::Duplicate { .. } if !self.dedupe => trace.outcome = "re-enqueued (dedupe off)",
            PutOutcome::Duplicate { .. } => {
                trace.outcome = "duplicate";
                return Ok(Answer::duplicate(&envelope.event_key, &envelope.correlation_id));
            }
        }
        self.queue.enqueue(envelope).await.map_err(|e| {
            tracing::error!(error = ?e, event_key = %envelope.event_key, "enqueue failed");
            Rejection::Unavailable(e.to_string())
        })?;
        // The event is on its queue: a failed mark leaves the entry RECEIVED, which a
        // retry of the same delivery re-enqueues (workers are idempotent), so it is
        // logged, not answered with an error.
        let at = (self.clock)();
        if let Err(error) = self.ledger.mark_queued(&envelope.event_key, at, ACTOR).await {
            tracing::warn!(error = ?error, event_key = %envelope.event_key, "mark QUEUED failed");
        }
        Ok(Answer::accepted(&envelope.event_key, &envelope.correlation_id))
    }
}

fn unavailable(error: spine_core::ledger::LedgerError) -> Rejection {
    tracing::error!(error = ?error, "ledger unavailable");
    Rejection::Unavailable(error.to_string())
}
