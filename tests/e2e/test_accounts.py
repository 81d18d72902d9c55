"""Sign up, add a friend live between two browsers, scan a QR code, switch to Chinese."""

import re

from playwright.sync_api import expect

from apps.accounts.models import FriendRequest, User


def test_new_user_signs_up_and_lands_on_chats(new_context, db):
    page = new_context().new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("meimei")
    page.get_by_label("Name others see").fill("韩梅梅")
    page.get_by_label("Password", exact=True).fill("lotus-pond-42")
    page.get_by_label("Password confirmation").fill("lotus-pond-42")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Chats", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome, 韩梅梅!")).to_be_visible()
    assert User.objects.filter(username="meimei").exists()


def test_signup_form_shows_errors(new_context, db):
    page = new_context().new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("x y")
    page.get_by_label("Password", exact=True).fill("123")
    page.get_by_label("Password confirmation").fill("124")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Enter a valid username")).to_be_visible()
    expect(page.get_by_text("The two password fields didn’t match.")).to_be_visible()


def test_friend_request_badge_appears_live_and_is_accepted(page_as, liwei, sophie):
    wei = page_as(liwei, "/")
    contacts_badge = wei.locator('.tabbar [data-badge="contacts"]')
    expect(contacts_badge).to_have_text("2")
    expect(wei.locator("html[data-realtime=open]")).to_have_count(1)

    sophie_page = page_as(sophie, "/accounts/contacts/add/")
    sophie_page.get_by_placeholder("Public ID").fill(liwei.public_id)
    sophie_page.get_by_role("button", name="Search").click()
    sophie_page.get_by_text("李伟").click()
    sophie_page.get_by_label("Verification message").fill("Bonjour, c'est Sophie")
    sophie_page.get_by_role("button", name="Add to Contacts").click()
    expect(sophie_page.get_by_text("Friend request sent.", exact=True)).to_be_visible()

    # Without reloading, liwei's tab bar counts the new request and a toast says who it is.
    expect(contacts_badge).to_have_text("3")
    expect(wei.get_by_text("Sophie Martin wants to be your friend")).to_be_visible()

    wei.get_by_role("link", name=re.compile("Contacts")).click()
    wei.get_by_test_id("new-friends").click()
    row = wei.locator("[data-request]", has_text="Sophie Martin")
    expect(row).to_contain_text("Bonjour, c'est Sophie")
    row.get_by_role("button", name="Accept").click()
    # Straight into the new chat, as in WeChat (tests/e2e/test_new_friends.py follows both sides).
    expect(wei.get_by_text("You have added Sophie Martin as a friend. Start chatting now!")).to_be_visible()
    assert FriendRequest.objects.get(from_user=sophie, to_user=liwei).status == "accepted"

    wei.goto("/accounts/contacts/")
    expect(wei.locator('.tabbar [data-badge="contacts"]')).to_have_text("2")
    expect(wei.locator(".cells a", has_text="Sophie Martin")).to_be_visible()


def test_scanning_a_photo_of_my_qr_code_opens_my_profile(page_as, liwei, sophie, tmp_path):
    wei = page_as(liwei, "/accounts/me/qr/")
    png = wei.request.get("/accounts/me/qr.png")
    assert png.ok
    photo = tmp_path / "liwei-qr.png"
    photo.write_bytes(png.body())

    scanner = page_as(sophie, "/scan/")
    scanner.locator("[data-scan-file]").set_input_files(str(photo))
    expect(scanner).to_have_url(re.compile(rf"/accounts/u/{liwei.public_id}/\?via=qr$"))
    expect(scanner.get_by_role("button", name="Add to Contacts")).to_be_visible()


def test_switch_to_chinese_in_settings(page_as, liwei):
    page = page_as(liwei, "/accounts/me/settings/")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="设置")).to_be_visible()
    tabbar = page.locator(".tabbar")
    for label in ("微信", "通讯录", "发现", "我"):
        expect(tabbar.get_by_text(label, exact=True)).to_be_visible()
    page.goto("/accounts/contacts/")
    expect(page.get_by_text("新的朋友")).to_be_visible()
