//! `herd restart SERVICE`: read the cluster, refuse if restarting would
//! leave a service without a serving instance, else generate the rolling
//! restart playbook (see [`crate::hadoop::restart`]) and run it journaled
//! as kind `restart`, so `herd replay` resumes it where a gate failed.

use super::GlobalArgs;
use super::common::{InventoryArg, MaxFailuresArg};
use super::error::fail;
use crate::events::RunKind;
use crate::exit;
use crate::hadoop::observe::{self, Layout};
use crate::hadoop::restart::{self, Batch, Options, Refusal};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// zookeeper, journalnode, namenode, zkfc, resourcemanager, historyserver,
    /// datanode, nodemanager, mesos-master, mesos-agent, spark-history, all
    /// (default with --stale), or workers (every worker daemon of a batch of
    /// hosts in one step).
    pub service: Option<String>,
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Only these hosts (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub hosts: Option<Vec<String>>,
    /// Worker hosts restarted at once: a number, or `rack` (one rack's
    /// hosts at a time). DataNode batches that may hold every replica of a
    /// block are refused.
    #[arg(long, default_value = "1", value_name = "N|rack")]
    pub batch: Batch,
    /// Only the services whose configuration changed since they started
    /// (as `herd config push` recorded); their stale marks are cleared after.
    #[arg(long)]
    pub stale: bool,
    #[command(flatten)]
    pub failures: MaxFailuresArg,
    /// Print the generated steps and exit.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let service = match (&args.service, args.stale) {
        (Some(s), _) => s.clone(),
        (None, true) => "all".to_string(),
        (None, false) => {
            eprintln!("error: name the service to restart (or `all`), or pass --stale");
            return exit::BAD_INPUT;
        }
    };
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
    let layout = Layout::new(inv, &topo);
    let opts = Options {
        service: service.clone(),
        hosts: args.hosts.clone(),
        batch: args.batch,
        stale: args.stale,
        since: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs()),
        tolerate_unreachable: args.failures.max_failures.tolerates_any(),
    };

    // What the inventory alone refuses, before any host is contacted.
    match restart::check(inv, &topo, &opts) {
        Ok(()) => {}
        Err(Refusal::BadInput(m)) => {
            eprintln!("error: {m}");
            return exit::BAD_INPUT;
        }
        Err(Refusal::Unsafe(m)) => {
            eprintln!("{m}");
            return exit::FAILED;
        }
    }
    let pool = match ctx.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut readings = observe::connect_and_gather(&pool, &ctx.targets, &layout).await;
    pool.close_all().await;
    if args.dry_run {
        // A dry run shows the plan even where it could not look.
        let assumed = restart::assume_running(&layout, &mut readings);
        if !assumed.is_empty() {
            eprintln!("{}", assumed_note(&assumed, layout.hosts.len()));
        }
    }

    let generated = match restart::generate(inv, &topo, &layout, &readings, &opts) {
        Ok(g) => g,
        Err(Refusal::BadInput(m)) => {
            eprintln!("error: {m}");
            return exit::BAD_INPUT;
        }
        Err(Refusal::Unsafe(m)) => {
            eprintln!("{m}");
            return exit::FAILED;
        }
    };
    let Some(playbook) = &generated.playbook else {
        let what = if args.stale {
            "no stale service".to_string()
        } else {
            format!("no {service} host")
        };
        eprintln!("nothing to restart ({what} matches)");
        return exit::OK;
    };
    let what = format!("restart {}", if args.stale { "--stale" } else { &service });
    super::generated::run(
        global,
        &ctx,
        super::generated::Generated {
            what,
            steps: generated.describe(),
            step_count: generated.steps.len(),
            playbook,
            text: &generated.text,
            kind: RunKind::Restart,
        },
        args.failures.max_failures,
        args.dry_run,
    )
    .await
}

/// The dry run's word on the hosts it could not read.
fn assumed_note(assumed: &[(String, String)], of: usize) -> String {
    const NAMED: usize = 5;
    let mut named: Vec<String> = assumed
        .iter()
        .take(NAMED)
        .map(|(h, why)| format!("{h}: {why}"))
        .collect();
    if assumed.len() > NAMED {
        named.push(format!("and {} more", assumed.len() - NAMED));
    }
    format!(
        "note: {} of {of} hosts could not be read ({}); this plan takes every daemon on them as running",
        assumed.len(),
        named.join("; ")
    )
}
