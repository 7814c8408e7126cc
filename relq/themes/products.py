"""Which product a case is about, as precisely as its product field and its text say.

A product field such as 「電気ケトル KT-200」 names a model (KT-200, kept whole as relq.nlp
keeps it: CX-5 and CX-60 are different cars) and a family (電気ケトル: every model of it); one
without a model number (「冷凍パスタ ボロネーゼ」) names a product and, when it has more than
one word, a family (冷凍パスタ). A case whose product field is empty is placed by the model
numbers and family names its text mentions, among those the installation's product fields
use (an error code such as E3 is a model number only if some product is called so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relq.nlp.text import name_spans, normalize

# What joins a model number to the rest of a product field: removed with the model number.
_JOINERS = re.compile(r"[\s()（）/・,、\-]+")


@dataclass(frozen=True, slots=True)
class Unit:
    """One way of naming what a case is about: level "model", "product", "family" or "all"
    (every product), its stable key and the words an alert shows."""

    level: str
    key: str
    label: str

    @property
    def code(self) -> str:
        return self.level if self.level == "all" else f"{self.level}:{self.key}"


ALL_PRODUCTS = Unit("all", "", "")
# Most specific first: an alert names a model when a model explains the surge.
LEVELS = ("model", "product", "family", "all")


def model_key(model: str) -> str:
    """KT-200, kt200 and ＫＴ－２００ are one model."""
    return normalize(model).replace("-", "").upper()


@dataclass(frozen=True, slots=True)
class ProductRef:
    model: str | None  # as written, upper-cased: "KT-200"
    name: str  # the whole field, normalised (case kept): "電気ケトル KT-200"
    family: str | None  # "電気ケトル"

    def units(self) -> list[Unit]:
        units = []
        if self.model:
            units.append(Unit("model", model_key(self.model), self.model))
        elif self.name:
            units.append(Unit("product", normalize(self.name), self.name))
        if self.family and self.family != self.name:
            units.append(Unit("family", normalize(self.family), self.family))
        return units


def parse_product(field: str) -> ProductRef:
    """The model, name and family of a product field."""
    cased = normalize(field or "", lowercase=False)
    models = [
        (start, end)
        for start, end in name_spans(cased)
        if any(ch.isdigit() for ch in cased[start:end])
    ]
    model = cased[models[0][0] : models[0][1]].upper() if models else None
    rest = cased
    for start, end in reversed(models):
        rest = rest[:start] + " " + rest[end:]
    words = [w for w in _JOINERS.split(rest) if w]
    family = words[0] if words and (model or len(words) > 1) else None
    return ProductRef(model, cased, family)


class Catalogue:
    """The products an installation's cases name, to place cases whose product field is empty
    and to tell product words from problem words."""

    def __init__(self, refs: list[ProductRef]):
        self.models: dict[str, ProductRef] = {}
        self.families: dict[str, str] = {}  # normalised family -> as written
        for ref in refs:
            if ref.model:
                self.models.setdefault(model_key(ref.model), ref)
            if ref.family and len(ref.family) >= 2:
                self.families.setdefault(normalize(ref.family), ref.family)
        self._is_product_word: dict[str, bool] = {}

    def units_from_text(self, lemmas: list[str], phrases: list[str]) -> list[Unit]:
        """The units a case's text names: known model numbers among its lemmas (kept whole by
        relq.nlp), else known family names among its key phrases."""
        for lemma in lemmas:
            ref = self.models.get(model_key(lemma)) if any(c.isdigit() for c in lemma) else None
            if ref is not None:
                return ref.units()
        for phrase in phrases:
            for family, written in self.families.items():
                if family in phrase:
                    return [Unit("family", family, written)]
        return []

    def is_product_word(self, phrase: str) -> bool:
        """Whether a key phrase names a product rather than a problem (電気ケトル, ケトル,
        電気ケトルkt-200): such a phrase is a product, never a surge's problem."""
        known = self._is_product_word.get(phrase)
        if known is None:
            flat = phrase.replace("-", "").upper()
            known = any(key in flat for key in self.models) or any(
                phrase in family or family in phrase for family in self.families
            )
            self._is_product_word[phrase] = known
        return known
