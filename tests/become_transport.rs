//! Commands through sudo (`become`) against a real OpenSSH server and the
//! real sudo: what the command sees (user, stdin, quoting, secrets), what
//! comes back (status, signal), and that a timeout leaves nothing behind.
//! The loopback sshd logs in as the user running the tests, root here and
//! in CI, whom sudo lets through without a password.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use herd::transport::record::{self, TaskRecord};
use herd::transport::{
    BecomePassword, Connection, ExecOutput, ExecRequest, Pool, Sudo, TransportError,
};
use support::sshd::SshdFleet;
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "become-pw-5521";

async fn connect(fleet: &SshdFleet) -> (Pool, Arc<Connection>) {
    let pool = Pool::new(fleet.transport_config()).expect("pool");
    let conn = pool
        .connect(&fleet.target(0))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", fleet.log(0)));
    (pool, conn)
}

fn fleet() -> Option<SshdFleet> {
    if !support::sudo::ready() {
        return None;
    }
    SshdFleet::try_start(1)
}

/// nobody without a password, root with one (root's sudo does not read it:
/// the handshake must take it off stdin all the same).
fn sudos() -> [Sudo; 2] {
    [
        Sudo::new("nobody", None).unwrap(),
        Sudo::new("root", Some(BecomePassword::new(PASSWORD))).unwrap(),
    ]
}

async fn run_as(conn: &Connection, sudo: &Sudo, req: ExecRequest) -> ExecOutput {
    conn.exec_as(&req, Some(sudo), &CancellationToken::new())
        .await
        .unwrap_or_else(|e| panic!("exec {:?} as {}: {e}", req.command, sudo.user()))
}

fn command(text: &str) -> ExecRequest {
    ExecRequest {
        command: text.to_string(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_runs_as_the_user_and_its_status_and_signal_come_back() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    for sudo in sudos() {
        let out = run_as(&conn, &sudo, command("id -un; echo err >&2; exit 3")).await;
        assert_eq!(out.stdout_str(), format!("{}\n", sudo.user()));
        assert_eq!(out.stderr_str(), "err\n", "{}", sudo.user());
        assert_eq!(out.exit_status, Some(3));
        let out = run_as(&conn, &sudo, command("kill -USR1 $$")).await;
        assert_eq!(
            (out.exit_status, out.signal.as_deref()),
            (None, Some("USR1")),
            "{}",
            sudo.user()
        );
        // Recorded, as a stage's command is.
        let req = ExecRequest {
            record: Some(TaskRecord {
                run: format!("become-{}", std::process::id()),
                key: record::key("node0", &format!("status-{}", sudo.user()), 1),
                task: "status".into(),
                timeout: None,
            }),
            ..command("id -un; exit 4")
        };
        let key = req.record.as_ref().unwrap().key.clone();
        let out = run_as(&conn, &sudo, req).await;
        assert_eq!(out.stdout_str(), format!("{}\n", sudo.user()));
        assert_eq!(out.exit_status, Some(4));
        let cleanup = record::cleanup_command(&[(format!("become-{}", std::process::id()), key)]);
        conn.exec(&command(&cleanup), &CancellationToken::new())
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_reaches_the_command_whole_and_nothing_else_does() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    for sudo in sudos() {
        let req = ExecRequest {
            stdin: Some(b"hello\nworld".to_vec()),
            ..command("cat")
        };
        assert_eq!(run_as(&conn, &sudo, req).await.stdout_str(), "hello\nworld");
        let req = ExecRequest {
            stdin: Some(vec![b'x'; 3 << 20]),
            ..command("wc -c")
        };
        assert_eq!(
            run_as(&conn, &sudo, req).await.stdout_str().trim(),
            (3 << 20).to_string()
        );
        // No input: EOF at once, and not the password line either.
        let out = run_as(&conn, &sudo, command("cat; echo done")).await;
        assert_eq!(out.stdout_str(), "done\n", "{}", sudo.user());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quoted_argument_arrives_literally_under_sudo() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    for sudo in sudos() {
        for arg in ["'; rm -rf / #", "it's \"$HOME\" `id` $(id) \\n", "a\nb"] {
            let text = format!("printf '%s' {}", herd::shell::quote(arg));
            let out = run_as(&conn, &sudo, command(&text)).await;
            assert_eq!(out.stdout_str(), arg, "{}", sudo.user());
            assert!(out.success());
        }
    }
}

/// A secret's value reaches the command under sudo, recorded or not, and
/// no process on the host has it (or the password) in its argv meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_reach_the_command_and_no_argv() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    let value = format!("s3cr3t-{}", std::process::id());
    let watch = "printf '%s' \"$HERD_SECRET_I1\"; sleep 1 & \
                 cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' >&2; ps -eo args >&2; wait";
    for sudo in sudos() {
        for recorded in [false, true] {
            let run = format!("become-secret-{}", std::process::id());
            let key = record::key("node0", &format!("secret-{}-{recorded}", sudo.user()), 1);
            let req = ExecRequest {
                secrets: vec![("HERD_SECRET_I1".into(), value.clone())],
                record: recorded.then(|| TaskRecord {
                    run: run.clone(),
                    key: key.clone(),
                    task: "secret".into(),
                    timeout: Some(Duration::from_secs(60)),
                }),
                ..command(watch)
            };
            let out = run_as(&conn, &sudo, req).await;
            let argv = out.stderr_str();
            assert_eq!(
                out.stdout_str(),
                value,
                "{} recorded={recorded}",
                sudo.user()
            );
            assert!(argv.contains("sudo "), "the argv dump missed sudo:\n{argv}");
            for hidden in [value.as_str(), PASSWORD] {
                assert!(
                    !argv.contains(hidden),
                    "{hidden} in an argv ({} recorded={recorded}):\n{argv}",
                    sudo.user()
                );
            }
            if recorded {
                conn.exec(
                    &command(&record::cleanup_command(&[(run, key)])),
                    &CancellationToken::new(),
                )
                .await
                .unwrap();
            }
        }
    }
}

/// Processes on this machine (the loopback host) whose command line holds `marker`.
fn left_running(marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(marker) {
            out.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
        }
    }
    out
}

/// A command that ignores TERM and leaves a child: the timeout must take
/// the whole tree run under sudo, the child included.
fn stubborn(marker: &str) -> String {
    format!("trap '' TERM; sh -c 'sleep 300' {marker} & sleep 299; echo {marker}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_whole_tree_run_under_sudo() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    let cases: Vec<(Sudo, bool)> = sudos()
        .into_iter()
        .flat_map(|s| [(s.clone(), false), (s, true)])
        .collect();
    // The four cases at once: each waits out its timeout and its kill.
    let runs = cases.iter().map(|(sudo, recorded)| {
        let conn = conn.clone();
        async move {
            let marker = format!(
                "herd-become-timeout-{}-{}-{recorded}",
                std::process::id(),
                sudo.user()
            );
            let run = format!("become-timeout-{}", std::process::id());
            let key = record::key("node0", &marker, 1);
            let req = ExecRequest {
                timeout: Some(Duration::from_secs(1)),
                record: recorded.then(|| TaskRecord {
                    run: run.clone(),
                    key: key.clone(),
                    task: "timeout".into(),
                    timeout: Some(Duration::from_secs(1)),
                }),
                ..command(&stubborn(&marker))
            };
            let started = Instant::now();
            let err = conn
                .exec_as(&req, Some(sudo), &CancellationToken::new())
                .await
                .unwrap_err();
            let took = started.elapsed();
            if *recorded {
                conn.exec(
                    &command(&record::cleanup_command(&[(run, key)])),
                    &CancellationToken::new(),
                )
                .await
                .unwrap();
            }
            (marker, err, took)
        }
    });
    for ((sudo, recorded), (marker, err, took)) in
        cases.iter().zip(futures::future::join_all(runs).await)
    {
        let what = format!("{} recorded={recorded}", sudo.user());
        assert!(
            matches!(err, TransportError::CommandTimeout { .. }),
            "{what}: {err}"
        );
        assert!(took < Duration::from_secs(15), "{what}: {took:?}");
        // The kill ends before the error returns; allow the reaping a moment.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !left_running(&marker).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(left_running(&marker), Vec::<String>::new(), "{what}");
    }
    // The connection still runs commands: the slots were given back.
    let out = run_as(&conn, &sudos()[0], command("echo ok")).await;
    assert_eq!(out.stdout_str(), "ok\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_under_sudo_belongs_to_the_user() {
    let Some(fleet) = fleet() else { return };
    let (_pool, conn) = connect(&fleet).await;
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let dest = dir.path().join("made/by/nobody.txt");
    conn.upload_as(
        b"payload\n",
        dest.to_str().unwrap(),
        0o640,
        Some(&sudos()[0]),
    )
    .await
    .unwrap();
    let nobody = nobody_uid();
    for p in [
        dest.as_path(),
        dest.parent().unwrap(),
        &dir.path().join("made"),
    ] {
        assert_eq!(
            std::fs::metadata(p).unwrap().uid(),
            nobody,
            "{}",
            p.display()
        );
    }
    let meta = std::fs::metadata(&dest).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(std::fs::read(&dest).unwrap(), b"payload\n");
    // With a password (read by no one here) the bytes still arrive whole.
    let local = dir.path().join("local.bin");
    std::fs::write(&local, vec![7u8; 300_000]).unwrap();
    let remote = dir.path().join("root/copy.bin");
    conn.upload_file_as(&local, remote.to_str().unwrap(), 0o600, Some(&sudos()[1]))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&remote).unwrap(), vec![7u8; 300_000]);
}

fn nobody_uid() -> u32 {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"nobody")).then(|| f[2].parse().unwrap())
        })
        .expect("a nobody user")
}
