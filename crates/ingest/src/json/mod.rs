//! Reading a source's JSON payload fast and with the path of every field at hand.
//!
//! [`Json`] is a document tree that borrows its strings from the body (only escaped
//! strings are copied) and keeps object members in a vector: parsing a 4 KB order into
//! it costs a fraction of a `serde_json::Value`, which allocates every key and string.
//! [`Node`] walks it and names the path (`line_items[2].price`) in every error.

mod node;
mod tree;

pub(crate) use node::Node;
pub(crate) use tree::{Json, Keep};
