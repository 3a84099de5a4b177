//! What the transport takes from the inventory: an SSH target per host, jump
//! chains resolved (a jump host is another inventory host or
//! `[user@]host[:port]`) and ~/.ssh/config applied where the inventory allows
//! it (inventory values win), and the connection settings it sets.

use super::{SshTarget, TransportConfig};
use crate::model::{Host, Inventory};

/// Longest jump host chain followed; a longer one is taken for a loop.
const MAX_JUMPS: usize = 8;

/// A host whose jump host cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("host {host}: jump host chain is longer than {MAX_JUMPS} (a loop?)")]
    JumpChainTooLong { host: String },
    #[error("host {host}: bad jump host port in '{spec}'")]
    BadJumpPort { host: String, spec: String },
    #[error("host {host}: empty jump host in '{spec}'")]
    EmptyJumpHost { host: String, spec: String },
}

/// SSH targets for every inventory host, by index.
pub fn targets(inv: &Inventory) -> Result<Vec<SshTarget>, TargetError> {
    inv.hosts.iter().map(|h| target(inv, h, 0)).collect()
}

/// The connection settings of a run on `inv`.
pub fn config(inv: &Inventory, accept_new: bool) -> TransportConfig {
    let mut config = TransportConfig {
        accept_new,
        connect_timeout: inv.ssh.connect_timeout,
        ..TransportConfig::default()
    };
    if let Some(kh) = &inv.ssh.known_hosts {
        config.known_hosts = kh.clone();
    }
    config
}

fn target(inv: &Inventory, host: &Host, depth: usize) -> Result<SshTarget, TargetError> {
    if depth > MAX_JUMPS {
        return Err(TargetError::JumpChainTooLong {
            host: host.name.clone(),
        });
    }
    let mut t = SshTarget {
        name: host.name.clone(),
        address: host.address.clone(),
        port: host.port,
        user: host.user.clone(),
        identity_files: host.identity_files.clone(),
        jump: Vec::new(),
    };
    if inv.ssh.use_ssh_config {
        super::ssh_config::apply_default(&mut t);
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
fn parse_jump(spec: &str, host: &Host) -> Result<SshTarget, TargetError> {
    let (user, rest) = match spec.split_once('@') {
        Some((u, r)) => (u.to_string(), r),
        None => (host.user.clone(), spec),
    };
    let (addr, port) = match rest.rsplit_once(':') {
        Some((a, p)) => (
            a.to_string(),
            p.parse::<u16>().map_err(|_| TargetError::BadJumpPort {
                host: host.name.clone(),
                spec: spec.to_string(),
            })?,
        ),
        None => (rest.to_string(), 22),
    };
    if addr.is_empty() {
        return Err(TargetError::EmptyJumpHost {
            host: host.name.clone(),
            spec: spec.to_string(),
        });
    }
    Ok(SshTarget {
        name: addr.clone(),
        address: addr,
        port,
        user,
        identity_files: host.identity_files.clone(),
        jump: Vec::new(),
    })
}
