import os
import uuid
from pathlib import Path

import psycopg
from fastapi import FastAPI, HTTPException, UploadFile
from redis import Redis
from rq import Queue

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", "/app/uploads"))
DATABASE_URL = os.environ["DATABASE_URL"]

app = FastAPI(title="acme-api")
queue = Queue("default", connection=Redis.from_url(os.environ.get("REDIS_URL", "redis://redis:6379/0")))


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/items")
def list_items():
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute("SELECT id, name FROM items ORDER BY id LIMIT 100").fetchall()
    return [{"id": r[0], "name": r[1]} for r in rows]


@app.post("/uploads")
async def upload(file: UploadFile):
    if not file.filename:
        raise HTTPException(status_code=400, detail="missing filename")
    name = f"{uuid.uuid4().hex}{Path(file.filename).suffix}"
    dest = UPLOAD_DIR / name
    dest.write_bytes(await file.read())
    # the worker makes the thumbnail
    job = queue.enqueue("worker.process_upload", str(dest))
    return {"file": name, "job": job.id}
