//! Commands run as another user through sudo (a stage's `become`).
//!
//! The command becomes one script run by `/bin/sh -c` under
//! `sudo -n -H -u USER --` (never asks), or with a password
//! `sudo -S -p '' -H -u USER --` (reads it from stdin, prints no prompt).
//! The script holds the command and only the names of its secrets: their
//! values, and the password, reach the host on stdin and are read by the
//! script itself, as the become user, since sudo passes neither shell
//! variables nor (with `env_reset`) the environment through.
//!
//! sudo reads the password only when it must authenticate: root, a
//! NOPASSWD rule or a fresh timestamp skip it, and the line would be left
//! for the command. So a marker line follows the password, and the script
//! takes lines off its stdin up to the marker before anything else
//! (`read` takes a pipe byte by byte, as sudo does): whatever sudo did, the
//! command's stdin starts where the caller's input does. A wrong password
//! makes sudo try the next lines as passwords too and fail; the check that
//! comes before every run (`sudo_check`) catches that first.
//!
//! Without a terminal sudo runs the command in its own process group (the
//! session shell's, which `exec` reports), but the command's processes
//! belong to the become user, whom the login user may not signal: killing
//! them (timeout, Ctrl-C, a recorded task's watchdog) goes through sudo as
//! that user first, then as the login user for sudo itself.

use std::fmt;
use std::sync::Arc;

use crate::shell::quote;

/// The password sudo asks for (`--ask-become-pass`). Its Debug form hides
/// it, so it never reaches a log by way of a struct that holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct BecomePassword(Arc<str>);

impl BecomePassword {
    pub fn new(password: impl Into<String>) -> BecomePassword {
        BecomePassword(Arc::from(password.into()))
    }

    /// The value, to write to a host's stdin or to mask in text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BecomePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BecomePassword(***)")
    }
}

/// Run as `user` through sudo, with the password if one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sudo {
    user: String,
    password: Option<BecomePassword>,
}

/// The shell variable a host-side script keeps the password in when it
/// needs it after the start (a recorded command, a kill): read from stdin
/// like a secret's, never exported under bash.
pub(super) const PASSWORD_VAR: &str = "HERD_SECRET_BECOME";

impl Sudo {
    /// `user` must be a POSIX user name: it is quoted anyway, but anything
    /// else is a mistake upstream.
    pub fn new(user: &str, password: Option<BecomePassword>) -> Result<Sudo, String> {
        if let Some(why) = crate::model::bad_user_name(user) {
            return Err(why);
        }
        Ok(Sudo {
            user: user.to_string(),
            password,
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> Option<&BecomePassword> {
        self.password.as_ref()
    }

    /// `sudo ... --`, ready for the command and its arguments.
    pub(super) fn invocation(&self) -> String {
        let how = if self.password.is_some() {
            "-S -p ''"
        } else {
            "-n"
        };
        format!("sudo {how} -H -u {} --", quote(&self.user))
    }

    /// Shell text that runs `script` with /bin/sh as the user, `args` (shell
    /// words, each with a leading space) as its `$1`...; the password, if
    /// any, comes from [`PASSWORD_VAR`]. The script's stdin is then that
    /// pipe: for scripts that read none.
    pub(super) fn run_script(&self, script: &str, args: &str) -> String {
        self.run_script_with("", script, args)
    }

    /// [`Sudo::run_script`] with `env` (`NAME=value `, quoted) put before
    /// sudo, for sudo itself to see.
    pub(super) fn run_script_with(&self, env: &str, script: &str, args: &str) -> String {
        let feed = if self.password.is_some() {
            format!("printf '%s\\n' \"${PASSWORD_VAR}\" | ")
        } else {
            String::new()
        };
        format!(
            "{feed}{env}{} /bin/sh -c {} herd{args}",
            self.invocation(),
            quote(script)
        )
    }

    /// A command whose stdin is the channel's: the text for the login
    /// shell, and the bytes to send on stdin ahead of the secret values
    /// (named by `secrets`, read by the script) and the caller's input.
    pub(super) fn direct(&self, secrets: &[&str], command: &str) -> (String, Vec<u8>) {
        let mut script = String::new();
        let mut head = Vec::new();
        if let Some(pw) = &self.password {
            let mark = marker();
            script.push_str(&handshake(&mark));
            head = format!("{}\n{mark}\n", pw.expose()).into_bytes();
        }
        script.push_str(&super::secret_input::reads(secrets));
        script.push_str(command);
        let text = format!("exec {} /bin/sh -c {}", self.invocation(), quote(&script));
        (text, head)
    }

    /// A recorded command, which runs detached with stdin at /dev/null:
    /// the password ([`PASSWORD_VAR`]) and the secret values come from the
    /// shell variables the session's prelude read, through a pipe of the
    /// shell's own printf (a builtin: nothing in any argv).
    pub(super) fn piped(&self, secrets: &[&str], command: &str) -> String {
        if self.password.is_none() && secrets.is_empty() {
            return format!("{} /bin/sh -c {}", self.invocation(), quote(command));
        }
        let mut words: Vec<String> = Vec::new();
        let mut script = String::new();
        if self.password.is_some() {
            let mark = marker();
            words.push(format!("\"${PASSWORD_VAR}\""));
            words.push(quote(&mark));
            script.push_str(&handshake(&mark));
        }
        words.extend(secrets.iter().map(|n| format!("\"${n}\"")));
        script.push_str(&super::secret_input::reads(secrets));
        script.push_str("exec </dev/null; ");
        script.push_str(command);
        format!(
            "printf '%s\\n' {} | {} /bin/sh -c {}",
            words.join(" "),
            self.invocation(),
            quote(&script)
        )
    }
}

/// Shell text sending `signal` to process group `group` (a shell word):
/// as the become user first, then as the login user. Silent, and never
/// fails the script it is in.
pub(super) fn signal_group(sudo: Option<&Sudo>, signal: &str, group: &str) -> String {
    let plain = format!("kill -{signal} -{group} 2>/dev/null");
    match sudo {
        None => plain,
        Some(s) => {
            let as_user = s.run_script(
                &format!("kill -{signal} -\"$1\" 2>/dev/null; exit 0"),
                &format!(" {group}"),
            );
            format!("{{ {as_user} >/dev/null 2>&1; {plain}; }}")
        }
    }
}

/// A line no password is: what the script reads up to.
fn marker() -> String {
    format!("herd-sudo-{:016x}", rand::random::<u64>())
}

/// Takes the password line (when sudo left it) and the marker off stdin.
fn handshake(mark: &str) -> String {
    let m = quote(mark);
    format!(
        "IFS= read -r herd_l || herd_l=; [ \"$herd_l\" = {m} ] || {{ IFS= read -r herd_l || herd_l=; }}; \
         [ \"$herd_l\" = {m} ] || {{ printf 'herd: the sudo password handshake failed\\n' >&2; exit 125; }}; unset herd_l; "
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, stdin: &[u8]) -> std::process::Output {
        use std::io::Write;
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    #[test]
    fn the_invocation_never_asks_without_a_password_and_reads_stdin_with_one() {
        let plain = Sudo::new("hdfs", None).unwrap();
        assert_eq!(plain.invocation(), "sudo -n -H -u hdfs --");
        let pw = Sudo::new("root", Some(BecomePassword::new("s3cret"))).unwrap();
        assert_eq!(pw.invocation(), "sudo -S -p '' -H -u root --");
        assert!(Sudo::new("a;b", None).is_err());
        assert_eq!(
            format!("{:?}", pw),
            "Sudo { user: \"root\", password: Some(BecomePassword(***)) }"
        );
    }

    /// The script's stdin starts where the caller's does, whether sudo took
    /// the password line or left it; the password is in no text.
    #[test]
    fn the_handshake_leaves_the_callers_input_whatever_sudo_read() {
        let s = Sudo::new("root", Some(BecomePassword::new("pw 'x"))).unwrap();
        let (text, head) = s.direct(&["HERD_SECRET_I1"], "printf '%s|' \"$HERD_SECRET_I1\"; cat");
        assert!(!text.contains("pw 'x"), "{text}");
        let script = shlex::split(&text).unwrap().pop().unwrap();
        let mut input = head.clone();
        input.extend_from_slice(b"v1\nrest\n");
        // sudo left the password line.
        let out = sh(&script, &input);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "v1|rest\n", "{out:?}");
        // sudo took it.
        let skip = head.iter().position(|&b| b == b'\n').unwrap() + 1;
        let out = sh(&script, &input[skip..]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "v1|rest\n", "{out:?}");
        // Something else arrived: refused, not run.
        let out = sh(&script, b"a\nb\nc\n");
        assert_eq!(out.status.code(), Some(125));
    }

    #[test]
    fn piped_feeds_the_password_and_secrets_from_variables() {
        let s = Sudo::new("root", Some(BecomePassword::new("pw"))).unwrap();
        let text = s.piped(&["HERD_SECRET_I1"], "cmd");
        assert!(
            text.starts_with("printf '%s\\n' \"$HERD_SECRET_BECOME\" herd-sudo-")
                && text.contains(" \"$HERD_SECRET_I1\" | sudo -S -p '' -H -u root -- /bin/sh -c "),
            "{text}"
        );
        let none = Sudo::new("hdfs", None).unwrap();
        assert_eq!(none.piped(&[], "id"), "sudo -n -H -u hdfs -- /bin/sh -c id");
        assert_eq!(
            signal_group(None, "TERM", "\"$c\""),
            "kill -TERM -\"$c\" 2>/dev/null"
        );
        assert!(
            signal_group(Some(&none), "KILL", "\"$c\"")
                .starts_with("{ sudo -n -H -u hdfs -- /bin/sh -c 'kill -KILL -\"$1\" 2>/dev/null; exit 0' herd \"$c\"")
        );
    }
}
