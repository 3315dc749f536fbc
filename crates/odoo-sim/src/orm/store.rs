//! The in-memory database: one table per model, copy-on-write so that each call can run
//! on a snapshot and be committed (or thrown away) as one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// One record's stored columns (relations as ids, many2many as id lists).
pub type Record = Map<String, Value>;

/// The rows of one model.
#[derive(Debug, Clone, Default)]
pub struct Table {
    next_id: i64,
    rows: BTreeMap<i64, Record>,
}

/// All tables plus the named sequences (order and invoice numbers).
///
/// Cloning is cheap: tables are shared until a transaction writes to them.
#[derive(Debug, Clone, Default)]
pub struct Store {
    tables: BTreeMap<&'static str, Arc<Table>>,
    sequences: BTreeMap<String, i64>,
}

impl Store {
    /// The stored record, if it exists.
    pub fn get(&self, model: &str, id: i64) -> Option<&Record> {
        self.tables.get(model)?.rows.get(&id)
    }

    /// Every id of the model, ascending.
    pub fn ids(&self, model: &str) -> Vec<i64> {
        self.tables
            .get(model)
            .map(|t| t.rows.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Every record of the model, ascending by id.
    pub fn rows(&self, model: &str) -> impl Iterator<Item = (i64, &Record)> {
        self.tables
            .get(model)
            .into_iter()
            .flat_map(|t| t.rows.iter().map(|(id, r)| (*id, r)))
    }

    fn table_mut(&mut self, model: &'static str) -> &mut Table {
        Arc::make_mut(self.tables.entry(model).or_default())
    }

    /// Stores a new record and returns its id (ids start at 1 and are never reused).
    pub fn insert(&mut self, model: &'static str, record: Record) -> i64 {
        let table = self.table_mut(model);
        table.next_id += 1;
        let id = table.next_id;
        table.rows.insert(id, record);
        id
    }

    /// Sets one column of an existing record; a missing record is left alone.
    pub fn set(&mut self, model: &'static str, id: i64, field: &str, value: Value) {
        if let Some(row) = self.table_mut(model).rows.get_mut(&id) {
            row.insert(field.to_owned(), value);
        }
    }

    /// Removes a record; returns whether it existed.
    pub fn remove(&mut self, model: &'static str, id: i64) -> bool {
        self.table_mut(model).rows.remove(&id).is_some()
    }

    /// The next number of a named sequence (1, 2, ...).
    pub fn next_sequence(&mut self, code: &str) -> i64 {
        let n = self.sequences.entry(code.to_owned()).or_insert(0);
        *n += 1;
        *n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snapshot_is_isolated_from_later_writes() {
        let mut store = Store::default();
        let id = store.insert("res.partner", Record::new());
        let snapshot = store.clone();
        store.set("res.partner", id, "name", json!("changed"));
        assert!(
            snapshot
                .get("res.partner", id)
                .is_some_and(|r| r.get("name").is_none())
        );
        assert_eq!(
            store.get("res.partner", id).and_then(|r| r.get("name")),
            Some(&json!("changed"))
        );
    }

    #[test]
    fn ids_and_sequences_count_up() {
        let mut store = Store::default();
        assert_eq!(store.insert("a", Record::new()), 1);
        assert_eq!(store.insert("a", Record::new()), 2);
        assert!(store.remove("a", 2));
        assert_eq!(store.insert("a", Record::new()), 3);
        assert_eq!(store.next_sequence("sale.order"), 1);
        assert_eq!(store.next_sequence("sale.order"), 2);
    }
}
