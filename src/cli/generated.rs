//! Running a playbook a command generated from the cluster's state
//! (`herd restart`, `herd upgrade`): its steps printed, planned, then run
//! journaled under the command's kind, or only printed with `--dry-run`.

use super::{GlobalArgs, Output};
use crate::engine::RunOptions;
use crate::events::RunKind;
use crate::exit;
use crate::model::Playbook;
use crate::plan;
use crate::session::Fleet;

/// What one generated run is.
pub struct Generated<'a> {
    /// The header's subject: `restart namenode`, `upgrade to Hadoop 3.5.0`.
    pub what: String,
    /// The numbered steps, as `--dry-run` prints them.
    pub steps: String,
    pub step_count: usize,
    pub playbook: &'a Playbook,
    /// The playbook as the journal keeps it (`-v --dry-run` prints it).
    pub text: &'a str,
    pub kind: RunKind,
}

pub async fn run(
    global: &GlobalArgs,
    fleet: &Fleet,
    g: Generated<'_>,
    max_failures: crate::engine::MaxFailures,
    dry_run: bool,
) -> i32 {
    let header = format!(
        "{} ({} step{}):\n{}",
        g.what,
        g.step_count,
        if g.step_count == 1 { "" } else { "s" },
        g.steps
    );
    if global.output == Output::Json {
        eprint!("{header}");
    } else if !global.quiet {
        print!("{header}");
    }
    let plan = match plan::build(&fleet.inventory, g.playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "error: the generated {} playbook does not plan (a bug in herd):\n{e}",
                g.kind
            );
            return exit::FAILED;
        }
    };
    if dry_run {
        if global.verbose {
            print!("\n{}", g.text);
        }
        return exit::OK;
    }
    let opts = RunOptions {
        kind: g.kind,
        max_failures,
        ..RunOptions::default()
    };
    super::run::execute(
        global,
        fleet,
        g.playbook,
        g.text,
        &plan,
        opts,
        serde_json::Map::new(),
    )
    .await
}
