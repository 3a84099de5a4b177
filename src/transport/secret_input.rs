//! Secret values handed to a command on its stdin, never in its text: the
//! exec's argv (which `ps` shows every user on the host) holds only the
//! variables' names.
//!
//! The values come first on stdin, one line each, before whatever the
//! request sends. The shell that sshd starts reads them into shell
//! variables before anything else runs (`read` takes a pipe byte by byte, so
//! the command's own stdin is left as it was), and then runs the command as
//! usual: bash evaluates it in the same shell, and a recorded command's
//! subshell inherits the variables, so under bash they are not exported and
//! no program the command starts gets them in its environment. Any other
//! login shell hands the command to a new /bin/sh, which sees only exported
//! variables: there they are exported.

/// Shell text that reads the values into their variables, put in front of
/// the wrapped command. Empty without secrets.
pub(super) fn prelude(secrets: &[(String, String)]) -> String {
    if secrets.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = secrets.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "{}[ -n \"${{BASH_VERSION-}}\" ] || export {}; ",
        reads(&names),
        names.join(" ")
    )
}

/// Shell text that reads the values into their variables and exports
/// nothing: for a script that runs the command in the same shell (under
/// sudo, see `sudo`). Empty without secrets.
pub(super) fn reads(names: &[&str]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let reads: Vec<String> = names.iter().map(|n| format!("IFS= read -r {n}")).collect();
    format!(
        "{{ {}; }} || {{ printf 'herd: the secret values did not arrive on stdin\\n' >&2; exit 125; }}; ",
        reads.join(" && ")
    )
}

/// The bytes to send on stdin: the values, then the request's own input.
pub(super) fn stdin(secrets: &[(String, String)], rest: Option<&[u8]>) -> Option<Vec<u8>> {
    if secrets.is_empty() {
        return rest.map(<[u8]>::to_vec);
    }
    let mut data = Vec::new();
    for (_, value) in secrets {
        data.extend_from_slice(value.as_bytes());
        data.push(b'\n');
    }
    data.extend_from_slice(rest.unwrap_or_default());
    Some(data)
}

/// A name the prelude can put in shell text as it is.
pub(super) fn valid_name(name: &str) -> bool {
    name.strip_prefix("HERD_SECRET_")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_to_stdin_and_names_to_the_text() {
        let s = vec![("HERD_SECRET_I1".to_string(), "hunter2".to_string())];
        let text = prelude(&s);
        assert!(text.contains("IFS= read -r HERD_SECRET_I1"));
        assert!(!text.contains("hunter2"));
        assert_eq!(stdin(&s, Some(b"rest")).unwrap(), b"hunter2\nrest");
        assert_eq!(stdin(&[], None), None);
        assert!(valid_name("HERD_SECRET_P12"));
        assert!(!valid_name("HERD_SECRET_;rm"));
    }
}
