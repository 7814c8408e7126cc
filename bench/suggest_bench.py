"""The learned suggester (relq.learning): accuracy against a baseline, training time, latency.

1. **Accuracy** on a labelled set made here (not evaluation data): Japanese complaints to a
   car maker's hotline (10 departments: brakes, engine, electrics, air conditioning,
   infotainment, noises, dealer service, repair delays, recalls, billing) and English bank
   customers' questions (12 intents that share their nouns and differ by their question and
   negation words: "how do I get a refund" / "why haven't I received my refund"). Cues shared
   between labels, a second topic in some cases, and a few mislabelled ones make it hard on
   purpose. Each language is split 2:1 into history and new cases; relq's trainer
   (`fit_text_model`, on lemmas from the real NLP) learns from the history and suggests for
   each new case. Reported: top-choice accuracy, the share of cases that get a suggestion
   at the tuned thresholds (coverage) and how often that suggestion is right (precision).
   The baseline, run in the same script: TF-IDF (word 1–2-grams and character 1–4-grams,
   sublinear) + one multinomial logistic regression, C chosen on a held-out fifth of the
   history from 1–256 by accuracy, refitted on all of it.
2. **Training time** of `fit_text_model` on 20,000 synthetic cases (the demo corpus's
   generator, each case with a few invented words as real free text has, so that the model
   has about 100k features), labelled by theme. The NLP runs before and is not counted.
3. **Suggestion latency** of that model (p50 / p95 of `TextModel.predict` with its reasons,
   on 2,000 cases it did not learn from, one at a time as the case page does; target
   < 5 / 15 ms), and what rebuilding the feature names, as every suggestion did before,
   costs alone.

    nice -n 10 .venv/bin/python bench/suggest_bench.py [--json bench/results/suggest.json]
    [--cases 20000] [--skip-training]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relq import nlp  # noqa: E402
from relq.learning import fit_text_model  # noqa: E402

TARGET_P50_MS, TARGET_P95_MS = 5.0, 15.0

# ---- the labelled set ---------------------------------------------------------------------

JA_MODELS = ["CX-5", "CX-60", "CX-30", "CX-8", "MX-30", "ロードスター", "マツダ2", "CX-3"]
JA_LABELS: dict[str, list[str]] = {
    "brake": [
        "ブレーキの効きが悪く、止まるまでに距離がかかる",
        "ブレーキを踏むとキーキーと音がする",
        "ABSの警告灯が点灯したまま消えない",
        "ブレーキペダルが重く、踏み込みにくい",
        "停止する直前にブレーキがカクンとなる",
        "坂道でブレーキが抜けるような感じがした",
        "ブレーキパッドを交換したばかりなのに効かない",
        "ABSが作動して止まれないことがあった",
    ],
    "engine": [
        "朝エンジンがかからない",
        "エンジン警告灯が点灯した",
        "アイドリングが不安定で回転数が上下する",
        "アクセルを踏んでも加速しない",
        "信号待ちでエンストした",
        "エンジンから白い煙が出ていた",
        "ディーゼルエンジンの調子が悪く、すすが溜まると言われた",
        "エンジンオイルの減りが早い",
    ],
    "electrical": [
        "バッテリーがすぐに上がってしまう",
        "パワーウインドウが途中で止まって動かない",
        "ヘッドライトが片方つかない",
        "スマートキーが反応せずドアが開かない",
        "メーターの表示が突然消えた",
        "ETCの電源が入らない",
        "ワイパーが勝手に動く",
    ],
    "aircon": [
        "エアコンが効かず車内が暑い",
        "冷房にしても生ぬるい風しか出ない",
        "エアコンをつけるとカビのような臭いがする",
        "暖房がなかなか効かない",
        "エアコンの風量が変えられない",
        "窓の曇りがエアコンで取れない",
    ],
    "infotainment": [
        "ナビの画面が固まって操作できない",
        "Bluetoothでスマホが繋がらない",
        "センターディスプレイが映らない",
        "CarPlayがすぐに切れる",
        "ソフトウェアの更新後に地図が表示されない",
        "バックカメラの映像が出ない",
        "音声認識が全く反応しない",
    ],
    "noise": [
        "走行中に足回りから異音がする",
        "段差を越えるとガタガタと音がする",
        "高速道路で振動がひどい",
        "ドアの辺りから風切り音がする",
        "ハンドルを切るとギーギーと音が鳴る",
        "車体の後ろからカタカタ音がする",
    ],
    "dealer_service": [
        "ディーラーの担当者の態度が悪い",
        "販売店に問い合わせても折り返しの電話がない",
        "ディーラーで説明もなく作業された",
        "営業担当の言うことが毎回違う",
        "店舗で長時間待たされたうえ謝罪もなかった",
        "整備士の説明が分かりにくく不親切だった",
    ],
    "repair_delay": [
        "修理に出して一ヶ月経つのにまだ戻ってこない",
        "部品が届かず修理が進まない",
        "代車を出してもらえず通勤に困っている",
        "入庫してから何の連絡もない",
        "修理の完了予定日が何度も延びている",
        "部品の入荷待ちと言われたまま二週間経った",
    ],
    "recall": [
        "リコールの対象かどうか知りたい",
        "リコールの案内が届いたがどうすればよいか",
        "サービスキャンペーンの対象になっているか確認したい",
        "無償修理の対象になると聞いたが本当か",
        "リコールの作業にどれくらい時間がかかるか",
        "改善対策のはがきが届いた",
    ],
    "billing": [
        "点検の費用が高すぎる",
        "請求額が見積もりと違う",
        "保証で直ると言われたのに修理代を請求された",
        "車検の明細に覚えのない項目がある",
        "延長保証の料金について説明がなかった",
        "オイル交換の料金を二重に請求された",
    ],
}
JA_CONTEXT = [
    "先月ディーラーで点検を受けたばかりです。",
    "家族で旅行している最中に起きました。",
    "高速道路を走っていたときでした。",
    "購入してまだ二年です。",
    "とても不安です。",
    "早急に対応してください。",
    "以前にも同じことがありました。",
    "子どもを乗せているので心配です。",
    "毎日通勤で使っています。",
    "販売店には伝えてあります。",
    "",
    "",
]
# The same complaint is never written the same way twice: when, how often, how it ends.
JA_WHEN = ["", "", "", "最近、", "急に", "時々", "何度も", "昨日から", "今朝、", "納車直後から"]
JA_ENDINGS = ["", "", "んです", "ようです", "のですが", "状態です", "ことがあります"]
JA_OPENERS = [
    "",
    "",
    "{model}に乗っています。",
    "{model}（{year}年式）です。",
    "いつもお世話になっております。",
]
JA_SUBJECTS = ["{model}の不具合", "{model}について", "問い合わせ", "{model}の件", "困っています"]

EN_MERCHANTS = ["Amazon", "Tesco", "Uber", "Netflix", "a hotel", "the airline", "eBay", "a shop"]
EN_NAMES = ["my sister", "my landlord", "a friend", "my son", "John", "my business partner"]
EN_LABELS: dict[str, list[str]] = {
    "refund_request": [
        "How do I get a refund for my order from {merchant}?",
        "Can I get a refund for something I returned to {merchant}?",
        "I want my money back from {merchant}, how does that work?",
        "How can I request a refund for a purchase?",
        "Is it possible to get a refund if {merchant} won't give one?",
        "What do I need to do to get refunded for a payment?",
    ],
    "refund_missing": [
        "Why haven't I received my refund from {merchant} yet?",
        "My refund from {merchant} still hasn't arrived.",
        "{merchant} says they refunded me but I don't see the money.",
        "Where is my refund? It has been {days} days.",
        "I was promised a refund but it is not in my account.",
        "Why is my refund taking so long?",
    ],
    "card_not_working": [
        "My card is not working at {merchant}.",
        "Why was my card declined at {merchant}?",
        "I can't pay with my card anywhere.",
        "My card doesn't work in shops, what's wrong?",
        "The payment with my card was refused again.",
        "Why does my card keep getting declined?",
    ],
    "card_activate": [
        "How do I activate my new card?",
        "I got my card in the mail, how do I start using it?",
        "Where in the app do I activate my card?",
        "My new card arrived, what do I do now to activate it?",
        "Do I need to activate the card before using it?",
    ],
    "card_lost": [
        "I lost my card.",
        "My card was stolen at {merchant}.",
        "I can't find my card anywhere, what should I do?",
        "Someone took my wallet with my card in it.",
        "I think I left my card at {merchant}, please freeze it.",
    ],
    "transfer_failed": [
        "Why did my transfer to {name} fail?",
        "My transfer to {name} didn't go through.",
        "The money I sent to {name} hasn't arrived.",
        "Why is my transfer still pending after {days} days?",
        "My bank transfer was returned, why?",
        "{name} says they never got the money I transferred.",
    ],
    "transfer_howto": [
        "How do I send money to {name}?",
        "How can I transfer money abroad?",
        "Can I transfer money to {name} from the app?",
        "What details do I need to make a transfer?",
        "How long does a transfer to another bank take?",
    ],
    "pin_blocked": [
        "My PIN is blocked.",
        "I entered the wrong PIN too many times and now it's locked.",
        "I forgot my PIN and the card is blocked now.",
        "Why is my PIN blocked?",
        "How do I unblock my PIN?",
    ],
    "pin_change": [
        "How do I change my PIN?",
        "Can I choose a new PIN for my card?",
        "Where can I see my PIN in the app?",
        "I want to set a different PIN.",
        "Is it possible to change the PIN at an ATM?",
    ],
    "charge_unknown": [
        "There is a payment from {merchant} I don't recognise.",
        "I didn't make this payment to {merchant}.",
        "Someone used my card without my permission.",
        "There's a charge on my statement that isn't mine.",
        "Why is there a payment to {merchant} I never made?",
    ],
    "charge_twice": [
        "I was charged twice by {merchant}.",
        "The same payment to {merchant} shows up two times.",
        "{merchant} took the money twice for one order.",
        "Why was I charged two times for the same thing?",
        "There is a duplicate payment on my account.",
    ],
    "cash_atm": [
        "The ATM didn't give me my cash.",
        "I withdrew {amount} but the ATM gave me nothing.",
        "Why was I charged a fee at the ATM?",
        "The ATM kept my card and no money came out.",
        "I got less cash from the ATM than I asked for.",
    ],
}
EN_OPENERS = ["", "", "Hi,", "Hello,", "Hi there.", "Good morning,"]
EN_CLOSERS = ["", "", "Thanks.", "Please help.", "This is urgent.", "Thank you in advance."]
MISLABELLED = 0.04  # a history has mistakes in it
SECOND_TOPIC = 0.15  # and cases that mention something else too


def _ja_case(rng: random.Random, label: str) -> str:
    model = rng.choice(JA_MODELS)
    fill = {"model": model, "year": rng.randint(2015, 2025)}
    parts = [rng.choice(JA_OPENERS).format(**fill)]
    body = rng.choice(JA_WHEN) + rng.choice(JA_LABELS[label]) + rng.choice(JA_ENDINGS)
    if rng.random() < 0.5:
        body = f"{model}の{body}" if not parts[0] else body
    parts += [body + "。", rng.choice(JA_CONTEXT)]
    if rng.random() < SECOND_TOPIC:
        parts.append("それと、" + rng.choice(JA_LABELS[rng.choice(list(JA_LABELS))]) + "。")
    parts.append(rng.choice(JA_CONTEXT))
    subject = rng.choice(JA_SUBJECTS).format(**fill)
    return subject + "\n" + "".join(parts)


def _en_case(rng: random.Random, label: str) -> str:
    fill = {
        "merchant": rng.choice(EN_MERCHANTS),
        "name": rng.choice(EN_NAMES),
        "days": rng.randint(2, 20),
        "amount": f"£{rng.randint(2, 30) * 10}",
    }
    parts = [rng.choice(EN_OPENERS), rng.choice(EN_LABELS[label]).format(**fill)]
    if rng.random() < SECOND_TOPIC:
        other = rng.choice(EN_LABELS[rng.choice(list(EN_LABELS))]).format(**fill)
        parts.append("Also, " + other[0].lower() + other[1:])
    parts.append(rng.choice(EN_CLOSERS))
    text = " ".join(p for p in parts if p)
    if rng.random() < 0.2:  # typed in a hurry
        text = text.lower().replace("'", "").replace("?", "")
    return text


def labelled_set(language: str, n: int, seed: int) -> list[tuple[str, str]]:
    """(text, label) pairs, labels balanced, a share of them mislabelled."""
    rng = random.Random(seed)
    labels = list(JA_LABELS if language == "ja" else EN_LABELS)
    build: Callable[[random.Random, str], str] = _ja_case if language == "ja" else _en_case
    cases = []
    for i in range(n):
        label = labels[i % len(labels)]
        text = build(rng, label)
        if rng.random() < MISLABELLED:
            label = rng.choice(labels)
        cases.append((text, label))
    rng.shuffle(cases)
    return cases


# ---- the baseline -------------------------------------------------------------------------


def baseline(train_texts: list[str], train_labels: list[str], seed: int = 13):
    """TF-IDF + one multinomial logistic regression, C chosen on a held-out fifth."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def vectorizers():
        return (
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2),
        )

    def fit(texts, labels, c):
        words, chars = vectorizers()
        x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        model = LogisticRegression(C=c, max_iter=2000).fit(x, labels)

        def predict(new):
            return model.predict(hstack([words.transform(new), chars.transform(new)]).tocsr())

        return predict

    order = np.random.default_rng(seed).permutation(len(train_texts))
    cut = len(order) // 5
    held, rest = order[:cut], order[cut:]
    scores = {}
    for c in (1.0, 4.0, 16.0, 64.0, 256.0):
        predict = fit([train_texts[i] for i in rest], [train_labels[i] for i in rest], c)
        guessed = predict([train_texts[i] for i in held])
        scores[c] = float(np.mean(guessed == np.array([train_labels[i] for i in held])))
    c = max(scores, key=lambda k: (scores[k], -k))
    return fit(train_texts, train_labels, c), c


# ---- the runs -------------------------------------------------------------------------------


def _lemmas(texts: list[str]) -> list[str]:
    return [" ".join(nlp.analyse(t).lemmas) for t in texts]


def accuracy(language: str, n: int) -> dict:
    import numpy as np

    cases = labelled_set(language, n, seed=101 if language == "ja" else 202)
    texts = [nlp.normalize(t) for t, _ in cases]
    labels = [label for _, label in cases]
    lemmas = _lemmas([t for t, _ in cases])
    cut = n * 2 // 3
    started = time.perf_counter()
    model, metrics = fit_text_model(texts[:cut], lemmas[:cut], [{x} for x in labels[:cut]])
    relq_seconds = time.perf_counter() - started
    top, suggested, right = 0, 0, 0
    for text, lemma_text, label in zip(texts[cut:], lemmas[cut:], labels[cut:], strict=True):
        first = model.predict(text, lemma_text, limit=1, threshold=0.0)
        top += bool(first) and first[0].code == label
        above = model.predict(text, lemma_text, limit=1)
        if above:
            suggested += 1
            right += above[0].code == label
    new = n - cut
    started = time.perf_counter()
    predict, c = baseline(texts[:cut], labels[:cut])
    base_seconds = time.perf_counter() - started
    base = float(np.mean(predict(texts[cut:]) == np.array(labels[cut:])))
    return {
        "language": language,
        "labels": len(set(labels)),
        "history": cut,
        "new_cases": new,
        "relq_accuracy": round(top / new, 3),
        "relq_coverage": round(suggested / new, 3),
        "relq_precision_when_suggested": round(right / suggested, 3) if suggested else None,
        "relq_C": metrics["C"],
        "relq_features": metrics.get("features"),
        "relq_train_s": round(relq_seconds, 1),
        "baseline_accuracy": round(base, 3),
        "baseline_C": c,
        "baseline_train_s": round(base_seconds, 1),
    }


# Invented words (kanji compounds, katakana names, order numbers), a few per case: real free
# text brings names, places and words no template has, and with them most of the features.
_KANJI = (
    "安池院運駅円塩屋温化荷界開階寒感漢館岸起期客究急級宮球去橋業曲局銀区苦具君係軽血"
    "決研県庫湖向幸港号根祭皿仕死使始指歯詩次事持式実写者主守取酒受州拾終習集住重宿所"
    "暑助昭消商章勝乗植申身神真深進世整昔全相送想息速族他打対待代第題炭短談着注柱丁帳"
    "調追定庭笛鉄転都度投豆島湯登等動童農波配倍箱畑発反坂板皮悲美鼻筆氷表秒病品負部服"
    "福物平返勉放味命面問役薬由油有遊予羊洋葉陽様落流旅両緑礼列練路和"
)
_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"


def _invented(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return "".join(rng.choice(_KANJI) for _ in range(rng.randint(2, 3)))
    if kind < 0.9:
        return "".join(rng.choice(_KANA) for _ in range(rng.randint(3, 5)))
    return (
        f"{rng.choice('ABCDEFGHKLMNPRSTX')}{rng.choice('ABCDEFGHKLMNPRSTX')}-{rng.randint(10, 999)}"
    )


def synthetic_history(n: int, seed: int = 3) -> tuple[list[str], list[str], list[set[str]]]:
    from relq.analysis.services import voice_of
    from relq.demo.corpus import generate_cases

    class Voice:
        def __init__(self, item: dict, extra: str) -> None:
            self.subject = item["subject"]
            self.customer_words = item["customer_words"] + extra
            self.remedy_requested = item.get("remedy_requested")

    rng = random.Random(seed)
    items = generate_cases(n, now=datetime.now(UTC), seed=seed)
    voices = [
        voice_of(Voice(item, " " + "、".join(_invented(rng) for _ in range(rng.randint(2, 6)))))
        for item in items
    ]
    return (
        [nlp.normalize(v) for v in voices],
        _lemmas(voices),
        [{item["theme"]} for item in items],
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def training_and_latency(n: int) -> dict:
    started = time.perf_counter()
    texts, lemmas, labels = synthetic_history(n + 2000)
    nlp_seconds = time.perf_counter() - started
    history = slice(0, n)
    started = time.perf_counter()
    model, metrics = fit_text_model(texts[history], lemmas[history], labels[history])
    train_seconds = time.perf_counter() - started
    timings = []
    for text, lemma_text in zip(texts[n:], lemmas[n:], strict=True):
        started = time.perf_counter()
        model.predict(text, lemma_text)
        timings.append((time.perf_counter() - started) * 1000)
    # What every suggestion paid before the names were stored with the model.
    started = time.perf_counter()
    vectorizers = [v for v in (model.chars, model.words, model.lemmas) if v is not None]
    for _ in range(5):
        [name for v in vectorizers for name in v.get_feature_names_out()]
    names_ms = (time.perf_counter() - started) * 1000 / 5
    return {
        "cases": n,
        "labels": len(model.codes),
        "features": metrics["features"],
        "nlp_s": round(nlp_seconds, 1),
        "train_s": round(train_seconds, 1),
        "C": metrics["C"],
        "C_tried": metrics["C_tried"],
        "held_out_accuracy": metrics.get("accuracy"),
        "suggest_p50_ms": round(statistics.median(timings), 3),
        "suggest_p95_ms": round(_percentile(timings, 0.95), 3),
        "suggest_max_ms": round(max(timings), 3),
        "rebuilding_names_ms": round(names_ms, 1),
    }


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("scikit-learn", "scipy", "numpy", "spacy", "sudachipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20000, help="synthetic history size")
    parser.add_argument("--labelled", type=int, default=4500, help="labelled cases per language")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    nlp.warm_up()
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    results["accuracy"] = [accuracy(lang, args.labelled) for lang in ("ja", "en")]
    print("\nAccuracy on new cases (labelled set made by this script)")
    print(
        f"{'':4} {'relq top-1':>10} {'baseline':>9} {'coverage':>9} {'precision':>9} "
        f"{'C relq/base':>12}"
    )
    for row in results["accuracy"]:
        print(
            f"{row['language']:4} {row['relq_accuracy']:>10.3f} {row['baseline_accuracy']:>9.3f} "
            f"{row['relq_coverage']:>9.3f} {row['relq_precision_when_suggested']:>9.3f} "
            f"{row['relq_C']:>5g}/{row['baseline_C']:<6g}"
        )
    if not args.skip_training:
        row = results["training"] = training_and_latency(args.cases)
        print(f"\nTraining and suggesting ({row['cases']} cases, {row['features']} features)")
        print(f"{'what':34} {'value':>9} {'target':>8}")
        print(f"{'training (fit_text_model), s':34} {row['train_s']:>9.1f}")
        print(f"{'suggestion p50, ms':34} {row['suggest_p50_ms']:>9.2f} {TARGET_P50_MS:>8g}")
        print(f"{'suggestion p95, ms':34} {row['suggest_p95_ms']:>9.2f} {TARGET_P95_MS:>8g}")
        print(f"{'rebuilding feature names, ms':34} {row['rebuilding_names_ms']:>9.1f}")
    results["versions"] = _versions()
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
