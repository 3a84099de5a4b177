//! One known_hosts file, parsed once into memory and matched the way
//! OpenSSH's hostfile.c does.
//!
//! Supported: hashed names (`|1|salt|hmac`), `[host]:port`, comma lists,
//! `*`/`?` wildcards, `!` negation, and the `@revoked` and `@cert-authority`
//! markers. Lines that cannot be parsed are skipped, as OpenSSH does; that
//! includes a hashed name whose salt or hash is not 20 bytes (the size of a
//! SHA-1 HMAC), which OpenSSH's extract_salt refuses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use russh::keys::PublicKey;
use russh::keys::ssh_key::public::KeyData;
use sha1::Sha1;

/// Bytes of a SHA-1 HMAC: the only salt and hash length OpenSSH accepts.
const HASH_BYTES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
enum Hosts {
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    Patterns(Vec<String>),
}

/// One parsed line.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// 1-based physical line number, as editors show it.
    pub(super) number: usize,
    pub(super) marker: Option<Marker>,
    hosts: Hosts,
    pub(super) key: KeyData,
}

/// A known_hosts file, held in memory for the whole run.
#[derive(Debug)]
pub struct KnownHostsFile {
    path: PathBuf,
    lines: RwLock<Vec<Line>>,
}

impl KnownHostsFile {
    /// Reads `path`; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<KnownHostsFile, String> {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(KnownHostsFile::parse(path, &text))
    }

    /// Parses `text` as if it were the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> KnownHostsFile {
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
        KnownHostsFile {
            path: path.to_path_buf(),
            lines: RwLock::new(lines),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lines whose host field matches `name`, in file order. `name` is
    /// in known_hosts form (`host`, or `[host]:port`) and lowercase.
    pub(super) fn matching(&self, name: &str) -> Vec<Line> {
        let lines = self.lines.read().unwrap_or_else(|e| e.into_inner());
        lines
            .iter()
            .filter(|l| line_matches(l, name))
            .cloned()
            .collect()
    }

    /// Appends `key` for `name` and remembers it for this run. The caller
    /// serialises appends, so concurrent first connections do not interleave.
    pub(super) fn append(&self, name: &str, key: &PublicKey) -> Result<(), String> {
        let encoded = key
            .to_openssh()
            .map_err(|e| format!("cannot encode host key: {e}"))?;
        // to_openssh() appends the comment; a recorded line carries none.
        let mut fields = encoded.split_whitespace();
        let (alg, b64) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        let entry = format!("{name} {alg} {b64}\n");

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
            hosts: Hosts::Patterns(vec![name.to_string()]),
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
    // OpenSSH takes any field starting with '|' as hashed, and a hashed field
    // it cannot read as `|1|` + 20-byte salt + `|` + 20-byte hash as an
    // invalid line.
    if field.starts_with('|') {
        let (salt, hash) = field.strip_prefix("|1|")?.split_once('|')?;
        let (salt, hash) = (B64.decode(salt).ok()?, B64.decode(hash).ok()?);
        return (salt.len() == HASH_BYTES && hash.len() == HASH_BYTES)
            .then_some(Hosts::Hashed { salt, hash });
    }
    Some(Hosts::Patterns(
        field
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.to_ascii_lowercase())
            .collect(),
    ))
}

fn line_matches(line: &Line, name: &str) -> bool {
    match &line.hosts {
        Hosts::Hashed { salt, hash } => hashed_matches(salt, hash, name),
        Hosts::Patterns(patterns) => pattern_list_matches(patterns, name),
    }
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

    fn kh(text: &str) -> KnownHostsFile {
        KnownHostsFile::parse(Path::new("/kh"), text)
    }

    /// Line numbers of the lines matching `name`.
    fn numbers(file: &KnownHostsFile, name: &str) -> Vec<usize> {
        file.matching(name).iter().map(|l| l.number).collect()
    }

    fn hashed(salt: &[u8], name: &str) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(name.as_bytes());
        let hash = mac.finalize().into_bytes();
        format!("|1|{}|{}", B64.encode(salt), B64.encode(hash))
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
        let db = kh(&format!("# comment\n[h1]:2222 {K1}\nH2,h3 {K1}\n"));
        assert_eq!(numbers(&db, "[h1]:2222"), vec![2]);
        assert!(numbers(&db, "h1").is_empty());
        assert_eq!(numbers(&db, "h2"), vec![3]);
        assert_eq!(numbers(&db, "h3"), vec![3]);
    }

    #[test]
    fn negation_and_markers() {
        let db = kh(&format!(
            "h*,!h2 {K1}\n@revoked * {K1}\n@cert-authority *.example {K1}\n@other h1 {K1}\n"
        ));
        let markers = |name: &str| -> Vec<Option<Marker>> {
            db.matching(name).iter().map(|l| l.marker).collect()
        };
        assert_eq!(markers("h1"), vec![None, Some(Marker::Revoked)]);
        assert_eq!(markers("h2"), vec![Some(Marker::Revoked)]);
        assert_eq!(
            markers("a.example"),
            vec![Some(Marker::Revoked), Some(Marker::CertAuthority)]
        );
    }

    #[test]
    fn hashed_names() {
        let salt = b"0123456789abcdefghij";
        let db = kh(&format!("{} {K1}\n", hashed(salt, "[10.0.0.1]:2200")));
        assert_eq!(numbers(&db, "[10.0.0.1]:2200"), vec![1]);
        assert!(numbers(&db, "[10.0.0.2]:2200").is_empty());
    }

    #[test]
    fn hashed_names_need_20_byte_salt_and_hash() {
        // An HMAC takes a key of any length, so a 16-byte salt would verify;
        // OpenSSH skips such a line, and so must herd.
        let short = hashed(b"0123456789abcdef", "h1");
        let good = hashed(b"0123456789abcdefghij", "h1");
        let (salt, hash) = good.trim_start_matches("|1|").split_once('|').unwrap();
        let long_hash = format!(
            "|1|{salt}|{}",
            B64.encode([&B64.decode(hash).unwrap()[..], b"x"].concat())
        );
        let text = format!(
            "{short} {K1}\n{long_hash} {K1}\n|2|{salt}|{hash} {K1}\n|1|{salt} {K1}\n{good} {K2}\n"
        );
        let db = kh(&text);
        assert_eq!(numbers(&db, "h1"), vec![5]);
        // The skipped lines do not fall back to being plain patterns.
        assert!(numbers(&db, &short).is_empty());
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let db = kh(&format!("h1 ssh-ed25519 notbase64\nh1  \t{K1}\nh1\n"));
        assert_eq!(numbers(&db, "h1"), vec![2]);
    }

    #[test]
    fn append_writes_and_remembers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("known_hosts");
        let db = KnownHostsFile::load(&path).unwrap();
        db.append("[10.0.0.1]:2222", &key(K1)).unwrap();
        assert_eq!(numbers(&db, "[10.0.0.1]:2222"), vec![1]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[10.0.0.1]:2222 {K1}\n"));
        std::fs::write(&path, format!("{text}# no newline")).unwrap();
        let db = KnownHostsFile::load(&path).unwrap();
        db.append("web2", &key(K2)).unwrap();
        assert_eq!(numbers(&db, "web2"), vec![3]);
        assert_eq!(
            numbers(&KnownHostsFile::load(&path).unwrap(), "web2"),
            vec![3]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
