#!/bin/sh
exec gosu "$APP_USER" python3 -m app
