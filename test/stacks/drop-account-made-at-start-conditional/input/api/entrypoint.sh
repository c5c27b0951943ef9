#!/bin/sh

GROUPNAME="bitwarden"
USERNAME="bitwarden"

LUID=${LOCAL_UID:-0}
LGID=${LOCAL_GID:-0}

if [ "$(id -u)" = "0" ]
then
    groupadd -o -g $LGID $GROUPNAME >/dev/null 2>&1 ||
    groupmod -o -g $LGID $GROUPNAME >/dev/null 2>&1
    useradd -o -u $LUID -g $GROUPNAME -s /bin/false $USERNAME >/dev/null 2>&1 ||
    usermod -o -u $LUID -g $GROUPNAME -s /bin/false $USERNAME >/dev/null 2>&1

    mkdir -p /etc/bitwarden/core
    chown -R $USERNAME:$GROUPNAME /etc/bitwarden

    exec gosu $USERNAME:$GROUPNAME /app/Api
fi

exec /app/Api
