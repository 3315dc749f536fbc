//! The Odoo under test, shared by every crate's Odoo tests: the project's simulator by
//! default, or a real Odoo when `ODOO_URL`, `ODOO_DB`, `ODOO_LOGIN` and `ODOO_API_KEY`
//! (and optionally `ODOO_PROTOCOL`) are set.
//!
//! Tests run every scenario on each protocol [`Target::protocols`] names, and name what
//! they create with [`unique`] so that runs against one real database never collide.
//! Tests that need the simulator's fault injection ask for it with [`Target::sim_only`],
//! which says out loud that the scenario was skipped on a real server.

use std::time::Duration;

use odoo_sim::{SimConfig, SimHandle};
use secrecy::SecretString;
use serde_json::{Value, json};
use spine_odoo::{Domain, Kwargs, OdooClient, OdooConfig, Protocol, Record, RetryPolicy, SearchOpts};

/// The Odoo a test talks to.
pub struct Target {
    /// The simulator, when no real Odoo is configured.
    pub sim: Option<SimHandle>,
    config: OdooConfig,
    protocols: Vec<Protocol>,
}

/// The simulator with default settings unless `ODOO_URL` (with `ODOO_DB`, `ODOO_LOGIN`,
/// `ODOO_API_KEY`, optional `ODOO_PROTOCOL`) points at a real Odoo.
pub async fn target() -> Target {
    target_with(SimConfig::default()).await
}

/// Like [`target`], with this simulator configuration when the simulator is used.
///
/// Panics (test code) when the `ODOO_*` variables are set but invalid, or when the
/// simulator cannot bind a port.
pub async fn target_with(sim_config: SimConfig) -> Target {
    match OdooConfig::from_env() {
        Ok(Some(config)) => {
            // A real server: run every scenario on the protocol asked for, or on both.
            let protocols = match config.protocol {
                Protocol::Auto => vec![Protocol::Json2, Protocol::JsonRpc],
                p => vec![p],
            };
            eprintln!("odoo tests: real Odoo at {} (db {})", config.url, config.database);
            Target {
                sim: None,
                config: fast(config),
                protocols,
            }
        }
        Ok(None) => {
            let key = SecretString::from(sim_config.api_key.clone());
            let (db, login) = (sim_config.database.clone(), sim_config.login.clone());
            let sim = SimHandle::start(sim_config)
                .await
                .expect("simulator starts on a free port");
            let config = OdooConfig::new(&sim.url(), &db, &login, key).expect("simulator URL is valid");
            Target {
                sim: Some(sim),
                config: fast(config),
                protocols: vec![Protocol::Json2, Protocol::JsonRpc],
            }
        }
        Err(e) => panic!("ODOO_* environment is set but invalid: {e}"),
    }
}

/// Short timeouts and quick retries, so fault tests run fast.
fn fast(config: OdooConfig) -> OdooConfig {
    config
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(10))
        .with_retry(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        })
}

impl Target {
    /// The protocols every scenario runs on.
    pub fn protocols(&self) -> Vec<Protocol> {
        self.protocols.clone()
    }

    /// True when the target is a real Odoo (no fault injection, shared data).
    pub fn is_real(&self) -> bool {
        self.sim.is_none()
    }

    /// The base configuration (URL, database, login, key) for a protocol.
    pub fn config(&self, protocol: Protocol) -> OdooConfig {
        self.config.clone().with_protocol(protocol)
    }

    /// A fresh client (own uid cache and metrics) speaking `protocol`.
    pub fn client(&self, protocol: Protocol) -> OdooClient {
        OdooClient::new(self.config(protocol)).expect("client builds")
    }

    /// The simulator, for tests that need fault injection or a second server. On a real
    /// Odoo those tests are skipped, and say so.
    pub fn sim_only(&self, test: &str) -> Option<&SimHandle> {
        if self.sim.is_none() {
            eprintln!("{test}: SKIPPED on a real Odoo (needs the simulator's fault injection or settings)");
        }
        self.sim.as_ref()
    }
}

/// A name unique across runs, so tests against a real Odoo never collide.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}_{nanos:x}_{:04x}", fastrand::u16(..))
}

/// A record from a JSON object literal. Panics (test code) on anything else.
pub fn rec(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Context from a JSON object literal.
pub fn ctx(value: Value) -> Kwargs {
    rec(value)
}

/// Creates a storable product with this SKU and answers its id.
pub async fn product(odoo: &OdooClient, sku: &str) -> i64 {
    let vals = rec(
        json!({"name": format!("Product {sku}"), "default_code": sku, "is_storable": true, "list_price": 10.0}),
    );
    odoo.create("product.product", &[vals])
        .await
        .expect("product created")[0]
}

/// Sets a storable product's on-hand quantity in the stock location of the database's
/// first warehouse (lowest id; `WH/Stock` on a fresh database), the way a real Odoo 19
/// takes it: an inventory adjustment. The product's quant there gets the counted
/// `inventory_quantity` (created when there is none), written in `inventory_mode`, and
/// `action_apply_inventory` books the difference, so a later call replaces the level
/// rather than adding to it. Four round trips.
///
/// The simulator also takes a bare `quantity` on a quant without a location; a real Odoo
/// requires the location and books stock through the moves this adjustment creates.
/// Panics (test code) when a call fails or Odoo answers a wizard instead of applying.
pub async fn set_on_hand(odoo: &OdooClient, product: i64, quantity: f64) {
    let first = SearchOpts {
        limit: Some(1),
        order: Some("id asc".into()),
        ..SearchOpts::default()
    };
    let warehouses = odoo
        .search_read("stock.warehouse", &Domain::all(), &["lot_stock_id"], &first)
        .await
        .expect("warehouses readable");
    let location = warehouses
        .first()
        .and_then(|w| w.get("lot_stock_id")?.get(0)?.as_i64())
        .expect("a warehouse with a stock location");
    let inventory = ctx(json!({"inventory_mode": true}));
    let here = Domain::all()
        .eq("product_id", product)
        .eq("location_id", location);
    let quants = odoo
        .search("stock.quant", &here, &SearchOpts::default())
        .await
        .expect("quants readable");
    let quant = match quants.first() {
        Some(&quant) => {
            let vals = rec(json!({"vals": {"inventory_quantity": quantity}}));
            odoo.call("stock.quant", "write", &[quant], vals, Some(&inventory))
                .await
                .expect("quantity counted");
            quant
        }
        None => {
            let vals =
                rec(json!({"product_id": product, "location_id": location, "inventory_quantity": quantity}));
            odoo.create_with_context("stock.quant", &[vals], Some(&inventory))
                .await
                .expect("quantity counted")[0]
        }
    };
    let applied = odoo
        .call(
            "stock.quant",
            "action_apply_inventory",
            &[quant],
            Kwargs::new(),
            Some(&inventory),
        )
        .await
        .expect("count applied");
    assert!(
        !applied.is_object(),
        "Odoo answered a wizard instead of applying the count: {applied}"
    );
}

/// The id of the database's first bank journal (lowest id): what the payment flows book
/// into when a test configures no journal of its own. Panics (test code) when there is none.
pub async fn bank_journal(odoo: &OdooClient) -> i64 {
    let first = SearchOpts {
        limit: Some(1),
        order: Some("id asc".into()),
        ..SearchOpts::default()
    };
    let ids = odoo
        .search("account.journal", &Domain::all().eq("type", "bank"), &first)
        .await
        .expect("journals readable");
    *ids.first().expect("a bank journal exists")
}
