//! A tarball on the operator's mirror: each host fetches its own copy and
//! keeps it only when its sha512 is the inventory's, so nothing of it passes
//! through this machine and a bad copy never reaches `tar`.

use super::settings::Mirror;
use crate::shell::quote as q;

/// Shell that exits 1 unless the file `$src` names is the mirror's, as a
/// guard: a copy damaged since it was fetched is fetched again.
pub fn verified(m: &Mirror) -> String {
    format!("{} || exit 1\n", holds(&q(&m.sha512)))
}

/// Shell that succeeds when `$src` is a file whose sha512 is `sha` (a
/// shell word).
fn holds(sha: &str) -> String {
    format!(
        "{{ [ -f \"$src\" ] && printf '%s  %s\\n' {sha} \"$src\" | sha512sum -c --status 2>/dev/null; }}"
    )
}

/// Shell that leaves the mirror's file at `$src`: kept when it verifies,
/// else fetched (curl, or wget) into a temporary name, verified, and only
/// then moved into place. A copy that does not verify is fetched once more
/// (a transfer damaged on the way), then the stage fails naming the URL and
/// what arrived: its size and sha512.
pub fn fetch(m: &Mirror) -> String {
    format!(
        "url={url}; want={sha}\n\
         if ! {kept}; then\n  \
           tmp=\"$src.herd-fetch\"; got=\n  \
           for attempt in 1 2; do\n    \
             rm -f \"$tmp\"\n    \
             if command -v curl >/dev/null 2>&1; then\n      \
               err=$(curl -fsSL --connect-timeout 20 -o \"$tmp\" \"$url\" 2>&1) || {{ rm -f \"$tmp\"; echo \"fetching $url: ${{err:-curl failed}}\" >&2; exit 1; }}\n    \
             elif command -v wget >/dev/null 2>&1; then\n      \
               err=$(wget -q -T 20 -O \"$tmp\" \"$url\" 2>&1) || {{ rm -f \"$tmp\"; echo \"fetching $url: ${{err:-wget failed}}\" >&2; exit 1; }}\n    \
             else\n      \
               echo \"neither curl nor wget on this host to fetch $url\" >&2; exit 1\n    \
             fi\n    \
             got=$(sha512sum \"$tmp\" | cut -d' ' -f1)\n    \
             [ \"$got\" != \"$want\" ] || break\n    \
             echo \"fetch $attempt of $url: received $(wc -c < \"$tmp\") bytes with sha512 $got, expected $want\" >&2\n  \
           done\n  \
           if [ \"$got\" != \"$want\" ]; then\n    \
             rm -f \"$tmp\"\n    \
             echo \"$url does not hold the tarball the inventory names (its sha512 differs twice): not keeping it\" >&2\n    \
             exit 1\n  \
           fi\n  \
           mv -f \"$tmp\" \"$src\"\n  \
           echo \"fetched $url (sha512 verified)\"\n\
         fi\n",
        url = q(&m.url),
        sha = q(&m.sha512),
        kept = holds("\"$want\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn mirror(url: &str, sha512: &str) -> Mirror {
        Mirror {
            url: url.into(),
            sha512: sha512.into(),
        }
    }

    fn sha512_of(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha512};
        hex::encode(Sha512::digest(bytes))
    }

    /// Runs `script` with `src` set and a `curl` on PATH that copies the
    /// file the URL names from `served` (a file: URL would need no stand-in,
    /// but the script must not depend on curl's protocols).
    fn run(script: &str, dir: &std::path::Path) -> (i32, String, String) {
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let curl = bin.join("curl");
        std::fs::write(
            &curl,
            "#!/bin/sh\nwhile [ $# -gt 1 ]; do [ \"$1\" = -o ] && out=$2; shift; done\nf=\"$SERVED/$(basename \"$1\")\"\n[ -f \"$f\" ] || { echo 'curl: (22) The requested URL returned error: 404' >&2; exit 22; }\ncat \"$f\" > \"$out\"; echo x >> \"$SERVED/.count\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "set -e\nsrc={}/dest.tar.gz\n{script}",
                dir.display()
            ))
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("SERVED", dir.join("served"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn fetches(dir: &std::path::Path) -> usize {
        std::fs::read_to_string(dir.join("served/.count"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[test]
    fn a_copy_is_kept_only_when_it_verifies_and_fetched_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("served")).unwrap();
        std::fs::write(dir.path().join("served/h-1.tar.gz"), b"the tarball").unwrap();
        let m = mirror(
            "http://mirror:8080/dist/h-1.tar.gz",
            &sha512_of(b"the tarball"),
        );
        let (code, out, err) = run(&fetch(&m), dir.path());
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("fetched http://mirror:8080/dist/h-1.tar.gz"),
            "{out}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("dest.tar.gz")).unwrap(),
            b"the tarball"
        );
        // Verified at rest: no second fetch, and the guard passes.
        let (code, out, _) = run(&fetch(&m), dir.path());
        assert_eq!((code, out.as_str()), (0, ""));
        assert_eq!(fetches(dir.path()), 1);
        assert_eq!(run(&verified(&m), dir.path()).0, 0);
        // A copy damaged since is caught by the guard and fetched again.
        std::fs::write(dir.path().join("dest.tar.gz"), b"the tarbal").unwrap();
        assert_eq!(run(&verified(&m), dir.path()).0, 1);
        let (code, _, err) = run(&fetch(&m), dir.path());
        assert_eq!(code, 0, "{err}");
        assert_eq!(fetches(dir.path()), 2);
        assert_eq!(
            std::fs::read(dir.path().join("dest.tar.gz")).unwrap(),
            b"the tarball"
        );
    }

    #[test]
    fn a_mirror_with_other_bytes_fails_naming_the_url_and_what_arrived() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("served")).unwrap();
        std::fs::write(dir.path().join("served/h-1.tar.gz"), b"truncated").unwrap();
        let m = mirror("http://mirror/h-1.tar.gz", &sha512_of(b"the tarball"));
        let (code, _, err) = run(&fetch(&m), dir.path());
        assert_eq!(code, 1);
        assert!(
            err.contains(&format!(
                "fetch 2 of http://mirror/h-1.tar.gz: received 9 bytes with sha512 {}, expected {}",
                sha512_of(b"truncated"),
                m.sha512
            )),
            "{err}"
        );
        assert!(
            err.contains("does not hold the tarball the inventory names"),
            "{err}"
        );
        assert!(!dir.path().join("dest.tar.gz").exists());
        assert!(!dir.path().join("dest.tar.gz.herd-fetch").exists());
        assert_eq!(fetches(dir.path()), 2);
        // Not there at all: curl's own words.
        let m = mirror("http://mirror/missing.tar.gz", &m.sha512);
        let (code, _, err) = run(&fetch(&m), dir.path());
        assert_eq!(code, 1);
        assert!(
            err.contains("fetching http://mirror/missing.tar.gz: curl: (22) The requested URL returned error: 404"),
            "{err}"
        );
    }
}
