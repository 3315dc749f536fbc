//! The operator's views of a report: a plain-text table for the terminal, and a
//! self-contained HTML page (inline CSS and SVG, no external assets, no script) with a
//! chart of accepted events and exceptions per day.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::NaiveDate;

use crate::report::{Amount, Exception, Report};

/// The report as terminal text: summary per day and flow, parked queues, exceptions.
pub fn render_table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Reconciliation {}  window {}..{} ({})  exceptions {}  Odoo round trips {}",
        report.run_id,
        report.window.from,
        report.window.to,
        report.window.utc_offset,
        report.total_exceptions(),
        report.odoo_round_trips
    );
    let _ = writeln!(
        out,
        "\n{:<10} {:<8} {:>8} {:>8} {:>6} {:>9} {:>6}  totals (accepted / applied / odoo)",
        "day", "flow", "accepted", "applied", "parked", "in-flight", "found"
    );
    for d in &report.days {
        let totals: Vec<String> = d
            .totals
            .iter()
            .map(|(c, t)| format!("{c} {} / {} / {}", t.accepted, t.applied, t.odoo))
            .collect();
        let _ = writeln!(
            out,
            "{:<10} {:<8} {:>8} {:>8} {:>6} {:>9} {:>6}  {}",
            d.day,
            d.flow.as_str(),
            d.accepted,
            d.applied,
            d.parked,
            d.in_flight,
            d.odoo_found,
            totals.join("; ")
        );
    }
    let counts: Vec<String> = report
        .counts
        .iter()
        .map(|(k, n)| format!("{}={n}", k.as_str()))
        .collect();
    let _ = writeln!(out, "\nexceptions: {}", counts.join("  "));
    for e in &report.exceptions {
        let _ = writeln!(
            out,
            "{:<9} {:<8} {:<10} {:<40} {} {}{}\n          -> {}",
            e.kind.as_str(),
            e.flow.as_str(),
            e.day.map_or_else(|| "-".to_owned(), |d| d.to_string()),
            e.source_id,
            e.detail,
            e.odoo.join(","),
            amounts(e),
            e.action
        );
    }
    out
}

fn amounts(e: &Exception) -> String {
    let show = |a: &Option<Amount>| {
        a.as_ref()
            .map_or("-".to_owned(), |a| format!("{} {}", a.currency, a.minor))
    };
    if e.expected.is_none() && e.found.is_none() {
        String::new()
    } else {
        format!(" (expected {}, found {})", show(&e.expected), show(&e.found))
    }
}

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Accepted events and exceptions per local day (exceptions without a day are left out).
fn per_day(report: &Report) -> BTreeMap<NaiveDate, (u64, u64)> {
    let mut days: BTreeMap<NaiveDate, (u64, u64)> = report.window_days().map(|d| (d, (0, 0))).collect();
    for d in &report.days {
        days.entry(d.day).or_default().0 += d.accepted;
    }
    for e in &report.exceptions {
        if let Some(day) = e.day {
            days.entry(day).or_default().1 += e.count;
        }
    }
    days
}

/// A bar chart: two bars per day, accepted (blue) and exceptions (red), scaled to the
/// largest value.
fn chart(report: &Report) -> String {
    let days = per_day(report);
    let max = days.values().map(|(a, e)| (*a).max(*e)).max().unwrap_or(0).max(1);
    let (height, slot) = (160.0_f64, 48.0_f64);
    let width = slot * days.len().max(1) as f64 + 40.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{}" role="img" aria-label="accepted events and exceptions per day">"#,
        height + 40.0
    );
    for (i, (day, (accepted, exceptions))) in days.iter().enumerate() {
        let x = 30.0 + slot * i as f64;
        for (j, (value, class)) in [(*accepted, "acc"), (*exceptions, "exc")].iter().enumerate() {
            let h = height * (*value as f64) / (max as f64);
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="16" height="{h:.1}"><title>{day}: {value} {}</title></rect>"#,
                x + 17.0 * j as f64,
                height - h + 10.0,
                if *class == "acc" { "accepted" } else { "exceptions" }
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{}">{}</text>"#,
            height + 28.0,
            day.format("%m-%d")
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one self-contained HTML page.
pub fn render_html(report: &Report) -> String {
    let mut rows = String::new();
    for d in &report.days {
        let totals: Vec<String> = d
            .totals
            .iter()
            .map(|(c, t)| esc(&format!("{c} {} / {} / {}", t.accepted, t.applied, t.odoo)))
            .collect();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.day,
            d.flow.as_str(),
            d.accepted,
            d.applied,
            d.parked,
            d.in_flight,
            d.odoo_found,
            totals.join("<br>")
        );
    }
    let mut exceptions = String::new();
    for e in &report.exceptions {
        let _ = write!(
            exceptions,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.kind.as_str(),
            e.kind.as_str(),
            e.flow.as_str(),
            e.day.map_or_else(|| "-".to_owned(), |d| d.to_string()),
            esc(&e.source_id),
            esc(&format!("{}{}", e.detail, amounts(e))),
            esc(&e.odoo.join(", ")),
            esc(&e.action)
        );
    }
    let counts: Vec<String> = report
        .counts
        .iter()
        .map(|(k, n)| format!("<span class=\"k\">{}: <b>{n}</b></span>", k.as_str()))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reconciliation {run}</title>\
<style>body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}\
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}}th{{background:#f0f0f0}}\
.acc{{fill:#3b6fb6}}.exc{{fill:#c0392b}}text{{font-size:11px}}.k{{margin-right:1em}}</style></head><body>\
<h1>Reconciliation {run}</h1><p>Window {from} to {to} (days in {offset}), {total} exception(s), {trips} Odoo round trips.</p>\
<p>{counts}</p><h2>Accepted events and exceptions per day</h2>{chart}\
<h2>Per day and flow</h2><table><tr><th>day</th><th>flow</th><th>accepted</th><th>applied</th><th>parked</th>\
<th>in flight</th><th>found in Odoo</th><th>totals in minor units (accepted / applied / Odoo)</th></tr>{rows}</table>\
<h2>Exceptions</h2><table><tr><th>kind</th><th>flow</th><th>day</th><th>source id</th><th>detail</th><th>Odoo</th>\
<th>action</th></tr>{exceptions}</table></body></html>\n",
        run = esc(&report.run_id),
        from = report.window.from,
        to = report.window.to,
        offset = esc(&report.window.utc_offset),
        total = report.total_exceptions(),
        trips = report.odoo_round_trips,
        counts = counts.join(""),
        chart = chart(report),
    )
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
