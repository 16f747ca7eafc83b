from django.core.files.base import ContentFile

from wenming.core.storage import private_storage


def test_private_files_are_outside_media_and_have_no_url(settings, client, db):
    name = private_storage().save("imports/org/staff.csv", ContentFile("工号,姓名\nE1,张三\n".encode()))
    path = settings.PRIVATE_MEDIA_ROOT / name
    assert path.exists()
    assert not str(path).startswith(str(settings.MEDIA_ROOT))
    assert client.get(f"/media/{name}").status_code == 404
    try:
        private_storage().url(name)
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a private file must not have a URL")
