use std::path::Path;
use std::time::Duration;

use super::*;
use crate::model::Inventory;

fn sandbox() -> Topology {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/inventory.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let inv = Inventory::parse(&text, &path).unwrap();
    crate::hadoop::validate(&inv).unwrap()
}

#[test]
fn threshold_is_a_percentage_from_1_to_100() {
    for ok in [1.0, 10.0, 5.5, 100.0] {
        assert!(check_threshold(ok).is_ok(), "{ok}");
    }
    for bad in [0.0, 0.99, 100.01, -5.0, f64::NAN, f64::INFINITY] {
        let e = check_threshold(bad).unwrap_err();
        assert!(e.contains("--threshold") && e.contains("1 to 100"), "{e}");
    }
}

#[test]
fn exit_statuses_map_to_verdicts() {
    let (ok, text) = verdict(0);
    assert!(ok && text.contains("balanced"), "{text}");
    // Nothing can be moved: success, but not called balanced.
    let (ok, text) = verdict(254);
    assert!(ok && text.starts_with("no block can be moved"), "{text}");
    let (ok, text) = verdict(253);
    assert!(!ok && text.contains("5 iterations"), "{text}");
    let (ok, text) = verdict(249);
    assert!(
        !ok && text.contains("-rollingUpgrade finalize") && text.contains("-finalizeUpgrade"),
        "{text}"
    );
    for failed in [250, 251, 252, 255, 1, 137] {
        assert!(!verdict(failed).0, "{failed}");
    }
    assert_eq!(verdict(7).1, "the balancer exited 7");
}

#[test]
fn the_command_runs_the_balancer_as_hdfs_under_the_time_limit() {
    let topo = sandbox();
    let cmd = command(&topo, 10.0, Duration::from_secs(3600));
    let first = cmd.lines().next().unwrap();
    assert_eq!(
        first,
        "timeout -s TERM -k 30 3600 runuser -u hdfs -- /opt/hadoop/bin/hdfs balancer -threshold 10 >/var/log/hadoop/herd-balancer.log 2>&1"
    );
    // Every verdict is an arm of the case, success ones exit 0, others 1.
    for (status, ok, text) in VERDICTS {
        let arm = cmd
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{status})")))
            .unwrap_or_else(|| panic!("no arm for {status}:\n{cmd}"));
        assert!(
            arm.ends_with(if *ok { "exit 0 ;;" } else { "exit 1 ;;" }),
            "{arm}"
        );
        if *status != 252 {
            assert!(
                arm.contains(&quote(&format!("{VERDICT_PREFIX}{text}"))),
                "{arm}"
            );
        }
    }
    let busy = cmd
        .lines()
        .find(|l| l.trim_start().starts_with("252)"))
        .unwrap();
    assert!(
        busy.contains("grep -q 'Another Balancer is running'"),
        "{busy}"
    );
    assert!(
        busy.contains("another balancer is running on this cluster"),
        "{busy}"
    );
    let late = cmd
        .lines()
        .find(|l| l.trim_start().starts_with("124)"))
        .unwrap();
    assert!(late.contains("timed out after 1h"), "{late}");
    // The playbook text is also a template: nothing in it may look like one.
    for t in ["{{", "{%", "{#"] {
        assert!(!cmd.contains(t), "{t} in:\n{cmd}");
    }
}

#[test]
fn fractional_thresholds_pass_through() {
    let cmd = command(&sandbox(), 2.5, Duration::from_secs(90));
    assert!(cmd.contains("balancer -threshold 2.5 >"), "{cmd}");
    assert!(cmd.contains("timeout -s TERM -k 30 90 "), "{cmd}");
}

#[test]
fn the_playbook_is_one_stage_on_the_first_namenode() {
    let b = generate(&sandbox(), 10.0, Duration::from_secs(1800)).unwrap();
    assert_eq!(b.host, "master1");
    assert_eq!(b.playbook.stages.len(), 1);
    let stage = &b.playbook.stages[0];
    assert_eq!(stage.name, STAGE);
    // The engine's limit leaves the balancer's own timeout and its KILL grace room.
    assert_eq!(stage.timeout, Some(Duration::from_secs(1800 + 30 + 60)));
    assert_eq!(
        stage.run.as_deref().map(str::trim_end),
        Some(command(&sandbox(), 10.0, Duration::from_secs(1800)).trim_end())
    );
    assert!(b.text.contains("hosts: \"host:master1\""), "{}", b.text);
    assert_eq!(b.log, "/var/log/hadoop/herd-balancer.log");
}
