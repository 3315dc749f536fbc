//! Reads `template.yaml` (AWS SAM) and resolves the parts a local host needs: tables,
//! queues, functions with their environment and triggers, and the secrets they name.
//!
//! The local run is provisioned from the template itself, so a name changed on one
//! side only breaks the local run and the tests, never silently diverges. Intrinsics
//! supported: `Ref`, `Fn::Sub` (string and list form), `Fn::GetAtt` (`Arn`, `QueueName`,
//! `QueueUrl`), `Fn::Join`, in short (`!Ref`) and long form, plus the pseudo parameters.

use serde_yaml::Value;
use std::collections::BTreeMap;

/// Why the template cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("{at}: {problem}")]
    Invalid { at: String, problem: String },
}

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> TemplateError {
    TemplateError::Invalid {
        at: at.into(),
        problem: problem.into(),
    }
}

/// The parsed template: parameters with their defaults, resources, globals.
#[derive(Debug, Clone)]
pub struct Template {
    pub parameters: BTreeMap<String, String>,
    pub resources: BTreeMap<String, Resource>,
    globals_function: Value,
}

/// One resource: its CloudFormation type, properties and metadata.
#[derive(Debug, Clone)]
pub struct Resource {
    pub kind: String,
    pub properties: Value,
    pub metadata: Value,
}

/// What `Ref` and `Fn::GetAtt` of each resource resolve to, filled in as resources are
/// provisioned (a queue's URL is only known once it exists).
#[derive(Debug, Clone, Default)]
pub struct Physical {
    pub refs: BTreeMap<String, String>,
    pub attrs: BTreeMap<(String, String), String>,
}

/// Pseudo parameters the local stack answers with.
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "123456789012";
pub const STACK_NAME: &str = "odoo-spine-local";

impl Template {
    /// Reads and parses a template file.
    pub fn load(path: &std::path::Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses template text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_yaml::from_str(text)?;
        let mut parameters = BTreeMap::new();
        if let Some(map) = root.get("Parameters").and_then(Value::as_mapping) {
            for (name, spec) in map {
                let name =
                    scalar(name).ok_or_else(|| invalid("Parameters", "a parameter name is not text"))?;
                let default = spec.get("Default").and_then(scalar).unwrap_or_default();
                parameters.insert(name, default);
            }
        }
        let mut resources = BTreeMap::new();
        let map = root
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| invalid("Resources", "missing"))?;
        for (id, body) in map {
            let id = scalar(id).ok_or_else(|| invalid("Resources", "a logical id is not text"))?;
            let kind = body
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("Resources.{id}"), "has no Type"))?;
            resources.insert(
                id,
                Resource {
                    kind: kind.to_owned(),
                    properties: body.get("Properties").cloned().unwrap_or(Value::Null),
                    metadata: body.get("Metadata").cloned().unwrap_or(Value::Null),
                },
            );
        }
        let globals_function = root
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(Self {
            parameters,
            resources,
            globals_function,
        })
    }

    /// The logical ids of every resource of a type, in order.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Resource)> + 'a {
        self.resources.iter().filter(move |(_, r)| r.kind == kind)
    }

    /// A function's property, falling back to `Globals.Function`.
    pub fn function_property(&self, resource: &Resource, name: &str) -> Option<Value> {
        resource
            .properties
            .get(name)
            .or_else(|| self.globals_function.get(name))
            .cloned()
    }

    /// A function's environment variables: the globals' merged with its own.
    pub fn function_environment(&self, resource: &Resource) -> BTreeMap<String, Value> {
        let mut variables = BTreeMap::new();
        for source in [&self.globals_function, &resource.properties] {
            if let Some(map) = source
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping)
            {
                for (k, v) in map {
                    if let Some(k) = scalar(k) {
                        variables.insert(k, v.clone());
                    }
                }
            }
        }
        variables
    }
}

/// A scalar YAML value as text (strings, numbers, booleans).
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Resolves intrinsics in `value` to a string.
pub fn resolve(
    value: &Value,
    params: &BTreeMap<String, String>,
    physical: &Physical,
    at: &str,
) -> Result<String, TemplateError> {
    if let Some(text) = scalar(value) {
        return Ok(text);
    }
    let (function, argument) =
        intrinsic(value).ok_or_else(|| invalid(at, "expected text or an intrinsic function"))?;
    match function.as_str() {
        "Ref" => {
            let name = scalar(argument).ok_or_else(|| invalid(at, "Ref needs a name"))?;
            reference(&name, params, physical).ok_or_else(|| invalid(at, format!("Ref to unknown {name}")))
        }
        "Fn::GetAtt" => {
            let (id, attr) = match argument {
                Value::String(s) => s
                    .split_once('.')
                    .map(|(a, b)| (a.to_owned(), b.to_owned()))
                    .ok_or_else(|| invalid(at, "GetAtt needs Resource.Attribute"))?,
                Value::Sequence(parts) if parts.len() == 2 => (
                    scalar(&parts[0]).unwrap_or_default(),
                    scalar(&parts[1]).unwrap_or_default(),
                ),
                _ => return Err(invalid(at, "GetAtt needs Resource.Attribute")),
            };
            physical
                .attrs
                .get(&(id.clone(), attr.clone()))
                .cloned()
                .ok_or_else(|| invalid(at, format!("GetAtt {id}.{attr} is not known locally")))
        }
        "Fn::Sub" => substitute(argument, params, physical, at),
        "Fn::Join" => {
            let parts = argument
                .as_sequence()
                .filter(|p| p.len() == 2)
                .ok_or_else(|| invalid(at, "Join needs [separator, [values]]"))?;
            let separator = scalar(&parts[0]).unwrap_or_default();
            let items = parts[1]
                .as_sequence()
                .ok_or_else(|| invalid(at, "Join needs a list"))?;
            let resolved: Result<Vec<String>, _> =
                items.iter().map(|v| resolve(v, params, physical, at)).collect();
            Ok(resolved?.join(&separator))
        }
        other => Err(invalid(at, format!("{other} is not supported by the local host"))),
    }
}

/// `(function name, argument)` of a short (`!Ref x`) or long (`{Ref: x}`) intrinsic.
fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let full = if name == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{name}")
            };
            Some((full, &tagged.value))
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            let key = key.as_str()?;
            (key == "Ref" || key.starts_with("Fn::")).then(|| (key.to_owned(), argument))
        }
        _ => None,
    }
}

fn reference(name: &str, params: &BTreeMap<String, String>, physical: &Physical) -> Option<String> {
    match name {
        "AWS::Region" => Some(REGION.to_owned()),
        "AWS::AccountId" => Some(ACCOUNT_ID.to_owned()),
        "AWS::StackName" => Some(STACK_NAME.to_owned()),
        "AWS::Partition" => Some("aws".to_owned()),
        "AWS::URLSuffix" => Some("amazonaws.com".to_owned()),
        _ => params.get(name).or_else(|| physical.refs.get(name)).cloned(),
    }
}

fn substitute(
    argument: &Value,
    params: &BTreeMap<String, String>,
    physical: &Physical,
    at: &str,
) -> Result<String, TemplateError> {
    let (text, mut locals) = match argument {
        Value::String(s) => (s.clone(), BTreeMap::new()),
        Value::Sequence(parts) if parts.len() == 2 => {
            let text = scalar(&parts[0]).ok_or_else(|| invalid(at, "Sub needs a string"))?;
            let mut locals = BTreeMap::new();
            if let Some(map) = parts[1].as_mapping() {
                for (k, v) in map {
                    let k = scalar(k).unwrap_or_default();
                    locals.insert(k, resolve(v, params, physical, at)?);
                }
            }
            (text, locals)
        }
        _ => return Err(invalid(at, "Sub needs a string or [string, {variables}]")),
    };
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| invalid(at, "unclosed ${ in Sub"))?;
        let name = &rest[start + 2..start + end];
        let value = if let Some(v) = locals.remove(name) {
            v
        } else if let Some((id, attr)) = name.split_once('.') {
            physical
                .attrs
                .get(&(id.to_owned(), attr.to_owned()))
                .cloned()
                .ok_or_else(|| invalid(at, format!("${{{name}}} is not known locally")))?
        } else {
            reference(name, params, physical)
                .ok_or_else(|| invalid(at, format!("${{{name}}} is not known")))?
        };
        out.push_str(&value);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  EnvName: { Type: String, Default: dev }
Globals:
  Function:
    Timeout: 30
    Environment:
      Variables:
        RUST_LOG: info
Resources:
  Ledger:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${EnvName}-ledger"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          LEDGER_TABLE: !Ref Ledger
          QUEUE_ARN: !GetAtt Queue.Arn
          JOINED: !Join ["-", [a, !Ref EnvName]]
          LONG: { "Fn::Sub": ["${X}/${AWS::Region}", { X: !Ref EnvName }] }
"#;

    #[test]
    fn resolves_short_and_long_intrinsics() {
        let template = Template::parse(TEMPLATE).unwrap();
        let params = template.parameters.clone();
        let mut physical = Physical::default();
        let ledger = &template.resources["Ledger"];
        let name = resolve(&ledger.properties["TableName"], &params, &physical, "Ledger").unwrap();
        assert_eq!(name, "dev-ledger");
        physical.refs.insert("Ledger".into(), name);
        physical
            .attrs
            .insert(("Queue".into(), "Arn".into()), "arn:aws:sqs:us-east-1:1:q".into());
        let env = template.function_environment(&template.resources["Fn"]);
        let get = |k: &str| resolve(&env[k], &params, &physical, k).unwrap();
        assert_eq!(get("RUST_LOG"), "info");
        assert_eq!(get("LEDGER_TABLE"), "dev-ledger");
        assert_eq!(get("QUEUE_ARN"), "arn:aws:sqs:us-east-1:1:q");
        assert_eq!(get("JOINED"), "a-dev");
        assert_eq!(get("LONG"), "dev/us-east-1");
        let timeout = template.function_property(&template.resources["Fn"], "Timeout");
        assert_eq!(timeout.and_then(|v| scalar(&v)).as_deref(), Some("30"));
    }

    #[test]
    fn unknown_references_are_named() {
        let template = Template::parse(TEMPLATE).unwrap();
        let env = template.function_environment(&template.resources["Fn"]);
        let error = resolve(
            &env["LEDGER_TABLE"],
            &template.parameters,
            &Physical::default(),
            "Fn",
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "Fn: Ref to unknown Ledger");
    }
}
