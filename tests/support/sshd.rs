//! A fleet of real OpenSSH servers on loopback addresses, one sshd process
//! per host so a single host can be killed, frozen or restarted.
//!
//! Every 127.0.0.0/8 address is routed to `lo` on Linux, so each fleet gets
//! its own block (derived from the process id and a per-process counter)
//! and concurrent test binaries do not collide.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use herd::transport::{SshTarget, TransportConfig};
use tempfile::TempDir;

pub const SSHD: &str = "/usr/sbin/sshd";

/// One host of the fleet.
#[derive(Debug, Clone)]
pub struct FleetHost {
    pub name: String,
    pub address: String,
    pub port: u16,
}

pub struct SshdFleet {
    pub dir: TempDir,
    pub client_key: PathBuf,
    pub known_hosts: PathBuf,
    pub hosts: Vec<FleetHost>,
    /// Login user of every target (the user running the tests).
    pub user: String,
    procs: Mutex<Vec<Option<Child>>>,
}

/// True when sshd can be used. Without it the caller should skip the test,
/// except under CI, where a missing sshd is a broken setup.
pub fn available() -> bool {
    if Path::new(SSHD).exists() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{SSHD} is missing; install openssh-server");
    }
    eprintln!("skipping: {SSHD} is not installed");
    false
}

static FLEETS: AtomicU32 = AtomicU32::new(0);

impl SshdFleet {
    /// Starts `n` hosts, or returns None (after saying why) when sshd is absent outside CI.
    pub fn try_start(n: usize) -> Option<SshdFleet> {
        available().then(|| SshdFleet::start(n))
    }

    pub fn start(n: usize) -> SshdFleet {
        SshdFleet::start_with(n, "")
    }

    /// Like [`SshdFleet::try_start`], with `extra` appended to every host's
    /// sshd_config (e.g. a lower MaxSessions).
    pub fn try_start_with(n: usize, extra: &str) -> Option<SshdFleet> {
        available().then(|| SshdFleet::start_with(n, extra))
    }

    pub fn start_with(n: usize, extra: &str) -> SshdFleet {
        assert!((1..=250).contains(&n), "fleet size {n} out of range");
        let dir = tempfile::Builder::new()
            .prefix("herd-sshd-")
            .tempdir()
            .expect("temp dir");
        let (a, b) = block();
        let addresses: Vec<String> = (0..n).map(|i| format!("127.{a}.{b}.{}", i + 1)).collect();
        let port = free_port(&addresses[0]);
        let client_key = dir.path().join("client_key");
        keygen(&client_key);
        std::fs::copy(
            client_key.with_extension("pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("authorized_keys");
        let _ = std::fs::create_dir_all("/run/sshd");

        let user = whoami();
        let mut hosts = Vec::new();
        let mut known = String::new();
        for (i, address) in addresses.iter().enumerate() {
            let key = dir.path().join(format!("host{i}_ed25519"));
            keygen(&key);
            let cfg = dir.path().join(format!("sshd{i}.conf"));
            let text = sshd_config(dir.path(), i, address, port) + extra;
            std::fs::write(&cfg, text).expect("sshd config");
            hosts.push(FleetHost {
                name: format!("node{i}"),
                address: address.clone(),
                port,
            });
            known.push_str(&format!("[{address}]:{port} {}\n", public_key(&key)));
        }
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(&known_hosts, known).expect("known_hosts");
        let fleet = SshdFleet {
            dir,
            client_key,
            known_hosts,
            hosts,
            user,
            procs: Mutex::new(Vec::new()),
        };
        let children: Vec<Option<Child>> = (0..n).map(|i| Some(fleet.spawn(i))).collect();
        *fleet.procs.lock().unwrap() = children;
        for i in 0..n {
            fleet.wait_listening(i);
        }
        fleet
    }

    fn spawn(&self, i: usize) -> Child {
        let cfg = self.dir.path().join(format!("sshd{i}.conf"));
        let log = self.log_path(i);
        Command::new(SSHD)
            .arg("-D")
            .arg("-f")
            .arg(&cfg)
            .arg("-E")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sshd")
    }

    fn wait_listening(&self, i: usize) {
        let h = &self.hosts[i];
        let addr: SocketAddr = format!("{}:{}", h.address, h.port).parse().unwrap();
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if start.elapsed() > Duration::from_secs(15) {
                let log = std::fs::read_to_string(self.log_path(i)).unwrap_or_default();
                panic!(
                    "sshd for {} did not start listening on {addr}; log:\n{log}",
                    h.name
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_path(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("sshd{i}.log"))
    }

    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.log_path(i)).unwrap_or_default()
    }

    fn listener_pid(&self, i: usize) -> Option<u32> {
        self.procs.lock().unwrap()[i].as_ref().map(Child::id)
    }

    /// The listener and every session process under it.
    fn host_pids(&self, i: usize) -> Vec<u32> {
        let Some(root) = self.listener_pid(i) else {
            return Vec::new();
        };
        let mut pids = vec![root];
        pids.extend(descendants(root));
        pids
    }

    /// Kills host `i`'s sshd and all its sessions; connections drop at once.
    pub fn kill_host(&self, i: usize) {
        let pids = self.host_pids(i);
        signal(&pids, libc::SIGKILL);
        if let Some(mut child) = self.procs.lock().unwrap()[i].take() {
            let _ = child.wait();
        }
    }

    pub fn kill(&self) {
        for i in 0..self.hosts.len() {
            self.kill_host(i);
        }
    }

    /// Freezes host `i` (SIGSTOP on sshd and its sessions): peers see silence.
    pub fn pause_host(&self, i: usize) {
        signal(&self.host_pids(i), libc::SIGSTOP);
    }

    pub fn resume_host(&self, i: usize) {
        signal(&self.host_pids(i), libc::SIGCONT);
    }

    pub fn restart_host(&self, i: usize) {
        self.kill_host(i);
        let child = self.spawn(i);
        self.procs.lock().unwrap()[i] = Some(child);
        self.wait_listening(i);
    }

    /// The known_hosts line for host `i`, as the fleet recorded it.
    pub fn host_key_line(&self, i: usize) -> String {
        let h = &self.hosts[i];
        format!("[{}]:{} {}", h.address, h.port, self.host_public_key(i))
    }

    /// `ssh-ed25519 AAAA...` of host `i`.
    pub fn host_public_key(&self, i: usize) -> String {
        public_key(&self.dir.path().join(format!("host{i}_ed25519")))
    }

    pub fn target(&self, i: usize) -> SshTarget {
        let h = &self.hosts[i];
        SshTarget {
            name: h.name.clone(),
            address: h.address.clone(),
            port: h.port,
            user: self.user.clone(),
            identity_files: vec![self.client_key.clone()],
            jump: Vec::new(),
            host_keys: Default::default(),
            web_client: None,
        }
    }

    pub fn targets(&self) -> Vec<SshTarget> {
        (0..self.hosts.len()).map(|i| self.target(i)).collect()
    }

    pub fn transport_config(&self) -> TransportConfig {
        TransportConfig {
            known_hosts: self.known_hosts.clone(),
            accept_new: false,
            connect_timeout: Duration::from_secs(15),
            keepalive_interval: Duration::from_secs(2),
            keepalive_max: 3,
            max_channels: 8,
            max_handshakes: 16,
            use_agent: false,
        }
    }

    /// Writes a fresh known_hosts file in the fleet's directory.
    pub fn write_known_hosts(&self, file: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).expect("write known_hosts");
        path
    }
}

impl Drop for SshdFleet {
    fn drop(&mut self) {
        for i in 0..self.hosts.len() {
            let pids = self.host_pids(i);
            // Frozen processes must be woken to die promptly and be reaped.
            signal(&pids, libc::SIGKILL);
            signal(&pids, libc::SIGCONT);
        }
        for child in self.procs.lock().unwrap().iter_mut().flatten() {
            let _ = child.wait();
        }
    }
}

/// 127.A.B.0/24 for this fleet: A from the pid, B from a per-process counter.
fn block() -> (u32, u32) {
    let pid = std::process::id();
    let n = FLEETS.fetch_add(1, Ordering::Relaxed);
    let a = 1 + (pid / 250 + n / 250) % 250;
    let b = (pid + n) % 250 + 1;
    (a, b)
}

fn free_port(address: &str) -> u16 {
    let l = std::net::TcpListener::bind((address, 0)).expect("bind a loopback port");
    l.local_addr().unwrap().port()
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen failed for {}", path.display());
}

fn public_key(private: &Path) -> String {
    let text = std::fs::read_to_string(private.with_extension("pub")).expect("read public key");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn sshd_config(dir: &Path, i: usize, address: &str, port: u16) -> String {
    let d = dir.display();
    let mut cfg = format!(
        "ListenAddress {address}:{port}\n\
         HostKey {d}/host{i}_ed25519\n\
         PidFile {d}/sshd{i}.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\n\
         PermitRootLogin prohibit-password\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         StrictModes no\n\
         AllowTcpForwarding yes\n\
         MaxStartups 100:30:200\n\
         LogLevel VERBOSE\n\
         Subsystem sftp internal-sftp\n"
    );
    if supports_per_source_penalties() {
        // Many short test connections from one address must not get it banned.
        cfg.push_str("PerSourcePenalties no\n");
    }
    cfg
}

/// PerSourcePenalties exists from OpenSSH 9.8; older sshd rejects the keyword.
fn supports_per_source_penalties() -> bool {
    static ANSWER: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ANSWER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("k");
        keygen(&key);
        let cfg = dir.path().join("c");
        std::fs::write(
            &cfg,
            format!("HostKey {}\nPerSourcePenalties no\n", key.display()),
        )
        .unwrap();
        Command::new(SSHD)
            .arg("-t")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn signal(pids: &[u32], sig: i32) {
    for &pid in pids {
        // SAFETY: kill(2) has no memory effects; the pids are our own children.
        unsafe {
            libc::kill(pid as i32, sig);
        }
    }
}

/// Every process whose ancestry leads to `root`, from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // The command name may contain spaces; fields resume after ')'.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == p && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}
