"""Throughput of relq.nlp on synthetic customer complaints, single process.

Generates N Japanese and N English complaint texts (60–150 characters, assembled from
phrase pieces with a fixed seed) and reports docs/s, the median of several runs, for:

- ``ja_analyse``: ``relq.nlp.analyse`` on Japanese (default path: blank ja, Sudachi mode A)
- ``ja_blank_A`` / ``ja_blank_C``: the Sudachi tokenizer alone, split mode A and C
- ``ja_ginza_no_parser_ner``: ja_ginza without parser, NER and bunsetu recognizer
- ``ja_ginza_full``: the full ja_ginza pipeline (on a small sample)
- ``en_analyse``: ``relq.nlp.analyse`` on English (blank en + lookup lemmatizer)

Texts are processed one at a time, as the app does when a case is saved.

    .venv/bin/python bench/nlp_throughput.py [--n 1000] [--json bench/results/nlp.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relq import nlp  # noqa: E402

MIN_CHARS, MAX_CHARS = 60, 150
TARGET_JA_DOCS_PER_S = 300

JA_WHEN = ["先週", "3日前に", "先月オンラインで", "昨年の12月に", "一ヶ月前に量販店で", "今朝", ""]
JA_BOUGHT = ["購入した", "買った", "注文した", "届いた", "プレゼントでもらった"]
JA_PRODUCTS = [
    "電気ケトル",
    "コーヒーメーカー",
    "炊飯器",
    "電子レンジ",
    "トースター",
    "加湿器",
    "コードレス掃除機",
    "ドライヤー",
    "ミキサー",
    "電気ポット",
]
JA_PROBLEMS = [
    "の蓋が閉まらなくなりました。",
    "から水漏れがして床が濡れてしまいました。",
    "の電源が入らず、何度試しても動きません。",
    "の底が焦げて嫌な臭いがします。",
    "を使うと熱湯が飛び散って危ないです。",
    "の取っ手がグラグラしていて、いつ外れるか不安です。",
    "のスイッチを押しても反応がありません。",
    "の表示パネルにエラーコードE03が出ます。",
    "の付属品が一部足りませんでした。",
    "の本体に最初から傷がついていました。",
]
JA_DETAILS = [
    "説明書の通りに使っていたのに残念です。",
    "子供がやけどしそうになりました。",
    "サポートセンターに電話しましたが繋がりませんでした。",
    "購入してからまだ二回しか使っていません。",
    "以前の機種ではこのようなことはありませんでした。",
    "箱を開けた時点で異音がしていました。",
    "毎朝使うものなのでとても困っています。",
]
JA_REQUESTS = [
    "返金してほしいです。",
    "新品との交換をお願いします。",
    "早急に対応してください。",
    "修理の手配をお願いできますか。",
    "返品の方法を教えてください。",
    "原因を調べて連絡をください。",
]

EN_WHEN = ["Last week", "Three days ago", "Last month", "In December", "Yesterday"]
EN_BOUGHT = ["I bought", "I ordered", "we received", "my wife bought"]
EN_PRODUCTS = [
    "electric kettle",
    "coffee maker",
    "rice cooker",
    "microwave",
    "toaster",
    "humidifier",
    "cordless vacuum",
    "hair dryer",
]
EN_PROBLEMS = [
    "and the lid no longer closes.",
    "and it leaks water all over the counter.",
    "but it will not switch on at all.",
    "and the bottom is burnt and smells bad.",
    "and boiling water sprays out of the spout.",
    "and the handle is loose and wobbles.",
    "but the display shows error code E03.",
    "and some accessories were missing from the box.",
]
EN_DETAILS = [
    "I followed the manual exactly.",
    "My son nearly burned his hand.",
    "Your support line never answers.",
    "We have only used it twice.",
    "It was scratched when we opened it.",
]
EN_REQUESTS = [
    "Please refund my money.",
    "I want a replacement.",
    "Please fix this quickly.",
    "How do I return it?",
    "Please investigate and reply.",
]


def _fit(rng: random.Random, build: Callable[[random.Random], str]) -> str:
    while True:  # rejection sampling into the 60–150 character window
        text = build(rng)
        if MIN_CHARS <= len(text) <= MAX_CHARS:
            return text


def japanese_texts(n: int, seed: int = 7) -> list[str]:
    def build(rng: random.Random) -> str:
        text = rng.choice(JA_WHEN) + rng.choice(JA_BOUGHT) + rng.choice(JA_PRODUCTS)
        text += rng.choice(JA_PROBLEMS)
        text += "".join(rng.sample(JA_DETAILS, rng.choice((0, 1, 1, 2, 2, 3))))
        return text + rng.choice(JA_REQUESTS)

    rng = random.Random(seed)
    return [_fit(rng, build) for _ in range(n)]


def english_texts(n: int, seed: int = 11) -> list[str]:
    def build(rng: random.Random) -> str:
        product = rng.choice(EN_PRODUCTS)
        article = "an" if product[0] in "aeiou" else "a"
        text = f"{rng.choice(EN_WHEN)} {rng.choice(EN_BOUGHT)} {article} {product} "
        text += rng.choice(EN_PROBLEMS)
        text += "".join(" " + d for d in rng.sample(EN_DETAILS, rng.choice((0, 1, 1, 2))))
        return text + " " + rng.choice(EN_REQUESTS)

    rng = random.Random(seed)
    return [_fit(rng, build) for _ in range(n)]


def _progress(label: str, run: int, runs: int, done: int, total: int) -> None:
    sys.stderr.write(f"\r[{label}] run {run}/{runs} {done}/{total} ")
    if done == total and run == runs:
        sys.stderr.write("\n")
    sys.stderr.flush()


def measure(
    label: str, func: Callable[[str], object], texts: Sequence[str], runs: int
) -> dict[str, object]:
    func(texts[0])  # warm caches outside the timing
    rates = []
    step = max(1, len(texts) // 20)
    for run in range(1, runs + 1):
        start = time.perf_counter()
        for i, text in enumerate(texts, 1):
            func(text)
            if i % step == 0 or i == len(texts):
                _progress(label, run, runs, i, len(texts))
        rates.append(len(texts) / (time.perf_counter() - start))
    return {
        "docs": len(texts),
        "runs": runs,
        "docs_per_s_runs": [round(r, 1) for r in rates],
        "docs_per_s_median": round(statistics.median(rates), 1),
    }


def _versions() -> dict[str, str]:
    out = {}
    for name in ("spacy", "ginza", "ja-ginza", "sudachipy", "sudachidict-core", "thinc"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="docs per language (default paths)")
    parser.add_argument("--n-ginza", type=int, default=200, help="docs for ginza w/o parser")
    parser.add_argument("--n-full", type=int, default=40, help="docs for full ginza")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-ginza", action="store_true", help="only the default paths")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)

    ja, en = japanese_texts(args.n), english_texts(args.n)
    sys.stderr.write("loading pipelines...\n")
    nlp.warm_up()
    results: dict[str, dict[str, object]] = {}
    results["ja_analyse"] = measure("ja_analyse", nlp.analyse, ja, args.runs)
    results["ja_blank_A"] = measure(
        "ja_blank_A", nlp.get_pipeline("ja", split_mode="A"), ja, args.runs
    )
    results["ja_blank_C"] = measure(
        "ja_blank_C", nlp.get_pipeline("ja", split_mode="C"), ja, args.runs
    )
    results["en_analyse"] = measure("en_analyse", nlp.analyse, en, args.runs)
    if not args.skip_ginza:
        fast = nlp.load_ja_full(exclude=("parser", "ner", "bunsetu_recognizer"))
        results["ja_ginza_no_parser_ner"] = measure(
            "ja_ginza_no_parser_ner", fast, ja[: args.n_ginza], args.runs
        )
        full = nlp.load_ja_full()
        results["ja_ginza_full"] = measure("ja_ginza_full", full, ja[: args.n_full], args.runs)

    chars = {"ja": statistics.mean(map(len, ja)), "en": statistics.mean(map(len, en))}
    print(f"{'path':<26}{'docs':>6}{'median docs/s':>15}   runs")
    for name, r in results.items():
        print(f"{name:<26}{r['docs']:>6}{r['docs_per_s_median']:>15}   {r['docs_per_s_runs']}")
    print(f"mean length: ja {chars['ja']:.0f} chars, en {chars['en']:.0f} chars")
    ok = results["ja_analyse"]["docs_per_s_median"] >= TARGET_JA_DOCS_PER_S  # type: ignore[operator]
    print(f"ja_analyse target >= {TARGET_JA_DOCS_PER_S} docs/s: {'PASS' if ok else 'FAIL'}")

    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "versions": _versions(),
            "mean_chars": chars,
            "results": results,
        }
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        sys.stderr.write(f"wrote {path}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
