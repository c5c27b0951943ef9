#!/bin/sh
# vimagick/dockerfiles apacheds's shape: the daemon starts in the background as its user, root only follows its log.
set -e
if ! [ -d /var/lib/ldap/default ]; then
    mkdir -p /var/lib/ldap/default
    chown -R ldap:ldap /var/lib/ldap/default
fi
gosu ldap /opt/ldap/bin/ldapd start default
tail -n 0 -f /var/lib/ldap/default/log/ldapd.log
