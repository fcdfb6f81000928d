//! Errors of the lifecycle. Messages name the object and the operation and carry the API
//! server's message; none carries an object's content (a Secret's data never appears).

use std::time::Duration;

use crate::ObjectRef;

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One object the server-side dry run refused, with the API server's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The refused object.
    pub object: ObjectRef,
    /// HTTP status code of the refusal (422 for schema errors, 400/403 for webhooks).
    pub code: u16,
    /// The API server's message.
    pub message: String,
}

/// A field another field manager owns, found when a server-side apply conflicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldConflict {
    /// The field manager that owns the field (e.g. `kubectl-edit`).
    pub manager: String,
    /// The field path as the API server names it (e.g. `.spec.replicas`).
    pub field: String,
}

/// Errors of the lifecycle operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client could not be configured (kubeconfig, context, in-cluster environment).
    #[error("cannot configure the Kubernetes client: {0}")]
    Config(String),
    /// The API server did not answer (connection refused or dropped, 429, 5xx) through
    /// every retry.
    #[error(
        "the API server did not answer {operation} after {attempts} attempt(s) over {:.1} s: {message}",
        elapsed.as_secs_f64()
    )]
    Unavailable {
        /// What was being done, e.g. `GET Secret/capiform-release-demo`.
        operation: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last error.
        message: String,
    },
    /// The API server refused a request.
    #[error("{operation}: the API server answered {code} {reason}: {message}")]
    Api {
        /// What was being done.
        operation: String,
        /// HTTP status code.
        code: u16,
        /// The `Status` reason (e.g. `Invalid`, `Forbidden`).
        reason: String,
        /// The `Status` message.
        message: String,
    },
    /// The server-side dry run refused objects; nothing was applied.
    #[error("{}", refusals_text(.0))]
    DryRunRefused(Vec<Refusal>),
    /// Server-side apply conflicted with other field managers (see `force_conflicts`).
    #[error("{}", conflicts_text(.object, .conflicts))]
    Conflict {
        /// The object.
        object: ObjectRef,
        /// The fields and their managers.
        conflicts: Vec<FieldConflict>,
    },
    /// An object to apply lacks apiVersion, kind or metadata.name, or names another namespace.
    #[error("object #{index} cannot be applied: {message}")]
    InvalidObject {
        /// Position of the object in the list given to `apply`.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// The release does not exist (no parent Secret).
    #[error("release {release} not found in namespace {namespace}")]
    ReleaseNotFound {
        /// Release name.
        release: String,
        /// Namespace.
        namespace: String,
    },
    /// A revision that the record does not keep.
    #[error("release {release} has no revision {revision} (kept: {kept})")]
    RevisionNotFound {
        /// Release name.
        release: String,
        /// The revision asked for.
        revision: u32,
        /// The kept revisions, e.g. `3, 4, 5`.
        kept: String,
    },
    /// The parent Secret exists but another tool manages it, or its record is unreadable.
    #[error("the release record {name} cannot be used: {message}")]
    Record {
        /// Name of the parent Secret.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Waiting ran out of time.
    #[error("timed out after {} s waiting for {what}", after.as_secs())]
    Timeout {
        /// What was awaited.
        what: String,
        /// The timeout.
        after: Duration,
    },
    /// The release reached a failure condition while waiting for it to become ready.
    #[error("release failed: {0}")]
    Failed(String),
}

fn refusals_text(refusals: &[Refusal]) -> String {
    let mut text = format!(
        "the server-side dry run refused {} object(s); nothing was applied:",
        refusals.len()
    );
    for r in refusals {
        text.push_str(&format!("\n  {} ({}): {}", r.object, r.code, r.message));
    }
    text
}

fn conflicts_text(object: &ObjectRef, conflicts: &[FieldConflict]) -> String {
    let mut text = format!(
        "{object}: {} field(s) are owned by other field managers (apply with force_conflicts / --force-conflicts to take them over):",
        conflicts.len()
    );
    for c in conflicts {
        text.push_str(&format!("\n  {} (manager {})", c.field, c.manager));
    }
    text
}

impl Error {
    /// Whether the error is a failure of the API server to answer (exit code 3 in the CLI).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable { .. })
    }
}
