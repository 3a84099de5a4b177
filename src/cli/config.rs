//! `herd config render|diff|push`: the Hadoop, ZooKeeper and Mesos files
//! generated from the inventory, written locally, compared with the hosts, or
//! pushed to them (only what changed).

use std::path::PathBuf;

use super::common::InventoryArg;
use super::error::{CliError, fail};
use super::{GlobalArgs, Output};
use crate::engine::privilege;
use crate::exit;
use crate::hadoop::{self, ClusterFiles, FileState, Topology};
use crate::model::Become;
use crate::session::Fleet;
use crate::transport::Sudo;

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
            let (_, _, files) = match prepare(global, &inventory, &hosts) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            if let Err(e) = files.write_tree(&out) {
                return fail(CliError::Failed(format!(
                    "cannot write under {}: {e}",
                    out.display()
                )));
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
            let (fleet, _, files) = match prepare(global, &inventory, &hosts) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let pool = match fleet.pool() {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let sudo = host_sudo(global, &fleet);
            let diffs = hadoop::fetch(&pool, &fleet.targets, &sudo, &files).await;
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
            let (fleet, topo, files) = match prepare(global, &inventory, &hosts) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let pool = match fleet.pool() {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let sudo = host_sudo(global, &fleet);
            let report = hadoop::push(&pool, &fleet.targets, &sudo, &topo, &files, !all).await;
            pool.close_all().await;
            let report = match report {
                Ok(r) => r,
                Err(e) => return fail(CliError::BadInput(e.to_string())),
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

/// Load, validate and render; nothing connects. The topology's warnings
/// are printed.
fn prepare(
    global: &GlobalArgs,
    inv: &InventoryArg,
    hosts: &HostsArg,
) -> Result<(Fleet, Topology, ClusterFiles), CliError> {
    let fleet = inv.load(global)?;
    let topo = hadoop::validate(&fleet.inventory)?;
    for w in &topo.warnings {
        eprintln!("warning: {w}");
    }
    let unknown: Vec<&str> = hosts
        .hosts
        .iter()
        .filter(|h| fleet.inventory.host(h).is_none())
        .map(|s| s.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(CliError::BadInput(format!(
            "--hosts: not in the inventory: {}",
            unknown.join(", ")
        )));
    }
    let files = hadoop::render(&fleet.inventory, &topo)?.only(&hosts.hosts);
    Ok((fleet, topo, files))
}

/// How each host's files are read and written: through sudo where the
/// inventory says become (the configuration belongs to root), as the login
/// elsewhere.
fn host_sudo(global: &GlobalArgs, fleet: &Fleet) -> hadoop::push::HostSudo {
    fleet
        .inventory
        .hosts
        .iter()
        .filter_map(|h| {
            let user = privilege::plain_become_user(&Become::default(), h)?;
            let sudo = Sudo::new(&user, global.become_password.clone()).ok()?;
            Some((h.name.clone(), sudo))
        })
        .collect()
}
