//! Validation errors that point at the offending place in the file.

use std::fmt;
use std::path::PathBuf;

/// A place in a YAML file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem with the input, e.g.
/// `cluster.yaml:14:9: hosts[2].roles[0]: unknown role 'datnode'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub location: Option<Location>,
    /// Dotted path of the field, e.g. `stages[3].depends_on[0]`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if self.field.is_empty() {
            write!(f, "{}", printable(&self.message))
        } else {
            write!(
                f,
                "{}: {}",
                printable(&self.field),
                printable(&self.message)
            )
        }
    }
}

/// `text` with control characters written as escapes: messages quote what
/// the input held, and an ESC or a newline from a file must not reach the
/// terminal or forge a line of its own.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Every problem found, so the user fixes them in one go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelErrors(pub Vec<ModelError>);

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelErrors {}

impl From<ModelError> for ModelErrors {
    fn from(e: ModelError) -> Self {
        ModelErrors(vec![e])
    }
}
