//! Method signatures and argument binding (Python's rules: positional then keyword, a
//! TypeError for an unknown or missing argument), and the generic ORM methods.

use serde_json::{Map, Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::env::Env;
use crate::orm::{crud, domain, load, read_group};

/// A remotely callable method: whether it runs on records (ids first) and its
/// parameters in order, each with whether it is required.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub name: &'static str,
    pub on_records: bool,
    pub params: &'static [(&'static str, bool)],
}

const fn sig(name: &'static str, on_records: bool, params: &'static [(&'static str, bool)]) -> Signature {
    Signature {
        name,
        on_records,
        params,
    }
}

/// The methods every model has.
pub const GENERIC: &[Signature] = &[
    sig(
        "search",
        false,
        &[
            ("domain", true),
            ("offset", false),
            ("limit", false),
            ("order", false),
        ],
    ),
    sig(
        "search_read",
        false,
        &[
            ("domain", false),
            ("fields", false),
            ("offset", false),
            ("limit", false),
            ("order", false),
        ],
    ),
    sig("search_count", false, &[("domain", true), ("limit", false)]),
    sig("read", true, &[("fields", false), ("load", false)]),
    sig("create", false, &[("vals_list", true)]),
    sig("write", true, &[("vals", true)]),
    sig("unlink", true, &[]),
    sig(
        "fields_get",
        false,
        &[("allfields", false), ("attributes", false)],
    ),
    sig("load", false, &[("fields", true), ("data", true)]),
    sig(
        "read_group",
        false,
        &[
            ("domain", true),
            ("fields", true),
            ("groupby", true),
            ("offset", false),
            ("limit", false),
            ("orderby", false),
            ("lazy", false),
        ],
    ),
];

/// A bound call: record ids and arguments by parameter name.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub ids: Vec<i64>,
    pub named: Map<String, Value>,
}

impl Args {
    /// The argument, treating `null` like absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.named.get(name).filter(|v| !v.is_null())
    }

    fn usize(&self, name: &str) -> Option<usize> {
        self.get(name)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    }

    fn strings(&self, name: &str) -> Vec<String> {
        let items = self.get(name).and_then(Value::as_array);
        items
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// Binds positional and keyword arguments to the signature like Python does.
pub fn bind(
    sig: &Signature,
    ids: Vec<i64>,
    positional: Vec<Value>,
    kwargs: Map<String, Value>,
) -> OdooResult<Args> {
    let name = sig.name;
    if positional.len() > sig.params.len() {
        return Err(OdooError::Type(format!(
            "{name}() takes {} positional arguments but {} were given",
            sig.params.len() + 1,
            positional.len() + 1
        )));
    }
    let mut named = Map::new();
    for (value, (param, _)) in positional.into_iter().zip(sig.params) {
        named.insert((*param).to_owned(), value);
    }
    for (key, value) in kwargs {
        if !sig.params.iter().any(|(p, _)| *p == key) {
            return Err(OdooError::Type(format!(
                "{name}() got an unexpected keyword argument '{key}'"
            )));
        }
        if named.insert(key.clone(), value).is_some() {
            return Err(OdooError::Type(format!(
                "{name}() got multiple values for argument '{key}'"
            )));
        }
    }
    if let Some((param, _)) = sig.params.iter().find(|(p, req)| *req && !named.contains_key(*p)) {
        return Err(OdooError::Type(format!(
            "{name}() missing 1 required positional argument: '{param}'"
        )));
    }
    Ok(Args { ids, named })
}

/// Runs a generic method (the name must be one of [`GENERIC`]).
pub fn call_generic(env: &mut Env, model: &str, method: &str, args: &Args) -> OdooResult<Value> {
    let empty = json!([]);
    let domain = args.get("domain").unwrap_or(&empty);
    match method {
        "search" => {
            let order = args.get("order").and_then(Value::as_str);
            let ids = domain::search(
                env,
                model,
                domain,
                args.usize("offset").unwrap_or(0),
                args.usize("limit"),
                order,
            )?;
            Ok(json!(ids))
        }
        "search_read" => {
            let order = args.get("order").and_then(Value::as_str);
            let ids = domain::search(
                env,
                model,
                domain,
                args.usize("offset").unwrap_or(0),
                args.usize("limit"),
                order,
            )?;
            Ok(json!(crud::read(env, model, &ids, &args.strings("fields"))?))
        }
        "search_count" => {
            let ids = domain::search(env, model, domain, 0, args.usize("limit"), None)?;
            Ok(json!(ids.len()))
        }
        "read" => Ok(json!(crud::read(env, model, &args.ids, &args.strings("fields"))?)),
        "create" => create(env, model, args.get("vals_list").unwrap_or(&Value::Null)),
        "write" => {
            let vals = args
                .get("vals")
                .and_then(Value::as_object)
                .ok_or_else(|| bad_arg("vals"))?;
            crud::write(env, model, &args.ids, vals)?;
            Ok(json!(true))
        }
        "unlink" => crud::unlink(env, model, &args.ids).map(|()| json!(true)),
        "fields_get" => {
            let attrs = args.get("attributes").map(|_| args.strings("attributes"));
            let mut all = env.model(model)?.fields_get(attrs.as_deref());
            let only = args.strings("allfields");
            if let (false, Value::Object(map)) = (only.is_empty(), &mut all) {
                map.retain(|k, _| only.contains(k));
            }
            Ok(all)
        }
        "load" => load::load(
            env,
            model,
            &args.strings("fields"),
            args.get("data").unwrap_or(&empty),
        ),
        "read_group" => read_group::read_group(env, model, args),
        _ => Err(OdooError::Attribute(format!(
            "The method '{model}.{method}' does not exist"
        ))),
    }
}

fn bad_arg(name: &str) -> OdooError {
    OdooError::Type(format!("invalid value for argument '{name}'"))
}

/// `create` with one dict (answers an id) or a list of dicts (answers a list of ids).
fn create(env: &mut Env, model: &str, vals_list: &Value) -> OdooResult<Value> {
    match vals_list {
        Value::Object(vals) => Ok(json!(crud::create(env, model, vals)?)),
        Value::Array(list) => {
            let mut ids = Vec::with_capacity(list.len());
            for vals in list {
                let vals = vals.as_object().ok_or_else(|| bad_arg("vals_list"))?;
                ids.push(crud::create(env, model, vals)?);
            }
            Ok(json!(ids))
        }
        _ => Err(bad_arg("vals_list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(name: &str) -> Signature {
        *GENERIC.iter().find(|s| s.name == name).expect("generic method")
    }

    #[test]
    fn binds_positional_and_keywords() {
        let mut kw = Map::new();
        kw.insert("limit".into(), json!(5));
        let args = bind(&find("search_read"), vec![], vec![json!([]), json!(["name"])], kw).expect("binds");
        assert_eq!(args.get("fields"), Some(&json!(["name"])));
        assert_eq!(args.usize("limit"), Some(5));
    }

    #[test]
    fn misspelt_keyword_is_a_type_error() {
        let mut kw = Map::new();
        kw.insert("limt".into(), json!(5));
        let err = bind(&find("search_read"), vec![], vec![], kw).expect_err("unknown kwarg");
        assert_eq!(err.class_name(), "builtins.TypeError");
        assert!(err.to_string().contains("unexpected keyword argument 'limt'"));
        let err = bind(&find("write"), vec![1], vec![], Map::new()).expect_err("missing vals");
        assert!(
            err.to_string()
                .contains("missing 1 required positional argument: 'vals'")
        );
    }
}
