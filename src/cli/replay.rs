//! `herd replay [RUN]`: resume a failed, interrupted or incomplete run from
//! its journal, or re-run chosen stages of it. The replay is a run of its
//! own (kind `replay`, continuing the run it replays), with the playbook
//! text the journal kept, so a bundled playbook replays as it ran.

use super::common::{InventoryArg, MaxFailuresArg};
use super::error::{CliError, fail};
use super::{GlobalArgs, Output};
use crate::engine::RunOptions;
use crate::engine::resume;
use crate::events::RunKind;
use crate::exit;
use crate::model::Playbook;
use crate::plan;
use crate::report::input_changes;
use crate::report::replay_source::{self, ChainBreak, Picked, ReplayError, ReplayedRun};
use crate::report::runs;
use crate::session;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run id to replay (see `herd runs`); default: the last run that did not succeed.
    pub run: Option<String>,
    #[command(flatten)]
    pub inventory: InventoryArg,
    #[command(flatten)]
    pub failures: MaxFailuresArg,
    /// Re-run this stage and everything downstream of it; upstream stages count as done (gates re-checked).
    #[arg(long, value_name = "STAGE", conflicts_with = "only")]
    pub from: Option<String>,
    /// Re-run just this stage; upstream stages count as done (gates re-checked), the rest is left out.
    #[arg(long, value_name = "STAGE")]
    pub only: Option<String>,
    /// Print what the replay would skip, re-check and run, and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Replay even though the inventory or playbook changed since the run.
    #[arg(long)]
    pub allow_changed: bool,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    match replay(global, args).await {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

async fn replay(global: &GlobalArgs, args: Args) -> Result<i32, CliError> {
    let fleet = args.inventory.load(global)?;
    let (all, problems) = runs::list(&runs::runs_dir());
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let asks_stage = args.from.is_some() || args.only.is_some();
    let summary = match replay_source::pick(&all, args.run.as_deref(), asks_stage)? {
        Picked::Run(s) => s,
        Picked::Nothing(why) => {
            println!("{why}");
            return Ok(exit::OK);
        }
    };
    let replayed = ReplayedRun::load(summary)?;
    let run_id = replayed.summary.id.clone();
    if replayed.torn_tail {
        eprintln!(
            "note: the journal of run {run_id} ends in a partly written line (herd was killed); it is ignored"
        );
    }

    let text = replayed.saved_playbook()?;
    let changes = input_changes::changes(
        &replayed,
        &text,
        &fleet.inventory.path,
        &fleet.inventory.secrets,
    );
    if !changes.is_empty() {
        for c in &changes {
            eprintln!("{c}");
        }
        if !args.allow_changed {
            return Err(ReplayError::InputsChanged(run_id).into());
        }
        eprintln!("warning: replaying run {run_id} despite the changes (--allow-changed)");
    }
    let origin = replay_source::origin_kind(&all, &replayed.summary);
    // A bring-up replays on the hosts a bring-up runs on now.
    let (fleet, up_vars) = match origin {
        Some(RunKind::Up) => {
            let prepared = super::up::prepare(&fleet, super::up::RenderedTree::Write)?;
            (prepared.fleet(&fleet), Some(prepared.vars))
        }
        _ => (fleet, None),
    };
    let playbook = Playbook::parse(&text, &replayed.playbook)?;
    let plan = plan::build(&fleet.inventory, &playbook)?;
    let selection = session::replay::selection(
        &plan,
        &replayed.playbook,
        args.from.as_deref(),
        args.only.as_deref(),
    )?;
    let host_names: Vec<String> = fleet
        .inventory
        .hosts
        .iter()
        .map(|h| h.name.clone())
        .collect();
    let (history, broke) = replay_source::chain_events(&all, &replayed);
    match broke {
        Some(ChainBreak::Gone { missing, by }) => eprintln!(
            "note: run {missing}, which run {by} continues, is gone; only the later journals are used"
        ),
        Some(ChainBreak::Unreadable(e)) => {
            eprintln!("warning: {e}; the runs before it are not used")
        }
        None => {}
    }
    let mut replay = resume::compute(&history, &plan, &playbook, &host_names, selection);
    let pool = fleet.pool()?;
    session::replay::ask_hosts(&fleet, &pool, &mut replay).await;

    let (kind, template_vars) = match origin {
        Some(RunKind::Up) => (RunKind::Up, up_vars.unwrap_or_default()),
        // Generated playbooks carry their paths resolved; they need no context.
        Some(
            kind @ (RunKind::Run
            | RunKind::Restart
            | RunKind::Balance
            | RunKind::Upgrade
            | RunKind::Decommission
            | RunKind::Recommission
            | RunKind::Maintenance),
        ) => (kind, serde_json::Map::new()),
        other => {
            return Err(ReplayError::KindNotReplayable {
                run: run_id,
                kind: other.map_or("", RunKind::as_str).to_string(),
            }
            .into());
        }
    };

    let summary = &replayed.summary;
    let outcome = match &summary.failed_stage {
        Some(stage) => format!("{} at stage '{stage}'", summary.outcome_text()),
        None => summary.outcome_text().to_string(),
    };
    let header = format!(
        "replay of run {run_id} ({kind} {}, {outcome}):\n{}",
        replayed.playbook,
        replay.describe()
    );
    // Keep stdout pure JSON lines under --output json.
    if global.output == Output::Json {
        eprint!("{header}");
    } else {
        print!("{header}");
    }
    if args.dry_run {
        pool.close_all().await;
        return Ok(exit::OK);
    }

    let opts = RunOptions {
        kind: RunKind::Replay,
        continues: Some(run_id),
        done_tasks: replay.done_tasks,
        excluded_stages: replay.excluded_stages,
        rechecked_stages: replay.rechecked_stages,
        settled_stages: replay.settled_stages,
        unseen: replay.unseen,
        max_failures: args.failures.max_failures,
        ..RunOptions::default()
    };
    Ok(super::run::execute_on(
        &pool,
        global,
        &fleet,
        &playbook,
        &text,
        &plan,
        opts,
        template_vars,
    )
    .await)
}
