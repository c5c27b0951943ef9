#!/usr/bin/env bash
set -ue
for variant in alpine; do
    template_file="${version}/Dockerfile-${variant}.template"
    sed -e 's/^\(ENV NODE_VERSION \).*/\1'"${nodeVersion}"'/' "${template_file}" > "${version}/${variant}/Dockerfile"
done
