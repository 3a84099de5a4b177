//! The inventory: hosts, their roles and variables, SSH settings.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::ModelErrors;

/// A validated inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub path: PathBuf,
    /// sha256 of the file's bytes, hex; the journal records it.
    pub digest: String,
    /// `cluster.name`, or the file stem.
    pub cluster: String,
    /// Cluster-level variables (`vars:`), visible to every template as `vars`.
    pub vars: BTreeMap<String, serde_json::Value>,
    pub ssh: SshSettings,
    /// In file order, ranges expanded.
    pub hosts: Vec<Host>,
}

/// One host after defaults and ranges are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: String,
    /// Where to connect; defaults to the name.
    pub address: String,
    pub port: u16,
    pub user: String,
    pub roles: Vec<String>,
    /// Host variables merged over cluster `vars`.
    pub vars: BTreeMap<String, serde_json::Value>,
    pub identity_files: Vec<PathBuf>,
    /// Name or address of a jump host (ProxyJump), if any.
    pub jump: Option<String>,
    /// Line of the host's entry in the inventory, for messages.
    pub line: usize,
}

/// `ssh:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSettings {
    pub identity_files: Vec<PathBuf>,
    /// None: ~/.ssh/known_hosts.
    pub known_hosts: Option<PathBuf>,
    pub jump: Option<String>,
    pub connect_timeout: Duration,
    /// Read ~/.ssh/config for HostName, User, Port, IdentityFile, ProxyJump (inventory wins).
    pub use_ssh_config: bool,
}

impl Inventory {
    /// Read and validate `path`.
    pub fn load(path: &std::path::Path) -> Result<Inventory, ModelErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ModelErrors::from(super::ModelError {
                location: None,
                field: String::new(),
                message: format!("cannot read inventory {}: {e}", path.display()),
            })
        })?;
        Self::parse(&text, path)
    }

    /// Validate inventory text; `path` is used for messages and relative paths.
    pub fn parse(_text: &str, _path: &std::path::Path) -> Result<Inventory, ModelErrors> {
        todo!()
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub fn host_index(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    /// Hosts carrying `role`, in inventory order.
    pub fn with_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Host> + 'a {
        self.hosts.iter().filter(move |h| h.roles.iter().any(|r| r == role))
    }
}
