//! `herd decommission`, `herd recommission`, `herd maintenance enter|exit`:
//! read the cluster, refuse what could not finish, record the workers' new
//! state beside the inventory, then run the generated playbook journaled
//! (so `herd replay` resumes it where a gate failed).

use std::time::Duration;

use super::common::InventoryArg;
use super::error::fail;
use super::{GlobalArgs, Output};
use crate::engine::RunOptions;
use crate::events::RunKind;
use crate::exit;
use crate::hadoop::lifecycle::generate::{self, Action, Request};
use crate::hadoop::lifecycle::record;
use crate::hadoop::observe::{self, Layout};
use crate::hadoop::restart::Refusal;
use crate::model::parse_duration;
use crate::plan;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The workers (comma-separated).
    #[arg(value_delimiter = ',', value_name = "HOSTS", required = true)]
    pub hosts: Vec<String>,
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// How long the NameNode may take to copy the blocks away (or to put
    /// the DataNodes in maintenance) before the gate fails.
    #[arg(long, default_value = "4h", value_name = "DURATION")]
    pub timeout: String,
    /// How long running YARN containers get to finish on a NodeManager
    /// being decommissioned before YARN forces it.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub yarn_grace: String,
    /// Print the generated steps and exit (nothing is recorded).
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct MaintenanceArgs {
    #[command(subcommand)]
    pub what: Maintenance,
}

#[derive(Debug, clap::Subcommand)]
pub enum Maintenance {
    /// Into maintenance: HDFS keeps the hosts' replicas where they are
    /// (nothing is copied while they are away), Mesos drains them.
    Enter {
        #[command(flatten)]
        args: Args,
        /// When the maintenance ends by itself (the NameNode then treats
        /// the hosts as back, or as dead if they are not); default: at `exit`.
        #[arg(long = "for", value_name = "DURATION")]
        duration: Option<String>,
    },
    /// Back into service: daemons started where they are not, gated like new workers.
    Exit {
        #[command(flatten)]
        args: Args,
    },
}

pub async fn decommission(global: &GlobalArgs, args: Args) -> i32 {
    run(global, args, Some(Action::Decommission), None).await
}

pub async fn recommission(global: &GlobalArgs, args: Args) -> i32 {
    run(global, args, Some(Action::Recommission), None).await
}

pub async fn maintenance(global: &GlobalArgs, m: MaintenanceArgs) -> i32 {
    match m.what {
        Maintenance::Enter { args, duration } => run(global, args, None, Some(duration)).await,
        Maintenance::Exit { args } => run(global, args, Some(Action::Exit), None).await,
    }
}

async fn run(
    global: &GlobalArgs,
    args: Args,
    action: Option<Action>,
    enter_for: Option<Option<String>>,
) -> i32 {
    let duration = |flag: &str, v: &str| -> Result<Duration, i32> {
        parse_duration(v).map_err(|e| {
            eprintln!("error: {flag}: {e}");
            exit::BAD_INPUT
        })
    };
    let timeout = match duration("--timeout", &args.timeout) {
        Ok(d) => d,
        Err(c) => return c,
    };
    let yarn_grace = match duration("--yarn-grace", &args.yarn_grace) {
        Ok(d) => d,
        Err(c) => return c,
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let action = match (action, enter_for) {
        (Some(a), _) => a,
        (None, Some(None)) => Action::Enter { until_ms: None },
        (None, Some(Some(d))) => match duration("--for", &d) {
            Ok(d) => Action::Enter {
                until_ms: Some(now_ms + d.as_millis() as u64),
            },
            Err(c) => return c,
        },
        (None, None) => unreachable!("every sub-command names its action"),
    };
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let inv = &fleet.inventory;
    let topo = match crate::hadoop::validate(inv) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return exit::BAD_INPUT;
        }
    };
    let layout = Layout::new(inv, &topo);
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let readings = observe::connect_and_gather(&pool, &fleet.targets, &layout).await;
    pool.close_all().await;
    let req = Request {
        action,
        hosts: args.hosts.clone(),
        timeout,
        yarn_grace,
        now_ms,
    };
    let op = match generate::generate(inv, &topo, &readings, &req) {
        Ok(op) => op,
        Err(Refusal::BadInput(m)) => {
            eprintln!("error: {m}");
            return exit::BAD_INPUT;
        }
        Err(Refusal::Unsafe(m)) => {
            eprintln!("{m}");
            return exit::FAILED;
        }
    };
    let mut header = format!(
        "{} {} ({} steps):\n",
        op.name.replace('-', " "),
        req.hosts.join(", "),
        op.steps.len()
    );
    for (i, (stage, what)) in op.steps.iter().enumerate() {
        header.push_str(&format!("{:>3}. {stage:<36} {what}\n", i + 1));
    }
    if global.output == Output::Json {
        eprint!("{header}");
    } else if !global.quiet {
        print!("{header}");
    }
    let plan = match plan::build(inv, &op.playbook) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "error: the generated {} does not plan (a bug in herd):\n{e}",
                op.name
            );
            return exit::FAILED;
        }
    };
    if args.dry_run {
        if global.verbose {
            print!("\n{}", op.text);
        }
        return exit::OK;
    }
    // Recorded before it runs: a bring-up or a replay in between continues
    // the operation instead of undoing it.
    match record::save(inv, &op.record) {
        Ok(path) => eprintln!(
            "recorded {} as {} in {}",
            req.hosts.join(", "),
            op.record.state(&req.hosts[0]).word(),
            path.display()
        ),
        Err(e) => {
            eprintln!(
                "error: cannot write the worker record {}: {e}",
                record::path_for(&inv.path).display()
            );
            return exit::FAILED;
        }
    }
    let opts = RunOptions {
        kind: match action {
            Action::Decommission => RunKind::Decommission,
            Action::Recommission => RunKind::Recommission,
            Action::Enter { .. } | Action::Exit => RunKind::Maintenance,
        },
        ..RunOptions::default()
    };
    super::run::execute(
        global,
        &fleet,
        &op.playbook,
        &op.text,
        &plan,
        opts,
        serde_json::Map::new(),
    )
    .await
}
