//! `become` end to end: the YAML keys and their errors, and runs, `herd
//! exec`, `herd check` and `herd plan` on a loopback fleet with the real
//! sudo. The fleet logs in as root (the user running the tests), whom sudo
//! lets through without a password; `nobody` is the unprivileged user.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use herd::events::Event;
use herd::model::{Inventory, ModelErrors, Playbook};
use support::case::{Case, Outcome};

fn case(hosts: usize) -> Option<Case> {
    if !support::sudo::ready() {
        return None;
    }
    let case = Case::new(hosts, "herd-become-")?;
    // nobody must reach the scratch directory and write in `out`.
    std::fs::set_permissions(case.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(case.path("out")).unwrap();
    std::fs::set_permissions(case.path("out"), std::fs::Permissions::from_mode(0o777)).unwrap();
    Some(case)
}

/// An inventory of the fleet with `defaults` (YAML lines under `defaults:`)
/// and `host_extra` added to every host entry; each host has `vars.svc: nobody`.
fn inventory(case: &Case, defaults: &str, host_extra: &str, vars: &str) -> PathBuf {
    let mut text = format!(
        "cluster: test\ndefaults:\n  port: 22\n{defaults}ssh:\n  identity_files: [{}]\n  known_hosts: {}\n  use_ssh_config: false\nvars:\n  out: {}\n{vars}hosts:\n",
        case.fleet.client_key.display(),
        case.fleet.known_hosts.display(),
        case.path("out").display()
    );
    for h in &case.fleet.hosts {
        text.push_str(&format!(
            "  - name: {}\n    address: {}\n    port: {}\n    user: {}\n    roles: [nodes]\n    vars: {{ svc: nobody }}\n{host_extra}",
            h.name, h.address, h.port, case.fleet.user
        ));
    }
    let p = case.path("inventory.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn read(case: &Case, name: &str) -> String {
    std::fs::read_to_string(case.path("out").join(name))
        .unwrap_or_else(|e| panic!("out/{name}: {e}"))
}

fn nobody_uid() -> u32 {
    std::fs::read_to_string("/etc/passwd")
        .unwrap()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f[0] == "nobody").then(|| f[2].parse().unwrap())
        })
        .expect("a nobody user")
}

/// `herd ARGS` with `stdin` as its standard input.
fn herd_with_stdin(case: &Case, args: &[&str], stdin: &str) -> Outcome {
    use std::io::Write;
    let mut child = case
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn herd");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn stages_run_guards_and_uploads_as_their_become_user() {
    let Some(case) = case(1) else { return };
    let inv = inventory(&case, "", "", "");
    let local = case.path("payload.txt");
    std::fs::write(&local, "payload\n").unwrap();
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(0o640)).unwrap();
    // A guard that looks for a file named after whoever runs it.
    std::fs::write(case.path("out/made-by-nobody"), "").unwrap();
    let pb = case.playbook(&format!(
        r#"
name: become
stages:
  - name: as-login
    hosts: all
    run: printf '%s %s' "$(id -un)" "${{SUDO_USER-none}}" > {{{{ vars.out }}}}/login
  - name: as-root
    hosts: all
    become: true
    run: printf '%s %s' "$(id -un)" "${{SUDO_USER-none}}" > {{{{ vars.out }}}}/root
  - name: as-svc
    hosts: all
    become_user: "{{{{ host.vars.svc }}}}"
    run: id -un > {{{{ vars.out }}}}/svc
  - name: unless-as-svc
    hosts: all
    become_user: nobody
    unless: '[ "$(id -un)" = nobody ]'
    run: touch {{{{ vars.out }}}}/unless-ran
  - name: creates-as-svc
    hosts: all
    become_user: nobody
    creates: "{{{{ vars.out }}}}/made-by-$(id -un)"
    run: touch {{{{ vars.out }}}}/creates-ran
  - name: upload-as-svc
    hosts: all
    become_user: nobody
    upload:
      src: {local}
      dest: "{{{{ vars.out }}}}/up/deep/payload.txt"
  - name: fails-as-root
    hosts: all
    become: true
    run: exit 3
"#,
        local = local.display()
    ));
    let plan = case.herd(&["plan", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for shown in [
        "as root (sudo)",
        "as nobody (sudo)",
        "run on node0 as nobody: id -un",
    ] {
        assert!(
            plan.stdout.contains(shown),
            "plan lacks {shown:?}:\n{}",
            plan.stdout
        );
    }
    let login_stage = plan.stdout.split("as-root").next().unwrap();
    assert!(!login_stage.contains("(sudo)"), "{}", plan.stdout);

    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "stderr:\n{}", out.stderr);
    assert_eq!(read(&case, "login"), "root none");
    assert_eq!(read(&case, "root"), "root root");
    assert_eq!(read(&case, "svc"), "nobody\n");
    assert!(
        !case.path("out/unless-ran").exists(),
        "unless did not run as nobody"
    );
    assert!(
        !case.path("out/creates-ran").exists(),
        "creates did not run as nobody"
    );
    let dest = case.path("out/up/deep/payload.txt");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "payload\n");
    for p in [dest.as_path(), dest.parent().unwrap(), &case.path("out/up")] {
        assert_eq!(
            std::fs::metadata(p).unwrap().uid(),
            nobody_uid(),
            "{}",
            p.display()
        );
    }
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // The exit status of a command under sudo is the command's.
    let failed = case.last_journal().into_iter().find_map(|e| match e {
        Event::TaskFinished {
            stage, exit_status, ..
        } if stage == "fails-as-root" => Some(exit_status),
        _ => None,
    });
    assert_eq!(failed, Some(Some(3)), "{}", out.stderr);
    assert!(
        out.stderr.contains("exited with status 3"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_inventory_sets_become_per_host_over_its_defaults_and_a_stage_wins() {
    let Some(case) = case(2) else { return };
    // Every host becomes root by default; node1 becomes nobody instead.
    let inv = inventory(&case, "  become: true\n", "", "");
    let text = std::fs::read_to_string(&inv).unwrap().replace(
        "  - name: node1\n",
        "  - name: node1\n    become_user: nobody\n",
    );
    std::fs::write(&inv, text).unwrap();
    let pb = case.playbook(
        r#"
name: levels
stages:
  - name: default
    hosts: all
    run: id -un > {{ vars.out }}/default-{{ host.name }}
  - name: off
    hosts: all
    become: false
    run: id -un > {{ vars.out }}/off-{{ host.name }}; printf '%s' "${SUDO_USER-none}" >> {{ vars.out }}/off-{{ host.name }}
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert_eq!(read(&case, "default-node0"), "root\n");
    assert_eq!(read(&case, "default-node1"), "nobody\n");
    assert_eq!(read(&case, "off-node0"), "root\nnone");
    assert_eq!(read(&case, "off-node1"), "root\nnone");

    // herd check asks sudo where the inventory becomes a user.
    let check = case.herd(&["check", "-i", inv.to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("SUDO"), "{}", check.stdout);
    assert!(check.stdout.contains("ok (as root)"), "{}", check.stdout);
    assert!(check.stdout.contains("ok (as nobody)"), "{}", check.stdout);
    let json = case.herd(&["check", "-i", inv.to_str().unwrap(), "--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[0]["sudo"], "ok", "{}", json.stdout);
    assert_eq!(v[1]["sudo_user"], "nobody", "{}", json.stdout);

    // herd exec follows the inventory, and its flags win.
    let exec = |extra: &[&str]| {
        let mut args = vec!["exec", "-i", inv.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "id", "-un"]);
        case.herd(&args)
    };
    let by_inventory = exec(&[]);
    assert_eq!(by_inventory.code, 0, "{}", by_inventory.stderr);
    assert!(
        by_inventory.stdout.contains("root") && by_inventory.stdout.contains("nobody"),
        "{}",
        by_inventory.stdout
    );
    let flagged = exec(&["--become-user", "nobody"]);
    assert_eq!(flagged.code, 0, "{}", flagged.stderr);
    assert!(!flagged.stdout.contains("root"), "{}", flagged.stdout);
    let bad = exec(&["--become-user", "No Body"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--become-user"), "{}", bad.stderr);
}

#[test]
fn quoting_secrets_and_the_argv_hold_under_sudo() {
    let Some(case) = case(1) else { return };
    let value = "hunter2-become";
    let inv = inventory(
        &case,
        "",
        "    become_user: nobody\n",
        &format!("  evil: \"'; touch /tmp/herd-pwned-$PPID #\"\n  db: !secret {value}\n"),
    );
    let pb = case.playbook(
        r#"
name: quoting
stages:
  - name: write
    hosts: all
    become: true
    run: |
      printf '%s' {{ vars.evil }} > {{ vars.out }}/evil.txt
      printf '%s' {{ vars.db }} > {{ vars.out }}/secret.txt
      id -un > {{ vars.out }}/who
      sleep 2 &
      cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' > {{ vars.out }}/argv
      ps -eo args >> {{ vars.out }}/argv 2>/dev/null || true
      wait
      echo said {{ vars.db }}
"#,
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert_eq!(read(&case, "who"), "nobody\n");
    assert_eq!(read(&case, "evil.txt"), "'; touch /tmp/herd-pwned-$PPID #");
    assert_eq!(read(&case, "secret.txt"), value);
    let argv = read(&case, "argv");
    assert!(argv.contains("sudo -n -H -u nobody"), "{argv}");
    assert!(!argv.contains(value), "the secret is in an argv:\n{argv}");
    for f in files(&case.state()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!text.contains(value), "{} holds the secret", f.display());
    }
}

/// Every file below `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// root's sudo never reads the password, but it goes to the host all the
/// same: it must reach no command's input, argv, journal, event or output.
#[test]
fn the_become_password_is_nowhere_but_on_sudos_stdin() {
    let Some(case) = case(1) else { return };
    let password = "pw-Become-7781";
    let inv = inventory(&case, "  become: true\n", "", "");
    let pb = case.playbook(
        r#"
name: password
stages:
  - name: look
    hosts: all
    run: |
      cat; echo "input was above"
      sleep 2 &
      cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' > {{ vars.out }}/argv
      ps -eo args >> {{ vars.out }}/argv 2>/dev/null || true
      wait
  - name: fail
    hosts: all
    run: exit 9
"#,
    );
    let run = herd_with_stdin(
        &case,
        &[
            "run",
            pb.to_str().unwrap(),
            "-i",
            inv.to_str().unwrap(),
            "--ask-become-pass",
            "--output",
            "json",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    // The task's output, as the journal kept it: its input was empty.
    let output: Vec<String> = files(&case.state())
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned())
        .filter(|t| t.contains("input was above") && !t.contains("name: password"))
        .collect();
    assert_eq!(
        output,
        vec!["input was above\n".to_string()],
        "{}",
        run.stderr
    );
    let argv = read(&case, "argv");
    assert!(argv.contains("sudo -S -p"), "{argv}");
    let exec = herd_with_stdin(
        &case,
        &[
            "exec",
            "-i",
            inv.to_str().unwrap(),
            "--ask-become-pass",
            "--output",
            "json",
            "--",
            "cat; echo done",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(exec.code, 0, "{}", exec.stderr);
    let v: serde_json::Value = serde_json::from_str(&exec.stdout).unwrap();
    assert_eq!(
        v[0]["stdout"], "done\n",
        "the command's stdin was not empty"
    );
    let mut seen = vec![
        ("run stdout", run.stdout),
        ("run stderr", run.stderr),
        ("exec stdout", exec.stdout),
        ("exec stderr", exec.stderr),
        ("argv", argv),
    ];
    for f in files(&case.state()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        seen.push(("journal file", format!("{}:\n{text}", f.display())));
    }
    for (what, text) in seen {
        assert!(
            !text.contains(password),
            "{what} holds the password:\n{text}"
        );
    }
}

#[test]
fn bad_become_keys_are_located_errors_before_anything_runs() {
    let Some(case) = case(1) else { return };
    let inv = inventory(&case, "", "", "");
    let pb = case.playbook(
        "name: bad\nstages:\n  - name: a\n    hosts: all\n    become: yes please\n    become_user: Root\n    run: touch {{ vars.out }}/ran\n",
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("playbook.yaml:5:13: stages[0].become: expected true or false"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("playbook.yaml:6:18: stages[0].become_user: 'Root' is not a user name"),
        "{}",
        out.stderr
    );
    // A become_user that renders empty is the input's fault too.
    let pb = case.playbook(
        "name: empty\nstages:\n  - name: a\n    hosts: all\n    become_user: \"{{ vars.nobody_here | default('') }}\"\n    run: touch {{ vars.out }}/ran\n",
    );
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stages[0].become_user: host node0: become_user renders empty"),
        "{}",
        out.stderr
    );
    assert!(!case.path("out/ran").exists());
    assert!(
        !case.fleet.log(0).contains("Accepted publickey"),
        "herd connected"
    );
}

#[track_caller]
fn assert_model_error(errors: ModelErrors, at: &str, field: &str, text: &str) {
    let shown = errors.to_string();
    let e = errors
        .0
        .iter()
        .find(|e| e.field == field)
        .unwrap_or_else(|| panic!("no error on {field}: {shown}"));
    let loc = e.location.as_ref().expect("located");
    assert_eq!(format!("{}:{}", loc.line, loc.column), at, "{shown}");
    assert!(e.message.contains(text), "{shown}");
}

#[test]
fn the_model_reads_become_keys_and_locates_their_errors() {
    let inv = Inventory::parse(
        "defaults:\n  become: true\n  become_user: admin\nhosts:\n  - name: a\n  - name: b\n    become_user: hdfs\n  - name: c\n    become: false\n",
        Path::new("inv.yaml"),
    )
    .unwrap();
    let users: Vec<(Option<bool>, Option<&str>)> = inv
        .hosts
        .iter()
        .map(|h| (h.privilege.enabled, h.privilege.user.as_deref()))
        .collect();
    assert_eq!(
        users,
        vec![
            (Some(true), Some("admin")),
            (Some(true), Some("hdfs")),
            (Some(false), Some("admin"))
        ]
    );
    let none = Inventory::parse("hosts:\n  - name: a\n", Path::new("i.yaml")).unwrap();
    assert_eq!(none.hosts[0].privilege.enabled, None);

    let bad = Inventory::parse(
        "defaults:\n  become: 1\nhosts:\n  - name: a\n    become_user: \"x y\"\n",
        Path::new("inv.yaml"),
    )
    .unwrap_err();
    assert_model_error(
        bad.clone(),
        "2:11",
        "defaults.become",
        "expected true or false",
    );
    assert_model_error(
        bad,
        "5:18",
        "hosts[0].become_user",
        "'x y' is not a user name",
    );
    let long = format!("hosts:\n  - name: a\n    become_user: {}\n", "u".repeat(33));
    let bad = Inventory::parse(&long, Path::new("inv.yaml")).unwrap_err();
    assert_model_error(bad, "3:18", "hosts[0].become_user", "at most 32");

    let pb = Playbook::parse(
        "stages:\n  - name: a\n    hosts: all\n    become_user: \"{{ vars.u }}\"\n    run: id\n  - name: b\n    hosts: all\n    become: true\n    run: id\n",
        "pb.yaml",
    )
    .unwrap();
    assert_eq!(pb.stages[0].privilege.asks(), Some(true));
    assert_eq!(pb.stages[0].privilege.user.as_deref(), Some("{{ vars.u }}"));
    assert_eq!(pb.stages[1].privilege.user, None);
    let bad = Playbook::parse(
        "stages:\n  - name: a\n    hosts: all\n    become: false\n    become_user: hdfs\n    run: id\n  - name: b\n    hosts: all\n    become_user: \"{{ oops\"\n    run: id\n",
        "pb.yaml",
    )
    .unwrap_err();
    assert_model_error(
        bad.clone(),
        "5:18",
        "stages[0].become_user",
        "would never be used",
    );
    assert_model_error(bad, "9:18", "stages[1].become_user", "invalid template");
}

#[test]
fn a_generated_stage_can_become_and_is_checked_like_a_file() {
    use herd::model::{HostSelector, Stage};
    let ok = Stage::new("s", HostSelector::All)
        .with_run("id")
        .with_become(Some("hdfs"));
    let pb = Playbook::from_stages("generated:t", "t", vec![ok], "").unwrap();
    assert_eq!(pb.stages[0].privilege.user.as_deref(), Some("hdfs"));
    let bad = Stage::new("s", HostSelector::All)
        .with_run("id")
        .with_become(Some("Bad User"));
    let e = Playbook::from_stages("generated:t", "t", vec![bad], "").unwrap_err();
    assert!(e.to_string().contains("stages[0].become_user"), "{e}");
}
