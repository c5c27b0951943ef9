#!/bin/bash
set -e

appRun() {
    echo "Starting using supervisor ..."
    exec supervisord -n -c "/etc/supervisor/supervisord.conf" -u root
}
appManagePy() {
    local COMMAND="$1"
    shift 1
    exec su zulip -c "/home/zulip/manage.py $COMMAND"
}

case "$1" in
    app:run)
        appRun
        ;;
    app:managepy)
        shift 1
        appManagePy "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
