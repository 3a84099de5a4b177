//! `herd check` on a secure inventory: from every host, the KDC answers,
//! the host's clock is within Kerberos' skew of this machine's, each keytab
//! is there with its owner and mode and holds the key version the KDC has
//! (`kvno -k`, with a ticket of the host's `herd/<host>`), and the host's
//! certificate is the cluster CA's, valid for every name the host is
//! reached by. Each failure is one line naming the principal, the file or
//! the name. Runs as root, since the keytabs are the daemons' own.

use std::time::SystemTime;

use super::ca::check_host_cert;
use super::keytabs::Wanted;
use super::principals::HERD;
use crate::hadoop::settings::Kerberos;
use crate::shell::quote as q;

/// Kerberos' default `clockskew`: 300 s.
pub const MAX_SKEW_SECS: i64 = 300;

const CERT_START: &str = "herd-cert-start";
const CERT_END: &str = "herd-cert-end";

/// The host's check; `now` is this machine's clock (seconds since the
/// epoch), which the host's is compared with.
pub fn script(k: &Kerberos, wanted: &[Wanted], host_pem: &str, now: i64) -> String {
    let mut out = format!(
        "work=$(mktemp -d) || exit 1\n\
         trap 'rm -rf \"$work\"' EXIT\n\
         problem() {{ echo \"problem: $*\"; }}\n\
         timeout 5 bash -c 'exec 3<>/dev/tcp/'{kdc}'/'{port} 2>/dev/null || problem \"the KDC {kdc_text}:{port} does not answer from here\"\n\
         skew=$(( $(date +%s) - {now} ))\n\
         [ \"${{skew#-}}\" -le {MAX_SKEW_SECS} ] || problem \"the clock is ${{skew}} s off the controller's; Kerberos allows {MAX_SKEW_SECS} s\"\n",
        kdc = q(&k.kdc_host),
        kdc_text = k.kdc_host,
        port = k.kdc_port,
    );
    let herd = wanted.iter().find(|w| w.keytab.service == HERD.service);
    if let Some(h) = herd {
        out.push_str(&format!(
            "tgt=0\nkinit -k -t {kt} -c \"FILE:$work/cc\" {p} 2>\"$work/why\" && tgt=1\n",
            kt = q(&h.keytab.path()),
            p = q(&h.principal),
        ));
    }
    for w in wanted {
        let path = w.keytab.path();
        let (user, group) = w.owner.split_once(':').unwrap_or((&w.owner, ""));
        let mode = w.keytab.mode().trim_start_matches('0');
        out.push_str(&format!(
            "if [ ! -f {kt} ]; then problem \"no keytab {kt_text} for {p_text}\"\n\
             else\n  \
               got=$(stat -c '%U:%G %a' {kt})\n  \
               case \"$got\" in {user_q}:{group_pat}\\ {mode}) ;; *) problem \"{kt_text} is $got, wants {owner_text} mode {mode}\" ;; esac\n  \
               if [ \"${{tgt:-0}}\" = 1 ]; then\n    \
                 kvno -c \"FILE:$work/cc\" -k {kt} {p} >\"$work/out\" 2>&1 || problem \"the keytab {kt_text} of {p_text} does not hold the KDC's key: $(tr '\\n' ' ' < \"$work/out\")\"\n  \
               else\n    \
                 kinit -k -t {kt} -c \"FILE:$work/c2\" {p} >\"$work/out\" 2>&1 || problem \"the keytab {kt_text} of {p_text} does not log in: $(tr '\\n' ' ' < \"$work/out\")\"\n  \
               fi\n\
             fi\n",
            kt = q(&path),
            kt_text = path,
            p = q(&w.principal),
            p_text = w.principal,
            user_q = q(user),
            group_pat = if group.is_empty() { "*".to_string() } else { q(group) },
            owner_text = w.owner,
        ));
    }
    out.push_str(&format!(
        "if [ -f {pem} ]; then echo {CERT_START}; cat {pem}; echo {CERT_END}; else problem \"no certificate {pem_text} (herd up puts it there)\"; fi\n",
        pem = q(host_pem),
        pem_text = host_pem,
    ));
    out
}

/// Every problem the host's output reports, with its certificate judged
/// against `ca_pem` for `names` (skipped when herd has no CA yet).
pub fn problems(output: &str, ca_pem: Option<&str>, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = output
        .lines()
        .filter_map(|l| l.strip_prefix("problem: "))
        .map(str::to_string)
        .collect();
    let cert = output
        .split_once(CERT_START)
        .and_then(|(_, rest)| rest.split_once(CERT_END))
        .map(|(pem, _)| pem.trim());
    if let (Some(cert), Some(ca)) = (cert, ca_pem) {
        out.extend(check_host_cert(cert, ca, names, SystemTime::now()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::principals::of_role;
    use super::*;
    use crate::hadoop::settings::KeytabSource;

    #[test]
    fn the_script_parses_and_problems_are_read_back() {
        let k = Kerberos {
            realm: "R".into(),
            kdc_host: "kdc".into(),
            kdc_port: 88,
            admin_host: "kdc".into(),
            admin_port: 749,
            keytabs: KeytabSource::Issued { dir: "/x".into() },
        };
        let wanted = vec![
            Wanted {
                keytab: of_role("datanode").unwrap(),
                principal: "dn/w1@R".into(),
                owner: "hdfs:hadoop".into(),
                readers: Vec::new(),
            },
            Wanted {
                keytab: HERD,
                principal: "herd/w1@R".into(),
                owner: "admin".into(),
                readers: Vec::new(),
            },
        ];
        let s = script(&k, &wanted, "/etc/security/tls/host.pem", 1_800_000_000);
        crate::shell::assert_parses(&s);
        assert!(s.contains(
            "kvno -c \"FILE:$work/cc\" -k /etc/security/keytabs/dn.service.keytab dn/w1@R"
        ));
        assert!(s.contains("case \"$got\" in hdfs:hadoop\\ 400)"));
        let got = problems(
            "problem: the KDC kdc:88 does not answer from here\nnoise\nproblem: no keytab x for y\n",
            None,
            &[],
        );
        assert_eq!(
            got,
            [
                "the KDC kdc:88 does not answer from here",
                "no keytab x for y"
            ]
        );
    }
}
