//! Where and how to reach one host, after inventory and ~/.ssh/config are merged.

use std::path::PathBuf;
use std::time::Duration;

/// One host as the transport sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// The inventory name, used in every message (host keys are looked up
    /// by `address`, see `known_hosts`).
    pub name: String,
    /// Address or DNS name to open the TCP connection to.
    pub address: String,
    pub port: u16,
    pub user: String,
    /// Private keys to try, in order, after the ssh-agent's keys.
    pub identity_files: Vec<PathBuf>,
    /// Jump host chain, outermost first (ProxyJump).
    pub jump: Vec<SshTarget>,
    /// How its host key is looked up, from ssh_config.
    pub host_keys: HostKeyLookup,
    /// A program on the host that makes this host's web reads (`PROGRAM
    /// ADDRESS PORT PATH`, the body then the status on its last line), for
    /// endpoints that want credentials only the host holds; None: reads go
    /// through a tunnel of the connection.
    pub web_client: Option<String>,
}

/// ssh_config's say in how a host's key is looked up; what it leaves unset
/// takes the run's known_hosts, OpenSSH's default files and the address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostKeyLookup {
    /// HostKeyAlias: the name the key is looked up and recorded under.
    pub alias: Option<String>,
    /// UserKnownHostsFile (empty for `none`), read when the run's known_hosts
    /// is left at ~/.ssh/known_hosts.
    pub user_files: Option<Vec<PathBuf>>,
    /// GlobalKnownHostsFile (empty for `none`).
    pub global_files: Option<Vec<PathBuf>>,
}

/// Settings shared by every connection of a run.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// The user known_hosts file: read first, and where --accept-new records
    /// new keys. Left at ~/.ssh/known_hosts, ssh_config and OpenSSH's
    /// defaults have their say (see `known_hosts`).
    pub known_hosts: PathBuf,
    /// Record unknown host keys instead of refusing them (never accepts a changed key).
    pub accept_new: bool,
    pub connect_timeout: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    /// Session channels in flight per connection; OpenSSH refuses the 11th by default.
    pub max_channels: usize,
    /// Handshakes in flight across the whole run, so no sshd's MaxStartups is hit.
    pub max_handshakes: usize,
    /// Use $SSH_AUTH_SOCK if set.
    pub use_agent: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            known_hosts: default_known_hosts(),
            accept_new: false,
            connect_timeout: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(5),
            keepalive_max: 3,
            max_channels: 8,
            max_handshakes: 64,
            use_agent: true,
        }
    }
}

/// `~/.ssh/known_hosts`, as OpenSSH uses it.
pub fn default_known_hosts() -> PathBuf {
    home_dir().join(".ssh").join("known_hosts")
}

pub(super) fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}
