"""Does routing through the fine labels help the department suggestion? On suggest_bench.py's
labelled sets (Japanese car-maker complaints, English bank questions), each fine label is
given to a department (two or three labels a department, as real routing is), a share of the
history keeps its fine label as a tag, and relq's trainer learns the department model with
and without the tags (`fit_text_model(..., fine_labels=...)`). Reported: the share of the
route the held-out cases chose, their accuracy at each share, and the top-1 accuracy on the
third of the cases kept as new ones.

    .venv/bin/python bench/via_labels_bench.py [--cases 3000] [--tagged 1.0]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import suggest_bench  # noqa: E402

from relq import nlp  # noqa: E402
from relq.learning import fit_text_model  # noqa: E402

DEPARTMENTS = {
    "ja": {
        "brake": "drive",
        "engine": "drive",
        "noise": "drive",
        "electrical": "electric",
        "aircon": "electric",
        "infotainment": "electric",
        "dealer_service": "service",
        "repair_delay": "service",
        "recall": "recall",
        "billing": "accounting",
    },
    "en": {
        "refund_request": "payments",
        "refund_missing": "payments",
        "card_not_working": "cards",
        "card_activate": "cards",
        "card_lost": "cards",
        "pin_blocked": "cards",
        "pin_change": "cards",
        "cash_atm": "cards",
        "transfer_failed": "transfers",
        "transfer_howto": "transfers",
        "charge_unknown": "disputes",
        "charge_twice": "disputes",
    },
}


def run(language: str, n: int, tagged: float) -> dict:
    cases = suggest_bench.labelled_set(language, n, seed=101 if language == "ja" else 202)
    texts = [nlp.normalize(t) for t, _ in cases]
    lemmas = [" ".join(nlp.analyse(t).lemmas) for t, _ in cases]
    fine = [label for _, label in cases]
    departments = [DEPARTMENTS[language][label] for label in fine]
    rng = random.Random(5)
    tags = [{label} if rng.random() < tagged else set() for label in fine]
    cut = 2 * n // 3
    result: dict = {"language": language, "cases": n, "tagged": tagged}
    for name, fine_labels in (("direct", None), ("with_tags", tags[:cut])):
        model, metrics = fit_text_model(
            texts[:cut], lemmas[:cut], [{d} for d in departments[:cut]], fine_labels=fine_labels
        )
        right = 0
        for text, lemma, department in zip(
            texts[cut:], lemmas[cut:], departments[cut:], strict=True
        ):
            found = model.predict(text, lemma, limit=1, threshold=0.0)
            right += bool(found) and found[0].code == department
        result[name] = {
            "new_case_top1": round(right / (n - cut), 4),
            "held_out_accuracy": metrics["accuracy"],
            "share": metrics.get("via_labels_share"),
            "held_out_accuracy_by_share": metrics.get("via_labels_tried"),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--tagged", type=float, default=1.0, help="share of history tagged")
    args = parser.parse_args()
    for language in ("ja", "en"):
        print(json.dumps(run(language, args.cases, args.tagged), ensure_ascii=False))


if __name__ == "__main__":
    main()
