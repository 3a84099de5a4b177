//! Inventory and playbook validation, ranges, durations and command templates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use herd::engine::template::{TemplateContext, render, render_raw};
use herd::model::{
    Expectation, HostSelector, Inventory, ModelErrors, Playbook, ProbeCheck, SelectorItem,
    expand_range, parse_duration,
};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn small_inventory() -> Inventory {
    Inventory::load(&fixture("good/small_inventory.yaml")).expect("small inventory is valid")
}

/// Load a bad fixture: inventories alone, playbooks through the plan too.
fn errors_of(name: &str) -> ModelErrors {
    let path = fixture(&format!("bad/{name}"));
    let result = if name.starts_with("inv_") {
        Inventory::load(&path).map(|_| ())
    } else {
        Playbook::load(&path).and_then(|pb| herd::plan::build(&small_inventory(), &pb).map(|_| ()))
    };
    result.expect_err(&format!("{name} should be rejected"))
}

/// The first error is at `line:column`, on `field`, and says `text`.
#[track_caller]
fn assert_error(name: &str, line: usize, column: usize, field: &str, text: &str) {
    let errs = errors_of(name);
    let e = &errs.0[0];
    let loc = e
        .location
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no location in {e}"));
    assert!(loc.file.ends_with(name), "{name}: wrong file in {e}");
    assert_eq!((loc.line, loc.column), (line, column), "{name}: {e}");
    assert_eq!(e.field, field, "{name}: {e}");
    assert!(e.message.contains(text), "{name}: expected '{text}' in {e}");
    let shown = errs.to_string();
    assert!(
        shown.contains(&format!("{name}:{line}:{column}: ")),
        "{shown}"
    );
}

#[test]
fn unknown_top_level_key() {
    assert_error(
        "inv_unknown_top_key.yaml",
        2,
        1,
        "hostz",
        "unknown key 'hostz'",
    );
}

#[test]
fn unknown_nested_key() {
    assert_error(
        "inv_unknown_nested_key.yaml",
        5,
        5,
        "hosts[1].rolez",
        "unknown key 'rolez'",
    );
    assert_error(
        "pb_unknown_key.yaml",
        6,
        23,
        "stages[0].probe.tcp.host",
        "unknown key 'host' (expected one of: port)",
    );
}

#[test]
fn unknown_role_in_stage() {
    assert_error(
        "pb_unknown_role.yaml",
        3,
        28,
        "stages[0].hosts[1]",
        "unknown role 'datnode' (known roles: datanode, namenode, zookeeper)",
    );
}

#[test]
fn bare_name_that_is_neither_role_nor_host() {
    assert_error(
        "pb_unknown_name.yaml",
        3,
        12,
        "stages[0].hosts",
        "'nosuch' is neither a role nor a host",
    );
}

#[test]
fn unknown_stage_in_depends_on() {
    assert_error(
        "pb_unknown_dep.yaml",
        8,
        21,
        "stages[1].depends_on[1]",
        "unknown stage 'c' (stages: a, b)",
    );
}

#[test]
fn dependency_cycle() {
    assert_error(
        "pb_cycle.yaml",
        5,
        18,
        "stages[0].depends_on[0]",
        "dependency cycle: a -> b -> c -> a",
    );
}

#[test]
fn empty_host_set() {
    assert_error(
        "pb_empty_hosts.yaml",
        3,
        12,
        "stages[0].hosts",
        "empty host selector",
    );
    assert_error(
        "inv_empty_hosts.yaml",
        2,
        8,
        "hosts",
        "the hosts list is empty",
    );
}

#[test]
fn duplicate_host_after_expansion() {
    assert_error(
        "inv_duplicate_host.yaml",
        5,
        11,
        "hosts[2].name",
        "duplicate host name 'worker02' (lines 2 and 5)",
    );
}

#[test]
fn duplicate_stage() {
    assert_error(
        "pb_duplicate_stage.yaml",
        5,
        11,
        "stages[1].name",
        "duplicate stage name 'a' (first at line 2)",
    );
}

#[test]
fn bad_range_reversed() {
    assert_error(
        "inv_range_reversed.yaml",
        3,
        11,
        "hosts[1].name",
        "range [3:1] ends before it starts",
    );
}

#[test]
fn bad_range_mixed_bounds() {
    assert_error(
        "inv_range_letters_and_digits.yaml",
        2,
        11,
        "hosts[0].name",
        "needs two numbers or two single letters",
    );
}

#[test]
fn bad_range_unclosed() {
    assert_error(
        "inv_range_unclosed.yaml",
        2,
        11,
        "hosts[0].name",
        "unclosed '['",
    );
}

#[test]
fn range_count_mismatch() {
    assert_error(
        "inv_range_mismatch.yaml",
        3,
        14,
        "hosts[0].address",
        "gives 2 addresses but the name gives 3 hosts",
    );
}

#[test]
fn bad_port() {
    assert_error(
        "inv_bad_port.yaml",
        4,
        11,
        "hosts[0].port",
        "invalid port 70000",
    );
    assert_error(
        "pb_bad_port.yaml",
        5,
        20,
        "stages[0].probe.tcp.port",
        "invalid port 0",
    );
}

#[test]
fn bad_duration() {
    assert_error(
        "inv_bad_duration.yaml",
        2,
        20,
        "ssh.connect_timeout",
        "invalid duration '10 seconds'",
    );
    assert_error(
        "pb_bad_duration.yaml",
        5,
        14,
        "stages[0].timeout",
        "invalid duration '5 minutes'",
    );
}

#[test]
fn bad_regex_in_probe() {
    assert_error(
        "pb_bad_regex.yaml",
        6,
        39,
        "stages[0].probe.command.stdout",
        "invalid regular expression '(unclosed': unclosed group",
    );
}

#[test]
fn probe_with_two_checks() {
    assert_error(
        "pb_two_checks.yaml",
        5,
        7,
        "stages[0].probe",
        "exactly one check, got tcp and http",
    );
}

#[test]
fn stage_with_neither_run_nor_probe() {
    assert_error(
        "pb_no_run_no_probe.yaml",
        5,
        5,
        "stages[1]",
        "a stage needs 'run', 'upload', 'probe' or a combination",
    );
}

#[test]
fn yaml_syntax_error() {
    assert_error("inv_yaml_syntax.yaml", 4, 9, "", "invalid YAML");
    assert_error("pb_yaml_syntax.yaml", 4, 4, "", "invalid YAML");
}

#[test]
fn wrong_type() {
    assert_error(
        "inv_wrong_type.yaml",
        3,
        12,
        "hosts[0].roles",
        "expected a list of strings, got a string",
    );
}

#[test]
fn every_error_is_reported() {
    let errs = errors_of("pb_wrong_type.yaml");
    assert_eq!(errs.0.len(), 2, "{errs}");
    assert_eq!(errs.0[0].field, "stages[0].retries");
    assert!(
        errs.0[0]
            .message
            .contains("expected a whole number, got a string")
    );
    assert_eq!(errs.0[1].field, "stages[0].serial");
    assert!(
        errs.0[1]
            .message
            .contains("0 is too small (expected at least 1)"),
        "{errs}"
    );

    let errs = errors_of("inv_bad_role.yaml");
    let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["hosts[0].roles[0]", "hosts[0].roles[1]"]);
    assert!(errs.0[0].message.contains("invalid role name 'DataNode'"));
}

#[test]
fn empty_host_name() {
    assert_error(
        "inv_empty_name.yaml",
        2,
        11,
        "hosts[0].name",
        "host name is empty",
    );
}

#[test]
fn good_inventory() {
    let path = fixture("good/inventory.yaml");
    let inv = Inventory::load(&path).unwrap();
    assert_eq!(inv.cluster, "sandbox");
    assert_eq!(inv.digest.len(), 64);
    let names: Vec<&str> = inv.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "master1", "master2", "master3", "worker01", "worker02", "worker03"
        ]
    );
    let m2 = inv.host("master2").unwrap();
    assert_eq!(m2.address, "172.30.0.12");
    assert_eq!((m2.port, m2.user.as_str()), (22, "root"));
    assert_eq!(m2.roles, ["zookeeper", "journalnode", "namenode"]);
    assert_eq!(m2.vars["rack"], "/rack1");
    assert_eq!(m2.vars["nameservice"], "mycluster");
    assert_eq!(m2.line, 11);
    let w1 = inv.host("worker01").unwrap();
    assert_eq!((w1.address.as_str(), w1.port), ("worker01", 2222));
    assert_eq!(
        w1.vars["data_dir"], "/disk1",
        "host vars win over cluster vars"
    );
    let dir = path.parent().unwrap();
    assert_eq!(inv.ssh.identity_files, [dir.join("keys/id_ed25519")]);
    assert_eq!(w1.identity_files, inv.ssh.identity_files);
    assert_eq!(inv.ssh.known_hosts, Some(dir.join(".cache/known_hosts")));
    assert_eq!(inv.ssh.connect_timeout, Duration::from_secs(5));
    assert!(inv.ssh.use_ssh_config);
    assert_eq!(inv.with_role("namenode").count(), 3);
}

#[test]
fn good_playbook() {
    let pb = Playbook::load(&fixture("good/playbook.yaml")).unwrap();
    assert_eq!(pb.name, "demo");
    let names: Vec<&str> = pb.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["prepare", "zookeeper", "format", "datanodes", "live"]
    );
    assert_eq!(pb.stages[0].hosts, HostSelector::All);
    assert!(pb.stages[0].depends_on.is_empty());
    assert_eq!(
        pb.stages[1].hosts,
        HostSelector::Items(vec![SelectorItem::Name("zookeeper".into())])
    );
    assert_eq!(
        pb.stages[1].depends_on,
        ["prepare"],
        "absent depends_on means the previous stage"
    );
    assert_eq!(pb.stages[1].timeout, Some(Duration::from_secs(120)));
    assert_eq!(pb.stages[1].location.line, 9);
    let zk = pb.stages[1].probe.as_ref().unwrap();
    match &zk.check {
        ProbeCheck::Zk {
            port,
            word,
            matches,
        } => {
            assert_eq!((*port, word.as_str()), (2181, "srvr"));
            assert!(matches.as_ref().unwrap().is_match("Mode: leader"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(zk.timeout, Duration::from_secs(60));
    assert_eq!(zk.address, "127.0.0.1");
    assert_eq!(
        pb.stages[2].hosts,
        HostSelector::Items(vec![SelectorItem::Role("namenode".into())])
    );
    assert!(pb.stages[2].once);
    assert_eq!((pb.stages[3].serial, pb.stages[3].retries), (Some(2), 2));
    match &pb.stages[3].probe.as_ref().unwrap().check {
        ProbeCheck::Http {
            port,
            path,
            status,
            json,
            body,
        } => {
            assert_eq!((*port, path.as_str(), *status), (9864, "/jmx", 200));
            let j = json.as_ref().unwrap();
            assert_eq!(j.pointer, "/beans/0/State");
            assert_eq!(j.equals, Some(serde_json::json!("active")));
            assert!(body.is_none());
        }
        other => panic!("{other:?}"),
    }
    let live = &pb.stages[4];
    assert!(live.run.is_none());
    assert_eq!(live.depends_on, ["datanodes", "zookeeper"]);
    assert_eq!(
        live.hosts,
        HostSelector::Items(vec![SelectorItem::Host("master1".into())])
    );
    assert_eq!(live.probe.as_ref().unwrap().expect, Expectation::Count(1));
}

#[test]
fn range_expansion() {
    let w = expand_range("worker[01:20]").unwrap();
    assert_eq!(w.len(), 20);
    assert_eq!(
        (w[0].as_str(), w[9].as_str(), w[19].as_str()),
        ("worker01", "worker10", "worker20")
    );
    assert_eq!(
        expand_range("node[a:c]").unwrap(),
        ["nodea", "nodeb", "nodec"]
    );
    assert_eq!(
        expand_range("10.0.0.[11:13]").unwrap(),
        ["10.0.0.11", "10.0.0.12", "10.0.0.13"]
    );
    assert_eq!(expand_range("n[8:10]").unwrap(), ["n8", "n9", "n10"]);
    assert_eq!(expand_range("plain").unwrap(), ["plain"]);
    // Two groups multiply out, leftmost slowest.
    assert_eq!(
        expand_range("r[1:2]-[a:b]").unwrap(),
        ["r1-a", "r1-b", "r2-a", "r2-b"]
    );
    for bad in [
        "w[3:1]", "w[a:3]", "w[1:3", "w1:3]", "w[]", "w[1]", "w[1:2:0]", "w[aa:c]", "w[a:C]",
    ] {
        assert!(expand_range(bad).is_err(), "{bad}");
    }
}

#[test]
fn durations() {
    assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
    assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
    assert!(parse_duration("1d").is_err());
    assert!(parse_duration("fast").is_err());
}

// Command templates.

const HOSTILE: &str = "'; rm -rf / #";

fn template_world() -> (Inventory, Playbook) {
    let inv = Inventory::parse(
        "cluster: t\nvars: { evil: \"'; rm -rf / #\", port: 8020, on: true, dirs: [/a, \"/b c\"] }\n\
         hosts:\n  - name: h[1:2]\n    roles: [nn]\n    vars: { port: 9000 }\n",
        Path::new("/tmp/t.yaml"),
    )
    .unwrap();
    let pb = Playbook::parse(
        "name: p\nvars: { port: 1, only_pb: x }\nstages:\n  - name: s\n    hosts: all\n    run: \"true\"\n",
        "p.yaml",
    )
    .unwrap();
    (inv, pb)
}

fn sh_printf(word: &str) -> String {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("printf '%s' {word}"))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hostile_value_is_one_shell_word() {
    let (inv, pb) = template_world();
    let ctx = TemplateContext::new(&inv, &pb, 0);
    let word = render("{{ vars.evil }}", &ctx).unwrap();
    assert_ne!(word, HOSTILE);
    assert!(word.starts_with('\'') || word.starts_with('"'), "{word}");
    assert_eq!(sh_printf(&word), HOSTILE);
    let cmd = render("echo {{ vars.evil }} {{ host.name }}", &ctx).unwrap();
    assert_eq!(cmd, format!("echo {word} h1"));
}

#[test]
fn template_values() {
    let (inv, pb) = template_world();
    let ctx = TemplateContext::new(&inv, &pb, 1);
    // Host vars over cluster vars over playbook vars.
    assert_eq!(
        render("{{ vars.port }} {{ vars.only_pb }}", &ctx).unwrap(),
        "9000 x"
    );
    assert_eq!(render("{{ vars.on }}", &ctx).unwrap(), "true");
    assert_eq!(render("ls {{ vars.dirs }}", &ctx).unwrap(), "ls /a '/b c'");
    assert_eq!(render("{{ roles.nn }}", &ctx).unwrap(), "h1 h2");
    assert_eq!(
        render(
            "{{ host.name }}@{{ inventory.cluster }}/{{ playbook.name }}",
            &ctx
        )
        .unwrap(),
        "h2@t/p"
    );
    assert_eq!(
        render("{% for h in hosts %}{{ h.name }},{% endfor %}", &ctx).unwrap(),
        "h1,h2,"
    );
    assert_eq!(
        sh_printf(&render("{{ {'a': 1} }}", &ctx).unwrap()),
        r#"{"a":1}"#
    );
    assert_eq!(
        render_raw("http://{{ host.address }}:{{ vars.port }}/x y", &ctx).unwrap(),
        "http://h2:9000/x y"
    );
}

#[test]
fn raw_filter_skips_quoting() {
    let (inv, pb) = template_world();
    let ctx = TemplateContext::new(&inv, &pb, 0);
    assert_eq!(render("{{ 'a b' }}", &ctx).unwrap(), "'a b'");
    assert_eq!(render("{{ 'a b' | raw }}", &ctx).unwrap(), "a b");
    assert_eq!(render("{{ vars.evil | raw }}", &ctx).unwrap(), HOSTILE);
}

#[test]
fn only_raw_skips_quoting_not_the_html_safe_filters() {
    let (inv, pb) = template_world();
    let ctx = TemplateContext::new(&inv, &pb, 0);
    // minijinja marks these outputs "safe" for HTML; in a command they are
    // strings like any other and arrive as one literal word.
    for (filter, want) in [
        ("safe", HOSTILE.to_string()),
        ("e", "&#x27;; rm -rf &#x2f; #".to_string()),
        ("escape", "&#x27;; rm -rf &#x2f; #".to_string()),
    ] {
        let cmd = render(&format!("{{{{ vars.evil | {filter} }}}}"), &ctx).unwrap();
        assert_eq!(sh_printf(&cmd), want, "| {filter}: {cmd}");
    }
    // raw survives further filters only as raw itself.
    assert_eq!(render("{{ 'a b' | raw | raw }}", &ctx).unwrap(), "a b");
}

#[test]
fn undefined_is_an_error_naming_it() {
    let (inv, pb) = template_world();
    let ctx = TemplateContext::new(&inv, &pb, 0);
    let e = render("rm -rf {{ vars.data_dir }}/x", &ctx).unwrap_err();
    assert!(
        e.message.contains("undefined variable 'vars.data_dir'"),
        "{e}"
    );
    let e = render("{{ nope }}", &ctx).unwrap_err();
    assert!(e.message.contains("'nope'"), "{e}");
    assert!(render("{{ vars.data_dir | default('/d') }}", &ctx).is_ok());
    assert!(render("{{ oops", &ctx).is_err());
}

#[test]
fn template_syntax_is_checked_on_load() {
    assert_error(
        "pb_bad_template.yaml",
        4,
        10,
        "stages[0].run",
        "invalid template (syntax error",
    );
}

/// The first error of an inline inventory: (line, field, message).
fn inline_inventory_error(text: &str) -> (usize, String, String) {
    let errs = Inventory::parse(text, Path::new("inline.yaml"))
        .err()
        .unwrap_or_else(|| panic!("accepted:\n{text}"));
    let e = &errs.0[0];
    let line = e.location.as_ref().map(|l| l.line).unwrap_or(0);
    (line, e.field.clone(), e.message.clone())
}

#[test]
fn hostile_host_names_and_addresses_are_refused_with_their_line() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "\"a\\nb\"",
            "hosts[0].name",
            "invalid host name 'a\\nb': '\\n' is not allowed",
        ),
        ("\"a b\"", "hosts[0].name", "' ' is not allowed"),
        ("\"*\"", "hosts[0].name", "'*' is not allowed"),
        ("\"a,*\"", "hosts[0].name", "',' is not allowed"),
        ("\"../x\"", "hosts[0].name", "empty label"),
        ("/etc/x", "hosts[0].name", "'/' is not allowed"),
        ("\"x\\u001b\"", "hosts[0].name", "'\\u{1b}' is not allowed"),
        (
            "\"x\\u001b[31m\"",
            "hosts[0].name",
            "unclosed '[' in 'x\\u{1b}[31m'",
        ),
        ("-x", "hosts[0].name", "starts or ends with '-'"),
        (
            "\"w[1:100000000]\"",
            "hosts[0].name",
            "more than the 100000 herd accepts",
        ),
    ];
    for (name, field, want) in cases {
        let text = format!("cluster: t\nhosts:\n  - {{ name: {name}, roles: [a] }}\n");
        let errs = Inventory::parse(&text, Path::new("inline.yaml")).unwrap_err();
        let e = &errs.0[0];
        assert_eq!(
            (e.location.as_ref().map(|l| l.line), e.field.as_str()),
            (Some(3), *field),
            "{name}: {e}"
        );
        // As printed: control characters escaped, never raw.
        let shown = errs.to_string();
        assert!(shown.contains(want), "{name}: {shown}");
        assert!(
            !shown.contains('\u{1b}') && shown.lines().count() == 1,
            "{name}: {shown:?}"
        );
    }
    let (line, f, msg) = inline_inventory_error(
        "cluster: t\nhosts:\n  - { name: h1, address: \"10.0.0.1;reboot\" }\n",
    );
    assert_eq!((line, f.as_str()), (3, "hosts[0].address"));
    assert!(msg.contains("invalid address '10.0.0.1;reboot'"), "{msg}");
    // Real names and addresses pass, IPv6 included.
    let ok = "cluster: t\nhosts:\n  - { name: web-01.dc1.example.com, address: 10.0.0.1 }\n  - { name: db1, address: \"fe80::1\" }\n";
    assert!(Inventory::parse(ok, Path::new("inline.yaml")).is_ok());
}

#[test]
fn one_host_twice_is_refused_whatever_its_case_or_name() {
    let (line, _, msg) = inline_inventory_error(
        "cluster: t\nhosts:\n  - { name: Master1 }\n  - { name: master1 }\n",
    );
    assert_eq!(line, 4);
    assert!(
        msg.contains("duplicate host name 'master1' (lines 3 and 4)"),
        "{msg}"
    );
    let (line, _, msg) = inline_inventory_error(
        "cluster: t\nhosts:\n  - { name: \"h[1:3]\", address: \"10.0.0.[1:3]\" }\n  - { name: other, address: 10.0.0.2 }\n",
    );
    assert_eq!(line, 4);
    assert!(
        msg.contains("hosts 'h2' (line 3) and 'other' (line 4) are both 10.0.0.2:22"),
        "{msg}"
    );
}

#[test]
fn zero_durations_and_empty_users_are_refused() {
    for (text, line, field) in [
        (
            "cluster: t\nssh: { connect_timeout: 0s }\nhosts:\n  - { name: h1 }\n",
            2,
            "ssh.connect_timeout",
        ),
        (
            "cluster: t\nhosts:\n  - { name: h1, user: \"\" }\n",
            3,
            "hosts[0].user",
        ),
        (
            "cluster: t\ndefaults: { user: \" \" }\nhosts:\n  - { name: h1 }\n",
            2,
            "defaults.user",
        ),
    ] {
        let (l, f, msg) = inline_inventory_error(text);
        assert_eq!((l, f.as_str()), (line, field), "{text}: {msg}");
        assert!(msg.contains("zero") || msg.contains("is empty"), "{msg}");
    }
    let pb = "name: p\nstages:\n  - name: s\n    hosts: all\n    run: 'true'\n    timeout: 0s\n";
    let errs = Playbook::parse(pb, "pb.yaml").unwrap_err();
    assert_eq!(errs.0[0].field, "stages[0].timeout", "{errs}");
    assert!(
        errs.0[0].message.contains("must be more than zero"),
        "{errs}"
    );
}

#[test]
fn empty_bom_multi_document_and_alias_bomb_files_are_named_in_their_errors() {
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for i in 1..9u8 {
        let (cur, prev) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        bomb.push_str(&format!("{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    bomb.push_str("cluster: t\nhosts:\n  - { name: h1 }\n");
    for (text, want) in [
        ("".to_string(), "the inventory is empty"),
        (
            "\u{feff}cluster: t\nhosts:\n  - { name: h1 }\n".to_string(),
            "byte-order mark",
        ),
        (
            "cluster: t\nhosts:\n  - { name: h1 }\n---\ncluster: u\n".to_string(),
            "more than one YAML document",
        ),
        (bomb, "aliases expand past"),
    ] {
        let errs = Inventory::parse(&text, Path::new("dir/odd.yaml")).unwrap_err();
        let shown = errs.to_string();
        assert!(shown.starts_with("error: dir/odd.yaml:"), "{shown}");
        assert!(shown.contains(want), "{shown}");
    }
}

#[test]
fn a_nul_byte_anywhere_in_an_inventory_or_playbook_is_refused_where_it_stands() {
    let inv = "cluster: t\nhosts:\n  - { name: h1 }\nvars:\n  java_home: \"/opt/j\\0dk\"\n";
    let (line, field, msg) = inline_inventory_error(inv);
    assert_eq!((line, field.as_str()), (5, "vars.java_home"), "{msg}");
    assert!(msg.contains("NUL byte"), "{msg}");
    let pb = "name: p\nstages:\n  - name: s\n    hosts: all\n    run: \"echo a\\0b\"\n";
    let errs = Playbook::parse(pb, "pb.yaml").unwrap_err();
    assert_eq!(errs.0[0].field, "stages[0].run", "{errs}");
    assert_eq!(errs.0[0].location.as_ref().map(|l| l.line), Some(5));
}
