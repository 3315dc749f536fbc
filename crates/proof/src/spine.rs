//! The world a proof runs in: the local spine (every function's real binary on emulated
//! AWS), Odoo (the simulator, or a real one from ODOO_*), and the clients the verdict
//! reads through.

use crate::config::ScenarioConfig;
use anyhow::{Context, Result};
use secrecy::{ExposeSecret, SecretString};
use spine_aws::ledger::{DynamoLedger, LedgerTableConfig};
use spine_core::Flow;
use spine_local::template::Template;
use spine_local::{Host, HostOptions};
use spine_odoo::{OdooClient, OdooConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The running spine and what the proof needs around it.
pub struct Spine {
    pub host: Host,
    /// The proof's own Odoo client (for the verdict and for creating missing SKUs).
    pub odoo: OdooClient,
    pub ledger: Arc<DynamoLedger>,
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// Odoo's connection settings as put in the Odoo secret.
    pub odoo_config: OdooConfig,
    /// True when Odoo is a real server (no Odoo-side faults then).
    pub real_odoo: bool,
}

/// The workspace root (where template.yaml is).
pub fn root() -> PathBuf {
    spine_testkit::workspace_root()
}

/// Starts the spine with unique resource names; the binaries must be built.
pub async fn start(config: &ScenarioConfig) -> Result<Spine> {
    let template = root().join("template.yaml");
    let env = spine_testkit::unique_name("proof").replace('-', "")[..13].to_owned();
    let defaults = Template::load(&template)?.parameters;
    let webhook_secret = format!("{env}/webhooks");
    let sources = defaults
        .get("WebhookSources")
        .context("template.yaml has WebhookSources")?
        .replace("odoo-spine/webhooks", &webhook_secret);
    let parameters = BTreeMap::from([
        ("EnvName".to_owned(), env.clone()),
        ("OdooSecretName".to_owned(), format!("{env}/odoo")),
        ("WebhookSecretName".to_owned(), webhook_secret),
        ("StockChannelsSecretName".to_owned(), format!("{env}/stock")),
        ("WebhookSources".to_owned(), sources),
    ]);
    let real = OdooConfig::from_env().context("ODOO_* variables")?;
    // Payments need a bank journal id: the simulator's "Bank" journal is its second
    // seeded journal; on a real Odoo, name it in SPINE_PROOF_BANK_JOURNAL.
    let journal = std::env::var("SPINE_PROOF_BANK_JOURNAL").unwrap_or_else(|_| SIM_BANK_JOURNAL.to_string());
    let mut parameters = parameters;
    parameters.insert("DefaultBankJournal".to_owned(), journal.clone());
    let (retry, retry_max) = config.dependency_retry;
    parameters.insert(
        "DependencyRetrySeconds".to_owned(),
        retry.as_secs().max(1).to_string(),
    );
    parameters.insert(
        "DependencyRetryMaxSeconds".to_owned(),
        retry_max.as_secs().max(1).to_string(),
    );
    let mut extra_env = BTreeMap::new();
    if config.skip_idempotency {
        extra_env.insert(
            spine_core::idempotency::UNSAFE_SKIP_ENV.to_owned(),
            "yes".to_owned(),
        );
    }
    // The scenario's shops sell tax-free, so Odoo must not add its own tax: otherwise
    // every order is (rightly) a reconciliation mismatch.
    let sim = odoo_sim::SimConfig {
        tax_rate_bp: 0,
        ..odoo_sim::SimConfig::default()
    };
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let options = HostOptions {
        template,
        bin_dir: target.join(if config.release { "release" } else { "debug" }),
        aws_endpoint: spine_testkit::endpoint().to_owned(),
        http_bind: "127.0.0.1:0".parse()?,
        schedule_every: None,
        parameters,
        odoo: real.clone(),
        sim: sim.clone(),
        processes: 6,
        extra_env,
    };
    let host = Host::start(options)
        .await
        .context("the local spine starts (build the binaries first: cargo build --bins --workspace)")?;
    let odoo_config = match (real.clone(), &host.sim) {
        (Some(config), _) => config,
        (None, Some(handle)) => OdooConfig::new(
            &handle.url(),
            &sim.database,
            &sim.login,
            SecretString::from(sim.api_key.clone()),
        )?,
        (None, None) => anyhow::bail!("neither a real Odoo nor the simulator"),
    };
    let odoo = OdooClient::new(odoo_config.clone())?;
    spine_local::host::seed_catalog(&odoo, host.sim.is_some()).await?;
    check_journal(&odoo, &journal).await?;
    activate_currency(&odoo, "IDR").await?;
    let table = host
        .stack
        .physical
        .refs
        .get("LedgerTable")
        .context("a ledger table")?
        .clone();
    let dynamodb = spine_testkit::dynamodb().await;
    let ledger = Arc::new(DynamoLedger::new(dynamodb.clone(), LedgerTableConfig { table }));
    let spine = Spine {
        host,
        odoo,
        ledger,
        sqs: spine_testkit::sqs().await,
        dynamodb,
        secrets: spine_testkit::secretsmanager().await,
        odoo_config,
        real_odoo: real.is_some(),
    };
    spine.set_visibility(config.visibility).await?;
    Ok(spine)
}

/// The id of the simulator's bank journal.
const SIM_BANK_JOURNAL: i64 = 2;

/// Fails early, with the fix, when the configured journal is not a bank journal.
async fn check_journal(odoo: &OdooClient, journal: &str) -> Result<()> {
    let id: i64 = journal
        .trim()
        .parse()
        .context("SPINE_PROOF_BANK_JOURNAL is an account.journal id")?;
    let rows = odoo.read("account.journal", &[id], &["type"]).await?;
    let kind = rows.first().and_then(|r| r.get("type")).and_then(|v| v.as_str());
    if kind != Some("bank") {
        anyhow::bail!("account.journal {id} is not a bank journal ({kind:?}): set SPINE_PROOF_BANK_JOURNAL");
    }
    Ok(())
}

/// Activates `code` (the WooCommerce shop sells in IDR), as an accountant would in
/// Odoo's settings before taking such orders.
async fn activate_currency(odoo: &OdooClient, code: &str) -> Result<()> {
    let context = serde_json::json!({"active_test": false})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let opts = spine_odoo::SearchOpts {
        context: Some(context),
        ..Default::default()
    };
    let domain = spine_odoo::Domain::all().eq("name", code);
    let ids = odoo.search("res.currency", &domain, &opts).await?;
    let active = serde_json::json!({"active": true})
        .as_object()
        .cloned()
        .unwrap_or_default();
    odoo.write("res.currency", &ids, &active).await?;
    Ok(())
}

impl Spine {
    /// The work queue and DLQ URLs of every flow.
    pub fn flow_queues(&self) -> Vec<(Flow, spine_aws::queue::FlowQueues)> {
        let urls = &self.host.stack.queue_urls;
        let name = |flow: Flow| match flow {
            Flow::Order => "Order",
            Flow::Payment => "Payment",
            Flow::Refund => "Refund",
            Flow::Shipment => "Shipment",
        };
        Flow::ALL
            .into_iter()
            .filter_map(|flow| {
                let queue_url = urls.get(&format!("{}Queue", name(flow)))?.clone();
                let dlq_url = urls.get(&format!("{}Dlq", name(flow)))?.clone();
                Some((flow, spine_aws::queue::FlowQueues { queue_url, dlq_url }))
            })
            .collect()
    }

    /// Shortens the work queues' visibility timeout, so a batch whose process was
    /// killed comes back in `visibility` rather than the template's six minutes.
    async fn set_visibility(&self, visibility: std::time::Duration) -> Result<()> {
        for (_, queues) in self.flow_queues() {
            self.sqs
                .set_queue_attributes()
                .queue_url(&queues.queue_url)
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
                    visibility.as_secs().to_string(),
                )
                .send()
                .await
                .context("setting the visibility timeout")?;
        }
        Ok(())
    }

    /// Rotates the Odoo API key: the simulator stops accepting the old key at once, and
    /// a new version of the Odoo secret carries the new one (what an operator does).
    /// On a real Odoo only the secret gets a new version with the same key.
    pub async fn rotate_odoo_key(&self) -> Result<()> {
        let key = match &self.host.sim {
            Some(sim) => {
                let key = format!("rotated-{}", uuid::Uuid::new_v4().simple());
                sim.rotate_api_key(&key);
                key
            }
            None => self.odoo_config.api_key.expose_secret().to_owned(),
        };
        let secret = serde_json::json!({
            "url": self.odoo_config.url.as_str(), "db": self.odoo_config.database,
            "login": self.odoo_config.login, "api_key": key, "protocol": "auto",
        });
        let name = self
            .host
            .stack
            .parameters
            .get("OdooSecretName")
            .context("OdooSecretName")?;
        self.secrets
            .put_secret_value()
            .secret_id(name)
            .secret_string(secret.to_string())
            .send()
            .await
            .context("new version of the Odoo secret")?;
        self.odoo.set_api_key(SecretString::from(key)).await;
        Ok(())
    }

    /// Stops everything.
    pub async fn shutdown(self) {
        self.host.shutdown().await;
    }
}
