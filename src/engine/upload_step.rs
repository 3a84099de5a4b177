//! A stage's `upload:` step: local files and trees copied to the host, only
//! where the host's copy differs (sha256), so a re-run writes nothing.

use crate::shell::quote;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::template::{TemplateContext, render_raw};
use crate::model::Upload;
use crate::transport::{Connection, ExecRequest, Sudo};

/// One file to place on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub local: PathBuf,
    pub remote: String,
    pub mode: u32,
}

/// Paths per hashing command, well under any ARG_MAX.
const HASH_BATCH: usize = 200;

/// Expand the stage's uploads for one host into files. A `src` that renders
/// empty is an optional upload left out.
pub fn plan_files(uploads: &[Upload], ctx: &TemplateContext) -> Result<Vec<PlannedFile>, String> {
    let mut out = Vec::new();
    for u in uploads {
        let src = render_raw(&u.src, ctx).map_err(|e| format!("upload src: {e}"))?;
        let src = src.trim();
        if src.is_empty() {
            continue;
        }
        let dest = render_raw(&u.dest, ctx).map_err(|e| format!("upload dest: {e}"))?;
        let dest = dest.trim();
        if !dest.starts_with('/') {
            return Err(format!("upload dest '{dest}' must be an absolute path"));
        }
        let local = PathBuf::from(src);
        let meta = std::fs::metadata(&local)
            .map_err(|e| format!("upload src {}: {e}", local.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(&local, &mut files).map_err(|e| format!("upload src {}: {e}", local.display()))?;
            files.sort();
            for f in files {
                let rel = f
                    .strip_prefix(&local)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .into_owned();
                let remote = format!("{}/{rel}", dest.trim_end_matches('/'));
                out.push(PlannedFile {
                    mode: mode_of(&f)?,
                    local: f,
                    remote,
                });
            }
        } else {
            let remote = if dest.ends_with('/') {
                let name = local
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{dest}{name}")
            } else {
                dest.to_string()
            };
            out.push(PlannedFile {
                mode: mode_of(&local)?,
                local,
                remote,
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&entry.path(), out)?;
        } else if ty.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

fn mode_of(path: &Path) -> Result<u32, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(meta.permissions().mode() & 0o777)
}

/// Files above this size are compared through a digest file written beside
/// them after a verified upload, instead of hashing them on the host on every
/// run: re-reading a 100 MB tarball on every host is what made re-runs slow.
const SIDECAR_ABOVE: u64 = 1 << 20;
const SIDECAR_SUFFIX: &str = ".herd-sha256";

/// sha256 of a local file, streamed, computed once per run for a given
/// path, size and modification time (the same tarball goes to many hosts).
pub fn local_sha256(path: &Path) -> Result<String, String> {
    use std::collections::HashMap;
    use std::io::Read;
    use std::sync::{Mutex, OnceLock};
    type Key = (PathBuf, u64, Option<std::time::SystemTime>);
    static CACHE: OnceLock<Mutex<HashMap<Key, String>>> = OnceLock::new();
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(h) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(h.clone());
    }
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let digest = hex::encode(h.finalize());
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, digest.clone());
    Ok(digest)
}

/// Copy the files whose content differs on the host; returns the remote
/// paths written. With `sudo`, the host's side (hashing, writing) runs as
/// its user, who owns what is written.
pub async fn sync(
    conn: &Connection,
    files: &[PlannedFile],
    sudo: Option<&Sudo>,
    cancel: &CancellationToken,
) -> Result<Vec<String>, String> {
    let mut sizes = Vec::with_capacity(files.len());
    for f in files {
        sizes.push(
            std::fs::metadata(&f.local)
                .map_err(|e| format!("{}: {e}", f.local.display()))?
                .len(),
        );
    }
    let mut remote_hashes = std::collections::HashMap::new();
    let small: Vec<&PlannedFile> = files
        .iter()
        .zip(&sizes)
        .filter(|(_, s)| **s <= SIDECAR_ABOVE)
        .map(|(f, _)| f)
        .collect();
    let large: Vec<(&PlannedFile, u64)> = files
        .iter()
        .zip(&sizes)
        .filter(|(_, s)| **s > SIDECAR_ABOVE)
        .map(|(f, s)| (f, *s))
        .collect();
    for chunk in small.chunks(HASH_BATCH) {
        let quoted: Vec<String> = chunk.iter().map(|f| quote(&f.remote)).collect();
        // Missing files simply produce no line; sha256sum's status is ignored.
        let cmd = format!("sha256sum -- {} 2>/dev/null; true", quoted.join(" "));
        for line in run(conn, cmd, sudo, cancel).await?.lines() {
            if let Some((hash, path)) = line.split_once("  ") {
                remote_hashes.insert(path.to_string(), hash.to_string());
            }
        }
    }
    for (f, size) in &large {
        // The digest file counts only while the file still has the size it had.
        let q = quote(&f.remote);
        let sidecar = quote(&format!("{}{SIDECAR_SUFFIX}", f.remote));
        let cmd = format!(
            "[ \"$(stat -c %s -- {q} 2>/dev/null)\" = {size} ] && cat -- {sidecar} 2>/dev/null; true"
        );
        let out = run(conn, cmd, sudo, cancel).await?;
        if let Some(hash) = out.split_whitespace().next() {
            remote_hashes.insert(f.remote.clone(), hash.to_string());
        }
    }
    let mut written = Vec::new();
    for (f, size) in files.iter().zip(&sizes) {
        let local = local_sha256(&f.local)?;
        if remote_hashes.get(&f.remote) == Some(&local) {
            continue;
        }
        conn.upload_file_as(&f.local, &f.remote, f.mode, sudo)
            .await
            .map_err(|e| e.to_string())?;
        if *size > SIDECAR_ABOVE {
            // Verified once after the transfer, then trusted by size.
            let q = quote(&f.remote);
            let cmd = format!("sha256sum -- {q}");
            let out = run(conn, cmd, sudo, cancel).await?;
            let remote = out.split_whitespace().next().unwrap_or("");
            if remote != local {
                return Err(format!(
                    "{} on the host has sha256 {remote}, expected {local}: upload corrupted",
                    f.remote
                ));
            }
            conn.upload_as(
                format!("{local}\n").as_bytes(),
                &format!("{}{SIDECAR_SUFFIX}", f.remote),
                0o644,
                sudo,
            )
            .await
            .map_err(|e| e.to_string())?;
        }
        written.push(f.remote.clone());
    }
    Ok(written)
}

async fn run(
    conn: &Connection,
    command: String,
    sudo: Option<&Sudo>,
    cancel: &CancellationToken,
) -> Result<String, String> {
    let req = ExecRequest {
        command,
        stdin: None,
        secrets: Vec::new(),
        timeout: Some(Duration::from_secs(600)),
        record: None,
    };
    let out = conn
        .exec_as(&req, sudo, cancel)
        .await
        .map_err(|e| e.to_string())?;
    Ok(out.stdout_str())
}
