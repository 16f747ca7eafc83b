"""Checking and storing inspection photos taken on a phone.

The type is decided by the content (Pillow must recognise and verify the image; the file name is
ignored), the size and dimensions are limited, the EXIF orientation is applied and the image is
re-encoded without any metadata (so a phone's GPS location never reaches the server's disk), and a
small JPEG thumbnail is made.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InspectionError

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 8000  # pixels, either side
PHOTO_MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85

# Pillow format → (content type, file extension)
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


class PhotoError(InspectionError):
    """A photo that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class PhotoMeta:
    width: int
    height: int
    size: int  # bytes of the stored (re-encoded) image
    content_type: str
    extension: str


def _read(file) -> bytes:
    if hasattr(file, "size") and file.size is not None and file.size > PHOTO_MAX_BYTES:
        raise PhotoError(_("A photo may be at most %(max)d MB.") % {"max": PHOTO_MAX_BYTES // (1024 * 1024)})
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoError(_("A photo may be at most %(max)d MB.") % {"max": PHOTO_MAX_BYTES // (1024 * 1024)})
    if not data:
        raise PhotoError(_("The photo is empty."))
    return data


def validate_and_store(file) -> tuple[bytes, bytes, PhotoMeta]:
    """Check an uploaded photo and return (image bytes without metadata, JPEG thumbnail bytes,
    meta). Raises :class:`PhotoError` for anything that is not an acceptable JPEG, PNG or WebP."""
    data = _read(file)
    not_an_image = _("The file is not a photo: only JPEG, PNG and WebP images are accepted.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(not_an_image) from None
    if image_format not in ALLOWED_FORMATS:
        raise PhotoError(not_an_image)
    if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE or width * height > PHOTO_MAX_PIXELS:
        raise PhotoError(_("A photo may be at most %(max)d pixels wide and high.") % {"max": PHOTO_MAX_SIDE})
    content_type, extension = ALLOWED_FORMATS[image_format]
    try:
        # verify() leaves the image unusable: open it again to decode it.
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(not_an_image) from None

    # Re-encode from the pixels only: no EXIF, no XMP, no ICC text chunks are carried over.
    if image.mode not in ("RGB", "RGBA", "L"):
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if image_format == "JPEG":
        if clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif image_format == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=JPEG_QUALITY)
    stored = out.getvalue()

    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    if thumb.mode not in ("RGB", "L"):
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.getbands() else None)
        thumb = background
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    meta = PhotoMeta(
        width=clean.width, height=clean.height, size=len(stored), content_type=content_type, extension=extension
    )
    return stored, thumb_out.getvalue(), meta
