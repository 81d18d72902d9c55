"""Weibo's V by a verified person's name on the WeChat side too: contacts, a profile, the moderators' admin."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from apps.accounts import services as accounts
from apps.accounts.models import User

PERSON_V = 'class="v-badge v-person" role="img" aria-label="Verified person"'
ORG_V = 'class="v-badge v-org" role="img" aria-label="Verified organisation"'


def _verify(person, kind: str):
    person.verified = kind
    person.save(update_fields=["verified"])


def _in_chinese(client, person):
    person.language = "zh-hans"
    person.save(update_fields=["language"])
    client.cookies["django_language"] = "zh-hans"


def test_the_contacts_list_shows_a_friends_v_by_their_name(client_as, liwei, wangfang):
    client = client_as(liwei)
    url = reverse("accounts:contacts")
    assert "v-badge" not in client.get(url).content.decode()  # nobody is verified yet
    _verify(wangfang, "organisation")
    html = client.get(url).content.decode()
    assert f"{wangfang.display_name}<span {ORG_V}" in html and html.count("v-badge") == 1
    _in_chinese(client, liwei)
    assert 'aria-label="机构认证"' in client.get(url).content.decode()


def test_a_profile_shows_the_v_by_the_name_or_remark(client_as, liwei, wangfang):
    client = client_as(liwei)
    url = reverse("accounts:profile", args=[wangfang.public_id])
    assert "v-badge" not in client.get(url).content.decode()
    _verify(wangfang, "person")
    accounts.remark_set(owner=liwei, friend=wangfang, remark="Fang <from work>")
    html = client.get(url).content.decode()
    assert f"Fang &lt;from work&gt;<span {PERSON_V}" in html and "<from work>" not in html
    _in_chinese(client, liwei)
    assert 'aria-label="个人认证"' in client.get(url).content.decode()


def test_a_moderator_sets_the_v_in_the_admin(client, cast):
    client.force_login(User.objects.get(username="moderator"))
    tom = cast["tom"]
    url = reverse("admin:accounts_user_change", args=[tom.pk])
    form = client.get(url).context["adminform"].form
    assert "verified" in form.fields
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "verified": "organisation",
            "date_joined_0": tom.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": tom.date_joined.strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("avatar", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tom.refresh_from_db()
    assert tom.verified == "organisation"
    changelist = client.get(reverse("admin:accounts_user_changelist"), {"verified__exact": "organisation"})
    assert "tom" in changelist.content.decode()


@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_the_badge_tag_needs_no_load_and_says_nothing_for_others(kind, liwei):
    template = Template("{% v_badge person %}")
    assert template.render(Context({"person": liwei})) == ""
    _verify(liwei, kind)
    assert (PERSON_V if kind == "person" else ORG_V) in template.render(Context({"person": liwei}))
