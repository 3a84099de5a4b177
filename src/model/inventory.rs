//! The inventory: hosts, their roles and variables, SSH settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use std::time::Duration;

use super::ModelErrors;
use super::reader::{Reader, parse_yaml};
use super::{Secrets, Spans, expand_range};

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
    /// Positions of every node of the file, so later checks of `vars`
    /// (e.g. the Hadoop settings) can point at the offending line.
    pub spans: Spans,
    /// The `!secret` / `!secret_env` values of `vars` (cluster and host).
    pub secrets: Secrets,
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
    /// `become` / `become_user` of the host over the inventory's
    /// `defaults:`; a stage's own keys win over these.
    pub privilege: super::Become,
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
    pub fn parse(text: &str, path: &std::path::Path) -> Result<Inventory, ModelErrors> {
        let spans = Spans::index(text, path);
        let root = parse_yaml(text, &spans)?;
        let mut r = Reader::new(&spans);
        r.secrets = Secrets::new('i');
        let inv = read_inventory(&mut r, &root, text, path);
        match inv {
            Some(mut inv) => {
                inv.spans = r.spans.clone();
                inv.secrets = std::mem::take(&mut r.secrets);
                r.finish(inv)
            }
            None => Err(ModelErrors(r.errors)),
        }
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub fn host_index(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    /// Hosts carrying `role`, in inventory order.
    pub fn with_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Host> + 'a {
        self.hosts
            .iter()
            .filter(move |h| h.roles.iter().any(|r| r == role))
    }
}

const TOP_KEYS: &[&str] = &["cluster", "defaults", "ssh", "vars", "hosts"];
const DEFAULT_KEYS: &[&str] = &["user", "port", "become", "become_user"];
const SSH_KEYS: &[&str] = &[
    "identity_files",
    "known_hosts",
    "jump",
    "connect_timeout",
    "use_ssh_config",
];
const HOST_KEYS: &[&str] = &[
    "name",
    "address",
    "roles",
    "vars",
    "port",
    "user",
    "identity_files",
    "jump",
    "become",
    "become_user",
];

fn read_inventory(
    r: &mut Reader,
    root: &serde_yaml::Value,
    text: &str,
    path: &Path,
) -> Option<Inventory> {
    if root.is_null() {
        r.error(
            "",
            "the inventory is empty (it needs at least a 'hosts' list)",
        );
        return None;
    }
    let top = r.fields(root, "", TOP_KEYS)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();

    let cluster = match r.opt_string(&top, "cluster") {
        Some(c) => c,
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cluster".into()),
    };

    let mut default_user = None;
    let mut default_port = 22;
    let mut default_become = super::Become::default();
    if let Some((v, p)) = top.get("defaults")
        && let Some(d) = r.fields(v, &p, DEFAULT_KEYS)
    {
        default_user = r.opt_nonempty(&d, "user");
        if let Some((v, p)) = d.get("port") {
            default_port = r.port(v, &p).unwrap_or(22);
        }
        default_become = super::privilege::read(r, &d, false);
    }
    // Without a configured user, ssh itself would log in as the local user.
    let default_user =
        default_user.unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "root".into()));

    let ssh = read_ssh(r, top.get("ssh"), &base);
    let vars = match top.get("vars") {
        Some((v, p)) => r.vars(v, &p),
        None => BTreeMap::new(),
    };

    let mut hosts: Vec<Host> = Vec::new();
    // Name (and address:port) -> line of its entry, so a duplicate names
    // both lines. Host names compare without case, as DNS does.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_at: BTreeMap<(String, u16), (String, usize)> = BTreeMap::new();
    if let Some((list, lp)) = r.required(&top, "hosts") {
        match list {
            serde_yaml::Value::Sequence(items) if items.is_empty() => {
                r.error(&lp, "the hosts list is empty")
            }
            serde_yaml::Value::Sequence(items) => {
                for (i, entry) in items.iter().enumerate() {
                    let ep = super::spans::item(&lp, i);
                    let defaults = HostDefaults {
                        user: &default_user,
                        port: default_port,
                        privilege: &default_become,
                        ssh: &ssh,
                        vars: &vars,
                        base: &base,
                    };
                    for host in read_host(r, entry, &ep, &defaults) {
                        if let Some(first) = seen.get(&host.name.to_ascii_lowercase()) {
                            let msg = format!(
                                "duplicate host name '{}' (lines {} and {})",
                                host.name, first, host.line
                            );
                            r.error(&super::spans::child(&ep, "name"), msg);
                            continue;
                        }
                        let at = (host.address.to_ascii_lowercase(), host.port);
                        if let Some((other, first)) = seen_at.get(&at) {
                            let msg = format!(
                                "hosts '{other}' (line {first}) and '{}' (line {}) are both {}:{}",
                                host.name, host.line, host.address, host.port
                            );
                            r.error(&super::spans::child(&ep, "name"), msg);
                            continue;
                        }
                        if hosts.len() as u64 >= super::range::MAX_HOSTS {
                            let msg = format!(
                                "more than {} hosts in the inventory",
                                super::range::MAX_HOSTS
                            );
                            r.error(&super::spans::child(&ep, "name"), msg);
                            break;
                        }
                        seen.insert(host.name.to_ascii_lowercase(), host.line);
                        seen_at.insert(at, (host.name.clone(), host.line));
                        hosts.push(host);
                    }
                }
            }
            other => r.error(
                &lp,
                format!(
                    "expected a list of hosts, got {}",
                    super::reader::kind(other)
                ),
            ),
        }
    }

    Some(Inventory {
        path: path.to_path_buf(),
        digest: hex::encode(Sha256::digest(text.as_bytes())),
        cluster,
        vars,
        ssh,
        hosts,
        spans: Spans::default(),
        secrets: Secrets::default(),
    })
}

fn read_ssh(
    r: &mut Reader,
    section: Option<(&serde_yaml::Value, String)>,
    base: &Path,
) -> SshSettings {
    let mut ssh = SshSettings {
        identity_files: Vec::new(),
        known_hosts: None,
        jump: None,
        connect_timeout: Duration::from_secs(10),
        use_ssh_config: true,
    };
    let Some((v, p)) = section else { return ssh };
    let Some(f) = r.fields(v, &p, SSH_KEYS) else {
        return ssh;
    };
    if let Some((v, p)) = f.get("identity_files") {
        ssh.identity_files = r
            .strings(v, &p, true)
            .unwrap_or_default()
            .iter()
            .map(|(s, _)| resolve(base, s))
            .collect();
    }
    ssh.known_hosts = r.opt_string(&f, "known_hosts").map(|s| resolve(base, &s));
    ssh.jump = r.opt_string(&f, "jump");
    if let Some((v, p)) = f.get("connect_timeout")
        && let Some(d) = r.duration(v, &p)
    {
        ssh.connect_timeout = d;
    }
    if let Some((v, p)) = f.get("use_ssh_config")
        && let Some(b) = r.bool(v, &p)
    {
        ssh.use_ssh_config = b;
    }
    ssh
}

struct HostDefaults<'a> {
    user: &'a str,
    port: u16,
    privilege: &'a super::Become,
    ssh: &'a SshSettings,
    vars: &'a BTreeMap<String, serde_json::Value>,
    base: &'a Path,
}

/// One `hosts:` entry, ranges expanded. Identity files and jump host fall back
/// to the `ssh:` section so the transport reads one place per host.
fn read_host(r: &mut Reader, v: &serde_yaml::Value, path: &str, d: &HostDefaults) -> Vec<Host> {
    let line = r.spans.value(path).map(|l| l.line).unwrap_or(0);
    let Some(f) = r.fields(v, path, HOST_KEYS) else {
        return Vec::new();
    };
    let errors_before = r.errors.len();

    let names = match r.required(&f, "name") {
        Some((v, p)) => match r.string(v, &p) {
            Some(n) if n.trim().is_empty() => {
                r.error(&p, "host name is empty");
                None
            }
            Some(n) => match expand_range(&n) {
                Ok(names) => match names.iter().find_map(|n| bad_host_name(n).map(|w| (n, w))) {
                    Some((bad, why)) => {
                        r.error(&p, format!("invalid host name '{bad}': {why}"));
                        None
                    }
                    None => Some(names),
                },
                Err(e) => {
                    r.error(&p, e);
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let addresses = match f.get("address") {
        Some((v, p)) => {
            match r.string(v, &p) {
                Some(a) if a.trim().is_empty() => {
                    r.error(&p, "address is empty");
                    None
                }
                Some(a) => {
                    match expand_range(&a) {
                        Ok(list) if list.iter().any(|a| bad_address(a).is_some()) => {
                            let (bad, why) = list
                                .iter()
                                .find_map(|a| bad_address(a).map(|w| (a, w)))
                                .expect("checked above");
                            r.error(&p, format!("invalid address '{bad}': {why}"));
                            None
                        }
                        Ok(list) => {
                            if let Some(names) = &names
                                && list.len() != names.len()
                            {
                                r.error(
                            &p,
                            format!("address range gives {} addresses but the name gives {} hosts", list.len(), names.len()),
                        );
                            }
                            Some(list)
                        }
                        Err(e) => {
                            r.error(&p, e);
                            None
                        }
                    }
                }
                None => None,
            }
        }
        None => None,
    };

    let mut roles = Vec::new();
    if let Some((v, p)) = f.get("roles") {
        for (role, rp) in r.strings(v, &p, false).unwrap_or_default() {
            if !is_role_name(&role) {
                r.error(
                    &rp,
                    format!(
                        "invalid role name '{role}' (use lowercase letters, digits, '_' and '-')"
                    ),
                );
            } else if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    let port = match f.get("port") {
        Some((v, p)) => r.port(v, &p),
        None => Some(d.port),
    };
    let user = r
        .opt_nonempty(&f, "user")
        .unwrap_or_else(|| d.user.to_string());
    let identity_files = match f.get("identity_files") {
        Some((v, p)) => r
            .strings(v, &p, true)
            .unwrap_or_default()
            .iter()
            .map(|(s, _)| resolve(d.base, s))
            .collect(),
        None => d.ssh.identity_files.clone(),
    };
    let jump = r.opt_string(&f, "jump").or_else(|| d.ssh.jump.clone());
    let privilege = super::privilege::read(r, &f, false).over(d.privilege);
    let mut vars = d.vars.clone();
    if let Some((v, p)) = f.get("vars") {
        vars.extend(r.vars(v, &p));
    }

    if r.errors.len() != errors_before {
        return Vec::new();
    }
    let (Some(names), Some(port)) = (names, port) else {
        return Vec::new();
    };
    names
        .iter()
        .enumerate()
        .map(|(i, name)| Host {
            name: name.clone(),
            address: match &addresses {
                Some(a) => a[i].clone(),
                None => name.clone(),
            },
            port,
            user: user.clone(),
            roles: roles.clone(),
            vars: vars.clone(),
            identity_files: identity_files.clone(),
            jump: jump.clone(),
            privilege: privilege.clone(),
            line,
        })
        .collect()
}

/// Why `name` is not a host name (RFC 1123: dot-separated labels of
/// letters, digits and inner hyphens, 63 bytes a label, 253 in all). Names
/// end up in configuration files, paths, known_hosts and the terminal, so
/// nothing else is let through.
pub(crate) fn bad_host_name(name: &str) -> Option<String> {
    if name.len() > 253 {
        return Some("longer than 253 characters".into());
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Some("empty label (a leading, trailing or doubled dot)".into());
        }
        if label.len() > 63 {
            return Some(format!("label '{label}' is longer than 63 characters"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Some(format!(
                "'{c}' is not allowed (letters, digits, '-' and '.' only)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("label '{label}' starts or ends with '-'"));
        }
    }
    None
}

/// Why `address` is neither an IP address nor a host name.
fn bad_address(address: &str) -> Option<String> {
    if address.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    bad_host_name(address)
}

pub(crate) fn is_role_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// `~/x` under the home directory, relative paths under the inventory's directory.
fn resolve(base: &Path, p: &str) -> PathBuf {
    if (p == "~" || p.starts_with("~/"))
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(p.trim_start_matches('~').trim_start_matches('/'));
    }
    let path = PathBuf::from(p);
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}
