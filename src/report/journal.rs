//! The run journal: `<state>/runs/<run-id>/events.jsonl`, append-only and
//! fsync'd per event, plus each task's stdout and stderr. It is the record a
//! replay resumes from, so a write error stops the run rather than letting it
//! continue unjournaled.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::events::Stamped;

/// Writes one run's journal. Appends happen in event order under a lock;
/// durability is a separate step (`sync_to`) so that tasks finishing together
/// share one fdatasync (group commit) while every event is still on disk
/// before the engine acts on it.
pub struct Journal {
    dir: PathBuf,
    file: Mutex<EventFile>,
    sync_handle: File,
    written: AtomicU64,
    synced: Mutex<u64>,
    /// The first write error. Once set every later write fails with it, so
    /// the journal stays an exact prefix of the run (a smaller line must not
    /// land after a torn one when the disk frees a little space).
    broken: Mutex<Option<String>>,
}

struct EventFile {
    file: File,
    /// Length of the file after the last complete line.
    len: u64,
}

impl Journal {
    /// Create the run directory and its event file.
    pub fn create(runs_dir: &Path, run_id: &str) -> Result<Journal, String> {
        let dir = runs_dir.join(run_id);
        // Journals hold commands, outputs and inventories: the operator's
        // alone (0700 directories, 0600 files), whatever the umask.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir.join("tasks"))
            .map_err(|e| format!("cannot create journal directory {}: {e}", dir.display()))?;
        let path = dir.join("events.jsonl");
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot create journal {}: {e}", path.display()))?;
        let sync_handle = file
            .try_clone()
            .map_err(|e| format!("journal {}: {e}", path.display()))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Journal {
            dir,
            file: Mutex::new(EventFile { file, len }),
            sync_handle,
            written: AtomicU64::new(0),
            synced: Mutex::new(0),
            broken: Mutex::new(None),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keep a copy of an input (the playbook text) beside the events.
    pub fn save_file(&self, name: &str, contents: &[u8]) -> Result<(), String> {
        self.check()?;
        write_synced(&self.dir.join(name), contents).map_err(|e| self.fail(e))
    }

    /// The error that broke the journal, if any.
    fn check(&self) -> Result<(), String> {
        match &*self.broken.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Record the first write error; later writes repeat it.
    fn fail(&self, e: String) -> String {
        self.broken
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(e)
            .clone()
    }

    /// Append one event; returns its sequence number for `sync_to`.
    pub fn append(&self, event: &Stamped) -> Result<u64, String> {
        let mut line = serde_json::to_vec(event).map_err(|e| format!("journal encode: {e}"))?;
        line.push(b'\n');
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        self.check()?;
        // One write call per line: a crash can tear only the last line,
        // which the reader tolerates.
        if let Err(e) = f.file.write_all(&line) {
            // Drop a partly written line so a reader sees whole events only.
            let _ = f.file.set_len(f.len);
            return Err(self.fail(self.write_error(e)));
        }
        f.len += line.len() as u64;
        Ok(self.written.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Make every event up to `seq` durable. Callers that arrive while
    /// another fdatasync runs are usually covered by it.
    pub fn sync_to(&self, seq: u64) -> Result<(), String> {
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        if *synced >= seq {
            return Ok(());
        }
        self.check()?;
        let target = self.written.load(Ordering::SeqCst);
        self.sync_handle
            .sync_data()
            .map_err(|e| self.fail(self.write_error(e)))?;
        *synced = target;
        Ok(())
    }

    /// Store a task's output beside the events.
    pub fn output(
        &self,
        stage: &str,
        host: &str,
        stdout: &[u8],
        stderr: &[u8],
    ) -> Result<(), String> {
        self.check()?;
        for (stream, data) in [("out", stdout), ("err", stderr)] {
            if data.is_empty() {
                continue;
            }
            let path = task_output_path(&self.dir, stage, host, stream);
            if let Err(e) = write_synced(&path, data) {
                // A half-written output file would pass for the whole output.
                let _ = std::fs::remove_file(&path);
                return Err(self.fail(e));
            }
        }
        Ok(())
    }

    fn write_error(&self, e: std::io::Error) -> String {
        describe_write_error(&self.dir.join("events.jsonl"), &e)
    }
}

fn describe_write_error(path: &Path, e: &std::io::Error) -> String {
    if matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT)) {
        format!(
            "cannot write journal {}: disk full (no space left on device); stopping so the run is not continued unjournaled",
            path.display()
        )
    } else {
        format!(
            "cannot write journal {}: {e}; stopping so the run is not continued unjournaled",
            path.display()
        )
    }
}

fn write_synced(path: &Path, contents: &[u8]) -> Result<(), String> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| describe_write_error(path, &e))?;
    f.write_all(contents)
        .and_then(|_| f.sync_data())
        .map_err(|e| describe_write_error(path, &e))
}

/// File-name-safe form of a stage or host name.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Where a task's output is kept.
pub fn task_output_path(run_dir: &Path, stage: &str, host: &str, stream: &str) -> PathBuf {
    run_dir
        .join("tasks")
        .join(format!("{}__{}.{stream}", safe(stage), safe(host)))
}

/// A journal read back.
#[derive(Debug, Clone, Default)]
pub struct JournalRecord {
    pub events: Vec<Stamped>,
    /// The last line was incomplete or unparsable (herd was killed mid-write).
    pub torn_tail: bool,
}

/// Read `events.jsonl`. Only the LAST line may be torn; a bad line elsewhere
/// means the file was edited or corrupted, which is an error.
pub fn read(run_dir: &Path) -> Result<JournalRecord, String> {
    let path = run_dir.join("events.jsonl");
    let text =
        std::fs::read(&path).map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut record = JournalRecord::default();
    let last_nonempty = lines.iter().rposition(|l| !l.trim().is_empty());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Stamped>(line) {
            Ok(ev) => record.events.push(ev),
            Err(_) if Some(i) == last_nonempty => record.torn_tail = true,
            Err(e) => {
                return Err(format!(
                    "{}:{}: corrupt journal line: {e}",
                    path.display(),
                    i + 1
                ));
            }
        }
    }
    Ok(record)
}
