"""Words and numbers of a report in one language: English, Japanese or Malay.

Every label, unit, heading and sentence of the report comes from
``report/i18n/{lang}.json`` (a flat map of key → text with ``{named}``
placeholders); this module only looks them up and formats numbers. The three
files have the same keys and each key the same placeholders (tested).

Number conventions follow CLDR [1]_: English, Japanese and Malay all write
``1,234.5`` and ``46%``. Japanese money of 100,000 or more is written in units
of 万 (10,000), as Japanese planning documents do (``372.9万円``). These
conventions are data (``format.*`` keys), not code.

References
----------
.. [1] Unicode CLDR, number symbols and patterns of locales en, ja, ms
   (cldr.unicode.org, release 45, 2024).
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from zerodistrict.errors import InputError

I18N_DIR = Path(__file__).parent / "i18n"
#: languages the report is written in
LANGUAGES = ("en", "ja", "ms")
_MINUS = "\u2212"  # typographic minus sign


@cache
def _strings(lang: str) -> dict[str, str]:
    return json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Language:
    """Look-ups and number formats of one report language."""

    code: str
    strings: dict[str, str]

    def text(self, key: str, **values: object) -> str:
        """The text of ``key`` with its placeholders filled in (KeyError if the key is unknown)."""
        template = self.strings[key]
        return template.format(**values) if values else template

    def number(self, value: float, decimals: int = 0) -> str:
        """``value`` with the language's group and decimal separators and a true minus sign."""
        if value is None or not math.isfinite(value):
            return self.text("format.missing")
        rounded = round(float(value), decimals)
        body = f"{abs(rounded):,.{decimals}f}"
        body = body.replace(",", "\x00").replace(".", self.text("format.decimal")).replace("\x00", self.text("format.group"))
        return (_MINUS if rounded < 0 else "") + body

    def percent(self, ratio: float, decimals: int = 0) -> str:
        """A ratio (0–1) as a percentage: 0.4559 → ``46%``."""
        if ratio is None or not math.isfinite(ratio):
            return self.text("format.missing")
        return self.text("format.percent", value=self.number(100.0 * ratio, decimals))

    def points(self, difference_ratio: float, decimals: int = 0) -> str:
        """A difference of two ratios in percentage points, without sign: 0.2 → ``20 points``."""
        return self.text("unit.points", value=self.number(abs(100.0 * difference_ratio), decimals))

    def quantity(self, value: float, unit_key: str, decimals: int = 0) -> str:
        """A number with a unit from ``unit.*``: ``1,127 kWh/kWp``."""
        return self.text(unit_key, value=self.number(value, decimals))

    def money(self, amount: float, currency: str) -> str:
        """An amount of money in the language's pattern for its currency (``¥3,728,937``, ``372.9万円``)."""
        if amount is None or not math.isfinite(amount):
            return self.text("format.missing")
        size = abs(float(amount))
        myriad = self.text("format.myriad")
        if myriad and size >= 1e5:
            man = round(size / 1e4, 1 if size < 1e7 else 0)
            shown = self.number(man, 0 if man == int(man) else 1) + myriad  # 50万円, 372.9万円
        else:
            shown = self.number(size, 0 if size >= 100 else 2)
        key = f"currency.{currency}"
        if key in self.strings:
            text = self.text(key, amount=shown)
        else:
            text = self.text("currency.other", amount=shown, currency=currency)
        # the sign goes before the currency symbol: −RM90.28, not RM−90.28
        nonzero = any(ch in "123456789" for ch in shown)
        return (_MINUS if amount < 0 and nonzero else "") + text


    def month(self, month: int) -> str:
        """Short name of a month (1–12)."""
        return self.text(f"month.{month}")

    def month_span(self, months: tuple[int, ...]) -> str:
        """First to last month of a season: ``Nov–Mar``."""
        if len(months) == 1:
            return self.month(months[0])
        return self.text("format.range", start=self.month(months[0]), end=self.month(months[-1]))


def get_language(lang: str) -> Language:
    """The report language ``lang`` (``en``, ``ja`` or ``ms``).

    Raises
    ------
    InputError
        For an unknown language, naming the option and the valid ones.
    """
    if lang not in LANGUAGES:
        raise InputError(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    return Language(lang, _strings(lang))
