//! The systemd units of a host whose supervisor is systemd, one per daemon,
//! and the tmpfiles.d entry that brings the pid directory back at boot.
//!
//! Bigtop's units run `--daemon start` as `Type=forking` with `Restart=no`,
//! so systemd has to guess the main pid and nothing restarts a daemon that
//! dies. Here each daemon runs in the foreground (`Type=simple`, the unit's
//! main process is the JVM) and `Restart=on-failure` brings it back after a
//! crash or `kill -9`; the JVM's exit status after SIGTERM (143) counts as
//! a clean stop. The NodeManager's unit kills only its main process, so its
//! containers survive a NodeManager restart as `recovery.supervised`
//! expects (systemd's default would kill the whole cgroup). The limits are
//! those production guides give Hadoop's daemons (nofile and nproc 65536).
//! `After=` orders the daemons of one host (ZooKeeper and JournalNodes
//! before a NameNode, ...); across hosts every daemon waits for what it
//! needs by itself or is restarted until it is there.

use crate::hadoop::services::{Launcher, Service};
use crate::hadoop::settings::Settings;

/// Seconds before systemd starts a failed daemon again.
pub const RESTART_SEC: u32 = 5;

/// One word of a unit file's command line or assignment: bare when it
/// holds nothing systemd reads specially, else double-quoted with `\` and
/// `"` escaped, `$` doubled (no variable expansion) and `%` doubled (no
/// specifier expansion).
pub fn word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c));
    if plain {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The unit of `svc`; `others` are the roles on the same host.
pub fn unit(s: &Settings, svc: &Service, others: &[&str]) -> Vec<u8> {
    let mut after_units = vec![
        "network-online.target".to_string(),
        "remote-fs.target".to_string(),
    ];
    for dep in svc.after {
        if others.contains(dep)
            && let Some(d) = crate::hadoop::services::service(dep)
        {
            after_units.push(d.unit_file());
        }
    }
    let (program, args) = svc.foreground(s);
    let mut exec = word(&program);
    for a in &args {
        exec.push(' ');
        exec.push_str(&word(a));
    }
    // Unquoted, systemd splits the variable into words and drops it when
    // empty or unset.
    let env_file = match crate::hadoop::daemon_control::startup_options_var(svc.role) {
        Some(var) => {
            exec.push_str(&format!(" ${var}"));
            let file = crate::hadoop::daemon_control::startup_options_file(s, svc.role);
            format!("EnvironmentFile=-{}\n", word(&file))
        }
        None => String::new(),
    };
    let mut out = format!(
        "# {header}\n\
         [Unit]\n\
         Description={title}\n\
         After={after}\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         User={user}\n\
         Group={group}\n\
         Environment={java}\n\
         {env_file}\
         ExecStart={exec}\n\
         SuccessExitStatus=143\n\
         Restart=on-failure\n\
         RestartSec={RESTART_SEC}\n\
         TimeoutStopSec=90\n\
         LimitNOFILE=65536\n\
         LimitNPROC=65536\n",
        header = crate::hadoop::xml::HEADER,
        title = svc.title,
        after = after_units.join(" "),
        user = word(svc.user(s)),
        group = word(&s.users.group),
        java = word(&format!("JAVA_HOME={}", s.java_home)),
    );
    // In the foreground the launchers log to the console (the journal);
    // operators and log shippers look for the files `--daemon` writes.
    if let Launcher::Hadoop { subcmd, .. } = svc.launcher {
        out.push_str("Environment=HADOOP_ROOT_LOGGER=INFO,RFA\n");
        // Account names are plain words (checked when read); %H is the host name.
        out.push_str(&format!(
            "Environment=HADOOP_LOGFILE=hadoop-{}-{subcmd}-%H.log\n",
            svc.user(s)
        ));
    }
    if svc.role == "nodemanager" {
        out.push_str("KillMode=process\n");
    }
    out.push_str("\n[Install]\nWantedBy=multi-user.target\n");
    out.into_bytes()
}

/// `/etc/tmpfiles.d/herd.conf`: the pid directory, which is on a tmpfs
/// (`/run`) on most hosts and gone after a reboot, made again at boot
/// before any unit starts, as the bring-up makes it.
pub fn tmpfiles(s: &Settings) -> Vec<u8> {
    format!(
        "# {}\nd {} 0775 root {} -\n",
        crate::hadoop::xml::HEADER,
        s.dirs.pid.replace('%', "%%"),
        s.users.group
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(word("/opt/hadoop/bin/hdfs"), "/opt/hadoop/bin/hdfs");
        assert_eq!(word("a b"), "\"a b\"");
        assert_eq!(word("$HOME"), "\"$$HOME\"");
        assert_eq!(word("50%"), "\"50%%\"");
        assert_eq!(word("say \"x\\y\""), "\"say \\\"x\\\\y\\\"\"");
        assert_eq!(word(""), "\"\"");
    }
}
