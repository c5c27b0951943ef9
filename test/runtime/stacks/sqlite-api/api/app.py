"""Notes API: POST /notes stores the body, GET /notes lists them; sqlite in NOTES_DB."""
import json
import os
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = os.environ.get("NOTES_DB", "/var/lib/notes/notes.db")
os.makedirs(os.path.dirname(DB), exist_ok=True)


def connect():
    conn = sqlite3.connect(DB)
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return conn


with connect() as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS boots (at TEXT DEFAULT CURRENT_TIMESTAMP)")
    conn.execute("INSERT INTO boots DEFAULT VALUES")
print(f"notes api: database {DB} ready", flush=True)


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, payload):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            with connect() as conn:
                conn.execute("SELECT count(*) FROM notes").fetchone()
            return self.reply(200, {"ok": True})
        if self.path == "/notes":
            with connect() as conn:
                rows = conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
            return self.reply(200, [{"id": i, "body": b} for i, b in rows])
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/notes":
            return self.reply(404, {"error": "not found"})
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        with connect() as conn:
            cur = conn.execute("INSERT INTO notes (body) VALUES (?)", (body,))
        self.reply(201, {"id": cur.lastrowid})

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
