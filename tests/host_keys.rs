//! herd and ssh(1) give the same host key verdict for the same known_hosts
//! files, case by case, against a real sshd on loopback.
//!
//! Each case runs `ssh -o StrictHostKeyChecking=yes` (then `accept-new`)
//! and `herd check` (then `herd check --accept-new`) on the same files. The
//! inventory host is `node0` at a loopback address, so ssh(1) is run as
//! `ssh -o HostName=ADDRESS node0`, the same host as herd sees it. herd reads
//! the global file (and, in some cases, the user file and HostKeyAlias) from
//! ~/.ssh/config, as its inventory enables ssh_config.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use support::case::Case;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accept,
    Refuse,
}
use Verdict::{Accept, Refuse};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    AcceptNew,
}

struct HostKeyCase {
    name: &'static str,
    /// Lines of the user known_hosts file; `{key}` is the host's key,
    /// `{wrong}` another key, `{addr}`/`{port}` where sshd listens, `{name}`
    /// the inventory name, `{hashed}`/`{hashed16}` `[addr]:port` hashed with
    /// a 20-byte and a 16-byte salt.
    user: &'static str,
    /// Lines of the global known_hosts file (GlobalKnownHostsFile).
    global: &'static str,
    alias: Option<&'static str>,
    /// The user file is named by ssh_config's UserKnownHostsFile rather
    /// than the inventory's `ssh.known_hosts`.
    user_file_from_ssh_config: bool,
    /// What OpenSSH decides with StrictHostKeyChecking yes and accept-new.
    strict: Verdict,
    accept_new: Verdict,
}

const fn case(
    name: &'static str,
    user: &'static str,
    global: &'static str,
    strict: Verdict,
    accept_new: Verdict,
) -> HostKeyCase {
    HostKeyCase {
        name,
        user,
        global,
        alias: None,
        user_file_from_ssh_config: false,
        strict,
        accept_new,
    }
}

const fn aliased(mut c: HostKeyCase, alias: &'static str) -> HostKeyCase {
    c.alias = Some(alias);
    c
}

const fn user_file_from_ssh_config(mut c: HostKeyCase) -> HostKeyCase {
    c.user_file_from_ssh_config = true;
    c
}

const CASES: &[HostKeyCase] = &[
    case("address line", "[{addr}]:{port} {key}", "", Accept, Accept),
    // ssh(1) looks up the HostName it connects to, never the name typed.
    case(
        "name line only",
        "[{name}]:{port} {key}",
        "",
        Refuse,
        Accept,
    ),
    case("bare name line only", "{name} {key}", "", Refuse, Accept),
    case(
        "name line right, address line wrong",
        "[{name}]:{port} {key}\n[{addr}]:{port} {wrong}",
        "",
        Refuse,
        Refuse,
    ),
    case(
        "name line wrong, address line right",
        "[{name}]:{port} {wrong}\n[{addr}]:{port} {key}",
        "",
        Accept,
        Accept,
    ),
    case(
        "address line, wrong key",
        "[{addr}]:{port} {wrong}",
        "",
        Refuse,
        Refuse,
    ),
    case("no line", "", "", Refuse, Accept),
    // Off port 22, a key under the bare address is found "without port
    // identifier"; another key there does not count as changed.
    case("bare address line", "{addr} {key}", "", Accept, Accept),
    case(
        "bare address line, wrong key",
        "{addr} {wrong}",
        "",
        Refuse,
        Accept,
    ),
    aliased(
        case(
            "HostKeyAlias line",
            "cluster-node {key}",
            "",
            Accept,
            Accept,
        ),
        "cluster-node",
    ),
    aliased(
        case(
            "HostKeyAlias set, address line only",
            "[{addr}]:{port} {key}",
            "",
            Refuse,
            Accept,
        ),
        "cluster-node",
    ),
    aliased(
        case(
            "HostKeyAlias line wrong, address line right",
            "cluster-node {wrong}\n[{addr}]:{port} {key}",
            "",
            Refuse,
            Refuse,
        ),
        "cluster-node",
    ),
    case(
        "key only in the global file",
        "",
        "[{addr}]:{port} {key}",
        Accept,
        Accept,
    ),
    case(
        "wrong key in the global file, right in the user file",
        "[{addr}]:{port} {key}",
        "[{addr}]:{port} {wrong}",
        Accept,
        Accept,
    ),
    case(
        "address line, @revoked in the global file",
        "[{addr}]:{port} {key}",
        "@revoked * {key}",
        Refuse,
        Refuse,
    ),
    case(
        "@revoked for another key",
        "[{addr}]:{port} {key}",
        "@revoked * {wrong}",
        Accept,
        Accept,
    ),
    case("hashed, 20-byte salt", "{hashed} {key}", "", Accept, Accept),
    case(
        "hashed, 16-byte salt (skipped)",
        "{hashed16} {key}",
        "",
        Refuse,
        Accept,
    ),
    case(
        "hashed, 16-byte salt, wrong address line",
        "{hashed16} {key}\n[{addr}]:{port} {wrong}",
        "",
        Refuse,
        Refuse,
    ),
    case(
        "@cert-authority for the address only",
        "@cert-authority [{addr}]:{port} {wrong}",
        "",
        Refuse,
        Accept,
    ),
    case(
        "@cert-authority with the host's own key",
        "@cert-authority * {key}",
        "",
        Refuse,
        Accept,
    ),
    user_file_from_ssh_config(case(
        "UserKnownHostsFile from ssh_config",
        "[{addr}]:{port} {key}",
        "",
        Accept,
        Accept,
    )),
    user_file_from_ssh_config(case(
        "UserKnownHostsFile from ssh_config, wrong key",
        "[{addr}]:{port} {wrong}",
        "",
        Refuse,
        Refuse,
    )),
    user_file_from_ssh_config(case(
        "UserKnownHostsFile from ssh_config, no line",
        "",
        "",
        Refuse,
        Accept,
    )),
];

/// What one case's placeholders stand for.
struct Fill {
    key: String,
    wrong: String,
    addr: String,
    port: u16,
}

impl Fill {
    fn text(&self, template: &str) -> String {
        let lookup = format!("[{}]:{}", self.addr, self.port);
        let out = template
            .replace("{hashed16}", &hashed(b"0123456789abcdef", &lookup))
            .replace("{hashed}", &hashed(b"0123456789abcdefghij", &lookup))
            .replace("{key}", &self.key)
            .replace("{wrong}", &self.wrong)
            .replace("{addr}", &self.addr)
            .replace("{port}", &self.port.to_string())
            .replace("{name}", "node0");
        if out.is_empty() { out } else { out + "\n" }
    }
}

fn hashed(salt: &[u8], name: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
    mac.update(name.as_bytes());
    let hash = mac.finalize().into_bytes();
    format!("|1|{}|{}", B64.encode(salt), B64.encode(hash))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `ssh` against the fleet's host as the inventory describes it.
fn ssh(case: &Case, mode: Mode, user_file: &Path, global: &Path, alias: Option<&str>) -> Verdict {
    let h = &case.fleet.hosts[0];
    let strict = match mode {
        Mode::Strict => "yes",
        Mode::AcceptNew => "accept-new",
    };
    let mut cmd = Command::new("ssh");
    cmd.args([
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "CheckHostIP=no",
    ])
    .args(["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"])
    .arg("-o")
    .arg(format!("StrictHostKeyChecking={strict}"))
    .arg("-o")
    .arg(format!("UserKnownHostsFile={}", user_file.display()))
    .arg("-o")
    .arg(format!("GlobalKnownHostsFile={}", global.display()))
    .arg("-o")
    .arg(format!("HostName={}", h.address))
    .arg("-i")
    .arg(&case.fleet.client_key)
    .arg("-p")
    .arg(h.port.to_string())
    .arg("-l")
    .arg(&case.fleet.user);
    if let Some(alias) = alias {
        cmd.arg("-o").arg(format!("HostKeyAlias={alias}"));
    }
    let out = cmd
        .args(["node0", "true"])
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Accept
    } else if stderr.contains("Host key verification failed") {
        Refuse
    } else {
        panic!("ssh failed for another reason: {stderr}");
    }
}

/// `herd check` with the same files: the user file from the inventory or
/// from ssh_config, the global file and HostKeyAlias from ssh_config.
fn herd(case: &Case, c: &HostKeyCase, mode: Mode, user_file: &Path, global: &Path) -> Verdict {
    let h = &case.fleet.hosts[0];
    let mut config = format!("Host *\n    GlobalKnownHostsFile {}\n", global.display());
    if let Some(alias) = c.alias {
        config.push_str(&format!("    HostKeyAlias {alias}\n"));
    }
    let known_hosts = if c.user_file_from_ssh_config {
        config.push_str(&format!("    UserKnownHostsFile {}\n", user_file.display()));
        String::new()
    } else {
        format!("  known_hosts: {}\n", user_file.display())
    };
    write(&case.path(".ssh/config"), &config);
    // Nothing but the case's files may vouch: not a key an earlier case
    // recorded in the default ~/.ssh/known_hosts.
    let _ = std::fs::remove_file(case.path(".ssh/known_hosts"));
    let inventory = case.path("inventory.yaml");
    write(
        &inventory,
        &format!(
            "cluster: test\nssh:\n  identity_files: [{}]\n{known_hosts}  use_ssh_config: true\n  connect_timeout: 10s\nhosts:\n  - name: node0\n    address: {}\n    port: {}\n    user: {}\n    roles: [nodes]\n",
            case.fleet.client_key.display(),
            h.address,
            h.port,
            case.fleet.user
        ),
    );
    let mut args = vec![
        "--output",
        "json",
        "check",
        "-i",
        inventory.to_str().unwrap(),
    ];
    if mode == Mode::AcceptNew {
        args.push("--accept-new");
    }
    let out = case.herd(&args);
    let checks: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("herd check output: {e}\n{}{}", out.stdout, out.stderr));
    let host_key = checks[0]["host_key"].as_str().unwrap_or_default();
    match (out.code, host_key) {
        (0, "known" | "recorded (new)") => Accept,
        (1, "UNKNOWN" | "CHANGED" | "REVOKED") => Refuse,
        _ => panic!(
            "herd failed for another reason (exit {}): {}{}",
            out.code, out.stdout, out.stderr
        ),
    }
}

/// Like `support::sshd::available`, for the client the verdicts are compared with.
fn ssh_client_available() -> bool {
    let runs = Command::new("ssh")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs && std::env::var_os("CI").is_some() {
        panic!("ssh(1) is missing; install openssh-client");
    }
    if !runs {
        eprintln!("skipping: ssh(1) is not installed");
    }
    runs
}

#[test]
fn herd_and_ssh_agree_on_every_host_key_case() {
    if !ssh_client_available() {
        return;
    }
    let Some(case) = Case::new(1, "herd-host-keys-") else {
        return;
    };
    let other = case.path("other_key");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(st.success());
    let wrong = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let h = &case.fleet.hosts[0];
    let fill = Fill {
        key: case.fleet.host_public_key(0),
        wrong: wrong
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" "),
        addr: h.address.clone(),
        port: h.port,
    };

    let mut table = vec![format!(
        "{:<52} {:<16} {:<16}",
        "case", "strict ssh/herd", "accept-new ssh/herd"
    )];
    let mut disagreements = Vec::new();
    for (i, c) in CASES.iter().enumerate() {
        let mut row = format!("{:<52}", c.name);
        for (mode, expected) in [(Mode::Strict, c.strict), (Mode::AcceptNew, c.accept_new)] {
            let dir = case.path(&format!("case{i}-{mode:?}"));
            let global = dir.join("global");
            write(&global, &fill.text(c.global));
            let files: Vec<PathBuf> = ["ssh", "herd"].iter().map(|t| dir.join(t)).collect();
            for f in &files {
                write(f, &fill.text(c.user));
            }
            let by_ssh = ssh(&case, mode, &files[0], &global, c.alias);
            let by_herd = herd(&case, c, mode, &files[1], &global);
            row.push_str(&format!(" {:<16}", format!("{by_ssh:?}/{by_herd:?}")));
            if by_ssh != expected || by_herd != by_ssh {
                disagreements.push(format!(
                    "{} ({mode:?}): expected {expected:?}, ssh {by_ssh:?}, herd {by_herd:?}",
                    c.name
                ));
            }
            // What --accept-new recorded, ssh(1) must find.
            if mode == Mode::AcceptNew && by_herd == Accept {
                let again = ssh(&case, Mode::Strict, &files[1], &global, c.alias);
                if again != Accept {
                    disagreements.push(format!(
                        "{}: ssh does not accept what herd recorded: {}",
                        c.name,
                        std::fs::read_to_string(&files[1]).unwrap()
                    ));
                }
            }
        }
        table.push(row);
    }
    println!("{}", table.join("\n"));
    assert!(
        disagreements.is_empty(),
        "{}\n\n{}",
        disagreements.join("\n"),
        table.join("\n")
    );
}
