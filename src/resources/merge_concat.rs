//! The chart's `mergeConcat` and `mergeConcatMany`, including what their trip through
//! YAML text does to the values.
//!
//! The merge itself is structural: maps merge key by key, two lists concatenate, and
//! for anything else the later value wins unless it is "empty" in the Go-template sense
//! ([`is_empty`]).
//!
//! The chart does not merge values, though: it prints each merge as YAML with `toYaml`
//! pieces and reads the text back with `fromYaml`, once per step of `mergeConcatMany`
//! and once more for its result. Helm's `toYaml` drops the final line break of what it
//! prints, so when the text ends with a literal block (`|`), the block loses its last
//! line break on the way back: a taint `value: "a\nb\n"` comes out as `"a\nb"`. Which
//! value ends the text follows from how the chart prints the merge: the keys of the
//! left map first, then the keys only the right map has; a value printed whole by
//! `toYaml` ends with its last key in go-yaml's order and its last list item.
//! [`MergeConcatMany`] does the same, so the objects and the `template-checksum`
//! annotations hashing them match the chart's.
//!
//! Where the chart's own order is Go's map order (two keys that could end the text),
//! Helm itself may print either; the key go-yaml sorts last is taken.

use serde_json::Value;

use super::kubeadm::is_empty;
use crate::helm_compat::go_yaml;

/// One step of a path into a value: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `right` merged into `acc` (the chart's `mergeConcat`, structurally): maps merge key
/// by key (recursively), two lists concatenate, otherwise `right` wins unless it is
/// empty. `right` is moved, not copied.
///
/// ```text
/// acc   = {files: [a], kubeletExtraArgs: {v: "2"}}
/// right = {files: [b], kubeletExtraArgs: {v: ""}, format: ignition}
/// →       {files: [a, b], kubeletExtraArgs: {v: "2"}, format: ignition}
/// ```
pub fn merge_concat_into(acc: &mut Value, right: Value) {
    match (acc, right) {
        (Value::Array(l), Value::Array(r)) => l.extend(r),
        (Value::Object(l), Value::Object(r)) => {
            for (k, rv) in r {
                match l.get_mut(&k) {
                    Some(lv) => merge_concat_into(lv, rv),
                    None => {
                        l.insert(k, rv);
                    }
                }
            }
        }
        (acc, right) => {
            if !is_empty(&right) {
                *acc = right;
            }
        }
    }
}

/// The chart's `mergeConcatMany` as its callers read it back (`include … | fromYaml`):
/// the fragments merged in order, each step and the result passed through YAML text as
/// the chart passes them (see the module documentation).
///
/// ```text
/// push({files: [x]}); push({joinConfiguration: {nodeRegistration: {taints: [{value: "a\nb\n"}]}}})
/// finish() → {files: [x], joinConfiguration: {nodeRegistration: {taints: [{value: "a\nb"}]}}}
/// ```
#[derive(Debug, Clone, Default)]
pub struct MergeConcatMany {
    acc: Option<Value>,
}

impl MergeConcatMany {
    /// Nothing merged yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merge the next fragment: `mergeConcat` of what is there and `fragment`, printed
    /// and read back. The first fragment is taken as it is.
    pub fn push(&mut self, fragment: Value) {
        match &mut self.acc {
            None => self.acc = Some(fragment),
            Some(acc) => {
                let end = merge_printed_end(acc, &fragment);
                merge_concat_into(acc, fragment);
                if let Some(path) = end {
                    drop_final_line_break(acc, &path);
                }
            }
        }
    }

    /// The result as the caller's `fromYaml` reads the printed `toYaml $obj`; `{}` when
    /// nothing was merged.
    pub fn finish(self) -> Value {
        let mut acc = self
            .acc
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        if let Some(path) = printed_end(&acc) {
            drop_final_line_break(&mut acc, &path);
        }
        acc
    }
}

/// [`MergeConcatMany`] over `fragments`, in order.
pub fn merge_concat_many(fragments: impl IntoIterator<Item = Value>) -> Value {
    let mut many = MergeConcatMany::new();
    for f in fragments {
        many.push(f);
    }
    many.finish()
}

/// The scalar `toYaml` prints last for `v`: its last key in go-yaml's order, its last
/// list item, recursively. `None` when the text ends with `{}` or `[]`.
fn printed_end(v: &Value) -> Option<Vec<Step>> {
    let mut path = Vec::new();
    let mut at = v;
    loop {
        match at {
            Value::Object(m) => {
                let key = m.keys().max_by(|a, b| go_yaml::key_order(a, b))?;
                path.push(Step::Key(key.clone()));
                at = &m[key];
            }
            Value::Array(items) => {
                path.push(Step::Index(items.len().checked_sub(1)?));
                at = items.last()?;
            }
            _ => return Some(path),
        }
    }
}

/// The scalar the chart's `mergeConcat` text of `left` and `right` ends with (before
/// the merge; the path holds in the merged value).
fn merge_printed_end(left: &Value, right: &Value) -> Option<Vec<Step>> {
    match (left, right) {
        (Value::Array(l), Value::Array(r)) => {
            let last = r.last().or(l.last())?;
            let mut path = vec![Step::Index(l.len() + r.len() - 1)];
            path.extend(printed_end(last)?);
            Some(path)
        }
        (Value::Object(l), Value::Object(r)) => {
            // The keys of the left map, then those only the right one has.
            let right_only = r
                .keys()
                .filter(|k| !l.contains_key(*k))
                .max_by(|a, b| go_yaml::key_order(a, b));
            let (key, rest) = match right_only {
                Some(k) => (k, printed_end(&r[k])?),
                None => {
                    let k = l.keys().max_by(|a, b| go_yaml::key_order(a, b))?;
                    let rest = match r.get(k) {
                        Some(rv) => merge_printed_end(&l[k], rv)?,
                        None => printed_end(&l[k])?,
                    };
                    (k, rest)
                }
            };
            let mut path = vec![Step::Key(key.clone())];
            path.extend(rest);
            Some(path)
        }
        (l, r) => printed_end(if is_empty(r) { l } else { r }),
    }
}

/// Read back a text ending with the scalar at `path`: a string go-yaml prints as a
/// literal block loses its final line break.
fn drop_final_line_break(v: &mut Value, path: &[Step]) {
    let mut at = v;
    for step in path {
        at = match (step, at) {
            (Step::Key(k), Value::Object(m)) => match m.get_mut(k) {
                Some(next) => next,
                None => return,
            },
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    if let Value::String(s) = at
        && s.ends_with('\n')
        && go_yaml::to_string(&Value::String(s.clone())).starts_with('|')
    {
        s.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_literal_block_ending_the_text_loses_its_final_line_break() {
        // The chart prints the key only the right side has last.
        let spec = merge_concat_many([
            json!({"files": [{"path": "/a", "content": "x\n"}]}),
            json!({"joinConfiguration": {"nodeRegistration": {"taints": [{"key": "gpu", "value": "a\nb\n"}]}}}),
        ]);
        assert_eq!(
            spec["joinConfiguration"]["nodeRegistration"]["taints"][0]["value"],
            "a\nb"
        );
        // Texts that do not end the printed merge keep theirs.
        assert_eq!(spec["files"][0]["content"], "x\n");
    }

    #[test]
    fn the_result_is_printed_in_go_yaml_key_order() {
        // `preKubeadmCommands` sorts last: its last command ends the final text.
        let spec = merge_concat_many([json!({
            "preKubeadmCommands": ["one\ntwo\n"],
            "files": [{"content": "x\n"}],
        })]);
        assert_eq!(spec["preKubeadmCommands"][0], "one\ntwo");
        assert_eq!(spec["files"][0]["content"], "x\n");
    }

    #[test]
    fn single_line_and_quoted_texts_are_kept() {
        // A trailing space forbids the literal block: go-yaml double-quotes the text.
        let spec = merge_concat_many([json!({}), json!({"a": "x \n"})]);
        assert_eq!(spec["a"], "x \n");
        let spec = merge_concat_many([json!({}), json!({"a": "x"})]);
        assert_eq!(spec["a"], "x");
    }

    #[test]
    fn lists_end_with_the_right_sides_last_item() {
        let spec = merge_concat_many([json!({"c": ["l\n"]}), json!({"c": ["r\n"]})]);
        assert_eq!(spec["c"], json!(["l\n", "r"]));
    }

    #[test]
    fn nothing_merged_is_an_empty_map() {
        assert_eq!(merge_concat_many([]), json!({}));
    }
}
