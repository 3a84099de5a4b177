//! Command templates (minijinja). Every interpolated value is shell-quoted
//! unless marked `| raw`, so an inventory value can never inject shell.
//!
//! What a template sees:
//! - `host`: `{name, address, port, user, roles, vars}` of the host it runs for;
//! - `vars`: playbook `vars`, overlaid by the inventory's cluster `vars`,
//!   overlaid by the host's `vars` (the host wins: the inventory describes the
//!   real cluster, the playbook only ships defaults);
//! - `hosts`: every host object, in inventory order;
//! - `roles`: role name -> host names carrying it, in inventory order;
//! - `inventory`: `{cluster}`; `playbook`: `{name}`.
//!
//! A secret variable (`!secret`, `!secret_env`) renders as a reference to a
//! shell variable (`"$HERD_SECRET_I1"`), whatever the filter, `raw` included:
//! its value reaches the host on the command's stdin, never in its text.
//!
//! Undefined names are errors rather than empty strings: a typo must not turn
//! `rm -rf {{ data_dir }}/x` into `rm -rf /x`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde_json::{Value as Json, json};

use crate::model::{Host, Inventory, Playbook, holds_marker, marker_var, reference};

/// The variables a template is rendered with. Values are minijinja's
/// reference-counted ones, so the cluster-wide part (every host, every role)
/// is built once per run and shared by every host's context.
#[derive(Debug, Clone)]
pub struct TemplateContext {
    root: BTreeMap<String, Value>,
}

/// A template that did not parse or render. The caller adds which stage and
/// field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

fn host_object(h: &Host) -> Json {
    json!({
        "name": h.name,
        "address": h.address,
        "port": h.port,
        "user": h.user,
        "roles": h.roles,
        "vars": h.vars,
    })
}

impl TemplateContext {
    /// The context for running on inventory host `host` (an index into `inventory.hosts`).
    pub fn new(inventory: &Inventory, playbook: &Playbook, host: usize) -> TemplateContext {
        Self::cluster(inventory, playbook).for_host(inventory, playbook, host)
    }

    /// This (cluster) context with `host` and the host's `vars` added: cheap,
    /// the shared values are not copied.
    pub fn for_host(
        &self,
        inventory: &Inventory,
        playbook: &Playbook,
        host: usize,
    ) -> TemplateContext {
        let mut root = self.root.clone();
        let h = &inventory.hosts[host];
        root.insert("host".into(), Value::from_serialize(host_object(h)));
        let mut vars = playbook.vars.clone();
        // Host vars already carry the cluster vars beneath them.
        vars.extend(h.vars.clone());
        root.insert("vars".into(), Value::from_serialize(&vars));
        TemplateContext { root }
    }

    /// The context with no particular host (`host` is undefined): for
    /// cluster-wide text such as rendered configs.
    pub fn cluster(inventory: &Inventory, playbook: &Playbook) -> TemplateContext {
        let mut vars = playbook.vars.clone();
        vars.extend(inventory.vars.clone());
        let mut roles: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for h in &inventory.hosts {
            for r in &h.roles {
                roles.entry(r).or_default().push(&h.name);
            }
        }
        let hosts: Vec<Json> = inventory.hosts.iter().map(host_object).collect();
        let mut root = BTreeMap::new();
        root.insert("vars".into(), Value::from_serialize(&vars));
        root.insert("hosts".into(), Value::from_serialize(&hosts));
        root.insert("roles".into(), Value::from_serialize(&roles));
        root.insert(
            "inventory".into(),
            Value::from_serialize(json!({ "cluster": inventory.cluster })),
        );
        root.insert(
            "playbook".into(),
            Value::from_serialize(json!({ "name": playbook.name })),
        );
        TemplateContext { root }
    }

    /// This context with `out` (inventory indices) gone from `roles`: what
    /// a gate sees once the run went on without those hosts. `hosts` keeps
    /// every host, so per-host lookups still find theirs.
    pub fn without_hosts(
        &self,
        inventory: &Inventory,
        out: &std::collections::HashSet<usize>,
    ) -> TemplateContext {
        let mut roles: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (i, h) in inventory.hosts.iter().enumerate() {
            for r in &h.roles {
                let names = roles.entry(r).or_default();
                if !out.contains(&i) {
                    names.push(&h.name);
                }
            }
        }
        let mut root = self.root.clone();
        root.insert("roles".into(), Value::from_serialize(&roles));
        TemplateContext { root }
    }

    /// Add or replace a top-level name (e.g. `stage`, `batch`).
    pub fn set(&mut self, name: &str, value: Json) {
        self.root
            .insert(name.to_string(), Value::from_serialize(&value));
    }
}

/// Render a command: every value shell-quoted unless piped through `raw`.
pub fn render(template: &str, ctx: &TemplateContext) -> Result<String, TemplateError> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    let env = ENV.get_or_init(|| {
        let mut env = base_environment();
        env.set_formatter(shell_formatter);
        env
    });
    render_with(env, template, ctx)
}

/// Render text that is not a shell command (probe addresses, HTTP paths): no
/// quoting, still strict about undefined names.
pub fn render_raw(template: &str, ctx: &TemplateContext) -> Result<String, TemplateError> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    let env = ENV.get_or_init(|| {
        let mut env = base_environment();
        env.set_formatter(|out, state, value| match value.kind() {
            ValueKind::String if value.as_str().is_some_and(holds_marker) => Err(secret_misused()),
            ValueKind::Bool => out
                .write_str(if value.is_true() { "true" } else { "false" })
                .map_err(Error::from),
            _ => minijinja::escape_formatter(out, state, value),
        });
        env
    });
    render_with(env, template, ctx)
}

/// A secret turned into part of a longer string, or used where no shell
/// reads it: its value could not be handed over without being written out.
fn secret_misused() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        "a secret variable can only be used on its own as a word of a command \
         ({{ vars.name }}), not inside another string, through a filter, or outside a command",
    )
}

fn base_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("raw", raw);
    env
}

/// Text a template opted out of quoting with `| raw`. Only this type is
/// written unquoted: minijinja's own "safe" strings (from `safe`, `escape`,
/// `e`, `tojson`, ...) are meant for HTML, and are quoted like any string.
#[derive(Debug)]
struct Raw(String);

impl minijinja::value::Object for Raw {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn render(self: &std::sync::Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret piped through `raw` stays its reference: `raw` only skips quoting.
fn raw(value: Value) -> Value {
    if value.as_str().is_some_and(|s| marker_var(s).is_some()) {
        return value;
    }
    match value.downcast_object_ref::<Raw>() {
        Some(_) => value,
        None => Value::from_object(Raw(match value.as_str() {
            Some(s) => s.to_string(),
            None => value.to_string(),
        })),
    }
}

fn render_with(
    env: &Environment<'static>,
    template: &str,
    ctx: &TemplateContext,
) -> Result<String, TemplateError> {
    let tmpl = env
        .template_from_str(template)
        .map_err(|e| describe(&e, None, ctx))?;
    tmpl.render(Value::from(ctx.root.clone()))
        .map_err(|e| describe(&e, Some(&tmpl), ctx))
}

/// minijinja says "undefined value" without saying which; find the name.
fn describe(e: &Error, tmpl: Option<&minijinja::Template>, ctx: &TemplateContext) -> TemplateError {
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    let line = e
        .line()
        .map(|l| format!(" (template line {l})"))
        .unwrap_or_default();
    if e.kind() == ErrorKind::UndefinedError
        && let Some(t) = tmpl
    {
        let mut names: Vec<String> = t.undeclared_variables(true).into_iter().collect();
        names.sort();
        if let Some(missing) = names.iter().find(|n| !defined(&ctx.root, n)) {
            return TemplateError {
                message: format!("undefined variable '{missing}'{line}"),
            };
        }
    }
    TemplateError {
        message: format!("{}{detail}{line}", e.kind()),
    }
}

fn defined(root: &BTreeMap<String, Value>, dotted: &str) -> bool {
    let mut parts = dotted.split('.');
    let Some(mut cur) = parts.next().and_then(|p| root.get(p)).cloned() else {
        return false;
    };
    for p in parts {
        match cur.kind() {
            ValueKind::Map => match cur.get_attr(p) {
                Ok(v) if !v.is_undefined() => cur = v,
                _ => return false,
            },
            // Attributes of lists and strings are methods or indices, not names we can check.
            _ => return true,
        }
    }
    true
}

fn shell_formatter(out: &mut Output, _state: &State, value: &Value) -> Result<(), Error> {
    let mut s = String::new();
    shell_words(&mut s, value)?;
    out.write_str(&s).map_err(Error::from)
}

/// Append `value` as shell words: strings quoted, numbers and booleans plain,
/// lists as one word per item, mappings as one quoted JSON word.
fn shell_words(out: &mut String, value: &Value) -> Result<(), Error> {
    if let Some(Raw(text)) = value.downcast_object_ref::<Raw>() {
        if holds_marker(text) {
            return Err(secret_misused());
        }
        out.push_str(text);
        return Ok(());
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("''"),
        // Jinja would print `True`; shells and Hadoop configs expect `true`.
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => out.push_str(&value.to_string()),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            match marker_var(text) {
                Some(var) => out.push_str(&reference(var)),
                None => out.push_str(&quote(text)?),
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            for (i, item) in value.try_iter()?.enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                shell_words(out, &item)?;
            }
        }
        ValueKind::Map => {
            let text = serde_json::to_string(value).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("cannot print mapping: {e}"),
                )
            })?;
            out.push_str(&quote(&text)?);
        }
        ValueKind::Bytes => out.push_str(&quote(&String::from_utf8_lossy(
            value.as_bytes().unwrap_or_default(),
        ))?),
        _ => out.push_str(&quote(&value.to_string())?),
    }
    Ok(())
}

fn quote(s: &str) -> Result<String, Error> {
    if holds_marker(s) {
        return Err(secret_misused());
    }
    if s.contains('\0') {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "a value contains a NUL byte, which no shell word can hold",
        ));
    }
    Ok(crate::shell::quote(s))
}

#[cfg(test)]
mod without_hosts_tests {
    use super::*;

    #[test]
    fn hosts_left_out_leave_roles_but_not_hosts() {
        let inv = Inventory::parse(
            "cluster: t\nhosts:\n  - { name: a, address: 10.0.0.1, roles: [dn] }\n  - { name: b, address: 10.0.0.2, roles: [dn, nm] }\n",
            std::path::Path::new("inv.yaml"),
        )
        .unwrap();
        let pb = Playbook::parse(
            "stages:\n  - { name: s, hosts: all, run: 'true' }\n",
            "pb.yaml",
        )
        .unwrap();
        let base = TemplateContext::cluster(&inv, &pb);
        let tpl = "{{ roles.dn | length }} {{ roles.nm | length }} {{ hosts | length }}";
        assert_eq!(render_raw(tpl, &base).unwrap(), "2 1 2");
        let out = [1].into_iter().collect();
        let less = base.without_hosts(&inv, &out).for_host(&inv, &pb, 0);
        // A role whose every host is out is still a role, with none left.
        assert_eq!(render_raw(tpl, &less).unwrap(), "1 0 2");
    }
}
