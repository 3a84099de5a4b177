//! The playbook: named stages, each a command template run on a set of hosts,
//! with guards, dependencies and a readiness probe.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_yaml::Value;
use sha2::{Digest, Sha256};

use super::reader::{Fields, Reader, kind, parse_yaml};
use super::spans::{child, item};
use super::{Location, ModelErrors, Spans};

/// A validated playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    /// File path, or `bundled:<name>` for one embedded in the binary.
    pub source: String,
    /// sha256 of the text, hex.
    pub digest: String,
    pub name: String,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub stages: Vec<Stage>,
    /// Where each field sits in the file, so the plan can point at the
    /// selector item or dependency it rejects. Empty for playbooks built in code.
    pub spans: Spans,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub description: Option<String>,
    pub hosts: HostSelector,
    /// Command template; None for a stage that only gates (probe only).
    pub run: Option<String>,
    /// Run on the first matching host only.
    pub once: bool,
    /// Skip on a host where this path exists (template).
    pub creates: Option<String>,
    /// Skip on a host where this command exits 0 (template).
    pub unless: Option<String>,
    /// Stages that must have passed their gate first. When the key is absent,
    /// the stage depends on the one before it in the file.
    pub depends_on: Vec<String>,
    pub probe: Option<Probe>,
    pub timeout: Option<Duration>,
    pub retries: u32,
    /// Batch size: run on this many hosts at a time, probe-gated per batch.
    pub serial: Option<usize>,
    /// Files to copy to the host before `run`; only files whose content
    /// differs are written.
    pub upload: Vec<Upload>,
    pub location: Location,
}

/// A local file or directory tree copied to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Local path (template). A directory is copied recursively; a path that
    /// renders empty means "nothing to upload" (an optional tarball).
    pub src: String,
    /// Remote path (template). For a directory, the tree is placed under it;
    /// for a file ending in `/`, the file keeps its name inside that directory.
    pub dest: String,
}

/// Which hosts a stage (or probe) applies to: `all`, `role:NAME`, or host names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSelector {
    All,
    /// Union of items; each is a role or a host name.
    Items(Vec<SelectorItem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorItem {
    /// `role:NAME`.
    Role(String),
    /// `host:NAME`.
    Host(String),
    /// A bare name: a role when the inventory has that role, else a host.
    /// Only the inventory can tell, so the plan resolves it.
    Name(String),
}

/// A readiness gate.
#[derive(Debug, Clone)]
pub struct Probe {
    pub check: ProbeCheck,
    /// The check's port as a template (`"{{ hadoop.ports[host.name].namenode.http }}"`),
    /// rendered per probed host by the engine: a port the inventory can
    /// move must not be written a second time in the playbook. The check
    /// holds port 0 until then.
    pub port_template: Option<String>,
    /// Hosts to probe; None: the stage's hosts.
    pub hosts: Option<HostSelector>,
    pub expect: Expectation,
    pub timeout: Duration,
    /// Address the probe connects to, as seen from the host (template);
    /// default `127.0.0.1`.
    pub address: String,
    /// Longest wait between polls (they start at ~100 ms and back off to
    /// this); default 2 s. Shorter means the gate notices readiness sooner.
    pub interval: Duration,
}

#[derive(Debug, Clone)]
pub enum ProbeCheck {
    Tcp {
        port: u16,
    },
    Http {
        port: u16,
        path: String,
        status: u16,
        json: Option<JsonCheck>,
        body: Option<regex::Regex>,
    },
    Command {
        run: String,
        exit: i32,
        stdout: Option<regex::Regex>,
    },
    Zk {
        port: u16,
        word: String,
        matches: Option<regex::Regex>,
    },
}

/// A JSON pointer into the response and what it must hold.
#[derive(Debug, Clone)]
pub struct JsonCheck {
    pub pointer: String,
    pub equals: Option<serde_json::Value>,
    pub matches: Option<regex::Regex>,
}

/// How per-host probe results add up to a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    All,
    Any,
    ExactlyOne,
    Count(usize),
}

impl Playbook {
    /// Read and validate a playbook file.
    pub fn load(path: &std::path::Path) -> Result<Playbook, ModelErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ModelErrors::from(super::ModelError {
                location: None,
                field: String::new(),
                message: format!("cannot read playbook {}: {e}", path.display()),
            })
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Validate playbook text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Playbook, ModelErrors> {
        let spans = Spans::index(text, std::path::Path::new(source));
        let root = parse_yaml(text, &spans)?;
        let mut r = Reader::new(&spans);
        let Some(pb) = read_playbook(&mut r, &root, text, source) else {
            return Err(ModelErrors(r.errors));
        };
        if r.errors.is_empty()
            && let Err(e) = super::dependencies::stage_dependencies(&pb)
        {
            r.errors.extend(e.0);
        }
        r.finish(pb)
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }
}

impl Stage {
    /// Whether the stage does something on its hosts (a command or uploads),
    /// as opposed to only gating on a probe.
    pub fn has_work(&self) -> bool {
        self.run.is_some() || !self.upload.is_empty()
    }
}

const TOP_KEYS: &[&str] = &["name", "description", "vars", "stages"];
const STAGE_KEYS: &[&str] = &[
    "name",
    "description",
    "hosts",
    "run",
    "once",
    "creates",
    "unless",
    "depends_on",
    "timeout",
    "retries",
    "serial",
    "probe",
    "upload",
];
const PROBE_KEYS: &[&str] = &[
    "tcp", "http", "command", "zk", "hosts", "expect", "timeout", "address", "interval",
];
const CHECKS: &[&str] = &["tcp", "http", "command", "zk"];
pub(super) const MAX_RETRIES: i64 = 100;
/// What a probe that does not say otherwise waits, where it connects and how
/// often it polls at most; a probe built in code starts from the same.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const PROBE_ADDRESS: &str = "127.0.0.1";
pub(super) const PROBE_INTERVAL: Duration = Duration::from_secs(2);

fn read_playbook(r: &mut Reader, root: &Value, text: &str, source: &str) -> Option<Playbook> {
    if root.is_null() {
        r.error("", "the playbook is empty (it needs a 'stages' list)");
        return None;
    }
    let top = r.fields(root, "", TOP_KEYS)?;
    let name = r.opt_string(&top, "name").unwrap_or_else(|| {
        let s = source.strip_prefix("bundled:").unwrap_or(source);
        std::path::Path::new(s)
            .file_stem()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_else(|| s.to_string())
    });
    if let Some((v, p)) = top.get("description") {
        r.string(v, &p);
    }
    let vars = match top.get("vars") {
        Some((v, p)) => r.vars(v, &p),
        None => Default::default(),
    };
    let mut stages: Vec<Stage> = Vec::new();
    if let Some((v, lp)) = r.required(&top, "stages") {
        match v {
            Value::Sequence(items) if items.is_empty() => r.error(&lp, "the stages list is empty"),
            Value::Sequence(items) => {
                for (i, sv) in items.iter().enumerate() {
                    let sp = item(&lp, i);
                    let previous = stages.last().map(|s| s.name.clone());
                    if let Some(stage) = read_stage(r, sv, &sp, previous) {
                        if let Some(first) = stages.iter().find(|s| s.name == stage.name) {
                            let msg = format!(
                                "duplicate stage name '{}' (first at line {})",
                                stage.name, first.location.line
                            );
                            r.error(&child(&sp, "name"), msg);
                        }
                        stages.push(stage);
                    }
                }
            }
            other => r.error(
                &lp,
                format!("expected a list of stages, got {}", kind(other)),
            ),
        }
    }
    Some(Playbook {
        source: source.to_string(),
        digest: hex::encode(Sha256::digest(text.as_bytes())),
        name,
        vars,
        stages,
        spans: r.spans.clone(),
    })
}

pub(crate) fn is_stage_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-'))
}

fn read_stage(r: &mut Reader, v: &Value, path: &str, previous: Option<String>) -> Option<Stage> {
    let location = r.spans.nearest(path).unwrap_or_else(|| Location {
        file: r.spans.file().to_path_buf(),
        line: 0,
        column: 0,
    });
    let f = r.fields(v, path, STAGE_KEYS)?;
    let before = r.errors.len();

    let name = match r.required(&f, "name") {
        Some((v, p)) => {
            match r.string(v, &p) {
                Some(n) if is_stage_name(&n) => Some(n),
                Some(n) => {
                    r.error(&p, format!("invalid stage name '{n}' (use lowercase letters, digits, '_', '.' and '-')"));
                    None
                }
                None => None,
            }
        }
        None => None,
    };
    let description = r.opt_string(&f, "description");
    let hosts = match r.required(&f, "hosts") {
        Some((v, p)) => read_selector(r, v, &p),
        None => None,
    };
    let run = r.opt_template(&f, "run");
    let once = match f.get("once") {
        Some((v, p)) => r.bool(v, &p).unwrap_or(false),
        None => false,
    };
    let creates = r.opt_template(&f, "creates");
    let unless = r.opt_template(&f, "unless");
    let depends_on = match f.get("depends_on") {
        Some((v, p)) if v.is_null() => {
            let _ = p;
            Vec::new()
        }
        Some((v, p)) => r
            .strings(v, &p, true)
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        // Stages run in file order unless they say otherwise.
        None => previous.into_iter().collect(),
    };
    let timeout = f.get("timeout").and_then(|(v, p)| r.duration(v, &p));
    let retries = match f.get("retries") {
        Some((v, p)) => r.int(v, &p, 0, MAX_RETRIES).unwrap_or(0) as u32,
        None => 0,
    };
    let serial = f
        .get("serial")
        .and_then(|(v, p)| r.int(v, &p, 1, i64::MAX))
        .map(|n| n as usize);
    let probe = f.get("probe").and_then(|(v, p)| read_probe(r, v, &p));
    let upload = match f.get("upload") {
        Some((v, p)) => read_uploads(r, v, &p),
        None => Vec::new(),
    };
    if run.is_none() && !f.has("probe") && upload.is_empty() {
        r.error(
            path,
            "a stage needs 'run', 'upload', 'probe' or a combination",
        );
    }

    if r.errors.len() != before {
        return None;
    }
    Some(Stage {
        name: name?,
        description,
        hosts: hosts?,
        run,
        once,
        creates,
        unless,
        depends_on,
        probe,
        timeout,
        retries,
        serial,
        upload,
        location,
    })
}

/// `upload: {src, dest}` or a list of them.
fn read_uploads(r: &mut Reader, v: &Value, path: &str) -> Vec<Upload> {
    let items: Vec<(&Value, String)> = match v {
        Value::Sequence(seq) => seq
            .iter()
            .enumerate()
            .map(|(i, x)| (x, item(path, i)))
            .collect(),
        other => vec![(other, path.to_string())],
    };
    let mut out = Vec::new();
    for (x, p) in items {
        let Some(f) = r.fields(x, &p, &["src", "dest"]) else {
            continue;
        };
        let src = r.required(&f, "src").and_then(|(v, p)| r.template(v, &p));
        let dest = r.required(&f, "dest").and_then(|(v, p)| r.template(v, &p));
        if let (Some(src), Some(dest)) = (src, dest) {
            out.push(Upload { src, dest });
        }
    }
    out
}

/// `all`, `role:NAME`, `host:NAME`, a bare name, or a list of those.
fn read_selector(r: &mut Reader, v: &Value, path: &str) -> Option<HostSelector> {
    let items = r.strings(v, path, true)?;
    if items.is_empty() {
        r.error(
            path,
            "empty host selector (use 'all', a role or host names)",
        );
        return None;
    }
    if items.len() == 1 && items[0].0 == "all" {
        return Some(HostSelector::All);
    }
    let mut out = Vec::new();
    for (s, p) in items {
        let parsed = if let Some(role) = s.strip_prefix("role:") {
            SelectorItem::Role(role.trim().to_string())
        } else if let Some(host) = s.strip_prefix("host:") {
            SelectorItem::Host(host.trim().to_string())
        } else if s == "all" {
            r.error(&p, "'all' cannot be combined with other selectors");
            continue;
        } else {
            SelectorItem::Name(s.trim().to_string())
        };
        let (SelectorItem::Role(n) | SelectorItem::Host(n) | SelectorItem::Name(n)) = &parsed;
        if n.is_empty() {
            r.error(&p, format!("empty name in host selector '{s}'"));
            continue;
        }
        out.push(parsed);
    }
    Some(HostSelector::Items(out))
}

fn read_probe(r: &mut Reader, v: &Value, path: &str) -> Option<Probe> {
    let f = r.fields(v, path, PROBE_KEYS)?;
    let present: Vec<&str> = CHECKS.iter().copied().filter(|c| f.has(c)).collect();
    let mut port_template = None;
    let check = match present.as_slice() {
        [one] => {
            let (v, p) = f.get(one)?;
            read_check(r, one, v, &p, &mut port_template)
        }
        [] => {
            r.error(path, "a probe needs one of tcp, http, command or zk");
            None
        }
        many => {
            r.error(
                path,
                format!(
                    "a probe takes exactly one check, got {}",
                    many.join(" and ")
                ),
            );
            None
        }
    };
    let hosts = f.get("hosts").and_then(|(v, p)| read_selector(r, v, &p));
    let expect = match f.get("expect") {
        Some((v, p)) => read_expect(r, v, &p),
        None => Some(Expectation::All),
    };
    let timeout = match f.get("timeout") {
        Some((v, p)) => r.duration(v, &p),
        None => Some(PROBE_TIMEOUT),
    };
    let address = r
        .opt_template(&f, "address")
        .unwrap_or_else(|| PROBE_ADDRESS.to_string());
    let interval = match f.get("interval") {
        Some((v, p)) => r.duration(v, &p),
        None => Some(PROBE_INTERVAL),
    };
    Some(Probe {
        check: check?,
        port_template,
        hosts,
        expect: expect?,
        timeout: timeout?,
        address,
        interval: interval?,
    })
}

fn read_expect(r: &mut Reader, v: &Value, path: &str) -> Option<Expectation> {
    match v {
        Value::String(s) => {
            match s.as_str() {
                "all" => Some(Expectation::All),
                "any" => Some(Expectation::Any),
                "one" => Some(Expectation::ExactlyOne),
                other => {
                    r.error(path, format!("unknown expectation '{other}' (expected all, any, one or {{ count: N }})"));
                    None
                }
            }
        }
        Value::Number(_) => r
            .int(v, path, 0, i64::MAX)
            .map(|n| Expectation::Count(n as usize)),
        Value::Mapping(_) => {
            let f = r.fields(v, path, &["count"])?;
            let (c, p) = r.required(&f, "count")?;
            r.int(c, &p, 0, i64::MAX)
                .map(|n| Expectation::Count(n as usize))
        }
        other => {
            r.error(
                path,
                format!(
                    "expected all, any, one or {{ count: N }}, got {}",
                    kind(other)
                ),
            );
            None
        }
    }
}

/// A probe's port: a number, or a template that renders to one per host.
fn read_port(r: &mut Reader, v: &Value, path: &str, template: &mut Option<String>) -> Option<u16> {
    match v {
        Value::String(s) if s.contains("{{") => {
            *template = Some(r.template(v, path)?);
            Some(0)
        }
        _ => r.port(v, path),
    }
}

fn read_check(
    r: &mut Reader,
    which: &str,
    v: &Value,
    path: &str,
    port_template: &mut Option<String>,
) -> Option<ProbeCheck> {
    let before = r.errors.len();
    let check = match which {
        "tcp" => {
            let f = r.fields(v, path, &["port"])?;
            let port = r
                .required(&f, "port")
                .and_then(|(v, p)| read_port(r, v, &p, port_template));
            ProbeCheck::Tcp { port: port? }
        }
        "http" => {
            let f = r.fields(v, path, &["port", "path", "status", "json", "body"])?;
            let port = r
                .required(&f, "port")
                .and_then(|(v, p)| read_port(r, v, &p, port_template));
            let http_path = r.opt_string(&f, "path").unwrap_or_else(|| "/".to_string());
            if !http_path.starts_with('/') {
                r.error(
                    &child(path, "path"),
                    format!("HTTP path '{http_path}' must start with '/'"),
                );
            }
            let status = match f.get("status") {
                Some((v, p)) => r.int(v, &p, 100, 599).map(|n| n as u16),
                None => Some(200),
            };
            let json = f.get("json").and_then(|(v, p)| read_json_check(r, v, &p));
            let body = f.get("body").and_then(|(v, p)| r.regex(v, &p));
            ProbeCheck::Http {
                port: port?,
                path: http_path,
                status: status?,
                json,
                body,
            }
        }
        "command" => {
            let f = r.fields(v, path, &["run", "exit", "stdout"])?;
            let run = r.required(&f, "run").and_then(|(v, p)| r.template(v, &p));
            let exit = match f.get("exit") {
                Some((v, p)) => r.int(v, &p, 0, 255).map(|n| n as i32),
                None => Some(0),
            };
            let stdout = f.get("stdout").and_then(|(v, p)| r.regex(v, &p));
            ProbeCheck::Command {
                run: run?,
                exit: exit?,
                stdout,
            }
        }
        _ => {
            let f = r.fields(v, path, &["port", "word", "matches"])?;
            let port = match f.get("port") {
                Some((v, p)) => read_port(r, v, &p, port_template),
                None => Some(2181),
            };
            let word = r
                .opt_string(&f, "word")
                .unwrap_or_else(|| "srvr".to_string());
            if word.len() != 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
                r.error(
                    &child(path, "word"),
                    format!("'{word}' is not a ZooKeeper four-letter word"),
                );
            }
            let matches = f.get("matches").and_then(|(v, p)| r.regex(v, &p));
            ProbeCheck::Zk {
                port: port?,
                word,
                matches,
            }
        }
    };
    (r.errors.len() == before).then_some(check)
}

fn read_json_check(r: &mut Reader, v: &Value, path: &str) -> Option<JsonCheck> {
    let f: Fields = r.fields(v, path, &["pointer", "equals", "matches"])?;
    let pointer = r
        .required(&f, "pointer")
        .and_then(|(v, p)| r.string(v, &p))?;
    if !pointer.is_empty() && !pointer.starts_with('/') {
        r.error(
            &child(path, "pointer"),
            format!("JSON pointer '{pointer}' must be empty or start with '/'"),
        );
    }
    let equals = f.get("equals").and_then(|(v, p)| {
        serde_json::to_value(v)
            .map_err(|e| r.error(&p, e.to_string()))
            .ok()
    });
    let matches = f.get("matches").and_then(|(v, p)| r.regex(v, &p));
    Some(JsonCheck {
        pointer,
        equals,
        matches,
    })
}
