//! The simulated models and their fields, and the demo data every fresh server holds.

use serde_json::{Value, json};

use crate::config::SimConfig;
use crate::orm::env::Registry;
use crate::orm::schema::{Field, Kind, Model};
use crate::orm::store::Store;

fn f(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field::new(name, label, kind)
}

fn model(name: &'static str, label: &'static str, fields: Vec<Field>) -> (&'static str, Model) {
    (name, Model { name, label, fields })
}

const SO_STATE: &[&str] = &["draft", "sent", "sale", "cancel"];
const INV_STATUS: &[&str] = &["upselling", "invoiced", "to invoice", "no"];
const MOVE_TYPE: &[&str] = &["entry", "out_invoice", "out_refund", "in_invoice", "in_refund"];
const MOVE_STATE: &[&str] = &["draft", "posted", "cancel"];
const PAY_STATE: &[&str] = &["not_paid", "in_payment", "paid", "partial", "reversed"];
const PICK_STATE: &[&str] = &["draft", "waiting", "confirmed", "assigned", "done", "cancel"];
const JOURNAL_TYPE: &[&str] = &["sale", "purchase", "cash", "bank", "general"];
const LOCATION_USAGE: &[&str] = &[
    "supplier",
    "view",
    "internal",
    "customer",
    "inventory",
    "production",
    "transit",
];

/// Every model the simulator serves; `stock.picking` has `carrier_tracking_ref` only
/// when `stock_delivery` is configured.
pub fn registry(cfg: &SimConfig) -> Registry {
    use Kind::*;
    let mut picking = vec![
        f("name", "Reference", Char),
        f("origin", "Source Document", Char),
        f("sale_id", "Sales Order", Many2one("sale.order")),
        f("partner_id", "Contact", Many2one("res.partner")),
        f("state", "Status", Selection(PICK_STATE)),
        f("move_ids", "Stock Moves", One2many("stock.move", "picking_id")),
    ];
    if cfg.stock_delivery {
        picking.push(f("carrier_tracking_ref", "Tracking Reference", Char));
    }
    [
        model(
            "res.partner",
            "Contact",
            vec![
                f("name", "Name", Char).required(),
                f("email", "Email", Char),
                f("phone", "Phone", Char),
                f("customer_rank", "Customer Rank", Integer),
                f("active", "Active", Boolean),
                f("parent_id", "Related Company", Many2one("res.partner")),
                f("child_ids", "Contact", One2many("res.partner", "parent_id")),
            ],
        ),
        model(
            "product.product",
            "Product Variant",
            vec![
                f("name", "Name", Char).required(),
                f("default_code", "Internal Reference", Char),
                f("list_price", "Sales Price", Float),
                f("is_storable", "Track Inventory", Boolean),
                f("type", "Product Type", Selection(&["consu", "service", "combo"])),
                f("active", "Active", Boolean),
                f("qty_available", "Quantity On Hand", Float).computed(),
                f("free_qty", "Free To Use Quantity ", Float).computed(),
                f("virtual_available", "Forecasted Quantity", Float).computed(),
            ],
        ),
        model(
            "res.currency",
            "Currency",
            vec![
                f("name", "Currency", Char).required(),
                f("symbol", "Symbol", Char),
                f("active", "Active", Boolean),
            ],
        ),
        model(
            "res.company",
            "Companies",
            vec![
                f("name", "Company Name", Char).required(),
                f("currency_id", "Currency", Many2one("res.currency")),
            ],
        ),
        model(
            "res.groups",
            "Access Groups",
            vec![f("name", "Name", Char).required()],
        ),
        model(
            "res.users",
            "User",
            vec![
                f("name", "Name", Char),
                f("login", "Login", Char).required(),
                f("active", "Active", Boolean),
                f("group_ids", "Groups", Many2many("res.groups")),
            ],
        ),
        model(
            "res.users.apikeys",
            "API Key",
            vec![f("name", "Description", Char)],
        ),
        model(
            "account.journal",
            "Journal",
            vec![
                f("name", "Journal Name", Char).required(),
                f("code", "Short Code", Char),
                f("type", "Type", Selection(JOURNAL_TYPE)),
                f("active", "Active", Boolean),
            ],
        ),
        model(
            "sale.order",
            "Sales Order",
            vec![
                f("name", "Order Reference", Char),
                f("partner_id", "Customer", Many2one("res.partner")).required(),
                f("client_order_ref", "Customer Reference", Char),
                f("currency_id", "Currency", Many2one("res.currency")),
                f(
                    "order_line",
                    "Order Lines",
                    One2many("sale.order.line", "order_id"),
                ),
                f("state", "Status", Selection(SO_STATE)),
                f("invoice_status", "Invoice Status", Selection(INV_STATUS)),
                f("amount_untaxed", "Untaxed Amount", Monetary),
                f("amount_tax", "Taxes", Monetary),
                f("amount_total", "Total", Monetary),
                f("picking_ids", "Transfers", Many2many("stock.picking")),
                f("invoice_ids", "Invoices", Many2many("account.move")),
                f("date_order", "Order Date", Datetime),
            ],
        ),
        model(
            "sale.order.line",
            "Sales Order Line",
            vec![
                f("order_id", "Order Reference", Many2one("sale.order")).required(),
                f("product_id", "Product", Many2one("product.product")),
                f("name", "Description", Text),
                f("product_uom_qty", "Quantity", Float),
                f("price_unit", "Unit Price", Float),
                f("discount", "Discount (%)", Float),
                f("price_subtotal", "Subtotal", Monetary),
            ],
        ),
        model(
            "account.move",
            "Journal Entry",
            vec![
                f("name", "Number", Char),
                f("move_type", "Type", Selection(MOVE_TYPE)),
                f("state", "Status", Selection(MOVE_STATE)),
                f("partner_id", "Partner", Many2one("res.partner")),
                f("invoice_origin", "Origin", Char),
                f("ref", "Reference", Char),
                f("currency_id", "Currency", Many2one("res.currency")),
                f("journal_id", "Journal", Many2one("account.journal")),
                f("invoice_date", "Invoice/Bill Date", Date),
                f("amount_untaxed", "Untaxed Amount", Monetary),
                f("amount_tax", "Tax", Monetary),
                f("amount_total", "Total", Monetary),
                f("amount_residual", "Amount Due", Monetary),
                f("payment_state", "Payment Status", Selection(PAY_STATE)),
                f("reversed_entry_id", "Reversal of", Many2one("account.move")),
                f(
                    "invoice_line_ids",
                    "Invoice lines",
                    One2many("account.move.line", "move_id"),
                ),
            ],
        ),
        model(
            "account.move.line",
            "Journal Item",
            vec![
                f("move_id", "Journal Entry", Many2one("account.move")).required(),
                f("product_id", "Product", Many2one("product.product")),
                f("name", "Label", Char),
                f("quantity", "Quantity", Float),
                f("price_unit", "Unit Price", Float),
                f("price_subtotal", "Subtotal", Monetary),
            ],
        ),
        model(
            "account.payment",
            "Payments",
            vec![
                f("name", "Number", Char),
                f("amount", "Amount", Monetary),
                f("memo", "Memo", Char),
                f("journal_id", "Journal", Many2one("account.journal")),
                f("date", "Date", Date),
                f("partner_id", "Customer/Vendor", Many2one("res.partner")),
                f("currency_id", "Currency", Many2one("res.currency")),
                f(
                    "state",
                    "Status",
                    Selection(&["draft", "in_process", "paid", "canceled", "rejected"]),
                ),
                f("invoice_ids", "Invoices", Many2many("account.move")),
            ],
        ),
        model(
            "sale.advance.payment.inv",
            "Sales Advance Payment Invoice",
            vec![
                f(
                    "advance_payment_method",
                    "Create Invoice",
                    Selection(&["delivered", "percentage", "fixed"]),
                ),
                f("sale_order_ids", "Sales Orders", Many2many("sale.order")),
            ],
        ),
        model(
            "account.payment.register",
            "Pay",
            vec![
                f("journal_id", "Journal", Many2one("account.journal")),
                f("amount", "Amount", Monetary),
                f("payment_date", "Payment Date", Date),
                f("communication", "Memo", Char),
                f("move_ids", "Invoices", Many2many("account.move")),
            ],
        ),
        model(
            "account.move.reversal",
            "Account Move Reversal",
            vec![
                f("reason", "Reason displayed on Credit Note", Char),
                f("journal_id", "Journal", Many2one("account.journal")),
                f("date", "Reversal date", Date),
                f("move_ids", "Moves", Many2many("account.move")),
            ],
        ),
        model("stock.picking", "Transfer", picking),
        model(
            "stock.move",
            "Stock Move",
            vec![
                f("picking_id", "Transfer", Many2one("stock.picking")),
                f("product_id", "Product", Many2one("product.product")).required(),
                f("product_uom_qty", "Demand", Float),
                f("quantity", "Quantity", Float),
                f("state", "Status", Selection(PICK_STATE)),
            ],
        ),
        model(
            "stock.location",
            "Inventory Locations",
            vec![
                f("name", "Location Name", Char).required(),
                f("complete_name", "Full Location Name", Char),
                f("usage", "Location Type", Selection(LOCATION_USAGE)),
                f("active", "Active", Boolean),
            ],
        ),
        model(
            "stock.warehouse",
            "Warehouse",
            vec![
                f("name", "Warehouse", Char).required(),
                f("code", "Short Name", Char).required(),
                f("lot_stock_id", "Location Stock", Many2one("stock.location")),
                f("active", "Active", Boolean),
            ],
        ),
        model(
            "stock.quant",
            "Quants",
            vec![
                f("product_id", "Product", Many2one("product.product")).required(),
                // Required in Odoo. Optional here so that callers booking simulator stock
                // with a bare `quantity` keep working: stock is summed over every quant.
                f("location_id", "Location", Many2one("stock.location")),
                f("quantity", "Quantity", Float),
                f("inventory_quantity", "Counted Quantity", Float),
            ],
        ),
        model(
            "ir.model.data",
            "Model Data",
            vec![
                f("module", "Module", Char).required(),
                f("name", "External Identifier", Char).required(),
                f("model", "Model Name", Char).required(),
                f("res_id", "Record ID", Integer),
                f("noupdate", "Non Updatable", Boolean),
            ],
        ),
    ]
    .into_iter()
    .collect()
}

fn put(store: &mut Store, model: &'static str, v: Value) -> i64 {
    store.insert(model, v.as_object().cloned().unwrap_or_default())
}

/// The demo data of a fresh database: company in USD, EUR and IDR inactive, the admin
/// user (uid 2), sale/bank/cash journals, external ids for the `base` records, and the
/// company's warehouse `WH` with its internal stock location `WH/Stock`.
pub fn seed(store: &mut Store, cfg: &SimConfig) {
    let usd = put(
        store,
        "res.currency",
        json!({"name": "USD", "symbol": "$", "active": true}),
    );
    let eur = put(
        store,
        "res.currency",
        json!({"name": "EUR", "symbol": "€", "active": false}),
    );
    let idr = put(
        store,
        "res.currency",
        json!({"name": "IDR", "symbol": "Rp", "active": false}),
    );
    let company = put(
        store,
        "res.company",
        json!({"name": "YourCompany", "currency_id": usd}),
    );
    put(
        store,
        "res.partner",
        json!({"name": "YourCompany", "active": true, "customer_rank": 0}),
    );
    let admin_partner = put(
        store,
        "res.partner",
        json!({"name": "Mitchell Admin", "active": true}),
    );
    let g1 = put(store, "res.groups", json!({"name": "Role / Administrator"}));
    let g2 = put(store, "res.groups", json!({"name": "Sales / Administrator"}));
    let g3 = put(store, "res.groups", json!({"name": "Invoicing / Administrator"}));
    put(
        store,
        "res.users",
        json!({"name": "OdooBot", "login": "__system__", "active": false, "group_ids": []}),
    );
    let admin = put(
        store,
        "res.users",
        json!({"name": "Mitchell Admin", "login": cfg.login, "active": true, "group_ids": [g1, g2, g3]}),
    );
    put(
        store,
        "account.journal",
        json!({"name": "Customer Invoices", "code": "INV", "type": "sale", "active": true}),
    );
    put(
        store,
        "account.journal",
        json!({"name": "Bank", "code": "BNK1", "type": "bank", "active": true}),
    );
    put(
        store,
        "account.journal",
        json!({"name": "Cash", "code": "CSH1", "type": "cash", "active": true}),
    );
    let stock = put(
        store,
        "stock.location",
        json!({"name": "Stock", "complete_name": "WH/Stock", "usage": "internal", "active": true}),
    );
    put(
        store,
        "stock.warehouse",
        json!({"name": "YourCompany", "code": "WH", "lot_stock_id": stock, "active": true}),
    );
    let xids = [
        ("USD", "res.currency", usd),
        ("EUR", "res.currency", eur),
        ("IDR", "res.currency", idr),
        ("main_company", "res.company", company),
        ("partner_admin", "res.partner", admin_partner),
        ("user_admin", "res.users", admin),
    ];
    for (name, model, id) in xids {
        put(
            store,
            "ir.model.data",
            json!({"module": "base", "name": name, "model": model, "res_id": id, "noupdate": true}),
        );
    }
}
