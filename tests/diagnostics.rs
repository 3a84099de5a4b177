//! herd's diagnostics on stderr: `-v` shows the transport's detail, the
//! default does not, and `--output json` keeps stdout to JSON whatever is
//! said on stderr. The host is a closed loopback port: nothing answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// An inventory of one host on a loopback port nothing listens on.
fn unreachable_inventory(dir: &Path) -> PathBuf {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let text = format!(
        "cluster: diag\nssh:\n  known_hosts: {}\n  use_ssh_config: false\n  connect_timeout: 5s\nhosts:\n  - name: nowhere\n    address: 127.0.0.1\n    port: {port}\n    user: nobody\n    roles: [nodes]\n",
        dir.join("known_hosts").display()
    );
    let path = dir.join("inventory.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn herd(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(args)
        .env("HERD_STATE_DIR", dir.join("state"))
        .env("HOME", dir)
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .expect("run herd")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn verbose_shows_transport_detail_on_stderr_and_the_default_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let inv = unreachable_inventory(dir.path());
    let inv = inv.to_str().unwrap();

    let verbose = herd(dir.path(), &["check", "-i", inv, "-v"]);
    assert_eq!(verbose.status.code(), Some(1));
    let err = text(&verbose.stderr);
    assert!(
        err.contains("DEBUG") && err.contains("herd::transport") && err.contains("connecting"),
        "-v shows no transport detail:\n{err}"
    );
    assert!(err.contains("nowhere"), "the detail names no host:\n{err}");
    assert!(
        !text(&verbose.stdout).contains("DEBUG"),
        "diagnostics reached stdout"
    );

    let normal = herd(dir.path(), &["check", "-i", inv]);
    assert_eq!(normal.status.code(), Some(1));
    let err = text(&normal.stderr);
    assert!(
        !err.contains("DEBUG") && !err.contains("herd::transport"),
        "the default shows debug detail:\n{err}"
    );
    // The check's own report is unchanged: the failure is in its table.
    assert!(text(&normal.stdout).contains("1 of 1 host(s) failed"));
}

#[test]
fn json_output_stays_one_event_per_line_with_verbose_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let inv = unreachable_inventory(dir.path());
    let playbook = dir.path().join("playbook.yaml");
    std::fs::write(
        &playbook,
        "name: diag\nstages:\n  - name: touch\n    hosts: all\n    run: \"true\"\n",
    )
    .unwrap();
    let out = herd(
        dir.path(),
        &[
            "run",
            playbook.to_str().unwrap(),
            "-i",
            inv.to_str().unwrap(),
            "--output",
            "json",
            "-v",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(names.first(), Some(&"run_started"), "{stdout}");
    assert!(names.contains(&"host_unreachable"), "{stdout}");
    assert_eq!(names.last(), Some(&"run_finished"), "{stdout}");
    assert!(
        text(&out.stderr).contains("connecting"),
        "-v said nothing on stderr:\n{}",
        text(&out.stderr)
    );
}
