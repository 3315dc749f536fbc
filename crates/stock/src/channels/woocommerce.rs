//! WooCommerce REST v3: `POST /wp-json/wc/v3/products/batch` with
//! `{"update": [{"id", "manage_stock": true, "stock_quantity"}]}`, up to 100 per batch,
//! HTTP Basic with the consumer key and secret (HTTPS).
//!
//! SKU to product id comes from `sku_map`, else from `GET /wp-json/wc/v3/products?sku=A,B`
//! (comma-separated, 50 SKUs per lookup), cached for the run. The batch answer carries one
//! entry per item, an `error` object for items it refused, so failures are per SKU.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use spine_core::Sku;

use super::http::HttpClient;
use super::{Channel, PushReport, SkuFailure, chain, endpoint};
use crate::config::ChannelConfig;
use crate::diff::Level;

const LOOKUP_CHUNK: usize = 50;

pub(super) struct WooCommerce {
    base: reqwest::Url,
    key: SecretString,
    secret: SecretString,
    batch: usize,
    http: HttpClient,
    /// Known product ids: configured, then found by lookup (`None`: looked up, not found).
    ids: HashMap<Sku, Option<i64>>,
    configured: BTreeMap<Sku, String>,
}

#[derive(Deserialize)]
struct Product {
    id: i64,
    #[serde(default)]
    sku: String,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    update: Vec<ItemAnswer>,
}

#[derive(Deserialize)]
struct ItemAnswer {
    #[serde(default)]
    id: i64,
    error: Option<ItemError>,
}

#[derive(Deserialize)]
struct ItemError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl WooCommerce {
    pub(super) fn new(
        config: &ChannelConfig,
        key: SecretString,
        secret: SecretString,
        http: HttpClient,
    ) -> Self {
        Self {
            base: config.base_url.clone(),
            key,
            secret,
            batch: config.batch_size,
            http,
            ids: HashMap::new(),
            configured: config.sku_map.clone(),
        }
    }

    fn get(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.http
            .client()
            .get(url)
            .basic_auth(self.key.expose_secret(), Some(self.secret.expose_secret()))
    }

    /// Fills `ids` for every SKU of `levels` not known yet; a failed lookup fails its SKUs.
    async fn resolve(&mut self, levels: &[Level], report: &mut PushReport) -> Vec<Level> {
        let unknown: Vec<&Sku> = levels
            .iter()
            .map(|l| &l.sku)
            .filter(|s| !self.ids.contains_key(*s) && !self.configured.contains_key(*s))
            .collect();
        let mut failed = HashMap::new();
        for chunk in unknown.chunks(LOOKUP_CHUNK) {
            let list: Vec<&str> = chunk.iter().map(|s| s.as_str()).collect();
            let mut url = endpoint(&self.base, "wp-json/wc/v3/products");
            url.query_pairs_mut()
                .append_pair("sku", &list.join(","))
                .append_pair("per_page", "100");
            match self.http.send(|| self.get(url.clone())).await {
                Ok(body) => match serde_json::from_slice::<Vec<Product>>(&body) {
                    Ok(products) => {
                        let found: HashMap<&str, i64> =
                            products.iter().map(|p| (p.sku.as_str(), p.id)).collect();
                        for sku in chunk {
                            self.ids.insert((*sku).clone(), found.get(sku.as_str()).copied());
                        }
                    }
                    Err(e) => chunk.iter().for_each(|s| {
                        failed.insert((*s).clone(), format!("product lookup answer unreadable: {e}"));
                    }),
                },
                Err(e) => chunk.iter().for_each(|s| {
                    failed.insert((*s).clone(), format!("product lookup failed: {}", chain(&e)));
                }),
            }
        }
        let mut ready = Vec::with_capacity(levels.len());
        for level in levels {
            if let Some(reason) = failed.remove(&level.sku) {
                report.failed.push(SkuFailure {
                    sku: level.sku.clone(),
                    reason,
                });
            } else if self.product_id(&level.sku, report).is_some() {
                ready.push(level.clone());
            }
        }
        ready
    }

    /// The product id of `sku`, or `None` after noting why in `report`.
    fn product_id(&self, sku: &Sku, report: &mut PushReport) -> Option<i64> {
        if let Some(raw) = self.configured.get(sku) {
            let id = raw.trim().parse::<i64>().ok().filter(|id| *id > 0);
            if id.is_none() {
                let reason = format!("sku_map value {raw:?} is not a WooCommerce product id");
                report.failed.push(SkuFailure {
                    sku: sku.clone(),
                    reason,
                });
            }
            return id;
        }
        let id = self.ids.get(sku).copied().flatten();
        if id.is_none() {
            report.unmapped.push(sku.clone());
        }
        id
    }

    async fn push_batch(&self, levels: &[Level], report: &mut PushReport) {
        let mut by_id = HashMap::new();
        let mut update = Vec::with_capacity(levels.len());
        for level in levels {
            let Some(id) = self.product_id(&level.sku, &mut PushReport::default()) else {
                continue;
            };
            by_id.insert(id, level);
            update.push(json!({"id": id, "manage_stock": true, "stock_quantity": level.quantity}));
        }
        let body = json!({ "update": update }).to_string();
        let url = endpoint(&self.base, "wp-json/wc/v3/products/batch");
        let sent = self
            .http
            .send(|| {
                self.http
                    .client()
                    .post(url.clone())
                    .basic_auth(self.key.expose_secret(), Some(self.secret.expose_secret()))
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await;
        let answer = match sent.map(|b| serde_json::from_slice::<BatchAnswer>(&b)) {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return report.fail_all(levels, &format!("batch answer unreadable: {e}")),
            Err(e) => return report.fail_all(levels, &chain(&e)),
        };
        for item in answer.update {
            let Some(level) = by_id.remove(&item.id) else {
                continue;
            };
            match item.error {
                None => report.pushed.push(level.clone()),
                Some(err) => report.failed.push(SkuFailure {
                    sku: level.sku.clone(),
                    reason: format!("WooCommerce refused it: {} {}", err.code, err.message),
                }),
            }
        }
        // Items the answer did not mention were not confirmed: try them again next run.
        let mut missing: Vec<&Level> = by_id.into_values().collect();
        missing.sort_by(|a, b| a.sku.cmp(&b.sku));
        for level in missing {
            report.failed.push(SkuFailure {
                sku: level.sku.clone(),
                reason: "not in WooCommerce's batch answer".to_owned(),
            });
        }
    }
}

#[async_trait]
impl Channel for WooCommerce {
    async fn push(&mut self, levels: &[Level]) -> PushReport {
        let mut report = PushReport::default();
        let ready = self.resolve(levels, &mut report).await;
        for batch in ready.chunks(self.batch) {
            self.push_batch(batch, &mut report).await;
        }
        report
    }
}
