//! `vars.overrides`: per file, properties (or Mesos flags) that replace
//! herd's values, and null to remove one of them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::reader::{Reader, kind};

/// Files whose properties `vars.overrides` may change.
pub const OVERRIDE_FILES: &[&str] = &[
    "core-site",
    "hdfs-site",
    "yarn-site",
    "mapred-site",
    "zoo.cfg",
    "mesos-master",
    "mesos-agent",
    "spark-defaults",
];

/// File -> property -> value; None removes a default.
pub(super) type Overrides = BTreeMap<String, BTreeMap<String, Option<String>>>;

/// Read `vars.overrides` (`v`, at `path`) into `out`.
pub(super) fn read(r: &mut Reader, v: &Value, path: &str, out: &mut Overrides) {
    if v.is_null() {
        return;
    }
    let Some(files) = r.fields(v, path, OVERRIDE_FILES) else {
        return;
    };
    for (file, v, fpath) in files.iter() {
        let props = match v {
            Value::Null => continue,
            Value::Object(props) => props,
            other => {
                r.error(
                    &fpath,
                    format!(
                        "expected a mapping of property -> value, got {}",
                        kind(other)
                    ),
                );
                continue;
            }
        };
        let mesos = file.starts_with("mesos-");
        let mut values = BTreeMap::new();
        for (key, val) in props {
            let path = format!("{fpath}.{key}");
            if mesos
                && !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                r.error(&path, format!("'{key}' is not a Mesos flag name (lowercase, digits and '_', without the leading --)"));
                continue;
            }
            if key.trim().is_empty() || key.chars().any(char::is_whitespace) {
                r.error(&path, format!("'{key}' is not a property name"));
                continue;
            }
            let value = match val {
                Value::Null => None,
                // A config file would hold the marker; secrets are for commands.
                Value::String(s) if crate::model::holds_marker(s) => {
                    r.error(
                        &path,
                        "a secret variable cannot be used here (secrets are for commands)",
                    );
                    continue;
                }
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                other => {
                    r.error(
                        &path,
                        format!("an override value must be a string, number, boolean or null (to remove the default), got {}", kind(other)),
                    );
                    continue;
                }
            };
            if let Some(v) = &value
                && (v.contains('\n') && !mesos)
            {
                r.error(&path, "an override value cannot span lines");
                continue;
            }
            values.insert(key.clone(), value);
        }
        out.insert(file.to_string(), values);
    }
}
