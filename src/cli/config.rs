//! `herd config render|diff|push`: the Hadoop, ZooKeeper and Mesos files
//! generated from the inventory, written locally, compared with the hosts, or
//! pushed to them (only what changed).

use std::path::PathBuf;

use super::common::{Context, InventoryArg};
use super::{GlobalArgs, Output};
use crate::exit;
use crate::hadoop::{self, ClusterFiles, FileState, Topology};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write every host's files under DIR/<host>/<absolute path>, touching no host.
    Render {
        #[command(flatten)]
        inventory: InventoryArg,
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        hosts: HostsArg,
    },
    /// Show a unified diff between each host's files and the rendered ones. Exit 0 when identical, 1 when not.
    Diff {
        #[command(flatten)]
        inventory: InventoryArg,
        #[command(flatten)]
        hosts: HostsArg,
    },
    /// Write the files that differ (previous version kept as <path>.herd-prev) and record the services to restart.
    Push {
        #[command(flatten)]
        inventory: InventoryArg,
        #[command(flatten)]
        hosts: HostsArg,
        /// Write every file, even the unchanged ones.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, clap::Args, Clone)]
pub struct HostsArg {
    /// Only these hosts (comma-separated inventory names).
    #[arg(long, value_delimiter = ',', value_name = "HOST,...")]
    pub hosts: Vec<String>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    match args.action {
        Action::Render {
            inventory,
            out,
            hosts,
        } => {
            let Ok((_, _, files)) = prepare(global, &inventory, &hosts) else {
                return exit::BAD_INPUT;
            };
            if let Err(e) = files.write_tree(&out) {
                eprintln!("error: cannot write under {}: {e}", out.display());
                return exit::FAILED;
            }
            if !global.quiet {
                for h in &files.hosts {
                    println!("{:<12} {} file(s)", h.host, h.files.len());
                }
                println!(
                    "\nwrote {} file(s) for {} host(s) under {}",
                    files.file_count(),
                    files.hosts.len(),
                    out.display()
                );
            }
            exit::OK
        }
        Action::Diff { inventory, hosts } => {
            let Ok((ctx, _, files)) = prepare(global, &inventory, &hosts) else {
                return exit::BAD_INPUT;
            };
            let pool = match ctx.pool() {
                Ok(p) => p,
                Err(code) => return code,
            };
            let diffs = hadoop::fetch(&pool, &ctx.targets, &files).await;
            pool.close_all().await;
            let mut changed = 0;
            let mut failed = 0;
            for d in &diffs {
                if let Some(e) = &d.error {
                    eprintln!("error: {e}");
                    failed += 1;
                    continue;
                }
                for f in d.changed() {
                    changed += 1;
                    if f.state == FileState::New {
                        println!("# {}:{} is not on the host yet", d.host, f.path);
                    }
                    print!("{}", hadoop::push::unified_diff(&d.host, f));
                }
            }
            if !global.quiet {
                let total: usize = diffs.iter().map(|d| d.files.len()).sum();
                eprintln!(
                    "\n{changed} of {total} file(s) differ{}",
                    failed_note(failed)
                );
            }
            if changed > 0 || failed > 0 {
                exit::FAILED
            } else {
                exit::OK
            }
        }
        Action::Push {
            inventory,
            hosts,
            all,
        } => {
            let Ok((ctx, topo, files)) = prepare(global, &inventory, &hosts) else {
                return exit::BAD_INPUT;
            };
            let pool = match ctx.pool() {
                Ok(p) => p,
                Err(code) => return code,
            };
            let report = hadoop::push(&pool, &ctx.targets, &topo, &files, !all).await;
            pool.close_all().await;
            let report = match report {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::BAD_INPUT;
                }
            };
            match global.output {
                Output::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                ),
                Output::Human => {
                    for h in &report.hosts {
                        if let Some(e) = &h.error {
                            println!("{:<12} FAILED: {e}", h.host);
                            continue;
                        }
                        if h.written.is_empty() {
                            if !global.quiet {
                                println!(
                                    "{:<12} unchanged ({} file(s))",
                                    h.host,
                                    h.unchanged.len()
                                );
                            }
                            continue;
                        }
                        println!(
                            "{:<12} {} written, {} unchanged",
                            h.host,
                            h.written.len(),
                            h.unchanged.len()
                        );
                        for (path, state) in &h.written {
                            let what = if *state == FileState::New {
                                "new"
                            } else {
                                "changed"
                            };
                            println!("    {what:<8} {path}");
                        }
                        if !h.stale.is_empty() {
                            println!("    restart needed: {}", h.stale.join(", "));
                        }
                    }
                }
            }
            let failed = report.failed().count();
            if global.output == Output::Human && !global.quiet {
                println!(
                    "\n{} file(s) written on {} host(s){}",
                    report.written(),
                    report.hosts.len(),
                    failed_note(failed)
                );
            }
            if failed > 0 { exit::FAILED } else { exit::OK }
        }
    }
}

fn failed_note(failed: usize) -> String {
    if failed > 0 {
        format!("; {failed} host(s) failed")
    } else {
        String::new()
    }
}

/// Load, validate and render; every problem is printed and nothing connects.
fn prepare(
    global: &GlobalArgs,
    inv: &InventoryArg,
    hosts: &HostsArg,
) -> Result<(Context, Topology, ClusterFiles), ()> {
    let ctx = Context::load(global, inv).map_err(|_| ())?;
    let topo = match hadoop::validate(&ctx.inventory) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return Err(());
        }
    };
    for w in &topo.warnings {
        eprintln!("warning: {w}");
    }
    let unknown: Vec<&String> = hosts
        .hosts
        .iter()
        .filter(|h| ctx.inventory.host(h).is_none())
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        eprintln!("error: --hosts: not in the inventory: {}", names.join(", "));
        return Err(());
    }
    let files = match hadoop::render(&ctx.inventory, &topo) {
        Ok(f) => f.only(&hosts.hosts),
        Err(e) => {
            eprintln!("{e}");
            return Err(());
        }
    };
    Ok((ctx, topo, files))
}
