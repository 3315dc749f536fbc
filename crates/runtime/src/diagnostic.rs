//! What Lambda reports for a failed invocation.

use lambda_runtime::Diagnostic;

/// The error and its sources on one line: `"cannot connect to Odoo: secret
/// odoo-spine/odoo not found"`.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Errors that embed their source in their own message would repeat it.
        if !line.ends_with(&cause_text) {
            line.push_str(": ");
            line.push_str(&cause_text);
        }
        source = cause.source();
    }
    line
}

/// The invoke answer's `errorType` and `errorMessage` for `error` (and the runtime's log
/// line): its variant name as the type (`Connect`, `BadRequest`) and its whole source
/// chain as the message. Lambda's default would report a Rust type name and the
/// outermost message only, hiding the cause an operator needs (which secret, which
/// variable).
pub fn diagnostic<E: std::error::Error + 'static>(error: E) -> Diagnostic {
    let debug = format!("{error:?}");
    let variant: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Diagnostic {
        error_type: if variant.is_empty() {
            "Error".to_owned()
        } else {
            variant
        },
        error_message: error_chain(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("cannot connect to Odoo")]
        Connect(#[source] Inner),
        #[error("bad request: {0}")]
        BadRequest(#[source] Inner),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("secret {0} not found")]
    struct Inner(String);

    #[test]
    fn the_type_is_the_variant_and_the_message_the_whole_chain() {
        let d = diagnostic(Outer::Connect(Inner("odoo-spine/odoo".into())));
        assert_eq!(d.error_type, "Connect");
        assert_eq!(
            d.error_message,
            "cannot connect to Odoo: secret odoo-spine/odoo not found"
        );
    }

    #[test]
    fn a_source_already_in_the_message_is_not_repeated() {
        let d = diagnostic(Outer::BadRequest(Inner("x".into())));
        assert_eq!(d.error_type, "BadRequest");
        assert_eq!(d.error_message, "bad request: secret x not found");
        assert_eq!(diagnostic(Inner("y".into())).error_type, "Inner");
    }
}
