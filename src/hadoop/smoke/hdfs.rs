//! The hdfs check: 1.5 MiB of random bytes written to HDFS from one host,
//! their sha256 taken there; read back on another host (so the bytes came
//! over the network from the DataNodes, not from the writer's disk) and
//! their sha256 compared; then deleted, past the trash. As the HDFS
//! superuser's account, under /tmp (which the bring-up makes 1777), so it
//! needs no home directory.

use std::time::Duration;

use super::active::{self, NAMENODE};
use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::Deadline;
use super::log_tail::{self, LogTail};
use super::placement::two_clients;
use crate::hadoop::settings::Account;
use crate::shell::quote as q;
use crate::transport::ExecOutput;

pub const CHECK: Check = Check {
    name: "hdfs",
    needs: &["namenode", "datanode"],
    limit: Duration::from_secs(90),
    run: |s, d| Box::pin(run(s, d)),
    clean: |s, d| Box::pin(clean(s, d)),
};

/// Less than a block: one pipeline of DataNodes, written and read whole.
const SIZE: u64 = 1536 * 1024;

/// The `sha256 <hex>` (and `bytes <n>`) line the scripts print.
pub fn digest(stdout: &str) -> Option<(String, Option<u64>)> {
    stdout.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        if words.next()? != "sha256" {
            return None;
        }
        let hex = words.next()?;
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = match (words.next(), words.next()) {
            (Some("bytes"), Some(n)) => n.parse().ok(),
            _ => None,
        };
        Some((hex.to_string(), bytes))
    })
}

struct Plan {
    writer: String,
    reader: String,
    same_host: bool,
    path: String,
    local: String,
}

fn plan(s: &Smoke<'_>) -> Result<Plan, String> {
    let (writer, reader) =
        two_clients(s.inv).ok_or("no host has the Hadoop configuration to run hdfs dfs on")?;
    Ok(Plan {
        reader: reader.clone().unwrap_or_else(|| writer.clone()),
        same_host: reader.is_none(),
        writer,
        path: format!("/tmp/{}", s.name()),
        local: format!("/tmp/{}.local", s.name()),
    })
}

/// The hdfs tool as the HDFS superuser's account.
fn hdfs(s: &Smoke<'_>) -> String {
    s.as_account(
        Account::Hdfs,
        &q(&format!("{}/bin/hdfs", s.settings().hadoop_home())),
    )
}

/// Writes the bytes to `local`, prints their sum, puts them at `path`
/// with `tool` (the hdfs command), and removes `local`.
fn write_script(tool: &str, local: &str, path: &str) -> String {
    format!(
        "cd / || exit 1\nf={local}\nrm -f \"$f\"\n\
         head -c {SIZE} /dev/urandom > \"$f\" && chmod 644 \"$f\" || exit 1\n\
         echo \"sha256 $(sha256sum < \"$f\" | cut -d' ' -f1)\"\n\
         {tool} dfs -put \"$f\" {path}\nrc=$?\nrm -f \"$f\"\nexit $rc\n",
        local = q(local),
        path = q(path),
    )
}

/// Reads `path` into `local` with `tool`, prints its sum and size, and
/// removes `local`.
fn read_script(tool: &str, local: &str, path: &str) -> String {
    format!(
        "cd / || exit 1\nf={local}\nrm -f \"$f\"\n\
         {tool} dfs -cat {path} > \"$f\"\nrc=$?\n\
         [ $rc -eq 0 ] && echo \"sha256 $(sha256sum < \"$f\" | cut -d' ' -f1) bytes $(wc -c < \"$f\")\"\n\
         rm -f \"$f\"\nexit $rc\n",
        local = q(local),
        path = q(path),
    )
}

/// A step that failed: its reason, the client's output and the active
/// NameNode's log.
async fn failed(
    s: &Smoke<'_>,
    host: &str,
    what: &str,
    r: Result<ExecOutput, String>,
    d: &Deadline,
) -> Verdict {
    let (reason, mut logs) = match r {
        Err(e) => (format!("{what} on {host}: {e}"), Vec::new()),
        Ok(out) => (
            format!(
                "{what} on {host} failed ({}): {}",
                exit_words(&out),
                crate::probe::short(&out.stderr_tail(1))
            ),
            vec![LogTail::of_output(host, what, &out)],
        ),
    };
    logs.extend(namenode_log(s, d).await);
    Verdict::fail_with(reason, logs)
}

/// The active NameNode's log (the first NameNode's when none says active).
async fn namenode_log(s: &Smoke<'_>, d: &Deadline) -> Option<LogTail> {
    let nn = match active::find(s, &NAMENODE, d).await {
        Ok(h) => h,
        Err(_) => s.topo.hosts("namenode").first()?.clone(),
    };
    log_tail::daemon(s, &nn, "namenode").await
}

fn exit_words(out: &ExecOutput) -> String {
    match out.exit_status {
        Some(c) => format!("exit {c}"),
        None => "killed".into(),
    }
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let p = match plan(s) {
        Ok(p) => p,
        Err(e) => return Verdict::fail(e),
    };
    let put = format!("hdfs dfs -put {}", p.path);
    let written = match s
        .remote
        .run(&p.writer, &write_script(&hdfs(s), &p.local, &p.path), d)
        .await
    {
        Ok(out) if out.success() => match digest(&out.stdout_str()) {
            Some((hex, _)) => hex,
            None => {
                return Verdict::fail(format!(
                    "{put} on {}: no sha256 of the bytes written",
                    p.writer
                ));
            }
        },
        r => return failed(s, &p.writer, &put, r, d).await,
    };
    let cat = format!("hdfs dfs -cat {}", p.path);
    let read = match s
        .remote
        .run(&p.reader, &read_script(&hdfs(s), &p.local, &p.path), d)
        .await
    {
        Ok(out) if out.success() => digest(&out.stdout_str()),
        r => return failed(s, &p.reader, &cat, r, d).await,
    };
    match read {
        Some((hex, bytes)) if hex == written && bytes == Some(SIZE) => {}
        Some((hex, bytes)) => {
            return failed_compare(s, &p, &written, &hex, bytes, d).await;
        }
        None => {
            return Verdict::fail(format!(
                "{cat} on {}: no sha256 of the bytes read",
                p.reader
            ));
        }
    }
    let rm = format!("hdfs dfs -rm -skipTrash {}", p.path);
    match s
        .remote
        .run(
            &p.reader,
            &format!("{} dfs -rm -skipTrash {}", hdfs(s), q(&p.path)),
            d,
        )
        .await
    {
        Ok(out) if out.success() => {}
        r => return failed(s, &p.reader, &rm, r, d).await,
    }
    let from = if p.same_host {
        format!(
            "read back on {} (the only host with the Hadoop configuration)",
            p.reader
        )
    } else {
        format!("read back on {}", p.reader)
    };
    Verdict::Pass(format!(
        "{} KiB written to {} from {} (sha256 {}...), {from} with the same sha256, deleted (hdfs dfs as {})",
        SIZE / 1024,
        p.path,
        p.writer,
        &written[..12],
        s.user(Account::Hdfs)
    ))
}

async fn failed_compare(
    s: &Smoke<'_>,
    p: &Plan,
    written: &str,
    read: &str,
    bytes: Option<u64>,
    d: &Deadline,
) -> Verdict {
    let got = bytes.map_or("an unknown number of".to_string(), |b| b.to_string());
    let reason = format!(
        "{} read back on {} differs from what {} wrote: {got} bytes with sha256 {read}, want {SIZE} with sha256 {written}",
        p.path, p.reader, p.writer
    );
    Verdict::fail_with(reason, namenode_log(s, d).await.into_iter().collect())
}

async fn clean(s: &Smoke<'_>, d: &Deadline) -> Result<(), String> {
    let p = plan(s)?;
    let script = format!(
        "rm -f {}\n{} dfs -rm -f -skipTrash {} {} >/dev/null\n",
        q(&p.local),
        hdfs(s),
        q(&p.path),
        q(&format!("{}._COPYING_", p.path))
    );
    let out = s.remote.run(&p.writer, &script, d).await?;
    if !p.same_host {
        let _ = s
            .remote
            .run(&p.reader, &format!("rm -f {}", q(&p.local)), d)
            .await;
    }
    if out.success() {
        Ok(())
    } else {
        Err(format!(
            "{} may be left in HDFS: {}",
            p.path,
            out.stderr_tail(1)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::output::run_locally;

    #[test]
    fn the_digest_line_is_found_among_the_clients_chatter() {
        let hex = "a".repeat(64);
        assert_eq!(
            digest(&format!("WARN something\nsha256 {hex}\n")),
            Some((hex.clone(), None))
        );
        assert_eq!(
            digest(&format!("sha256 {hex} bytes 1572864\n")),
            Some((hex.clone(), Some(1_572_864)))
        );
        assert_eq!(
            digest("sha256 \n"),
            None,
            "an empty sum (sha256sum missing)"
        );
        assert_eq!(digest("sha256 xyz bytes 3\n"), None);
    }

    #[test]
    fn the_scripts_sum_what_they_write_and_what_they_read() {
        // A stand-in for `hdfs dfs -put` and `-cat` over a directory.
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("hdfs");
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        std::fs::write(
            &tool,
            format!(
                "#!/bin/sh\ncase \"$2\" in\n  -put) cp \"$3\" {s}/\"$(basename \"$4\")\" ;;\n  -cat) cat {s}/\"$(basename \"$3\")\" ;;\nesac\n",
                s = store.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let tool = tool.display().to_string();
        let local = dir.path().join("x.local").display().to_string();
        let sh = |script: String| {
            let out = run_locally("sh", dir.path(), &script);
            assert!(out.success(), "{}", out.stderr_str());
            digest(&out.stdout_str())
        };
        let (written, _) = sh(write_script(&tool, &local, "/tmp/herd-smoke-1")).unwrap();
        assert!(
            !std::path::Path::new(&local).exists(),
            "the local copy is removed"
        );
        assert_eq!(
            std::fs::metadata(store.join("herd-smoke-1")).unwrap().len(),
            SIZE
        );
        let read = sh(read_script(&tool, &local, "/tmp/herd-smoke-1"));
        assert_eq!(read, Some((written, Some(SIZE))));
        assert!(!std::path::Path::new(&local).exists());
        // A read that fails prints no digest and keeps the tool's status.
        let out = run_locally(
            "sh",
            dir.path(),
            &read_script("false", &local, "/tmp/herd-smoke-1"),
        );
        assert_eq!(out.exit_status, Some(1));
        assert_eq!(digest(&out.stdout_str()), None);
    }
}
