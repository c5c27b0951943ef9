#!/usr/bin/env bash
cat <<-EOH
GitRepo: https://github.com/docker-library/python.git
EOH
for dir in */*/; do
	echo "Directory: $dir"
done
