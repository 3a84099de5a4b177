//! One run at a time per state directory: two runs at once would both pass
//! the same `creates`/`once` guards, and two replays of one run would run
//! every remaining task twice. The lock is an flock(2) on
//! `<state>/run.lock`, so the kernel releases it when herd exits or is
//! killed; the file names the holder for whoever is refused.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Held for the run's lifetime; released on drop (or by the kernel).
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock of `state_dir` for run `run_id`, or says who holds it.
    pub fn acquire(state_dir: &Path, run_id: &str, command: &str) -> Result<RunLock, String> {
        std::fs::create_dir_all(state_dir)
            .map_err(|e| format!("cannot create state directory {}: {e}", state_dir.display()))?;
        let path = state_dir.join("run.lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(format!("cannot lock {}: {err}", path.display()));
            }
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(format!(
                "another herd run holds {} ({}): one run at a time per state directory; wait for it to end, or stop it",
                path.display(),
                if holder.is_empty() {
                    "holder unknown"
                } else {
                    holder
                }
            ));
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = writeln!(
            file,
            "run {run_id}, pid {}, `{command}`",
            std::process::id()
        );
        let _ = file.flush();
        Ok(RunLock { _file: file })
    }
}
