#!/bin/sh
# The sandbox's KDC (MIT krb5kdc + kadmind, Debian's packages) for realm
# HERD.TEST, on the host `kdc`. The database lives in the container, so
# `sandbox.sh down` forgets every principal: each secure scenario starts from
# a realm that has only the admin principal, as a fresh one would.
#
# kadmin's ACL gives */admin every right, as krb5_newrealm's documentation
# suggests; herd logs in as admin/admin with the password mounted from
# .cache/sandbox/kdc-admin-password (never on the command line of herd).
set -eu
realm=HERD.TEST
cat >/etc/krb5.conf <<CONF
[libdefaults]
  default_realm = ${realm}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
[realms]
  ${realm} = {
    kdc = kdc:88
    admin_server = kdc:749
  }
CONF
mkdir -p /etc/krb5kdc /var/lib/krb5kdc
cat >/etc/krb5kdc/kdc.conf <<CONF
[kdcdefaults]
  kdc_ports = 88
  kdc_tcp_ports = 88
[realms]
  ${realm} = {
    database_name = /var/lib/krb5kdc/principal
    admin_keytab = FILE:/etc/krb5kdc/kadm5.keytab
    acl_file = /etc/krb5kdc/kadm5.acl
    key_stash_file = /etc/krb5kdc/stash
    max_life = 10h 0m 0s
    max_renewable_life = 7d 0h 0m 0s
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:/var/log/krb5kdc.log
  admin_server = FILE:/var/log/kadmin.log
CONF
echo "*/admin@${realm} *" >/etc/krb5kdc/kadm5.acl
if [ ! -f /var/lib/krb5kdc/principal ]; then
  # The master key only guards the database file of a throwaway container.
  master="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  kdb5_util create -s -r "${realm}" -P "${master}" >/dev/null
  kadmin.local -q "addprinc -pw $(cat /etc/herd-sandbox/kdc-admin-password) admin/admin@${realm}" >/dev/null
fi
krb5kdc
exec kadmind -nofork
