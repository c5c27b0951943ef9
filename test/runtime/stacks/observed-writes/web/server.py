# Renders its page into a cache next to its code and counts its starts in a
# SQLite database under /var/lib/app, both made at start. Both places come from
# the environment (with defaults), as many apps take them: the files alone then
# do not say where it writes, which is what the baseline run's observation is for.
import http.server
import os
import sqlite3

CACHE_DIR = os.environ.get('APP_CACHE_DIR', '/app/cache')
STATE_DIR = os.environ.get('APP_STATE_DIR', '/var/lib/app')
os.makedirs(CACHE_DIR, exist_ok=True)
os.makedirs(STATE_DIR, exist_ok=True)
db = sqlite3.connect(os.path.join(STATE_DIR, 'state.db'))
db.execute('CREATE TABLE IF NOT EXISTS starts (at TEXT)')
db.execute("INSERT INTO starts VALUES (datetime('now'))")
db.commit()
starts = db.execute('SELECT COUNT(*) FROM starts').fetchone()[0]
with open(os.path.join(CACHE_DIR, 'index.html'), 'w') as f:
    f.write(f'<h1>started {starts} times</h1>')
os.chdir(CACHE_DIR)
print('web: listening on 8000', flush=True)
http.server.ThreadingHTTPServer(('', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()
