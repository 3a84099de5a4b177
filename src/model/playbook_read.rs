//! Reading a playbook file: every field checked and located, every mistake
//! of the file reported at once, the stage dependencies resolved last.

use serde_yaml::Value;
use sha2::{Digest, Sha256};

use super::playbook::{
    Expectation, HostSelector, JsonCheck, MAX_RETRIES, PROBE_ADDRESS, PROBE_INTERVAL,
    PROBE_TIMEOUT, Playbook, Probe, ProbeCheck, SelectorItem, Stage, Upload, is_stage_name,
};
use super::reader::{Fields, Reader, kind, parse_yaml};
use super::spans::{child, item};
use super::{Location, ModelErrors, Spans};

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
        r.secrets = super::Secrets::new('p');
        let Some(mut pb) = read_playbook(&mut r, &root, text, source) else {
            return Err(ModelErrors(r.errors));
        };
        if r.errors.is_empty()
            && let Err(e) = super::dependencies::stage_dependencies(&pb)
        {
            r.errors.extend(e.0);
        }
        pb.secrets = std::mem::take(&mut r.secrets);
        r.finish(pb)
    }
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "vars",
    "expendable_roles",
    "optional_roles",
    "stages",
];
const STAGE_KEYS: &[&str] = &[
    "name",
    "description",
    "hosts",
    "run",
    "once",
    "creates",
    "unless",
    "when",
    "depends_on",
    "timeout",
    "retries",
    "serial",
    "probe",
    "upload",
    "become",
    "become_user",
];
const PROBE_KEYS: &[&str] = &[
    "tcp", "http", "command", "zk", "hosts", "expect", "timeout", "address", "interval",
];
const CHECKS: &[&str] = &["tcp", "http", "command", "zk"];

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
    let expendable_roles = top
        .get("expendable_roles")
        .and_then(|(v, p)| read_roles(r, v, &p));
    let optional_roles = top
        .get("optional_roles")
        .and_then(|(v, p)| read_roles(r, v, &p))
        .unwrap_or_default();
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
        expendable_roles,
        optional_roles,
        spans: r.spans.clone(),
        secrets: Default::default(),
    })
}

/// `expendable_roles`: role names, a bare one or a list.
fn read_roles(r: &mut Reader, v: &Value, path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (role, p) in r.strings(v, path, true)? {
        let role = role.trim().to_string();
        if role.is_empty() || role.starts_with("role:") || role.starts_with("host:") {
            r.error(
                &p,
                format!("'{role}' is not a role name (write the bare role, e.g. datanode)"),
            );
            continue;
        }
        out.push(role);
    }
    Some(out)
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
    let when = r.opt_template(&f, "when");
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
    let privilege = super::privilege::read(r, &f, true);
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
        when,
        depends_on,
        probe,
        timeout,
        retries,
        serial,
        upload,
        privilege,
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
