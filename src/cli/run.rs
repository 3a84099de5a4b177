//! `herd run PLAYBOOK`: execute any playbook, journaled; and the end of every
//! sub-command that runs a plan: how the run ended, printed, as an exit status.

use std::path::PathBuf;

use super::GlobalArgs;
use super::common::{InventoryArg, MaxFailuresArg, command_line, subscribers};
use super::error::{CliError, fail};
use crate::engine::RunOptions;
use crate::events::{RunKind, RunOutcome};
use crate::exit;
use crate::model::Playbook;
use crate::plan::{self, Plan};
use crate::session::{self, Finished, Fleet, RunSpec};
use crate::transport::Pool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Playbook file (YAML): stages with hosts, run, guards, depends_on, probe.
    pub playbook: PathBuf,
    #[command(flatten)]
    pub inventory: InventoryArg,
    #[command(flatten)]
    pub failures: MaxFailuresArg,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let (playbook, text) = match session::playbook::load(Some(&args.playbook)) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let plan = match plan::build(&fleet.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let opts = RunOptions {
        kind: RunKind::Run,
        max_failures: args.failures.max_failures,
        ..RunOptions::default()
    };
    execute(
        global,
        &fleet,
        &playbook,
        &text,
        &plan,
        opts,
        serde_json::Map::new(),
    )
    .await
}

/// Journal, connect, run, report; shared by every sub-command that runs a plan.
pub async fn execute(
    global: &GlobalArgs,
    fleet: &Fleet,
    playbook: &Playbook,
    playbook_text: &str,
    plan: &Plan,
    opts: RunOptions,
    template_vars: serde_json::Map<String, serde_json::Value>,
) -> i32 {
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    execute_on(
        &pool,
        global,
        fleet,
        playbook,
        playbook_text,
        plan,
        opts,
        template_vars,
    )
    .await
}

/// [`execute`] on connections the caller may already hold.
#[allow(clippy::too_many_arguments)]
pub async fn execute_on(
    pool: &Pool,
    global: &GlobalArgs,
    fleet: &Fleet,
    playbook: &Playbook,
    playbook_text: &str,
    plan: &Plan,
    mut opts: RunOptions,
    template_vars: serde_json::Map<String, serde_json::Value>,
) -> i32 {
    opts.forks = global.forks as usize;
    opts.break_lease = global.break_lease;
    opts.command_line = command_line();
    let spec = RunSpec {
        fleet,
        playbook,
        playbook_text,
        plan,
        options: opts,
        template_vars,
        become_password: global.become_password.clone(),
    };
    match session::run(pool, spec, subscribers(global)).await {
        Ok(finished) => ended(&finished),
        Err(e) => fail(CliError::from(e)),
    }
}

/// Says how the run ended and where its journal is; its exit status.
fn ended(run: &Finished) -> i32 {
    let journal = run.journal.display();
    let id = &run.run_id;
    match run.report.outcome {
        RunOutcome::Succeeded => exit::OK,
        RunOutcome::Failed => {
            if let Some(e) = &run.report.error {
                eprintln!("\nerror: {e}");
            }
            eprintln!("journal: {journal} (resume with `herd replay {id}`)");
            exit::FAILED
        }
        RunOutcome::Interrupted => {
            eprintln!("interrupted; journal: {journal} (resume with `herd replay {id}`)");
            exit::interrupted_by(run.signal)
        }
    }
}
