use super::*;
use serde_json::json;

fn one(channel: serde_json::Value) -> Result<Vec<ChannelConfig>, ConfigError> {
    parse_channels(&json!({ "channels": [channel] }).to_string())
}

fn woo() -> serde_json::Value {
    json!({"name": "woo-eu", "kind": "woocommerce", "base_url": "https://shop.example",
           "credentials_secret": "spine/woo-eu", "buffer": 2, "sku_map": {"SKU-1": "17"}})
}

#[test]
fn a_valid_channel_is_read_with_its_defaults() {
    let channels = one(woo()).expect("valid");
    let c = &channels[0];
    assert_eq!(c.name.as_str(), "woo-eu");
    assert_eq!(c.kind, ChannelKind::Woocommerce);
    assert_eq!(c.scope, StockScope::All);
    assert_eq!(c.buffer, 2);
    assert_eq!(c.batch_size, 100);
    assert_eq!(
        c.sku_map
            .get(&Sku::parse("SKU-1").expect("sku"))
            .map(String::as_str),
        Some("17")
    );
}

#[test]
fn a_location_or_a_warehouse_sets_the_scope_but_not_both() {
    let mut c = woo();
    c["warehouse_id"] = json!(3);
    assert_eq!(one(c.clone()).expect("valid")[0].scope, StockScope::Warehouse(3));
    c["location_id"] = json!(8);
    let err = one(c).expect_err("both");
    assert!(err.to_string().contains("not both"), "{err}");
}

#[test]
fn shopify_needs_a_location_gid() {
    let c = json!({"name": "shopify", "kind": "shopify", "base_url": "https://x.myshopify.com",
                   "credentials_secret": "s"});
    let err = one(c).expect_err("no location");
    assert!(err.to_string().contains("shopify_location_id"), "{err}");
}

#[test]
fn bad_values_are_clear_errors() {
    let cases = [
        ("base_url", json!("ftp://x"), "base_url"),
        ("batch_size", json!(101), "batch_size"),
        ("batch_size", json!(0), "batch_size"),
        ("name", json!("Bad Name"), "name"),
        ("credentials_secret", json!(" "), "credentials_secret"),
        ("location_id", json!(-1), "positive"),
        ("colour", json!("blue"), "unknown field"),
    ];
    for (field, value, expected) in cases {
        let mut c = woo();
        c[field] = value;
        let err = one(c).expect_err(field);
        assert!(err.to_string().contains(expected), "{field}: {err}");
    }
}

#[test]
fn duplicate_names_and_non_json_are_refused() {
    let twice = json!({"channels": [woo(), woo()]}).to_string();
    assert!(matches!(parse_channels(&twice), Err(ConfigError::Duplicate(n)) if n == "woo-eu"));
    assert!(matches!(parse_channels("{"), Err(ConfigError::Json { .. })));
    assert!(matches!(parse_channels("[]"), Err(ConfigError::Json { .. })));
}

#[test]
fn a_bad_sku_in_the_map_is_refused() {
    let mut c = woo();
    c["sku_map"] = json!({" SKU": "1"});
    assert!(matches!(one(c), Err(ConfigError::Id { field: "sku_map", .. })));
}
