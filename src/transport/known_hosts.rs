//! Which known_hosts files a host's key is checked against, under which
//! name, and the verdict, reached the way OpenSSH's check_host_key reaches it
//! with StrictHostKeyChecking yes (or accept-new, for --accept-new).
//!
//! The name is the one ssh(1) looks up: HostKeyAlias when ssh_config sets
//! one, else the address connected to, as `[address]:port` off port 22; a
//! host on another port with no line of its own is also looked up by its
//! bare address. The files are the user files, then the global ones:
//! - user: the run's `known_hosts` (the inventory's `ssh.known_hosts`).
//!   Left at ~/.ssh/known_hosts, OpenSSH's default, ssh_config's
//!   UserKnownHostsFile takes its place when it names one, and
//!   ~/.ssh/known_hosts2 is read after it otherwise, as ssh(1) does.
//!   --accept-new records new keys in the first user file.
//! - global: ssh_config's GlobalKnownHostsFile, else /etc/ssh/ssh_known_hosts
//!   and /etc/ssh/ssh_known_hosts2.
//!
//! Over every line for the name in all files: a `@revoked` line with the
//! offered key refuses; else a plain line with the key accepts; else any
//! other plain line, whatever its key type, means the key changed; else the
//! key is unknown. `@cert-authority` lines never vouch: host certificates
//! are not negotiated, so a CA cannot vouch for the plain key the server
//! presents (when such a line is all there is, the verdict says so).
//! CheckHostIP is not implemented: herd behaves as its default (`no`, since
//! OpenSSH 8.5) does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use russh::keys::{Algorithm, PublicKey};

use super::known_hosts_file::{KnownHostsFile, Marker};
use super::target::{default_known_hosts, home_dir};
use super::{SshTarget, TransportConfig};

/// OpenSSH's GlobalKnownHostsFile default.
const GLOBAL_FILES: [&str; 2] = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/// What the known_hosts files say about a server key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    /// No line for the host has this key. `ca_only`: the host matched only
    /// `@cert-authority` lines, which are not honoured.
    Unknown {
        ca_only: bool,
    },
    /// A line for the host records another key.
    Changed {
        file: PathBuf,
        line: usize,
    },
    Revoked {
        file: PathBuf,
        line: usize,
    },
}

/// How a connection's host key was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKeyStatus {
    /// Found in known_hosts.
    Known,
    /// Unknown, recorded because of --accept-new.
    Recorded,
}

/// The known_hosts files of a run, each read once, on first use.
#[derive(Debug)]
pub struct KnownHosts {
    /// The run's user file.
    user_file: PathBuf,
    /// Whether the run chose `user_file` rather than leaving OpenSSH's default.
    chosen: bool,
    files: Mutex<HashMap<PathBuf, Arc<KnownHostsFile>>>,
    /// Serialises check-and-append, so a key two connections to the same
    /// host met at once is recorded once.
    append: Mutex<()>,
}

impl KnownHosts {
    /// Reads the run's known_hosts file now; fails only when it cannot be
    /// read (lines that cannot be parsed are skipped, as OpenSSH does).
    pub fn load(config: &TransportConfig) -> Result<KnownHosts, String> {
        let user_file = config.known_hosts.clone();
        let chosen = user_file != default_known_hosts();
        KnownHosts::with_user_file(user_file, chosen)
    }

    fn with_user_file(user_file: PathBuf, chosen: bool) -> Result<KnownHosts, String> {
        let first = Arc::new(KnownHostsFile::load(&user_file)?);
        Ok(KnownHosts {
            chosen,
            files: Mutex::new(HashMap::from([(user_file.clone(), first)])),
            user_file,
            append: Mutex::new(()),
        })
    }

    /// The name and files `target`'s key is checked against.
    pub(super) fn lookup(&self, target: &SshTarget) -> Lookup {
        let (name, fallback) = lookup_names(target);
        let keys = &target.host_keys;
        // A file the run chose is what `-o UserKnownHostsFile=` is to
        // ssh(1): it replaces ssh_config's and the defaults.
        let user: Vec<PathBuf> = match &keys.user_files {
            Some(files) if !self.chosen => files.clone(),
            _ if self.chosen => vec![self.user_file.clone()],
            _ => vec![
                self.user_file.clone(),
                home_dir().join(".ssh").join("known_hosts2"),
            ],
        };
        let global: Vec<PathBuf> = match &keys.global_files {
            Some(files) => files.clone(),
            None => GLOBAL_FILES.iter().map(PathBuf::from).collect(),
        };
        let user: Vec<Arc<KnownHostsFile>> = user.iter().map(|p| self.file(p)).collect();
        let global = global.iter().map(|p| self.file(p)).collect();
        Lookup::new(name, fallback, user, global)
    }

    /// The key algorithms recorded for `target`, so the handshake can ask
    /// for a key that can actually be verified.
    pub fn recorded_algorithms(&self, target: &SshTarget) -> Vec<Algorithm> {
        self.lookup(target).recorded_algorithms()
    }

    /// Appends `key` to the lookup's first user file, unless a line
    /// recorded meanwhile decides it.
    pub(super) fn record(&self, lookup: &Lookup, key: &PublicKey) -> Result<(), String> {
        let _guard = self.append.lock().unwrap_or_else(|e| e.into_inner());
        match lookup.check(key) {
            Verdict::Known => return Ok(()),
            Verdict::Unknown { .. } => {}
            Verdict::Changed { file, line } | Verdict::Revoked { file, line } => {
                return Err(format!(
                    "{}:{line} now records a different or revoked key",
                    file.display()
                ));
            }
        }
        let Some(file) = &lookup.write_to else {
            return Err("UserKnownHostsFile is none: no file to record it in".into());
        };
        file.append(&lookup.name, key)
    }

    /// `path`, read on first use. OpenSSH passes over a file it cannot open;
    /// so does herd, saying so, and a file that does not exist yet is empty.
    fn file(&self, path: &Path) -> Arc<KnownHostsFile> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                Arc::new(KnownHostsFile::load(path).unwrap_or_else(|e| {
                    tracing::warn!("ignoring known_hosts file: {e}");
                    KnownHostsFile::parse(path, "")
                }))
            })
            .clone()
    }
}

/// The lookup name and the bare-address fallback, as ssh(1) forms them.
///
/// An inventory host's name is not looked up when its address differs: herd
/// connects to the address, and ssh(1) looks up the HostName it connects to,
/// never the alias typed (`ssh -o HostName=ADDRESS NAME` checks ADDRESS).
/// Trying the name as well would let a line for the name vouch for whatever
/// answers at the address, even when the address's own line records another
/// key. A key known only under the name is reported unknown, and
/// --accept-new records it under the address.
fn lookup_names(target: &SshTarget) -> (String, Option<String>) {
    if let Some(alias) = &target.host_keys.alias {
        return (alias.to_ascii_lowercase(), None);
    }
    let address = target.address.to_ascii_lowercase();
    if target.port == 22 {
        (address, None)
    } else {
        (format!("[{address}]:{}", target.port), Some(address))
    }
}

/// The name one target's key is looked up under, and the files read.
#[derive(Debug)]
pub(super) struct Lookup {
    pub(super) name: String,
    /// Tried when `name` has no line at all (ssh(1) "checking without port
    /// identifier"); only a line with the offered key, or a revocation, counts.
    fallback: Option<String>,
    /// User files, then global files.
    files: Vec<Arc<KnownHostsFile>>,
    /// The first user file, where --accept-new records.
    write_to: Option<Arc<KnownHostsFile>>,
}

impl Lookup {
    fn new(
        name: String,
        fallback: Option<String>,
        user: Vec<Arc<KnownHostsFile>>,
        global: Vec<Arc<KnownHostsFile>>,
    ) -> Lookup {
        Lookup {
            name,
            fallback,
            write_to: user.first().cloned(),
            files: user.into_iter().chain(global).collect(),
        }
    }

    /// The files read, for messages.
    pub(super) fn describe_files(&self) -> String {
        let paths: Vec<String> = self
            .files
            .iter()
            .map(|f| f.path().display().to_string())
            .collect();
        if paths.is_empty() {
            "no known_hosts file".into()
        } else {
            paths.join(", ")
        }
    }

    pub(super) fn check(&self, key: &PublicKey) -> Verdict {
        let verdict = self.verdict(&self.name, key);
        let Some(fallback) = self.fallback.as_deref() else {
            return verdict;
        };
        if !matches!(verdict, Verdict::Unknown { .. }) {
            return verdict;
        }
        // ssh(1) accepts a key found under the bare address and otherwise
        // keeps the verdict for `[address]:port`; a key revoked under the
        // bare address is refused, as a revocation is of the key, whatever
        // port it answers on.
        match self.verdict(fallback, key) {
            v @ (Verdict::Known | Verdict::Revoked { .. }) => v,
            _ => verdict,
        }
    }

    fn recorded_algorithms(&self) -> Vec<Algorithm> {
        let mut algs = self.plain_algorithms(&self.name);
        if algs.is_empty()
            && let Some(fallback) = &self.fallback
        {
            algs = self.plain_algorithms(fallback);
        }
        algs
    }

    fn plain_algorithms(&self, name: &str) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = Vec::new();
        for file in &self.files {
            for line in file.matching(name).iter().filter(|l| l.marker.is_none()) {
                let alg = line.key.algorithm();
                if !algs.contains(&alg) {
                    algs.push(alg);
                }
            }
        }
        algs
    }

    /// OpenSSH's check_hostkeys_by_key_or_type over every file's lines for `name`.
    fn verdict(&self, name: &str, key: &PublicKey) -> Verdict {
        let offered = key.key_data();
        let mut known = false;
        let mut changed = None;
        let mut ca_seen = false;
        let mut other_seen = false;
        for file in &self.files {
            for line in file.matching(name) {
                let at = || (file.path().to_path_buf(), line.number);
                match line.marker {
                    Some(Marker::Revoked) if &line.key == offered => {
                        let (file, line) = at();
                        return Verdict::Revoked { file, line };
                    }
                    Some(Marker::Revoked) => {}
                    Some(Marker::CertAuthority) => ca_seen = true,
                    None => {
                        other_seen = true;
                        if &line.key == offered {
                            known = true;
                        } else if changed.is_none() {
                            changed = Some(at());
                        }
                    }
                }
            }
        }
        match changed {
            _ if known => Verdict::Known,
            Some((file, line)) => Verdict::Changed { file, line },
            None => Verdict::Unknown {
                ca_only: ca_seen && !other_seen,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::HostKeyLookup;

    const K1: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICp6Gkv8i3bhOmMphE4x4JUqrPuhEZm8lPb8FL7OU8lx";
    const K2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb6KaKftzMO+wvQdAgTCmQ4fkRrnWg+fMBcGnT0lIjG";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDUzp1bPG+F07ugIfUNFa4BDXiZ4ZmHO1JiM4bjIun+wA5XE0lbUQx1jVyvU05yRECXwyawXNXCGxNzeQy+JSEjLYJQ/HR1pltpUMNE+T/CA9EfwBMh0VFWBlibAnIAsMDeJlZBxd2TjcqUi488bC6RPD0ue7xyIHvoeb1f/Sjh7Q==";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn file(path: &str, text: &str) -> Arc<KnownHostsFile> {
        Arc::new(KnownHostsFile::parse(Path::new(path), text))
    }

    fn target(name: &str, address: &str, port: u16) -> SshTarget {
        SshTarget {
            name: name.into(),
            address: address.into(),
            port,
            user: "root".into(),
            identity_files: vec![],
            jump: vec![],
            host_keys: HostKeyLookup::default(),
            web_client: None,
        }
    }

    /// A lookup for `t` over one user file and one global file.
    fn lookup(t: &SshTarget, user: &str, global: &str) -> Lookup {
        let (name, fallback) = lookup_names(t);
        Lookup::new(
            name,
            fallback,
            vec![file("/user", user)],
            vec![file("/global", global)],
        )
    }

    fn changed(file: &str, line: usize) -> Verdict {
        Verdict::Changed {
            file: file.into(),
            line,
        }
    }

    const UNKNOWN: Verdict = Verdict::Unknown { ca_only: false };

    #[test]
    fn looked_up_by_address_with_port_or_alias() {
        let t = target("Web1", "10.0.0.1", 2222);
        assert_eq!(
            lookup_names(&t),
            ("[10.0.0.1]:2222".into(), Some("10.0.0.1".into()))
        );
        assert_eq!(
            lookup_names(&target("web1", "Web1.Example", 22)),
            ("web1.example".into(), None)
        );
        let mut aliased = t.clone();
        aliased.host_keys.alias = Some("Cluster-Web".into());
        assert_eq!(lookup_names(&aliased), ("cluster-web".into(), None));
    }

    #[test]
    fn the_inventory_name_does_not_vouch() {
        let t = target("web1", "10.0.0.1", 22);
        assert_eq!(
            lookup(&t, &format!("web1 {K1}\n"), "").check(&key(K1)),
            UNKNOWN
        );
        // A line for the name cannot outvote the address's changed key.
        let l = lookup(&t, &format!("web1 {K1}\n10.0.0.1 {K2}\n"), "");
        assert_eq!(l.check(&key(K1)), changed("/user", 2));
        assert_eq!(
            lookup(&t, &format!("10.0.0.1 {K1}\n"), "").check(&key(K1)),
            Verdict::Known
        );
    }

    #[test]
    fn every_file_is_read_and_any_match_wins() {
        let t = target("h1", "h1", 22);
        assert_eq!(
            lookup(&t, "", &format!("h1 {K1}\n")).check(&key(K1)),
            Verdict::Known
        );
        assert_eq!(
            lookup(&t, &format!("h1 {K2}\n"), &format!("h1 {K1}\n")).check(&key(K1)),
            Verdict::Known
        );
        assert_eq!(
            lookup(&t, &format!("\n\nh1 {K2}\n"), "").check(&key(K1)),
            changed("/user", 3)
        );
        assert_eq!(
            lookup(&t, "", &format!("h1 {K2}\n")).check(&key(K1)),
            changed("/global", 1)
        );
        // Another key type recorded is a changed key too, as in OpenSSH.
        assert_eq!(
            lookup(&t, &format!("h1 {RSA}\n"), "").check(&key(K1)),
            changed("/user", 1)
        );
    }

    #[test]
    fn revoked_in_any_file_refuses() {
        let t = target("h1", "h1", 22);
        let l = lookup(
            &t,
            &format!("h1 {K1}\n"),
            &format!("# x\n@revoked * {K1}\n"),
        );
        assert_eq!(
            l.check(&key(K1)),
            Verdict::Revoked {
                file: "/global".into(),
                line: 2
            }
        );
        let l = lookup(&t, &format!("h1 {K1}\n"), &format!("@revoked * {K2}\n"));
        assert_eq!(l.check(&key(K1)), Verdict::Known);
    }

    #[test]
    fn bare_address_off_port_22() {
        let t = target("h1", "10.0.0.1", 2222);
        let bare = |text: &str| lookup(&t, text, "").check(&key(K1));
        assert_eq!(bare(&format!("10.0.0.1 {K1}\n")), Verdict::Known);
        // Only a line with the key counts: a changed bare line keeps the
        // verdict for [address]:port.
        assert_eq!(bare(&format!("10.0.0.1 {K2}\n")), UNKNOWN);
        assert_eq!(
            bare(&format!("[10.0.0.1]:2222 {K2}\n10.0.0.1 {K1}\n")),
            changed("/user", 1)
        );
        assert_eq!(
            bare(&format!("10.0.0.1 {K1}\n@revoked 10.0.0.1 {K1}\n")),
            Verdict::Revoked {
                file: "/user".into(),
                line: 2
            }
        );
        let mut aliased = t.clone();
        aliased.host_keys.alias = Some("web".into());
        assert_eq!(
            lookup(&aliased, &format!("10.0.0.1 {K1}\n"), "").check(&key(K1)),
            UNKNOWN
        );
        assert_eq!(
            lookup(&t, &format!("10.0.0.1 {RSA}\n"), "").recorded_algorithms(),
            vec![key(RSA).algorithm()]
        );
    }

    #[test]
    fn cert_authority_lines_do_not_vouch() {
        let t = target("a.example", "a.example", 22);
        let l = lookup(&t, &format!("@cert-authority *.example {K1}\n"), "");
        assert_eq!(l.check(&key(K1)), Verdict::Unknown { ca_only: true });
        assert!(l.recorded_algorithms().is_empty());
    }

    #[test]
    fn files_follow_the_run_and_ssh_config() {
        let dir = tempfile::tempdir().unwrap();
        let run_file = dir.path().join("run");
        let config = TransportConfig {
            known_hosts: run_file.clone(),
            ..TransportConfig::default()
        };
        let db = KnownHosts::load(&config).unwrap();
        let mut t = target("h1", "h1", 22);
        t.host_keys.user_files = Some(vec![dir.path().join("from-config")]);
        t.host_keys.global_files = Some(vec![]);
        // The run's own file replaces ssh_config's UserKnownHostsFile.
        assert_eq!(
            db.lookup(&t).describe_files(),
            run_file.display().to_string()
        );
        t.host_keys.global_files = None;
        assert_eq!(
            db.lookup(&t).describe_files(),
            format!("{}, {}", run_file.display(), GLOBAL_FILES.join(", "))
        );
    }

    #[test]
    fn record_appends_once_under_the_lookup_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("known_hosts");
        let db = KnownHosts::load(&TransportConfig {
            known_hosts: path.clone(),
            ..TransportConfig::default()
        })
        .unwrap();
        let mut t = target("web1", "10.0.0.1", 2222);
        t.host_keys.global_files = Some(vec![]);
        let l = db.lookup(&t);
        assert_eq!(l.check(&key(K1)), UNKNOWN);
        db.record(&l, &key(K1)).unwrap();
        db.record(&l, &key(K1)).unwrap();
        assert_eq!(db.lookup(&t).check(&key(K1)), Verdict::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[10.0.0.1]:2222 {K1}\n"));
        assert!(db.record(&l, &key(K2)).is_err());

        // Left at the default, the run's file gives way to ssh_config's.
        let other = dir.path().join("other");
        let db = KnownHosts::with_user_file(path.clone(), false).unwrap();
        t.host_keys.user_files = Some(vec![other.clone()]);
        let l = db.lookup(&t);
        assert_eq!(l.check(&key(K1)), UNKNOWN);
        db.record(&l, &key(K1)).unwrap();
        assert!(
            std::fs::read_to_string(&other)
                .unwrap()
                .contains("[10.0.0.1]:2222")
        );
        t.host_keys.user_files = None;
        assert_eq!(
            db.lookup(&t).describe_files(),
            format!(
                "{}, {}",
                path.display(),
                home_dir().join(".ssh/known_hosts2").display()
            )
        );
        // UserKnownHostsFile none: nothing to record in.
        t.host_keys.user_files = Some(vec![]);
        let l = db.lookup(&t);
        assert!(db.record(&l, &key(K2)).is_err());
    }
}
