//! Search domains: a small builder that always produces a well-formed Odoo domain.
//!
//! Odoo domains are prefix-notation lists (`["|", A, B]`) where a forgotten operator or
//! a term of the wrong arity silently changes the meaning. The builder keeps each
//! sub-expression complete, so `and`/`or` can only produce valid prefix lists.

use serde_json::{Value, json};

/// A comparison operator of a domain term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `like` (SQL pattern, case-sensitive, wrapped in `%` by Odoo)
    Like,
    /// `ilike` (case-insensitive `like`)
    ILike,
    /// `=like` (pattern used as given)
    EqLike,
    /// `=ilike`
    EqILike,
    /// `child_of`
    ChildOf,
    /// `parent_of`
    ParentOf,
}

impl Op {
    /// The operator as Odoo spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "like",
            Op::ILike => "ilike",
            Op::EqLike => "=like",
            Op::EqILike => "=ilike",
            Op::ChildOf => "child_of",
            Op::ParentOf => "parent_of",
        }
    }
}

/// A search domain: the conjunction of its expressions. [`Domain::all`] matches every
/// record (Odoo's `[]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Domain {
    /// Complete prefix expressions, implicitly AND-ed by Odoo.
    exprs: Vec<Vec<Value>>,
}

impl Domain {
    /// Matches every record.
    pub fn all() -> Self {
        Self::default()
    }

    /// Adds `field op value` (AND).
    pub fn term(mut self, field: &str, op: Op, value: impl Into<Value>) -> Self {
        self.exprs.push(vec![json!([field, op.as_str(), value.into()])]);
        self
    }

    /// Adds `field = value` (AND).
    pub fn eq(self, field: &str, value: impl Into<Value>) -> Self {
        self.term(field, Op::Eq, value)
    }

    /// Adds `field in values` (AND). An empty list matches nothing, as in Odoo.
    pub fn is_in<V: Into<Value>>(mut self, field: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list: Vec<Value> = values.into_iter().map(Into::into).collect();
        self.exprs.push(vec![json!([field, "in", list])]);
        self
    }

    /// Adds `field not in values` (AND).
    pub fn not_in<V: Into<Value>>(mut self, field: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list: Vec<Value> = values.into_iter().map(Into::into).collect();
        self.exprs.push(vec![json!([field, "not in", list])]);
        self
    }

    /// Both domains must match.
    pub fn and(mut self, other: Domain) -> Self {
        self.exprs.extend(other.exprs);
        self
    }

    /// Either domain matches. An empty side matches everything, so the result does too.
    pub fn or(self, other: Domain) -> Self {
        if self.exprs.is_empty() || other.exprs.is_empty() {
            return Domain::all();
        }
        let mut expr = vec![Value::from("|")];
        expr.extend(self.into_expression());
        expr.extend(other.into_expression());
        Domain { exprs: vec![expr] }
    }

    /// True when the domain matches every record.
    pub fn is_all(&self) -> bool {
        self.exprs.is_empty()
    }

    /// The domain as one prefix expression (explicit `&` between expressions).
    fn into_expression(self) -> Vec<Value> {
        let ands = self.exprs.len().saturating_sub(1);
        let mut out: Vec<Value> = std::iter::repeat_n(Value::from("&"), ands).collect();
        out.extend(self.exprs.into_iter().flatten());
        out
    }

    /// The JSON list Odoo expects.
    pub fn to_value(&self) -> Value {
        Value::Array(self.exprs.iter().flatten().cloned().collect())
    }
}

impl From<&Domain> for Value {
    fn from(domain: &Domain) -> Self {
        domain.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_anded_implicitly() {
        let d = Domain::all().eq("module", "spine").term("res_id", Op::Gt, 3);
        assert_eq!(
            d.to_value(),
            json!([["module", "=", "spine"], ["res_id", ">", 3]])
        );
        assert_eq!(Domain::all().to_value(), json!([]));
        assert!(Domain::all().is_all());
    }

    #[test]
    fn or_of_conjunctions_gets_explicit_ands() {
        let a = Domain::all().eq("a", 1).eq("b", 2);
        let b = Domain::all().is_in("c", [3, 4]);
        let d = a.or(b).eq("active", true);
        assert_eq!(
            d.to_value(),
            json!([
                "|",
                "&",
                ["a", "=", 1],
                ["b", "=", 2],
                ["c", "in", [3, 4]],
                ["active", "=", true]
            ])
        );
    }

    #[test]
    fn nested_or_stays_well_formed() {
        let d = Domain::all()
            .eq("a", 1)
            .or(Domain::all().eq("b", 2))
            .or(Domain::all().eq("c", 3).eq("d", 4));
        assert_eq!(
            d.to_value(),
            json!([
                "|",
                "|",
                ["a", "=", 1],
                ["b", "=", 2],
                "&",
                ["c", "=", 3],
                ["d", "=", 4]
            ])
        );
        assert!(
            Domain::all().or(Domain::all().eq("a", 1)).is_all(),
            "TRUE or x is TRUE"
        );
    }
}
