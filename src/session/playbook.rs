//! The playbook a run executes: a file, or the bundled HA bring-up when
//! none is given; kept with its text, which the journal copies for a replay.

use std::path::Path;

use super::InputError;
use crate::model::Playbook;
use crate::playbooks;

/// The playbook at `path` (the bundled bring-up when None) and its text.
pub fn load(path: Option<&Path>) -> Result<(Playbook, String), InputError> {
    let (text, source) = match path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => (t, p.display().to_string()),
            Err(error) => {
                return Err(InputError::PlaybookUnreadable {
                    path: p.to_path_buf(),
                    error,
                });
            }
        },
        None => match playbooks::bundled(playbooks::DEFAULT) {
            Some(text) => (text.to_string(), format!("bundled:{}", playbooks::DEFAULT)),
            None => return Err(InputError::NoBundledPlaybook(playbooks::DEFAULT)),
        },
    };
    let playbook = Playbook::parse(&text, &source).map_err(InputError::Playbook)?;
    Ok((playbook, text))
}
