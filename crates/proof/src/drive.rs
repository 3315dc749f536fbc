//! Sends the scheduled requests to the spine's HTTP route, `senders` at a time, the
//! copies of a concurrent slot at the same moment; meanwhile kills busy sync workers
//! and, half-way, rotates the Odoo API key.

use crate::config::ScenarioConfig;
use crate::deliveries::Slot;
use crate::sign::{Kind, Secrets};
use crate::spine::Spine;
use anyhow::Result;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The SQS-triggered functions a kill may hit.
pub const SYNC_FUNCTIONS: &[&str] = &[
    "OrderSyncFunction",
    "PaymentSyncFunction",
    "RefundSyncFunction",
    "ShipmentSyncFunction",
];

/// One request's answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub kind: Kind,
    pub source: &'static str,
    /// HTTP status; 0 when the request got no answer at all.
    pub status: u16,
    /// `status` of the JSON body (`accepted`, `duplicate`, ...).
    pub outcome: String,
    pub event_key: Option<String>,
    pub latency: Duration,
}

/// What the delivery phase did.
#[derive(Debug, Default)]
pub struct Driven {
    pub answers: Vec<Answer>,
    pub kills: usize,
    pub rotated: bool,
    pub elapsed: Duration,
}

/// Sends every slot; returns once all are answered.
pub async fn drive(spine: &Spine, slots: Vec<Slot>, config: &ScenarioConfig) -> Result<Driven> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let secrets = Arc::new(Secrets::local()?);
    let gate = Arc::new(Semaphore::new(config.senders.max(1)));
    let (stop_kills, kills) = killer(spine, config);
    let started = Instant::now();
    let half = slots.len() / 2;
    let mut tasks = JoinSet::new();
    let mut rotated = false;
    for (n, slot) in slots.into_iter().enumerate() {
        if n == half && config.rotate_key {
            spine.rotate_odoo_key().await?;
            rotated = true;
        }
        let permit = gate.clone().acquire_owned().await?;
        let (client, secrets, url) = (client.clone(), secrets.clone(), spine.host.http_url.clone());
        tasks.spawn(async move {
            // Each copy is its own task: the copies of a slot race each other.
            let mut copies = JoinSet::new();
            for planned in slot {
                let delivery = planned.request(&secrets, chrono::Utc::now().timestamp());
                copies.spawn(send(client.clone(), url.clone(), delivery));
            }
            let mut answers = Vec::new();
            while let Some(answer) = copies.join_next().await {
                answers.extend(answer);
            }
            drop(permit);
            answers
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.extend(done?);
    }
    let _ = stop_kills.send(true);
    let kills = kills.await.unwrap_or(0);
    Ok(Driven {
        answers,
        kills,
        rotated,
        elapsed: started.elapsed(),
    })
}

/// Tries after a 5xx answer or none at all, as the sources do (Shopify, Stripe and the
/// others retry on 5xx): the webhook answers 503 when it could not store or enqueue,
/// relying on that retry.
const SEND_ATTEMPTS: u32 = 4;

async fn send(client: reqwest::Client, url: String, delivery: crate::sign::Delivery) -> Answer {
    let started = Instant::now();
    let mut attempt = 0;
    let (status, body) = loop {
        attempt += 1;
        let (status, body) = send_once(&client, &url, &delivery).await;
        if (status == 0 || status >= 500) && attempt < SEND_ATTEMPTS {
            tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
            continue;
        }
        break (status, body);
    };
    Answer {
        kind: delivery.kind,
        source: delivery.source,
        status,
        outcome: body["status"]
            .as_str()
            .or(body["error"].as_str())
            .unwrap_or_default()
            .to_owned(),
        event_key: body["event_key"].as_str().map(str::to_owned),
        latency: started.elapsed(),
    }
}

async fn send_once(
    client: &reqwest::Client,
    url: &str,
    delivery: &crate::sign::Delivery,
) -> (u16, serde_json::Value) {
    let mut request = client.post(format!("{url}/webhooks/{}", delivery.source));
    for (name, value) in &delivery.headers {
        request = request.header(name, value);
    }
    match request.body(delivery.body.clone()).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (
                status,
                response.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
        Err(e) => {
            tracing::warn!("webhook request failed: {e}");
            (0, serde_json::Value::Null)
        }
    }
}

/// Kills the busy processes of a random sync function every `kill_every` until told
/// to stop; returns how many processes it killed.
fn killer(
    spine: &Spine,
    config: &ScenarioConfig,
) -> (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<usize>) {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let functions: Vec<_> = SYNC_FUNCTIONS
        .iter()
        .filter_map(|id| spine.host.function(id))
        .collect();
    let every = config.kill_every;
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x4b111);
    let task = tokio::spawn(async move {
        let (Some(every), false) = (every, functions.is_empty()) else {
            return 0;
        };
        let mut killed = 0;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stopped.changed() => return killed,
            }
            let function = &functions[rng.usize(..functions.len())];
            killed += function.kill_busy().await;
        }
    });
    (stop, task)
}
