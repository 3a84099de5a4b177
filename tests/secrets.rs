//! Secret variables end to end: `!secret` and `!secret_env` values reach the
//! host's command, and nothing herd writes or shows holds them, nor does any
//! process's argv on the host.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::case::Case;

const VALUE: &str = "hunter2";
const PLAYBOOK_VALUE: &str = "pbkey-7731";

/// Every file below `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_nowhere(what: &str, text: &str) {
    for v in [VALUE, PLAYBOOK_VALUE] {
        assert!(!text.contains(v), "{what} shows a secret value:\n{text}");
    }
}

#[test]
fn a_secret_reaches_the_host_and_nothing_herd_writes_or_runs_shows_it() {
    let Some(case) = Case::new(2, "herd-secrets-") else {
        return;
    };
    let inv = case.inventory_with(
        &case.fleet.known_hosts,
        "10s",
        &format!("db_password: !secret {VALUE}"),
    );
    let pb = case.playbook(&format!(
        r#"
name: secrets
vars:
  api_key: !secret {PLAYBOOK_VALUE}
stages:
  - name: use
    hosts: all
    run: |
      echo "pw=$(printf %s {{{{ vars.db_password }}}})" > {{{{ vars.work }}}}/got-{{{{ host.name }}}}
      printf %s {{{{ vars.api_key | raw }}}} > {{{{ vars.work }}}}/key-{{{{ host.name }}}}
      echo said {{{{ vars.db_password }}}} {{{{ vars.api_key }}}}
      echo told {{{{ vars.db_password }}}} >&2
  - name: watch
    hosts: all
    run: |
      printf %s {{{{ vars.db_password }}}} >/dev/null
      sleep 2 &
      cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' > {{{{ vars.work }}}}/argv-{{{{ host.name }}}}
      ps -eo args >> {{{{ vars.work }}}}/argv-{{{{ host.name }}}} 2>/dev/null || true
      wait
"#
    ));

    let plan = case.herd(&["plan", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("\"$HERD_SECRET_I1\""),
        "plan does not show the reference:\n{}",
        plan.stdout
    );
    assert_nowhere("herd plan stdout", &plan.stdout);
    assert_nowhere("herd plan stderr", &plan.stderr);

    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
    assert_nowhere("herd run stdout", &out.stdout);
    assert_nowhere("herd run stderr", &out.stderr);
    for h in &case.fleet.hosts {
        let got = std::fs::read_to_string(case.path(&format!("got-{}", h.name))).unwrap();
        assert_eq!(got, format!("pw={VALUE}\n"), "host {}", h.name);
        let key = std::fs::read_to_string(case.path(&format!("key-{}", h.name))).unwrap();
        assert_eq!(key, PLAYBOOK_VALUE, "host {}", h.name);
        let argv = std::fs::read_to_string(case.path(&format!("argv-{}", h.name))).unwrap();
        assert!(
            argv.contains("HERD_SECRET_I1"),
            "the snapshot missed the command itself:\n{argv}"
        );
        assert_nowhere("the host's process list", &argv);
    }

    // A failing task's stderr ends up in the error message, the JSON and the journal.
    let failing = case.path("failing.yaml");
    std::fs::write(
        &failing,
        "name: failing\nstages:\n  - name: fail\n    hosts: all\n    run: \"echo bad {{ vars.db_password }} >&2; exit 3\"\n",
    )
    .unwrap();
    let json = case.herd(&[
        "run",
        failing.to_str().unwrap(),
        "-i",
        inv.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    assert!(json.stdout.contains("bad ***"), "{}", json.stdout);
    assert_nowhere("--output json stdout", &json.stdout);
    assert_nowhere("--output json stderr", &json.stderr);
    let human = case.run(&failing, &inv);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(
        format!("{}{}", human.stdout, human.stderr).contains("bad ***"),
        "{}",
        human.stderr
    );
    assert_nowhere("herd run stdout (failure)", &human.stdout);
    assert_nowhere("herd run stderr (failure)", &human.stderr);

    // The journal: events, outputs and the copies of the inputs, all 0600 in 0700 directories.
    let state = case.state();
    let all = files(&state);
    assert!(all.len() > 6, "{all:?}");
    let mut masked_output = false;
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_nowhere(&f.display().to_string(), &text);
        masked_output |= text.contains("said *** ***");
    }
    assert!(masked_output, "no journaled output of `use`");
    for dir in case.run_dirs() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        for f in files(&dir) {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
}

#[test]
fn secret_env_reads_the_controllers_environment_and_an_unset_one_is_bad_input() {
    let Some(case) = Case::new(1, "herd-secrets-") else {
        return;
    };
    let inv = case.inventory_with(
        &case.fleet.known_hosts,
        "10s",
        "db_password: !secret_env HERD_TEST_DB_PASSWORD",
    );
    let pb = case.playbook(
        "name: env\nstages:\n  - name: use\n    hosts: all\n    run: \"printf %s {{ vars.db_password }} > {{ vars.work }}/got; echo {{ vars.db_password }}\"\n",
    );
    let args = ["run", pb.to_str().unwrap(), "-i", inv.to_str().unwrap()];
    let out = case
        .command(&args)
        .env("HERD_TEST_DB_PASSWORD", VALUE)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(case.path("got")).unwrap(), VALUE);
    assert_nowhere("herd stdout", &String::from_utf8_lossy(&out.stdout));
    assert_nowhere("herd stderr", &stderr);
    for f in files(&case.state()) {
        assert_nowhere(
            &f.display().to_string(),
            &String::from_utf8_lossy(&std::fs::read(&f).unwrap()),
        );
    }

    let runs = case.run_dirs().len();
    let unset = case
        .command(&args)
        .env_remove("HERD_TEST_DB_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&unset.stderr);
    assert_eq!(unset.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("HERD_TEST_DB_PASSWORD"), "{stderr}");
    assert!(stderr.contains("inventory.yaml:"), "no location: {stderr}");
    assert_eq!(case.run_dirs().len(), runs, "a run was journaled");
}

#[test]
fn an_unknown_tag_in_vars_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory.yaml");
    std::fs::write(
        &inv,
        "cluster: t\nvars:\n  ok: !secret fine\n  bad: !vault abc\nhosts:\n  - name: h1\n",
    )
    .unwrap();
    let err = herd::model::Inventory::load(&inv).unwrap_err().to_string();
    assert!(err.contains("inventory.yaml:4:"), "{err}");
    assert!(err.contains("unknown tag '!vault'"), "{err}");
    assert!(!err.contains("fine"), "{err}");

    let pb = "name: p\nvars:\n  n: !secret 1234\n  multi: !secret \"a\\nb\"\nstages:\n  - name: s\n    run: \"true\"\n";
    let err = herd::model::Playbook::parse(pb, "p.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("p.yaml:3:"), "{err}");
    assert!(err.contains("!secret takes a string"), "{err}");
    assert!(err.contains("p.yaml:4:"), "{err}");
    assert!(err.contains("one line"), "{err}");
}

#[test]
fn a_replay_runs_the_playbook_whose_journal_copy_is_masked() {
    let Some(case) = Case::new(1, "herd-secrets-") else {
        return;
    };
    let inv = case.inventory_with(&case.fleet.known_hosts, "10s", "");
    let pb = case.playbook(&format!(
        r#"
name: replayed
vars:
  api_key: !secret {PLAYBOOK_VALUE}
stages:
  - name: first
    hosts: all
    run: "true"
  - name: second
    hosts: all
    run: "test -f {{{{ vars.work }}}}/go && printf %s {{{{ vars.api_key }}}} > {{{{ vars.work }}}}/got"
"#
    ));
    let out = case.run(&pb, &inv);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let saved = std::fs::read_to_string(case.run_dirs()[0].join("playbook.yaml")).unwrap();
    assert!(saved.contains("!secret ***"), "{saved}");
    std::fs::write(case.path("go"), "").unwrap();
    let replay = case.herd(&["replay", "-i", inv.to_str().unwrap()]);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert_eq!(
        std::fs::read_to_string(case.path("got")).unwrap(),
        PLAYBOOK_VALUE
    );

    // A changed inventory is shown as a diff, its secrets masked.
    std::fs::remove_file(case.path("go")).unwrap();
    assert_eq!(case.run(&pb, &inv).code, 1);
    let inv = case.inventory_with(
        &case.fleet.known_hosts,
        "10s",
        &format!("db_password: !secret {VALUE}-new"),
    );
    std::fs::write(case.path("go"), "").unwrap();
    let changed = case.herd(&["replay", "-i", inv.to_str().unwrap(), "--allow-changed"]);
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    assert!(
        changed.stderr.contains("inventory changed"),
        "{}",
        changed.stderr
    );
    assert_nowhere("herd replay stderr (inventory diff)", &changed.stderr);

    // Once the playbook is edited, the masked copy cannot stand in for it.
    std::fs::remove_file(case.path("go")).unwrap();
    assert_eq!(case.run(&pb, &inv).code, 1);
    std::fs::write(&pb, std::fs::read_to_string(&pb).unwrap() + "\n").unwrap();
    std::fs::write(case.path("go"), "").unwrap();
    let refused = case.herd(&["replay", "-i", inv.to_str().unwrap(), "--allow-changed"]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("secret values masked"),
        "{}",
        refused.stderr
    );
    assert_nowhere("herd replay stderr", &refused.stderr);
}

#[test]
fn a_secret_renders_as_a_reference_and_only_on_its_own() {
    use herd::engine::template::{TemplateContext, render, render_raw};
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory.yaml");
    std::fs::write(
        &inv,
        format!("cluster: t\nvars:\n  pw: !secret {VALUE}\n  list: [a, !secret {VALUE}]\nhosts:\n  - name: h1\n"),
    )
    .unwrap();
    let inv = herd::model::Inventory::load(&inv).unwrap();
    let pb = herd::model::Playbook::parse(
        "name: p\nstages:\n  - name: s\n    hosts: all\n    run: \"true\"\n",
        "p.yaml",
    )
    .unwrap();
    let ctx = TemplateContext::new(&inv, &pb, 0);
    let r = |t: &str| render(t, &ctx);
    assert_eq!(r("echo {{ vars.pw }}").unwrap(), "echo \"$HERD_SECRET_I1\"");
    assert_eq!(
        r("echo {{ vars.pw | raw }}").unwrap(),
        "echo \"$HERD_SECRET_I1\""
    );
    assert_eq!(
        r("echo {{ host.vars.pw }}").unwrap(),
        "echo \"$HERD_SECRET_I1\""
    );
    assert_eq!(
        r("echo {{ vars.list }}").unwrap(),
        "echo a \"$HERD_SECRET_I2\""
    );
    for misuse in [
        "echo {{ 'x' ~ vars.pw }}",
        "echo {{ ('x' ~ vars.pw) | raw }}",
        "echo {{ vars.pw | upper }}",
    ] {
        let e = r(misuse).unwrap_err().message;
        assert!(!e.contains(VALUE), "{e}");
        assert!(e.contains("secret") || e.contains("NUL"), "{misuse}: {e}");
    }
    assert!(render_raw("{{ vars.pw }}", &ctx).is_err());
    let secrets = &inv.secrets;
    assert_eq!(
        secrets.referenced("echo \"$HERD_SECRET_I1\""),
        vec![("HERD_SECRET_I1".to_string(), VALUE.to_string())]
    );
    assert_eq!(secrets.mask(&format!("a {VALUE} b")), "a *** b");
}

#[test]
fn a_secret_in_a_hadoop_setting_is_refused() {
    let text = format!(
        r#"
cluster: s
vars:
  overrides:
    core-site: {{ hadoop.http.authentication.signature.secret: !secret {VALUE} }}
hosts:
  - {{ name: m1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }}
  - {{ name: m2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager, mesos-master] }}
  - {{ name: m3, roles: [zookeeper, journalnode, historyserver, mesos-master] }}
  - {{ name: w1, roles: [datanode, nodemanager, mesos-agent] }}
"#
    );
    let inv = herd::model::Inventory::parse(&text, Path::new("inline.yaml")).unwrap();
    let err = herd::hadoop::validate(&inv).unwrap_err().to_string();
    assert!(err.contains("secret variable cannot be used here"), "{err}");
    assert!(err.contains("inline.yaml:5:"), "{err}");
    assert_nowhere("the error", &err);
}
