//! Checks of the merged values before anything is rendered.

use serde_json::Value;

use crate::error::Result;
use crate::values::{typed_values, Values};

/// Check the merged values and return the typed model, or every problem found.
///
/// ```
/// let v = capiform::validation::validate(&serde_json::json!({"osDistro": "ubuntu"})).unwrap();
/// assert_eq!(v.os_distro.as_deref(), Some("ubuntu"));
/// ```
pub fn validate(merged: &Value) -> Result<Values> {
    typed_values(merged)
}
