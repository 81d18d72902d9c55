"""The V by verified names at phone width in both languages: a brand's profile, the contacts list, the Chats
tab, the brand's Weibo page and a topic it hosts, with the V's label read out, no script error and no axe
violation. Screenshots land in artifacts/screens/ (`<locale>-verified-<page>.png`)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import Friendship, User
from apps.chat import services as chat
from apps.core import clock
from tests.conftest import SCREENS, in_thread, settle, watched_page
from tests.microblog.topics_kit import make_post, make_topic

LABELS = {
    "en": ("Verified organisation", "Verified person"),
    "zh-hans": ("机构认证", "个人认证"),
}


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_verified_names_at_phone_width(new_context, liwei, wangfang, locale):
    SCREENS.mkdir(parents=True, exist_ok=True)
    brand = User.objects.create(
        username="tmall", public_id="tmall_official", display_name="Tmall 天猫", verified="organisation"
    )
    for owner, friend in ((liwei, brand), (brand, liwei)):
        Friendship.objects.create(owner=owner, friend=friend, source="search", created_at=clock.now())
    wangfang.verified = "person"
    wangfang.save(update_fields=["verified"])
    direct = chat.conversation_direct_get_or_create(a=liwei, b=brand)
    in_thread(chat.message_send, sender=brand, conversation=direct, text="Double 11 starts at midnight!")
    sale = make_topic("Double 11", host=brand, introduction="The biggest sale of the year · 一年一度的购物节")
    for i, person in enumerate([brand, wangfang, liwei]):
        make_post(person, f"My #Double 11# haul number {i} 我的双十一", topic=sale, likes=3 - i)
    org, person_label = LABELS[locale]

    page = watched_page(new_context(liwei, locale))
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path, name in [
        (reverse("accounts:profile", args=[brand.public_id]), "profile"),
        (reverse("accounts:contacts"), "contacts"),
        (reverse("chat:list"), "chats"),
        (reverse("microblog:person", args=[brand.public_id]), "weibo-person"),
        (reverse("microblog:topic", args=["Double 11"]), "topic"),
    ]:
        assert page.goto(path).ok, path
        settle(page)
        expect(page.get_by_role("img", name=org).first).to_be_visible()
        page.screenshot(path=str(SCREENS / f"{locale}-verified-{name}.png"), full_page=True)
        found = Axe().run(page).response["violations"]
        problems += [f"{name}: {v['id']} {[n['target'] for n in v['nodes']]}" for v in found]
        if name in ("contacts", "topic"):  # Wang Fang, a verified person, is on these pages too
            expect(page.get_by_role("img", name=person_label).first).to_be_visible()
    assert problems == [], "\n".join(problems)
