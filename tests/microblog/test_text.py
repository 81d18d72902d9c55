"""The one parser: what links, what notifies and what is escaped, for every kind of token."""

import pytest

from apps.microblog import text
from apps.microblog.text import Token


def kinds(value: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value or t.text) for t in text.parse(value)]


def html(value: str) -> str:
    return text.render(text.parse(value), topic_url=lambda n: f"/t/{n}", person_url=lambda n: f"/u/{n}")


@pytest.mark.parametrize(
    "value",
    [
        "#上海下雪了# 好冷",
        "＃双十一＃来了",
        "#Double 11# sale",
        "a @李伟 b",
        "x https://a.example/p?q=1. y",
        "",
        "😀#🎉#",
    ],
)
def test_tokens_join_back_to_the_text(value):
    assert "".join(t.text for t in text.parse(value)) == value


def test_chinese_topic_with_full_width_punctuation_inside():
    assert text.topics_in("今天#上海下雪了，好冷！#真的") == ["上海下雪了，好冷！"]


def test_full_width_hashes_make_a_topic():
    assert text.topics_in("＃双十一＃") == ["双十一"]


def test_topic_with_spaces_keeps_one_space_and_one_key():
    assert text.topics_in("#Double  11# and #double 11#") == ["Double 11"]
    assert text.topic_key("Ｄｏｕｂｌｅ 11") == text.topic_key("double   11")


@pytest.mark.parametrize("value", ["an unclosed #topic", "##", "# #", "#\n#"])
def test_no_topic_without_two_hashes_around_something(value):
    assert text.topics_in(value) == []


def test_hash_hash_then_topic():
    # "##" is empty; the next pair is a topic.
    assert text.topics_in("## #猫#") == ["猫"]


def test_topic_over_32_characters_stays_text():
    assert text.topics_in("#" + "长" * 33 + "#") == []
    assert text.topics_in("#" + "长" * 32 + "#") == ["长" * 32]


def test_emoji_in_and_around_topics():
    assert text.topics_in("🎉#新年快乐🧧#🎉") == ["新年快乐🧧"]


def test_mentions_chinese_and_ascii_each_once():
    assert text.mentions_in("@李伟 你好 @emma_demo，@李伟") == ["李伟", "emma_demo"]


def test_an_email_is_not_a_mention():
    assert text.mentions_in("mail me at liwei@example.com") == []


def test_full_width_at_is_a_mention():
    assert text.mentions_in("＠wangfang_demo 看这个") == ["wangfang_demo"]


def test_links_stop_at_chinese_punctuation_and_drop_trailing_dots():
    assert kinds("看 https://example.com/a，好") == [
        ("text", "看 "),
        ("url", "https://example.com/a"),
        ("text", "，好"),
    ]
    assert [t.value for t in text.parse("see https://example.com/x.") if t.kind == "url"] == [
        "https://example.com/x"
    ]


def test_only_http_links():
    assert [t for t in text.parse("javascript:alert(1) ftp://x") if t.kind == "url"] == []


def test_two_thousand_characters_parse_fast_and_whole():
    value = ("#话题# @liwei_demo https://e.com 文字 " * 100)[:2000]
    tokens = text.parse(value)
    assert "".join(t.text for t in tokens) == value
    assert text.topics_in(value) == ["话题"]


def test_preview_never_cuts_a_token():
    value = "字" * 135 + "#一个话题#"
    kept, cut = text.preview(text.parse(value))
    assert cut
    assert "".join(t.text for t in kept) == "字" * 135


def test_preview_of_a_short_text_is_whole():
    kept, cut = text.preview(text.parse("短"))
    assert not cut and kept == [Token("text", "短")]


@pytest.mark.parametrize(
    "value, needle",
    [
        ("<script>alert(1)</script>", "&lt;script&gt;"),
        ('#"><img src=x onerror=alert(1)>#', "&quot;&gt;&lt;img"),
        ("@x<svg/onload=alert(1)>", "&lt;svg/onload"),
        ('https://e.com/"onmouseover="alert(1)', 'href="https://e.com/"'),
        ("https://e.com/?a=1&b=<2>", "https://e.com/?a=1&amp;b="),
    ],
)
def test_every_token_kind_is_escaped(value, needle):
    out = html(value)
    assert needle in out
    assert "<script" not in out and "<img" not in out and "<svg" not in out and 'onmouseover="' not in out


def test_a_mention_of_nobody_is_plain_text():
    out = text.render(text.parse("@nobody"), topic_url=lambda n: "/t", person_url=lambda n: None)
    assert out == "@nobody"


def test_links_open_safely():
    assert 'rel="nofollow noopener noreferrer"' in html("https://example.com")
