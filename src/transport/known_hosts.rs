//! known_hosts parsed once into memory, matched the way OpenSSH does.
//!
//! Supported: hashed names (`|1|salt|hmac`), `[host]:port` (bare host for
//! port 22), comma lists, `*`/`?` wildcards, `!` negation, `@revoked`.
//! `@cert-authority` lines never match: host certificates are not negotiated,
//! so a CA line cannot vouch for the plain key the server presents. When such
//! a line was the only one for the host, the unknown-key verdict says so.
//! Lines that cannot be parsed are skipped, as OpenSSH does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use russh::keys::ssh_key::public::KeyData;
use russh::keys::{Algorithm, PublicKey};
use sha1::Sha1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
enum Hosts {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Patterns(Vec<String>),
}

#[derive(Debug, Clone)]
struct Line {
    /// 1-based physical line number, as editors show it.
    number: usize,
    marker: Option<Marker>,
    hosts: Hosts,
    key: KeyData,
}

/// What known_hosts says about a server key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    /// No line for the host has this key. `ca_only`: the host matched only
    /// `@cert-authority` lines, which are not honoured.
    Unknown {
        ca_only: bool,
    },
    /// A line for the host records another key of the same type.
    Changed {
        line: usize,
    },
    Revoked {
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

/// The known_hosts file, held in memory for the whole run.
#[derive(Debug)]
pub struct KnownHosts {
    path: PathBuf,
    lines: RwLock<Vec<Line>>,
    /// Serialises appends so concurrent first connections do not interleave.
    append: Mutex<()>,
}

impl KnownHosts {
    /// Reads `path`; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<KnownHosts, String> {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(KnownHosts::parse(path, &text))
    }

    /// Parses `text` as if it were the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> KnownHosts {
        let lines = text
            .split('\n')
            .enumerate()
            .filter_map(|(i, raw)| {
                let parsed = parse_line(i + 1, raw);
                if parsed.is_none() && !is_blank_or_comment(raw) {
                    tracing::debug!(
                        "{}:{}: unparsable known_hosts line skipped",
                        path.display(),
                        i + 1
                    );
                }
                parsed
            })
            .collect();
        KnownHosts {
            path: path.to_path_buf(),
            lines: RwLock::new(lines),
            append: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key algorithms recorded for any of `names` at `port`, so the
    /// handshake can ask for a key that can actually be verified.
    pub fn recorded_algorithms(&self, names: &[&str], port: u16) -> Vec<Algorithm> {
        let lookups = lookup_names(names, port);
        let lines = self.lines.read().unwrap_or_else(|e| e.into_inner());
        let mut algs: Vec<Algorithm> = Vec::new();
        for line in lines
            .iter()
            .filter(|l| l.marker.is_none() && line_matches(l, &lookups))
        {
            let alg = line.key.algorithm();
            if !algs.contains(&alg) {
                algs.push(alg);
            }
        }
        algs
    }

    /// Checks the key a server at `port` presented, known by any of `names`.
    pub fn check(&self, names: &[&str], port: u16, key: &PublicKey) -> Verdict {
        let lookups = lookup_names(names, port);
        let offered = key.key_data();
        let lines = self.lines.read().unwrap_or_else(|e| e.into_inner());
        let mut known = false;
        let mut changed = None;
        let mut ca_seen = false;
        let mut other_seen = false;
        for line in lines.iter().filter(|l| line_matches(l, &lookups)) {
            match line.marker {
                Some(Marker::Revoked) if &line.key == offered => {
                    return Verdict::Revoked { line: line.number };
                }
                Some(Marker::Revoked) => {}
                Some(Marker::CertAuthority) => ca_seen = true,
                None => {
                    other_seen = true;
                    if &line.key == offered {
                        known = true;
                    } else if line.key.algorithm() == offered.algorithm() && changed.is_none() {
                        changed = Some(line.number);
                    }
                }
            }
        }
        if known {
            Verdict::Known
        } else if let Some(line) = changed {
            Verdict::Changed { line }
        } else {
            Verdict::Unknown {
                ca_only: ca_seen && !other_seen,
            }
        }
    }

    /// Appends `key` for `names` at `port` and remembers it for this run.
    pub fn record(&self, names: &[&str], port: u16, key: &PublicKey) -> Result<(), String> {
        let _guard = self.append.lock().unwrap_or_else(|e| e.into_inner());
        // Another connection to the same host may have recorded a key while
        // this one waited for the lock.
        match self.check(names, port, key) {
            Verdict::Known => return Ok(()),
            Verdict::Unknown { .. } => {}
            Verdict::Changed { line } | Verdict::Revoked { line } => {
                return Err(format!(
                    "{}:{line} now records a different or revoked key",
                    self.path.display()
                ));
            }
        }
        let hosts = lookup_names(names, port);
        let encoded = key
            .to_openssh()
            .map_err(|e| format!("cannot encode host key: {e}"))?;
        // to_openssh() appends the comment; a recorded line carries none.
        let mut fields = encoded.split_whitespace();
        let (alg, b64) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        let entry = format!("{} {alg} {b64}\n", hosts.join(","));

        let fail =
            |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", self.path.display());
        if let Some(dir) = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            create_private_dir(dir).map_err(|e| fail("create the directory of", e))?;
        }
        let existing = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(fail("read", e)),
        };
        let needs_newline = !existing.is_empty() && !existing.ends_with(b"\n");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| fail("open", e))?;
        let mut out = String::new();
        if needs_newline {
            out.push('\n');
        }
        out.push_str(&entry);
        file.write_all(out.as_bytes())
            .map_err(|e| fail("write", e))?;

        let number =
            existing.iter().filter(|&&b| b == b'\n').count() + usize::from(needs_newline) + 1;
        let line = Line {
            number,
            marker: None,
            hosts: Hosts::Patterns(hosts),
            key: key.key_data().clone(),
        };
        self.lines
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// `host` for port 22, `[host]:port` otherwise, lowercased and deduplicated.
fn lookup_names(names: &[&str], port: u16) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        let name = name.to_ascii_lowercase();
        let form = if port == 22 {
            name
        } else {
            format!("[{name}]:{port}")
        };
        if !out.contains(&form) {
            out.push(form);
        }
    }
    out
}

fn is_blank_or_comment(raw: &str) -> bool {
    let t = raw.trim();
    t.is_empty() || t.starts_with('#')
}

fn parse_line(number: usize, raw: &str) -> Option<Line> {
    if is_blank_or_comment(raw) {
        return None;
    }
    let mut fields = raw.split_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@revoked" => Some(Marker::Revoked),
        "@cert-authority" => Some(Marker::CertAuthority),
        m if m.starts_with('@') => return None,
        _ => None,
    };
    if marker.is_some() {
        first = fields.next()?;
    }
    let hosts = parse_hosts(first)?;
    let alg = fields.next()?;
    let b64 = fields.next()?;
    let key = PublicKey::from_openssh(&format!("{alg} {b64}")).ok()?;
    Some(Line {
        number,
        marker,
        hosts,
        key: key.key_data().clone(),
    })
}

fn parse_hosts(field: &str) -> Option<Hosts> {
    if let Some(rest) = field.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|')?;
        return Some(Hosts::Hashed {
            salt: B64.decode(salt).ok()?,
            hash: B64.decode(hash).ok()?,
        });
    }
    Some(Hosts::Patterns(
        field
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.to_ascii_lowercase())
            .collect(),
    ))
}

fn line_matches(line: &Line, lookups: &[String]) -> bool {
    lookups.iter().any(|name| match &line.hosts {
        Hosts::Hashed { salt, hash } => hashed_matches(salt, hash, name),
        Hosts::Patterns(patterns) => pattern_list_matches(patterns, name),
    })
}

fn hashed_matches(salt: &[u8], hash: &[u8], name: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(hash).is_ok()
}

/// OpenSSH's match_hostname: a matching negated pattern vetoes the line.
fn pattern_list_matches(patterns: &[String], name: &str) -> bool {
    let mut positive = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if wildcard_matches(neg.as_bytes(), name.as_bytes()) {
                return false;
            }
        } else if wildcard_matches(p.as_bytes(), name.as_bytes()) {
            positive = true;
        }
    }
    positive
}

/// Glob with `*` (any run) and `?` (one character), iterative with backtracking.
pub(crate) fn wildcard_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICp6Gkv8i3bhOmMphE4x4JUqrPuhEZm8lPb8FL7OU8lx";
    const K2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOb6KaKftzMO+wvQdAgTCmQ4fkRrnWg+fMBcGnT0lIjG";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn kh(text: &str) -> KnownHosts {
        KnownHosts::parse(Path::new("/kh"), text)
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_matches(b"[127.*]:2222", b"[127.0.0.1]:2222"));
        assert!(wildcard_matches(b"web-?", b"web-1"));
        assert!(!wildcard_matches(b"web-?", b"web-12"));
        assert!(wildcard_matches(b"*", b""));
        assert!(wildcard_matches(b"a*b*c", b"axxbyyc"));
        assert!(!wildcard_matches(b"a*b*c", b"axxbyy"));
    }

    #[test]
    fn plain_port_and_bare_names() {
        let db = kh(&format!("# comment\n[h1]:2222 {K1}\nh2 {K1}\n"));
        assert_eq!(db.check(&["h1"], 2222, &key(K1)), Verdict::Known);
        assert_eq!(
            db.check(&["h1"], 22, &key(K1)),
            Verdict::Unknown { ca_only: false }
        );
        assert_eq!(db.check(&["h2"], 22, &key(K1)), Verdict::Known);
        assert_eq!(db.check(&["H2"], 22, &key(K1)), Verdict::Known);
        assert_eq!(db.check(&["nope", "h2"], 22, &key(K1)), Verdict::Known);
    }

    #[test]
    fn changed_names_line_and_any_match_wins() {
        let db = kh(&format!("\n\nh1 {K2}\n"));
        assert_eq!(
            db.check(&["h1"], 22, &key(K1)),
            Verdict::Changed { line: 3 }
        );
        let db = kh(&format!("h1 {K2}\nh1,h3 {K1}\n"));
        assert_eq!(db.check(&["h1"], 22, &key(K1)), Verdict::Known);
    }

    #[test]
    fn negation_and_markers() {
        let db = kh(&format!("h*,!h2 {K1}\n"));
        assert_eq!(db.check(&["h1"], 22, &key(K1)), Verdict::Known);
        assert_eq!(
            db.check(&["h2"], 22, &key(K1)),
            Verdict::Unknown { ca_only: false }
        );
        let db = kh(&format!("h1 {K1}\n@revoked * {K1}\n"));
        assert_eq!(
            db.check(&["h1"], 22, &key(K1)),
            Verdict::Revoked { line: 2 }
        );
        let db = kh(&format!("@cert-authority *.example {K1}\n"));
        assert_eq!(
            db.check(&["a.example"], 22, &key(K1)),
            Verdict::Unknown { ca_only: true }
        );
    }

    #[test]
    fn hashed_names() {
        let salt = b"0123456789abcdefghij";
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(b"[10.0.0.1]:2200");
        let hash = mac.finalize().into_bytes();
        let db = kh(&format!(
            "|1|{}|{} {K1}\n",
            B64.encode(salt),
            B64.encode(hash)
        ));
        assert_eq!(db.check(&["10.0.0.1"], 2200, &key(K1)), Verdict::Known);
        assert_eq!(
            db.check(&["10.0.0.2"], 2200, &key(K1)),
            Verdict::Unknown { ca_only: false }
        );
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let db = kh(&format!("h1 ssh-ed25519 notbase64\nh1  \t{K1}\n"));
        assert_eq!(db.check(&["h1"], 22, &key(K1)), Verdict::Known);
    }

    #[test]
    fn record_appends_and_remembers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("known_hosts");
        let db = KnownHosts::load(&path).unwrap();
        db.record(&["web1", "10.0.0.1"], 2222, &key(K1)).unwrap();
        assert_eq!(db.check(&["10.0.0.1"], 2222, &key(K1)), Verdict::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[web1]:2222,[10.0.0.1]:2222 {K1}\n"));
        assert_eq!(
            KnownHosts::load(&path)
                .unwrap()
                .check(&["web1"], 2222, &key(K1)),
            Verdict::Known
        );
        db.record(&["web2"], 22, &key(K2)).unwrap();
        assert_eq!(
            db.check(&["web2"], 22, &key(K1)),
            Verdict::Changed { line: 2 }
        );
    }
}
