//! What a flow did in Odoo: the records it touched (the ledger stores them with the
//! APPLIED status, reconciliation follows them) and what it had to flag.

use serde::{Deserialize, Serialize};

/// One Odoo record a flow created, updated or found already applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Touched {
    /// The Odoo model, e.g. `sale.order`.
    pub model: String,
    /// The record's database id.
    pub id: i64,
    /// The spine's external id of the record, when it has one.
    pub xid: Option<String>,
}

impl Touched {
    pub(crate) fn new(model: &str, id: i64, xid: Option<&spine_core::ExternalId>) -> Self {
        Self {
            model: model.to_owned(),
            id,
            xid: xid.map(|x| x.as_str().to_owned()),
        }
    }
}

/// The result of one successfully applied event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The records written or confirmed as already there, main record first.
    pub touched: Vec<Touched>,
    /// True when Odoo already held the event's effect and nothing was written.
    pub already_applied: bool,
    /// Odoo HTTP round trips this event cost (from the client's counter; exact when the
    /// client is not shared with concurrent work).
    pub round_trips: u64,
    /// Things an operator should look at although the event applied, e.g. a payment
    /// that does not match the invoice's residual.
    pub flags: Vec<String>,
}

impl Applied {
    /// The touched records as `model:id` strings, the form the ledger stores.
    pub fn record_refs(&self) -> Vec<String> {
        self.touched
            .iter()
            .map(|t| format!("{}:{}", t.model, t.id))
            .collect()
    }

    pub(crate) fn touch(&mut self, model: &str, id: i64, xid: Option<&spine_core::ExternalId>) {
        let record = Touched::new(model, id, xid);
        if !self.touched.contains(&record) {
            self.touched.push(record);
        }
    }
}
