"""The logged-in person is read on every request by `apps.accounts.backends`: fresh, whole and only if active."""

from django.core.files.base import ContentFile
from django.urls import reverse

from apps.accounts.backends import user_by_pk
from apps.accounts.models import User
from apps.core import clock

ME = reverse("accounts:me")


def fields_of(user) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_person_read_is_the_one_the_orm_reads(liwei):
    liwei.avatar.save("face.png", ContentFile(b"not read here"), save=False)
    liwei.public_id_changed_at = clock.now()
    liwei.last_login = clock.now()
    liwei.findable_by_id = False
    liwei.save()
    read = user_by_pk(liwei.pk)
    assert fields_of(read) == fields_of(User.objects.get(pk=liwei.pk))
    assert read.avatar.url == liwei.avatar.url  # a file, not a bare name
    assert read.last_login.tzinfo is not None  # converted as the ORM converts (aware datetimes)
    assert read._state.adding is False and read._state.db == "default"  # saving it updates, never inserts


def test_nobody_for_an_unknown_key(db):
    assert user_by_pk(2**62) is None


def test_a_change_shows_on_the_next_request(client_as, liwei):
    client = client_as(liwei)
    User.objects.filter(pk=liwei.pk).update(display_name="Li Wei (new)")  # no signal: nothing cached to clear
    assert "Li Wei (new)" in client.get(ME).content.decode()


def test_a_deactivated_person_is_logged_out_at_their_next_request(client_as, liwei):
    client = client_as(liwei)
    assert client.get(ME).status_code == 200
    User.objects.filter(pk=liwei.pk).update(is_active=False)
    response = client.get(ME)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
