//! Field and model definitions: what each simulated model holds and how `fields_get`
//! describes it.

use serde_json::{Map, Value, json};

/// The type of a field, with its comodel for relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Char,
    Text,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    /// Allowed values, each also its label.
    Selection(&'static [&'static str]),
    Many2one(&'static str),
    /// Comodel and its inverse many2one field.
    One2many(&'static str, &'static str),
    Many2many(&'static str),
}

impl Kind {
    /// Odoo's type name as `fields_get` reports it.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Char => "char",
            Kind::Text => "text",
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Monetary => "monetary",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
            Kind::Datetime => "datetime",
            Kind::Selection(_) => "selection",
            Kind::Many2one(_) => "many2one",
            Kind::One2many(..) => "one2many",
            Kind::Many2many(_) => "many2many",
        }
    }

    /// The related model of a relational field.
    pub fn comodel(self) -> Option<&'static str> {
        match self {
            Kind::Many2one(m) | Kind::One2many(m, _) | Kind::Many2many(m) => Some(m),
            _ => None,
        }
    }

    /// Whether values are numbers that `read_group` sums.
    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Float | Kind::Monetary)
    }
}

/// One field of a model.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Computed fields are read-only and not stored; the model computes them on read.
    pub computed: bool,
}

impl Field {
    /// A plain, optional, stored field.
    pub const fn new(name: &'static str, label: &'static str, kind: Kind) -> Self {
        Self {
            name,
            label,
            kind,
            required: false,
            computed: false,
        }
    }

    /// Marks the field mandatory (a ValidationError when it is missing).
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks the field computed on read (writes are ignored, as Odoo ignores them).
    pub const fn computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// The `fields_get` description of this field.
    pub fn describe(&self) -> Value {
        let mut d = json!({
            "type": self.kind.type_name(),
            "string": self.label,
            "required": self.required,
            "readonly": self.computed,
            "store": !self.computed && !matches!(self.kind, Kind::One2many(..)),
        });
        if let Some(rel) = self.kind.comodel() {
            d["relation"] = json!(rel);
        }
        if let Kind::One2many(_, inverse) = self.kind {
            d["relation_field"] = json!(inverse);
        }
        if let Kind::Selection(values) = self.kind {
            d["selection"] = values.iter().map(|v| json!([v, v])).collect();
        }
        d
    }
}

/// One model: its name, label and fields (`id` and `display_name` are implicit).
#[derive(Debug, Clone)]
pub struct Model {
    pub name: &'static str,
    pub label: &'static str,
    pub fields: Vec<Field>,
}

impl Model {
    /// The field called `name`, if the model has one.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether records can be archived (`active` field): searches hide archived ones.
    pub fn has_active(&self) -> bool {
        self.field("active").is_some()
    }

    /// `fields_get` for this model, restricted to `attributes` when given.
    pub fn fields_get(&self, attributes: Option<&[String]>) -> Value {
        let mut out = Map::new();
        let implicit = [
            Field::new("id", "ID", Kind::Integer).computed(),
            Field::new("display_name", "Display Name", Kind::Char).computed(),
        ];
        for f in self.fields.iter().chain(implicit.iter()) {
            let mut d = f.describe();
            if let (Some(attrs), Value::Object(map)) = (attributes, &mut d) {
                map.retain(|k, _| attrs.iter().any(|a| a == k));
            }
            out.insert(f.name.to_owned(), d);
        }
        Value::Object(out)
    }
}
