//! Faster template compilation: long runs of static lines are handed to handlebars as
//! one helper call instead of text it parses character by character.
//!
//! Compiling the embedded templates was the largest single cost of a `capiform render`
//! process (more than the render itself): handlebars' parser walks raw text one
//! character at a time. Most of a values template is plain YAML, so before compiling,
//! [`collapse`] moves every run of whole lines without markup (no `{` or `\` other than
//! escaped `\{{`) into a table, empties comments, and
//! leaves `{{__capiform_static N}}` in its place; the helper registered by
//! [`register_helper`] writes the run back. The output is the same text: the line
//! breaks around each run stay in the template, so handlebars' standalone-tag rules
//! (which look at the text next to a tag) see what they saw before. Templates using
//! features where that reasoning does not hold (raw blocks, partials, whitespace
//! control `~`) are compiled as written.

use std::sync::{Arc, RwLock};

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext};

/// The helper's name; not meant for template authors.
pub const HELPER: &str = "__capiform_static";

/// Runs shorter than this stay in the template (a helper call costs more).
const MIN_RUN: usize = 48;

/// The static runs of every template compiled by one registry.
pub type Table = Arc<RwLock<Vec<String>>>;

/// Register the helper that writes entry `N` of `table`.
pub fn register_helper(hb: &mut Handlebars<'static>, table: Table) {
    hb.register_helper(
        HELPER,
        Box::new(
            move |h: &Helper,
                  _: &Handlebars,
                  _: &Context,
                  _: &mut RenderContext,
                  out: &mut dyn Output|
                  -> HelperResult {
                let index = h
                    .param(0)
                    .and_then(|p| p.value().as_u64())
                    .unwrap_or(u64::MAX);
                let table = table.read().unwrap_or_else(|e| e.into_inner());
                if let Some(text) = table.get(index as usize) {
                    out.write(text)?;
                }
                Ok(())
            },
        ),
    );
}

/// The template with its static line runs replaced by helper calls (appended to
/// `table`), or `None` when nothing was replaced or the template uses a feature the
/// rewrite leaves alone.
pub fn collapse(src: &str, table: &Table) -> Option<String> {
    if ["{{{{", "{{>", "{{#>", "~", "\\\\"]
        .iter()
        .any(|s| src.contains(s))
    {
        return None;
    }
    let (without_comments, comments) = empty_comments(src)?;
    let src = without_comments.as_str();
    let mut runs = Vec::new();
    for (start, end) in text_regions(src)? {
        runs.extend(static_runs(src, start, end));
    }
    if runs.is_empty() && comments == 0 {
        return None;
    }
    let mut table = table.write().unwrap_or_else(|e| e.into_inner());
    let mut out = String::with_capacity(src.len() / 2);
    let mut at = 0;
    for (start, end) in runs {
        out.push_str(&src[at..start]);
        out.push_str(&format!("{{{{{HELPER} {}}}}}", table.len()));
        // An escaped `\{{` prints as `{{`.
        table.push(src[start..end].replace("\\{{", "{{"));
        at = end;
    }
    out.push_str(&src[at..]);
    Some(out)
}

/// The template with every comment emptied (`{{!-- … --}}` → `{{!}}`: it prints
/// nothing either way, and a standalone comment line is still removed whole), and how
/// many comments there were. `None` when a comment is not closed.
fn empty_comments(src: &str) -> Option<(String, usize)> {
    let mut out = String::with_capacity(src.len());
    let mut count = 0;
    let mut rest = src;
    while let Some(i) = rest.find("{{!") {
        if i > 0 && rest.as_bytes()[i - 1] == b'\\' {
            out.push_str(&rest[..i + 3]);
            rest = &rest[i + 3..];
            continue;
        }
        let after = &rest[i..];
        let end = if let Some(body) = after.strip_prefix("{{!--") {
            body.find("--}}").map(|j| i + 5 + j + 4)
        } else {
            after[3..].find("}}").map(|j| i + 3 + j + 2)
        }?;
        out.push_str(&rest[..i]);
        out.push_str("{{!}}");
        count += 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    Some((out, count))
}

/// Byte ranges of the text between mustaches (`{{…}}`, `{{{…}}}`, `{{!-- … --}}`);
/// an escaped `\{{` is text. `None` when a mustache is not closed.
fn text_regions(src: &str) -> Option<Vec<(usize, usize)>> {
    let bytes = src.as_bytes();
    let mut regions = Vec::new();
    let (mut region_start, mut search) = (0, 0);
    while let Some(offset) = src[search..].find("{{") {
        let open = search + offset;
        if open > 0 && bytes[open - 1] == b'\\' {
            search = open + 2;
            continue;
        }
        let rest = &src[open..];
        let close = if let Some(body) = rest.strip_prefix("{{!--") {
            body.find("--}}").map(|i| open + 5 + i + 4)
        } else if let Some(body) = rest.strip_prefix("{{{") {
            body.find("}}}").map(|i| open + 3 + i + 3)
        } else {
            rest[2..].find("}}").map(|i| open + 2 + i + 2)
        }?;
        regions.push((region_start, open));
        region_start = close;
        search = close;
    }
    regions.push((region_start, src.len()));
    Some(regions)
}

/// Runs of whole static lines inside the text region `[start, end)`: each run starts
/// just after a line break and ends just before one, both breaks staying outside.
fn static_runs(src: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let region = &src[start..end];
    let breaks: Vec<usize> = region.match_indices('\n').map(|(i, _)| start + i).collect();
    let mut runs = Vec::new();
    let mut run_start: Option<usize> = None;
    for pair in breaks.windows(2) {
        let (line_start, line_end) = (pair[0] + 1, pair[1]);
        let line = &src[line_start..line_end];
        // Escaped mustaches (`\{{`) are text; any other `{` or `\` may start markup.
        let is_static = !line.replace("\\{{", "").contains(['{', '\\']);
        match (is_static, run_start) {
            (true, None) => run_start = Some(line_start),
            (false, Some(s)) => {
                push_run(&mut runs, s, pair[0]);
                run_start = None;
            }
            _ => {}
        }
    }
    if let (Some(s), Some(&last)) = (run_start, breaks.last()) {
        push_run(&mut runs, s, last);
    }
    runs
}

fn push_run(runs: &mut Vec<(usize, usize)>, start: usize, end: usize) {
    if end > start && end - start >= MIN_RUN {
        runs.push((start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Render `src` as written and collapsed; both must print the same.
    fn same_output(src: &str, data: serde_json::Value) {
        let table = Table::default();
        let mut plain = Handlebars::new();
        plain.register_escape_fn(handlebars::no_escape);
        plain.register_template_string("t", src).unwrap();
        let mut fast = Handlebars::new();
        fast.register_escape_fn(handlebars::no_escape);
        register_helper(&mut fast, table.clone());
        let collapsed = collapse(src, &table).expect("something to collapse");
        fast.register_template_string("t", collapsed).unwrap();
        assert_eq!(
            fast.render("t", &data).unwrap(),
            plain.render("t", &data).unwrap()
        );
    }

    #[test]
    fn standalone_blocks_and_comments_keep_their_whitespace_rules() {
        let src = "{{!-- a comment\nover lines --}}\ntop: 1\n  {{! short }}\nalert: \\{{ $labels.target }} is down, for quite a while now\nalso: \\{{ $value }} } and }} are text here, long enough\n{{#if on}}\n  static line one is here\n  static line two is here too\n\n  static line three\n{{else}}\n  other static line number one\n  other static line number two\n{{/if}}\n{{#each items}}\n  - item: {{this}}\n    fixed: static text of an item here\n    more: static text of an item here\n{{/each}}\nescaped: \\{{ jinja }}\nend: static line at the end of the template\nlast line without break";
        for on in [true, false] {
            same_output(src, json!({"on": on, "items": ["a", "b"]}));
        }
    }

    #[test]
    fn most_embedded_templates_collapse() {
        let set = crate::TemplateSet::embedded(None).unwrap();
        let mut collapsed = 0;
        for (path, bytes) in set.files() {
            if path.starts_with("templates/") && path.ends_with(".hbs") {
                let src = std::str::from_utf8(bytes).unwrap();
                if collapse(src, &Table::default()).is_some() {
                    collapsed += 1;
                }
            }
        }
        assert!(collapsed > 10, "only {collapsed} templates collapsed");
    }

    #[test]
    fn unclosed_mustache_is_left_to_handlebars() {
        assert!(
            collapse(
                "a\nlong static line of text here\n{{oops\n",
                &Table::default()
            )
            .is_none()
        );
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn register_helper() {
        let table = crate::template_set::static_text::Table::default();
        let mut hb = handlebars::Handlebars::new();
        crate::template_set::static_text::register_helper(&mut hb, table.clone());
        let src = crate::template_set::static_text::collapse(
            "{{#if a}}\nline one, static\nline two, static as well, long enough\n{{/if}}\n", &table).unwrap();
        hb.register_template_string("t", src).unwrap();
        assert_eq!(hb.render("t", &serde_json::json!({"a": true})).unwrap(),
                   "line one, static\nline two, static as well, long enough\n");
    }

    #[test]
    fn collapse() {
        let table = crate::template_set::static_text::Table::default();
        let src = "a: {{x}}\nstatic line number one\nstatic line number two, and more\nb: {{y}}\n";
        let collapsed = crate::template_set::static_text::collapse(src, &table).unwrap();
        assert_eq!(collapsed, "a: {{x}}\n{{__capiform_static 0}}\nb: {{y}}\n");
        assert!(crate::template_set::static_text::collapse("{{{{raw}}}}\n{{{{/raw}}}}", &table).is_none());
    }
}
