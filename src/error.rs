//! One error type for the whole engine.
//!
//! Every error that comes from user input names *where* the problem is (a file, a
//! field path such as `nodeGroups[0].machineFlavor`) and *what* was expected. No
//! error ever carries a credential value.

use std::fmt;

/// A problem with one field of the values.
///
/// ```
/// let e = capiform::FieldError::new("nodeGroups[0].machineFlavor", "is required (a Nova flavor name)");
/// assert_eq!(e.to_string(), "nodeGroups[0].machineFlavor: is required (a Nova flavor name)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldError {
    /// Path of the field, e.g. `controlPlane.machineFlavor` or `nodeGroups[1].name`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl FieldError {
    /// A problem at `path`.
    ///
    /// ```
    /// let e = capiform::FieldError::new("kubernetesVersion", "is required");
    /// assert_eq!(e.path, "kubernetesVersion");
    /// ```
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A serde type error in the words the values errors use: `invalid type: string "10",
/// expected i64` becomes `expected an integer, got "10" (a quoted number: write it
/// without quotes)`. Other messages pass through unchanged.
pub(crate) fn plain_type_error(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_string();
    };
    let Some((got, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let wanted = match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
        | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "a list",
        e if e.starts_with("struct ") || e == "a map" => "a map",
        e => e,
    };
    let shown = if let Some(s) = got.strip_prefix("string ") {
        s.to_string()
    } else if let Some((_, v)) = got.split_once('`') {
        // `floating point `1.5``, `integer `3``, `boolean `true``.
        v.trim_end_matches('`').to_string()
    } else {
        match got {
            "sequence" => "a list".into(),
            "map" => "a map".into(),
            "null" | "unit value" => "null".into(),
            other => other.to_string(),
        }
    };
    let hint = match got.strip_prefix("string ") {
        Some(s) if wanted.contains("number") || wanted == "an integer" => {
            let unquoted = s.trim_matches('"');
            if unquoted.parse::<f64>().is_ok() {
                " (a quoted number: write it without quotes)"
            } else {
                ""
            }
        }
        _ => "",
    };
    format!("expected {wanted}, got {shown}{hint}")
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Everything that can go wrong while loading values or template sets and rendering.
///
/// ```
/// let err = capiform::Error::invalid("etcd.dataDir", "must be an absolute path");
/// assert!(err.to_string().contains("etcd.dataDir"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The values are invalid; every problem found is listed.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<FieldError>),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A document is not valid YAML, or not the expected shape.
    #[error("{file}: {message}")]
    Yaml {
        /// The file (or `--set` argument) that failed to parse.
        file: String,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// A cluster template set is broken or incompatible.
    #[error("template set {set}: {message}")]
    TemplateSet {
        /// The set (version or path).
        set: String,
        /// What is wrong, naming the file.
        message: String,
    },
    /// A command-line argument is wrong.
    #[error("{0}")]
    Usage(String),
}

fn render_problems(problems: &[FieldError]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.to_string());
    }
    out
}

impl Error {
    /// An invalid-values error with a single problem.
    ///
    /// ```
    /// let e = capiform::Error::invalid("nodeGroups[0].name", "is required");
    /// assert_eq!(e.to_string(), "nodeGroups[0].name: is required");
    /// ```
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(path, message)])
    }

    /// The exit status the CLI uses for this error: 2 for usage errors, 1 otherwise.
    ///
    /// ```
    /// assert_eq!(capiform::Error::Usage("bad flag".into()).exit_code(), 2);
    /// assert_eq!(capiform::Error::invalid("a", "b").exit_code(), 1);
    /// ```
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something capiform accepted but the user should know about: a value read as helm
/// reads it although YAML 1.2 reads it otherwise, a key of an older chart version that
/// was translated, a string read as a boolean. Names its source (a values file and
/// line, or a `--set` argument); never carries a credential value.
///
/// ```
/// let w = capiform::Warning::at("values.yaml", Some(3), "`yes` reads as the boolean true");
/// assert_eq!(w.to_string(), "values.yaml:3: `yes` reads as the boolean true");
/// let w = capiform::Warning::at("--set a=1", None, "x");
/// assert_eq!(w.to_string(), "--set a=1: x");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Warning {
    /// The values file (or `--set` argument, or the merged values) it came from.
    pub source: String,
    /// The line in that file, where known (1-based).
    pub line: Option<usize>,
    /// What was read and how, with the fix when there is one.
    pub message: String,
    /// The values field it is about (`nodeGroups[0].autoscale`), where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Warning {
    /// A warning about `source` (at `line`, where known).
    ///
    /// ```
    /// let w = capiform::Warning::at("v.yaml", None, "m");
    /// assert_eq!(w.line, None);
    /// ```
    pub fn at(source: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            line,
            message: message.into(),
            field: None,
        }
    }

    /// A warning about the values field `field` (dotted, `nodeGroups[0].autoscale`)
    /// given by `source`; the line is found later, where the source is a file
    /// ([`crate::values::line_of_field`]).
    ///
    /// ```
    /// let w = capiform::Warning::about("v.yaml", "apiServer.port", "m");
    /// assert_eq!((w.field.as_deref(), w.line), (Some("apiServer.port"), None));
    /// ```
    pub fn about(
        source: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::at(source, None, message)
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

#[cfg(test)]
mod plain_type_error_tests {
    use super::plain_type_error;

    #[test]
    fn serde_type_errors_read_as_values_errors() {
        assert_eq!(
            plain_type_error(r#"invalid type: string "65534", expected i64"#),
            r#"expected an integer, got "65534" (a quoted number: write it without quotes)"#
        );
        assert_eq!(
            plain_type_error("invalid type: floating point `1.5`, expected i64"),
            "expected an integer, got 1.5"
        );
        assert_eq!(
            plain_type_error("invalid type: sequence, expected struct PodSecurityContext"),
            "expected a map, got a list"
        );
        assert_eq!(
            plain_type_error("missing field `name`"),
            "missing field `name`"
        );
    }
}
