//! Who an operator action is recorded as, in the ledger history.

use std::fmt;

/// The longest actor name kept.
const MAX_ACTOR: usize = 128;

/// The identity an audit line names. Always prefixed with how it was learned (`cli:`,
/// `lambda:`) so a reader knows how much to trust it: the CLI takes `--actor`,
/// `$SPINECTL_ACTOR` or `$USER`, none of which is verified by AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// `via:name` when `name` is non-empty, printable and at most 128 characters.
    pub fn parse(via: &str, name: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("the actor name is empty".into());
        }
        if name.chars().count() > MAX_ACTOR {
            return Err(format!("the actor name is longer than {MAX_ACTOR} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("the actor name contains a control character".into());
        }
        Ok(Self(format!("{via}:{name}")))
    }

    /// The first usable name of `candidates` (explicit flag, then environment), else
    /// `via:unknown`: an action is never refused for want of a name, but says so.
    pub fn first_of(via: &str, candidates: &[Option<String>]) -> Self {
        candidates
            .iter()
            .flatten()
            .find_map(|name| Self::parse(via, name).ok())
            .unwrap_or_else(|| Self(format!("{via}:unknown")))
    }

    /// The recorded form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_usable_name_wins_and_unknown_is_explicit() {
        let actor = Actor::first_of("cli", &[None, Some("  ".into()), Some("alice".into())]);
        assert_eq!(actor.as_str(), "cli:alice");
        assert_eq!(Actor::first_of("cli", &[None]).as_str(), "cli:unknown");
        assert!(Actor::parse("cli", "a\nb").is_err());
        assert!(Actor::parse("cli", &"x".repeat(129)).is_err());
    }
}
