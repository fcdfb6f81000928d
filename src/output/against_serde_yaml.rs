//! The direct YAML writer (`crate::output::block_yaml`) against `serde_yaml`, the
//! text it replaces: random values built from the characters and shapes that change a
//! scalar's style (indicators, quotes, numbers, booleans, spaces, line breaks, tabs,
//! control and non-ASCII characters), nested maps and lists, must read back as the same
//! value, and print byte-identical to `serde_yaml` except where the writer deliberately
//! differs: strings a YAML 1.1 reader would misread are quoted, strings with line
//! breaks other than `\n` or several trailing newlines are double-quoted, and whole
//! floats print as integers (Helm's numbers).

use crate::output::{block_yaml, value_to_yaml};
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "Z",
    "0",
    "1",
    "7",
    "09",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    ":",
    ": ",
    "-",
    "- ",
    "#",
    " #",
    "?",
    "'",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    ".",
    "...",
    "---",
    "true",
    "false",
    "null",
    "~",
    "yes",
    "on",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "0b1",
    "+1",
    "-2",
    ".inf",
    "-.nan",
    "é",
    "✓",
    "😀",
    "\u{a0}",
    "\u{feff}",
    "\u{1}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\r",
    "key",
    "value with spaces",
    "{{ jinja }}",
    "http://x:80/y",
];

fn random_string(rng: &mut Rng) -> String {
    let n = rng.below(6);
    (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let pick = if depth > 3 {
        rng.below(5)
    } else {
        rng.below(8)
    };
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => match rng.below(3) {
            0 => json!(rng.below(100_000)),
            1 => json!(-(rng.below(1000) as i64)),
            // Never whole: a whole float64 prints as helm's `toYaml` prints it (`2`, where
            // serde_yaml writes `2.0`), which the go_yaml tests hold.
            _ => json!(rng.below(10_000) as f64 / 8.0 + 0.0625),
        },
        3 | 4 => Value::String(random_string(rng)),
        5 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(random_string(rng), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// Whether the writer's text for `v` may differ from `serde_yaml`'s on purpose.
fn differs_on_purpose(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            block_yaml::misread_unquoted(s)
                || s.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}'])
                || s == "\n"
                || s.ends_with("\n\n")
        }
        Value::Number(n) => n.is_f64(),
        Value::Array(a) => a.iter().any(differs_on_purpose),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| key_differs_on_purpose(k) || differs_on_purpose(v)),
        _ => false,
    }
}

/// Keys with line breaks are double-quoted on their line (`serde_yaml` writes `? key`),
/// long keys too (it does so past 128 bytes).
fn key_differs_on_purpose(k: &str) -> bool {
    k.contains('\n') || k.len() > 128 || differs_on_purpose(&Value::String(k.to_string()))
}

#[test]
fn random_values_print_as_serde_yaml_prints_them() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut direct = 0;
    let mut identical = 0;
    for i in 0..20_000 {
        let v = random_value(&mut rng, 0);
        let ours = value_to_yaml(&v);
        let back: Value =
            serde_yaml::from_str(&ours).unwrap_or_else(|e| panic!("case {i}: {e}\n{v}\n{ours:?}"));
        assert!(
            same_value(&back, &v),
            "case {i}: {v} reads back as {back}\n{ours}"
        );
        if !differs_on_purpose(&v) {
            assert_eq!(ours, serde_yaml::to_string(&v).unwrap(), "case {i}: {v}");
            identical += 1;
        }
        if block_yaml::write_value(&mut String::new(), &v).is_ok() {
            direct += 1;
        }
    }
    // The fallback is for rare shapes only: most values take the direct path.
    assert!(
        direct > 19_000,
        "only {direct} of 20000 values written directly"
    );
    assert!(
        identical > 5_000,
        "only {identical} values compared with serde_yaml"
    );
}

/// Equal, counting a whole float and the integer it holds as the same number.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn strings_yaml_1_1_misreads_are_quoted() {
    for s in [
        "y",
        "Y",
        "n",
        "N",
        "yes",
        "No",
        "on",
        "OFF",
        "~",
        "null",
        "0644",
        "0o17",
        "0x1F",
        "1_000",
        "12:30",
        "1:20:30.5",
        "+1",
        "1e3",
        ".inf",
        "-.Inf",
        ".NaN",
        "2001-12-14",
        "2001-13-45",
        "2001-12-14 21:59:43.10 -5",
        "=",
        "<<",
        "1.",
        "0b1_0",
    ] {
        let text = value_to_yaml(&json!({ "k": s, s: 1 }));
        assert!(
            !text.contains(&format!("k: {s}\n")) && !text.contains(&format!("\n{s}: 1")),
            "{s:?} is written plain:\n{text}"
        );
        let back: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back["k"], s);
    }
    for s in [
        "one",
        "1.2.3",
        "v1.0",
        "10.0.0.0/8",
        "12:30:x",
        "yess",
        "0b2",
        "Yes-no",
    ] {
        let text = value_to_yaml(&json!({ "k": s }));
        assert_eq!(text, format!("k: {s}\n"), "{s:?} need not be quoted");
    }
}

#[test]
fn numbers_print_as_helm_prints_them() {
    let v = json!({"a": 2.0, "b": 30000.0, "c": 1e3, "d": 1234567.5, "e": 0.00001, "f": -3});
    assert_eq!(
        value_to_yaml(&v),
        "a: 2\nb: 30000\nc: 1000\nd: 1.2345675e+06\ne: 1e-05\nf: -3\n"
    );
}

#[test]
fn rendered_manifests_print_as_serde_yaml_prints_them() {
    let set = crate::TemplateSet::embedded(None).unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/values");
    for name in ["minimal.yaml", "full.yaml"] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let req = crate::RenderRequest::new("demo", "default").with_values_yaml(name, text);
        let manifest = crate::render(&req, set).unwrap();
        for obj in &manifest.objects {
            let mut ours = String::new();
            block_yaml::write_object(&mut ours, obj).expect("written directly");
            let value = serde_json::to_value(obj).unwrap();
            if !differs_on_purpose(&value) {
                assert_eq!(ours, serde_yaml::to_string(obj).unwrap(), "{}", obj.id());
            }
            let back: Value = serde_yaml::from_str(&ours).unwrap();
            assert!(same_value(&back, &value), "{}", obj.id());
        }
    }
}

/// No document carries a key twice, whatever the body holds: random objects, some built
/// from bodies that carry `apiVersion` and `kind` (as a k8s-openapi type serializes them)
/// and some whose body was given header keys after they were built, read back with a
/// reader that refuses a key given twice.
#[test]
fn random_objects_never_write_a_key_twice() {
    let strict = |text: &str| serde_yaml::from_str::<serde_yaml::Value>(text);
    assert!(
        strict("a: 1\na: 2\n").is_err(),
        "the strict reader refuses a key twice"
    );
    let mut rng = Rng(7);
    for i in 0..2000 {
        let mut body = match random_value(&mut rng, 1) {
            Value::Object(m) => m,
            other => crate::object::single("spec", other)
                .as_object()
                .cloned()
                .unwrap(),
        };
        if i % 3 == 0 {
            body.insert("apiVersion".into(), Value::String("v1".into()));
            body.insert("kind".into(), Value::String("ConfigMap".into()));
        }
        let mut obj = crate::Object::from_value(
            "v1",
            "ConfigMap",
            crate::ObjectMeta::named(format!("o{i}")),
            Value::Object(body),
        )
        .expect("header keys that agree are taken out of the body");
        assert!(
            crate::object::HEADER_KEYS
                .iter()
                .all(|k| !obj.body.contains_key(*k))
        );
        if i % 3 == 1 {
            obj.body
                .insert("kind".into(), Value::String("Other".into()));
            obj.body
                .insert("metadata".into(), serde_json::json!({"name": "x"}));
        }
        let text = crate::output::to_yaml(std::slice::from_ref(&obj));
        let doc = text.strip_prefix("---\n").unwrap();
        let back = strict(doc).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        assert_eq!(back["kind"], serde_yaml::Value::from("ConfigMap"));
        let fallback = serde_yaml::to_string(&obj).unwrap();
        strict(&fallback).unwrap_or_else(|e| panic!("{e}\n{fallback}"));
    }
}

#[test]
fn a_body_that_disagrees_with_its_header_is_refused() {
    let body = serde_json::json!({"kind": "Secret", "data": {}});
    let err = crate::Object::from_value("v1", "ConfigMap", crate::ObjectMeta::named("c"), body)
        .unwrap_err();
    assert!(err.to_string().contains("kind"), "{err}");
    let body = serde_json::json!({"metadata": {"name": "c"}});
    assert!(
        crate::Object::from_value("v1", "ConfigMap", crate::ObjectMeta::named("c"), body).is_err()
    );
}
