//! Settings from the environment. One test in its own binary, because it changes the
//! process environment.

use stock_push::{ChannelsFrom, HandlerError, OdooFrom, Settings};

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

fn err() -> String {
    match Settings::from_env() {
        Err(e) => format!("{:#}", anyhow::Error::from(e)),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

#[test]
fn settings_fail_fast_with_the_variable_named() {
    for name in [
        "STOCK_TABLE",
        "STOCK_CHANNELS",
        "STOCK_CHANNELS_SECRET",
        "ODOO_SECRET_ID",
        "STOCK_PAGE_SIZE",
        "ODOO_URL",
    ] {
        set(name, None);
    }
    assert!(err().contains("STOCK_TABLE"));
    set("STOCK_TABLE", Some("stock"));
    assert!(err().contains("STOCK_CHANNELS"));
    set("STOCK_CHANNELS", Some(r#"{"channels": [{"name": "x"}]}"#));
    assert!(matches!(Settings::from_env(), Err(HandlerError::Config(_))));
    set("STOCK_CHANNELS", None);
    set("STOCK_CHANNELS_SECRET", Some("odoo-spine/channels"));
    assert!(err().contains("ODOO_SECRET_ID"));
    set("ODOO_SECRET_ID", Some("odoo-spine/odoo"));
    set("STOCK_PAGE_SIZE", Some("0"));
    assert!(err().contains("STOCK_PAGE_SIZE"));
    set("STOCK_PAGE_SIZE", Some("2000"));
    let s = Settings::from_env().expect("valid");
    assert_eq!((s.table.as_str(), s.page_size), ("stock", 2000));
    assert!(matches!(s.channels, ChannelsFrom::Secret(ref n) if n == "odoo-spine/channels"));
    assert!(matches!(s.odoo, OdooFrom::Secret(ref n) if n == "odoo-spine/odoo"));
}
