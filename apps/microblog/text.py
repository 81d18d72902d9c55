"""A post's text as Weibo reads it: #double-hash topics#, @mentions, links, and everything else plain.

`parse` is the one reading of a text: the post's topics and mentions are saved from it, and the page and the
live events render it, so what links and what notifies can never disagree. It is pure (no database): names
are resolved to people by the caller and handed to `render`.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

TOPIC_MAX = 32  # characters between the two hashes, as on Weibo
MENTION_MAX = 30
PREVIEW_CHARS = 140  # a timeline shows this much, then "Full text"

# A topic: a hash (or a full-width one), 1..32 characters that are neither a hash nor a line break, a hash.
# An unclosed hash, "##" and a topic of spaces only stay text; the lookahead (something not a space before the
# closing hash) keeps "# #" from swallowing the hash that opens the next topic ("## #猫#").
_TOPIC = rf"[#＃](?P<topic>(?=[^#＃\r\n]{{0,{TOPIC_MAX - 1}}}[^#＃\s])[^#＃\r\n]{{1,{TOPIC_MAX}}})[#＃]"
# A mention: "@" then letters (any script), digits, "_" or "-", not glued to a word before it (an e-mail).
_MENTION = rf"(?<![\w@])[@＠](?P<mention>[\w-]{{1,{MENTION_MAX}}})"
# A link: http(s) up to a space or a character that cannot be in a URL; trailing punctuation stays text.
_URL = r"(?P<url>https?://[^\s<>\"'\u3000-\u303f\uff01-\uff5e]+)"
_TOKENS = re.compile(f"{_TOPIC}|{_MENTION}|{_URL}", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}"


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "topic", "mention" or "url"
    text: str  # as written (what is shown)
    value: str = ""  # topic: its name; mention: the name after "@"; url: the address


def topic_key(name: str) -> str:
    """The one spelling a topic is stored under: full-width folded, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def parse(text: str) -> list[Token]:
    """`text` as tokens, in order; joining their `text` gives `text` back exactly."""
    tokens: list[Token] = []
    position = 0
    for match in _TOKENS.finditer(text):
        start, end = match.span()
        if match["topic"] is not None:
            name = " ".join(match["topic"].split())
            if not name:  # "#   #" is not a topic
                continue
            token = Token("topic", match[0], name)
        elif match["mention"] is not None:
            token = Token("mention", match[0], match["mention"])
        else:
            url = match["url"].rstrip(_URL_TRAILING)
            end = start + len(url)
            if len(url) <= len("https://"):
                continue
            token = Token("url", url, url)
        if start < position:  # overlaps a token already taken (a trimmed URL's tail)
            continue
        if start > position:
            tokens.append(Token("text", text[position:start]))
        tokens.append(token)
        position = end
    if position < len(text):
        tokens.append(Token("text", text[position:]))
    return _merge_text(tokens)


def _merge_text(tokens: list[Token]) -> list[Token]:
    merged: list[Token] = []
    for token in tokens:
        if token.kind == "text" and merged and merged[-1].kind == "text":
            merged[-1] = Token("text", merged[-1].text + token.text)
        else:
            merged.append(token)
    return merged


def topics_in(text: str) -> list[str]:
    """The topics of `text` by first spelling, each once (by `topic_key`), in order."""
    seen: dict[str, str] = {}
    for token in parse(text):
        if token.kind == "topic":
            seen.setdefault(topic_key(token.value), token.value)
    return list(seen.values())


def mentions_in(text: str) -> list[str]:
    """The names mentioned in `text`, each once, in order."""
    return list(dict.fromkeys(t.value for t in parse(text) if t.kind == "mention"))


def preview(tokens: list[Token], limit: int = PREVIEW_CHARS) -> tuple[list[Token], bool]:
    """The first `limit` characters of a parsed text (a link or topic is never cut), and whether it was cut."""
    kept: list[Token] = []
    used = 0
    for token in tokens:
        if used + len(token.text) <= limit:
            kept.append(token)
            used += len(token.text)
            continue
        if token.kind == "text" and limit > used:
            kept.append(Token("text", token.text[: limit - used]))
        return kept, True
    return kept, False


def render(tokens: list[Token], *, topic_url, person_url) -> SafeString:
    """Safe HTML of `tokens`: topics and known people link, links open safely, the rest is escaped.

    `topic_url(name)` gives a topic's page; `person_url(name)` a mentioned person's page, or None for a name
    that is nobody (shown as plain text, like Weibo).
    """
    parts = []
    for token in tokens:
        if token.kind == "topic":
            parts.append(
                format_html('<a class="mb-topic" href="{}">{}</a>', topic_url(token.value), token.text)
            )
        elif token.kind == "mention" and (url := person_url(token.value)):
            parts.append(format_html('<a class="mb-mention" href="{}">{}</a>', url, token.text))
        elif token.kind == "url":
            parts.append(
                format_html(
                    '<a href="{}" rel="nofollow noopener noreferrer" target="_blank">{}</a>',
                    token.value,
                    token.text,
                )
            )
        else:
            parts.append(escape(token.text))
    return mark_safe("".join(parts))
