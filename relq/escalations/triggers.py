"""What raises an escalation, as data, and the pure checks that read it.

Safety words are matched on the normalised text (NFKC, kana variants unified, lowercase), so
ﾔｹﾄﾞ, やけど and ヤケド are one word; Japanese by substring (no spaces to split on), English
by whole word with its usual inflections. Kept deliberately literal: a false alarm costs a
manager a glance, a missed burn costs far more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from relq.nlp import normalize

SAFETY_WORDS_JA = (
    "発火",
    "火事",
    "火災",
    "燃え",
    "煙",
    # 焦げ alone is mostly burnt toast; what smells or marks of burning is not.
    "焦げ臭",
    "焦げくさ",
    "焦げ跡",
    "火傷",
    "やけど",
    "ヤケド",
    "怪我",
    "ケガ",  # not けが: 見かけが / 出かけが would match
    "負傷",
    "出血",
    "異物",
    "食中毒",
    "腹痛",
    "嘔吐",
    # アレルギー alone is mostly a question about the allergen label; a reaction is an incident.
    "アレルギー反応",
    "アレルギー症状",
    "アナフィラキシー",
    "じんましん",
    "蕁麻疹",
    "感電",
    "漏電",
    "破裂",
    "爆発",
    "発熱",
    "過熱",
    "誤飲",
    "窒息",
    "救急",
)
# Each English entry lists its forms: "burn|burns|burned|burnt|burning".
SAFETY_WORDS_EN = (
    "fire|fires|on fire",
    "flames?",
    "smoke|smoked|smoking|smoky",
    "burn|burns|burned|burnt|burning",
    "scald|scalds|scalded",
    "injury|injuries|injured|injure",
    "hurt|hurts",
    "bleed|bleeding|bled|blood",
    "choke|choked|choking",
    "food poisoning|poisoning|poisoned",
    "allergic reaction|anaphylaxis",
    "electric shock|electrocuted",
    "explode|exploded|explosion",
    "overheat|overheated|overheating",
    "foreign object|glass in|metal in",
    "ambulance|hospital|hospitalised|hospitalized|emergency room",
)


@dataclass(frozen=True)
class RepeatRule:
    """A customer who contacted us `cases` times within `days` days."""

    cases: int = 3
    days: int = 30


REPEAT_CUSTOMER = RepeatRule()
# A department-level escalation still open after this many days rises to management.
RAISE_TO_MANAGEMENT_AFTER_DAYS = 3


@lru_cache(maxsize=1)
def _english_regex() -> re.Pattern[str]:
    forms = sorted((f for entry in SAFETY_WORDS_EN for f in entry.split("|")), key=len)
    return re.compile(r"\b(" + "|".join(reversed(forms)) + r")\b")


@lru_cache(maxsize=1)
def _japanese_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in SAFETY_WORDS_JA)


def safety_words_in(*texts: str) -> list[str]:
    """The safety words found in `texts`, in order of first appearance, without repeats."""
    found: list[str] = []
    for text in texts:
        normal = normalize(text or "")
        if not normal:
            continue
        hits = [(normal.find(w), w) for w in _japanese_words() if w in normal]
        hits += [(m.start(), m.group(0)) for m in _english_regex().finditer(normal)]
        for _position, word in sorted(hits):
            if word not in found:
                found.append(word)
    return found
