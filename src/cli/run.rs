//! `herd run PLAYBOOK`: execute any playbook, journaled.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::GlobalArgs;
use super::common::{Context, InventoryArg, command_line, load_playbook, subscribers};
use crate::engine::{Engine, RunOptions};
use crate::events::RunOutcome;
use crate::exit;
use crate::model::Playbook;
use crate::plan::{self, Plan};
use crate::report::bus::EventBus;
use crate::report::journal::Journal;
use crate::report::run_lock::RunLock;
use crate::report::runs;
use crate::transport::Pool;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Playbook file (YAML): stages with hosts, run, guards, depends_on, probe.
    pub playbook: PathBuf,
    #[command(flatten)]
    pub inventory: InventoryArg,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let ctx = match Context::load(global, &args.inventory) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (playbook, text) = match load_playbook(Some(&args.playbook)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plan = match plan::build(&ctx.inventory, &playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let opts = RunOptions {
        kind: "run".into(),
        ..RunOptions::default()
    };
    execute(
        global,
        &ctx,
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
    ctx: &Context,
    playbook: &Playbook,
    playbook_text: &str,
    plan: &Plan,
    opts: RunOptions,
    context: serde_json::Map<String, serde_json::Value>,
) -> i32 {
    let pool = match ctx.pool() {
        Ok(p) => p,
        Err(code) => return code,
    };
    execute_on(
        &pool,
        global,
        ctx,
        playbook,
        playbook_text,
        plan,
        opts,
        context,
    )
    .await
}

/// [`execute`] on connections the caller may already hold.
#[allow(clippy::too_many_arguments)]
pub async fn execute_on(
    pool: &Pool,
    global: &GlobalArgs,
    ctx: &Context,
    playbook: &Playbook,
    playbook_text: &str,
    plan: &Plan,
    mut opts: RunOptions,
    context: serde_json::Map<String, serde_json::Value>,
) -> i32 {
    let problems = crate::engine::prerender::check(&ctx.inventory, playbook, plan, &context);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        return exit::BAD_INPUT;
    }
    opts.run_id = runs::new_run_id();
    opts.forks = global.forks as usize;
    opts.command_line = command_line();
    let _lock = match RunLock::acquire(&runs::state_dir(), &opts.run_id, &opts.command_line) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::FAILED;
        }
    };
    let hosts = ctx.inventory.hosts.iter().map(|h| h.name.clone()).collect();
    opts.in_flight = super::in_flight::left_in_flight(&runs::runs_dir(), &hosts, &opts.unseen);
    let journal = match Journal::create(&runs::runs_dir(), &opts.run_id) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::FAILED;
        }
    };
    let inventory_text = std::fs::read(&ctx.inventory.path).unwrap_or_default();
    if let Err(e) = journal
        .save_file("playbook.yaml", playbook_text.as_bytes())
        .and_then(|_| journal.save_file("inventory.yaml", &inventory_text))
    {
        eprintln!("error: {e}");
        return exit::FAILED;
    }
    let run_dir = journal.dir().to_path_buf();
    let bus = Arc::new(EventBus::new(Some(Arc::new(journal)), subscribers(global)));
    let cancel = CancellationToken::new();
    let signals = super::signals::Signals::watch(
        cancel.clone(),
        Some("\ninterrupted: stopping running commands on the hosts..."),
    );
    let engine = Engine {
        inventory: &ctx.inventory,
        playbook,
        plan,
        pool,
        targets: &ctx.targets,
        bus,
        cancel,
        context,
    };
    let report = engine.run(&opts).await;
    pool.close_all().await;
    match report.outcome {
        RunOutcome::Succeeded => exit::OK,
        RunOutcome::Failed => {
            if let Some(e) = &report.error {
                eprintln!("\nerror: {e}");
            }
            eprintln!(
                "journal: {} (resume with `herd replay {}`)",
                run_dir.display(),
                opts.run_id
            );
            exit::FAILED
        }
        RunOutcome::Interrupted => {
            eprintln!(
                "interrupted; journal: {} (resume with `herd replay {}`)",
                run_dir.display(),
                opts.run_id
            );
            signals.exit_code()
        }
    }
}
