//! The decision of what to push: sellable level per SKU (free minus the channel's buffer,
//! floored at zero) compared with the level last pushed to that channel.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use spine_core::Sku;

/// One SKU's level as a channel should show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    /// The Odoo SKU.
    pub sku: Sku,
    /// Units the channel may sell (never negative).
    pub quantity: i64,
}

/// What a run should push to one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Levels that differ from the last pushed (or were never pushed), in SKU order.
    pub changed: Vec<Level>,
    /// SKUs whose sellable level equals the last pushed one.
    pub unchanged: usize,
}

/// What a channel may sell of `free` units holding back `buffer`: never below zero,
/// because a negative level means "oversold already" to no channel.
pub fn sellable(free: i64, buffer: u32) -> i64 {
    free.saturating_sub(i64::from(buffer)).max(0)
}

/// The levels to push: every SKU of `free` whose sellable level is not the one in
/// `last_pushed`. SKUs that were pushed before but are no longer in Odoo (archived, SKU
/// removed) are left alone: the channel keeps its last level until the listing is removed.
pub fn plan(free: &BTreeMap<Sku, i64>, buffer: u32, last_pushed: &HashMap<Sku, i64>) -> Plan {
    let mut out = Plan::default();
    for (sku, &free) in free {
        let quantity = sellable(free, buffer);
        if last_pushed.get(sku) == Some(&quantity) {
            out.unchanged += 1;
        } else {
            out.changed.push(Level {
                sku: sku.clone(),
                quantity,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(s: &str) -> Sku {
        Sku::parse(s).expect("sku")
    }

    #[test]
    fn the_buffer_is_held_back_and_the_floor_is_zero() {
        assert_eq!(sellable(10, 2), 8);
        assert_eq!(sellable(2, 2), 0);
        assert_eq!(sellable(1, 2), 0);
        assert_eq!(sellable(-5, 0), 0);
        assert_eq!(sellable(i64::MIN, u32::MAX), 0);
    }

    #[test]
    fn only_changed_or_new_levels_are_planned() {
        let free = BTreeMap::from([(sku("A"), 5), (sku("B"), 3), (sku("C"), 0), (sku("D"), 9)]);
        let last = HashMap::from([(sku("A"), 4), (sku("B"), 2), (sku("C"), 0), (sku("Z"), 1)]);
        let p = plan(&free, 1, &last);
        // A: 4 == 4 unchanged; B: 2 == 2 unchanged; C: 0 == 0 unchanged; D: new.
        assert_eq!(p.unchanged, 3);
        assert_eq!(
            p.changed,
            vec![Level {
                sku: sku("D"),
                quantity: 8
            }]
        );
        let p = plan(&free, 0, &last);
        let skus: Vec<&str> = p.changed.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(skus, ["A", "B", "D"]);
        assert_eq!(p.unchanged, 1);
    }
}
