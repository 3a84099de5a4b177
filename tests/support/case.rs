//! One integration-test case: a loopback sshd fleet, a scratch directory for
//! the inventory, playbook, state and markers, and the `herd` binary run
//! against them with a clean environment (no agent, HOME in the scratch dir).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use herd::events::Event;

use super::sshd::SshdFleet;

pub struct Case {
    pub fleet: SshdFleet,
    pub dir: tempfile::TempDir,
}

/// What a finished `herd` said and how it exited.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Case {
    /// None when this machine cannot run sshd (the test then passes empty).
    pub fn new(hosts: usize, prefix: &str) -> Option<Case> {
        let fleet = SshdFleet::try_start(hosts)?;
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        Some(Case { fleet, dir })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn state(&self) -> PathBuf {
        self.path("state")
    }

    /// Inventory of the fleet: host i gets role `even` or `odd`, and `nodes`;
    /// `work` is the scratch dir; `extra_host_vars` goes into each host's vars.
    pub fn inventory_with(
        &self,
        known_hosts: &Path,
        connect_timeout: &str,
        extra_host_vars: &str,
    ) -> PathBuf {
        let mut text = format!(
            "cluster: test\nssh:\n  identity_files: [{}]\n  known_hosts: {}\n  use_ssh_config: false\n  connect_timeout: {connect_timeout}\nvars:\n  work: {}\nhosts:\n",
            self.fleet.client_key.display(),
            known_hosts.display(),
            self.dir.path().display()
        );
        for (i, h) in self.fleet.hosts.iter().enumerate() {
            let parity = if i % 2 == 0 { "even" } else { "odd" };
            text.push_str(&format!(
                "  - name: {}\n    address: {}\n    port: {}\n    user: {}\n    roles: [{parity}, nodes]\n    vars: {{ {extra_host_vars} }}\n",
                h.name, h.address, h.port, self.fleet.user
            ));
        }
        let p = self.path("inventory.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn playbook(&self, text: &str) -> PathBuf {
        let p = self.path("playbook.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_herd"));
        c.args(args)
            .env("HERD_STATE_DIR", self.state())
            .env("HOME", self.dir.path())
            .env_remove("SSH_AUTH_SOCK");
        c
    }

    pub fn herd(&self, args: &[&str]) -> Outcome {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .expect("run herd");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run(&self, playbook: &Path, inventory: &Path) -> Outcome {
        self.herd(&[
            "run",
            playbook.to_str().unwrap(),
            "-i",
            inventory.to_str().unwrap(),
        ])
    }

    /// `herd run` in the background; its output goes to `bg.out`/`bg.err`.
    pub fn spawn_run(&self, playbook: &Path, inventory: &Path) -> Child {
        let out = std::fs::File::create(self.path("bg.out")).unwrap();
        let err = std::fs::File::create(self.path("bg.err")).unwrap();
        self.command(&[
            "run",
            playbook.to_str().unwrap(),
            "-i",
            inventory.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn herd")
    }

    pub fn bg_stderr(&self) -> String {
        std::fs::read_to_string(self.path("bg.err")).unwrap_or_default()
    }

    /// Journal directories, oldest run first.
    pub fn run_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.state().join("runs"))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        dirs
    }

    /// Events of the `n`th run (oldest first), which must parse; a torn last
    /// line (herd killed mid-write) is allowed.
    pub fn journal(&self, n: usize) -> Vec<Event> {
        let dirs = self.run_dirs();
        let rec = herd::report::journal::read(&dirs[n]).expect("journal parses");
        rec.events.into_iter().map(|s| s.event).collect()
    }

    /// Every run's events, oldest first; none may have a torn tail.
    pub fn journals(&self) -> Vec<Vec<Event>> {
        self.run_dirs()
            .iter()
            .map(|d| {
                let rec = herd::report::journal::read(d).expect("journal parses");
                assert!(!rec.torn_tail, "journal of {} has a torn tail", d.display());
                rec.events.into_iter().map(|s| s.event).collect()
            })
            .collect()
    }

    pub fn last_journal(&self) -> Vec<Event> {
        self.journals().pop().expect("a journaled run")
    }

    pub fn run_id(&self, n: usize) -> String {
        self.run_dirs()[n]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}
