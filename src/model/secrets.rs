//! Secret variables: values marked `!secret` or `!secret_env` in `vars`.
//!
//! A secret never enters a command's text. In the variables a template sees,
//! each secret is a marker string (NUL-delimited, so no YAML value can
//! collide with one: the reader refuses NUL bytes); a command template
//! renders the marker as a reference to a shell variable, and the transport
//! hands the value to the host's shell on stdin. Everything herd prints or
//! journals passes through [`Secrets::mask`].

/// What a masked value is shown as.
pub const MASK: &str = "***";

/// The secrets of one file (or of a whole run: [`Secrets::merge`]), in the
/// order they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// `i` for the inventory, `p` for the playbook: keeps the variable
    /// names of two files apart once merged.
    scope: char,
    entries: Vec<Secret>,
    /// Values masked like the secrets but that no command refers to (the
    /// become password, which reaches sudo only).
    masked: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Shell variable the command reads the value from (`HERD_SECRET_I1`).
    pub var: String,
    /// Where it was set (`vars.db_password`, `hosts[0].vars.key`).
    pub path: String,
    pub value: String,
}

const MARK_START: &str = "\0herd-secret:";
const MARK_END: char = '\0';

impl Secrets {
    pub(crate) fn new(scope: char) -> Secrets {
        Secrets {
            scope,
            entries: Vec::new(),
            masked: Vec::new(),
        }
    }

    /// Record a secret; returns the marker that stands for it in `vars`.
    pub(crate) fn add(&mut self, path: &str, value: String) -> String {
        let var = format!(
            "HERD_SECRET_{}{}",
            self.scope.to_ascii_uppercase(),
            self.entries.len() + 1
        );
        let marker = format!("{MARK_START}{var}{MARK_END}");
        self.entries.push(Secret {
            var,
            path: path.to_string(),
            value,
        });
        marker
    }

    /// Record a secret for a command herd writes itself; returns the
    /// shell word that stands for it there (see [`reference`]).
    pub(crate) fn add_reference(&mut self, path: &str, value: String) -> String {
        self.add(path, value);
        let var = self
            .entries
            .last()
            .map(|s| s.var.as_str())
            .unwrap_or_default();
        reference(var)
    }

    /// The secrets of both, for a run of `self`'s inventory with `other`'s playbook.
    pub fn merge(&self, other: &Secrets) -> Secrets {
        let mut entries = self.entries.clone();
        entries.extend(other.entries.iter().cloned());
        let mut masked = self.masked.clone();
        masked.extend(other.masked.iter().cloned());
        Secrets {
            scope: self.scope,
            entries,
            masked,
        }
    }

    /// Masks `value` too, wherever [`Secrets::mask`] is applied, without
    /// making it a variable any command can refer to.
    pub fn also_mask(&mut self, value: &str) {
        if !value.is_empty() {
            self.masked.push(value.to_string());
        }
    }

    /// Nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.masked.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.entries.iter()
    }

    /// `text` with every secret value replaced by [`MASK`]. Longer values go
    /// first, so a secret that contains another is masked whole.
    pub fn mask(&self, text: &str) -> String {
        let mut values: Vec<&str> = self
            .entries
            .iter()
            .map(|s| s.value.as_str())
            .chain(self.masked.iter().map(String::as_str))
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return text.to_string();
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for v in values {
            if out.contains(v) {
                out = out.replace(v, MASK);
            }
        }
        out
    }

    /// Bytes masked as text; output that is not UTF-8 is masked on its
    /// lossy form, since a value hidden in it must not survive either.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        if self.is_empty() {
            return bytes.to_vec();
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => self.mask(s).into_bytes(),
            Err(_) => self.mask(&String::from_utf8_lossy(bytes)).into_bytes(),
        }
    }

    /// (variable, value) of every secret whose reference `command` holds:
    /// what the host's shell must be given to run it.
    pub fn referenced(&self, command: &str) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|s| command.contains(&reference(&s.var)))
            .map(|s| (s.var.clone(), s.value.clone()))
            .collect()
    }
}

/// The variable a marker stands for, if `text` is exactly one marker.
pub fn marker_var(text: &str) -> Option<&str> {
    let var = text.strip_prefix(MARK_START)?.strip_suffix(MARK_END)?;
    var.starts_with("HERD_SECRET_").then_some(var)
}

/// Whether `text` holds a marker with other text around it (a secret
/// pasted into a longer string), which cannot be rendered as one reference.
pub fn holds_marker(text: &str) -> bool {
    text.contains(MARK_START)
}

/// How a command names the secret held in `var`: one shell word, expanded
/// by the host's shell, so the value itself is never in the command.
pub fn reference(var: &str) -> String {
    format!("\"${var}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_longest_first_and_finds_references() {
        let mut s = Secrets::new('i');
        let m1 = s.add("vars.a", "hunter2".into());
        let m2 = s.add("vars.b", "hunter2-long".into());
        assert_eq!(marker_var(&m1), Some("HERD_SECRET_I1"));
        assert_eq!(marker_var(&m2), Some("HERD_SECRET_I2"));
        assert_eq!(s.mask("x hunter2-long hunter2 y"), "x *** *** y");
        let cmd = format!("echo {}", reference("HERD_SECRET_I2"));
        assert_eq!(
            s.referenced(&cmd),
            vec![("HERD_SECRET_I2".to_string(), "hunter2-long".to_string())]
        );
        assert!(holds_marker(&format!("a{m1}b")));
        let mut only = Secrets::default();
        assert!(only.is_empty());
        only.also_mask("sudo-pw");
        assert_eq!(only.mask("said sudo-pw"), "said ***");
        assert!(only.referenced("\"$HERD_SECRET_BECOME\"").is_empty());
        assert_eq!(marker_var(&format!("a{m1}")), None);
    }
}
