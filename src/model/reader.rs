//! Typed reading of a parsed tree that keeps going after a problem.
//!
//! serde's derive stops at the first error; users should see every mistake of
//! a file at once, each with its position, so fields are read one by one and
//! problems collected here. The tree is a file's YAML or, for the values of
//! `vars`, the JSON they are kept as (see [`Tree`]).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_yaml::Value;

use super::secrets::Secrets;
use super::spans::{child, item};
pub(crate) use super::tree::Tree;
use super::tree::scalar_text;
use super::{ModelError, ModelErrors, Spans, parse_duration};

pub(crate) struct Reader<'s> {
    pub spans: &'s Spans,
    pub errors: Vec<ModelError>,
    /// The `!secret` and `!secret_env` values met in `vars`.
    pub secrets: Secrets,
}

/// The entries of a mapping whose keys were checked against the allowed set.
pub(crate) struct Fields<'v, T = Value> {
    pub path: String,
    entries: Vec<(String, &'v T)>,
}

impl<'v, T> Fields<'v, T> {
    pub fn get(&self, key: &str) -> Option<(&'v T, String)> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| (*v, child(&self.path, key)))
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// (key, value, path) of every entry, in the order of the file.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &'v T, String)> + '_ {
        self.entries
            .iter()
            .map(|(k, v)| (k.as_str(), *v, child(&self.path, k)))
    }
}

pub(crate) fn kind(v: &impl Tree) -> &'static str {
    v.kind()
}

/// A scalar as the user wrote it (`'384 mb'`, `1.5`), anything else by its kind.
pub(crate) fn describe(v: &impl Tree) -> String {
    if let Some(s) = v.as_text() {
        format!("'{s}'")
    } else if let Some(n) = v.number_text() {
        n
    } else {
        v.kind().to_string()
    }
}

impl<'s> Reader<'s> {
    pub fn new(spans: &'s Spans) -> Reader<'s> {
        Reader {
            spans,
            errors: Vec::new(),
            secrets: Secrets::default(),
        }
    }

    /// An error about the value at `path`.
    pub fn error(&mut self, path: &str, message: impl Into<String>) {
        // Every error names its file, at its start when nothing nearer exists.
        let location = self.spans.nearest(path).or_else(|| {
            Some(super::Location {
                file: self.spans.file().to_path_buf(),
                line: 1,
                column: 1,
            })
        });
        self.errors.push(ModelError {
            location,
            field: path.to_string(),
            message: message.into(),
        });
    }

    /// An error about the key of the entry at `path` (unknown key, duplicate name).
    pub fn key_error(&mut self, path: &str, message: impl Into<String>) {
        let location = self.spans.key(path).or_else(|| self.spans.nearest(path));
        self.errors.push(ModelError {
            location,
            field: path.to_string(),
            message: message.into(),
        });
    }

    pub fn finish<T>(self, value: T) -> Result<T, ModelErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ModelErrors(self.errors))
        }
    }

    /// A mapping whose keys must be among `allowed`.
    pub fn fields<'v, T: Tree>(
        &mut self,
        v: &'v T,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'v, T>> {
        let Some(m) = v.as_entries() else {
            self.error(path, format!("expected a mapping, got {}", kind(v)));
            return None;
        };
        let mut entries = Vec::new();
        for (k, val) in m {
            let key = match k {
                Ok(key) => key,
                Err(k) => {
                    self.error(path, format!("keys must be plain names, got {k}"));
                    continue;
                }
            };
            if allowed.contains(&key.as_str()) {
                entries.push((key, val));
            } else {
                let p = child(path, &key);
                self.key_error(
                    &p,
                    format!(
                        "unknown key '{key}' (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
        Some(Fields {
            path: path.to_string(),
            entries,
        })
    }

    pub fn required<'v, T>(&mut self, f: &Fields<'v, T>, key: &str) -> Option<(&'v T, String)> {
        let got = f.get(key);
        if got.is_none() {
            let path = f.path.clone();
            self.error(&path, format!("missing required key '{key}'"));
        }
        got
    }

    pub fn string(&mut self, v: &impl Tree, path: &str) -> Option<String> {
        match v.as_text() {
            // Only a secret's marker holds one (the YAML reader refuses NUL):
            // a setting read from `vars` would write it out where it goes.
            Some(s) if super::holds_marker(s) => {
                self.error(
                    path,
                    "a secret variable cannot be used here (secrets are for commands)",
                );
                None
            }
            Some(s) => Some(s.to_string()),
            None => {
                self.error(path, format!("expected a string, got {}", kind(v)));
                None
            }
        }
    }

    /// A string with something in it: a blank value would stand for a name
    /// or a path that is not there.
    pub fn text(&mut self, v: &impl Tree, path: &str) -> Option<String> {
        if v.as_text().is_some_and(|s| s.trim().is_empty()) {
            self.error(path, "expected a value, got an empty string");
            return None;
        }
        self.string(v, path)
    }

    pub fn opt_string<T: Tree>(&mut self, f: &Fields<T>, key: &str) -> Option<String> {
        let (v, p) = f.get(key)?;
        self.string(v, &p)
    }

    /// Like [`Reader::opt_string`], but blank is an error: a user, a path or
    /// a name that is empty means something else than the file says.
    pub fn opt_nonempty<T: Tree>(&mut self, f: &Fields<T>, key: &str) -> Option<String> {
        let (v, p) = f.get(key)?;
        let s = self.string(v, &p)?;
        if s.trim().is_empty() {
            self.error(&p, format!("{key} is empty"));
            return None;
        }
        Some(s)
    }

    /// A string that must parse as a template; rendering waits for a host,
    /// but a syntax error is the file's fault and is reported with it.
    pub fn template(&mut self, v: &impl Tree, path: &str) -> Option<String> {
        let s = self.string(v, path)?;
        let env = minijinja::Environment::new();
        if let Err(e) = env.template_from_str(&s) {
            let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
            self.error(path, format!("invalid template ({}{detail})", e.kind()));
            return None;
        }
        Some(s)
    }

    pub fn opt_template<T: Tree>(&mut self, f: &Fields<T>, key: &str) -> Option<String> {
        let (v, p) = f.get(key)?;
        self.template(v, &p)
    }

    pub fn bool(&mut self, v: &impl Tree, path: &str) -> Option<bool> {
        let b = v.as_flag();
        if b.is_none() {
            self.error(path, format!("expected true or false, got {}", kind(v)));
        }
        b
    }

    /// An integer in `min..=max`.
    pub fn int(&mut self, v: &impl Tree, path: &str, min: i64, max: i64) -> Option<i64> {
        let Some(n) = v.number_text() else {
            self.error(path, format!("expected a whole number, got {}", kind(v)));
            return None;
        };
        match v.as_int() {
            Some(i) if (min..=max).contains(&i) => Some(i),
            Some(i) if max == i64::MAX && i < min => {
                self.error(path, format!("{n} is too small (expected at least {min})"));
                None
            }
            _ => {
                self.error(
                    path,
                    format!("{n} is out of range (expected {min} to {max})"),
                );
                None
            }
        }
    }

    /// A whole number of zero or more, any other value quoted back in the error.
    pub fn uint(&mut self, v: &impl Tree, path: &str) -> Option<u64> {
        let n = v.as_uint();
        if n.is_none() {
            self.error(
                path,
                format!("expected a whole number, got {}", describe(v)),
            );
        }
        n
    }

    pub fn port(&mut self, v: &impl Tree, path: &str) -> Option<u16> {
        let Some(n) = v.number_text() else {
            self.error(path, format!("expected a port number, got {}", kind(v)));
            return None;
        };
        match v.as_int() {
            Some(p) if (1..=65535).contains(&p) => Some(p as u16),
            _ => {
                self.error(path, format!("invalid port {n} (expected 1 to 65535)"));
                None
            }
        }
    }

    /// `30s`, `2m`, `500ms`, `1h`, or a bare number of seconds.
    pub fn duration(&mut self, v: &impl Tree, path: &str) -> Option<Duration> {
        let Some(text) = v.as_text().map(str::to_string).or_else(|| v.number_text()) else {
            self.error(
                path,
                format!("expected a duration like 30s, got {}", kind(v)),
            );
            return None;
        };
        match parse_duration(&text) {
            Ok(d) if d.is_zero() => {
                self.error(path, format!("duration '{text}' must be more than zero"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.error(path, e);
                None
            }
        }
    }

    pub fn regex(&mut self, v: &impl Tree, path: &str) -> Option<regex::Regex> {
        let s = self.string(v, path)?;
        match regex::Regex::new(&s) {
            Ok(r) => Some(r),
            Err(e) => {
                // The library's message draws a caret diagram; its last line says what is wrong.
                let text = e.to_string();
                let why = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                let why = why.strip_prefix("error: ").unwrap_or(why);
                self.error(path, format!("invalid regular expression '{s}': {why}"));
                None
            }
        }
    }

    /// A list of strings; a single string counts as a list of one when `single` is set.
    pub fn strings(
        &mut self,
        v: &impl Tree,
        path: &str,
        single: bool,
    ) -> Option<Vec<(String, String)>> {
        if single && let Some(s) = v.as_text() {
            return Some(vec![(s.to_string(), path.to_string())]);
        }
        let Some(items) = v.as_items() else {
            self.error(path, format!("expected a list of strings, got {}", kind(v)));
            return None;
        };
        let mut out = Vec::new();
        for (i, x) in items.iter().enumerate() {
            let p = item(path, i);
            if let Some(s) = self.string(x, &p) {
                out.push((s, p));
            }
        }
        Some(out)
    }

    /// Free-form variables: a mapping of names to any YAML, as JSON values.
    pub fn vars(&mut self, v: &Value, path: &str) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        let Value::Mapping(m) = v else {
            if !v.is_null() {
                self.error(
                    path,
                    format!("expected a mapping of variables, got {}", kind(v)),
                );
            }
            return out;
        };
        for (k, val) in m {
            let Some(key) = scalar_text(k) else {
                self.error(
                    path,
                    format!("variable names must be plain names, got {}", kind(k)),
                );
                continue;
            };
            let p = child(path, &key);
            if let Some(j) = self.var_value(val, &p) {
                out.insert(key, j);
            }
        }
        out
    }

    /// One variable's value as JSON, its secrets replaced by their markers.
    fn var_value(&mut self, v: &Value, path: &str) -> Option<serde_json::Value> {
        match v {
            Value::Tagged(t) => self.secret(&t.tag.to_string(), &t.value, path),
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    out.push(self.var_value(x, &item(path, i))?);
                }
                Some(serde_json::Value::Array(out))
            }
            Value::Mapping(m) => {
                let mut out = serde_json::Map::new();
                for (k, x) in m {
                    let Some(key) = scalar_text(k) else {
                        self.error(path, format!("keys must be plain names, got {}", kind(k)));
                        return None;
                    };
                    let value = self.var_value(x, &child(path, &key))?;
                    out.insert(key, value);
                }
                Some(serde_json::Value::Object(out))
            }
            _ => match serde_json::to_value(v) {
                Ok(j) => Some(j),
                Err(e) => {
                    self.error(path, format!("cannot use this value as a variable: {e}"));
                    None
                }
            },
        }
    }

    /// `!secret VALUE` or `!secret_env NAME`: recorded in `secrets`, its
    /// marker returned. No message here quotes the value.
    fn secret(&mut self, tag: &str, v: &Value, path: &str) -> Option<serde_json::Value> {
        let Value::String(text) = v else {
            self.error(
                path,
                format!(
                    "{tag} takes a string, got {} (quote it: {tag} '...')",
                    kind(v)
                ),
            );
            return None;
        };
        let value = match tag {
            "!secret" => text.clone(),
            "!secret_env" => match std::env::var(text) {
                Ok(value) => value,
                Err(std::env::VarError::NotPresent) => {
                    self.error(
                        path,
                        format!("!secret_env: the environment variable '{text}' is not set"),
                    );
                    return None;
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    self.error(
                        path,
                        format!("!secret_env: the environment variable '{text}' is not UTF-8"),
                    );
                    return None;
                }
            },
            _ => {
                self.error(
                    path,
                    format!("unknown tag '{tag}' (herd knows !secret and !secret_env)"),
                );
                return None;
            }
        };
        // The host's shell reads each value as one line.
        if value.contains(['\n', '\r', '\0']) {
            self.error(
                path,
                format!("{tag}: a secret value must be one line (no line breaks or NUL bytes)"),
            );
            return None;
        }
        Some(serde_json::Value::String(self.secrets.add(path, value)))
    }
}

/// Parse YAML text into a tree, or a located syntax error.
pub(crate) fn parse_yaml(text: &str, spans: &Spans) -> Result<Value, ModelErrors> {
    let at_start = || {
        Some(super::Location {
            file: spans.file().to_path_buf(),
            line: 1,
            column: 1,
        })
    };
    if text.starts_with('\u{feff}') {
        return Err(ModelErrors::from(ModelError {
            location: at_start(),
            field: String::new(),
            message: "the file starts with a UTF-8 byte-order mark; save it without one".into(),
        }));
    }
    let root = serde_yaml::from_str::<Value>(text).map_err(|e| {
        let location = e
            .location()
            .map(|l| super::Location {
                file: spans.file().to_path_buf(),
                line: l.line(),
                column: l.column(),
            })
            .or_else(at_start);
        // The position is already in `location`; drop serde_yaml's copy of it.
        let mut message = e.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        let message = if message.contains("more than one document") {
            "the file holds more than one YAML document ('---'); herd reads one".to_string()
        } else if message.contains("repetition limit exceeded") {
            "invalid YAML: its aliases expand past the size herd reads (an alias bomb?)".to_string()
        } else {
            format!("invalid YAML: {message}")
        };
        ModelErrors::from(ModelError {
            location,
            field: String::new(),
            message,
        })
    })?;
    let mut r = Reader::new(spans);
    refuse_nul(&mut r, &root, "");
    r.finish(root)
}

/// A NUL byte (YAML's `"\0"`) can be neither a shell word nor an argument
/// nor a config value; refusing it here lets every later layer quote freely.
fn refuse_nul(r: &mut Reader, v: &Value, path: &str) {
    const MESSAGE: &str = "contains a NUL byte, which no command, argument or config file can hold";
    match v {
        Value::String(s) if s.contains('\0') => r.error(path, format!("the value {MESSAGE}")),
        Value::Sequence(items) => {
            for (i, x) in items.iter().enumerate() {
                refuse_nul(r, x, &item(path, i));
            }
        }
        Value::Mapping(m) => {
            for (k, x) in m {
                let name = scalar_text(k).unwrap_or_default();
                let p = child(path, &name);
                if name.contains('\0') {
                    r.key_error(&p, format!("the key {MESSAGE}"));
                }
                refuse_nul(r, x, &p);
            }
        }
        Value::Tagged(t) => refuse_nul(r, &t.value, path),
        _ => {}
    }
}
