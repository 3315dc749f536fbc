use super::*;
use crate::report::{DayFlow, ExceptionKind, REPORT_VERSION, Totals, WindowInfo, count_kinds};
use spine_core::Flow;

fn report() -> Report {
    let day: NaiveDate = "2026-11-20".parse().unwrap();
    let exceptions = vec![Exception {
        kind: ExceptionKind::Mismatch,
        flow: Flow::Order,
        day: Some(day),
        event_key: Some("shopify:e1".into()),
        source_id: "order:shopify:<i>1</i>#0".into(),
        odoo: vec!["sale.order:7".into()],
        expected: Some(Amount {
            minor: 3450,
            currency: "USD".into(),
        }),
        found: Some(Amount {
            minor: 4000,
            currency: "USD".into(),
        }),
        detail: "total".into(),
        action: "check taxes".into(),
        count: 1,
    }];
    Report {
        version: REPORT_VERSION.into(),
        run_id: "20261121T010000Z-abcd1234".into(),
        started_at: "2026-11-21T01:00:00Z".parse().unwrap(),
        finished_at: "2026-11-21T01:00:02Z".parse().unwrap(),
        window: WindowInfo {
            from: day,
            to: "2026-11-21".parse().unwrap(),
            utc_offset: "+00:00".into(),
        },
        days: vec![DayFlow {
            day,
            flow: Flow::Order,
            accepted: 12,
            applied: 11,
            parked: 1,
            in_flight: 0,
            closed: 0,
            odoo_found: 11,
            totals: [(
                "USD".to_owned(),
                Totals {
                    accepted: 41400,
                    applied: 37950,
                    odoo: 38500,
                },
            )]
            .into(),
        }],
        parked: vec![],
        counts: count_kinds(&exceptions),
        exceptions,
        odoo_round_trips: 4,
    }
}

#[test]
fn the_table_shows_the_day_totals_and_every_exception_with_its_action() {
    let text = render_table(&report());
    assert!(text.contains("2026-11-20 order"), "{text}");
    assert!(text.contains("USD 41400 / 37950 / 38500"), "{text}");
    assert!(text.contains("mismatch"), "{text}");
    assert!(text.contains("(expected USD 3450, found USD 4000)"), "{text}");
    assert!(text.contains("-> check taxes"), "{text}");
}

#[test]
fn the_page_is_self_contained_escaped_and_charts_every_window_day() {
    let html = render_html(&report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<script"));
    assert!(html.contains("&lt;i&gt;1&lt;/i&gt;"), "source ids are escaped");
    assert!(!html.contains("<i>1</i>"));
    // Two days in the window, two bars each, the empty day included.
    assert_eq!(html.matches("<rect").count(), 4);
    assert!(html.contains("2026-11-20: 12 accepted"));
    assert!(html.contains("2026-11-21: 0 exceptions"));
}
