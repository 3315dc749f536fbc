//! Odoo for the local run: the simulator (seeded with the demo catalog, and its bank
//! journal found for payments) unless a real Odoo is configured.

use anyhow::{Context, Result};
use odoo_sim::SimHandle;

/// Currencies the samples use besides the company's: activated in the simulator, as an
/// Odoo admin would in the accounting settings (a fresh Odoo has them inactive).
pub const SAMPLE_CURRENCIES: &[&str] = &["IDR"];

/// The template parameter naming the bank journal of payments from unnamed sources.
pub const PARAM_DEFAULT_BANK_JOURNAL: &str = "DefaultBankJournal";

/// The products the simulator is seeded with: every SKU the samples order.
pub const DEMO_CATALOG: &[(&str, &str, f64, f64)] = &[
    ("MUG-01", "Enamel mug", 12.5, 40.0),
    ("CUP-02", "Espresso cup", 8.0, 50.0),
    ("STK-PACK", "Sticker pack", 4.0, 200.0),
    ("TEE-BLK-M", "T-shirt black M", 25.0, 30.0),
    ("KOPI-ARB-250", "Arabica coffee 250 g", 85000.0, 60.0),
    ("GELAS-01", "Glass", 15000.0, 80.0),
];

/// Odoo as the local host runs it.
pub struct LocalOdoo {
    /// The Odoo secret's JSON value (`{"url","db","login","api_key","protocol"}`).
    pub secret: serde_json::Value,
    /// The simulator, when no real Odoo is configured.
    pub sim: Option<SimHandle>,
    /// The simulator's bank journal id (`account.journal` of type `bank`), so local
    /// payments are applied rather than parked for want of a journal. `None` for a real
    /// Odoo: which journal takes payments is its owner's decision.
    pub bank_journal: Option<i64>,
}

/// Starts the simulator (seeded with [`DEMO_CATALOG`]) unless `real` names an Odoo.
pub async fn start(real: Option<&spine_odoo::OdooConfig>, sim: &odoo_sim::SimConfig) -> Result<LocalOdoo> {
    if let Some(config) = real {
        return Ok(LocalOdoo {
            secret: spine_aws::secrets::OdooSecret::value_of(config),
            sim: None,
            bank_journal: None,
        });
    }
    let handle = SimHandle::start(sim.clone())
        .await
        .context("starting the Odoo simulator")?;
    let config = spine_odoo::OdooConfig::new(
        &handle.url(),
        &sim.database,
        &sim.login,
        secrecy::SecretString::from(sim.api_key.clone()),
    )?;
    let secret = spine_aws::secrets::OdooSecret::value_of(&config);
    let client = spine_odoo::OdooClient::new(config)?;
    seed_catalog(&client, true).await?;
    activate_currencies(&client, SAMPLE_CURRENCIES).await?;
    let bank_journal = bank_journal(&client)
        .await?
        .context("the Odoo simulator has no bank journal (account.journal of type bank)")?;
    Ok(LocalOdoo {
        secret,
        sim: Some(handle),
        bank_journal: Some(bank_journal),
    })
}

/// Makes the named currencies active (the simulator only: on a real Odoo that is its
/// owner's decision, and an order in an inactive currency is rightly parked).
pub async fn activate_currencies(odoo: &spine_odoo::OdooClient, names: &[&str]) -> Result<()> {
    let domain = spine_odoo::Domain::all().is_in("name", names.to_vec());
    let mut context = spine_odoo::Kwargs::new();
    context.insert("active_test".to_owned(), serde_json::Value::Bool(false));
    let options = spine_odoo::SearchOpts {
        context: Some(context),
        ..Default::default()
    };
    let ids = odoo.search("res.currency", &domain, &options).await?;
    let mut active = spine_odoo::Record::new();
    active.insert("active".to_owned(), serde_json::Value::Bool(true));
    if !ids.is_empty() {
        odoo.write("res.currency", &ids, &active)
            .await
            .context("activating the samples' currencies in the simulator")?;
    }
    Ok(())
}

/// The id of the first active bank journal (lowest id), asked of Odoo itself.
pub async fn bank_journal(odoo: &spine_odoo::OdooClient) -> Result<Option<i64>> {
    let domain = spine_odoo::Domain::all().eq("type", "bank");
    let options = spine_odoo::SearchOpts {
        limit: Some(1),
        order: Some("id asc".to_owned()),
        ..Default::default()
    };
    let rows = odoo
        .search_read("account.journal", &domain, &["id"], &options)
        .await
        .context("looking up the bank journal in Odoo")?;
    Ok(rows
        .first()
        .and_then(|row| row.get("id"))
        .and_then(serde_json::Value::as_i64))
}

/// Creates the demo products that are not there yet (with stock when `with_stock`): the
/// simulator always, a real Odoo only when a test asks (never by `spine-local up`).
pub async fn seed_catalog(odoo: &spine_odoo::OdooClient, with_stock: bool) -> Result<()> {
    let codes: Vec<&str> = DEMO_CATALOG.iter().map(|(sku, ..)| *sku).collect();
    let domain = spine_odoo::Domain::all().is_in("default_code", codes);
    let existing = odoo
        .search_read(
            "product.product",
            &domain,
            &["default_code"],
            &spine_odoo::SearchOpts::default(),
        )
        .await?;
    let present: Vec<&str> = existing
        .iter()
        .filter_map(|r| r.get("default_code")?.as_str())
        .collect();
    let missing: Vec<_> = DEMO_CATALOG
        .iter()
        .filter(|(sku, ..)| !present.contains(sku))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let products: Vec<spine_odoo::Record> = missing
        .iter()
        .map(|(sku, name, price, _)| {
            let value = serde_json::json!({"default_code": sku, "name": name, "list_price": price, "is_storable": true});
            value.as_object().cloned().unwrap_or_default()
        })
        .collect();
    let ids = odoo.create("product.product", &products).await?;
    if !with_stock {
        // A real Odoo books stock through inventory adjustments on a location: leave it.
        return Ok(());
    }
    let quants: Vec<spine_odoo::Record> = ids
        .iter()
        .zip(&missing)
        .map(|(id, (_, _, _, qty))| {
            serde_json::json!({"product_id": id, "quantity": qty})
                .as_object()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    odoo.create("stock.quant", &quants).await?;
    Ok(())
}
