#!/bin/bash
set -e
cd /srv/rails
# Migrate, then serve, as the app's own user (the way huginn's single-process image starts).
sudo -u rails -H -E bundle exec rake db:migrate
exec sudo -HEu rails bundle exec puma -b tcp://0.0.0.0:3000
