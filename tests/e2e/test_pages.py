"""Every shell page renders at phone width in both languages with no script error or CSP violation.

Screenshots land in artifacts/screens/ for a person to look at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import settle, watched_page

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
PAGES = [
    "/",
    "/accounts/contacts/",
    "/accounts/contacts/new/",
    "/accounts/contacts/add/?q=emma",
    "/accounts/u/wangfang/",
    "/accounts/u/tom_demo/",
    "/accounts/me/",
    "/accounts/me/profile/",
    "/accounts/me/settings/",
    "/accounts/me/qr/",
    "/discover/",
    "/scan/",
]


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_pages_render_cleanly(new_context, liwei, locale):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = watched_page(new_context(liwei, locale))
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in PAGES:
        response = page.goto(path)
        assert response.ok, path
        settle(page)
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "chats"
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)
    assert problems == []


def test_login_page_in_chinese(new_context, liwei):
    page = new_context(None, "zh-hans").new_page()
    page.goto("/accounts/login/")
    page.screenshot(path=str(SHOTS / "zh-hans-login.png"), full_page=True)
    assert page.get_by_role("button", name="登录").is_visible()


@pytest.mark.parametrize(("locale", "built"), [("en", "check-in"), ("zh-hans", "签到")])
def test_scan_claims_only_codes_that_open(new_context, liwei, locale, built):
    page = new_context(liwei, locale).new_page()
    page.goto("/scan/")
    expect(page.locator("[data-scan-status]")).to_be_visible()
    assert built in page.locator("main").inner_text()  # venues' check-in codes open (apps.checkin)


@pytest.mark.parametrize("path", ["/scan/", "/accounts/me/profile/"])
def test_a_hidden_file_input_shows_its_focus_on_its_label(new_context, liwei, path):
    page = new_context(liwei).new_page()
    page.goto(path)
    file_input = page.locator("input[type=file].visually-hidden")
    # Reach it from the keyboard: focus what comes before it, then Tab.
    page.evaluate(
        "() => { const i = document.querySelector('input[type=file].visually-hidden');"
        " const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')];"
        " all[all.indexOf(i) - 1].focus(); }"
    )
    page.keyboard.press("Tab")
    expect(file_input).to_be_focused()
    label = page.locator(f"label[for='{file_input.get_attribute('id')}']")
    assert label.evaluate("l => getComputedStyle(l).outlineStyle") == "solid"
