//! External ids in Odoo (`ir.model.data`): finding several in one round trip, and
//! registering the ones Odoo's wizards cannot set themselves.

use std::collections::HashMap;

use serde_json::{Value, json};
use spine_core::ExternalId;
use spine_core::ids::EXTERNAL_ID_MODULE;
use spine_odoo::{OdooClient, Record};

use crate::error::SyncError;

/// The records behind some external ids: full id (`spine.x`) to (model, database id).
#[derive(Debug, Default)]
pub(crate) struct Known(HashMap<String, (String, i64)>);

impl Known {
    /// The database id behind `xid`, when it exists and points at `model`.
    pub(crate) fn id(&self, xid: &ExternalId, model: &str) -> Option<i64> {
        self.0
            .get(xid.as_str())
            .filter(|(m, _)| m == model)
            .map(|(_, id)| *id)
    }
}

/// Looks up every id of `xids` (all in the spine's module) in one `search_read`.
pub(crate) async fn lookup(odoo: &OdooClient, xids: &[&ExternalId]) -> Result<Known, SyncError> {
    let names: Vec<&str> = xids.iter().map(|x| x.name()).collect();
    let rows = odoo
        .external_ids(EXTERNAL_ID_MODULE, &names)
        .await
        .map_err(SyncError::odoo("look up external ids"))?;
    let known = rows
        .into_iter()
        .map(|row| {
            (
                format!("{EXTERNAL_ID_MODULE}.{}", row.name),
                (row.model, row.res_id),
            )
        })
        .collect::<HashMap<_, _>>();
    Ok(known.into())
}

impl From<HashMap<String, (String, i64)>> for Known {
    fn from(map: HashMap<String, (String, i64)>) -> Self {
        Self(map)
    }
}

/// Registers external ids for records a wizard created, in one `create`. Not repeated
/// by the client once sent; a lost answer is a transient error, and the flow's next
/// attempt finds the ids by [`lookup`] instead of registering them twice.
pub(crate) async fn register(
    odoo: &OdooClient,
    entries: &[(&ExternalId, &str, i64)],
) -> Result<(), SyncError> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows: Vec<Record> = entries
        .iter()
        .map(|(xid, model, id)| {
            let mut row = Record::new();
            row.insert("module".into(), json!(xid.module()));
            row.insert("name".into(), json!(xid.name()));
            row.insert("model".into(), json!(model));
            row.insert("res_id".into(), json!(id));
            // Updating a module must never overwrite what the spine registered.
            row.insert("noupdate".into(), json!(true));
            row
        })
        .collect();
    odoo.create("ir.model.data", &rows)
        .await
        .map_err(SyncError::odoo("register external ids"))?;
    Ok(())
}

/// The integer of a many2one answer (`[id, "name"]`) or a plain id.
pub(crate) fn m2o_id(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Array(pair) => pair.first().and_then(Value::as_i64),
        other => other.as_i64(),
    }
}

/// The display name of a many2one answer (`[id, "name"]`).
pub(crate) fn m2o_name(value: Option<&Value>) -> Option<&str> {
    value?.as_array()?.get(1)?.as_str()
}

/// The ids of an x2many answer.
pub(crate) fn ids(value: Option<&Value>) -> Vec<i64> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// A text field (`false` when empty in Odoo) as a string.
pub(crate) fn text<'a>(record: &'a Record, field: &str) -> &'a str {
    record.get(field).and_then(Value::as_str).unwrap_or("")
}

/// The `res_id` of a window action a wizard answered, when it names one record.
pub(crate) fn action_res_id(answer: &Value) -> Option<i64> {
    answer.get("res_id").and_then(Value::as_i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_answers_are_read_in_every_shape() {
        assert_eq!(m2o_id(Some(&json!([4, "USD"]))), Some(4));
        assert_eq!(m2o_id(Some(&json!(4))), Some(4));
        assert_eq!(m2o_id(Some(&json!(false))), None);
        assert_eq!(m2o_name(Some(&json!([4, "USD"]))), Some("USD"));
        assert_eq!(ids(Some(&json!([1, 2]))), vec![1, 2]);
        assert!(ids(Some(&json!(false))).is_empty());
        assert_eq!(action_res_id(&json!({"res_id": 9})), Some(9));
        assert_eq!(action_res_id(&json!({"res_id": false})), None);
    }

    #[test]
    fn known_ids_are_checked_against_their_model() {
        let xid = ExternalId::from_parts(&["shopify", "order", "1"]);
        let mut map = HashMap::new();
        map.insert(xid.as_str().to_owned(), ("sale.order".to_owned(), 7));
        let known = Known::from(map);
        assert_eq!(known.id(&xid, "sale.order"), Some(7));
        assert_eq!(known.id(&xid, "res.partner"), None);
    }
}
