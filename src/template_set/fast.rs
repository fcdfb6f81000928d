//! A fast path for the handlebars templates of a set: a small compiler and renderer for
//! the subset of handlebars the embedded templates use, giving the same bytes as the
//! `handlebars` crate configured as [`TemplateSet`](super::TemplateSet) configures it
//! (strict mode, no escaping), and declining everything else.
//!
//! # Why
//!
//! `capiform render` is a short-lived process. Compiling a template with the
//! `handlebars` crate (a pest grammar) costs tens of microseconds even for a tiny one,
//! about a millisecond for the embedded set: a large share of the whole run. Most
//! templates are YAML with a few `{{value}}`, `{{#if}}` and `{{#each}}` tags, which a
//! single scan for `{{` compiles in a few microseconds.
//!
//! # What it supports
//!
//! - text, with `\{{` (and `\{{{{`) escapes printed without the backslash;
//! - comments `{{! … }}` and `{{!-- … --}}`;
//! - values `{{path}}`, `{{ path.with.dots }}`, `{{this}}`, `{{this.path}}` and, inside
//!   `#each`, `{{@index}}`, `{{@first}}`, `{{@last}}`, `{{@key}}`; a value prints as
//!   handlebars prints it: strings as they are (no escaping), numbers, booleans, and
//!   `null` as nothing;
//! - `{{#if path}}…{{else}}…{{/if}}` (handlebars' truthiness: `false`, `null`, a missing
//!   value, `0`, `""`, `[]` and `{}` are false);
//! - `{{#each path}}…{{else}}…{{/each}}` over arrays and objects, with paths in the
//!   body resolved against the current item;
//! - `{{__capiform_static N}}`, the helper call [`static_text`](super::static_text)
//!   leaves in place of a static line run (entry `N` of the table given to
//!   [`FastTemplate::render`]);
//! - handlebars' whitespace rules for "standalone" tags: a line holding only a block
//!   tag (`{{#if …}}`, `{{else}}`, `{{/if}}`, `{{#each …}}`, `{{/each}}`) or a comment,
//!   with spaces or tabs around it, is removed whole, line break included (the start
//!   of the template counts as a line start, and its end, right after the tag, as a
//!   line end).
//!
//! # What it declines
//!
//! Anything else: [`compile`] returns `None` for partials, raw blocks `{{{{`, triple
//! stashes `{{{`, `{{&`, whitespace control `~`, decorators, helpers other than `if`,
//! `each` and the static one (a value whose name is a helper is a helper call),
//! subexpressions, literals, hash arguments, `else if` chains, block parameters
//! `as |x|`, paths with `/`, `[…]`, `../` or `@root`, names handlebars could read as a
//! keyword or literal, carriage returns, two backslashes before `{{`, and any syntax
//! error. [`FastTemplate::render`] returns `None` when the render is anything but
//! plainly right: a missing value printed or iterated (strict mode makes that an error
//! whose message handlebars should write), a path going through an array, an array or
//! object printed, a static entry out of range. The caller then renders with
//! handlebars, which gives the output or the error it always gave: the fast path is
//! an optimisation, never a second dialect.

use serde_json::Value;

/// The name of the helper [`static_text`](super::static_text) writes static runs with.
const STATIC_HELPER: &str = super::static_text::HELPER;

/// A template compiled by [`compile`], ready to [render](FastTemplate::render).
#[derive(Debug, Clone)]
pub struct FastTemplate {
    /// The text of every text node, one after the other (escapes already applied).
    text: String,
    nodes: Vec<Node>,
    /// A guess of the output size, for the output buffer.
    size_hint: usize,
}

#[derive(Debug, Clone)]
enum Node {
    /// A byte range of [`FastTemplate::text`].
    Text(usize, usize),
    Value(Path),
    Static(usize),
    If {
        cond: Path,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Each {
        over: Vec<Box<str>>,
        body: Vec<Node>,
        otherwise: Option<Vec<Node>>,
    },
}

/// A value reference.
#[derive(Debug, Clone)]
enum Path {
    /// `@index`, `@first`, `@last`, `@key` of the innermost `#each`.
    Local(Local),
    /// Keys from the current context (`this` left out).
    Data(Vec<Box<str>>),
}

#[derive(Debug, Clone, Copy)]
enum Local {
    Index,
    First,
    Last,
    Key,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    If,
    Each,
}

impl Block {
    fn from_name(name: &str) -> Option<Block> {
        match name {
            "if" => Some(Block::If),
            "each" => Some(Block::Each),
            _ => None,
        }
    }
}

/// What a tag is.
#[derive(Debug)]
enum Tag {
    Value(Path),
    Static(usize),
    Open(Block, Path),
    Else,
    Close(Block),
    Comment,
}

impl Tag {
    /// Whether handlebars removes the tag's line when the tag stands alone on it.
    fn may_stand_alone(&self) -> bool {
        matches!(
            self,
            Tag::Open(..) | Tag::Else | Tag::Close(_) | Tag::Comment
        )
    }
}

#[derive(Debug)]
enum Token {
    /// A byte range of the text buffer.
    Text(usize, usize),
    Tag {
        tag: Tag,
        /// Byte range of the tag in the source.
        start: usize,
        end: usize,
        standalone: bool,
    },
}

/// The helpers every handlebars registry has, and the names of its missing-helper
/// hooks: a value tag with one of these names is a helper call, not a value.
const BUILTIN_HELPERS: &[&str] = &[
    "if",
    "unless",
    "each",
    "with",
    "lookup",
    "raw",
    "log",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "and",
    "or",
    "not",
    "len",
    "helperMissing",
    "blockHelperMissing",
    "lowerCamelCase",
    "upperCamelCase",
    "snakeCase",
    "kebabCase",
    "shoutySnakeCase",
    "shoutyKebabCase",
    "titleCase",
    "trainCase",
];

/// Whether `name` is one of the helpers (or hooks) a handlebars registry may have
/// built in, or the static-text helper.
pub fn is_builtin_helper(name: &str) -> bool {
    name == STATIC_HELPER || BUILTIN_HELPERS.contains(&name)
}

/// Compile `src`, or `None` when it uses anything outside the supported subset (see
/// the [module documentation](self)). A value tag named like a built-in helper
/// ([`is_builtin_helper`]) is declined.
pub fn compile(src: &str) -> Option<FastTemplate> {
    compile_with_helpers(src, &is_builtin_helper)
}

/// [`compile`], with `is_helper` telling which names are helpers in the registry the
/// template would otherwise be rendered by: a value tag `{{name}}` with such a name is
/// a helper call there, so the template is declined.
pub fn compile_with_helpers(src: &str, is_helper: &dyn Fn(&str) -> bool) -> Option<FastTemplate> {
    // handlebars treats a lone `\r` as a line break in some places and not in others.
    if src.contains('\r') {
        return None;
    }
    let (text, mut tokens) = tokenize(src, is_helper)?;
    mark_standalone(src, &mut tokens);
    trim_around_standalone(&text, &mut tokens);
    let nodes = build_tree(tokens)?;
    Some(FastTemplate {
        size_hint: src.len() + src.len() / 4,
        text,
        nodes,
    })
}

/// Split `src` into text (escapes applied, appended to the returned buffer) and tags.
fn tokenize(src: &str, is_helper: &dyn Fn(&str) -> bool) -> Option<(String, Vec<Token>)> {
    let bytes = src.as_bytes();
    let mut text = String::with_capacity(src.len());
    let mut tokens = Vec::new();
    // Start (in `text`) of the text token being built, and the first source byte not
    // yet copied into it.
    let mut text_start = 0;
    let mut copy_from = 0;
    let mut pos = 0;
    while let Some(offset) = src[pos..].find("{{") {
        let open = pos + offset;
        if open > copy_from && bytes[open - 1] == b'\\' {
            // Two backslashes before `{{`: the first escapes the second and the tag
            // is real; left to handlebars.
            if open >= 2 && bytes[open - 2] == b'\\' {
                return None;
            }
            // `\{{` (or `\{{{{`) prints without the backslash and opens no tag.
            text.push_str(&src[copy_from..open - 1]);
            let mut end = open + 2;
            if src[end..].starts_with("{{") {
                end += 2;
            }
            text.push_str(&src[open..end]);
            copy_from = end;
            pos = end;
            continue;
        }
        text.push_str(&src[copy_from..open]);
        if text.len() > text_start {
            tokens.push(Token::Text(text_start, text.len()));
        }
        let (tag, end) = parse_tag(src, open, is_helper)?;
        tokens.push(Token::Tag {
            tag,
            start: open,
            end,
            standalone: false,
        });
        text_start = text.len();
        copy_from = end;
        pos = end;
    }
    text.push_str(&src[copy_from..]);
    if text.len() > text_start {
        tokens.push(Token::Text(text_start, text.len()));
    }
    Some((text, tokens))
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The tag opening at `open` (`{{`) and the byte just past its end.
fn parse_tag(src: &str, open: usize, is_helper: &dyn Fn(&str) -> bool) -> Option<(Tag, usize)> {
    let rest = &src[open + 2..];
    if let Some(comment) = rest.strip_prefix('!') {
        let end = if let Some(body) = comment.strip_prefix("--") {
            // Ends at the first `--}}` after the opening `{{!--`.
            open + 5 + body.find("--}}")? + 4
        } else {
            // `{{! --` opens a long comment for handlebars (it allows blanks there).
            if comment
                .trim_start_matches(char::is_whitespace)
                .starts_with("--")
            {
                return None;
            }
            open + 3 + comment.find("}}")? + 2
        };
        return Some((Tag::Comment, end));
    }
    let close = rest.find("}}")?;
    let inner = &rest[..close];
    let end = open + 2 + close + 2;
    if inner.contains(['{', '}', '~', '\n']) {
        return None;
    }
    let tag = if let Some(open_block) = inner.strip_prefix('#') {
        let name_len = open_block
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(open_block.len());
        let block = Block::from_name(&open_block[..name_len])?;
        let args = &open_block[name_len..];
        // One parameter, after at least one blank.
        if !args.starts_with(is_blank) {
            return None;
        }
        let param = args.trim_matches(is_blank);
        let path = parse_path(param)?;
        if block == Block::Each && !matches!(path, Path::Data(_)) {
            return None;
        }
        Tag::Open(block, path)
    } else if let Some(name) = inner.strip_prefix('/') {
        Tag::Close(Block::from_name(name.trim_end_matches(is_blank))?)
    } else {
        let body = inner.trim_matches(is_blank);
        if body == "else" {
            Tag::Else
        } else if let Some(arg) = body.strip_prefix(STATIC_HELPER) {
            if !arg.starts_with(is_blank) {
                return None;
            }
            let digits = arg.trim_start_matches(is_blank);
            let well_formed = !digits.is_empty()
                && digits.len() <= 9
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if !well_formed {
                return None;
            }
            Tag::Static(digits.parse().ok()?)
        } else {
            if is_helper(body) {
                return None;
            }
            Tag::Value(parse_path(body)?)
        }
    };
    Some((tag, end))
}

/// A path in the supported form, or `None`.
fn parse_path(raw: &str) -> Option<Path> {
    if let Some(local) = raw.strip_prefix('@') {
        return Some(Path::Local(match local {
            "index" => Local::Index,
            "first" => Local::First,
            "last" => Local::Last,
            "key" => Local::Key,
            _ => return None,
        }));
    }
    let rest = match raw {
        "this" => return Some(Path::Data(Vec::new())),
        _ => raw.strip_prefix("this.").unwrap_or(raw),
    };
    let mut segments = Vec::new();
    for segment in rest.split('.') {
        if !is_plain_name(segment) {
            return None;
        }
        segments.push(segment.into());
    }
    Some(Path::Data(segments))
}

/// A name handlebars reads as a plain key wherever it stands: letters, digits, `_` and
/// `-`, starting with a letter or `_`, and not a keyword, a literal, `this` or a name
/// that starts like `else` (`{{elsewhere}}` is an `else` chain to handlebars).
fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "this" | "true" | "false" | "null" | "as")
        && !s.starts_with("else")
}

/// Mark the tags that stand alone on their line, as handlebars decides it: a block
/// tag or comment with only blanks between it and the previous line break (or the
/// start of the template), and only blanks between it and the next line break (or
/// nothing between it and the end of the template).
fn mark_standalone(src: &str, tokens: &mut [Token]) {
    for token in tokens.iter_mut() {
        if let Token::Tag {
            tag,
            start,
            end,
            standalone,
        } = token
        {
            if !tag.may_stand_alone() {
                continue;
            }
            // The end of the template counts as a line break, but only right after
            // the tag: blanks at the very end keep it from standing alone.
            let after = &src[*end..];
            let line_ends =
                after.is_empty() || after.trim_start_matches(is_blank).starts_with('\n');
            let before = src[..*start].trim_end_matches(is_blank);
            let line_starts = before.is_empty() || before.ends_with('\n');
            *standalone = line_ends && line_starts;
        }
    }
}

/// Remove the rest of the line after a standalone tag (blanks and the line break) and
/// the blanks before it, from the text next to it.
fn trim_around_standalone(text: &str, tokens: &mut [Token]) {
    let standalone = |t: Option<&Token>| {
        matches!(
            t,
            Some(Token::Tag {
                standalone: true,
                ..
            })
        )
    };
    for i in 0..tokens.len() {
        let Token::Text(start, end) = tokens[i] else {
            continue;
        };
        let (mut start, mut end) = (start, end);
        if i > 0 && standalone(tokens.get(i - 1)) {
            let s = &text[start..end];
            let s = s.trim_start_matches(is_blank);
            let s = s.strip_prefix('\n').unwrap_or(s);
            start = end - s.len();
        }
        if standalone(tokens.get(i + 1)) {
            let s = &text[start..end];
            end = start + s.trim_end_matches(is_blank).len();
        }
        tokens[i] = Token::Text(start, end);
    }
}

/// An open block while building the tree.
struct OpenBlock {
    block: Block,
    path: Path,
    then: Vec<Node>,
    otherwise: Option<Vec<Node>>,
}

fn build_tree(tokens: Vec<Token>) -> Option<Vec<Node>> {
    let mut root = Vec::new();
    let mut stack: Vec<OpenBlock> = Vec::new();
    for token in tokens {
        let node = match token {
            Token::Text(start, end) if start < end => Node::Text(start, end),
            Token::Text(..) => continue,
            Token::Tag { tag, .. } => match tag {
                Tag::Comment => continue,
                Tag::Value(path) => Node::Value(path),
                Tag::Static(n) => Node::Static(n),
                Tag::Open(block, path) => {
                    stack.push(OpenBlock {
                        block,
                        path,
                        then: Vec::new(),
                        otherwise: None,
                    });
                    continue;
                }
                Tag::Else => {
                    let open = stack.last_mut()?;
                    if open.otherwise.is_some() {
                        return None;
                    }
                    open.otherwise = Some(Vec::new());
                    continue;
                }
                Tag::Close(block) => {
                    let open = stack.pop()?;
                    if open.block != block {
                        return None;
                    }
                    match (open.block, open.path) {
                        (Block::If, cond) => Node::If {
                            cond,
                            then: open.then,
                            otherwise: open.otherwise.unwrap_or_default(),
                        },
                        (Block::Each, Path::Data(over)) => Node::Each {
                            over,
                            body: open.then,
                            otherwise: open.otherwise,
                        },
                        (Block::Each, Path::Local(_)) => return None,
                    }
                }
            },
        };
        let list = match stack.last_mut() {
            None => &mut root,
            Some(open) => match open.otherwise.as_mut() {
                Some(otherwise) => otherwise,
                None => &mut open.then,
            },
        };
        list.push(node);
    }
    if !stack.is_empty() {
        return None;
    }
    Some(root)
}

/// The innermost `#each` iteration: what `@index`, `@first`, `@last` and `@key` are.
#[derive(Clone, Copy)]
struct Frame<'a> {
    index: usize,
    len: usize,
    key: Option<&'a str>,
}

/// A value found by a path: present, missing, or not to be trusted (a path through an
/// array, where handlebars reads a key as an index).
enum Lookup<'a> {
    Found(&'a Value),
    Missing,
}

fn lookup<'a>(context: &'a Value, keys: &[Box<str>]) -> Option<Lookup<'a>> {
    let mut current = context;
    for key in keys {
        current = match current {
            Value::Object(map) => match map.get(&**key) {
                Some(v) => v,
                None => return Some(Lookup::Missing),
            },
            // handlebars reads the key as an index and fails when it is not one.
            Value::Array(_) => return None,
            _ => return Some(Lookup::Missing),
        };
    }
    Some(Lookup::Found(current))
}

/// handlebars' truthiness (`JsonTruthy` without `includeZero`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(f64::is_normal),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

impl FastTemplate {
    /// Render with `data` as the root context; `statics` is the static-text table the
    /// template's `{{__capiform_static N}}` calls refer to. `None` when handlebars
    /// should render instead: a missing value printed or iterated (an error in strict
    /// mode), a path through an array, an array or object printed, a static entry
    /// out of range.
    pub fn render(&self, data: &Value, statics: &[String]) -> Option<String> {
        let mut out = String::with_capacity(self.size_hint);
        self.render_nodes(&self.nodes, data, None, statics, &mut out)?;
        Some(out)
    }

    fn render_nodes(
        &self,
        nodes: &[Node],
        context: &Value,
        frame: Option<Frame<'_>>,
        statics: &[String],
        out: &mut String,
    ) -> Option<()> {
        for node in nodes {
            match node {
                Node::Text(start, end) => out.push_str(&self.text[*start..*end]),
                Node::Static(n) => out.push_str(statics.get(*n)?),
                Node::Value(Path::Local(local)) => {
                    let frame = frame?;
                    match local {
                        Local::Index => out.push_str(&frame.index.to_string()),
                        Local::First => out.push_str(bool_str(frame.index == 0)),
                        Local::Last => out.push_str(bool_str(frame.index + 1 == frame.len)),
                        Local::Key => out.push_str(frame.key?),
                    }
                }
                Node::Value(Path::Data(keys)) => match lookup(context, keys)? {
                    Lookup::Missing => return None,
                    Lookup::Found(v) => match v {
                        Value::Null => {}
                        Value::Bool(b) => out.push_str(bool_str(*b)),
                        Value::Number(n) => out.push_str(&n.to_string()),
                        Value::String(s) => out.push_str(s),
                        Value::Array(_) | Value::Object(_) => return None,
                    },
                },
                Node::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let yes = match cond {
                        Path::Local(local) => match (frame, local) {
                            (None, _) => false,
                            (Some(f), Local::Index) => f.index != 0,
                            (Some(f), Local::First) => f.index == 0,
                            (Some(f), Local::Last) => f.index + 1 == f.len,
                            (Some(f), Local::Key) => f.key.is_some_and(|k| !k.is_empty()),
                        },
                        Path::Data(keys) => match lookup(context, keys)? {
                            Lookup::Missing => false,
                            Lookup::Found(v) => truthy(v),
                        },
                    };
                    let branch = if yes { then } else { otherwise };
                    self.render_nodes(branch, context, frame, statics, out)?;
                }
                Node::Each {
                    over,
                    body,
                    otherwise,
                } => {
                    let value = match lookup(context, over)? {
                        Lookup::Found(v) => Some(v),
                        Lookup::Missing => None,
                    };
                    match value {
                        Some(Value::Array(items)) if !items.is_empty() => {
                            for (index, item) in items.iter().enumerate() {
                                let frame = Frame {
                                    index,
                                    len: items.len(),
                                    key: None,
                                };
                                self.render_nodes(body, item, Some(frame), statics, out)?;
                            }
                        }
                        Some(Value::Object(map)) if !map.is_empty() => {
                            for (index, (key, item)) in map.iter().enumerate() {
                                let frame = Frame {
                                    index,
                                    len: map.len(),
                                    key: Some(key),
                                };
                                self.render_nodes(body, item, Some(frame), statics, out)?;
                            }
                        }
                        _ => match otherwise {
                            Some(nodes) => {
                                self.render_nodes(nodes, context, frame, statics, out)?
                            }
                            // An empty list or map renders nothing; anything else is
                            // a strict-mode error.
                            None => match value {
                                Some(Value::Array(_) | Value::Object(_)) => {}
                                _ => return None,
                            },
                        },
                    }
                }
            }
        }
        Some(())
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handlebars::Handlebars;
    use serde_json::json;

    /// A registry configured as [`TemplateSet`](super::super::TemplateSet) configures
    /// its own, with `statics` as the static-text table.
    fn registry(statics: &[String]) -> Handlebars<'static> {
        let table = super::super::static_text::Table::default();
        table.write().unwrap().extend(statics.iter().cloned());
        super::super::registry(&table)
    }

    fn handlebars(src: &str, data: &Value, statics: &[String]) -> Result<String, String> {
        registry(statics)
            .render_template(src, data)
            .map_err(|e| e.to_string())
    }

    /// The fast path renders `src` and prints what handlebars prints.
    #[track_caller]
    fn same(src: &str, data: Value) -> String {
        same_with(src, data, &[])
    }

    #[track_caller]
    fn same_with(src: &str, data: Value, statics: &[String]) -> String {
        let expected = handlebars(src, &data, statics).expect("handlebars renders");
        let t = compile(src).unwrap_or_else(|| panic!("fast path declined {src:?}"));
        let got = t
            .render(&data, statics)
            .unwrap_or_else(|| panic!("fast path declined {src:?} at render with {data}"));
        assert_eq!(got, expected, "{src:?} with {data}");
        got
    }

    /// The fast path declines to render `src` with `data`, and handlebars fails.
    #[track_caller]
    fn declined_at_render(src: &str, data: Value) {
        let t = compile(src).expect("compiles");
        assert!(t.render(&data, &[]).is_none(), "{src:?} with {data}");
        assert!(handlebars(src, &data, &[]).is_err(), "{src:?} with {data}");
    }

    #[test]
    fn standalone_block_lines_are_removed_whole() {
        let src = "a:\n{{#if on}}\n  b: 1\n  {{#each xs}}\n  - {{this}}\n  {{/each}}\n{{else}}\n  c: 2\n{{/if}}\nd: 3\n";
        let out = same(src, json!({"on": true, "xs": ["x", "y"]}));
        assert_eq!(out, "a:\n  b: 1\n  - x\n  - y\nd: 3\n");
        assert_eq!(
            same(src, json!({"on": false, "xs": []})),
            "a:\n  c: 2\nd: 3\n"
        );
        // Blanks around a standalone tag go with its line.
        same(
            "x\n \t{{#if on}} \t\ny\n\t{{/if}}  \nz",
            json!({"on": true}),
        );
        // Tags sharing their line with text (or another tag) keep the whitespace.
        let inline = same("a {{#if on}}\nb\n{{/if}} c\n", json!({"on": true}));
        assert_eq!(inline, "a \nb\n c\n");
        same(
            "{{#if on}}{{#if on}}\nb\n{{/if}}{{/if}}\n",
            json!({"on": true}),
        );
        same(
            "{{x}}\n{{#if on}}\n  y\n  {{/if}}",
            json!({"on": true, "x": "X"}),
        );
    }

    #[test]
    fn standalone_at_the_start_and_end_of_the_template() {
        assert_eq!(same("{{#if on}}\nx\n{{/if}}\n", json!({"on": true})), "x\n");
        assert_eq!(same("  {{#if on}}\nx\n{{/if}}", json!({"on": true})), "x\n");
        // Blank lines after the last tag stay; so do blanks right at the end, which
        // keep the tag from standing alone.
        assert_eq!(
            same("{{#if on}}\nx\n{{/if}}\n\n", json!({"on": true})),
            "x\n\n"
        );
        assert_eq!(
            same("{{#if on}}\nx\n{{/if}}  ", json!({"on": true})),
            "x\n  "
        );
        assert_eq!(same("{{!-- c --}}  ", json!({})), "  ");
        assert_eq!(same("{{!-- c --}}", json!({})), "");
        assert_eq!(same("a\n{{!-- c --}}\t", json!({})), "a\n\t");
    }

    #[test]
    fn comments_print_nothing_and_their_lines_go() {
        let src = "{{!-- A comment\nover two lines, with {{tags}} --}}\nx: 1\n  {{! short }}\ny: {{! inline }}2\n{{!-- a --}}{{! b }}\nz";
        // Two tags on a line: neither stands alone, the line break stays.
        assert_eq!(same(src, json!({})), "x: 1\ny: 2\n\nz");
        same("{{!}}\n{{!----}}\n", json!({}));
        // `{{! --` opens a long comment for handlebars: declined.
        assert!(compile("{{! -- c }} --}}").is_none());
        // An unclosed comment is a syntax error.
        assert!(compile("{{!-- c }}").is_none());
        assert!(compile("{{! c").is_none());
    }

    #[test]
    fn escaped_mustaches_print_without_the_backslash() {
        let src =
            "a: \\{{ $labels.target }} is {{x}}\nb: \\{{{{raw}}}} and \\{{!-- not a comment --}}\n";
        let out = same(src, json!({"x": "down"}));
        assert_eq!(
            out,
            "a: {{ $labels.target }} is down\nb: {{{{raw}}}} and {{!-- not a comment --}}\n"
        );
        same("\\{{#if x}}\n\\{{/if}}\n\\ {{x}} \\}}", json!({"x": 1}));
        // Two backslashes: the second is printed and the tag is real. Declined.
        assert!(compile("a\\\\{{x}}").is_none());
    }

    #[test]
    fn each_over_lists_and_maps() {
        let src = "{{#each xs}}\n- {{@index}} {{@first}} {{@last}}: {{this.n}} {{n}}\n{{/each}}\n";
        same(src, json!({"xs": [{"n": 1}, {"n": "two"}, {"n": null}]}));
        let src = "{{#each xs}}\n- {{@index}}: {{this}}\n{{/each}}\n";
        assert_eq!(same(src, json!({"xs": ["a", 2]})), "- 0: a\n- 1: 2\n");
        let src = "{{#each m}}{{@key}}={{this}}{{#if @last}}.{{else}},{{/if}}{{/each}}";
        assert_eq!(same(src, json!({"m": {"b": 2, "a": 1}})), "a=1,b=2.");
        // Paths in the body are read from the item; nested loops.
        let src = "{{#each sections}}\n[{{name}}]\n{{#each lines}}\n{{@index}}:{{this}}\n{{/each}}\n{{/each}}\n";
        same(
            src,
            json!({"sections": [{"name": "A", "lines": ["x", "y"]}, {"name": "B", "lines": []}]}),
        );
        // An empty list or map prints nothing, or the else branch.
        let src = "{{#each xs}}x{{else}}none{{/each}}";
        assert_eq!(same(src, json!({"xs": []})), "none");
        assert_eq!(same(src, json!({"xs": {}})), "none");
        assert_eq!(same(src, json!({"xs": null})), "none");
        assert_eq!(same(src, json!({"xs": "text"})), "none");
        assert_eq!(same("{{#each xs}}x{{/each}}", json!({"xs": []})), "");
        // Without an else branch, anything but a list or map is a strict-mode error.
        declined_at_render("{{#each xs}}x{{/each}}", json!({"xs": null}));
        declined_at_render("{{#each xs}}x{{/each}}", json!({}));
        declined_at_render("{{#each xs}}x{{/each}}", json!({"xs": 3}));
        // `@key` has no value in a list, nor `@index` outside a loop.
        declined_at_render("{{#each xs}}{{@key}}{{/each}}", json!({"xs": [1]}));
        declined_at_render("{{@index}}", json!({}));
        // In `#if`, they are false.
        same(
            "{{#if @index}}i{{/if}}{{#each xs}}{{#if @key}}k{{/if}}{{#if @index}}{{@index}}{{/if}}{{/each}}",
            json!({"xs": [1, 2]}),
        );
    }

    #[test]
    fn if_follows_handlebars_truthiness() {
        let src = "{{#if v}}yes{{else}}no{{/if}}";
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(0.0),
            json!(-1),
            json!(0.5),
            json!(1e-310),
            json!(""),
            json!(" "),
            json!("false"),
            json!([]),
            json!([0]),
            json!({}),
            json!({"a": null}),
        ] {
            same(src, json!({ "v": v }));
        }
        // A missing value is false, not an error.
        assert_eq!(same(src, json!({})), "no");
        assert_eq!(same("{{#if a.b.c}}yes{{/if}}", json!({"a": "s"})), "");
        assert_eq!(same("{{#if this}}yes{{/if}}", json!({"a": 1})), "yes");
    }

    #[test]
    fn values_print_as_handlebars_prints_them() {
        let src = "{{s}}|{{ n }}|{{f}}|{{b}}|{{z}}|{{a.b}}|{{this.s}}";
        let data = json!({
            "s": "text: {{x}} \\{{ \"q\" é\n", "n": -12, "f": 2.5, "b": false, "z": null,
            "a": {"b": 18446744073709551615u64}
        });
        same(src, data);
        same("{{big}} {{small}}", json!({"big": 1e300, "small": 1e-7}));
        same(
            "{{#each xs}}{{this}},{{/each}}",
            json!({"xs": ["a", 1, true, null]}),
        );
        same(
            "{{a-b}} {{_c}} {{d_e.f-g}}",
            json!({"a-b": 1, "_c": 2, "d_e": {"f-g": 3}}),
        );
    }

    #[test]
    fn missing_values_and_unsure_renders_are_left_to_handlebars() {
        declined_at_render("{{missing}}", json!({}));
        declined_at_render("a: {{a.b}}", json!({"a": {}}));
        declined_at_render("a: {{a.b}}", json!({"a": "string"}));
        // A path through a list: handlebars reads the key as an index.
        declined_at_render("{{xs.n}}", json!({"xs": [1]}));
        declined_at_render("{{#if xs.n}}x{{/if}}", json!({"xs": [1]}));
        // Lists and maps print as handlebars' own notation: left to it.
        let t = compile("{{v}}").unwrap();
        assert!(t.render(&json!({"v": [1, 2]}), &[]).is_none());
        assert!(t.render(&json!({"v": {"a": 1}}), &[]).is_none());
        assert!(
            compile("{{this}}")
                .unwrap()
                .render(&json!({}), &[])
                .is_none()
        );
    }

    #[test]
    fn static_runs_are_written_from_the_table() {
        let statics = vec!["first run\nof lines".to_string(), String::new()];
        let src = "a\n{{__capiform_static 0}}\n{{#if on}}\n{{__capiform_static 1}}\n{{/if}}\n";
        same_with(src, json!({"on": true}), &statics);
        // An entry out of range: left to handlebars.
        let t = compile("{{__capiform_static 2}}").unwrap();
        assert!(t.render(&json!({}), &statics).is_none());
        for bad in [
            "{{__capiform_static}}",
            "{{__capiform_static 01}}",
            "{{__capiform_static x}}",
            "{{__capiform_static 1 2}}",
            "{{__capiform_static -1}}",
        ] {
            assert!(compile(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn collapsed_embedded_templates_render_the_same() {
        let table = super::super::static_text::Table::default();
        let src = "{{!-- c --}}\nkind: Thing\nspec:\n  static line number one here\n  static line number two here\n{{#if on}}\n  more static text in a block here\n  and more static text in the block\n{{/if}}\n";
        let collapsed = super::super::static_text::collapse(src, &table).unwrap();
        assert!(collapsed.contains("__capiform_static"));
        let statics = table.read().unwrap().clone();
        for on in [true, false] {
            let a = same_with(&collapsed, json!({ "on": on }), &statics);
            assert_eq!(a, same(src, json!({ "on": on })));
        }
    }

    #[test]
    fn everything_outside_the_subset_is_declined() {
        for src in [
            "{{> partial}}",
            "{{#> layout}}x{{/layout}}",
            "{{{{raw}}}}{{x}}{{{{/raw}}}}",
            "{{{x}}}",
            "{{&x}}",
            "{{~x}}",
            "{{x~}}",
            "{{#if x~}}a{{/if}}",
            "{{*inline}}",
            "{{#*inline \"p\"}}x{{/inline}}",
            "{{lookup m k}}",
            "{{len xs}}",
            "{{x y}}",
            "{{x k=1}}",
            "{{(x)}}",
            "{{#if (eq a b)}}x{{/if}}",
            "{{#if true}}x{{/if}}",
            "{{#if 1}}x{{/if}}",
            "{{#if \"s\"}}x{{/if}}",
            "{{#if a b}}x{{/if}}",
            "{{#if}}x{{/if}}",
            "{{#if a}}x{{else if b}}y{{/if}}",
            "{{#if a}}x{{^}}y{{/if}}",
            "{{#if a}}x{{else}}y{{else}}z{{/if}}",
            "{{#unless a}}x{{/unless}}",
            "{{#with a}}x{{/with}}",
            "{{#each xs as |x|}}{{x}}{{/each}}",
            "{{#each @index}}x{{/each}}",
            "{{../x}}",
            "{{@root.x}}",
            "{{@../index}}",
            "{{a/b}}",
            "{{[a b]}}",
            "{{./a}}",
            "{{a.0}}",
            "{{a..b}}",
            "{{this.this}}",
            "{{elsewhere}}",
            "{{true}}",
            "{{as}}",
            "{{$x}}",
            "{{a:b}}",
            "{{é}}",
            "{{if}}",
            "{{each}}",
            "{{ #if a}}x{{/if}}",
            "{{#if a}}x{{/ if}}",
            "{{#if\na}}x{{/if}}",
            "{{#if a}}x{{/each}}",
            "{{#if a}}x",
            "x{{/if}}",
            "{{else}}",
            "{{x",
            "{{}}",
            "a\r\nb",
        ] {
            assert!(compile(src).is_none(), "{src:?} should be declined");
        }
    }

    use crate::test_rng::Rng;

    /// Random templates in and around the subset, with random blanks and line breaks
    /// next to their tags.
    fn random_template(r: &mut Rng, depth: usize, out: &mut String) {
        const TEXT: &[&str] = &[
            "a",
            "key: value",
            " ",
            "\t",
            "\n",
            "\n",
            "  \n",
            "\\{{",
            "\\{{{{",
            "{",
            "}}",
            "\\",
            "é",
            "${X}",
            "- ",
            "{}",
        ];
        const VALUES: &[&str] = &[
            "x", "y.z", "this", "@index", "@first", "@last", "@key", "this.x", "n", "missing",
            "list", "nul", "a-b",
        ];
        const CONDS: &[&str] = &[
            "x", "flag", "y.z", "this", "@first", "@last", "@index", "@key", "missing", "zero",
            "empty", "list", "s",
        ];
        const LISTS: &[&str] = &[
            "list", "map", "this", "nested", "missing", "empty", "s", "y",
        ];
        const ODD: &[&str] = &[
            "{{~x}}",
            "{{{x}}}",
            "{{> p}}",
            "{{lookup x}}",
            "{{elsewhere}}",
            "{{else if y}}",
            "{{/if}}",
            "{{else}}",
            "{{#each list}}",
            "{{! -- c }}",
            "{{!-- c --}}",
            "{{!c}}",
            "{{__capiform_static 3}}",
            "{{ x }}",
            "\r\n",
        ];
        let blanks = |r: &mut Rng| r.pick(&["", "", " ", "\t", "  "]);
        let around = |r: &mut Rng, out: &mut String| match r.below(3) {
            0 => {
                let (a, b) = (blanks(r), blanks(r));
                out.push_str(&format!("{a}\n{b}"));
            }
            1 => out.push_str(r.pick(TEXT)),
            _ => {}
        };
        for _ in 0..r.below(5) {
            match r.below(10) {
                0..=2 => out.push_str(r.pick(TEXT)),
                3 | 4 => out.push_str(&format!("{{{{{}}}}}", r.pick(VALUES))),
                5 => out.push_str(&format!("{{{{__capiform_static {}}}}}", r.below(3))),
                6 | 7 if depth < 3 => {
                    let (name, param) = if r.below(2) == 0 {
                        ("each", r.pick(LISTS))
                    } else {
                        ("if", r.pick(CONDS))
                    };
                    out.push_str(blanks(r));
                    out.push_str(&format!("{{{{#{name} {param}}}}}"));
                    around(r, out);
                    random_template(r, depth + 1, out);
                    if r.below(3) == 0 {
                        around(r, out);
                        out.push_str("{{else}}");
                        around(r, out);
                        random_template(r, depth + 1, out);
                    }
                    around(r, out);
                    out.push_str(&format!("{{{{/{name}}}}}"));
                    around(r, out);
                }
                8 => out.push_str(r.pick(ODD)),
                _ => around(r, out),
            }
        }
    }

    fn random_data(r: &mut Rng) -> Value {
        let scalars = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(7),
            json!(-1.5),
            json!(""),
            json!("v {{x}} \\ é\n"),
            json!([]),
            json!({}),
            json!(["a", 2]),
            json!({"k": "v", "x": 1}),
        ];
        let mut data = json!({
            "x": "X", "y": {"z": "Z"}, "n": 3, "zero": 0, "flag": true, "s": "str", "nul": null,
            "list": ["a", "b"], "map": {"k1": "v1", "k0": 2}, "empty": [], "a-b": "dash",
            "nested": [{"x": 1, "list": [1, 2]}, {"x": "two", "list": []}],
        });
        let map = data.as_object_mut().unwrap();
        for key in ["x", "y", "n", "flag", "s", "list", "map", "nested", "empty"] {
            match r.below(4) {
                0 => {
                    map.insert(key.to_string(), scalars[r.below(scalars.len())].clone());
                }
                1 => {
                    map.remove(key);
                }
                _ => {}
            }
        }
        data
    }

    /// Random templates and data: whenever the fast path renders, handlebars prints the
    /// same; whenever handlebars fails, the fast path declines.
    #[test]
    fn random_templates_render_as_handlebars_does() {
        let statics = vec!["S0\n".to_string(), "S1".to_string(), String::new()];
        let mut hb = registry(&statics);
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut fast_renders, cases) = (0, 3000);
        for _ in 0..cases {
            let mut src = String::new();
            random_template(&mut r, 0, &mut src);
            let data = random_data(&mut r);
            let expected = hb
                .register_template_string("t", &src)
                .map_err(|e| e.to_string())
                .and_then(|()| hb.render("t", &data).map_err(|e| e.to_string()));
            let Some(got) = compile(&src).and_then(|t| t.render(&data, &statics)) else {
                continue;
            };
            fast_renders += 1;
            assert_eq!(Ok(got), expected, "{src:?} with {data}");
        }
        assert!(fast_renders > cases / 4, "only {fast_renders} fast renders");
    }

    /// [`TemplateSet`](super::super::TemplateSet) compiles with [`compile`], which
    /// knows only handlebars' helpers and the static-text one: a helper added to
    /// capiform's registry must be added to [`BUILTIN_HELPERS`] too.
    #[test]
    fn the_registry_has_no_helper_the_fast_path_does_not_know() {
        let debug = format!("{:?}", registry(&[]));
        let start = debug.find("helpers: [").expect("helpers in Debug") + "helpers: [".len();
        let list = &debug[start..start + debug[start..].find(']').unwrap()];
        let names: Vec<&str> = list.split(", ").map(|n| n.trim_matches('"')).collect();
        assert!(
            names.contains(&"if") && names.contains(&STATIC_HELPER),
            "{names:?}"
        );
        for name in names {
            assert!(
                is_builtin_helper(name),
                "helper {name} unknown to the fast path"
            );
        }
    }

    #[test]
    fn value_tags_named_like_helpers_are_declined() {
        assert!(compile("{{clusterName}}").is_some());
        let custom = |n: &str| n == "clusterName";
        assert!(compile_with_helpers("{{clusterName}}", &custom).is_none());
        // In a parameter, a name is always a path.
        assert!(compile_with_helpers("{{#if clusterName}}x{{/if}}", &custom).is_some());
    }
}

#[cfg(test)]
mod examples {
    //! What the items above do, shown on small inputs.

    #[test]
    fn fast_template() {
        let t = crate::template_set::fast::compile("name: {{name}}\n").unwrap();
        let out = t.render(&serde_json::json!({"name": "demo"}), &[]).unwrap();
        assert_eq!(out, "name: demo\n");
    }

    #[test]
    fn is_builtin_helper() {
        use crate::template_set::fast::is_builtin_helper;
        assert!(is_builtin_helper("lookup"));
        assert!(!is_builtin_helper("clusterName"));
    }

    #[test]
    fn compile() {
        use crate::template_set::fast::compile;
        assert!(compile("{{#if on}}\n  x: {{x}}\n{{/if}}\n").is_some());
        assert!(compile("{{> partial}}").is_none());
        assert!(compile("{{lookup map key}}").is_none());
    }

    #[test]
    fn compile_with_helpers() {
        use crate::template_set::fast::{compile_with_helpers, is_builtin_helper};
        let custom = |name: &str| is_builtin_helper(name) || name == "shout";
        assert!(compile_with_helpers("{{shout}}", &custom).is_none());
        assert!(compile_with_helpers("{{quiet}}", &custom).is_some());
    }

    #[test]
    fn fast_template_render() {
        let t = crate::template_set::fast::compile(
            "{{#each items}}\n- {{@index}}: {{this}}\n{{/each}}\n{{__capiform_static 0}}\n",
        ).unwrap();
        let statics = vec!["end".to_string()];
        let out = t.render(&serde_json::json!({"items": ["a", "b"]}), &statics).unwrap();
        assert_eq!(out, "- 0: a\n- 1: b\nend\n");
        // A missing value is handlebars' strict-mode error to report.
        assert!(t.render(&serde_json::json!({}), &statics).is_none());
    }
}
