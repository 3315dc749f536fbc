//! Generic ORM behaviour over the wire: domains, ordering and paging, create answers per
//! protocol, relation values, archived records, fields_get, demo data.

mod common;

use common::{BOTH, Proto, Sim};
use serde_json::json;

#[tokio::test]
async fn domains_order_limit_offset() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let tag = format!("{proto:?}");
        let mut ids = Vec::new();
        for (name, rank) in [("Alpha", 3), ("beta", 1), ("Gamma", 2)] {
            ids.push(sim.create(proto, "res.partner", json!({"name": format!("{name} {tag}"), "customer_rank": rank, "email": format!("{name}@{tag}.test")})).await);
        }
        let search = |domain: serde_json::Value, extra: serde_json::Value| {
            let mut kw = json!({"domain": domain});
            if let (Some(kw), Some(extra)) = (kw.as_object_mut(), extra.as_object()) {
                kw.extend(extra.clone());
            }
            sim.ok(proto, "res.partner", "search", None, kw)
        };
        let like = json!(["email", "ilike", format!("@{tag}.")]);
        assert_eq!(search(json!([like]), json!({})).await, json!(ids));
        assert_eq!(
            search(
                json!([like, ["customer_rank", ">=", 2]]),
                json!({"order": "customer_rank desc"})
            )
            .await,
            json!([ids[0], ids[2]])
        );
        assert_eq!(
            search(
                json!([
                    "|",
                    ["name", "=", format!("beta {tag}")],
                    ["customer_rank", "=", 3],
                    like
                ]),
                json!({})
            )
            .await,
            json!([ids[0], ids[1]])
        );
        assert_eq!(
            search(json!(["!", ["customer_rank", "in", [1, 3]], like]), json!({})).await,
            json!([ids[2]])
        );
        assert_eq!(
            search(json!([like]), json!({"offset": 1, "limit": 1})).await,
            json!([ids[1]])
        );
        assert_eq!(
            search(json!([["name", "like", "alpha"], like]), json!({})).await,
            json!([]),
            "like is case-sensitive"
        );
        let count = sim
            .ok(
                proto,
                "res.partner",
                "search_count",
                None,
                json!({"domain": [["name", "not ilike", "a"], like]}),
            )
            .await;
        assert_eq!(count, json!(0));

        // Archived records are hidden unless active_test is false.
        sim.ok(
            proto,
            "res.partner",
            "write",
            Some(vec![ids[1]]),
            json!({"vals": {"active": false}}),
        )
        .await;
        assert_eq!(search(json!([like]), json!({})).await, json!([ids[0], ids[2]]));
        let all = sim
            .ok(
                proto,
                "res.partner",
                "search",
                None,
                json!({"domain": [like], "context": {"active_test": false}}),
            )
            .await;
        assert_eq!(all, json!(ids));
        let f = sim
            .fail(
                proto,
                "res.partner",
                "search",
                None,
                json!({"domain": [["nope", "=", 1]]}),
            )
            .await;
        assert_eq!(f.name(), "builtins.ValueError");
    }
}

#[tokio::test]
async fn create_answers_and_relations() {
    let sim = Sim::default().await;
    let one = sim
        .ok(
            Proto::JsonRpc,
            "res.partner",
            "create",
            None,
            json!({"vals_list": {"name": "Solo"}}),
        )
        .await;
    assert!(one.is_i64(), "JSON-RPC create of one dict answers an id: {one}");
    let many = sim
        .ok(
            Proto::JsonRpc,
            "res.partner",
            "create",
            None,
            json!({"vals_list": [{"name": "A"}, {"name": "B"}]}),
        )
        .await;
    assert_eq!(many.as_array().map(Vec::len), Some(2));
    let json2 = sim
        .ok(
            Proto::Json2,
            "res.partner",
            "create",
            None,
            json!({"vals_list": {"name": "Solo2"}}),
        )
        .await;
    assert!(json2.is_array(), "JSON-2 answers a list of ids: {json2}");

    let parent = one.as_i64().expect("id");
    let child = sim
        .create(
            Proto::Json2,
            "res.partner",
            json!({"name": "Kid", "parent_id": parent}),
        )
        .await;
    assert_eq!(
        sim.read1(Proto::Json2, "res.partner", child, &["parent_id"])
            .await["parent_id"],
        json!([parent, "Solo"])
    );
    assert_eq!(
        sim.read1(Proto::Json2, "res.partner", parent, &["child_ids"])
            .await["child_ids"],
        json!([child])
    );
    // Deleting a company detaches its contacts (only lines are deleted with their parent).
    sim.ok(
        Proto::Json2,
        "res.partner",
        "unlink",
        Some(vec![parent]),
        json!({}),
    )
    .await;
    assert_eq!(
        sim.read1(Proto::Json2, "res.partner", child, &["parent_id"])
            .await["parent_id"],
        json!(false)
    );

    let fields = sim
        .ok(
            Proto::Json2,
            "sale.order",
            "fields_get",
            None,
            json!({"attributes": ["type", "relation"]}),
        )
        .await;
    assert_eq!(
        fields["order_line"],
        json!({"type": "one2many", "relation": "sale.order.line"})
    );
    assert_eq!(
        fields["partner_id"],
        json!({"type": "many2one", "relation": "res.partner"})
    );
}

#[tokio::test]
async fn demo_data() {
    let sim = Sim::default().await;
    for proto in BOTH {
        let user = sim.read1(proto, "res.users", 2, &["login", "group_ids"]).await;
        assert_eq!(user["login"], "admin");
        assert!(user["group_ids"].as_array().is_some_and(|g| !g.is_empty()));
        let journals = sim
            .ok(
                proto,
                "account.journal",
                "search_read",
                None,
                json!({"domain": [], "fields": ["name", "type"], "order": "id"}),
            )
            .await;
        assert_eq!(
            journals,
            json!([
                {"id": 1, "name": "Customer Invoices", "type": "sale"},
                {"id": 2, "name": "Bank", "type": "bank"},
                {"id": 3, "name": "Cash", "type": "cash"},
            ])
        );
        let usd = sim.ok(proto, "ir.model.data", "search_read", None, json!({"domain": [["module", "=", "base"], ["name", "=", "USD"]], "fields": ["model", "res_id"]})).await;
        assert_eq!(usd[0]["model"], "res.currency");
    }
}
