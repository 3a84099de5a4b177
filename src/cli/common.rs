//! What the sub-commands share: loading the inventory (exit 2 on bad input,
//! before any connection), turning hosts into SSH targets, choosing subscribers.

use std::path::PathBuf;

use super::{GlobalArgs, Output};
use crate::events::Subscriber;
use crate::exit;
use crate::model::{Host, Inventory};
use crate::report::progress::{Progress, Verbosity};
use crate::transport::{Pool, SshTarget, TransportConfig};

/// `-i/--inventory`, shared by the sub-commands that talk to hosts.
#[derive(Debug, clap::Args, Clone)]
pub struct InventoryArg {
    /// Inventory file (YAML): hosts, roles, vars, SSH settings.
    #[arg(short, long, value_name = "FILE")]
    pub inventory: PathBuf,
}

/// A loaded inventory and the transport settings derived from it.
pub struct Context {
    pub inventory: Inventory,
    pub targets: Vec<SshTarget>,
    pub transport: TransportConfig,
}

impl Context {
    /// Load and validate; on error print every problem and return exit 2.
    pub fn load(global: &GlobalArgs, inv: &InventoryArg) -> Result<Context, i32> {
        let inventory = Inventory::load(&inv.inventory).map_err(|e| {
            eprintln!("{e}");
            exit::BAD_INPUT
        })?;
        let mut transport = TransportConfig {
            accept_new: global.accept_new,
            ..TransportConfig::default()
        };
        if let Some(kh) = &inventory.ssh.known_hosts {
            transport.known_hosts = kh.clone();
        }
        transport.connect_timeout = inventory.ssh.connect_timeout;
        let targets = targets(&inventory).map_err(|e| {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        })?;
        Ok(Context {
            inventory,
            targets,
            transport,
        })
    }

    pub fn pool(&self) -> Result<Pool, i32> {
        Pool::new(self.transport.clone()).map_err(|e| {
            eprintln!("error: {e}");
            exit::BAD_INPUT
        })
    }
}

/// SSH targets for every inventory host, by index, jump chains resolved and
/// ~/.ssh/config applied (inventory values win).
pub fn targets(inv: &Inventory) -> Result<Vec<SshTarget>, String> {
    inv.hosts.iter().map(|h| target(inv, h, 0)).collect()
}

fn target(inv: &Inventory, host: &Host, depth: usize) -> Result<SshTarget, String> {
    if depth > 8 {
        return Err(format!(
            "host {}: jump host chain is longer than 8 (a loop?)",
            host.name
        ));
    }
    let mut t = SshTarget {
        name: host.name.clone(),
        address: host.address.clone(),
        port: host.port,
        user: host.user.clone(),
        identity_files: host.identity_files.clone(),
        jump: Vec::new(),
        host_keys: Default::default(),
    };
    if inv.ssh.use_ssh_config {
        crate::transport::ssh_config::apply_default(&mut t);
    }
    if let Some(j) = &host.jump {
        let jump = match inv.host(j) {
            Some(jh) => target(inv, jh, depth + 1)?,
            None => parse_jump(j, host)?,
        };
        let mut chain = jump.jump.clone();
        let mut hop = jump;
        hop.jump.clear();
        chain.push(hop);
        t.jump = chain;
    }
    Ok(t)
}

/// `[user@]host[:port]`, for a jump host that is not in the inventory.
fn parse_jump(spec: &str, host: &Host) -> Result<SshTarget, String> {
    let (user, rest) = match spec.split_once('@') {
        Some((u, r)) => (u.to_string(), r),
        None => (host.user.clone(), spec),
    };
    let (addr, port) = match rest.rsplit_once(':') {
        Some((a, p)) => (
            a.to_string(),
            p.parse::<u16>()
                .map_err(|_| format!("host {}: bad jump host port in '{spec}'", host.name))?,
        ),
        None => (rest.to_string(), 22),
    };
    if addr.is_empty() {
        return Err(format!("host {}: empty jump host in '{spec}'", host.name));
    }
    Ok(SshTarget {
        name: addr.clone(),
        address: addr,
        port,
        user,
        identity_files: host.identity_files.clone(),
        jump: Vec::new(),
        host_keys: Default::default(),
    })
}

/// Display subscribers for a run, by `--output` and `-v/-q`.
pub fn subscribers(global: &GlobalArgs) -> Vec<Box<dyn Subscriber>> {
    let verbosity = if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    match global.output {
        // JSON goes to stdout; keep failures visible on stderr.
        Output::Json => vec![
            Box::new(crate::report::json::JsonLines::new(std::io::stdout())),
            Box::new(Progress::new(Verbosity::Quiet)),
        ],
        Output::Human => vec![Box::new(Progress::new(verbosity))],
    }
}

/// The command line as typed, for the journal.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| crate::shell::quote(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A playbook (and its text, for the journal) from a path, or the bundled HA
/// bring-up when none is given.
pub fn load_playbook(
    path: Option<&std::path::Path>,
) -> Result<(crate::model::Playbook, String), i32> {
    let (text, source) = match path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => (t, p.display().to_string()),
            Err(e) => {
                eprintln!("error: cannot read playbook {}: {e}", p.display());
                return Err(exit::BAD_INPUT);
            }
        },
        None => match crate::playbooks::bundled(crate::playbooks::DEFAULT) {
            Some(text) => (
                text.to_string(),
                format!("bundled:{}", crate::playbooks::DEFAULT),
            ),
            None => {
                eprintln!(
                    "error: no playbook given and no bundled playbook '{}'",
                    crate::playbooks::DEFAULT
                );
                return Err(exit::BAD_INPUT);
            }
        },
    };
    match crate::model::Playbook::parse(&text, &source) {
        Ok(p) => Ok((p, text)),
        Err(e) => {
            eprintln!("{e}");
            Err(exit::BAD_INPUT)
        }
    }
}
