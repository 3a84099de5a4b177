//! The rendered files of a cluster, per host, and writing them to a local tree.
//!
//! # Stale services
//!
//! When `herd config push` replaces a file that existed with different
//! content, the services that read it keep running with the old
//! configuration until restarted. Push records them, one service name per
//! line, in `<install_dir>/.herd/stale` on that host (merged with what is
//! already there, sorted, unique). `herd restart --stale` reads that file and
//! removes a service's line once the service has been restarted.
//!
//! A file, rather than comparing each file's mtime with the daemon's start
//! time, because it survives clock skew and `touch`, needs no per-daemon pid
//! lookup, and says exactly which services a change concerns. Newly created
//! files mark nothing stale: no daemon can be running with a configuration
//! that did not exist (on a first bring-up everything is new).

use std::path::Path;

/// One file for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Absolute path on the host.
    pub path: String,
    pub content: Vec<u8>,
    /// Unix permission bits, e.g. 0o644.
    pub mode: u32,
    /// Services on this host that read the file and need a restart when it changes.
    pub services: Vec<&'static str>,
    /// One entry per line, read afresh for entries the daemons have not
    /// seen (the rack script: a new host's rack is asked when it first
    /// shows up): a change that only adds lines needs no restart.
    pub additive: bool,
}

/// The files of one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFiles {
    pub host: String,
    pub files: Vec<RenderedFile>,
}

/// Every host's files, hosts in inventory order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterFiles {
    pub hosts: Vec<HostFiles>,
}

impl ClusterFiles {
    pub fn host(&self, name: &str) -> Option<&HostFiles> {
        self.hosts.iter().find(|h| h.host == name)
    }

    pub fn file(&self, host: &str, path: &str) -> Option<&RenderedFile> {
        self.host(host)?.files.iter().find(|f| f.path == path)
    }

    /// Keep only the hosts named in `names` (all when empty).
    pub fn only(mut self, names: &[String]) -> ClusterFiles {
        if !names.is_empty() {
            self.hosts.retain(|h| names.contains(&h.host));
        }
        self
    }

    pub fn file_count(&self) -> usize {
        self.hosts.iter().map(|h| h.files.len()).sum()
    }

    /// Write `dir/<host>/<absolute path>` for every file, with its mode.
    pub fn write_tree(&self, dir: &Path) -> std::io::Result<()> {
        for h in &self.hosts {
            for f in &h.files {
                let target = local_path(dir, &h.host, &f.path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&target, &f.content)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(f.mode))?;
                }
            }
        }
        Ok(())
    }
}

/// Where `path` of `host` goes under a local tree `dir`.
pub fn local_path(dir: &Path, host: &str, path: &str) -> std::path::PathBuf {
    dir.join(host).join(path.trim_start_matches('/'))
}
