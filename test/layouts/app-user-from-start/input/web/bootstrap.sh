#!/usr/bin/env bash
python manage.py migrate
chown -R www-data: /srv/web/data
exec uwsgi --http :9090 uwsgi.ini
