//! The parsed trees the model reads: the YAML of a file, and the JSON that
//! variables are kept as for templates (the Hadoop settings are read from
//! those). [`super::reader::Reader`] reads either through this trait.
//!
//! Only plain nodes count: a YAML tag is "a tagged value", not the value
//! under it, so `!x 5` is refused where a number is wanted.

/// One node of a parsed tree, as the reader needs to see it.
pub(crate) trait Tree: Sized {
    /// What the node is, for messages: "a string", "a list", ...
    fn kind(&self) -> &'static str;
    fn as_text(&self) -> Option<&str>;
    fn as_flag(&self) -> Option<bool>;
    fn as_int(&self) -> Option<i64>;
    fn as_uint(&self) -> Option<u64>;
    /// A number as this tree prints it (YAML and JSON print some floats
    /// differently), None for anything else.
    fn number_text(&self) -> Option<String>;
    fn as_items(&self) -> Option<&[Self]>;
    /// A mapping's entries in order, each key as text or, when it is not a
    /// plain name, as its kind.
    fn as_entries(&self) -> Option<Vec<(Result<String, &'static str>, &Self)>>;
}

impl Tree for serde_yaml::Value {
    fn kind(&self) -> &'static str {
        use serde_yaml::Value;
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
            Value::Tagged(_) => "a tagged value",
        }
    }
    fn as_text(&self) -> Option<&str> {
        match self {
            serde_yaml::Value::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_flag(&self) -> Option<bool> {
        match self {
            serde_yaml::Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_int(&self) -> Option<i64> {
        match self {
            serde_yaml::Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
    fn as_uint(&self) -> Option<u64> {
        match self {
            serde_yaml::Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    fn number_text(&self) -> Option<String> {
        match self {
            serde_yaml::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn as_items(&self) -> Option<&[Self]> {
        match self {
            serde_yaml::Value::Sequence(items) => Some(items),
            _ => None,
        }
    }
    fn as_entries(&self) -> Option<Vec<(Result<String, &'static str>, &Self)>> {
        match self {
            serde_yaml::Value::Mapping(m) => Some(
                m.iter()
                    .map(|(k, v)| (scalar_text(k).ok_or_else(|| k.kind()), v))
                    .collect(),
            ),
            _ => None,
        }
    }
}

impl Tree for serde_json::Value {
    fn kind(&self) -> &'static str {
        use serde_json::Value;
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a mapping",
        }
    }
    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }
    fn as_flag(&self) -> Option<bool> {
        self.as_bool()
    }
    fn as_int(&self) -> Option<i64> {
        self.as_i64()
    }
    fn as_uint(&self) -> Option<u64> {
        self.as_u64()
    }
    fn number_text(&self) -> Option<String> {
        match self {
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn as_items(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
    fn as_entries(&self) -> Option<Vec<(Result<String, &'static str>, &Self)>> {
        self.as_object()
            .map(|m| m.iter().map(|(k, v)| (Ok(k.clone()), v)).collect())
    }
}

/// A YAML key or scalar as plain text: strings, numbers and booleans.
pub(crate) fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    use serde_yaml::Value;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
