//! The production case: an unprivileged operator whose sudo rule needs a
//! password. The test makes a throwaway user with a password and a sudoers
//! rule, logs the loopback fleet in as that user, and removes both at the
//! end. It shows what root's sudo cannot: the pre-run check and its
//! verdicts, `--ask-become-pass`, and a timeout killing the become user's
//! processes, which the login user may not signal itself.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::case::{Case, Outcome};

const PASSWORD: &str = "Op-pw 7719";

/// A user made for this test, removed (with its home and sudoers rule)
/// when dropped.
struct Operator {
    name: String,
}

impl Operator {
    fn create() -> Option<Operator> {
        if !Path::new("/usr/sbin/useradd").exists() {
            eprintln!("skipping: useradd is not installed");
            return None;
        }
        let name = format!("herd-op-{}", std::process::id());
        let made = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", &name])
            .status()
            .expect("useradd");
        assert!(made.success(), "useradd {name} failed");
        let op = Operator { name };
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd");
        use std::io::Write;
        chpasswd
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{}:{PASSWORD}\n", op.name).as_bytes())
            .unwrap();
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
        op.allow("(ALL)");
        Some(op)
    }

    fn rule_path(&self) -> PathBuf {
        PathBuf::from(format!("/etc/sudoers.d/{}", self.name))
    }

    /// The operator may run anything as `runas` (sudoers syntax), with a password.
    fn allow(&self, runas: &str) {
        let path = self.rule_path();
        std::fs::write(&path, format!("{} ALL={runas} ALL\n", self.name)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o440)).unwrap();
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.rule_path());
        let _ = Command::new("userdel")
            .args(["-r", "-f", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

fn inventory(case: &Case, op: &Operator) -> PathBuf {
    let h = &case.fleet.hosts[0];
    let text = format!(
        "cluster: test\ndefaults:\n  user: {}\n  become: true\nssh:\n  identity_files: [{}]\n  known_hosts: {}\n  use_ssh_config: false\nvars:\n  out: {}\nhosts:\n  - name: node0\n    address: {}\n    port: {}\n",
        op.name,
        case.fleet.client_key.display(),
        case.fleet.known_hosts.display(),
        case.path("out").display(),
        h.address,
        h.port
    );
    let p = case.path("inventory.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn herd(case: &Case, args: &[&str], stdin: Option<&str>) -> Outcome {
    use std::io::Write;
    let mut child = case
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn herd");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Processes on this machine whose command line holds `marker`.
fn left_running(marker: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
                let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                if cmd.contains(marker) {
                    out.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
                }
            }
        }
        if out.is_empty() || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ends what a failed assertion would leave behind, by pid.
fn kill_left(found: &[String]) {
    for line in found {
        if let Some(pid) = line.split(':').next().and_then(|p| p.parse::<i32>().ok()) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

#[test]
fn an_operator_whose_sudo_needs_a_password() {
    if !support::sudo::ready() {
        return;
    }
    let Some(case) = Case::new(1, "herd-become-op-") else {
        return;
    };
    let Some(op) = Operator::create() else { return };
    // The operator reads the fleet's authorized_keys and writes in `out`.
    for (p, mode) in [
        (case.fleet.dir.path().to_path_buf(), 0o755),
        (case.fleet.dir.path().join("authorized_keys"), 0o644),
        (case.dir.path().to_path_buf(), 0o755),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::create_dir(case.path("out")).unwrap();
    std::fs::set_permissions(case.path("out"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let inv = inventory(&case, &op);
    let inv = inv.to_str().unwrap();
    let marker = format!("herd-op-timeout-{}", std::process::id());
    let pb = case.playbook(&format!(
        r#"
name: operator
stages:
  - name: first
    hosts: all
    run: printf '%s %s' "$(id -un)" "$SUDO_USER" > {{{{ vars.out }}}}/first
  - name: svc
    hosts: all
    become_user: nobody
    run: id -un > {{{{ vars.out }}}}/svc
  - name: slow
    hosts: all
    become_user: nobody
    timeout: 1s
    run: trap '' TERM; sh -c 'sleep 300' {marker} & sleep 299
"#
    ));
    let pb = pb.to_str().unwrap();

    // Without the password: refused before anything runs, with the reason.
    let check = herd(&case, &["check", "-i", inv], None);
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("needs a password (as root)")
            && check.stdout.contains("--ask-become-pass"),
        "{}",
        check.stdout
    );
    let run = herd(&case, &["run", pb, "-i", inv], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "sudo refused on node0: stage 'first' runs as root there: needs a password (sudo: a password is required); re-run with --ask-become-pass"
        ),
        "{}",
        run.stderr
    );
    assert!(!case.path("out/first").exists(), "a stage ran");
    let lease = PathBuf::from(format!("/home/{}/.herd/lease", op.name));
    let leases: Vec<_> = std::fs::read_dir(&lease)
        .map(|d| d.flatten().count())
        .into_iter()
        .collect();
    assert!(
        leases.iter().all(|&n| n == 0),
        "the lease was left taken: {leases:?}"
    );

    // A wrong password is told apart.
    let wrong = herd(
        &case,
        &["run", pb, "-i", inv, "--ask-become-pass"],
        Some("not-it\n"),
    );
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains(": wrong password ("),
        "{}",
        wrong.stderr
    );
    assert!(!case.path("out/first").exists(), "a stage ran");

    // With it: the stages run as root and nobody, and the timeout leaves
    // none of nobody's processes behind.
    let ok = herd(
        &case,
        &["run", pb, "-i", inv, "--ask-become-pass"],
        Some(&format!("{PASSWORD}\n")),
    );
    let found = left_running(&marker);
    kill_left(&found);
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    assert!(ok.stderr.contains("stage 'slow' failed"), "{}", ok.stderr);
    assert!(ok.stderr.contains("timed out"), "{}", ok.stderr);
    let read = |f: &str| std::fs::read_to_string(case.path("out").join(f)).unwrap();
    assert_eq!(read("first"), format!("root {}", op.name));
    assert_eq!(read("svc"), "nobody\n");
    assert_eq!(
        found,
        Vec::<String>::new(),
        "left running after the timeout"
    );

    // herd exec: the same kill without a task record.
    let exec_marker = format!("{marker}-exec");
    let exec = herd(
        &case,
        &[
            "exec",
            "-i",
            inv,
            "--ask-become-pass",
            "--become-user",
            "nobody",
            "--timeout",
            "1s",
            "--",
            &format!("trap '' TERM; sh -c 'sleep 300' {exec_marker} & sleep 299"),
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    let found = left_running(&exec_marker);
    kill_left(&found);
    assert_eq!(exec.code, 1, "{}\n{}", exec.stdout, exec.stderr);
    assert!(exec.stdout.contains("timed out"), "{}", exec.stdout);
    assert_eq!(
        found,
        Vec::<String>::new(),
        "left running after exec's timeout"
    );

    let check = herd(
        &case,
        &["check", "-i", inv, "--ask-become-pass"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("ok (as root)"), "{}", check.stdout);

    // A rule for root only does not let the operator become nobody.
    op.allow("(root)");
    let refused = herd(
        &case,
        &[
            "exec",
            "-i",
            inv,
            "--ask-become-pass",
            "--become-user",
            "nobody",
            "--",
            "id",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stdout
            .contains("sudo as nobody: not allowed (Sorry, user"),
        "{}",
        refused.stdout
    );
    for text in [&ok.stdout, &ok.stderr, &exec.stdout, &refused.stdout] {
        assert!(!text.contains(PASSWORD), "the password was shown:\n{text}");
    }
}
