//! Shopify Admin GraphQL: `inventorySetQuantities` (name `available`, reason `correction`,
//! `ignoreCompareQuantity`) at the channel's location, up to 250 quantities per call.
//!
//! GraphQL was chosen over REST `inventory_levels/set.json` because one call sets a whole
//! batch where REST sets one item per request. SKU to inventory item gid comes from
//! `sku_map`, else from a `productVariants(query: "sku:\"A\" OR ...")` lookup (50 SKUs per
//! query), cached for the run. Shopify validates a batch as a whole: when `userErrors`
//! name items, those fail and the rest of the batch is sent once more without them.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use spine_core::{Sku, SourceName};

use super::http::HttpClient;
use super::{Channel, PushReport, SkuFailure, chain, endpoint};
use crate::config::ChannelConfig;
use crate::diff::Level;

/// The Admin API version the adapter speaks.
pub const SHOPIFY_API_VERSION: &str = "2025-01";
const LOOKUP_CHUNK: usize = 50;
const LOOKUP: &str = "query StockLookup($q: String!) { productVariants(first: 250, query: $q) { nodes { sku inventoryItem { id } } } }";
const SET: &str = "mutation StockSet($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code field message } } }";

pub(super) struct Shopify {
    channel: SourceName,
    url: reqwest::Url,
    token: SecretString,
    location: String,
    batch: usize,
    http: HttpClient,
    /// Inventory item gids: configured, then looked up (`None`: no such variant).
    items: HashMap<Sku, Option<String>>,
}

impl Shopify {
    pub(super) fn new(config: &ChannelConfig, token: SecretString, http: HttpClient) -> Self {
        let path = format!("admin/api/{SHOPIFY_API_VERSION}/graphql.json");
        let items: BTreeMap<_, _> = config
            .sku_map
            .iter()
            .map(|(s, id)| (s.clone(), Some(id.clone())))
            .collect();
        Self {
            channel: config.name.clone(),
            url: endpoint(&config.base_url, &path),
            token,
            location: config.shopify_location_id.clone().unwrap_or_default(),
            batch: config.batch_size,
            http,
            items: items.into_iter().collect(),
        }
    }

    /// Posts one GraphQL document; answers `data`, or why it failed.
    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, String> {
        let body = json!({"query": query, "variables": variables}).to_string();
        let bytes = self
            .http
            .send(|| {
                self.http
                    .client()
                    .post(self.url.clone())
                    .header("X-Shopify-Access-Token", self.token.expose_secret())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await
            .map_err(|e| chain(&e))?;
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| format!("answer unreadable: {e}"))?;
        // Cost throttling answers 200 with a THROTTLED error: the batch waits for next run.
        if let Some(errors) = answer
            .get("errors")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            let messages: Vec<&str> = errors.iter().filter_map(|e| e.get("message")?.as_str()).collect();
            return Err(format!("Shopify GraphQL errors: {}", messages.join("; ")));
        }
        answer
            .get("data")
            .cloned()
            .ok_or_else(|| "answer without data".to_owned())
    }

    async fn resolve(&mut self, levels: &[Level], report: &mut PushReport) -> Vec<(Level, String)> {
        let unknown: Vec<Sku> = levels
            .iter()
            .map(|l| l.sku.clone())
            .filter(|s| !self.items.contains_key(s))
            .collect();
        let mut failed = HashMap::new();
        for chunk in unknown.chunks(LOOKUP_CHUNK) {
            let q: Vec<String> = chunk
                .iter()
                .map(|s| format!("sku:\"{}\"", escape(s.as_str())))
                .collect();
            match self.graphql(LOOKUP, json!({"q": q.join(" OR ")})).await {
                Ok(data) => {
                    let nodes = data.pointer("/productVariants/nodes").and_then(Value::as_array);
                    let found: HashMap<&str, &str> = nodes
                        .into_iter()
                        .flatten()
                        .filter_map(|n| {
                            Some((n.get("sku")?.as_str()?, n.pointer("/inventoryItem/id")?.as_str()?))
                        })
                        .collect();
                    for sku in chunk {
                        let item = found.get(sku.as_str()).map(|id| (*id).to_owned());
                        self.items.insert(sku.clone(), item);
                    }
                }
                Err(reason) => chunk.iter().for_each(|s| {
                    failed.insert(s.clone(), format!("variant lookup failed: {reason}"));
                }),
            }
        }
        let mut ready = Vec::new();
        for level in levels {
            if let Some(reason) = failed.remove(&level.sku) {
                report.failed.push(SkuFailure {
                    sku: level.sku.clone(),
                    reason,
                });
            } else if let Some(Some(item)) = self.items.get(&level.sku) {
                ready.push((level.clone(), item.clone()));
            } else {
                report.unmapped.push(level.sku.clone());
            }
        }
        ready
    }

    /// Sends one batch; answers the indices `userErrors` blamed, or fails the batch.
    async fn set(&self, batch: &[(Level, String)]) -> Result<Vec<(usize, String)>, String> {
        let quantities: Vec<Value> = batch
            .iter()
            .map(|(l, item)| json!({"inventoryItemId": item, "locationId": self.location, "quantity": l.quantity}))
            .collect();
        let input = json!({
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": true,
            "referenceDocumentUri": format!("logistics://odoo-spine/stock-push/{}", self.channel),
            "quantities": quantities,
        });
        let data = self.graphql(SET, json!({ "input": input })).await?;
        let errors = data
            .pointer("/inventorySetQuantities/userErrors")
            .and_then(Value::as_array);
        let mut blamed = Vec::new();
        for e in errors.into_iter().flatten() {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("refused")
                .to_owned();
            // `field` is like ["input", "quantities", "3", "inventoryItemId"].
            let index = e
                .pointer("/field/2")
                .and_then(Value::as_str)
                .and_then(|i| i.parse::<usize>().ok());
            match index.filter(|i| *i < batch.len()) {
                Some(i) => blamed.push((i, message)),
                None => return Err(format!("Shopify refused the batch: {message}")),
            }
        }
        Ok(blamed)
    }

    async fn push_batch(&self, batch: &[(Level, String)], report: &mut PushReport) {
        let levels: Vec<Level> = batch.iter().map(|(l, _)| l.clone()).collect();
        let blamed = match self.set(batch).await {
            Ok(blamed) => blamed,
            Err(reason) => return report.fail_all(&levels, &reason),
        };
        if blamed.is_empty() {
            report.pushed.extend(levels);
            return;
        }
        let bad: HashMap<usize, String> = blamed.into_iter().collect();
        let mut rest = Vec::new();
        for (i, entry) in batch.iter().enumerate() {
            match bad.get(&i) {
                Some(message) => report.failed.push(SkuFailure {
                    sku: entry.0.sku.clone(),
                    reason: format!("Shopify refused it: {message}"),
                }),
                None => rest.push(entry.clone()),
            }
        }
        if rest.is_empty() {
            return;
        }
        let rest_levels: Vec<Level> = rest.iter().map(|(l, _)| l.clone()).collect();
        match self.set(&rest).await {
            Ok(again) if again.is_empty() => report.pushed.extend(rest_levels),
            Ok(_) => report.fail_all(&rest_levels, "Shopify refused the batch twice"),
            Err(reason) => report.fail_all(&rest_levels, &reason),
        }
    }
}

fn escape(sku: &str) -> String {
    sku.replace('\\', "\\\\").replace('"', "\\\"")
}

#[async_trait]
impl Channel for Shopify {
    async fn push(&mut self, levels: &[Level]) -> PushReport {
        let mut report = PushReport::default();
        let ready = self.resolve(levels, &mut report).await;
        for batch in ready.chunks(self.batch) {
            self.push_batch(batch, &mut report).await;
        }
        report
    }
}
