//! The hosts a command works on: the validated inventory, an SSH target per
//! host and the connection settings, all known before any connection.

use std::path::Path;

use super::InputError;
use crate::model::Inventory;
use crate::transport::{self, Pool, SshTarget, TransportConfig};

/// A loaded inventory and how to reach its hosts.
pub struct Fleet {
    pub inventory: Inventory,
    /// SSH target of each inventory host, by index.
    pub targets: Vec<SshTarget>,
    pub transport: TransportConfig,
}

impl Fleet {
    /// Load and validate the inventory at `path`; `accept_new` records
    /// unknown host keys instead of refusing them.
    pub fn load(path: &Path, accept_new: bool) -> Result<Fleet, InputError> {
        let inventory = Inventory::load(path).map_err(InputError::Inventory)?;
        let transport = transport::inventory::config(&inventory, accept_new);
        let targets = transport::inventory::targets(&inventory)?;
        Ok(Fleet {
            inventory,
            targets,
            transport,
        })
    }

    /// The fleet without the hosts named in `names`: a run that must leave
    /// them alone (workers out of service) neither plans nor connects to them.
    pub fn without(&self, names: &[String]) -> Fleet {
        let mut inventory = self.inventory.clone();
        let mut targets = Vec::with_capacity(self.targets.len());
        let mut hosts = Vec::with_capacity(inventory.hosts.len());
        for (h, t) in inventory.hosts.drain(..).zip(&self.targets) {
            if !names.contains(&h.name) {
                hosts.push(h);
                targets.push(t.clone());
            }
        }
        inventory.hosts = hosts;
        Fleet {
            inventory,
            targets,
            transport: self.transport.clone(),
        }
    }

    /// A connection pool for the fleet (reads known_hosts), with the
    /// open-file limit raised to hold a connection to every host.
    pub fn pool(&self) -> Result<Pool, InputError> {
        transport::open_files::reserve(self.hosts_reached()).map_err(InputError::OpenFiles)?;
        Pool::new(self.transport.clone()).map_err(InputError::KnownHosts)
    }

    /// Connections a run may hold: every host, and each jump host once.
    fn hosts_reached(&self) -> usize {
        let mut jumps: Vec<&SshTarget> = self.targets.iter().flat_map(|t| &t.jump).collect();
        jumps.sort_by(|a, b| (&a.address, a.port).cmp(&(&b.address, b.port)));
        jumps.dedup_by(|a, b| (&a.address, a.port) == (&b.address, b.port));
        self.targets.len() + jumps.len()
    }
}
