//! Comparing rendered files with what the hosts have, and writing the ones
//! that differ: atomically (temporary file, then rename), the previous
//! version kept as `<path>.herd-prev`, the services concerned recorded as
//! stale (see [`super::files`]).

use crate::shell::quote as q;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::files::{ClusterFiles, HostFiles, RenderedFile};
use super::topology::Topology;
use crate::transport::{Connection, ExecRequest, Pool, SshTarget, Sudo};

const TIMEOUT: Duration = Duration::from_secs(60);

/// How a host's copy of a file compares with the rendered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    Unchanged,
    /// Not on the host yet.
    New,
    /// Different content or permissions.
    Changed,
}

/// One file on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub path: String,
    pub state: FileState,
    /// The host's content (empty when the file is new).
    pub current: Vec<u8>,
    pub current_mode: Option<u32>,
    pub rendered: Vec<u8>,
    pub mode: u32,
    pub services: Vec<&'static str>,
}

/// Every file of one host, or why the host could not be read.
#[derive(Debug, Clone)]
pub struct HostDiff {
    pub host: String,
    pub files: Vec<FileDiff>,
    pub error: Option<String>,
}

impl HostDiff {
    pub fn changed(&self) -> impl Iterator<Item = &FileDiff> {
        self.files
            .iter()
            .filter(|f| f.state != FileState::Unchanged)
    }
}

/// What `push` did on one host.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HostPush {
    pub host: String,
    /// Files written, with whether they were new or changed.
    pub written: Vec<(String, FileState)>,
    pub unchanged: Vec<String>,
    /// Services that read a written file.
    pub services: Vec<&'static str>,
    /// Services recorded in the stale file: readers of files that changed
    /// (new files concern no running daemon).
    pub stale: Vec<&'static str>,
    pub error: Option<String>,
}

/// What `push` did on every host.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PushReport {
    pub hosts: Vec<HostPush>,
}

impl PushReport {
    pub fn failed(&self) -> impl Iterator<Item = &HostPush> {
        self.hosts.iter().filter(|h| h.error.is_some())
    }
    pub fn written(&self) -> usize {
        self.hosts.iter().map(|h| h.written.len()).sum()
    }
}

/// Services (in file order, once each) that read any of `paths` on a host.
pub fn changed_services(files: &HostFiles, paths: &[String]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in files.files.iter().filter(|f| paths.contains(&f.path)) {
        for s in &f.services {
            if !out.contains(s) {
                out.push(s);
            }
        }
    }
    out
}

/// Host -> how herd becomes root (or the inventory's become user) there;
/// hosts absent run as their login. The configuration belongs to root, so
/// a login without become cannot replace it.
pub type HostSudo = std::collections::BTreeMap<String, Sudo>;

async fn run(
    conn: &Connection,
    sudo: Option<&Sudo>,
    command: String,
) -> Result<crate::transport::ExecOutput, String> {
    let req = ExecRequest {
        command,
        stdin: None,
        secrets: Vec::new(),
        timeout: Some(TIMEOUT),
        record: None,
    };
    conn.exec_as(&req, sudo, &CancellationToken::new())
        .await
        .map_err(|e| e.to_string())
}

/// The host's copy of `path`: None when absent, else (mode, content).
async fn read_remote(
    conn: &Connection,
    sudo: Option<&Sudo>,
    path: &str,
) -> Result<Option<(u32, Vec<u8>)>, String> {
    let p = q(path);
    let out = run(
        conn,
        sudo,
        format!("if [ -e {p} ]; then stat -c %a -- {p} && cat -- {p}; else exit 3; fi"),
    )
    .await?;
    match out.exit_status {
        Some(0) => {
            let nl = out
                .stdout
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(out.stdout.len());
            let mode = std::str::from_utf8(&out.stdout[..nl])
                .ok()
                .and_then(|m| u32::from_str_radix(m.trim(), 8).ok());
            let content = out.stdout.get(nl + 1..).unwrap_or_default().to_vec();
            Ok(Some((mode.unwrap_or(0), content)))
        }
        Some(3) => Ok(None),
        _ => Err(format!(
            "{}: cannot read {path}: {}",
            conn.host(),
            out.stderr_tail(2)
        )),
    }
}

async fn diff_one(
    conn: &Connection,
    sudo: Option<&Sudo>,
    f: &RenderedFile,
) -> Result<FileDiff, String> {
    let remote = read_remote(conn, sudo, &f.path).await?;
    let (state, current, current_mode) = match remote {
        None => (FileState::New, Vec::new(), None),
        Some((mode, content)) => {
            let same = content == f.content && mode == f.mode;
            let state = if same {
                FileState::Unchanged
            } else {
                FileState::Changed
            };
            (state, content, Some(mode))
        }
    };
    Ok(FileDiff {
        path: f.path.clone(),
        state,
        current,
        current_mode,
        rendered: f.content.clone(),
        mode: f.mode,
        services: f.services.clone(),
    })
}

async fn diff_host(
    conn: &Connection,
    sudo: Option<&Sudo>,
    files: &HostFiles,
) -> Result<Vec<FileDiff>, String> {
    let results =
        futures::future::join_all(files.files.iter().map(|f| diff_one(conn, sudo, f))).await;
    results.into_iter().collect()
}

fn target_of<'a>(targets: &'a [SshTarget], host: &str) -> Result<&'a SshTarget, String> {
    targets
        .iter()
        .find(|t| t.name == host)
        .ok_or_else(|| format!("{host}: not in the inventory"))
}

/// Read every rendered file's current state on its host, hosts in parallel.
pub async fn fetch(
    pool: &Pool,
    targets: &[SshTarget],
    sudo: &HostSudo,
    files: &ClusterFiles,
) -> Vec<HostDiff> {
    let tasks = files.hosts.iter().map(|hf| async move {
        let result = async {
            let conn = pool
                .connect(target_of(targets, &hf.host)?)
                .await
                .map_err(|e| e.to_string())?;
            diff_host(&conn, sudo.get(&hf.host), hf).await
        }
        .await;
        match result {
            Ok(files) => HostDiff {
                host: hf.host.clone(),
                files,
                error: None,
            },
            Err(e) => HostDiff {
                host: hf.host.clone(),
                files: Vec::new(),
                error: Some(e),
            },
        }
    });
    futures::future::join_all(tasks).await
}

/// A unified diff of one file, `--- host:path (on host)` / `+++ host:path (rendered)`.
pub fn unified_diff(host: &str, f: &FileDiff) -> String {
    let old = String::from_utf8_lossy(&f.current);
    let new = String::from_utf8_lossy(&f.rendered);
    let mut out = String::new();
    if let Some(m) = f.current_mode
        && m != f.mode
        && old == new
    {
        out.push_str(&format!(
            "--- {host}:{} (on host)\n+++ {host}:{} (rendered)\nmode {m:o} -> {:o}\n",
            f.path, f.path, f.mode
        ));
        return out;
    }
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    out.push_str(
        &diff
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{host}:{} (on host)", f.path),
                &format!("{host}:{} (rendered)", f.path),
            )
            .to_string(),
    );
    if let Some(m) = f.current_mode
        && m != f.mode
    {
        out.push_str(&format!("mode {m:o} -> {:o}\n", f.mode));
    }
    out
}

async fn push_host(
    conn: &Connection,
    sudo: Option<&Sudo>,
    topo: &Topology,
    hf: &HostFiles,
    only_changed: bool,
) -> Result<HostPush, String> {
    let diffs = diff_host(conn, sudo, hf).await?;
    let mut report = HostPush {
        host: hf.host.clone(),
        ..HostPush::default()
    };
    let mut changed_paths = Vec::new();
    let mut written_paths = Vec::new();
    for d in &diffs {
        if only_changed && d.state == FileState::Unchanged {
            report.unchanged.push(d.path.clone());
            continue;
        }
        if d.state != FileState::New {
            // Keep the version being replaced, permissions and all, for a quick rollback.
            let p = q(&d.path);
            let prev = q(&format!("{}.herd-prev", d.path));
            let out = run(conn, sudo, format!("cp -p -- {p} {prev}")).await?;
            if !out.success() {
                return Err(format!(
                    "{}: cannot keep {}.herd-prev: {}",
                    hf.host,
                    d.path,
                    out.stderr_tail(2)
                ));
            }
        }
        conn.upload_as(&d.rendered, &d.path, d.mode, sudo)
            .await
            .map_err(|e| e.to_string())?;
        report.written.push((d.path.clone(), d.state));
        written_paths.push(d.path.clone());
        if d.state == FileState::Changed {
            changed_paths.push(d.path.clone());
        }
    }
    report.services = changed_services(hf, &written_paths);
    report.stale = changed_services(hf, &changed_paths);
    if !report.stale.is_empty() {
        mark_stale(conn, sudo, topo, &report.stale).await?;
    }
    Ok(report)
}

/// Write the files that differ (all of them unless `only_changed`), hosts in
/// parallel. A host that fails carries its error in the report; Err only when
/// a host of `files` has no SSH target.
pub async fn push(
    pool: &Pool,
    targets: &[SshTarget],
    sudo: &HostSudo,
    topo: &Topology,
    files: &ClusterFiles,
    only_changed: bool,
) -> Result<PushReport, String> {
    for hf in &files.hosts {
        target_of(targets, &hf.host)?;
    }
    let tasks = files.hosts.iter().map(|hf| async move {
        let result = async {
            let conn = pool
                .connect(target_of(targets, &hf.host)?)
                .await
                .map_err(|e| e.to_string())?;
            push_host(&conn, sudo.get(&hf.host), topo, hf, only_changed).await
        }
        .await;
        result.unwrap_or_else(|e| HostPush {
            host: hf.host.clone(),
            error: Some(e),
            ..HostPush::default()
        })
    });
    Ok(PushReport {
        hosts: futures::future::join_all(tasks).await,
    })
}

/// Add `services` to the host's stale file (sorted, unique).
pub async fn mark_stale(
    conn: &Connection,
    sudo: Option<&Sudo>,
    topo: &Topology,
    services: &[&str],
) -> Result<(), String> {
    let f = q(&topo.settings.stale_file());
    let names: Vec<String> = services.iter().map(|s| q(s)).collect();
    let cmd = format!(
        "mkdir -p -- \"$(dirname -- {f})\" && {{ cat -- {f} 2>/dev/null; printf '%s\\n' {}; }} | sort -u > {f}.tmp && mv -f -- {f}.tmp {f}",
        names.join(" ")
    );
    let out = run(conn, sudo, cmd).await?;
    if out.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: cannot record stale services: {}",
            conn.host(),
            out.stderr_tail(2)
        ))
    }
}

/// The services recorded as stale on the host.
pub async fn read_stale(
    conn: &Connection,
    sudo: Option<&Sudo>,
    topo: &Topology,
) -> Result<Vec<String>, String> {
    let f = q(&topo.settings.stale_file());
    let out = run(conn, sudo, format!("cat -- {f} 2>/dev/null || true")).await?;
    Ok(out
        .stdout_str()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// Remove `services` from the host's stale file, e.g. after restarting them.
pub async fn clear_stale(
    conn: &Connection,
    sudo: Option<&Sudo>,
    topo: &Topology,
    services: &[&str],
) -> Result<(), String> {
    let f = q(&topo.settings.stale_file());
    let mut cmd = format!("[ -f {f} ] || exit 0; cp -- {f} {f}.tmp");
    for s in services {
        cmd.push_str(&format!(
            " && {{ grep -vxF -- {} {f}.tmp > {f}.tmp2 || true; }} && mv -f -- {f}.tmp2 {f}.tmp",
            q(s)
        ));
    }
    cmd.push_str(&format!(" && mv -f -- {f}.tmp {f}"));
    let out = run(conn, sudo, cmd).await?;
    if out.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: cannot update the stale file: {}",
            conn.host(),
            out.stderr_tail(2)
        ))
    }
}
