//! What a finished command produced.

/// The output and exit of one command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// None when the command died of a signal (see `signal`).
    pub exit_status: Option<u32>,
    pub signal: Option<String>,
}

impl ExecOutput {
    pub fn success(&self) -> bool {
        self.exit_status == Some(0)
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// The last `lines` lines of stderr, for error messages.
    pub fn stderr_tail(&self, lines: usize) -> String {
        tail_lines(&self.stderr_str(), lines)
    }
}

/// The last `n` non-empty lines of `text`.
pub fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `script` run by `shell` on this machine with `HOME` at `home`: the
/// host-side scripts' unit tests run them as a host would.
#[cfg(test)]
pub(crate) fn run_locally(shell: &str, home: &std::path::Path, script: &str) -> ExecOutput {
    let out = std::process::Command::new(shell)
        .arg("-c")
        .arg(script)
        .env("HOME", home)
        .output()
        .unwrap();
    ExecOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        exit_status: out.status.code().map(|c| c as u32),
        signal: None,
    }
}
