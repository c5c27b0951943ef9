#!/bin/sh
set -eu

exec php /var/www/html/artisan queue:work
