//! Reconciliation benchmark (filled in below).
fn main() {}
