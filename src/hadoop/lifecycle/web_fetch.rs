//! `get HOST PORT PATH` for the gate scripts that read a master's web
//! endpoint on the host: it prints the response as HTTP does (status line,
//! blank line, body) and fails when nothing answered. On a plain cluster
//! bash's /dev/tcp makes the request (no client can be assumed on a host);
//! on a secure one the host's `web-get` does, with SPNEGO over TLS.

use crate::hadoop::render::kerberos::web_get;
use crate::hadoop::settings::Settings;
use crate::shell::quote as q;

pub fn get_function(s: &Settings) -> String {
    match &s.security {
        None => "get() {\n  \
                 exec 3<>/dev/tcp/$1/$2 || return 1\n  \
                 printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' \"$3\" \"$1\" >&3\n  \
                 cat <&3\n  \
                 exec 3<&-\n\
                 }\n"
        .to_string(),
        Some(_) => format!(
            "get() {{\n  \
             out=$({} \"$1\" \"$2\" \"$3\")\n  \
             code=$(printf '%s\\n' \"$out\" | tail -n 1)\n  \
             [ \"$code\" != 000 ] || return 1\n  \
             printf 'HTTP/1.1 %s\\r\\n\\r\\n' \"$code\"\n  \
             printf '%s\\n' \"$out\" | sed '$d'\n\
             }}\n",
            q(&web_get(s))
        ),
    }
}
