//! The in-memory database: one table per model plus named sequences, with an undo
//! journal so that each call is one transaction (rolled back entirely on error).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One record's stored columns (relations as ids, many2many as id lists).
pub type Record = Map<String, Value>;

/// The rows of one model.
#[derive(Debug, Clone, Default)]
struct Table {
    next_id: i64,
    rows: BTreeMap<i64, Record>,
}

/// How to take back one change.
#[derive(Debug)]
enum Undo {
    Insert(&'static str, i64),
    Set(&'static str, i64, String, Option<Value>),
    Remove(&'static str, i64, Record),
    Sequence(String, i64),
}

/// All tables, the sequences (order and invoice numbers) and the journal of the
/// transaction in progress.
#[derive(Debug, Default)]
pub struct Store {
    tables: BTreeMap<&'static str, Table>,
    sequences: BTreeMap<String, i64>,
    journal: Vec<Undo>,
}

impl Store {
    /// Starts a transaction; a journal left by an interrupted call is rolled back first.
    pub fn begin(&mut self) {
        self.rollback();
    }

    /// Keeps every change since [`Store::begin`].
    pub fn commit(&mut self) {
        self.journal.clear();
    }

    /// Undoes every change since [`Store::begin`], newest first. Ids handed out stay
    /// used, as PostgreSQL sequences do.
    pub fn rollback(&mut self) {
        while let Some(undo) = self.journal.pop() {
            match undo {
                Undo::Insert(model, id) => {
                    self.table(model).rows.remove(&id);
                }
                Undo::Set(model, id, field, old) => {
                    if let Some(row) = self.table(model).rows.get_mut(&id) {
                        match old {
                            Some(v) => row.insert(field, v),
                            None => row.remove(&field),
                        };
                    }
                }
                Undo::Remove(model, id, record) => {
                    self.table(model).rows.insert(id, record);
                }
                Undo::Sequence(code, old) => {
                    self.sequences.insert(code, old);
                }
            }
        }
    }

    fn table(&mut self, model: &'static str) -> &mut Table {
        self.tables.entry(model).or_default()
    }

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

    /// Stores a new record and returns its id (ids start at 1 and are never reused).
    pub fn insert(&mut self, model: &'static str, record: Record) -> i64 {
        let table = self.table(model);
        table.next_id += 1;
        let id = table.next_id;
        table.rows.insert(id, record);
        self.journal.push(Undo::Insert(model, id));
        id
    }

    /// Sets one column of an existing record; a missing record is left alone.
    pub fn set(&mut self, model: &'static str, id: i64, field: &str, value: Value) {
        if let Some(row) = self.table(model).rows.get_mut(&id) {
            let old = row.insert(field.to_owned(), value);
            self.journal.push(Undo::Set(model, id, field.to_owned(), old));
        }
    }

    /// Removes a record; returns whether it existed.
    pub fn remove(&mut self, model: &'static str, id: i64) -> bool {
        match self.table(model).rows.remove(&id) {
            Some(record) => {
                self.journal.push(Undo::Remove(model, id, record));
                true
            }
            None => false,
        }
    }

    /// The next number of a named sequence (1, 2, ...).
    pub fn next_sequence(&mut self, code: &str) -> i64 {
        let n = self.sequences.entry(code.to_owned()).or_insert(0);
        let old = *n;
        *n += 1;
        let next = *n;
        self.journal.push(Undo::Sequence(code.to_owned(), old));
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rollback_undoes_every_kind_of_change() {
        let mut store = Store::default();
        let kept = store.insert("res.partner", Record::new());
        store.set("res.partner", kept, "name", json!("before"));
        store.commit();

        store.begin();
        store.set("res.partner", kept, "name", json!("after"));
        store.set("res.partner", kept, "email", json!("x@y"));
        let added = store.insert("res.partner", Record::new());
        assert_eq!(store.next_sequence("sale.order"), 1);
        store.remove("res.partner", kept);
        store.rollback();

        let row = store.get("res.partner", kept).expect("removal undone");
        assert_eq!(row.get("name"), Some(&json!("before")));
        assert_eq!(row.get("email"), None);
        assert!(store.get("res.partner", added).is_none());
        assert_eq!(store.next_sequence("sale.order"), 1, "sequence restored");
    }

    #[test]
    fn ids_count_up_and_are_not_reused() {
        let mut store = Store::default();
        assert_eq!(store.insert("a", Record::new()), 1);
        assert_eq!(store.insert("a", Record::new()), 2);
        assert!(store.remove("a", 2));
        store.commit();
        assert_eq!(store.insert("a", Record::new()), 3);
        assert_eq!(store.ids("a"), vec![1, 3]);
    }
}
