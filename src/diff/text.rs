//! The report for people: YAML of each object (secrets masked) and unified diffs.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Action, Diff, DiffOptions, ObjectKey};

/// The YAML of an object with `apiVersion`, `kind` and `metadata` first, as objects are
/// written, then the other fields in key order.
fn object_yaml(object: &Value) -> String {
    let Value::Object(m) = object else {
        return crate::output::value_to_yaml(object);
    };
    let first = ["apiVersion", "kind", "metadata"];
    let mut out = String::new();
    let keys = first
        .iter()
        .copied()
        .filter(|k| m.contains_key(*k))
        .chain(m.keys().map(String::as_str).filter(|k| !first.contains(k)));
    for key in keys {
        out.push_str(&crate::output::value_to_yaml(&crate::object::single(
            key,
            m[key].clone(),
        )));
    }
    out
}

/// The unified diff of one object (either side may be absent), secrets masked.
pub(super) fn unified(
    before: Option<&Value>,
    after: Option<&Value>,
    before_key: &ObjectKey,
    after_key: &ObjectKey,
    options: &DiffOptions,
) -> String {
    let mut b = before.cloned();
    let mut a = after.cloned();
    super::mask_secrets(b.as_mut(), a.as_mut());
    let b_text = b.as_ref().map(object_yaml).unwrap_or_default();
    let a_text = a.as_ref().map(object_yaml).unwrap_or_default();
    let header = |label: &str, key: &ObjectKey, present: bool| {
        if present {
            format!("{label} {key}")
        } else {
            format!("{label} (absent)")
        }
    };
    similar::TextDiff::from_lines(&b_text, &a_text)
        .unified_diff()
        .context_radius(options.context_lines)
        .header(
            &header(&options.before_label, before_key, before.is_some()),
            &header(&options.after_label, after_key, after.is_some()),
        )
        .to_string()
}

pub(super) fn report(diff: &Diff) -> String {
    let mut out = String::new();
    if diff.rollout.is_empty() {
        out.push_str("Rollout: no machine is replaced, added or removed\n");
    } else {
        out.push_str("Rollout:\n");
        for r in &diff.rollout {
            let _ = writeln!(out, "  {}", r.summary());
        }
    }
    if !diff.refused.is_empty() {
        out.push_str("Refused (the API server or a webhook rejects these changes):\n");
        for r in &diff.refused {
            let _ = writeln!(out, "  {r}");
        }
    }
    if !diff.conflicts.is_empty() {
        out.push_str(
            "Conflicts (other field managers own these fields; apply stops unless --force-conflicts):\n",
        );
        for c in &diff.conflicts {
            let _ = writeln!(out, "  {c}");
        }
    }
    let s = &diff.summary;
    let _ = writeln!(
        out,
        "Objects: {} to create, {} to change, {} to prune, {} unchanged",
        s.create, s.change, s.prune, s.unchanged
    );
    for o in diff
        .objects
        .iter()
        .filter(|o| o.action != Action::Unchanged)
    {
        let mut note = String::new();
        if let Some(old) = &o.replaces {
            let _ = write!(note, " (replaces {old})");
        }
        if o.metadata_only {
            note.push_str(" (labels/annotations only)");
        } else if o.own_content_only {
            note.push_str(" (capiform's own dashboards and alert texts only)");
        }
        let _ = writeln!(out, "  {} {}/{}{note}", o.action.sign(), o.kind, o.name);
    }
    for d in diff.objects.iter().filter_map(|o| o.diff.as_deref()) {
        out.push('\n');
        out.push_str(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_yaml_puts_identity_first() {
        let o = json!({"spec": {"a": 1}, "kind": "K", "apiVersion": "v1", "data": {}, "metadata": {"name": "n"}});
        assert_eq!(
            object_yaml(&o),
            "apiVersion: v1\nkind: K\nmetadata:\n  name: 'n'\ndata: {}\nspec:\n  a: 1\n"
        );
    }

    #[test]
    fn created_object_diff_is_all_additions() {
        let key = ObjectKey {
            group: String::new(),
            kind: "K".into(),
            name: "n".into(),
        };
        let o = json!({"apiVersion": "v1", "kind": "K", "metadata": {"name": "n"}});
        let d = unified(None, Some(&o), &key, &key, &DiffOptions::offline());
        assert_eq!(
            d,
            "--- from (absent)\n+++ to K/n\n@@ -0,0 +1,4 @@\n+apiVersion: v1\n+kind: K\n+metadata:\n+  name: 'n'\n"
        );
    }
}
