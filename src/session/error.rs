//! Why a session stopped before its run could start. Each error displays as
//! the lines herd prints for it, `error:` prefixes included (model errors
//! carry their own, one per problem).

use std::path::PathBuf;

use crate::model::ModelErrors;
use crate::transport::inventory::TargetError;

/// Input that cannot be run: nothing was contacted.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}")]
    Inventory(ModelErrors),
    #[error("error: {0}")]
    Targets(#[from] TargetError),
    /// The known_hosts file cannot be read.
    #[error("error: {0}")]
    KnownHosts(String),
    /// The open-file limit cannot hold a connection to every host.
    #[error("error: {0}")]
    OpenFiles(String),
    #[error("error: cannot read playbook {}: {error}", path.display())]
    PlaybookUnreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("error: no playbook given and no bundled playbook '{0}'")]
    NoBundledPlaybook(&'static str),
    #[error("{0}")]
    Playbook(ModelErrors),
    /// Templates that cannot render, found before anything runs.
    #[error("{}", problem_lines(.0))]
    Templates(Vec<String>),
}

fn problem_lines(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("error: {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a journaled run could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Input(#[from] InputError),
    /// Another run holds the state directory, or its lock cannot be taken.
    #[error("error: {0}")]
    Lock(String),
    /// The journal, or its copy of the inputs, cannot be written.
    #[error("error: {0}")]
    Journal(String),
}
