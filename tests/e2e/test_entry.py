"""The way in: a logged-out person opens a group invite and lands in the group after signing up or logging
in, or types the group's join code on the sign-up page. Screenshots of the entry pages in artifacts/screens/."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.chat import invites, selectors, services
from tests.conftest import PHONE, session_key_for, settle, watched_page

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


@pytest.fixture
def team(liwei, wangfang, zhangmin):
    return services.group_create(actor=liwei, member_ids=[wangfang.pk, zhangmin.pk], name="Team")


def _sign_up(page, username="meimei"):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Name others see").fill("韩梅梅")
    page.get_by_label("Password", exact=True).fill("lotus-pond-42")
    page.get_by_label("Password confirmation").fill("lotus-pond-42")
    page.get_by_role("button", name="Sign up", exact=True).click()


def _expect_in_group(page, team):
    expect(page).to_have_url(re.compile(rf"/chats/{team.pk}/$"))
    expect(page.get_by_role("heading", name=re.compile("Team"))).to_be_visible()
    expect(page.get_by_text("You joined Team.")).to_be_visible()


def test_opened_invite_then_sign_up_lands_in_the_group(new_context, team, liwei):
    page = new_context().new_page()
    page.goto(reverse("chat:join", args=[invites.invite_token(actor=liwei, conversation=team)]))
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    page.get_by_role("button", name="Sign up to join").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    _sign_up(page)
    _expect_in_group(page, team)
    assert User.objects.get(username="meimei").pk in selectors.member_ids(team)


def test_opened_invite_then_login_lands_in_the_group(new_context, team, liwei, sunli):
    page = new_context().new_page()
    page.goto(reverse("chat:join", args=[invites.invite_token(actor=liwei, conversation=team)]))
    page.get_by_role("button", name="Log in to join").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_text("Log in or sign up to continue with the code you opened.")).to_be_visible()
    page.get_by_label("Username").fill("sunli")
    page.get_by_label("Password").fill("demo-pass-2026")
    page.get_by_role("button", name="Log in", exact=True).click()
    _expect_in_group(page, team)
    assert sunli.pk in selectors.member_ids(team)


def test_join_code_typed_on_sign_up_lands_in_the_group(new_context, team, liwei):
    code, _expires = invites.join_code_for(actor=liwei, conversation=team)
    page = new_context().new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Joining a group? Type its join code").fill(f"{code[:4].lower()} {code[4:]}")
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text("Code accepted: sign up (or log in) to join Team.")).to_be_visible()
    _sign_up(page)
    _expect_in_group(page, team)


def test_reset_code_on_sign_up_says_so(new_context, team, liwei):
    code, _expires = invites.join_code_for(actor=liwei, conversation=team)
    invites.invite_reset(actor=liwei, conversation=team)
    page = new_context().new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Joining a group? Type its join code").fill(code)
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text(re.compile("No group has this join code"))).to_be_visible()
    assert not User.objects.filter(username="meimei").exists()


def test_sample_people_open_from_the_keyboard(new_context, cast, settings):
    settings.DEMO_MODE = True
    page = new_context().new_page()
    page.goto("/accounts/login/")
    samples = page.get_by_role("button", name="王芳")
    expect(samples).to_be_hidden()
    page.locator(".demo-people > summary").focus()
    page.keyboard.press("Enter")
    expect(samples).to_be_visible()
    samples.click()
    expect(page.get_by_role("heading", name="Chats", exact=True)).to_be_visible()


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_entry_pages_at_phone_widths(browser, live_url, team, liwei, locale, settings):
    settings.DEMO_MODE = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    join_url = reverse("chat:join", args=[invites.invite_token(actor=liwei, conversation=team)])
    problems = []
    for width in (390, 320):
        viewport = {"width": width, "height": 844 if width == 390 else 640}
        anonymous = browser.new_context(base_url=live_url, locale=locale, **{**PHONE, "viewport": viewport})
        member = browser.new_context(base_url=live_url, locale=locale, **{**PHONE, "viewport": viewport})
        member.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(liwei), "url": live_url}]
        )
        shots = [
            (anonymous, "/accounts/login/", "login"),
            (anonymous, "/accounts/signup/", "signup"),
            (anonymous, join_url, "join"),
            (member, reverse("chat:invite", args=[team.pk]), "invite"),
            (member, reverse("chat:join_code"), "join-code"),
        ]
        for context, path, name in shots:
            page = watched_page(context)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(path)
            settle(page)
            if name == "login":
                # Sign-up and the language switch come before the fold, above the sample people.
                assert page.locator('[data-testid="signup-link"]').bounding_box()["y"] < viewport["height"]
                assert page.locator('button[value="zh-hans"]').bounding_box()["y"] < viewport["height"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            page.screenshot(path=str(SHOTS / f"{name}-{locale}-{width}.png"), full_page=True)
            page.close()
        anonymous.close()
        member.close()
    assert problems == []
