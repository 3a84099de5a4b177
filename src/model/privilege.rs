//! `become` and `become_user`: running a stage's commands as another user
//! through sudo. A stage, the inventory's `defaults:` and each host may say
//! it; the nearest level that says it wins (stage, then host, then
//! defaults), and without any a command runs as the login user.

use super::reader::{Fields, Reader};
use super::tree::Tree;

/// What one level (a stage, a host, the inventory's defaults) says about
/// privilege. For a host, its defaults are already folded in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Become {
    /// `become:` where written.
    pub enabled: Option<bool>,
    /// `become_user:`: a template in a stage (rendered per host, like
    /// `run`), a plain user name in the inventory.
    pub user: Option<String>,
}

/// The user sudo runs as when no level names one.
pub const DEFAULT_BECOME_USER: &str = "root";

/// Longest user name accepted (useradd's limit on Linux).
const MAX_USER_NAME: usize = 32;

impl Become {
    /// Become `user` (`None`: the host's, else root).
    pub fn to(user: Option<&str>) -> Become {
        Become {
            enabled: Some(true),
            user: user.map(str::to_string),
        }
    }

    /// Whether this level asks for become: its `become`, else yes when it
    /// names a user (`become_user` implies `become: true`); None when it says
    /// nothing.
    pub fn asks(&self) -> Option<bool> {
        self.enabled.or(self.user.as_ref().map(|_| true))
    }

    /// This level with `under`'s keys filling what it leaves out (a host
    /// over the inventory's defaults).
    pub fn over(&self, under: &Become) -> Become {
        Become {
            enabled: self.asks().or(under.asks()),
            user: self.user.clone().or_else(|| under.user.clone()),
        }
    }
}

/// A POSIX user name as useradd takes it: `[a-z_][a-z0-9_-]*[$]?`, at most
/// 32 characters. Anything else is refused before it gets near sudo.
pub fn is_user_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    let mut bytes = body.bytes();
    name.len() <= MAX_USER_NAME
        && matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// Why `name` cannot be a `become_user`, if it cannot.
pub fn bad_user_name(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("become_user is empty".into());
    }
    if is_user_name(name) {
        return None;
    }
    Some(format!(
        "'{}' is not a user name (lowercase letters, digits, '_' and '-', starting with a letter or '_', at most {MAX_USER_NAME} characters)",
        super::error::printable(name)
    ))
}

/// Reads `become` and `become_user` from a mapping. In a stage
/// (`template`), `become_user` is a template, checked as a user name
/// when it holds no `{{`; in the inventory it is a name.
pub(super) fn read<T: Tree>(r: &mut Reader, f: &Fields<T>, template: bool) -> Become {
    let enabled = f.get("become").and_then(|(v, p)| r.bool(v, &p));
    let user = f.get("become_user").and_then(|(v, p)| {
        let text = if template {
            r.template(v, &p)?
        } else {
            r.string(v, &p)?
        };
        let literal = !(template && (text.contains("{{") || text.contains("{%")));
        if literal && let Some(why) = bad_user_name(&text) {
            r.error(&p, why);
            return None;
        }
        Some(text)
    });
    if template
        && enabled == Some(false)
        && let Some((_, p)) = f.get("become_user")
    {
        r.error(
            &p,
            "become_user with 'become: false' would never be used (become_user alone implies become: true)",
        );
    }
    Become { enabled, user }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_follow_useradd() {
        for ok in [
            "root",
            "hdfs",
            "_svc",
            "a-b_c9",
            "machine$",
            &"a".repeat(32),
        ] {
            assert!(is_user_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Root",
            "9lives",
            "-x",
            "a b",
            "a;b",
            "$",
            "a$b",
            "ä",
            &"a".repeat(33),
        ] {
            assert!(!is_user_name(bad), "{bad}");
        }
        assert_eq!(bad_user_name("  ").as_deref(), Some("become_user is empty"));
    }

    #[test]
    fn the_nearest_level_wins_and_a_user_implies_become() {
        let defaults = Become {
            enabled: Some(true),
            user: Some("admin".into()),
        };
        let host = Become {
            enabled: None,
            user: Some("hdfs".into()),
        };
        assert_eq!(host.over(&defaults), Become::to(Some("hdfs")));
        let off = Become {
            enabled: Some(false),
            user: None,
        };
        assert_eq!(
            off.over(&defaults),
            Become {
                enabled: Some(false),
                user: Some("admin".into())
            }
        );
        assert_eq!(Become::default().over(&Become::default()).asks(), None);
        assert_eq!(host.asks(), Some(true));
    }
}
