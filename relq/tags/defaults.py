"""The starter classification lists (admins edit them afterwards): categories, their tags, and
the trigger phrases that suggest each tag. Triggers are matched on normalised lemmas by
relq.nlp, so 「届かない」 matches 届く and "refunds" matches refund.

An installation chooses its starter list at `flask relq init --industry ...` from the industry
templates below (one or several, merged), or starts with none: a list written for food misfires
on other products (表示・アレルゲン on a car's dashboard display). The tags live in one catalogue
(CATEGORIES, TAGS, then relq.tags.industry_tags' for vehicles and financial services); a
template names the codes it takes, and a merged list keeps the catalogue's order, so ids are
stable. The demo organisation, a maker of food and household appliances with an online store,
uses DEMO_INDUSTRIES.
"""

from __future__ import annotations

from collections.abc import Iterable

from relq.tags import industry_tags

# (code, name_ja, name_en, triggers); a code "a.b" sits in category "a".
CATEGORIES = [
    ("quality", "品質", "Quality"),
    ("safety", "安全", "Safety"),
    ("delivery", "配送", "Delivery"),
    ("billing", "請求", "Billing"),
    ("app", "アプリ・EC", "App and online store"),
    ("service", "接客", "Service"),
    ("subscription", "定期便", "Subscription"),
    ("usage", "使い方", "Usage"),
    ("praise", "お褒め", "Compliments"),
    ("wish", "ご要望", "Wishes"),
]

TAGS = [
    (
        "quality.foreign_object",
        "異物混入",
        "Foreign object",
        ["異物", "混入", "破片", "髪の毛", "虫", "foreign object", "plastic piece", "hair"],
    ),
    (
        "quality.defect",
        "製品不良・故障",
        "Defect or breakdown",
        [
            "故障",
            "不良",
            "動かない",
            "ロック",
            "エラー",
            "壊れる",
            "broken",
            "defect",
            "not work",
            "error",
        ],
    ),
    (
        "quality.taste",
        "味・におい・品質",
        "Taste, smell, quality",
        ["味", "におい", "臭い", "変色", "カビ", "taste", "smell", "mould"],
    ),
    (
        "quality.labelling",
        "表示・アレルゲン",
        "Labelling and allergens",
        ["アレルギー", "アレルゲン", "原材料", "表示", "allergen", "allergy", "ingredient"],
    ),
    (
        "safety.fire_injury",
        "発火・発煙・怪我",
        "Fire, smoke, injury",
        [
            "発火",
            "発煙",
            "煙",
            "焦げる",
            "やけど",
            "火傷",
            "怪我",
            "ケガ",
            "燃える",
            "fire",
            "smoke",
            "burn",
            "injury",
            "choke",
        ],
    ),
    (
        "safety.illness",
        "体調不良",
        "Illness",
        ["食中毒", "腹痛", "下痢", "嘔吐", "体調", "illness", "sick", "vomit", "food poisoning"],
    ),
    (
        "delivery.late",
        "配送遅延",
        "Late delivery",
        ["遅延", "遅れる", "まだ 届く", "late", "delay", "delayed"],
    ),
    (
        "delivery.damaged",
        "配送中の破損",
        "Damaged in delivery",
        ["破損", "潰れる", "へこむ", "割れる", "damaged", "crushed", "dent"],
    ),
    (
        "delivery.wrong_item",
        "誤配送",
        "Wrong item",
        ["違う 商品", "誤配", "wrong item", "different item"],
    ),
    (
        "delivery.change",
        "日時・届け先の変更",
        "Delivery change",
        ["日時 変更", "届け先", "再配達", "配送 日", "reschedule", "change address"],
    ),
    (
        "billing.double_charge",
        "二重請求",
        "Double charge",
        ["二重", "二回 請求", "重複", "double charge", "charge twice"],
    ),
    ("billing.refund", "返金", "Refund", ["返金", "払い戻し", "refund", "money back"]),
    (
        "billing.receipt",
        "領収書・インボイス",
        "Receipts and invoices",
        ["領収書", "インボイス", "請求書", "receipt", "invoice"],
    ),
    (
        "app.login",
        "ログインできない",
        "Cannot log in",
        ["ログイン", "パスワード", "認証", "login", "log in", "password", "sign in"],
    ),
    ("app.points", "ポイント", "Points", ["ポイント", "points", "loyalty"]),
    (
        "app.store_error",
        "オンラインストアの不具合",
        "Online store error",
        ["決済", "カート", "エラー 画面", "checkout", "payment error", "cart"],
    ),
    (
        "service.attitude",
        "従業員の対応",
        "Staff attitude",
        ["態度", "失礼", "言葉遣い", "横柄", "不親切", "rude", "attitude", "impolite"],
    ),
    (
        "subscription.cancel",
        "定期便の解約・変更",
        "Subscription change",
        ["定期便", "解約", "休止", "subscription", "cancel"],
    ),
    (
        "usage.howto",
        "使い方・お手入れ",
        "How to use and care",
        ["使い方", "手入れ", "説明書", "how to", "manual", "clean"],
    ),
    (
        "praise.staff",
        "スタッフへのお褒め",
        "Praise for staff",
        ["丁寧", "親切", "感謝", "ありがとう", "助かる", "thank", "kind", "helpful"],
    ),
    (
        "praise.product",
        "商品へのお褒め",
        "Praise for a product",
        ["おいしい", "美味しい", "気に入る", "愛用", "delicious", "love"],
    ),
    (
        "wish.product",
        "商品へのご要望",
        "Product wishes",
        ["要望", "発売", "復活", "再販", "wish", "suggestion"],
    ),
    # Household appliances' own (appended: the tags above keep their ids).
    (
        "quality.power",
        "電源・動作の不具合",
        "Power and operation faults",
        ["電源", "スイッチ", "止まる", "起動", "power", "turn on", "switch off"],
    ),
    (
        "quality.noise",
        "異音・振動",
        "Noise and vibration",
        ["異音", "音 する", "うるさい", "振動", "noise", "rattle", "vibration"],
    ),
    (
        "aftersales.warranty",
        "修理・部品・保証",
        "Repair, parts and warranty",
        ["修理", "部品", "保証", "保証期間", "warranty", "repair", "spare part"],
    ),
]

# The shared front-line tags: how people were treated, compliments, wishes.
_SERVICE = ("service.attitude", "praise.staff")

# Industry -> (its name in Japanese, in English, the codes of its starter tags).
INDUSTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "food": (
        "食品",
        "Food",
        (
            "quality.foreign_object",
            "quality.taste",
            "quality.labelling",
            "safety.illness",
            "praise.product",
            "wish.product",
            *_SERVICE,
        ),
    ),
    "appliances": (
        "家電・日用品",
        "Household appliances",
        (
            "quality.defect",
            "quality.power",
            "quality.noise",
            "safety.fire_injury",
            "usage.howto",
            "aftersales.warranty",
            "praise.product",
            "wish.product",
            *_SERVICE,
        ),
    ),
    "vehicles": ("自動車", "Vehicles", (*industry_tags.VEHICLE_CODES, *_SERVICE, "wish.product")),
    "finance": (
        "金融サービス",
        "Financial services",
        (*industry_tags.FINANCE_CODES, "app.login", *_SERVICE),
    ),
    "retail": (
        "小売・通販",
        "Retail and mail order",
        (
            "delivery.late",
            "delivery.damaged",
            "delivery.wrong_item",
            "delivery.change",
            "billing.double_charge",
            "billing.refund",
            "billing.receipt",
            "app.login",
            "app.points",
            "app.store_error",
            "subscription.cancel",
            "wish.product",
            *_SERVICE,
        ),
    ),
}
# The demo organisation's data (relq.demo) fits these three.
DEMO_INDUSTRIES = ("food", "appliances", "retail")

CATALOGUE_CATEGORIES = CATEGORIES + industry_tags.CATEGORIES
CATALOGUE_TAGS = TAGS + industry_tags.TAGS


def starter_list(industries: Iterable[str]) -> tuple[list[tuple], list[tuple]]:
    """The categories and tags of the merged templates of `industries` (catalogue order; a
    category only when one of its tags is taken). Raises KeyError for an unknown industry."""
    codes = {code for industry in industries for code in INDUSTRIES[industry][2]}
    tags = [t for t in CATALOGUE_TAGS if t[0] in codes]
    used = {t[0].split(".")[0] for t in tags}
    return [c for c in CATALOGUE_CATEGORIES if c[0] in used], tags
