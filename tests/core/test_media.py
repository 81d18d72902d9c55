"""Uploaded files: a chat image opens for members only, however its URL is spelled.

Access is decided on the file a path resolves to; any spelling that is not the file's own canonical path
(dot segments, encoded dots, doubled or back slashes, absolute paths, symlinks) is refused for everyone.
"""

import http.client
import os
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from apps.chat import services as chat_services


def png() -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (7, 193, 96)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


def _chat_image(sender, other) -> str:
    conversation = chat_services.conversation_direct_get_or_create(a=sender, b=other)
    message = chat_services.message_send_image(sender=sender, conversation=conversation, upload=png())
    name = message.payload["full"].removeprefix(settings.MEDIA_URL)
    assert name.startswith("chat/")
    return name


@pytest.fixture
def chat_file(liwei, wangfang):
    """A photo Li Wei sent Wang Fang: its name under MEDIA_ROOT, e.g. `chat/ab12….jpg`."""
    return _chat_image(liwei, wangfang)


@pytest.fixture
def avatar_file():
    return default_storage.save("avatars/face.jpg", ContentFile(b"\xff\xd8 a public avatar"))


def variants(name: str) -> list[str]:
    """Other spellings of /media/<name> that a server could map to the same file."""
    folder, file = name.split("/")
    root = str(Path(settings.MEDIA_ROOT).resolve())
    return [
        f"/media/./{name}",
        f"/media/{folder}/./{file}",
        f"/media/avatars/../{name}",
        f"/media/{folder}/../{name}",
        f"/media/%2e/{name}",
        f"/media/%2E/{name}",
        f"/media/avatars/%2e%2e/{name}",
        f"/media/avatars/%2E%2E/{name}",
        f"/media/avatars/.%2e/{name}",
        f"/media/avatars%2f..%2f{folder}%2f{file}",
        f"/media/avatars%2F%2E%2E%2F{folder}%2F{file}",
        f"/media//{name}",
        f"/media/{folder}//{file}",
        f"/media/{folder}/{file}/",
        f"/media/{folder}\\{file}",
        f"/media/{folder}%5c{file}",
        f"/media/avatars\\..\\{folder}\\{file}",
        f"/media/{root}/{name}",
        f"/media/%2f{root.lstrip('/')}/{name}",
        f"/media/{folder}/{file}%00.png",
        f"/media/{folder}",  # a folder, not a file
        f"/media/{folder}/",
    ]


READERS = ["logged_out", "stranger", "member"]


@pytest.fixture
def reader(request, client, emma, wangfang):
    """The test client as someone logged out, as a stranger to the chat (Emma), or as its member (Wang Fang)."""
    who = request.param
    if who == "stranger":
        client.force_login(emma)
    elif who == "member":
        client.force_login(wangfang)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_no_other_spelling_of_a_chat_image_opens_it(reader, chat_file):
    opened = {url: reader.get(url).status_code for url in variants(chat_file)}
    assert opened == dict.fromkeys(opened, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_no_other_spelling_of_an_avatar_opens_it(reader, avatar_file):
    opened = {url: reader.get(url).status_code for url in variants(avatar_file)}
    assert opened == dict.fromkeys(opened, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("logged_out", 404), ("stranger", 404), ("member", 200)])
def test_a_chat_image_opens_for_its_members_only_even_with_an_encoded_slash(
    client, request, chat_file, who, status
):
    if who != "logged_out":
        client.force_login(request.getfixturevalue("wangfang" if who == "member" else "emma"))
    folder, file = chat_file.split("/")
    # %2f is decoded before routing, so this is the canonical path again, and the guard still applies.
    for url in (f"/media/{chat_file}", f"/media/{folder}%2f{file}", f"/media/{folder}%2F{file}"):
        assert client.get(url).status_code == status, url


@pytest.mark.django_db
def test_a_chat_image_is_marked_private_and_an_avatar_public(client, wangfang, chat_file, avatar_file):
    client.force_login(wangfang)
    private = client.get(f"/media/{chat_file}")
    assert private.status_code == 200 and b"".join(private.streaming_content).startswith(b"\xff\xd8")
    cache = private["Cache-Control"]
    assert "private" in cache and "public" not in cache and "immutable" not in cache
    client.logout()
    public = client.get(f"/media/{avatar_file}")
    assert public.status_code == 200 and public["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_symlinks_do_not_open_files_elsewhere(reader, chat_file, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not an upload")
    root = Path(settings.MEDIA_ROOT)
    (root / "avatars").mkdir(exist_ok=True)
    links = {
        "avatars/out.jpg": outside,  # out of MEDIA_ROOT
        "avatars/alias.jpg": root / chat_file,  # a private file under a public folder's name
        "outdir": tmp_path,  # a folder out of MEDIA_ROOT
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    try:
        for url in ("/media/avatars/out.jpg", "/media/avatars/alias.jpg", "/media/outdir/secret.txt"):
            assert reader.get(url).status_code == 404, url
    finally:
        for name in links:
            (root / name).unlink()


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_a_guarded_folder_is_guarded_in_any_letter_case(reader):
    """On a case-insensitive disk `Chat/x.jpg` is `chat/x.jpg`: it must not pass as a public file."""
    name = default_storage.save("Chat/other.jpg", ContentFile(b"\xff\xd8 private"))
    assert reader.get(f"/media/{name}").status_code == 404


@pytest.mark.django_db
def test_behind_nginx_the_app_checks_then_hands_the_file_over(
    client, settings, wangfang, emma, chat_file, avatar_file
):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    client.force_login(wangfang)
    member = client.get(f"/media/{chat_file}")
    assert member.status_code == 200 and member["X-Accel-Redirect"] == f"/protected-media/{chat_file}"
    assert member.content == b"" and "public" not in member["Cache-Control"]
    assert member["Content-Type"] == "image/jpeg"  # nginx sends the file under the app's type
    for url in variants(chat_file):
        response = client.get(url)
        assert response.status_code == 404 and "X-Accel-Redirect" not in response, url
    client.force_login(emma)
    stranger = client.get(f"/media/{chat_file}")
    assert stranger.status_code == 404 and "X-Accel-Redirect" not in stranger
    client.logout()
    assert client.get(f"/media/{chat_file}").status_code == 404
    avatar = client.get(f"/media/{avatar_file}")
    assert avatar["X-Accel-Redirect"] == f"/protected-media/{avatar_file}"
    assert avatar["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.django_db(transaction=True)
def test_the_real_server_refuses_dot_segments_too(live_url, liwei, wangfang):
    """Uvicorn passes the path through as sent: the same rules hold over a real socket."""
    name = _chat_image(liwei, wangfang)
    address = urlsplit(live_url)
    for url in (f"/media/./{name}", f"/media/avatars/../{name}", f"/media/%2e/{name}", f"/media/{name}"):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("GET", url)
        assert connection.getresponse().status == 404, url
        connection.close()
