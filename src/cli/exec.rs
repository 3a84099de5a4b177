//! `herd exec`: an ad-hoc command on many hosts, outputs folded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::common::InventoryArg;
use super::error::{CliError, fail};
use super::{GlobalArgs, Output};
use crate::engine::MaxFailures;
use crate::exit;
use crate::model::{Become, Secrets, bad_user_name};
use crate::session::Fleet;
use crate::session::signals::Signals;
use crate::transport::{ExecRequest, Sudo, sudo_check};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: InventoryArg,
    /// Only hosts with this role (repeatable).
    #[arg(long, value_name = "ROLE")]
    pub role: Vec<String>,
    /// Only these hosts, comma-separated (names or Ansible-style ranges).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub hosts: Vec<String>,
    /// Give up on a host after this long (e.g. 30s, 5m); its remote command is terminated.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Run the command through sudo, as the host's become_user from the inventory, else root (without this flag the inventory's `become` still applies).
    #[arg(long = "become")]
    pub escalate: bool,
    /// Once more hosts than this failed (a number, or a percentage of the
    /// hosts chosen, rounded down), start the command on no further host;
    /// the ones running finish. Without it the command runs on every host
    /// whatever fails. Either way a failure on any host exits 1, naming it.
    #[arg(long, value_name = "N|P%")]
    pub max_failures: Option<MaxFailures>,
    /// Run the command through sudo as NAME (implies --become).
    #[arg(long, value_name = "NAME")]
    pub become_user: Option<String>,
    /// The command, after `--`: one shell command line, as ssh(1) takes it.
    /// Several words are joined with spaces and the remote shell parses the
    /// result, so `-- 'ls /tmp | wc -l'` pipes there; quote what must stay
    /// one word (`-- printf '%s\n' "'a b'"`).
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Serialize)]
struct HostResult {
    host: String,
    exit_status: Option<u32>,
    stdout: String,
    stderr: String,
    error: Option<String>,
}

pub async fn main(global: &GlobalArgs, args: Args) -> i32 {
    let fleet = match args.inventory.load(global) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let timeout = match args
        .timeout
        .as_deref()
        .map(crate::model::parse_duration)
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return fail(CliError::BadInput(format!("--timeout: {e}"))),
    };
    let selected = match select(&fleet, &args) {
        Ok(s) => s,
        Err(e) => return fail(CliError::BadInput(e)),
    };
    if let Some(why) = args.become_user.as_deref().and_then(bad_user_name) {
        return fail(CliError::BadInput(format!("--become-user: {why}")));
    }
    let wanted = Become {
        enabled: args.escalate.then_some(true),
        user: args.become_user.clone(),
    };
    let password = global.become_password.clone();
    let mut masking = Secrets::default();
    if let Some(pw) = &password {
        masking.also_mask(pw.expose());
    }
    let sudos: Vec<Option<Sudo>> = selected
        .iter()
        .map(|&i| {
            crate::engine::privilege::plain_become_user(&wanted, &fleet.inventory.hosts[i])
                .and_then(|user| Sudo::new(&user, password.clone()).ok())
        })
        .collect();
    let pool = match fleet.pool() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let command = args.command.join(" ");
    let targets: Vec<_> = selected.iter().map(|&i| fleet.targets[i].clone()).collect();
    let cancel = CancellationToken::new();
    let signals = Signals::watch(cancel.clone(), None);
    let forks = Arc::new(Semaphore::new(global.forks as usize));
    let allowed = args.max_failures.map(|m| m.hosts(targets.len()));
    let failures = AtomicUsize::new(0);
    let conns = pool.connect_all(&targets).await;
    let results = futures::future::join_all(targets.iter().zip(conns).zip(&sudos).map(
        |((t, conn), sudo)| {
            let forks = forks.clone();
            let cancel = cancel.clone();
            let masking = &masking;
            let failures = &failures;
            let req = ExecRequest {
                command: command.clone(),
                stdin: None,
                secrets: Vec::new(),
                timeout,
                record: None,
            };
            async move {
                let r = match conn {
                    Err(e) => Err(e.to_string()),
                    Ok(c) => {
                        let _permit = forks.acquire().await;
                        if allowed.is_some_and(|n| failures.load(Ordering::SeqCst) > n) {
                            Err(format!(
                                "not run: more than {} host(s) failed (--max-failures)",
                                allowed.unwrap_or(0)
                            ))
                        } else {
                            sudo_check::exec_checked(&c, &req, sudo.as_ref(), &cancel).await
                        }
                    }
                };
                if !matches!(&r, Ok(o) if o.exit_status == Some(0)) {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                match r {
                    Ok(o) => HostResult {
                        host: t.name.clone(),
                        exit_status: o.exit_status,
                        stdout: masking.mask(&o.stdout_str()),
                        stderr: masking.mask(&o.stderr_str()),
                        error: None,
                    },
                    Err(e) => HostResult {
                        host: t.name.clone(),
                        exit_status: None,
                        stdout: String::new(),
                        stderr: String::new(),
                        error: Some(masking.mask(&e)),
                    },
                }
            }
        },
    ))
    .await;
    pool.close_all().await;

    let failed = results.iter().filter(|r| r.exit_status != Some(0)).count();
    match global.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        ),
        Output::Human => {
            let texts: Vec<String> = results
                .iter()
                .map(|r| {
                    let mut t = r.stdout.clone();
                    t.push_str(&r.stderr);
                    match (&r.error, r.exit_status) {
                        (Some(e), _) => t.push_str(&format!("herd: {e}\n")),
                        (None, Some(0)) => {}
                        (None, Some(c)) => t.push_str(&format!("herd: exit status {c}\n")),
                        (None, None) => t.push_str("herd: killed by a signal\n"),
                    }
                    t
                })
                .collect();
            let groups = super::fold::fold(
                results
                    .iter()
                    .zip(&texts)
                    .map(|(r, t)| (r.host.as_str(), t.as_str())),
            );
            print!("{}", super::fold::render(&groups));
            if failed > 0 && !global.quiet {
                let names: Vec<&str> = results
                    .iter()
                    .filter(|r| r.exit_status != Some(0))
                    .map(|r| r.host.as_str())
                    .collect();
                eprintln!(
                    "{failed} of {} host(s) failed: {}",
                    results.len(),
                    names.join(", ")
                );
            }
        }
    }
    if cancel.is_cancelled() {
        exit::interrupted_by(signals.received())
    } else if failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// Host indices chosen by --role and --hosts (all when neither is given).
fn select(fleet: &Fleet, args: &Args) -> Result<Vec<usize>, String> {
    let inv = &fleet.inventory;
    let mut names: Vec<String> = Vec::new();
    for h in &args.hosts {
        names.extend(crate::model::expand_range(h).map_err(|e| format!("--hosts {h}: {e}"))?);
    }
    for n in &names {
        if inv.host(n).is_none() {
            return Err(format!("--hosts: no host '{n}' in {}", inv.path.display()));
        }
    }
    for r in &args.role {
        if inv.with_role(r).next().is_none() {
            let mut known: Vec<&str> = inv
                .hosts
                .iter()
                .flat_map(|h| h.roles.iter().map(|s| s.as_str()))
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(format!(
                "--role: no host has role '{r}' (roles: {})",
                known.join(", ")
            ));
        }
    }
    let chosen: Vec<usize> = inv
        .hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            let by_role = args.role.is_empty() || h.roles.iter().any(|r| args.role.contains(r));
            let by_name = args.hosts.is_empty() || names.contains(&h.name);
            by_role && by_name
        })
        .map(|(i, _)| i)
        .collect();
    if chosen.is_empty() {
        return Err("no host matches both --role and --hosts".into());
    }
    Ok(chosen)
}
