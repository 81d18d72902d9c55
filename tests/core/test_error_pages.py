"""With DEBUG off (as `make demo` serves), a missing page and a server error look like the app, in both languages."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "text"), [("en", "This page doesn't exist"), ("zh-hans", "此页面不存在")]
)
def test_a_missing_page_is_the_apps_own(client_as, liwei, language, text):
    client = client_as(liwei)
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert text in page and 'href="/"' in page


@pytest.mark.parametrize(("language", "text"), [("en", "Something went wrong"), ("zh-hans", "出错了")])
def test_a_server_error_is_the_apps_own(language, text):
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert text in response.content.decode()
