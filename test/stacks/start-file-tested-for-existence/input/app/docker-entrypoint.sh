#!/bin/bash
set -e

function _setup_dhparam() {
	local DHPARAM_FILE='/etc/app/dhparam/dhparam.pem'
	if [[ -f ${DHPARAM_FILE} ]]; then
		echo 'Warning: A custom dhparam.pem file was provided.' >&2
		return 0
	elif [[ "${DHPARAM_SKIP:=false}" == true ]]; then
		return 0
	fi
	cp /app/dhparam/ffdhe4096.pem "${DHPARAM_FILE}"
}

_setup_dhparam

exec "$@"
