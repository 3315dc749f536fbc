//! Shared test helpers: the Odoo under test (simulator or a real server from the
//! environment, shared with every crate through `spine_testkit::odoo`) and a tiny
//! capturing HTTP server with canned answers.

#![allow(dead_code, unused_imports)]

pub mod capture;

pub use spine_testkit::odoo::{Target, ctx, product, rec, target, target_with, unique};
