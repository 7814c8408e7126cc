"""Access-matrix rows for the thanks feed: everyone reads it; sharing and withdrawing are tried
on a compliment cs took in and kept (so only the front line, and admins, can see it)."""

from relq.thanks.services import share_compliment
from tests.factories import make_case

EXPECTED = {
    "thanks.index": {"operator", "lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "thanks.share": {"operator", "lead_intake"},
    "thanks.withdraw": {"operator", "lead_intake", "admin"},
}
CASE_ROUTES = {"thanks.share", "thanks.withdraw"}


def arguments(org, case):
    compliment = make_case(
        org.operator,
        kind="compliment",
        subject="丁寧な対応",
        customer_words="佐藤さんの説明が丁寧でした。",
    )
    share_compliment(
        compliment,
        actor=org.operator,
        department_id=org.cs.id,
        staff_user_id=org.operator.id,
        quote="説明が丁寧でした。",
    )
    return {"compliment_case_id": compliment.id}
