//! The webhook through the real AWS SDK against emulated AWS (moto): the ledger on
//! DynamoDB, the flow queues on SQS, the signing secrets in Secrets Manager. Every test
//! creates its own table, queues and secret.

mod common;

use aws_sdk_sqs::types::MessageSystemAttributeName;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{ALL, answer, clock, event, expected, secrets_json, sources};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig, create_ledger_table};
use spine_aws::queue::SqsQueues;
use spine_aws::secrets::{SecretsCache, SecretsConfig};
use spine_core::ledger::{Ledger, StatusKind};
use spine_core::{Envelope, EventKey, Flow};
use spine_ingest::Limits;
use spine_testkit::unique_name;
use std::collections::BTreeMap;
use std::sync::Arc;
use webhook::Webhook;
use webhook::adapters::{SecretsManagerKeys, SqsEventQueue};

/// The emulated resources of one test.
struct Stack {
    sqs: aws_sdk_sqs::Client,
    secrets: aws_sdk_secretsmanager::Client,
    ledger: Arc<DynamoLedger>,
    queues: BTreeMap<Flow, String>,
    secret_id: String,
}

impl Stack {
    async fn new() -> Self {
        let (sqs, dynamodb, secrets) = (
            spine_testkit::sqs().await,
            spine_testkit::dynamodb().await,
            spine_testkit::secretsmanager().await,
        );
        let table = spine_testkit::create_table(&dynamodb, "webhook-ledger", create_ledger_table).await;
        let mut queues = BTreeMap::new();
        for flow in Flow::ALL {
            let url = spine_testkit::create_queue(&sqs, &format!("webhook-{flow}")).await;
            queues.insert(flow, url);
        }
        let secret_id = unique_name("spine-webhooks");
        secrets
            .create_secret()
            .name(&secret_id)
            .secret_string(secrets_json())
            .send()
            .await
            .expect("secret created");
        let ledger = Arc::new(DynamoLedger::new(dynamodb, LedgerTableConfig { table }));
        Self {
            sqs,
            secrets,
            ledger,
            queues,
            secret_id,
        }
    }

    /// A webhook over this stack; keys are read fresh (a new cache per webhook).
    fn webhook(&self, grace: chrono::Duration) -> Webhook {
        let cache = SecretsCache::new(self.secrets.clone(), SecretsConfig::default());
        Webhook::new(
            sources(&self.secret_id),
            Limits::default(),
            Arc::new(SecretsManagerKeys::new(cache, grace)),
            self.ledger.clone(),
            Arc::new(SqsEventQueue::new(
                SqsQueues::new(self.sqs.clone()),
                self.queues.clone(),
            )),
        )
        .with_clock(clock())
    }

    /// Receives (and deletes) everything waiting on every flow queue.
    async fn drain(&self) -> Vec<(Flow, aws_sdk_sqs::types::Message)> {
        let mut out = Vec::new();
        for (flow, url) in &self.queues {
            let received = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .expect("receive");
            for message in received.messages.unwrap_or_default() {
                if let Some(handle) = &message.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("delete");
                }
                out.push((*flow, message));
            }
        }
        out
    }

    async fn status(&self, key: &str) -> StatusKind {
        let key = EventKey::parse(key).expect("an event key");
        let entry = self.ledger.get(&key).await.expect("readable").expect("recorded");
        entry.status.kind()
    }
}

fn key_of(body: &serde_json::Value) -> String {
    body["event_key"].as_str().expect("an event key").to_owned()
}

#[tokio::test]
async fn each_source_sample_is_verified_mapped_deduped_and_enqueued_once() {
    let stack = Stack::new().await;
    let webhook = stack.webhook(chrono::Duration::hours(24));
    let valid = ALL
        .iter()
        .filter(|name| expected(name).0 == 202 && !name.contains("duplicate"));
    for name in valid {
        let (status, body) = answer(&webhook.handle(event(name)).await);
        assert_eq!(status, 202, "{name}: {body}");
        let key = key_of(&body);
        let messages = stack.drain().await;
        assert_eq!(messages.len(), 1, "{name}: exactly one message");
        let (flow, message) = &messages[0];
        let envelope =
            Envelope::from_json(message.body.as_deref().expect("a body")).expect("a whole envelope");
        assert_eq!(envelope.event_key.as_str(), key, "{name}");
        assert_eq!(envelope.flow(), *flow, "{name}: on its flow's queue");
        let attributes = message.message_attributes.as_ref().expect("attributes");
        assert_eq!(attributes["flow"].string_value.as_deref(), Some(flow.as_str()));
        assert_eq!(
            attributes["correlation_id"].string_value.as_deref(),
            Some(envelope.correlation_id.as_str())
        );
        assert_eq!(stack.status(&key).await, StatusKind::Queued, "{name}");

        let (again, body) = answer(&webhook.handle(event(name)).await);
        assert_eq!(
            (again, body["status"].as_str()),
            (200, Some("duplicate")),
            "{name}"
        );
        assert!(
            stack.drain().await.is_empty(),
            "{name}: a duplicate enqueues nothing"
        );
    }
}

#[tokio::test]
async fn each_bad_sample_gets_its_status_and_error_body_and_nothing_is_enqueued() {
    let stack = Stack::new().await;
    let webhook = stack.webhook(chrono::Duration::hours(24));
    for name in ALL.iter().filter(|name| expected(name).0 >= 400) {
        let (status, body) = answer(&webhook.handle(event(name)).await);
        let (want, code) = expected(name);
        assert_eq!(
            (status, body["error"].as_str()),
            (want, Some(code)),
            "{name}: {body}"
        );
        assert_eq!(
            body.as_object().map(|o| o.len()),
            Some(2),
            "{name}: error and detail only"
        );
    }
    assert!(stack.drain().await.is_empty());
}

#[tokio::test]
async fn an_ignored_topic_is_recorded_and_a_duplicate_delivery_answers_200() {
    let stack = Stack::new().await;
    let webhook = stack.webhook(chrono::Duration::hours(24));
    let (status, body) = answer(&webhook.handle(event("shopify-ignored-topic.json")).await);
    assert_eq!((status, body["status"].as_str()), (200, Some("ignored")));
    assert_eq!(stack.status(&key_of(&body)).await, StatusKind::Ignored);

    let (first, _) = answer(&webhook.handle(event("shopify-orders-create.json")).await);
    let (second, body) = answer(&webhook.handle(event("shopify-duplicate.json")).await);
    assert_eq!(
        (first, second, body["status"].as_str()),
        (202, 200, Some("duplicate"))
    );
    assert_eq!(stack.drain().await.len(), 1);
}

#[tokio::test]
async fn a_failed_enqueue_answers_503_and_the_senders_retry_enqueues_it() {
    let mut stack = Stack::new().await;
    let good = stack.queues.clone();
    let missing = format!("{}-gone", good[&Flow::Payment]);
    stack.queues.insert(Flow::Payment, missing);
    let broken = stack.webhook(chrono::Duration::hours(24));
    let (status, body) = answer(&broken.handle(event("xendit-invoice-paid.json")).await);
    assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));

    stack.queues = good;
    let webhook = stack.webhook(chrono::Duration::hours(24));
    let (status, body) = answer(&webhook.handle(event("xendit-invoice-paid.json")).await);
    assert_eq!(status, 202, "the ledger said RECEIVED, not QUEUED: {body}");
    assert_eq!(stack.status(&key_of(&body)).await, StatusKind::Queued);
    assert_eq!(stack.drain().await.len(), 1);
}

/// The sample order, signed with `secret` by Shopify's algorithm (base64 HMAC-SHA256).
fn shopify_signed_with(secret: &str) -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    let mut request = event("shopify-orders-create.json");
    let body = request.body.clone().unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());
    request.headers.insert(
        "x-shopify-hmac-sha256",
        signature.parse().expect("a header value"),
    );
    request
}

#[tokio::test]
async fn a_rotated_secret_still_verifies_with_the_previous_version_within_the_grace_period() {
    let stack = Stack::new().await;
    let rotated = secrets_json().replace("shpss_spine_test_shopify", "shpss_rotated_secret");
    stack
        .secrets
        .put_secret_value()
        .secret_id(&stack.secret_id)
        .secret_string(rotated)
        .send()
        .await
        .expect("a new AWSCURRENT version");
    let old = shopify_signed_with("shpss_spine_test_shopify");
    let new = shopify_signed_with("shpss_rotated_secret");

    // The clock is real here: the grace period runs from the new version's creation.
    let real = |grace| stack.webhook(grace).with_clock(Arc::new(chrono::Utc::now));
    let (status, body) = answer(&real(chrono::Duration::hours(1)).handle(old.clone()).await);
    assert_eq!(status, 202, "the previous secret within the grace period: {body}");
    let (status, _) = answer(&real(chrono::Duration::hours(1)).handle(new).await);
    assert_eq!(
        status, 200,
        "the current secret verifies (the same delivery: duplicate)"
    );
    let (status, body) = answer(&real(chrono::Duration::zero()).handle(old).await);
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("signature_mismatch"))
    );
}
