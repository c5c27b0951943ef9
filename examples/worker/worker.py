"""Jobs run by `rq worker`; the api enqueues them by dotted name."""
from pathlib import Path

from PIL import Image

THUMB_SIZE = (320, 320)


def process_upload(path: str) -> str | None:
    src = Path(path)
    if src.suffix.lower() not in {".jpg", ".jpeg", ".png", ".webp"}:
        return None
    thumb = src.with_name(f"{src.stem}.thumb{src.suffix}")
    with Image.open(src) as img:
        img.thumbnail(THUMB_SIZE)
        img.save(thumb)
    return str(thumb)
