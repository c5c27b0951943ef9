#!/bin/sh
supervisord -c tasks.conf
exec uwsgi --http :8000 --ini uwsgi.ini
