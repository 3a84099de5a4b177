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
        host_keys: Default::default(),
        web_client: None,
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
        host_keys: Default::default(),
        web_client: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn inventory(hosts: &str) -> Inventory {
        let text = format!("ssh:\n  use_ssh_config: false\nhosts:\n{hosts}");
        Inventory::parse(&text, Path::new("inv.yaml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn hops(t: &SshTarget) -> Vec<String> {
        t.jump
            .iter()
            .map(|j| format!("{}@{}:{}", j.user, j.address, j.port))
            .collect()
    }

    #[test]
    fn a_jump_through_an_inventory_host_carries_that_hosts_own_chain() {
        let inv = inventory(
            "  - name: gate\n    user: ops\n    jump: admin@bastion:2222\n    roles: [edge]\n  - name: inner\n    user: ops\n    jump: gate\n    roles: [nodes]\n",
        );
        let targets = targets(&inv).unwrap();
        assert_eq!(hops(&targets[0]), vec!["admin@bastion:2222"]);
        assert_eq!(hops(&targets[1]), vec!["admin@bastion:2222", "ops@gate:22"]);
        // Each hop is one connection: the chain lives on the target, not the hop.
        assert!(targets[1].jump.iter().all(|j| j.jump.is_empty()));
    }

    #[test]
    fn a_bad_jump_host_names_the_host_and_a_loop_is_cut_short() {
        let bad_port = inventory("  - name: a\n    jump: b:ssh\n    roles: [nodes]\n");
        assert_eq!(
            targets(&bad_port).unwrap_err().to_string(),
            "host a: bad jump host port in 'b:ssh'"
        );
        let empty = inventory("  - name: a\n    jump: 'u@:22'\n    roles: [nodes]\n");
        assert_eq!(
            targets(&empty).unwrap_err().to_string(),
            "host a: empty jump host in 'u@:22'"
        );
        let looped = inventory(
            "  - name: a\n    jump: b\n    roles: [nodes]\n  - name: b\n    jump: a\n    roles: [nodes]\n",
        );
        assert!(matches!(
            targets(&looped),
            Err(TargetError::JumpChainTooLong { .. })
        ));
    }

    #[test]
    fn the_inventory_sets_known_hosts_and_the_connect_timeout() {
        let text = "ssh:\n  known_hosts: /tmp/kh\n  connect_timeout: 3s\nhosts:\n  - name: a\n    roles: [nodes]\n";
        let inv = Inventory::parse(text, Path::new("inv.yaml")).unwrap();
        let config = config(&inv, true);
        assert_eq!(config.known_hosts, Path::new("/tmp/kh"));
        assert_eq!(config.connect_timeout, std::time::Duration::from_secs(3));
        assert!(config.accept_new);
    }
}
