//! account.move posting: a posted invoice gets its sequence name (`INV/2026/00001`,
//! refunds `RINV/...`) and is open for payment.

use serde_json::{Value, json};

use crate::error::{OdooError, OdooResult};
use crate::orm::env::Env;

const MOVE: &str = "account.move";

/// Posts draft moves; answers `false` like Odoo (the method returns nothing).
pub fn action_post(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist(MOVE, ids)?;
    for &id in ids {
        if env.text(MOVE, id, "state") == "posted" {
            let name = env.display_name(MOVE, id);
            return Err(OdooError::User(format!(
                "The entry {name} (id {id}) is already posted."
            )));
        }
        if env.children("account.move.line", "move_id", id).is_empty() {
            return Err(OdooError::User(
                "You need to add a line before posting.".to_owned(),
            ));
        }
        let today = chrono::Utc::now().date_naive();
        let date = match env.get(MOVE, id, "invoice_date") {
            Value::String(d) => d,
            _ => today.format("%Y-%m-%d").to_string(),
        };
        let year = date.get(..4).unwrap_or("2026").to_owned();
        if env.text(MOVE, id, "name") == "/" {
            let prefix = if env.text(MOVE, id, "move_type") == "out_refund" {
                "RINV"
            } else {
                "INV"
            };
            let n = env.store.next_sequence(&format!("{prefix}/{year}"));
            env.set(MOVE, id, "name", json!(format!("{prefix}/{year}/{n:05}")))?;
        }
        let total = env.num(MOVE, id, "amount_total");
        env.set(MOVE, id, "invoice_date", json!(date))?;
        env.set(MOVE, id, "state", json!("posted"))?;
        env.set(MOVE, id, "amount_residual", json!(total))?;
        env.set(MOVE, id, "payment_state", json!("not_paid"))?;
    }
    Ok(Value::Bool(false))
}

/// Resets posted moves to draft (they keep their name, as in Odoo).
pub fn button_draft(env: &mut Env, ids: &[i64]) -> OdooResult<Value> {
    env.ensure_exist(MOVE, ids)?;
    for &id in ids {
        env.set(MOVE, id, "state", json!("draft"))?;
    }
    Ok(Value::Bool(false))
}
