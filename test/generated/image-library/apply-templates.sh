#!/usr/bin/env bash
set -Eeuo pipefail

generated_warning() {
	cat <<-EOH
		#
		# NOTE: THIS DOCKERFILE IS GENERATED VIA "apply-templates.sh"
		#
		# PLEASE DO NOT EDIT IT DIRECTLY.
		#

	EOH
}

for version; do
	for dir in "$version"/*/; do
		variant="$(basename "$dir")"
		case "$variant" in
			windows*) template='Dockerfile-windows.template' ;;
			*) template='Dockerfile-linux.template' ;;
		esac
		{ generated_warning; gawk -f "$jqt" "$template"; } > "$dir/Dockerfile"
	done
done
