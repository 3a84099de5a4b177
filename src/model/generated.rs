//! Playbooks built in code: a command that generates its playbook from the
//! cluster's state (`herd restart`) builds the stages as these types, and
//! the playbook passes the checks a playbook file passes, so the plan and
//! the engine cannot tell the two apart.

use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::playbook::{MAX_RETRIES, PROBE_ADDRESS, PROBE_INTERVAL, PROBE_TIMEOUT, is_stage_name};
use super::spans::{child, item};
use super::{
    Expectation, HostSelector, JsonCheck, Location, ModelError, ModelErrors, Playbook, Probe,
    ProbeCheck, SelectorItem, Spans, Stage,
};

impl HostSelector {
    /// `role:NAME`.
    pub fn role(name: &str) -> HostSelector {
        HostSelector::Items(vec![SelectorItem::Role(name.to_string())])
    }

    /// `role:NAME` for each of `names`: the hosts of any of them.
    pub fn roles(names: &[&str]) -> HostSelector {
        HostSelector::Items(
            names
                .iter()
                .map(|n| SelectorItem::Role(n.to_string()))
                .collect(),
        )
    }

    /// `host:NAME` for each of `names`.
    pub fn hosts<S: AsRef<str>>(names: &[S]) -> HostSelector {
        HostSelector::Items(
            names
                .iter()
                .map(|n| SelectorItem::Host(n.as_ref().to_string()))
                .collect(),
        )
    }
}

impl Stage {
    /// A stage on `hosts` that does nothing yet: give it a command, a probe
    /// or both. It depends on no stage unless told (a file's stage depends
    /// on the one before it; code says so with [`Stage::with_depends_on`]).
    pub fn new(name: impl Into<String>, hosts: HostSelector) -> Stage {
        Stage {
            name: name.into(),
            description: None,
            hosts,
            run: None,
            once: false,
            creates: None,
            unless: None,
            when: None,
            depends_on: Vec::new(),
            probe: None,
            timeout: None,
            retries: 0,
            serial: None,
            upload: Vec::new(),
            privilege: Default::default(),
            location: Location {
                file: PathBuf::new(),
                line: 0,
                column: 0,
            },
        }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Stage {
        self.description = Some(description.into());
        self
    }

    /// The command template run on each host.
    pub fn with_run(mut self, command: impl Into<String>) -> Stage {
        self.run = Some(command.into());
        self
    }

    pub fn with_probe(mut self, probe: Probe) -> Stage {
        self.probe = Some(probe);
        self
    }

    /// Copy `src` (a path on this machine) to `dest` on each host, where
    /// its content differs.
    pub fn with_upload(mut self, src: impl Into<String>, dest: impl Into<String>) -> Stage {
        self.upload.push(super::Upload {
            src: src.into(),
            dest: dest.into(),
        });
        self
    }

    /// Run on the first matching host only.
    pub fn run_once(mut self) -> Stage {
        self.once = true;
        self
    }

    pub fn with_depends_on(mut self, stages: Vec<String>) -> Stage {
        self.depends_on = stages;
        self
    }

    /// Run the stage's commands through sudo as `user` (a template, like
    /// `become_user:`), or with None as the host's become user (else root).
    pub fn with_become(mut self, user: Option<&str>) -> Stage {
        self.privilege = super::Become::to(user);
        self
    }
}

impl Probe {
    /// `check` on the stage's hosts, every one passing, with the defaults a
    /// probe in a file gets (60 s, at 127.0.0.1, polled every 2 s at most).
    pub fn new(check: ProbeCheck) -> Probe {
        Probe {
            check,
            port_template: None,
            hosts: None,
            expect: Expectation::All,
            timeout: PROBE_TIMEOUT,
            address: PROBE_ADDRESS.to_string(),
            interval: PROBE_INTERVAL,
        }
    }

    /// Probe `hosts` instead of the stage's; their results add up as `expect`.
    pub fn on(mut self, hosts: HostSelector, expect: Expectation) -> Probe {
        self.hosts = Some(hosts);
        self.expect = expect;
        self
    }

    /// The address connected to, as seen from the host (template).
    pub fn at(mut self, address: impl Into<String>) -> Probe {
        self.address = address.into();
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Probe {
        self.timeout = timeout;
        self
    }

    pub fn with_interval(mut self, interval: Duration) -> Probe {
        self.interval = interval;
        self
    }
}

impl ProbeCheck {
    /// HTTP 200 at `path` and, when given, a JSON pointer check of the body.
    pub fn http_json(port: u16, path: &str, json: Option<JsonCheck>) -> ProbeCheck {
        ProbeCheck::Http {
            port,
            path: path.to_string(),
            status: 200,
            json,
            body: None,
        }
    }
}

impl JsonCheck {
    /// The value at `pointer` equals `value`.
    pub fn equals(pointer: &str, value: impl Into<serde_json::Value>) -> JsonCheck {
        JsonCheck {
            pointer: pointer.to_string(),
            equals: Some(value.into()),
            matches: None,
        }
    }

    /// The value at `pointer` (a string, or a number or boolean as written
    /// in JSON) matches `pattern`.
    pub fn matches(pointer: &str, pattern: regex::Regex) -> JsonCheck {
        JsonCheck {
            pointer: pointer.to_string(),
            equals: None,
            matches: Some(pattern),
        }
    }
}

impl Playbook {
    /// A playbook of stages built in code, checked as a file's would be
    /// (stage names, what each stage does, selectors, templates, probes,
    /// dependencies). `source` names it (`generated:<name>`); `text` is the
    /// YAML it is kept as, the copy a journal saves and `herd replay` parses
    /// back, and gives the playbook its digest.
    pub fn from_stages(
        source: &str,
        name: &str,
        mut stages: Vec<Stage>,
        text: &str,
    ) -> Result<Playbook, ModelErrors> {
        let mut errors = Vec::new();
        let mut error = |field: String, message: String| {
            errors.push(ModelError {
                location: None,
                field,
                message,
            })
        };
        if stages.is_empty() {
            error("stages".into(), "the stages list is empty".into());
        }
        for (i, stage) in stages.iter_mut().enumerate() {
            stage.location.file = PathBuf::from(source);
            let path = item("stages", i);
            for (field, message) in stage_problems(stage) {
                let field = if field.is_empty() {
                    path.clone()
                } else {
                    child(&path, &field)
                };
                error(field, message);
            }
        }
        for (i, stage) in stages.iter().enumerate() {
            if let Some(first) = stages[..i].iter().position(|s| s.name == stage.name) {
                error(
                    child(&item("stages", i), "name"),
                    format!(
                        "duplicate stage name '{}' (first at stages[{first}])",
                        stage.name
                    ),
                );
            }
        }
        let pb = Playbook {
            source: source.to_string(),
            digest: hex::encode(Sha256::digest(text.as_bytes())),
            name: name.to_string(),
            vars: Default::default(),
            stages,
            expendable_roles: None,
            optional_roles: Vec::new(),
            spans: Spans::default(),
            secrets: Default::default(),
        };
        if errors.is_empty()
            && let Err(e) = super::dependencies::stage_dependencies(&pb)
        {
            errors.extend(e.0);
        }
        if errors.is_empty() {
            Ok(pb)
        } else {
            Err(ModelErrors(errors))
        }
    }
}

/// (field under the stage, message) for each rule of a playbook file the
/// stage breaks.
fn stage_problems(s: &Stage) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if !is_stage_name(&s.name) {
        out.push((
            "name".into(),
            format!(
                "invalid stage name '{}' (use lowercase letters, digits, '_', '.' and '-')",
                s.name
            ),
        ));
    }
    selector_problems(&s.hosts, "hosts", &mut out);
    if !s.has_work() && s.probe.is_none() {
        out.push((
            String::new(),
            "a stage needs 'run', 'upload', 'probe' or a combination".into(),
        ));
    }
    let mut templates: Vec<(String, &str)> = Vec::new();
    for (field, t) in [
        ("run", &s.run),
        ("creates", &s.creates),
        ("unless", &s.unless),
        ("when", &s.when),
    ] {
        if let Some(t) = t {
            templates.push((field.into(), t));
        }
    }
    for (i, u) in s.upload.iter().enumerate() {
        templates.push((child(&item("upload", i), "src"), &u.src));
        templates.push((child(&item("upload", i), "dest"), &u.dest));
    }
    if let Some(user) = &s.privilege.user {
        if s.privilege.enabled == Some(false) {
            out.push((
                "become_user".into(),
                "become_user with 'become: false' would never be used".into(),
            ));
        }
        if user.contains("{{") || user.contains("{%") {
            templates.push(("become_user".into(), user));
        } else if let Some(why) = super::bad_user_name(user) {
            out.push(("become_user".into(), why));
        }
    }
    if s.timeout.is_some_and(|d| d.is_zero()) {
        out.push((
            "timeout".into(),
            "the duration must be more than zero".into(),
        ));
    }
    if i64::from(s.retries) > MAX_RETRIES {
        out.push((
            "retries".into(),
            format!(
                "{} is out of range (expected 0 to {MAX_RETRIES})",
                s.retries
            ),
        ));
    }
    if s.serial == Some(0) {
        out.push((
            "serial".into(),
            "0 is too small (expected at least 1)".into(),
        ));
    }
    if let Some(p) = &s.probe {
        if let Some(h) = &p.hosts {
            selector_problems(h, "probe.hosts", &mut out);
        }
        for (field, d) in [("probe.timeout", p.timeout), ("probe.interval", p.interval)] {
            if d.is_zero() {
                out.push((field.into(), "the duration must be more than zero".into()));
            }
        }
        templates.push(("probe.address".into(), &p.address));
        if let ProbeCheck::Command { run, .. } = &p.check {
            templates.push(("probe.command.run".into(), run));
        }
        check_problems(&p.check, &mut out);
    }
    let env = minijinja::Environment::new();
    for (field, t) in templates {
        if let Err(e) = env.template_from_str(t) {
            let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
            out.push((field, format!("invalid template ({}{detail})", e.kind())));
        }
    }
    out
}

fn selector_problems(sel: &HostSelector, field: &str, out: &mut Vec<(String, String)>) {
    let HostSelector::Items(items) = sel else {
        return;
    };
    if items.is_empty() {
        out.push((
            field.into(),
            "empty host selector (use 'all', a role or host names)".into(),
        ));
    }
    for (i, it) in items.iter().enumerate() {
        let (SelectorItem::Role(n) | SelectorItem::Host(n) | SelectorItem::Name(n)) = it;
        if n.trim().is_empty() {
            out.push((item(field, i), "empty name in host selector".into()));
        }
    }
}

fn check_problems(check: &ProbeCheck, out: &mut Vec<(String, String)>) {
    let (name, port) = match check {
        ProbeCheck::Tcp { port } => ("tcp", Some(*port)),
        ProbeCheck::Http { port, .. } => ("http", Some(*port)),
        ProbeCheck::Zk { port, .. } => ("zk", Some(*port)),
        ProbeCheck::Command { .. } => ("command", None),
    };
    let at = |key: &str| format!("probe.{name}.{key}");
    if port == Some(0) {
        out.push((at("port"), "invalid port 0 (expected 1 to 65535)".into()));
    }
    match check {
        ProbeCheck::Http {
            path, status, json, ..
        } => {
            if !path.starts_with('/') {
                out.push((
                    at("path"),
                    format!("HTTP path '{path}' must start with '/'"),
                ));
            }
            if !(100..=599).contains(status) {
                out.push((
                    at("status"),
                    format!("{status} is out of range (expected 100 to 599)"),
                ));
            }
            if let Some(j) = json
                && !j.pointer.is_empty()
                && !j.pointer.starts_with('/')
            {
                out.push((
                    at("json.pointer"),
                    format!(
                        "JSON pointer '{}' must be empty or start with '/'",
                        j.pointer
                    ),
                ));
            }
        }
        ProbeCheck::Zk { word, .. }
            if word.len() != 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) =>
        {
            out.push((
                at("word"),
                format!("'{word}' is not a ZooKeeper four-letter word"),
            ));
        }
        ProbeCheck::Command { exit, .. } if !(0..=255).contains(exit) => {
            out.push((
                at("exit"),
                format!("{exit} is out of range (expected 0 to 255)"),
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(name: &str) -> Stage {
        Stage::new(name, HostSelector::role("namenode"))
            .with_probe(Probe::new(ProbeCheck::Tcp { port: 8020 }))
    }

    #[test]
    fn a_built_playbook_carries_the_digest_of_its_text_and_plans_its_dependencies() {
        let stages = vec![
            gate("first"),
            gate("second").with_depends_on(vec!["first".into()]),
        ];
        let pb = Playbook::from_stages("generated:t", "t", stages, "text").unwrap();
        assert_eq!(pb.digest, hex::encode(Sha256::digest(b"text")));
        assert_eq!(pb.stages[1].location.file, PathBuf::from("generated:t"));
        assert_eq!(
            super::super::dependencies::stage_dependencies(&pb).unwrap(),
            [vec![], vec![0]]
        );
    }

    #[test]
    fn a_built_playbook_is_checked_as_a_file_is() {
        let err = |stages: Vec<Stage>| {
            Playbook::from_stages("generated:t", "t", stages, "")
                .unwrap_err()
                .to_string()
        };
        assert!(err(vec![]).contains("the stages list is empty"));
        assert!(err(vec![gate("Upper")]).contains("stages[0].name: invalid stage name 'Upper'"));
        assert!(
            err(vec![gate("a"), gate("a")])
                .contains("duplicate stage name 'a' (first at stages[0])")
        );
        assert!(
            err(vec![Stage::new("idle", HostSelector::role("namenode"))])
                .contains("a stage needs 'run', 'upload', 'probe' or a combination")
        );
        assert!(
            err(vec![gate("a").with_depends_on(vec!["nowhere".into()])])
                .contains("unknown stage 'nowhere'")
        );
        assert!(
            err(vec![gate("a").with_run("echo {{ unclosed")])
                .contains("stages[0].run: invalid template")
        );
        let bad_probe = Probe::new(ProbeCheck::http_json(
            0,
            "jmx",
            Some(JsonCheck::equals("beans", "x")),
        ))
        .with_interval(Duration::ZERO);
        let e = err(vec![gate("a").with_probe(bad_probe)]);
        for want in [
            "stages[0].probe.http.port: invalid port 0",
            "stages[0].probe.http.path: HTTP path 'jmx' must start with '/'",
            "stages[0].probe.http.json.pointer: JSON pointer 'beans'",
            "stages[0].probe.interval: the duration must be more than zero",
        ] {
            assert!(e.contains(want), "{want} not in:\n{e}");
        }
        let zk = Probe::new(ProbeCheck::Zk {
            port: 2181,
            word: "status".into(),
            matches: None,
        })
        .on(HostSelector::Items(vec![]), Expectation::ExactlyOne);
        let e = err(vec![gate("a").with_probe(zk)]);
        assert!(e.contains("stages[0].probe.zk.word: 'status'"), "{e}");
        assert!(
            e.contains("stages[0].probe.hosts: empty host selector"),
            "{e}"
        );
    }
}
