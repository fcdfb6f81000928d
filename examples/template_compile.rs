//! Time compiling and rendering every template of the newest embedded set, once per
//! "process", with the fast path (`template_set::fast`) and with handlebars (the
//! static-text rewrite then `Template::compile`, as `TemplateSet` does when the fast
//! path declines; and the plain source).
//!
//! ```text
//! cargo run --release --example template_compile
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use capiform::TemplateSet;
use capiform::template_set::{fast, registry, static_text};
use serde_json::{Value, json};

/// Every field the addons pass to their templates (each template ignores the rest).
fn data() -> Value {
    json!({
        "monitoring": true, "clusterName": "demo", "reloader": true, "cephfs": true,
        "namespace": "ns", "release": "demo", "retentionSize": "8GB",
        "kubeProxyReplacement": true, "openstackAuthUrlTarget": true, "amdGPUOperator": true,
        "component": "node", "port": 9091, "app": "calico-node",
        "denyName": "d", "allowName": "a",
        "policy": {"denyNamespaceSelector": "s", "allowPriority": 20, "denyPriority": 10,
                   "allowEgressCidrs": ["0.0.0.0/0"], "denyEgressCidrs": ["169.254.169.254/32"],
                   "allowv6EgressCidrs": ["::/0"], "denyv6EgressCidrs": ["fe80::a9fe:a9fe/128"]},
        "networking": ["internal-network-name=net"], "floatingNetworkId": null,
        "loadBalancer": ["lb-method=ROUND_ROBIN"], "sections": [{"name": "S", "lines": ["e=f"]}],
    })
}

fn fast_pass(templates: &[(String, String)], data: &Value) -> usize {
    let mut bytes = 0;
    for (_, src) in templates {
        let t = fast::compile(src).expect("the fast path compiles every embedded template");
        bytes += t.render(data, &[]).expect("and renders it").len();
    }
    bytes
}

fn handlebars_pass(templates: &[(String, String)], data: &Value, collapse: bool) -> usize {
    let table = static_text::Table::default();
    let mut hb = registry(&table);
    let mut bytes = 0;
    for (name, src) in templates {
        let collapsed = if collapse {
            static_text::collapse(src, &table)
        } else {
            None
        };
        let t = handlebars::Template::compile(collapsed.as_deref().unwrap_or(src)).unwrap();
        hb.register_template(name, t);
        bytes += hb.render(name, data).unwrap().len();
    }
    bytes
}

/// First run, then the minimum and median of `runs` more, in microseconds.
fn time(runs: usize, mut f: impl FnMut() -> usize) -> (f64, f64, f64) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let start = Instant::now();
    black_box(f());
    let first = us(start.elapsed());
    let mut all: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            us(start.elapsed())
        })
        .collect();
    all.sort_by(f64::total_cmp);
    (first, all[0], all[runs / 2])
}

fn main() {
    let set = TemplateSet::embedded(None).unwrap();
    let templates: Vec<(String, String)> = set
        .files()
        .filter_map(|(path, bytes)| {
            let name = path.strip_prefix("templates/")?.strip_suffix(".hbs")?;
            Some((name.to_string(), String::from_utf8(bytes.to_vec()).ok()?))
        })
        .collect();
    let data = data();
    // Same output from both.
    assert_eq!(
        fast_pass(&templates, &data),
        handlebars_pass(&templates, &data, true)
    );
    let size: usize = templates.iter().map(|(_, s)| s.len()).sum();
    println!(
        "{} templates of {} ({} bytes), compiled and rendered once per pass",
        templates.len(),
        set.id(),
        size
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10}",
        "µs per pass", "first", "min", "median"
    );
    let runs = 200;
    for (label, (first, min, median)) in [
        ("fast path", time(runs, || fast_pass(&templates, &data))),
        (
            "handlebars (static-text rewrite)",
            time(runs, || handlebars_pass(&templates, &data, true)),
        ),
        (
            "handlebars (as written)",
            time(runs, || handlebars_pass(&templates, &data, false)),
        ),
    ] {
        println!("{label:<34} {first:>10.1} {min:>10.1} {median:>10.1}");
    }
}
