"""The office's privacy policy: the purpose of use and the retention periods, with defaults
until an admin saves their own."""

from __future__ import annotations

from relq.db import db
from relq.privacy.models import (
    DEFAULT_ATTACHMENT_DAYS,
    DEFAULT_CONTACT_DAYS,
    DEFAULT_TEXT_DAYS,
    PrivacyPolicy,
)

# Following APPI arts. 17, 21 and 27: what the data is used for, that it is not given to third
# parties without consent, and where to ask for disclosure, correction or erasure.
DEFAULT_PURPOSE_JA = (
    "当社は、お客様相談室にお寄せいただいたお客様の個人情報（氏名、電話番号、メールアドレス、"
    "ご相談の内容）を、次の目的の範囲内で利用します。\n"
    "1. ご相談・お問い合わせ・ご意見への回答および対応のため\n"
    "2. 商品・サービスの品質改善および新しい商品・サービスの開発のため"
    "（統計的に処理し、個人を特定できない形で利用します）\n"
    "3. ご相談に関する事実確認のため、社内の担当部署と共有するため\n"
    "4. 対応後のご満足度をおうかがいするため（ご希望されない場合はお申し出ください）\n"
    "法令に基づく場合を除き、ご本人の同意なく第三者に提供することはありません。"
    "ご相談の記録は保存期間の経過後に削除または匿名化します。\n"
    "ご自身の個人情報の開示・訂正・利用停止・消去のご請求は、お客様相談室までお申し出ください。"
)
DEFAULT_PURPOSE_EN = (
    "We use the personal data you give our customer consultation office (your name, phone "
    "number, e-mail address and what you tell us) only for these purposes:\n"
    "1. To answer and act on your enquiry, request or feedback\n"
    "2. To improve our products and services and develop new ones (as statistics that do not "
    "identify you)\n"
    "3. To share it with the department concerned inside our company, to establish the facts\n"
    "4. To ask how satisfied you were afterwards (tell us if you would rather not be asked)\n"
    "We do not give it to third parties without your consent unless the law requires it. The "
    "record of your enquiry is deleted or anonymised once its retention period has passed.\n"
    "To ask for disclosure, correction, stop of use or erasure of your personal data, contact "
    "the customer consultation office."
)


def is_saved() -> bool:
    """Whether an admin has saved the policy: until then the retention job erases nothing (an
    upgrade must not start deleting history on its own), and the settings page says so."""
    return db.session.get(PrivacyPolicy, 1) is not None


def current_policy() -> PrivacyPolicy:
    """The saved policy, or an unsaved one with the defaults."""
    found = db.session.get(PrivacyPolicy, 1)
    if found is not None:
        return found
    return PrivacyPolicy(
        id=1,
        purpose_ja=DEFAULT_PURPOSE_JA,
        purpose_en=DEFAULT_PURPOSE_EN,
        contact_days=DEFAULT_CONTACT_DAYS,
        text_days=DEFAULT_TEXT_DAYS,
        attachment_days=DEFAULT_ATTACHMENT_DAYS,
    )


def purpose_text(locale: str) -> str:
    policy = current_policy()
    return (policy.purpose_en if locale == "en" else policy.purpose_ja) or policy.purpose_ja
