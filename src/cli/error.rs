//! Why a sub-command stopped early, and the exit status that says so. Lower
//! layers return typed errors; only the top of each sub-command prints one
//! (`fail`) and exits with its status.

use crate::exit;
use crate::model::ModelErrors;
use crate::report::replay_source::ReplayError;
use crate::session::{InputError, SessionError};

/// Displayed as the lines printed for it, `error:` prefixes included.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("error: {0}")]
    Replay(#[from] ReplayError),
    /// Located problems with the inventory or playbook (each line says `error:`).
    #[error("{0}")]
    Invalid(#[from] ModelErrors),
    /// A flag, or what it names, cannot be used.
    #[error("error: {0}")]
    BadInput(String),
    /// Something failed on the controller after the inputs were accepted.
    #[error("error: {0}")]
    Failed(String),
}

impl CliError {
    /// Bad input exits 2 (nothing was run), anything else 1.
    pub fn exit_status(&self) -> i32 {
        match self {
            CliError::Input(_)
            | CliError::Session(SessionError::Input(_))
            | CliError::Replay(_)
            | CliError::Invalid(_)
            | CliError::BadInput(_) => exit::BAD_INPUT,
            CliError::Session(SessionError::Lock(_) | SessionError::Journal(_))
            | CliError::Failed(_) => exit::FAILED,
        }
    }
}

/// Prints `e` on stderr and returns the exit status it calls for: what the
/// top of a sub-command does with the error that stopped it.
pub fn fail(e: impl Into<CliError>) -> i32 {
    let e = e.into();
    eprintln!("{e}");
    e.exit_status()
}
