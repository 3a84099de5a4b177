//! The health figures of `herd status` without a cluster: canned readings
//! of the sandbox layout with HDFS and YARN figures, judged as status
//! judges them (missing and corrupt blocks degrade; the NameNode heap rule,
//! a full heap and failed volumes warn), shown in the table and `--json`;
//! and `herd check --offline` sizing the configured NameNode heap.

mod support;

use std::path::Path;
use std::process::Command;

use herd::hadoop::observe::{
    self, HdfsFigures, Heap, Layout, MesosReading, NameNodeReading, Readings, RmReading,
    VolumeFailure, YarnFigures, ZkReading,
};
use herd::hadoop::settings::Health;

const MIB: u64 = 1024 * 1024;

fn layout() -> Layout {
    support::readings::sandbox().2
}

/// What the sandbox's active NameNode said after bringup (tests/fixtures/jmx).
fn figures() -> HdfsFigures {
    HdfsFigures {
        files: 30,
        blocks: 9,
        missing_blocks: 0,
        missing_blocks_replication_one: 0,
        corrupt_blocks: 0,
        under_replicated_blocks: 0,
        capacity_used: 891_453_875,
        capacity_total: 811_659_522_048,
        heap: Some(Heap {
            used: 53 * MIB,
            max: 324_403_200,
        }),
        failed_volumes: Vec::new(),
    }
}

/// Every daemon running, nn1 and rm1 active with their figures.
fn healthy(layout: &Layout, hdfs: HdfsFigures) -> Readings {
    let mut r = support::readings::all_running(layout);
    let nn = |id: &str, host: &str, state: &str, hdfs: Option<HdfsFigures>| NameNodeReading {
        id: id.into(),
        host: host.into(),
        state: Ok(state.into()),
        live_datanodes: Some(3),
        fs_state: Some("Operational".into()),
        hdfs,
        datanodes: None,
        rolling_upgrade: None,
    };
    // The standby counts too, differently: only the active's figures count.
    let mut standby = hdfs.clone();
    standby.missing_blocks = 99;
    r.namenodes = vec![
        nn("nn1", "master1", "active", Some(hdfs)),
        nn("nn2", "master2", "standby", Some(standby)),
    ];
    let rm = |id: &str, host: &str, state: &str, yarn: Option<YarnFigures>| RmReading {
        id: id.into(),
        host: host.into(),
        ha_state: Ok(state.into()),
        active_nodes: yarn.as_ref().map(|_| 3),
        yarn,
    };
    r.resourcemanagers = vec![
        rm(
            "rm1",
            "master1",
            "ACTIVE",
            Some(YarnFigures {
                apps_running: 1,
                apps_pending: 2,
                memory_allocated_mb: 512,
                memory_total_mb: 3072,
            }),
        ),
        rm("rm2", "master2", "STANDBY", None),
    ];
    r.zookeepers = (1..=3)
        .map(|i| ZkReading {
            myid: i,
            host: format!("master{i}"),
            mode: Ok(if i == 3 { "leader" } else { "follower" }.into()),
        })
        .collect();
    r.mesos_masters = (1..=3)
        .map(|i| MesosReading {
            host: format!("master{i}"),
            elected: Ok(i == 2),
            activated_agents: (i == 2).then_some(3),
        })
        .collect();
    r
}

#[test]
fn a_healthy_cluster_shows_its_figures_compactly_and_whole_in_json() {
    let l = layout();
    let st = observe::assess(&l, &healthy(&l, figures()));
    assert!(st.cluster.healthy, "{:?}", st.cluster.problems);
    assert!(st.cluster.warnings.is_empty(), "{:?}", st.cluster.warnings);
    let text = observe::format(&st);
    for line in [
        "HDFS objects:             30 files, 9 blocks (missing 0, corrupt 0, under-replicated 0); used 850 MiB of 756 GiB",
        "NameNode heap:            53 MiB used of 309 MiB (the rule asks 9.4 KiB)",
        "YARN:                     apps 1 running, 2 pending; memory 512 of 3072 MB",
    ] {
        assert!(text.contains(line), "no line '{line}' in:\n{text}");
    }
    assert!(text.trim_end().ends_with("\nhealthy"), "{text}");

    let v = serde_json::to_value(&st).unwrap();
    let h = &v["health"];
    for key in [
        "files",
        "blocks",
        "missing_blocks",
        "missing_blocks_replication_one",
        "corrupt_blocks",
        "under_replicated_blocks",
        "capacity_used",
        "capacity_total",
        "failed_volumes",
    ] {
        assert!(h["hdfs"].get(key).is_some(), "health.hdfs.{key}: {h}");
    }
    assert_eq!(h["hdfs"]["heap"]["max"], 324_403_200);
    // 9 blocks x 1 GiB / 1e6, above (30 + 9) x 150 bytes.
    assert_eq!(h["suggested_namenode_heap"], 9664);
    assert_eq!(h["yarn"]["memory_total_mb"], 3072);
    assert_eq!(h["yarn"]["apps_pending"], 2);
    assert_eq!(v["cluster"]["warnings"], serde_json::json!([]));
}

#[test]
fn missing_and_corrupt_blocks_degrade_the_cluster_naming_the_counts() {
    let l = layout();
    let mut f = figures();
    f.missing_blocks = 1;
    f.corrupt_blocks = 2;
    let st = observe::assess(&l, &healthy(&l, f));
    assert!(!st.cluster.healthy);
    assert_eq!(
        st.cluster.problems,
        [
            "HDFS: 1 missing block(s), no good replica left (hdfs fsck / -list-corruptfileblocks names the files)",
            "HDFS: 2 block(s) with corrupt replicas (hdfs fsck / -list-corruptfileblocks names the files)",
        ]
    );
    let text = observe::format(&st);
    assert!(text.contains("DEGRADED: 2 problem(s)\n"), "{text}");
    assert!(
        text.contains("(missing 1, corrupt 2, under-replicated 0)"),
        "{text}"
    );

    let mut f = figures();
    f.missing_blocks = 3;
    f.missing_blocks_replication_one = 3;
    let st = observe::assess(&l, &healthy(&l, f));
    assert!(
        st.cluster.problems[0].contains(
            "3 missing block(s), no good replica left, 3 of them of files with replication 1"
        ),
        "{:?}",
        st.cluster.problems
    );
}

#[test]
fn a_heap_below_the_rule_warns_with_the_figure_and_the_suggested_heap() {
    let l = layout();
    let mut f = figures();
    // The seed's example: 5 million blocks want 5 GB, far above 309 MiB.
    f.files = 3_000_000;
    f.blocks = 5_000_000;
    let st = observe::assess(&l, &healthy(&l, f));
    assert!(
        st.cluster.healthy,
        "warnings do not degrade: {:?}",
        st.cluster.problems
    );
    assert_eq!(
        st.cluster.warnings,
        [
            "NameNode nn1 (master1) heap max 309 MiB is below the 5.0 GiB the rule asks for 3000000 files and 5000000 blocks (1g per million blocks, at least (files + blocks) x 150 bytes): raise vars.heap.namenode to at least 5g"
        ]
    );
    assert_eq!(st.health.suggested_namenode_heap, Some(5 * 1024 * MIB));
    let text = observe::format(&st);
    assert!(
        text.contains("\nhealthy, 1 warning(s)\n  ! NameNode nn1 (master1) heap max 309 MiB"),
        "{text}"
    );
}

#[test]
fn a_heap_used_above_its_threshold_warns() {
    let l = layout();
    let mut f = figures();
    f.heap = Some(Heap {
        used: 270 * MIB,
        max: 300 * MIB,
    });
    let st = observe::assess(&l, &healthy(&l, f.clone()));
    assert_eq!(
        st.cluster.warnings,
        [
            "NameNode nn1 (master1) heap 270 MiB used of 300 MiB (90%, above vars.health.heap_used_warn_pct 80%): raise vars.heap.namenode to at least 338m"
        ]
    );
    assert_eq!(
        st.health.suggested_namenode_heap,
        Some(270 * MIB * 100 / 80)
    );

    // The operator's threshold, from vars.health.
    let mut l = layout();
    l.health = Health {
        heap_used_warn_pct: 95,
        ..Health::default()
    };
    let st = observe::assess(&l, &healthy(&l, f));
    assert!(st.cluster.warnings.is_empty(), "{:?}", st.cluster.warnings);
}

#[test]
fn a_datanode_with_failed_volumes_warns_naming_host_and_volume() {
    let l = layout();
    let mut f = figures();
    f.failed_volumes = vec![
        VolumeFailure {
            host: "worker2".into(),
            volumes: 1,
            locations: vec!["/data2/hadoop/hdfs/data".into()],
            capacity_lost: 2 * 1024 * 1024 * MIB,
        },
        VolumeFailure {
            host: "worker3".into(),
            volumes: 2,
            locations: Vec::new(),
            capacity_lost: 0,
        },
    ];
    let st = observe::assess(&l, &healthy(&l, f));
    assert!(st.cluster.healthy);
    assert_eq!(
        st.cluster.warnings,
        [
            "DataNode worker2: 1 failed volume(s) (/data2/hadoop/hdfs/data; about 2.0 TiB lost): replace the disk, then restart the DataNode",
            "DataNode worker3: 2 failed volume(s) (locations not reported): replace the disk, then restart the DataNode",
        ]
    );
}

#[test]
fn without_an_active_namenode_there_are_no_figures() {
    let l = layout();
    let mut r = healthy(&l, figures());
    r.namenodes[0].state = Ok("standby".into());
    let st = observe::assess(&l, &r);
    assert_eq!(st.health.hdfs, None);
    assert_eq!(st.health.suggested_namenode_heap, None);
    let text = observe::format(&st);
    assert!(text.contains("HDFS objects:             ?\n"), "{text}");
    assert!(text.contains("NameNode heap:            ?\n"), "{text}");
    // The standby's 99 missing blocks are not the cluster's verdict.
    assert!(!st.cluster.problems.iter().any(|p| p.contains("missing")));
}

fn herd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(args)
        .env(
            "HERD_STATE_DIR",
            std::env::temp_dir().join("herd-health-test"),
        )
        .output()
        .unwrap()
}

fn inventory(dir: &Path, vars: &str) -> String {
    let path = dir.join("inv.yaml");
    std::fs::write(
        &path,
        format!(
            "cluster: t\nvars:\n{vars}hosts:\n  - {{ name: m1, address: 127.0.0.1, roles: [namenode] }}\n"
        ),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn check_offline_warns_when_the_configured_heap_is_below_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(
        dir.path(),
        "  heap: { namenode: 2g }\n  health: { expected_files: 4000000, expected_blocks: 6000000 }\n",
    );
    let out = herd(&["check", "-i", &inv, "--offline"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "warning: vars.heap.namenode 2g is below the 6.0 GiB that 4000000 files and 6000000 blocks (vars.health.expected_*) call for (1g per million blocks, at least (files + blocks) x 150 bytes): set it to at least 6g"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("--offline"));

    let json = herd(&["check", "-i", &inv, "--offline", "--output", "json"]);
    assert_eq!(String::from_utf8_lossy(&json.stdout).trim(), "[]");

    let inv = inventory(
        dir.path(),
        "  heap: { namenode: 8g }\n  health: { expected_files: 4000000, expected_blocks: 6000000 }\n",
    );
    let out = herd(&["check", "-i", &inv, "--offline"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "");
}

#[test]
fn bad_vars_health_exit_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), "  health:\n    heap_used_warn_pct: 0\n");
    let out = herd(&["check", "-i", &inv, "--offline"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("inv.yaml:4:")
            && stderr.contains(
                "vars.health.heap_used_warn_pct: heap_used_warn_pct must be from 1 to 100, got 0"
            ),
        "{stderr}"
    );
    // status refuses it as every sub-command refuses a bad inventory.
    let inv = inventory(dir.path(), "  health: { expected_object: 5 }\n");
    let out = herd(&["status", "-i", &inv]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("inv.yaml:3:") && stderr.contains("unknown key 'expected_object'"),
        "{stderr}"
    );
}
