//! The direct YAML writer (`crate::output::block_yaml`) against `serde_yaml`, the
//! text it replaces: random values built from the characters and shapes that change a
//! scalar's style (indicators, quotes, numbers, booleans, spaces, line breaks, tabs,
//! control and non-ASCII characters), nested maps and lists, must print byte-identical.

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

#[test]
fn random_values_print_as_serde_yaml_prints_them() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut direct = 0;
    for i in 0..20_000 {
        let v = random_value(&mut rng, 0);
        let expected = serde_yaml::to_string(&v).unwrap();
        assert_eq!(value_to_yaml(&v), expected, "case {i}: {v}");
        if block_yaml::write_value(&mut String::new(), &v).is_ok() {
            direct += 1;
        }
    }
    // The fallback is for rare shapes only: most values take the direct path.
    assert!(
        direct > 15_000,
        "only {direct} of 20000 values written directly"
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
            assert_eq!(ours, serde_yaml::to_string(obj).unwrap(), "{}", obj.id());
        }
    }
}
