//! The command line: one file per sub-command; this file holds the shared
//! flags and the dispatch.

mod balance;
mod become_pass;
mod check;
mod common;
mod completions;
mod config;
mod diagnostics;
mod error;
mod exec;
mod fold;
mod generated;
mod lifecycle;
mod plan;
mod replay;
mod restart;
mod run;
mod runs;
mod smoke;
mod status;
mod up;
mod upgrade;

use clap::{Parser, Subcommand, ValueEnum};

/// herd brings up, restarts and repairs highly available Hadoop and Mesos
/// clusters over SSH: a dependency graph of stages run in parallel across
/// hosts, each gated by health probes, journaled so a failed run can resume.
#[derive(Debug, Parser)]
#[command(name = "herd", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  herd check -i cluster.yaml\n  herd plan playbook.yaml -i cluster.yaml\n  herd run playbook.yaml -i cluster.yaml --forks 100\n  herd status -i cluster.yaml\n  herd restart namenode -i cluster.yaml\n  herd exec -i cluster.yaml --role worker -- uptime\n  herd runs\n  herd replay -i cluster.yaml\n\nExit status: 0 all good, 1 a stage or host failed (journal kept), 2 bad input (nothing was run), 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every sub-command understands.
#[derive(Debug, clap::Args, Clone)]
pub struct GlobalArgs {
    /// Hosts in flight at once (tasks running concurrently across the fleet).
    #[arg(long, global = true, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub forks: u32,
    /// human: progress and summaries; json: one JSON event per line on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Say more: per-task lines, and herd's debug detail (connections, commands, gate polls) on stderr.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Say only what failed.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Record unknown host keys in known_hosts instead of refusing them (a changed key is always refused).
    #[arg(long, global = true)]
    pub accept_new: bool,
    /// Take over the cluster lease of a run from another machine that is gone (refused while any task of it runs).
    #[arg(long, global = true)]
    pub break_lease: bool,
    /// Ask for the sudo password of the stages that become a user (read once, before connecting; one line from stdin when it is not a terminal).
    #[arg(long, global = true)]
    pub ask_become_pass: bool,
    /// The password read for `--ask-become-pass`.
    #[arg(skip)]
    pub become_password: Option<crate::transport::BecomePassword>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the inventory and reach every host: auth, host key, remote user, round-trip time.
    #[command(
        after_help = "Examples:\n  herd check -i cluster.yaml\n  herd check -i cluster.yaml --offline\n\nWarns (stderr) when vars.heap.namenode is below the rule for the objects vars.health expects (1g per million blocks, at least (files + blocks) x 150 bytes).\n\nExit 0 when every host answers, 1 when some host failed, 2 for a bad inventory."
    )]
    Check(check::Args),
    /// Print the plan: ordered waves of (stage x hosts) with guards and probes; --dot for Graphviz.
    #[command(
        after_help = "Examples:\n  herd plan playbook.yaml -i cluster.yaml\n  herd plan playbook.yaml -i cluster.yaml --dot | dot -Tsvg > plan.svg"
    )]
    Plan(plan::Args),
    /// Bring up the HA cluster: ZooKeeper, JournalNodes, NameNodes + ZKFC, ResourceManagers, JobHistory, DataNodes, NodeManagers, Mesos. Safe to re-run.
    #[command(
        after_help = "Examples:\n  herd up -i cluster.yaml\n  herd up -i cluster.yaml --max-failures 10%   (go on without up to 10% of the hosts, workers only)\n\nRe-running on a healthy cluster changes nothing: daemons start only where they are not running, and nothing that holds data is ever formatted (there is no flag to force it). A failed run keeps its journal: fix the cause and run `herd replay`."
    )]
    Up(up::Args),
    /// The cluster in one table: every service on every host, which NameNode/ResourceManager is active, ZooKeeper and Mesos leaders, live workers, safe mode, stale configs.
    #[command(
        after_help = "Examples:\n  herd status -i cluster.yaml\n  herd status -i cluster.yaml --json | jq .cluster.active_namenode\n  herd status -i cluster.yaml --watch 5\n\nExit 0 healthy, 1 degraded (the problems are listed under the table), 2 for a bad inventory (nothing is contacted)."
    )]
    Status(status::Args),
    /// Service checks that prove the cluster computes: a znode written and read back, an HDFS file written on one host and read on another, a MapReduce SleepJob, that job in the JobHistory server, every Mesos agent activated.
    #[command(
        after_help = "Examples:\n  herd smoke -i cluster.yaml\n  herd smoke -i cluster.yaml --json | jq '.checks[] | {check, result, seconds}'\n  herd smoke -i cluster.yaml --only hdfs,yarn\n\nEach check runs as its service's account (hdfs, mapred, zookeeper) through the inventory's become, has a time limit, removes what it made (also when it fails), and is skipped when the inventory has no host for its service. A failed check says why and shows the log tail of the host that failed. Exit 0 when no check failed, 1 when one did, 2 for a bad inventory or --only (nothing is contacted)."
    )]
    Smoke(smoke::Args),
    /// Rolling, probe-gated, HA-aware restart of a service: standby before active, followers before the leader, workers in batches; refused before anything runs when it would leave a service without a serving instance.
    #[command(
        after_help = "Examples:\n  herd restart namenode -i cluster.yaml\n  herd restart datanode -i cluster.yaml --batch 2 --hosts worker1,worker2,worker3,worker4\n  herd restart zookeeper -i cluster.yaml --dry-run\n  herd restart --stale -i cluster.yaml\n  herd restart all -i cluster.yaml\n\nEach step stops and starts one daemon (or one batch) and waits for its readiness probe and the cluster's invariant (one active NameNode, one ZooKeeper leader, ...) before the next. The restart is a playbook generated from the cluster's state and journaled (kind restart): a failed gate stops it there, and `herd replay` resumes it. Exit 0 done, 1 refused or a gate failed, 2 bad input."
    )]
    Restart(restart::Args),
    /// Rolling upgrade to the inventory's Hadoop and ZooKeeper: the new software beside the old, HDFS with the rolling-upgrade protocol, then YARN, then ZooKeeper, every step gated as restarts are; `--finalize` ends it, `--downgrade` and `--rollback` go back before that.
    #[command(
        after_help = "Examples:\n  herd upgrade -i cluster.yaml --dry-run\n  herd upgrade -i cluster.yaml --batch rack\n  herd upgrade --finalize -i cluster.yaml\n  herd upgrade --downgrade -i cluster-old.yaml\n  herd upgrade --rollback -i cluster-old.yaml\n\nPoint vars.dist at the new tarballs first. The upgrade prepares the HDFS rolling upgrade (the standby writes a rollback image), then restarts the standby NameNode on the new software with -rollingUpgrade started, fails over, the other NameNode, the JournalNodes one at a time, the ZKFCs, the DataNodes in batches (each told -shutdownDatanode ... upgrade), the ResourceManagers standby first, the NodeManagers (their containers keep running), the JobHistory server, and ZooKeeper followers before the leader. Each host's install link switches when its first daemon moves; both versions stay on disk. A daemon already on the new version is left alone, so `herd replay` resumes a cut-off upgrade without bouncing anything twice. Until `--finalize`, `herd status` says the rolling upgrade is in progress. Before it, the way back is `--downgrade` (rolling, keeps what was written since: DataNodes first, then the NameNodes started normally, then finalize; refused when the HDFS layout versions differ) or `--rollback` (HDFS stops; the first NameNode starts with -rollingUpgrade rollback, the others are bootstrapped again, the DataNodes start with -rollback), both with vars.dist pointed back at the old release. Exit 0 done (or nothing to do), 1 refused or a gate failed, 2 bad input."
    )]
    Upgrade(upgrade::Args),
    /// Take workers out of service for good: DataNodes until every block has its replicas elsewhere, NodeManagers gracefully, Mesos agents through the maintenance schedule; then their daemons stop.
    #[command(
        after_help = "Examples:\n  herd decommission worker7 -i cluster.yaml\n  herd decommission worker7,worker8 -i cluster.yaml --dry-run\n\nRefused before anything runs when it could not finish (the DataNodes that stay would be fewer than dfs.replication, or lack the space). The new state is recorded in <inventory>.workers.json beside the inventory, which every later `herd up` and `herd config` follows: a bring-up never brings a decommissioned worker back. Progress (blocks still to copy, per host) shows on the gate. Exit 0 done, 1 refused or a gate failed (`herd replay` resumes), 2 bad input."
    )]
    Decommission(lifecycle::Args),
    /// Bring decommissioned workers back into service: lists, refresh, daemons started, gated like new workers.
    #[command(after_help = "Example:\n  herd recommission worker7 -i cluster.yaml")]
    Recommission(lifecycle::Args),
    /// Short repairs without re-replication: HDFS maintenance state, a Mesos maintenance window; restarts and gates skip the hosts.
    #[command(
        after_help = "Examples:\n  herd maintenance enter worker7 -i cluster.yaml --for 2h\n  herd maintenance exit worker7 -i cluster.yaml"
    )]
    Maintenance(lifecycle::MaintenanceArgs),
    /// Run the HDFS balancer once on a NameNode host, journaled; its exit status is the verdict (balanced, nothing movable, upgrade not finalized, another balancer running, timed out).
    #[command(
        after_help = "Example:\n  herd balance -i cluster.yaml --threshold 10 --timeout 2h\n\nThe balancer's output is kept on the host (the path is printed); exit 0 balanced or nothing can be moved, 1 not balanced, refused or timed out, 2 bad input (nothing was run)."
    )]
    Balance(balance::Args),
    /// Execute a playbook: stages in dependency order, each gated by its probe, journaled under .herd/runs.
    #[command(
        after_help = "Example:\n  herd run deploy.yaml -i cluster.yaml --forks 100\n\nA failed run exits 1 naming stage, host, command and the stderr tail; its journal is kept for `herd replay`."
    )]
    Run(run::Args),
    /// Resume the last failed, interrupted or incomplete run (or RUN) without redoing what succeeded; --from / --only STAGE re-run chosen stages.
    #[command(
        after_help = "Examples:\n  herd replay -i cluster.yaml\n  herd replay 20250101T120000.000Z-1a2b -i cluster.yaml --dry-run\n  herd replay -i cluster.yaml --from datanodes\n  herd replay -i cluster.yaml --only zookeeper\n\nTasks that succeeded are skipped, but the gates of their stages are checked again; guards still apply, so nothing is ever reformatted. The replay runs the playbook copy kept in the run's journal and refuses (exit 2) when the inventory or playbook changed since, unless --allow-changed."
    )]
    Replay(replay::Args),
    /// Run an ad-hoc command on many hosts, like pdsh; identical outputs are folded together.
    #[command(
        after_help = "Examples:\n  herd exec -i cluster.yaml -- uptime\n  herd exec -i cluster.yaml --role datanode -- df -h /data\n  herd exec -i cluster.yaml --hosts master1,master2 -- 'jps | sort'"
    )]
    Exec(exec::Args),
    /// Render, diff or push the generated Hadoop/ZooKeeper/Mesos configuration files.
    #[command(
        after_help = "Examples:\n  herd config render -i cluster.yaml --out rendered/\n  herd config diff -i cluster.yaml --hosts master1,master2\n  herd config push -i cluster.yaml\n\nExit 2 for a bad inventory or cluster layout (nothing is contacted); diff exits 1 when some file differs."
    )]
    Config(config::Args),
    /// List journaled runs: id, playbook, start, duration, outcome, failed stage.
    #[command(after_help = "Example:\n  herd runs\n  herd runs --output json")]
    Runs(runs::Args),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  herd completions bash > /etc/bash_completion.d/herd")]
    Completions(completions::Args),
}

/// Parse, run, and return the exit status.
pub fn main() -> i32 {
    let mut cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                crate::exit::BAD_INPUT
            } else {
                crate::exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    diagnostics::install(&cli.global);
    let talks_to_hosts = !matches!(
        cli.command,
        Command::Plan(_) | Command::Runs(_) | Command::Completions(_)
    );
    if cli.global.ask_become_pass && talks_to_hosts {
        match become_pass::read() {
            Ok(p) => cli.global.become_password = Some(p),
            Err(e) => {
                eprintln!("error: {e}");
                return crate::exit::BAD_INPUT;
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("herd: cannot start the async runtime: {e}");
            return crate::exit::FAILED;
        }
    };
    let global = cli.global.clone();
    runtime.block_on(async move {
        match cli.command {
            Command::Check(a) => check::main(&global, a).await,
            Command::Plan(a) => plan::main(&global, a),
            Command::Run(a) => run::main(&global, a).await,
            Command::Up(a) => up::main(&global, a).await,
            Command::Status(a) => status::main(&global, a).await,
            Command::Smoke(a) => smoke::main(&global, a).await,
            Command::Restart(a) => restart::main(&global, a).await,
            Command::Upgrade(a) => upgrade::main(&global, a).await,
            Command::Decommission(a) => lifecycle::decommission(&global, a).await,
            Command::Recommission(a) => lifecycle::recommission(&global, a).await,
            Command::Maintenance(a) => lifecycle::maintenance(&global, a).await,
            Command::Balance(a) => balance::main(&global, a).await,
            Command::Replay(a) => replay::main(&global, a).await,
            Command::Exec(a) => exec::main(&global, a).await,
            Command::Config(a) => config::main(&global, a).await,
            Command::Runs(a) => runs::main(&global, a),
            Command::Completions(a) => completions::main(a),
        }
    })
}
