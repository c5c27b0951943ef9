# Renders its page into a cache next to its code and counts its starts in a
# SQLite database under /var/lib/app, both made at start.
import http.server
import os
import sqlite3

os.makedirs('/app/cache', exist_ok=True)
os.makedirs('/var/lib/app', exist_ok=True)
db = sqlite3.connect('/var/lib/app/state.db')
db.execute('CREATE TABLE IF NOT EXISTS starts (at TEXT)')
db.execute("INSERT INTO starts VALUES (datetime('now'))")
db.commit()
starts = db.execute('SELECT COUNT(*) FROM starts').fetchone()[0]
with open('/app/cache/index.html', 'w') as f:
    f.write(f'<h1>started {starts} times</h1>')
os.chdir('/app/cache')
print('web: listening on 8000', flush=True)
http.server.ThreadingHTTPServer(('', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()
