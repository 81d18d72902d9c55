def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers


def test_chats_needs_login(client, db):
    assert client.get("/").status_code == 302


def test_chats_as_liwei(client_as, liwei):
    response = client_as(liwei).get("/")
    assert response.status_code == 200
