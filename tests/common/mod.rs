//! Helpers shared by the integration tests: a deterministic generator and mutations of
//! values trees (keys deleted, values replaced by other types), and the values files
//! every mutation test starts from.
#![allow(dead_code)]

use serde_json::{Value, json};

/// A small deterministic generator (no dependency, same sequence everywhere).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub fn replacement(rng: &mut Lcg) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1e300),
        4 => json!("{{ .Values.nope }}"),
        5 => json!(""),
        6 => json!([]),
        7 => json!({}),
        8 => json!([{"x": null}]),
        9 => json!({"{{": "}}"}),
        10 => json!("a\u{0}b\u{202e}"),
        _ => json!(4294967296u64),
    }
}

pub fn paths(v: &Value, prefix: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let mut p = prefix.clone();
                p.push(json!(k));
                out.push(p.clone());
                paths(c, p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(json!(i));
                out.push(p.clone());
                paths(c, p, out);
            }
        }
        _ => {}
    }
}

pub fn mutate(v: &mut Value, path: &[Value], rng: &mut Lcg) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = v;
    for p in parents {
        let next = match (cur, p) {
            (Value::Object(m), Value::String(k)) => m.get_mut(k),
            (Value::Array(a), Value::Number(i)) => a.get_mut(i.as_u64().unwrap_or(0) as usize),
            _ => None,
        };
        let Some(next) = next else { return };
        cur = next;
    }
    match (cur, last) {
        (Value::Object(m), Value::String(k)) => {
            if rng.below(3) == 0 {
                m.remove(k);
            } else {
                m.insert(k.clone(), replacement(rng));
            }
        }
        (Value::Array(a), Value::Number(i)) => {
            if let Some(slot) = a.get_mut(i.as_u64().unwrap_or(0) as usize) {
                *slot = replacement(rng);
            }
        }
        _ => {}
    }
}

/// Every golden values file and the full example, sorted.
pub fn values_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("golden"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path().join("values.yaml")))
        .filter(|p| p.is_file())
        .collect();
    files.push(root.join("examples/values/full.yaml"));
    files.sort();
    files
}

/// `rounds` mutations (one to three changes each) of every file of [`values_files`], with
/// the file each came from.
pub fn mutations(rounds: usize, seed: u64) -> Vec<(std::path::PathBuf, Value)> {
    let mut rng = Lcg(seed);
    let mut out = Vec::new();
    for file in values_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let base: Value = serde_yaml::from_str(&text).unwrap();
        let mut all = Vec::new();
        paths(&base, vec![], &mut all);
        for _ in 0..rounds {
            let mut v = base.clone();
            for _ in 0..1 + rng.below(3) {
                if all.is_empty() {
                    break;
                }
                let p = all[rng.below(all.len())].clone();
                mutate(&mut v, &p, &mut rng);
            }
            out.push((file.clone(), v));
        }
    }
    out
}

/// Write a line to the terminal even when the test harness captures the test's output
/// (it captures `eprintln!` of a passing test, not the stream itself): skips, seeds and
/// summaries always show.
pub fn loud(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
