import io

import pytest
from django.utils import translation
from PIL import Image

from wenming.inspections import photos
from wenming.inspections.photos import PhotoError, validate_and_store

from .images import GPS_IFD, jpeg_with_gps, png, upload


def test_jpeg_with_gps_is_stored_without_exif():
    data = jpeg_with_gps()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(GPS_IFD)  # the test image really carries a location

    image, thumbnail, meta = validate_and_store(upload(data))

    with Image.open(io.BytesIO(image)) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info
        assert stored.size == (40, 20)
    assert b"PhoneMaker" not in image
    assert (meta.width, meta.height, meta.size, meta.content_type, meta.extension) == (
        40,
        20,
        len(image),
        "image/jpeg",
        "jpg",
    )
    with Image.open(io.BytesIO(thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert not thumb.getexif()


def test_exif_orientation_is_applied_before_stripping():
    image, _, meta = validate_and_store(upload(jpeg_with_gps(40, 20, orientation=6)))
    with Image.open(io.BytesIO(image)) as stored:
        assert stored.size == (20, 40)
        assert not stored.getexif()
    assert (meta.width, meta.height) == (20, 40)


def test_png_is_accepted_and_thumbnail_is_small_jpeg():
    image, thumbnail, meta = validate_and_store(upload(png(800, 400), name="shot.png", content_type="image/png"))
    assert meta.content_type == "image/png"
    with Image.open(io.BytesIO(image)) as stored:
        assert stored.format == "PNG"
        assert stored.size == (800, 400)
    with Image.open(io.BytesIO(thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (320, 160)


def test_type_is_decided_by_content_not_name():
    # A PNG named .jpg is stored as the PNG it is.
    _, _, meta = validate_and_store(upload(png(), name="photo.jpg"))
    assert meta.content_type == "image/png"


def test_text_file_renamed_jpg_is_refused():
    with translation.override("en"), pytest.raises(PhotoError) as caught:
        validate_and_store(upload(b"this is not a photo at all\n" * 10, name="photo.jpg"))
    assert caught.value.messages == ["The file is not a photo: only JPEG, PNG and WebP images are accepted."]


def test_truncated_jpeg_is_refused():
    data = jpeg_with_gps()
    with pytest.raises(PhotoError):
        validate_and_store(upload(data[: len(data) // 2]))


def test_gif_is_refused():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoError):
        validate_and_store(upload(out.getvalue(), name="x.gif"))


def test_oversized_file_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "PHOTO_MAX_BYTES", 1000)
    data = png(200, 200, mode="RGB") + b"\0" * 2000
    with translation.override("en"), pytest.raises(PhotoError) as caught:
        validate_and_store(upload(data, name="big.png"))
    assert "at most" in caught.value.messages[0]


def test_real_size_limit_is_ten_megabytes():
    assert photos.PHOTO_MAX_BYTES == 10 * 1024 * 1024
    big = upload(b"\xff\xd8" + b"\0" * (photos.PHOTO_MAX_BYTES + 1))
    with pytest.raises(PhotoError):
        validate_and_store(big)


def test_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "PHOTO_MAX_SIDE", 100)
    with translation.override("en"), pytest.raises(PhotoError) as caught:
        validate_and_store(upload(png(101, 50), name="wide.png"))
    assert caught.value.messages == ["A photo may be at most 100 pixels wide and high."]


def test_empty_file_is_refused():
    with pytest.raises(PhotoError):
        validate_and_store(upload(b""))
