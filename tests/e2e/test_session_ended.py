"""In the browser: a tab whose session ends elsewhere goes to the login page and stops reconnecting."""

import pytest
from django.conf import settings

from tests.core.test_sessions import post

pytestmark = pytest.mark.e2e


def test_logging_out_elsewhere_sends_the_open_tab_to_the_login_page(new_context, live_url, liwei):
    context = new_context(liwei)
    page = context.new_page()
    page.goto("/")
    page.wait_for_function("document.documentElement.dataset.realtime === 'open'")
    key = next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    status, _ = post(live_url, "/accounts/logout/", key)  # as another tab of this browser would
    assert status == 302
    page.wait_for_url("**/accounts/login/?next=%2F")
    assert page.locator("input[name=password]").count() == 1
