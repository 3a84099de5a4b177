//! ~/.ssh/config: HostName, User, Port, IdentityFile, ProxyJump for a host,
//! and how its host key is looked up (HostKeyAlias, UserKnownHostsFile,
//! GlobalKnownHostsFile).
//!
//! The inventory always wins: a field the inventory set explicitly is never
//! replaced. `Match` blocks are not supported (ssh2-config ignores them).

use std::io::BufReader;
use std::path::{Path, PathBuf};

use ssh2_config::{ParseRule, SshConfig};

use super::SshTarget;
use super::target::home_dir;

/// Which fields of the target the inventory set, so the config file must not
/// override them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExplicitFields {
    pub address: bool,
    pub user: bool,
    pub port: bool,
    pub identity_files: bool,
    pub jump: bool,
}

/// A parsed config file, to look many hosts up without re-reading it.
pub struct SshConfigFile {
    config: SshConfig,
}

impl SshConfigFile {
    /// Parses `path`, or `~/.ssh/config` when None. A missing file is empty.
    pub fn load(path: Option<&Path>) -> Result<SshConfigFile, String> {
        let home = home_dir();
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => home.join(".ssh").join("config"),
        };
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SshConfigFile {
                    config: SshConfig::default(),
                });
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let rules = ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS;
        let config = SshConfig::default()
            .home_dir(home)
            .parse(&mut BufReader::new(file), rules)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(SshConfigFile { config })
    }

    /// Fills the fields of `target` the inventory left open. Jump hosts named
    /// by ProxyJump get their own HostName/User/Port/IdentityFile looked up,
    /// and default to the target's user and identity files.
    pub fn apply(&self, target: &mut SshTarget, explicit: ExplicitFields) {
        let params = self.config.query(&target.name);
        let original = target.name.clone();
        if !explicit.port
            && let Some(port) = params.port
        {
            target.port = port;
        }
        if !explicit.user
            && let Some(user) = &params.user
        {
            target.user = user.clone();
        }
        if !explicit.address
            && let Some(host_name) = &params.host_name
        {
            target.address = expand_tokens(host_name, &original, target);
        }
        if !explicit.identity_files
            && let Some(files) = &params.identity_file
        {
            target.identity_files = files
                .iter()
                .map(|f| PathBuf::from(expand_tokens(&f.to_string_lossy(), &original, target)))
                .collect();
        }
        if !explicit.jump
            && let Some(hops) = &params.proxy_jump
        {
            target.jump = self.jump_chain(hops, target);
        }
        // ssh2-config keeps these as unsupported fields, first value first,
        // which is ssh(1)'s first-obtained-value rule.
        let field = |name: &str| {
            params
                .unsupported_fields
                .get(name)
                .filter(|a| !a.is_empty())
        };
        if let Some(alias) = field("hostkeyalias") {
            target.host_keys.alias = Some(alias[0].clone());
        }
        // ssh(1) expands `~` and `%` tokens in UserKnownHostsFile (%h being
        // the host connected to) but takes GlobalKnownHostsFile as written.
        let address = target.address.clone();
        if let Some(files) = field("userknownhostsfile") {
            target.host_keys.user_files =
                Some(file_list(files, |f| expand_tokens(f, &address, target)));
        }
        if let Some(files) = field("globalknownhostsfile") {
            target.host_keys.global_files = Some(file_list(files, str::to_string));
        }
    }

    fn jump_chain(&self, hops: &[String], target: &SshTarget) -> Vec<SshTarget> {
        if hops.iter().any(|h| h.trim().eq_ignore_ascii_case("none")) {
            return Vec::new();
        }
        hops.iter()
            .filter(|h| !h.trim().is_empty())
            .map(|hop| {
                let (user, host, port) = parse_hop(hop.trim());
                let mut jump = SshTarget {
                    name: host.clone(),
                    address: host,
                    port: port.unwrap_or(22),
                    user: user.clone().unwrap_or_else(|| target.user.clone()),
                    identity_files: target.identity_files.clone(),
                    jump: Vec::new(),
                    host_keys: Default::default(),
                    web_client: None,
                };
                let explicit = ExplicitFields {
                    address: false,
                    user: user.is_some(),
                    port: port.is_some(),
                    identity_files: false,
                    jump: true,
                };
                self.apply(&mut jump, explicit);
                jump
            })
            .collect()
    }
}

/// Applies `config_path` (or `~/.ssh/config`) to one target.
pub fn apply(
    target: &mut SshTarget,
    explicit: ExplicitFields,
    config_path: Option<&Path>,
) -> Result<(), String> {
    SshConfigFile::load(config_path)?.apply(target, explicit);
    Ok(())
}

/// Applies `~/.ssh/config` when the caller no longer knows which fields the
/// inventory set: a field counts as set when it differs from what the
/// inventory would have defaulted it to (address = name, port 22, the local
/// user, no identity files, no jump host). An unreadable config is ignored
/// with a warning, as ssh(1) would fail on it only when asked to connect.
pub fn apply_default(target: &mut SshTarget) {
    let explicit = ExplicitFields {
        address: target.address != target.name,
        user: target.user != local_user(),
        port: target.port != 22,
        identity_files: !target.identity_files.is_empty(),
        jump: !target.jump.is_empty(),
    };
    if let Err(e) = apply(target, explicit, None) {
        tracing::warn!("ignoring ssh config: {e}");
    }
}

/// A known_hosts file list as ssh(1) reads it: `none` alone is no file.
fn file_list(args: &[String], expand: impl Fn(&str) -> String) -> Vec<PathBuf> {
    if args[0].eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    args.iter().map(|f| PathBuf::from(expand(f))).collect()
}

/// `[user@]host[:port]`, with `[v6]:port` brackets allowed.
fn parse_hop(hop: &str) -> (Option<String>, String, Option<u16>) {
    let hop = hop.strip_prefix("ssh://").unwrap_or(hop);
    let (user, rest) = match hop.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, hop),
    };
    if let Some(inner) = rest.strip_prefix('[')
        && let Some((host, after)) = inner.split_once(']')
    {
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (user, host.to_string(), port);
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (user, host.to_string(), Some(p)),
            Err(_) => (user, rest.to_string(), None),
        },
        _ => (user, rest.to_string(), None),
    }
}

/// Expands `~`, `%h` (the name as given), `%p`, `%r` (remote user), `%u`
/// (local user), `%d` (local home) and `%%` the way ssh(1) does.
fn expand_tokens(value: &str, original_host: &str, target: &SshTarget) -> String {
    let home = home_dir();
    let value = if value == "~" {
        home.to_string_lossy().into_owned()
    } else if let Some(rest) = value.strip_prefix("~/") {
        home.join(rest).to_string_lossy().into_owned()
    } else {
        value.to_string()
    };
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(original_host),
            Some('p') => out.push_str(&target.port.to_string()),
            Some('r') => out.push_str(&target.user),
            Some('u') => out.push_str(&local_user()),
            Some('d') => out.push_str(&home.to_string_lossy()),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::HostKeyLookup;

    fn target(name: &str) -> SshTarget {
        SshTarget {
            name: name.into(),
            address: name.into(),
            port: 22,
            user: "root".into(),
            identity_files: vec![],
            jump: vec![],
            host_keys: Default::default(),
            web_client: None,
        }
    }

    fn config(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const CONFIG: &str = "\
Host web-* !web-legacy
    HostName %h.internal
    User hadoop
    Port 2200
    IdentityFile /keys/%r@%h
    ProxyJump admin@bastion:2022,gw
    SomethingUnknown yes
    StrictHostKeyChecking accept-new

Host bastion
    HostName 10.0.0.1
    IdentityFile ~/.ssh/bastion_key

Host *
    User fallback
";

    #[test]
    fn fills_open_fields_and_expands_tokens() {
        let (_d, path) = config(CONFIG);
        let mut t = target("web-1");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(t.address, "web-1.internal");
        assert_eq!(t.user, "hadoop");
        assert_eq!(t.port, 2200);
        assert_eq!(t.identity_files, vec![PathBuf::from("/keys/hadoop@web-1")]);
        assert_eq!(t.jump.len(), 2);
        let bastion = &t.jump[0];
        assert_eq!(
            (
                bastion.name.as_str(),
                bastion.address.as_str(),
                bastion.port
            ),
            ("bastion", "10.0.0.1", 2022)
        );
        assert_eq!(bastion.user, "admin");
        assert_eq!(
            bastion.identity_files,
            vec![home_dir().join(".ssh/bastion_key")]
        );
        let gw = &t.jump[1];
        assert_eq!(
            (gw.address.as_str(), gw.port, gw.user.as_str()),
            ("gw", 22, "fallback")
        );
        assert_eq!(gw.identity_files, t.identity_files);
    }

    #[test]
    fn inventory_values_win() {
        let (_d, path) = config(CONFIG);
        let mut t = target("web-2");
        t.address = "192.168.1.2".into();
        t.port = 22;
        t.user = "ops".into();
        let explicit = ExplicitFields {
            address: true,
            user: true,
            port: true,
            identity_files: false,
            jump: true,
        };
        apply(&mut t, explicit, Some(&path)).unwrap();
        assert_eq!(
            (t.address.as_str(), t.port, t.user.as_str()),
            ("192.168.1.2", 22, "ops")
        );
        assert_eq!(t.identity_files, vec![PathBuf::from("/keys/ops@web-2")]);
        assert!(t.jump.is_empty());
    }

    #[test]
    fn negated_and_missing() {
        let (_d, path) = config(CONFIG);
        let mut t = target("web-legacy");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(
            (t.address.as_str(), t.port, t.user.as_str()),
            ("web-legacy", 22, "fallback")
        );
        let mut t = target("x");
        apply(
            &mut t,
            ExplicitFields::default(),
            Some(Path::new("/nonexistent/herd/config")),
        )
        .unwrap();
        assert_eq!(t, target("x"));
    }

    #[test]
    fn host_key_lookup() {
        let (_d, path) = config(
            "Host web-*\n    HostName %h.internal\n    HostKeyAlias Web-Pool\n    \
             UserKnownHostsFile ~/.ssh/kh_%h /etc/kh_%r\n\n\
             Host db\n    UserKnownHostsFile none\n    GlobalKnownHostsFile NONE\n\n\
             Host *\n    HostKeyAlias fallback\n    UserKnownHostsFile fallback\n    \
             GlobalKnownHostsFile /etc/ssh/%h_known_hosts\n",
        );
        let mut t = target("web-1");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(t.host_keys.alias.as_deref(), Some("Web-Pool"));
        assert_eq!(
            t.host_keys.user_files,
            Some(vec![
                home_dir().join(".ssh/kh_web-1.internal"),
                PathBuf::from("/etc/kh_root")
            ])
        );
        assert_eq!(
            t.host_keys.global_files,
            Some(vec![PathBuf::from("/etc/ssh/%h_known_hosts")])
        );
        let mut t = target("db");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(t.host_keys.alias.as_deref(), Some("fallback"));
        assert_eq!(t.host_keys.user_files, Some(vec![]));
        assert_eq!(t.host_keys.global_files, Some(vec![]));
        let mut t = target("x");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(
            t.host_keys.user_files,
            Some(vec![PathBuf::from("fallback")])
        );
        let (_d, path) = config("Host *\n    User u\n");
        let mut t = target("x");
        apply(&mut t, ExplicitFields::default(), Some(&path)).unwrap();
        assert_eq!(t.host_keys, HostKeyLookup::default());
    }

    #[test]
    fn hops() {
        assert_eq!(parse_hop("a@b:1"), (Some("a".into()), "b".into(), Some(1)));
        assert_eq!(parse_hop("b"), (None, "b".into(), None));
        assert_eq!(parse_hop("[::1]:22"), (None, "::1".into(), Some(22)));
        assert_eq!(
            parse_hop("ssh://u@h:2"),
            (Some("u".into()), "h".into(), Some(2))
        );
    }
}
