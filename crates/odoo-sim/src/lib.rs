//! Odoo simulator library.
