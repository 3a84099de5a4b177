//! `herd smoke`: the service checks of [`crate::hadoop::smoke`], a line
//! each as it finishes (or one JSON document), exit 0 only when none
//! failed. `herd up --smoke` runs them after a bring-up that succeeded.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::common::InventoryArg;
use super::error::{CliError, fail};
use super::{GlobalArgs, Output};
use crate::exit;
use crate::hadoop::smoke::{self, CHECKS, Check, Document, Lines, Remote, Smoke};
use crate::session::Fleet;
use crate::session::signals::Signals;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// One JSON document (every check's result, wall time, detail and log
    /// tails) instead of the lines.
    #[arg(long)]
    pub json: bool,
    /// Only these checks, comma-separated: zookeeper, hdfs, yarn,
    /// jobhistory, spark, mesos (jobhistory looks for the yarn check's job).
    #[arg(long, value_name = "CHECK,...", value_delimiter = ',')]
    pub only: Vec<String>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let checks = match chosen(&args.only) {
        Ok(c) => c,
        Err(e) => return fail(CliError::BadInput(e)),
    };
    run(global, &fleet, &checks, args.json).await
}

/// The checks `--only` names, in their running order (all without it).
fn chosen(only: &[String]) -> Result<Vec<&'static Check>, String> {
    for name in only {
        if smoke::check(name).is_none() {
            let names: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
            return Err(format!(
                "--only: no check '{name}' (checks: {})",
                names.join(", ")
            ));
        }
    }
    Ok(CHECKS
        .iter()
        .copied()
        .filter(|c| only.is_empty() || only.iter().any(|n| n == c.name))
        .collect())
}

/// Runs `checks` on `fleet`'s cluster and says how they went.
pub async fn run(global: &GlobalArgs, fleet: &Fleet, checks: &[&Check], json: bool) -> i32 {
    let inv = &fleet.inventory;
    let topo = match crate::hadoop::validate(inv) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let json = json || global.output == Output::Json;
    let remote = Remote::new(&pool, inv, &fleet.targets, global.become_password.as_ref());
    let id = crate::report::runs::new_run_id();
    let s = Smoke::new(inv, &topo, remote, id.clone());
    let stop = CancellationToken::new();
    let signals = Signals::watch(
        stop.clone(),
        Some("interrupted: stopping the check that runs, then cleaning up after it"),
    );

    let lines = Lines::new(&checks.iter().map(|c| c.name).collect::<Vec<_>>());
    if !json && !global.quiet {
        println!(
            "smoke checks on {} (their znode and files are named {}):",
            inv.cluster,
            s.name()
        );
        println!("{}", lines.header());
    }
    let started = Instant::now();
    let outcomes = smoke::run(&s, checks, &stop, |o| {
        if !json && (!global.quiet || o.result == smoke::CheckResult::Fail) {
            print!("{}", lines.outcome(o));
        }
    })
    .await;
    pool.close_all().await;
    let seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    let passed = smoke::passed(&outcomes) && !stop.is_cancelled();
    if json {
        let doc = Document {
            cluster: &inv.cluster,
            run: &id,
            passed,
            seconds,
            checks: &outcomes,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("{}", smoke::summary(&outcomes, seconds));
    }
    if stop.is_cancelled() {
        exit::interrupted_by(signals.received())
    } else if passed {
        exit::OK
    } else {
        exit::FAILED
    }
}

/// `herd up --smoke`: every check, after the bring-up succeeded.
pub async fn after_up(global: &GlobalArgs, fleet: &Fleet) -> i32 {
    run(global, fleet, CHECKS, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_known_checks_and_keeps_the_running_order() {
        let names = |c: Vec<&Check>| c.iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(chosen(&[]).unwrap()),
            vec!["zookeeper", "hdfs", "yarn", "jobhistory", "spark", "mesos"]
        );
        assert_eq!(
            names(chosen(&["jobhistory".into(), "yarn".into()]).unwrap()),
            vec!["yarn", "jobhistory"]
        );
        assert_eq!(
            chosen(&["spark2".into()]).err().unwrap(),
            "--only: no check 'spark2' (checks: zookeeper, hdfs, yarn, jobhistory, spark, mesos)"
        );
    }
}
