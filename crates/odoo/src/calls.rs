//! The typed ORM calls. Each builds a protocol-neutral [`Call`] with the method's
//! real Odoo signature (which arguments JSON-RPC passes positionally) and reads the
//! answer into a Rust type, so callers never see the wire.

use serde_json::{Map, Value, json};

use crate::client::OdooClient;
use crate::domain::Domain;
use crate::error::OdooError;
use crate::load::{LoadResult, is_upsert, parse_answer};
use crate::wire::{Call, CallKind, Kwargs};

/// One record as Odoo returns it from `read`/`search_read`: field name to value.
pub type Record = Map<String, Value>;

/// Paging, ordering and context of a search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchOpts {
    /// At most this many records.
    pub limit: Option<u32>,
    /// Skip this many first.
    pub offset: Option<u32>,
    /// Odoo order clause, e.g. `id desc`.
    pub order: Option<String>,
    /// Context, e.g. `{"active_test": false}` to include archived records.
    pub context: Option<Kwargs>,
}

impl SearchOpts {
    fn push_into(&self, call: &mut Call) {
        if let Some(offset) = self.offset {
            call.args.push(("offset", json!(offset)));
        }
        if let Some(limit) = self.limit {
            call.args.push(("limit", json!(limit)));
        }
        if let Some(order) = &self.order {
            call.args.push(("order", json!(order)));
        }
        call.context.clone_from(&self.context);
    }
}

fn unexpected(method: &str, what: &str) -> OdooError {
    OdooError::Protocol {
        detail: format!("{method} answered {what}"),
        source: None,
    }
}

fn ids_of(method: &str, value: Value) -> Result<Vec<i64>, OdooError> {
    match value {
        // A single id (JSON-RPC `create` of one dict) counts as a list of one.
        Value::Number(n) => n
            .as_i64()
            .map(|id| vec![id])
            .ok_or_else(|| unexpected(method, "a non-integer id")),
        Value::Array(items) => items
            .iter()
            .map(Value::as_i64)
            .collect::<Option<_>>()
            .ok_or_else(|| unexpected(method, "a list with a non-integer")),
        _ => Err(unexpected(method, "something other than ids")),
    }
}

fn records_of(method: &str, value: Value) -> Result<Vec<Record>, OdooError> {
    let Value::Array(items) = value else {
        return Err(unexpected(method, "something other than a list"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(record) => Ok(record),
            _ => Err(unexpected(method, "a list item that is not a record")),
        })
        .collect()
}

fn fields_value(fields: &[&str]) -> Value {
    json!(fields)
}

/// One external id (`ir.model.data`) as Odoo holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalIdRow {
    /// The name within its module (`shopify_order_1001` of `spine.shopify_order_1001`).
    pub name: String,
    /// The model of the record it points at.
    pub model: String,
    /// The record's database id.
    pub res_id: i64,
}

impl OdooClient {
    /// The records behind `names` in `module`, in one `search_read` of `ir.model.data`.
    /// Names Odoo does not hold are simply absent from the answer. Idempotent.
    pub async fn external_ids(&self, module: &str, names: &[&str]) -> Result<Vec<ExternalIdRow>, OdooError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let domain = Domain::all()
            .eq("module", module)
            .is_in("name", names.iter().copied());
        let rows = self
            .search_read(
                "ir.model.data",
                &domain,
                &["name", "model", "res_id"],
                &SearchOpts::default(),
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                Some(ExternalIdRow {
                    name: row.get("name")?.as_str()?.to_owned(),
                    model: row.get("model")?.as_str()?.to_owned(),
                    res_id: row.get("res_id")?.as_i64()?,
                })
            })
            .collect())
    }

    /// Records matching `domain`, with `fields` (all fields when empty). Idempotent.
    pub async fn search_read(
        &self,
        model: &str,
        domain: &Domain,
        fields: &[&str],
        opts: &SearchOpts,
    ) -> Result<Vec<Record>, OdooError> {
        let mut call = Call::new(model, "search_read", CallKind::Read);
        call.args.push(("domain", domain.to_value()));
        call.positional = 1;
        call.args.push(("fields", fields_value(fields)));
        opts.push_into(&mut call);
        records_of("search_read", self.execute(&call).await?)
    }

    /// The records with these ids that still exist (a missing id is skipped, not an
    /// error, as in Odoo). Idempotent.
    pub async fn read(&self, model: &str, ids: &[i64], fields: &[&str]) -> Result<Vec<Record>, OdooError> {
        let mut call = Call::new(model, "read", CallKind::Read);
        call.ids = Some(ids.to_vec());
        call.args.push(("fields", fields_value(fields)));
        records_of("read", self.execute(&call).await?)
    }

    /// Ids of the records matching `domain`. Idempotent.
    pub async fn search(
        &self,
        model: &str,
        domain: &Domain,
        opts: &SearchOpts,
    ) -> Result<Vec<i64>, OdooError> {
        let mut call = Call::new(model, "search", CallKind::Read);
        call.args.push(("domain", domain.to_value()));
        call.positional = 1;
        opts.push_into(&mut call);
        ids_of("search", self.execute(&call).await?)
    }

    /// How many records match `domain`. Idempotent.
    pub async fn search_count(&self, model: &str, domain: &Domain) -> Result<u64, OdooError> {
        let mut call = Call::new(model, "search_count", CallKind::Read);
        call.args.push(("domain", domain.to_value()));
        call.positional = 1;
        self.execute(&call)
            .await?
            .as_u64()
            .ok_or_else(|| unexpected("search_count", "something other than a count"))
    }

    /// Creates one record per entry of `vals_list` in one transaction; the ids in order.
    ///
    /// Not idempotent: it is never sent twice once the request may have reached Odoo,
    /// so a lost answer surfaces as a transient error. Prefer [`OdooClient::load`] with
    /// external ids for anything a retry may repeat.
    pub async fn create(&self, model: &str, vals_list: &[Record]) -> Result<Vec<i64>, OdooError> {
        self.create_with_context(model, vals_list, None).await
    }

    /// [`OdooClient::create`] with a context (wizards read `active_model`/`active_ids`).
    pub async fn create_with_context(
        &self,
        model: &str,
        vals_list: &[Record],
        context: Option<&Kwargs>,
    ) -> Result<Vec<i64>, OdooError> {
        let mut call = Call::new(model, "create", CallKind::Create);
        call.args.push(("vals_list", json!(vals_list)));
        call.positional = 1;
        call.context = context.cloned();
        let ids = ids_of("create", self.execute(&call).await?)?;
        if ids.len() != vals_list.len() {
            return Err(unexpected("create", "a different number of ids than records"));
        }
        Ok(ids)
    }

    /// Writes the same `vals` on every record of `ids`; Odoo answers `true`. Idempotent.
    pub async fn write(&self, model: &str, ids: &[i64], vals: &Record) -> Result<bool, OdooError> {
        let mut call = Call::new(model, "write", CallKind::Write);
        call.ids = Some(ids.to_vec());
        call.args.push(("vals", Value::Object(vals.clone())));
        call.positional = 1;
        self.execute(&call)
            .await?
            .as_bool()
            .ok_or_else(|| unexpected("write", "something other than a boolean"))
    }

    /// Imports `rows` (strings, one column per field) in one transaction: with an `id`
    /// column of external ids it creates or updates the same records every time.
    ///
    /// Error messages from Odoo (or `ids: false`) are an [`OdooError::Load`] of kind
    /// business. Retried on transient errors only when [`crate::is_upsert`] holds for
    /// these fields and rows (every record and one2many line has an id); otherwise it is
    /// treated like `create`.
    pub async fn load(
        &self,
        model: &str,
        fields: &[&str],
        rows: &[Vec<String>],
    ) -> Result<LoadResult, OdooError> {
        let mut call = Call::new(
            model,
            "load",
            CallKind::Load {
                upsert: is_upsert(fields, rows),
            },
        );
        call.args.push(("fields", fields_value(fields)));
        call.args.push(("data", json!(rows)));
        call.positional = 2;
        parse_answer(model, &self.execute(&call).await?)
    }

    /// Calls any public method (actions, wizard buttons) on `ids` (a model method when
    /// empty) with keyword arguments and a context; Odoo's answer as JSON.
    ///
    /// Treated as not idempotent: never sent twice once it may have reached Odoo.
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        ids: &[i64],
        kwargs: Kwargs,
        context: Option<&Kwargs>,
    ) -> Result<Value, OdooError> {
        let mut call = Call::new(model, method, CallKind::Method);
        call.ids = (!ids.is_empty()).then(|| ids.to_vec());
        call.kwargs = kwargs;
        call.context = context.cloned();
        self.execute(&call).await
    }
}
