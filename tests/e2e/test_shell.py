from pathlib import Path

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


def test_shot(page_as, liwei):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for locale in ("en", "zh-hans"):
        for path in [
            "/",
            "/accounts/contacts/",
            "/accounts/me/",
            "/discover/",
            "/accounts/contacts/new/",
            "/accounts/me/qr/",
            "/accounts/u/wangfang/",
        ]:
            page = page_as(liwei, path, locale)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SHOTS / f"{locale}-{path.strip('/').replace('/', '_') or 'chats'}.png"))
            page.close()
