//! What the sub-commands share: the `-i` flag and the fleet it loads (bad
//! input before any connection), the display subscribers chosen by the
//! output flags, and the command line as typed.

use std::path::PathBuf;

use super::{GlobalArgs, Output};
use crate::engine::MaxFailures;
use crate::events::Subscriber;
use crate::report::progress::{Progress, Verbosity};
use crate::session::{Fleet, InputError};

/// `-i/--inventory`, shared by the sub-commands that talk to hosts.
#[derive(Debug, clap::Args, Clone)]
pub struct InventoryArg {
    /// Inventory file (YAML): hosts, roles, vars, SSH settings.
    #[arg(short, long, value_name = "FILE")]
    pub inventory: PathBuf,
}

impl InventoryArg {
    /// The inventory, validated, with its SSH targets; nothing is contacted.
    pub fn load(&self, global: &GlobalArgs) -> Result<Fleet, InputError> {
        let mut fleet = Fleet::load(&self.inventory, global.accept_new)?;
        crate::hadoop::secure::web::attach(&fleet.inventory, &mut fleet.targets);
        Ok(fleet)
    }
}

/// `--max-failures`, shared by the sub-commands that run a plan.
#[derive(Debug, clap::Args, Clone)]
pub struct MaxFailuresArg {
    /// Hosts the run may lose and go on without: a number, or a percentage
    /// of the hosts it touches (rounded down). A host is lost when it cannot
    /// be reached, a task on it fails, or it fails its own stage's probe;
    /// only hosts whose every role the playbook lists in `expendable_roles`
    /// count (any host when the playbook lists none). The run still exits 1
    /// naming them, and `herd replay` finishes their part once they are
    /// back. 0: the first failure stops the run.
    #[arg(long, value_name = "N|P%", default_value = "0")]
    pub max_failures: MaxFailures,
}

/// How much the display says, by `-v/-q`.
pub fn verbosity(global: &GlobalArgs) -> Verbosity {
    if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}

/// Display subscribers for a run, by `--output` and `-v/-q`.
pub fn subscribers(global: &GlobalArgs) -> Vec<Box<dyn Subscriber>> {
    match global.output {
        // JSON goes to stdout; keep failures visible on stderr.
        Output::Json => vec![
            Box::new(crate::report::json::JsonLines::new(std::io::stdout())),
            Box::new(Progress::new(Verbosity::Quiet)),
        ],
        Output::Human => vec![Box::new(Progress::new(verbosity(global)))],
    }
}

/// The command line as typed, for the journal.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| crate::shell::quote(&a))
        .collect::<Vec<_>>()
        .join(" ")
}
