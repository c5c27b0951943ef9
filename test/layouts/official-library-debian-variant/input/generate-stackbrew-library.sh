#!/usr/bin/env bash
# docker-library's shape: the script prints the official-images manifest; debian/ and alpine/ are variants of one image.
set -Eeuo pipefail
cat <<-EOH
Maintainers: Example <example@example.org>
GitRepo: https://github.com/example/docker-kv.git
EOH
