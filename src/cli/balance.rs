//! `herd balance`: check the flags, generate the one-stage balancer
//! playbook (see [`crate::hadoop::balance`]) and run it journaled as kind
//! `balance`, then say the balancer's verdict. The engine shows a task's
//! output only when it fails, so on success the verdict line is read back
//! from the run's journal, where the engine keeps every task's stdout.

use std::time::Duration;

use super::common::InventoryArg;
use super::error::fail;
use super::{GlobalArgs, Output};
use crate::engine::RunOptions;
use crate::events::RunKind;
use crate::exit;
use crate::hadoop::balance::{self, STAGE, VERDICT_PREFIX};
use crate::plan;
use crate::report::journal::task_output_path;
use crate::report::runs::{run_dirs, runs_dir, summarize};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Each DataNode's usage may differ from the cluster's by this many
    /// percent of its capacity (1 to 100).
    #[arg(long, default_value_t = 10.0, value_name = "P")]
    pub threshold: f64,
    /// The balancer is stopped (TERM, then KILL 30 s later) after this long:
    /// 90s, 30m, 2h.
    #[arg(long, default_value = "1h", value_name = "D", value_parser = crate::model::parse_duration)]
    pub timeout: Duration,
    /// Print the generated playbook and exit.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    if let Err(e) = balance::check_threshold(args.threshold) {
        eprintln!("error: {e}");
        return exit::BAD_INPUT;
    }
    if args.timeout < Duration::from_secs(1) {
        eprintln!("error: --timeout: at least 1s");
        return exit::BAD_INPUT;
    }
    let ctx = match args.inventory.load(global) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let inv = &ctx.inventory;
    let topo = match crate::hadoop::validate(inv) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let generated = match balance::generate(&topo, args.threshold, args.timeout) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::BAD_INPUT;
        }
    };
    let header = format!(
        "balance: hdfs balancer -threshold {} on {}, at most {}; its output goes to {}:{}\n",
        args.threshold,
        generated.host,
        balance::words(args.timeout),
        generated.host,
        generated.log
    );
    if global.output == Output::Json {
        eprint!("{header}");
    } else if !global.quiet {
        print!("{header}");
    }
    let plan = match plan::build(inv, &generated.playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: the generated balance playbook does not plan (a bug in herd):\n{e}");
            return exit::FAILED;
        }
    };
    if args.dry_run {
        print!("{}", generated.text);
        return exit::OK;
    }
    let opts = RunOptions {
        kind: RunKind::Balance,
        ..RunOptions::default()
    };
    let rc = super::run::execute(
        global,
        &ctx,
        &generated.playbook,
        &generated.text,
        &plan,
        opts,
        serde_json::Map::new(),
    )
    .await;
    if rc == exit::OK
        && global.output != Output::Json
        && let Some(line) = verdict_of_newest_run(&generated.host)
    {
        println!("{line}");
    }
    rc
}

/// The verdict line the stage printed, from the newest balance run's journal.
fn verdict_of_newest_run(host: &str) -> Option<String> {
    let dir = run_dirs(&runs_dir())
        .into_iter()
        .rev()
        .find(|d| summarize(d).is_ok_and(|s| s.kind == Some(RunKind::Balance)))?;
    let out = std::fs::read_to_string(task_output_path(&dir, STAGE, host, "out")).ok()?;
    out.lines()
        .rev()
        .find(|l| l.starts_with(VERDICT_PREFIX))
        .map(str::to_string)
}
