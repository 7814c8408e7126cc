"""Deterministic demo corpus: the organisation and 12 weeks of customer voices.

A consumer company that makes small kitchen appliances and packaged foods and sells them in
stores, through its official online store and a member app. Everything here is plain data
(dicts, lists, aware datetimes); `relq.demo.loader` turns it into rows.

`generate_cases(n, now=..., seed=...)` returns the same list for the same arguments. Besides
the everyday mix it plants a few patterns a demo should be able to show:

* a surge: ``kettle_lid_lock`` (電気ケトル KT-200 の蓋) runs at about one case a week for 11
  weeks, then about twelve in the last seven days (scaled with ``n``);
* five safety cases with severity 1 (異物, 煙, やけど, 食中毒, choking);
* five customers who contact us repeatedly, one of them a customer-harassment pattern;
* compliments that name a member of staff.

Patterns are planted only when ``n >= 100``; smaller corpora are the everyday mix alone.
Standard library only.
"""

from __future__ import annotations

import gc
import random
from bisect import bisect, bisect_left
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

JST = timezone(timedelta(hours=9), "JST")
WINDOW_DAYS = 84  # 12 weeks

# ---- organisation ----------------------------------------------------------------------------

DEPARTMENTS: list[dict] = [
    {
        "code": "cs",
        "name_ja": "お客様相談室",
        "name_en": "Customer Consultation Office",
        "is_customer_contact": True,
    },
    {
        "code": "qa",
        "name_ja": "品質保証部",
        "name_en": "Quality Assurance",
        "is_customer_contact": False,
    },
    {
        "code": "logistics",
        "name_ja": "物流部",
        "name_en": "Logistics",
        "is_customer_contact": False,
    },
    {"code": "sales", "name_ja": "営業部", "name_en": "Sales", "is_customer_contact": False},
    {
        "code": "accounting",
        "name_ja": "経理部",
        "name_en": "Accounting",
        "is_customer_contact": False,
    },
    {
        "code": "it",
        "name_ja": "情報システム部",
        "name_en": "IT Systems",
        "is_customer_contact": False,
    },
    {"code": "hr", "name_ja": "人事部", "name_en": "Human Resources", "is_customer_contact": False},
    {
        "code": "planning",
        "name_ja": "経営企画室",
        "name_en": "Corporate Planning",
        "is_customer_contact": False,
    },
]


def _user(email: str, name: str, role: str, department: str, locale: str = "ja") -> dict:
    return {
        "email": f"{email}@demo.relq.jp",
        "name": name,
        "role": role,
        "department": department,
        "locale": locale,
    }


USERS: list[dict] = [
    # the front line: four operators in お客様相談室
    _user("sato", "佐藤 美咲", "operator", "cs"),
    _user("tanaka", "田中 健太", "operator", "cs"),
    _user("suzuki", "鈴木 由美", "operator", "cs"),
    _user("emily.clarke", "Emily Clarke", "operator", "cs", "en"),
    # one lead per department
    _user("takahashi", "高橋 直子", "lead", "cs"),
    _user("ito", "伊藤 誠", "lead", "qa"),
    _user("watanabe", "渡辺 剛", "lead", "logistics"),
    _user("yamamoto", "山本 恵", "lead", "sales"),
    _user("nakamura", "中村 聡子", "lead", "accounting"),
    _user("kobayashi", "小林 大輔", "lead", "it"),
    _user("kato", "加藤 美穂", "lead", "hr"),
    _user("yoshida", "吉田 浩二", "lead", "planning"),
    # management and administration
    _user("yamaguchi", "山口 隆", "executive", "planning"),
    _user("matsumoto", "松本 和子", "executive", "planning"),
    _user("inoue", "井上 亮", "admin", "it"),
]

# How customers name the operators they spoke to (the compliments use these).
OPERATOR_CALLED = [("佐藤", "Ms Sato"), ("田中", "Mr Tanaka"), ("鈴木", "Ms Suzuki")]

# ---- catalogue -------------------------------------------------------------------------------

# name (the case's `product`), English name, short Japanese, short English, price in yen
PRODUCTS: dict[str, tuple[str, str, str, int]] = {
    "電気ケトル KT-200": ("KT-200 electric kettle", "ケトル", "kettle", 5980),
    "電気ケトル KT-100": ("KT-100 electric kettle", "ケトル", "kettle", 3980),
    "炊飯器 RC-550": ("RC-550 rice cooker", "炊飯器", "rice cooker", 19800),
    "炊飯器 RC-300": ("RC-300 rice cooker", "炊飯器", "rice cooker", 12800),
    "オーブントースター OT-30": ("OT-30 toaster oven", "トースター", "toaster oven", 8980),
    "ハンドブレンダー HB-10": ("HB-10 hand blender", "ブレンダー", "hand blender", 6480),
    "コーヒーメーカー CM-5": ("CM-5 coffee maker", "コーヒーメーカー", "coffee maker", 9800),
    "冷凍パスタ ボロネーゼ": ("frozen Bolognese pasta", "冷凍パスタ", "pasta", 398),
    "冷凍パスタ カルボナーラ": ("frozen carbonara pasta", "冷凍パスタ", "pasta", 398),
    "冷凍ギョーザ 12個入り": ("frozen gyoza (12 pieces)", "ギョーザ", "gyoza", 358),
    "ドリップコーヒー 10袋": ("drip coffee (10 bags)", "ドリップコーヒー", "drip coffee", 598),
    "レトルトカレー 中辛": ("retort curry, medium hot", "カレー", "curry", 298),
    "グラノーラ 400g": ("granola 400 g", "グラノーラ", "granola", 698),
    "即席みそ汁 8食": ("instant miso soup (8 servings)", "みそ汁", "miso soup", 480),
    "公式オンラインストア": ("official online store", "オンラインストア", "online store", 0),
    "会員アプリ": ("member app", "アプリ", "app", 0),
    "定期便サービス": ("subscription service", "定期便", "subscription", 0),
}
APPLIANCES = [
    "電気ケトル KT-200",
    "電気ケトル KT-100",
    "炊飯器 RC-550",
    "炊飯器 RC-300",
    "オーブントースター OT-30",
    "ハンドブレンダー HB-10",
    "コーヒーメーカー CM-5",
]
FOODS = [
    "冷凍パスタ ボロネーゼ",
    "冷凍パスタ カルボナーラ",
    "冷凍ギョーザ 12個入り",
    "ドリップコーヒー 10袋",
    "レトルトカレー 中辛",
    "グラノーラ 400g",
    "即席みそ汁 8食",
]
FROZEN = ["冷凍パスタ ボロネーゼ", "冷凍パスタ カルボナーラ", "冷凍ギョーザ 12個入り"]

STORES = [
    ("フレッシュマート本町店", "FreshMart Honmachi"),
    ("さくらドラッグ駅前店", "Sakura Drug by the station"),
    ("まるやま百貨店 横浜店", "Maruyama department store in Yokohama"),
    ("ホームデンキ 新宿西口店", "Home Denki Shinjuku West"),
    ("グリーンスーパー 桜台店", "Green Super Sakuradai"),
    ("公式ショップ 梅田店", "your Umeda shop"),
    ("ひかり生協 南町店", "Hikari co-op Minamimachi"),
    ("デンキのミナト 川崎店", "Denki no Minato Kawasaki"),
    ("スーパーあおば 仙台東口店", "Aoba supermarket in Sendai"),
    ("公式ショップ 名古屋栄店", "your Nagoya Sakae shop"),
]
CLERKS = [
    ("木村", "Kimura"), ("林", "Hayashi"), ("斎藤", "Saito"), ("清水", "Shimizu"),
    ("山崎", "Yamazaki"), ("森", "Mori"), ("池田", "Ikeda"), ("橋本", "Hashimoto"),
    ("阿部", "Abe"), ("石川", "Ishikawa"),
]  # fmt: skip

# ---- customers' names ------------------------------------------------------------------------

SURNAMES = [
    ("佐々木", "sasaki"), ("山田", "yamada"), ("中島", "nakajima"), ("前田", "maeda"),
    ("藤田", "fujita"), ("後藤", "goto"), ("岡田", "okada"), ("長谷川", "hasegawa"),
    ("村上", "murakami"), ("近藤", "kondo"), ("石井", "ishii"), ("坂本", "sakamoto"),
    ("遠藤", "endo"), ("青木", "aoki"), ("藤井", "fujii"), ("西村", "nishimura"),
    ("福田", "fukuda"), ("太田", "ota"), ("三浦", "miura"), ("岡本", "okamoto"),
    ("松田", "matsuda"), ("中川", "nakagawa"), ("原田", "harada"), ("小野", "ono"),
    ("竹内", "takeuchi"), ("金子", "kaneko"), ("和田", "wada"), ("中山", "nakayama"),
    ("上田", "ueda"), ("森田", "morita"), ("柴田", "shibata"), ("酒井", "sakai"),
    ("工藤", "kudo"), ("横山", "yokoyama"), ("宮崎", "miyazaki"), ("宮本", "miyamoto"),
    ("内田", "uchida"), ("高木", "takagi"), ("安藤", "ando"), ("谷口", "taniguchi"),
    ("大野", "ono"), ("丸山", "maruyama"), ("今井", "imai"), ("河野", "kono"),
    ("藤原", "fujiwara"), ("小島", "kojima"), ("平野", "hirano"), ("菅原", "sugawara"),
]  # fmt: skip
GIVEN_NAMES = [
    ("花子", "hanako"), ("陽子", "yoko"), ("恵子", "keiko"), ("真由美", "mayumi"),
    ("さくら", "sakura"), ("彩", "aya"), ("美穂", "miho"), ("千尋", "chihiro"),
    ("智子", "tomoko"), ("裕子", "yuko"), ("明美", "akemi"), ("麻衣", "mai"),
    ("奈々", "nana"), ("香織", "kaori"), ("由香", "yuka"), ("舞", "mai"),
    ("翔太", "shota"), ("大輝", "daiki"), ("拓也", "takuya"), ("健一", "kenichi"),
    ("浩", "hiroshi"), ("誠", "makoto"), ("隆之", "takayuki"), ("直樹", "naoki"),
    ("修", "osamu"), ("和也", "kazuya"), ("亮介", "ryosuke"), ("俊介", "shunsuke"),
    ("勝", "masaru"), ("学", "manabu"), ("悠人", "yuto"), ("蓮", "ren"),
]  # fmt: skip
EN_FIRST = [
    "James", "Olivia", "Michael", "Sophie", "David", "Emma", "Daniel", "Hannah", "Lucas",
    "Chloe", "Ethan", "Grace", "Noah", "Mia", "Ryan", "Laura", "Minh", "Priya", "Wei", "Ana",
]  # fmt: skip
EN_LAST = [
    "Smith", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Martin", "Lee", "Walker",
    "Young", "King", "Wright", "Nguyen", "Patel", "Chen", "Garcia", "Kim", "Muller", "Rossi",
]  # fmt: skip
MAIL_DOMAINS = ["example.jp", "example.jp", "example.ne.jp", "example.co.jp", "example.com"]

# ---- themes ----------------------------------------------------------------------------------

THEMES: dict[str, dict] = {
    # quality and safety: 品質保証部
    "foreign_object": {"department": "qa", "label_ja": "異物混入", "label_en": "Foreign object"},
    "kettle_lid_lock": {
        "department": "qa",
        "label_ja": "電気ケトル KT-200 蓋ロック不良",
        "label_en": "KT-200 kettle lid does not lock",
    },
    "rice_cooker_error_e3": {
        "department": "qa",
        "label_ja": "炊飯器 E3 エラー",
        "label_en": "Rice cooker error E3",
    },
    "toaster_timer": {
        "department": "qa",
        "label_ja": "トースターのタイマー・焼きムラ",
        "label_en": "Toaster timer / uneven toasting",
    },
    "appliance_smoke": {
        "department": "qa",
        "label_ja": "家電からの発煙・発火",
        "label_en": "Appliance smoke or fire",
    },
    "food_quality": {
        "department": "qa",
        "label_ja": "食品の味・におい・品質",
        "label_en": "Food taste, smell or quality",
    },
    "food_illness": {
        "department": "qa",
        "label_ja": "体調不良（食中毒の疑い）",
        "label_en": "Illness after eating",
    },
    "allergen_question": {
        "department": "qa",
        "label_ja": "アレルゲン・原材料の質問",
        "label_en": "Allergens and ingredients",
    },
    "repair_request": {
        "department": "qa",
        "label_ja": "修理・保証",
        "label_en": "Repair and warranty",
    },
    # delivery: 物流部
    "late_delivery": {
        "department": "logistics",
        "label_ja": "配送遅延",
        "label_en": "Late delivery",
    },
    "damaged_package": {
        "department": "logistics",
        "label_ja": "配送中の破損",
        "label_en": "Damaged in delivery",
    },
    "wrong_item": {
        "department": "logistics",
        "label_ja": "誤配送・商品違い",
        "label_en": "Wrong item",
    },
    "delivery_change": {
        "department": "logistics",
        "label_ja": "配送日時・届け先の変更",
        "label_en": "Change of delivery date or address",
    },
    # billing: 経理部
    "double_charge": {
        "department": "accounting",
        "label_ja": "二重請求",
        "label_en": "Double charge",
    },
    "refund_request": {"department": "accounting", "label_ja": "返金の依頼", "label_en": "Refund"},
    "receipt_request": {
        "department": "accounting",
        "label_ja": "領収書・インボイス",
        "label_en": "Receipts and invoices",
    },
    # online store and app: 情報システム部
    "app_login": {
        "department": "it",
        "label_ja": "アプリにログインできない",
        "label_en": "App login",
    },
    "points_missing": {
        "department": "it",
        "label_ja": "ポイントが反映されない",
        "label_en": "Points not credited",
    },
    "online_store_error": {
        "department": "it",
        "label_ja": "オンラインストアの不具合",
        "label_en": "Online store error",
    },
    # stores and subscriptions: 営業部 (人事部 when a named employee's conduct is at issue)
    "subscription_cancel": {
        "department": "sales",
        "label_ja": "定期便の解約・変更",
        "label_en": "Subscription cancellation",
    },
    "store_stock": {
        "department": "sales",
        "label_ja": "取扱店舗・在庫",
        "label_en": "Where to buy / stock",
    },
    "staff_attitude": {
        "department": "sales",
        "label_ja": "従業員の対応への不満",
        "label_en": "Staff attitude",
    },
    "product_suggestion": {
        "department": "sales",
        "label_ja": "商品へのご要望",
        "label_en": "Product suggestion",
    },
    "compliment_store": {
        "department": "sales",
        "label_ja": "店舗スタッフへのお褒め",
        "label_en": "Compliment for store staff",
    },
    # answered by the front line itself
    "product_usage": {
        "department": None,
        "label_ja": "使い方・お手入れ",
        "label_en": "Product usage and care",
    },
    "compliment_staff": {
        "department": None,
        "label_ja": "相談室スタッフへのお褒め",
        "label_en": "Compliment for our staff",
    },
    "compliment_product": {
        "department": None,
        "label_ja": "商品へのお褒め",
        "label_en": "Compliment for a product",
    },
}

REMEDY_EN = {
    "返金": "Refund",
    "交換": "Replacement",
    "原因の説明": "Explanation of the cause",
    "謝罪": "Apology",
    "配送日時の変更": "Change of delivery date",
    "修理": "Repair",
    "再配送": "Redelivery",
    "請求の取り消し": "Cancel the charge",
    "解約": "Cancellation",
    "領収書の発行": "Issue a receipt",
    "ポイントの付与": "Credit the points",
    "ログインの復旧": "Restore the login",
    "原因の説明と返金": "Explanation and refund",
    "従業員への指導": "Retrain the employee",
    "商品化の検討": "Consider the product",
    "お礼の伝達": "Pass on thanks",
}

# ---- what customers say, theme by theme --------------------------------------------------------
#
# Each text is put together from interchangeable parts: a situation, zero to two details, maybe
# a feeling, and what the customer asks for. Placeholders are filled per case (see `_Slots`):
# {product} {short} {date} {past} {day} {store} {order} {lot} {made} {best_before} {price} {amount}
# {months} {days} {serial} {op} {clerk} {slot} {city} {points} {last4} {member} {count} and, in
# English, {product_en} {short_en} {date_en} {past_en} {day_en} {store_en} {price_en} {amount_en}
# {op_en} {slot_en} {clerk_en} {city_en}. A situation given as (text, product) also fixes
# the case's product.

_SPECS: dict[str, dict] = {}

_SPECS["foreign_object"] = {
    "kinds": {"complaint": 6},
    "depts": [("qa", 1)],
    "products": [p for p in FOODS if p != "ドリップコーヒー 10袋"],
    "severity": [(2, 1)],
    "remedies": [("原因の説明", 5), ("返金", 2), ("原因の説明と返金", 3), ("交換", 1)],
    "tones": ("worried", "angry", "calm"),
    "ja": {
        "subjects": [
            "{short}に異物が混入していた",
            "{product}への異物混入",
            "異物混入の申し出（{product}）",
            "{short}に異物が入っていた件",
        ],
        "situations": [
            "{date}{store}で買った{product}を開けたら、中に髪の毛のようなものが入っていた。",
            "{product}を食べている途中で、硬い黒い粒のようなものが口に当たった。",
            "{product}の袋を開けたところ、糸くずのような繊維が中身に絡まっていた。",
            "{date}届いた{product}に、小さな紙片のようなものが混ざっていた。",
            (
                "{product}を温めて皿に出したら、焦げのような黒いかたまりが入っていた。",
                FROZEN + ["レトルトカレー 中辛"],
            ),
            "{product}の中に、虫の羽のようなものがついていた。",
        ],
        "details": [
            "パッケージには{lot}と印字されている。",
            "賞味期限は{best_before}。",
            "現物は捨てずに保管してある。",
            "写真も撮ってあるので、必要なら送れる。",
            "家族で食べたが、入っていたのは自分の分だけだった。",
            "{store}で{date}買ったもの。",
        ],
        "asks": [
            "どうしてこういうものが入るのか、原因を調べて教えてほしい。",
            "製造工程でどういう管理をしているのか説明してほしい。",
            "現物を送るので調べてもらえるか。",
            "返金してもらえればそれでいいが、今後のために報告しておく。",
            "同じ商品を買っても大丈夫なのか知りたい。",
        ],
    },
    "en": {
        "subjects": [
            "Foreign matter found in {short_en}",
            "Something foreign in my {product_en}",
        ],
        "situations": [
            "I opened a pack of {product_en} I bought at {store_en} {date_en} and found what "
            "looks like a hair inside.",
            "While eating the {product_en} I bit on a small hard black particle.",
            "There was a piece of thread tangled in the {product_en} that arrived {date_en}.",
        ],
        "details": [
            "The lot code on the pack is {lot}.",
            "I have kept the item and the packaging.",
            "Best before {best_before}.",
        ],
        "asks": [
            "Please investigate and tell me how this could happen.",
            "I would like a refund and an explanation.",
            "Is it safe to keep buying this product?",
        ],
    },
    "obs": [
        "異物の申し出は今月{count}件目。商品もロットもばらばら。",
        "お客様は落ち着いた様子だが、原因はきちんと知りたいとのこと。",
        "写真では毛髪に見える。人毛か動物の毛かは判別できない。",
        "お子さんも食べる商品なので、かなり不安そうだった。",
    ],
    "internal": [
        "品質保証部へ現物回収と分析を依頼。回収キット発送済み。",
        "製造所に同ロットの異物検査記録の確認を依頼した。",
        "現物到着。品質保証部で分析中（1〜2週間の見込み）。",
    ],
    "response": [
        "お詫びし、現物を回収して調査結果を2週間程度でご報告すると案内した。",
        "調査結果（原料由来の焦げと推定、健康への影響はない）を電話でご説明。ご了承いただいた。",
        "分析の結果、製造工程での混入の可能性は低いとご説明。代替品をお送りすることで了承。",
    ],
}

_SPECS["kettle_lid_lock"] = {
    "kinds": {"complaint": 1},
    "depts": [("qa", 1)],
    "products": ["電気ケトル KT-200"],
    "severity": [(2, 1)],
    "remedies": [("交換", 5), ("原因の説明", 3), ("返金", 1), ("修理", 1)],
    "tones": ("worried", "angry", "calm"),
    "ja": {
        "subjects": [
            "電気ケトル KT-200 の蓋がロックされない",
            "KT-200 の蓋が開いて熱湯がこぼれそうになった",
            "ケトルの蓋が閉まらない（KT-200）",
            "KT-200 蓋のロック不良",
            "電気ケトルの蓋が勝手に開く",
        ],
        "situations": [
            "{past}から、電気ケトル KT-200 の蓋を閉めてもカチッとロックされなくなった。",
            "KT-200 でお湯を沸かしてカップに注ごうとしたら、蓋がパカッと開いて熱湯がこぼれ"
            "そうになった。",
            "{date}{store}で買った KT-200 の蓋が、ボタンを押していないのに勝手に開く。",
            "ケトルを傾けたときに蓋が浮いて、熱い蒸気が手元に吹き出してきた。",
            "KT-200 の蓋のロックが甘く、軽く触っただけで開いてしまう。",
        ],
        "details": [
            "買ってまだ{months}か月くらい。",
            "底面のシールには製造番号 {serial} と書いてある。",
            "ロックの爪のところが少し削れているように見える。",
            "普通に使っていて、落としたりはしていない。",
            "家族も同じことを言っているので、気のせいではない。",
        ],
        "asks": [
            "危ないので、同じような事例がないか確認して教えてほしい。",
            "交換してもらえるのか、修理になるのか知りたい。",
            "リコールにはなっていないのか。",
            "子どもがいるので、使うのをやめたほうがいいのか教えてほしい。",
        ],
    },
    "en": {
        "subjects": [
            "KT-200 kettle lid does not lock",
            "Kettle lid popped open while pouring",
        ],
        "situations": [
            "The lid of my KT-200 kettle no longer locks when I close it.",
            "When I poured water from the KT-200 the lid popped open and boiling water almost "
            "spilled on my hand.",
            "The lid of the KT-200 I bought {date_en} opens by itself.",
        ],
        "details": [
            "I have had it for about {months} months.",
            "The serial number on the bottom is {serial}.",
        ],
        "asks": [
            "Is this a known problem? Can you replace it?",
            "Please tell me whether it is safe to keep using it.",
        ],
    },
    "obs": [
        "KT-200 の蓋ロックの件、今週{count}件目。どれも製造番号が近い気がする。",
        "KT-200 の蓋の申し出が続いている。ロック爪の摩耗という表現が複数のお客様から出ている。",
        "お客様は「熱湯がこぼれそうで怖かった」と繰り返していた。",
        "先週あたりから KT-200 の蓋の問い合わせが急に増えている。",
    ],
    "internal": [
        "品質保証部へ：KT-200 蓋ロックの申し出をまとめて共有。製造番号の範囲確認を依頼。",
        "品質保証部より：同一金型のロック爪の寸法を調査中。現品回収で対応する方針。",
        "現品回収の着払い伝票を発送。交換品は品質保証部の判断待ち。",
    ],
    "response": [
        "お詫びし、現品を回収して点検のうえ新品と交換すると案内した。",
        "使用を控えていただくようお願いし、交換品を本日発送したとご連絡。",
        "点検結果（ロック爪の成形不良）をご説明し、新品への交換で了承いただいた。",
    ],
}

_SPECS["rice_cooker_error_e3"] = {
    "kinds": {"complaint": 3, "inquiry": 2},
    "depts": [("qa", 1)],
    "products": ["炊飯器 RC-550", "炊飯器 RC-550", "炊飯器 RC-300"],
    "severity": [(3, 1)],
    "remedies": [("修理", 4), ("交換", 3), ("原因の説明", 2), ("", 2)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": [
            "{product} で E3 エラーが出る",
            "炊飯器に E3 と表示されて炊けない",
            "{product} E3 エラーの対処について",
            "炊飯中に E3 表示で止まる",
        ],
        "situations": [
            "{past}から{product}に E3 と表示されて、ご飯が炊けなくなった。",
            "炊飯ボタンを押すと数分で E3 エラーが出て止まってしまう。",
            "{product}で予約炊飯をしておいたら、朝になって E3 が点滅していて炊けていなかった。",
            "{product}の表示に E3 が出たり消えたりする。説明書を見ても対処が分からない。",
        ],
        "details": [
            "購入して{months}か月で、保証期間内のはず。",
            "コンセントを抜いて入れ直しても同じだった。",
            "内釜はきちんとセットしているし、水の量も目盛りどおり。",
            "{store}で{price}で買った。",
            "毎日使うものなので困っている。",
        ],
        "asks": [
            "修理に出すしかないのか、自分で直せる方法があるのか教えてほしい。",
            "修理になるなら、その間の代わりの炊飯器を貸してほしい。",
            "E3 は何のエラーなのか知りたい。",
            "新品に交換してほしい。",
        ],
    },
    "en": {
        "subjects": ["Rice cooker shows E3 error", "E3 error on {product_en}"],
        "situations": [
            "My {product_en} shows E3 and stops cooking after a few minutes.",
            "Since {past_en} the {short_en} displays the error code E3.",
        ],
        "details": [
            "It is only {months} months old.",
            "Unplugging it did not help.",
        ],
        "asks": [
            "What does E3 mean and how can I fix it?",
            "Can you repair or replace it under warranty?",
        ],
    },
    "obs": [
        "炊飯器の E3 エラーは今月{count}件目。温度センサー関連の可能性。",
        "お客様は毎日お弁当を作っているそうで、早く直してほしいとのこと。",
        "リセット手順を一緒に試したが改善せず。",
    ],
    "internal": [
        "品質保証部へ修理受付を依頼。引き取り日を調整中。",
        "修理センターより：温度センサー交換で対応可能、約10日。",
    ],
    "response": [
        "E3 は温度センサーの異常を示すとご説明し、無償修理で引き取ると案内した。",
        "修理完了品を発送したとご連絡。代替機の返送方法もご案内。",
        "リセット手順（電源プラグを抜いて10分待つ）をご案内したところ、復旧したとのこと。",
    ],
}

_SPECS["toaster_timer"] = {
    "kinds": {"complaint": 2, "inquiry": 1},
    "depts": [("qa", 1)],
    "products": ["オーブントースター OT-30"],
    "severity": [(3, 1)],
    "remedies": [("修理", 3), ("交換", 3), ("原因の説明", 2), ("", 1)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": [
            "オーブントースター OT-30 の不具合",
            "OT-30 のタイマー・焼き上がりについて",
            "トースターの調子が悪い（OT-30）",
        ],
        "situations": [
            "オーブントースター OT-30 のタイマーが0に戻らず、ずっとヒーターがついたままになる。",
            "OT-30 で食パンを焼くと、右側だけ焦げて左側はほとんど焼けない。",
            "{past}からトースターのタイマーが途中で止まってしまい、最後まで焼けない。",
            "タイマーのつまみを回してもチンと鳴らず、電源が切れない。",
        ],
        "details": [
            "買ってから{months}か月。",
            "{store}で買ったもの。",
            "庫内はこまめに掃除している。",
        ],
        "asks": [
            "修理できるのか、交換になるのか知りたい。",
            "故障なのか使い方の問題なのか教えてほしい。",
            "このまま使っても大丈夫か心配。",
        ],
    },
    "en": {
        "subjects": ["Problem with the OT-30 toaster oven", "OT-30 timer and toasting"],
        "situations": [
            "The timer of my OT-30 toaster oven does not go back to zero and the heater stays on.",
            "The OT-30 burns one side of the bread and leaves the other side pale.",
        ],
        "details": ["I bought it at {store_en} about {months} months ago."],
        "asks": ["Can it be repaired?", "Is it safe to keep using it?"],
    },
    "obs": [
        "OT-30 タイマーの不具合、今月{count}件目。",
        "お客様がタイマーを回しきらずに使っていた可能性もあるが、念のため点検に回す。",
    ],
    "internal": ["品質保証部へ点検依頼。引き取り手配済み。"],
    "response": [
        "念のため使用を中止いただくようお願いし、点検のため引き取ると案内した。",
        "点検の結果タイマー部品の不良と判明。新品と交換すると連絡した。",
    ],
}

_SPECS["appliance_smoke"] = {
    "kinds": {"complaint": 1},
    "depts": [("qa", 1)],
    "products": ["オーブントースター OT-30"],
    "severity": [(1, 1)],
    "remedies": [("原因の説明", 3), ("交換", 1), ("返金", 1)],
    "tones": ("worried",),
    "ja": {
        "subjects": ["オーブントースター OT-30 から煙が出た"],
        "situations": [
            "オーブントースター OT-30 で食パンを焼いていたら、本体の後ろから煙が出て焦げ臭い"
            "においがした。",
        ],
        "details": [
            "慌ててコンセントを抜いたが、プラグの近くが黒く変色していた。",
            "火事になるかと思って本当に怖かった。",
        ],
        "asks": ["すぐに原因を調べてほしい。同じ製品を使っている人にも知らせるべきだと思う。"],
    },
    "en": {
        "subjects": ["Smoke from the OT-30 toaster oven"],
        "situations": ["Smoke came out of the back of my OT-30 toaster oven while toasting."],
        "details": ["The area near the plug turned black. I was afraid it would catch fire."],
        "asks": ["Please investigate urgently."],
    },
    "obs": ["発煙・発火の申し出。重大製品事故の可能性があるため、受付後すぐにリーダーへ報告。"],
    "internal": [
        "リーダー：品質保証部長に即時報告。消費者庁への報告要否を品質保証部で判断。",
        "品質保証部が現品を引き取り、第三者機関での解析を手配。",
    ],
    "response": [
        "お詫びし、使用を中止していただくようお願いした。本日中に品質保証部の担当者が訪問すると"
        "案内。",
    ],
}

_SPECS["food_quality"] = {
    "kinds": {"complaint": 4, "inquiry": 1},
    "depts": [("qa", 1)],
    "products": FOODS,
    "severity": [(3, 3), (2, 1)],
    "remedies": [("原因の説明", 4), ("返金", 3), ("交換", 2), ("", 1)],
    "tones": ("calm", "angry", "worried"),
    "ja": {
        "subjects": [
            "{short}の品質について",
            "{product}がいつもと違う",
            "{product}の状態がおかしい",
        ],
        "situations": [
            "{date}開けた{product}が、いつもより酸っぱいような味がした。",
            "{product}を開けたら、油が古くなったようなにおいがした。",
            "{store}で買った{product}の袋がパンパンに膨らんでいた。",
            "{product}の中身が固まっていて、色もいつもより濃かった。",
            "いつも買っている{product}だが、最近のものは味が薄くなった気がする。",
        ],
        "details": [
            "賞味期限は{best_before}で、まだ期限内。",
            "パッケージの印字は{lot}。",
            "保存は説明どおりにしていた。",
            "少し食べてしまったが、今のところ体調は問題ない。",
        ],
        "asks": [
            "食べても問題なかったのか教えてほしい。",
            "原因を調べて連絡がほしい。",
            "返金してほしい。",
            "レシピを変えたのかどうか知りたい。",
        ],
    },
    "en": {
        "subjects": ["Problem with {product_en}", "Quality of {short_en}"],
        "situations": [
            "The {product_en} I opened {date_en} tasted sour.",
            "The bag of {product_en} I bought at {store_en} was swollen.",
        ],
        "details": ["Best before {best_before}.", "The code on the pack is {lot}."],
        "asks": ["Was it safe to eat?", "Please look into it and let me know."],
    },
    "obs": [
        "味・においの申し出、今月{count}件目。商品はばらばら。",
        "お客様は長年の愛用者で、残念そうだった。",
    ],
    "internal": ["品質保証部へ保存サンプルとの比較を依頼。"],
    "response": [
        "お詫びし、品質保証部で保存サンプルと比べて結果をご連絡すると案内した。",
        "保存サンプルとの比較で異常は見られなかったとご報告。ご心配をおかけしたことをお詫びした。",
        "お詫びし、返金の手続きをご案内した。",
    ],
}

_SPECS["food_illness"] = {
    "kinds": {"complaint": 1},
    "depts": [("qa", 1)],
    "products": ["冷凍ギョーザ 12個入り"],
    "severity": [(1, 1)],
    "remedies": [("原因の説明", 3), ("謝罪", 1)],
    "tones": ("worried",),
    "ja": {
        "subjects": ["冷凍ギョーザを食べた家族が腹痛（食中毒の疑い）"],
        "situations": [
            "{past}の夕食に冷凍ギョーザ 12個入りを家族3人で食べたところ、夜中に全員が腹痛と"
            "下痢になった。",
        ],
        "details": [
            "食中毒ではないかと心配している。病院で診てもらう予定。",
            "パッケージの印字は{lot}。残りは冷凍庫にある。",
        ],
        "asks": ["同じロットで同様の報告がないか、すぐに確認してほしい。"],
    },
    "en": {
        "subjects": ["Stomach ache after eating frozen gyoza"],
        "situations": ["All three of us had stomach pain and diarrhoea after eating your gyoza."],
        "details": ["The lot code is {lot}."],
        "asks": ["Please check whether others have reported this."],
    },
    "obs": [
        "健康被害の申し出。受診予定とのこと。保健所からの連絡の有無も確認した（現時点でなし）。"
    ],
    "internal": [
        "リーダー：品質保証部へ即時連絡。同ロットの保存品検査と出荷先の確認を依頼。",
        "品質保証部より：同ロットの保存品は細菌検査で陰性。お客様の受診結果を確認したい。",
    ],
    "response": [
        "お見舞いを申し上げ、残りの商品を回収して検査すると案内。受診結果も教えていただけるよう"
        "お願いした。",
    ],
}

_SPECS["allergen_question"] = {
    "kinds": {"inquiry": 4},
    "depts": [("qa", 3), (None, 1)],
    "products": FOODS,
    "severity": [(3, 2), (4, 1)],
    "remedies": [("", 1)],
    "tones": ("calm", "worried"),
    "ja": {
        "subjects": [
            "{product}のアレルゲンについて",
            "{product}の原材料の確認",
            "{short}のアレルギー表示について",
        ],
        "situations": [
            "子どもに卵アレルギーがあるが、{product}は食べさせても大丈夫か。",
            "{product}に小麦は入っているのか。表示を見ても分かりにくい。",
            "{product}は、えびやかにを使った商品と同じ工場で作っているのか。",
            "ナッツのアレルギーがあるので、{product}の原材料を詳しく知りたい。",
            "{product}の乳成分は、どの原材料に含まれているのか。",
        ],
        "details": [
            "症状が重いので、コンタミネーションも気になっている。",
            "来週の子ども会で出そうと思っている。",
            "以前買ったものとパッケージの表示が変わっていた。",
        ],
        "asks": [
            "分かる範囲で回答がほしい。",
            "メールで詳しい資料を送ってもらえると助かる。",
            "急いでいるので、今日中に折り返してほしい。",
        ],
    },
    "en": {
        "subjects": ["Allergen information for {product_en}", "Ingredients of {short_en}"],
        "situations": [
            "My daughter is allergic to eggs. Is {product_en} safe for her?",
            "Does {product_en} contain wheat or milk? The label is only in Japanese.",
        ],
        "details": ["Her allergy is severe, so cross-contamination matters too."],
        "asks": ["Please send me the full ingredient list in English if possible."],
    },
    "obs": [
        "アレルゲンの問い合わせ、今月{count}件目。表示が小さくて読みにくいという声が多い。",
        "英語の原材料表示がないかという質問だった。海外出身のお客様からの声が増えている。",
    ],
    "internal": ["品質保証部へ製造ラインの共用状況の確認を依頼。"],
    "response": [
        "特定原材料8品目の使用状況と、同一ラインでの製造品目をご説明した。",
        "原材料一覧をメールでお送りした。",
        "Sent the allergen table by e-mail and explained the shared production line.",
    ],
}

_SPECS["repair_request"] = {
    "kinds": {"request": 3, "inquiry": 2},
    "depts": [("qa", 1)],
    "products": APPLIANCES,
    "severity": [(3, 3), (4, 1)],
    "remedies": [("修理", 6), ("交換", 1), ("", 2)],
    "tones": ("calm",),
    "ja": {
        "subjects": [
            "{product}の修理について",
            "{short}の修理・保証の相談",
        ],
        "situations": [
            "{product}の電源が入らなくなったので、修理をお願いしたい。",
            "{product}のスイッチが押しにくくなってきた。修理はできるか。",
            "{product}の保証期間がいつまでか知りたい。保証書をなくしてしまった。",
            "{product}のコードの根元がぐらぐらしている。",
            "{product}の部品（パッキン）だけ購入できるか。",
        ],
        "details": [
            "{store}で{months}か月前に買った。",
            "レシートは残っている。",
            "メーカー保証が1年だと聞いている。",
        ],
        "asks": [
            "修理の申し込み方法と費用の目安を教えてほしい。",
            "引き取りに来てもらえるのか知りたい。",
            "保証期間内なら無償で直してほしい。",
        ],
    },
    "en": {
        "subjects": ["Repair and warranty: {product_en}", "Question about repairing my {short_en}"],
        "situations": [
            "My {product_en} will not turn on any more. I would like it repaired.",
            "How long is the warranty on the {product_en}? I lost the warranty card.",
        ],
        "details": ["I bought it {months} months ago and still have the receipt."],
        "asks": ["How do I send it in, and what will it cost?"],
    },
    "obs": ["保証書をなくしたという相談が多い。アプリで購入登録を勧めると喜ばれる。"],
    "internal": ["品質保証部（修理窓口）へ引き取り手配を依頼。"],
    "response": [
        "修理の流れ（引き取り→見積もり→修理）と費用の目安をご案内した。",
        "レシートで購入日が確認できれば保証期間内の扱いになるとご説明した。",
    ],
}

_SPECS["late_delivery"] = {
    "kinds": {"complaint": 4, "inquiry": 1},
    "depts": [("logistics", 1)],
    "products": APPLIANCES + FOODS + ["定期便サービス"],
    "severity": [(3, 4), (2, 1)],
    "remedies": [("再配送", 2), ("謝罪", 2), ("配送日時の変更", 2), ("返金", 1), ("", 2)],
    "tones": ("angry", "calm"),
    "ja": {
        "subjects": [
            "注文した商品が届かない",
            "配送の遅れ（注文番号 {order}）",
            "{short}がまだ届かない",
        ],
        "situations": [
            "{date}オンラインストアで{product}を注文したが、まだ届いていない。",
            "{past}の{slot}に指定していたのに、夜になっても荷物が来なかった。",
            "発送済みのメールが来てから{days}日たつのに、{product}が届かない。",
            "追跡番号で調べると、ずっと「配達店に到着」のまま止まっている。",
            (
                "定期便の{short}がいつもの日に届かなかった。",
                ["ドリップコーヒー 10袋", "グラノーラ 400g"],
            ),
        ],
        "details": [
            "注文番号は{order}。",
            "その日は仕事を休んで待っていた。",
            "プレゼント用なので{day}までに必要。",
            "配送業者に電話してもつながらなかった。",
        ],
        "asks": [
            "いつ届くのか、今日中に連絡がほしい。",
            "間に合わないならキャンセルして返金してほしい。",
            "どうなっているのか調べてほしい。",
            "次からは遅れるなら事前に知らせてほしい。",
        ],
    },
    "en": {
        "subjects": ["Order {order} has not arrived", "Late delivery"],
        "situations": [
            "I ordered {product_en} from your online store {date_en} and it still has not arrived.",
            "The delivery was booked for {past_en} ({slot_en}) but nobody came.",
        ],
        "details": ["The order number is {order}.", "It is a birthday present."],
        "asks": ["When will it arrive?", "If it cannot come by the weekend, please refund me."],
    },
    "obs": [
        "配送遅延の申し出が今週{count}件目。関東の一部地域に集中している。",
        "追跡情報が更新されていないケースが続いている。",
        "お客様は仕事を休んで待っていたとのことで、かなりお怒りだった。",
    ],
    "internal": [
        "物流部へ配送状況の確認を依頼。",
        "物流部より：委託先の仕分けセンターで滞留。明日午前に配達予定。",
    ],
    "response": [
        "お詫びし、明日午前中にお届けできるとご連絡した。",
        "配達完了を確認し、お詫びのご連絡を入れた。",
        "Apologised and confirmed delivery for tomorrow morning.",
    ],
}

_SPECS["damaged_package"] = {
    "kinds": {"complaint": 4},
    "depts": [("logistics", 1)],
    "products": APPLIANCES + FOODS,
    "severity": [(3, 1)],
    "remedies": [("交換", 5), ("返金", 2), ("謝罪", 1)],
    "tones": ("angry", "calm"),
    "ja": {
        "subjects": [
            "配送中の破損（注文番号 {order}）",
            "{product}が破損して届いた",
            "届いた{short}の破損について",
        ],
        "situations": [
            "{date}届いた段ボールの角が大きくへこんでいて、中の{product}の箱もつぶれていた。",
            (
                "届いた{product}のガラスの部分にひびが入っていた。",
                [
                    "電気ケトル KT-200",
                    "電気ケトル KT-100",
                    "オーブントースター OT-30",
                    "コーヒーメーカー CM-5",
                ],
            ),
            "荷物が濡れていて、{product}のパッケージがふやけていた。",
            ("{product}の外箱が破れていて、中身が袋から出ていた。", FOODS),
        ],
        "details": [
            "注文番号は{order}。",
            "写真を撮ってある。",
            "配達員の人は何も言わずに置いていった。",
            "贈り物にするつもりだったので困る。",
        ],
        "asks": [
            "新しいものと交換してほしい。",
            "返品の方法を教えてほしい。",
            "梱包をもう少ししっかりしてほしい。",
        ],
    },
    "en": {
        "subjects": ["Item arrived damaged (order {order})"],
        "situations": [
            "The box arrived crushed and the {product_en} inside is damaged.",
            "The parcel was wet and the {short_en} packaging was soaked.",
        ],
        "details": ["I took photos."],
        "asks": ["Please send a replacement."],
    },
    "obs": ["配送中の破損の申し出、今月{count}件目。"],
    "internal": ["物流部へ交換品の手配と配送業者への申し入れを依頼。"],
    "response": [
        "お詫びし、交換品を手配。破損品は交換品お届け時に回収すると案内した。",
        "交換品の発送を連絡した。",
    ],
}

_SPECS["wrong_item"] = {
    "kinds": {"complaint": 3},
    "depts": [("logistics", 1)],
    "products": APPLIANCES + FOODS,
    "severity": [(3, 1)],
    "remedies": [("交換", 6), ("返金", 1)],
    "tones": ("angry", "calm"),
    "ja": {
        "subjects": [
            "注文と違う商品が届いた",
            "商品違い（注文番号 {order}）",
            "注文内容と届いた荷物が違う",
        ],
        "situations": [
            "{product}を注文したのに、違う商品が届いた。",
            "{product}を3つ頼んだのに、2つしか入っていなかった。",
            "届いた箱の宛名が自分ではなかった。",
            ("ボロネーゼを頼んだのにカルボナーラが入っていた。", "冷凍パスタ ボロネーゼ"),
        ],
        "details": ["注文番号は{order}。", "明細書には正しい商品名が書いてある。"],
        "asks": [
            "正しい商品を送ってほしい。間違って届いたものはどうすればいいか。",
            "急いでいるので早めに対応してほしい。",
        ],
    },
    "en": {
        "subjects": ["Wrong item delivered"],
        "situations": ["I ordered {product_en} but received a different product."],
        "details": ["Order number {order}."],
        "asks": ["Please send the right item and tell me what to do with this one."],
    },
    "obs": ["出荷ミスの申し出、今月{count}件目。同じ倉庫からの出荷。"],
    "internal": ["物流部へ正しい商品の再出荷と誤出荷品の回収を依頼。"],
    "response": ["お詫びし、正しい商品を本日発送、誤って届いた商品は着払いで回収すると案内した。"],
}

_SPECS["delivery_change"] = {
    "kinds": {"request": 5, "inquiry": 1},
    "depts": [("logistics", 1)],
    "products": ["公式オンラインストア", "定期便サービス"] + APPLIANCES,
    "severity": [(4, 2), (3, 1)],
    "remedies": [("配送日時の変更", 6), ("", 1)],
    "tones": ("calm",),
    "ja": {
        "subjects": [
            "配送日時・届け先の変更希望",
            "配送の変更について",
        ],
        "situations": [
            "注文番号{order}の配送日を{day}の{slot}に変更してほしい。",
            "引っ越したので、次回から届け先を新しい住所にしてほしい。",
            ("{day}は留守にするので、定期便の配送を1週間遅らせたい。", "定期便サービス"),
            "配送時間を{slot}から夜間に変えたい。",
        ],
        "details": ["アプリで変更しようとしたが、締め切りを過ぎていた。", "宅配ボックスはない。"],
        "asks": ["変更できるか折り返し連絡がほしい。", "手続きの方法を教えてほしい。"],
    },
    "en": {
        "subjects": ["Change of delivery for order {order}"],
        "situations": ["Could you deliver order {order} on {day_en} ({slot_en}) instead?"],
        "details": ["I will be away until then."],
        "asks": ["Please confirm by e-mail."],
    },
    "obs": ["配送変更の依頼、今月{count}件目。アプリの締め切りが分かりにくいとの声も。"],
    "internal": ["物流部へ配送日の変更を依頼。"],
    "response": [
        "ご希望の日時に変更したとご連絡した。",
        "Confirmed the new delivery slot by e-mail.",
    ],
}

_SPECS["double_charge"] = {
    "kinds": {"complaint": 3, "inquiry": 1},
    "depts": [("accounting", 1)],
    "products": ["公式オンラインストア", "定期便サービス", "会員アプリ"],
    "severity": [(2, 2), (3, 1)],
    "remedies": [("請求の取り消し", 4), ("返金", 4), ("原因の説明", 1)],
    "tones": ("angry", "calm"),
    "ja": {
        "subjects": [
            "同じ注文で二重に請求されている",
            "クレジットカードの二重引き落とし",
            "{short}の請求額がおかしい",
        ],
        "situations": [
            "カードの明細を見たら、{past}の注文で{amount}が2回引き落とされていた。",
            "注文ボタンを押したらエラーになったので、もう一度押したら2回分請求された。",
            "定期便の代金が今月だけ2回請求されている。",
            "注文は1件なのに、カード会社から{amount}の利用通知が2通来た。",
        ],
        "details": [
            "注文番号は{order}。",
            "カードの下4桁は{last4}。",
            "届いた商品は1つだけ。",
        ],
        "asks": [
            "1回分を取り消してほしい。",
            "いつ返金されるのか教えてほしい。",
            "なぜこうなったのか説明してほしい。",
        ],
    },
    "en": {
        "subjects": ["Charged twice for one order", "Double charge on my card"],
        "situations": [
            "My card statement shows {amount_en} charged twice for order {order}.",
            "The checkout showed an error, so I tried again, and now I have been charged twice.",
        ],
        "details": ["Card ending {last4}."],
        "asks": ["Please refund the duplicate charge."],
    },
    "obs": [
        "二重請求の申し出、今週{count}件目。決済画面の不具合の可能性。",
        "お客様は銀行に問い合わせる前に確認したかったとのこと。",
    ],
    "internal": [
        "経理部へ決済記録の確認を依頼。",
        "経理部より：決済代行側で二重の売上確定を確認。取り消し処理済み。",
        "情報システム部にも決済画面のエラー発生状況を共有。",
    ],
    "response": [
        "お詫びし、重複分は取り消し済みで、カード会社の処理により1〜2か月で反映されるとご説明。",
        "Apologised; the duplicate charge has been cancelled and will show on the next statement.",
    ],
}

_SPECS["refund_request"] = {
    "kinds": {"request": 5, "complaint": 1},
    "depts": [("accounting", 1)],
    "products": APPLIANCES + FOODS + ["公式オンラインストア"],
    "severity": [(3, 1)],
    "remedies": [("返金", 1)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": [
            "返金の依頼（注文番号 {order}）",
            "{short}の返品・返金について",
            "返金について",
        ],
        "situations": [
            "{date}返品した{product}の返金がまだ口座に入っていない。",
            "イメージと違ったので、{product}を返品して返金してもらいたい。",
            "キャンセルした注文の代金{amount}が返ってきていない。",
            "不良品で返品した{product}の返金方法を確認したい。",
        ],
        "details": ["注文番号は{order}。", "返品してから{days}日たつ。", "未開封のまま。"],
        "asks": [
            "いつ返金されるのか教えてほしい。",
            "銀行振込で返金してほしい。",
            "手続きの方法を教えてほしい。",
        ],
    },
    "en": {
        "subjects": ["Refund for order {order}", "Refund request"],
        "situations": [
            "I returned the {product_en} {date_en} but have not received the refund yet.",
            "I would like to return the {product_en} for a refund.",
        ],
        "details": ["Order number {order}."],
        "asks": ["When will the refund be processed?"],
    },
    "obs": ["返金までの日数が分かりにくいという声が多い。案内文の改善を提案したい。"],
    "internal": [
        "経理部へ返金処理の状況確認を依頼。",
        "経理部より：返金処理済み。カード会社経由で反映される予定。",
    ],
    "response": [
        "返品受付後、{days}営業日以内に返金するとご案内した。",
        "返金処理は完了しており、カード会社によって反映まで時間がかかるとご説明した。",
    ],
}

_SPECS["receipt_request"] = {
    "kinds": {"inquiry": 2, "request": 2},
    "depts": [("accounting", 1)],
    "products": ["公式オンラインストア", "定期便サービス"],
    "severity": [(4, 1)],
    "remedies": [("領収書の発行", 4), ("", 1)],
    "tones": ("calm",),
    "ja": {
        "subjects": ["領収書の発行について", "領収書・インボイスの問い合わせ"],
        "situations": [
            "会社の経費で買ったので、注文番号{order}の領収書を発行してほしい。",
            "適格請求書（インボイス）の登録番号が入った領収書はもらえるのか。",
            "宛名を会社名にした領収書がほしい。",
            "アプリから領収書をダウンロードする方法が分からない。",
        ],
        "details": ["金額は{amount}。", "今月中に経理に出す必要がある。"],
        "asks": ["PDFでメールに送ってもらえると助かる。", "手順を教えてほしい。"],
    },
    "en": {
        "subjects": ["Receipt for order {order}"],
        "situations": ["I need a receipt with my company name for order {order}."],
        "details": ["The total was {amount_en}."],
        "asks": ["Can you e-mail it as a PDF?"],
    },
    "obs": ["インボイス対応の領収書の問い合わせが続いている。FAQ に載せたい。"],
    "internal": ["経理部へ宛名入り領収書の発行を依頼。"],
    "response": [
        "領収書（PDF）をメールでお送りした。",
        "マイページの購入履歴から領収書を発行できるとご案内した。",
    ],
}

_SPECS["app_login"] = {
    "kinds": {"inquiry": 3, "complaint": 2},
    "depts": [("it", 1)],
    "products": ["会員アプリ", "公式オンラインストア"],
    "severity": [(3, 1)],
    "remedies": [("ログインの復旧", 4), ("原因の説明", 1), ("", 2)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": [
            "{short}にログインできない",
            "{short}のログインについて",
            "ログインできない（{product}）",
        ],
        "situations": [
            (
                "{past}から会員アプリにログインしようとすると「エラーが発生しました」と出る。",
                "会員アプリ",
            ),
            "パスワードを再設定しようとしたが、メールが届かない。",
            ("スマホを機種変更したら、アプリにログインできなくなった。", "会員アプリ"),
            ("アプリのアップデート後、何度やってもログイン画面に戻ってしまう。", "会員アプリ"),
            (
                "オンラインストアで正しいパスワードを入れてもログインできない。",
                "公式オンラインストア",
            ),
        ],
        "details": [
            "会員番号は{member}。",
            "迷惑メールのフォルダも確認した。",
            "アプリは削除して入れ直した。",
            "ポイントが{points}ポイントたまっているので困る。",
        ],
        "asks": [
            "ログインできるようにしてほしい。",
            "どうすればいいか手順を教えてほしい。",
            "アカウントが消えていないか確認してほしい。",
        ],
    },
    "en": {
        "subjects": ["Cannot log in to the member app", "Login problem with the app"],
        "situations": [
            (
                "Since {past_en} the member app says 'An error occurred' when I try to log in.",
                "会員アプリ",
            ),
            ("I changed phones and now I cannot log in to the app.", "会員アプリ"),
            ("The password reset e-mail for the app never arrives.", "会員アプリ"),
        ],
        "details": ["My member number is {member}.", "I have already reinstalled the app."],
        "asks": ["Please help me get back into my account."],
    },
    "obs": [
        "ログインできないという問い合わせ、今週{count}件目。アプリ更新後に集中している。",
        "再設定メールが携帯キャリアのメールで届かない事例が多い。",
    ],
    "internal": [
        "情報システム部へアカウント状態の確認を依頼。",
        "情報システム部より：認証サーバー側の不具合を修正済み。再ログインで解消するはず。",
    ],
    "response": [
        "ドメイン指定受信の設定をご案内し、再設定メールが届いたとのこと。",
        "アカウントのロックを解除し、ログインできることを確認していただいた。",
        "Unlocked the account; the customer confirmed they can log in.",
    ],
}

_SPECS["points_missing"] = {
    "kinds": {"inquiry": 2, "complaint": 1},
    "depts": [("it", 1)],
    "products": ["会員アプリ"],
    "severity": [(3, 1), (4, 1)],
    "remedies": [("ポイントの付与", 5), ("原因の説明", 1), ("", 1)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": ["ポイントが反映されない", "会員アプリのポイントについて"],
        "situations": [
            "{date}{store}でアプリを見せて買い物したのに、ポイントがついていない。",
            "キャンペーンで{points}ポイントもらえるはずが、まだ付与されていない。",
            "アプリのポイントがいつの間にか減っていた。",
            "オンラインストアで使ったポイントが戻ってこない。",
        ],
        "details": ["会員番号は{member}。", "レシートは持っている。"],
        "asks": ["ポイントを付けてほしい。", "いつ反映されるのか教えてほしい。"],
    },
    "en": {
        "subjects": ["Points not credited"],
        "situations": ["I showed the app at {store_en} {date_en} but got no points."],
        "details": ["Member number {member}."],
        "asks": ["Please add the missing points."],
    },
    "obs": ["ポイント未反映の申し出、今週{count}件目。店舗 POS との連携遅延か。"],
    "internal": ["情報システム部へ購入履歴とポイント履歴の照合を依頼。"],
    "response": [
        "未反映分のポイントを付与したとご連絡した。",
        "反映まで最大3日かかるとご説明した。",
    ],
}

_SPECS["online_store_error"] = {
    "kinds": {"complaint": 2, "inquiry": 1},
    "depts": [("it", 1)],
    "products": ["公式オンラインストア"],
    "severity": [(3, 1)],
    "remedies": [("原因の説明", 2), ("", 2)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": ["オンラインストアの不具合", "オンラインストアで注文できない"],
        "situations": [
            "オンラインストアで{product}をカートに入れようとすると、画面が真っ白になる。",
            "決済画面でカード番号を入れると「処理できませんでした」と出て先に進めない。",
            "メールで届いたクーポンコードを入れても「無効です」と表示される。",
            "{past}からオンラインストアのページがとても重くて、注文が完了しない。",
        ],
        "details": ["スマホとパソコンの両方で試した。", "セール最終日なので急いでいる。"],
        "asks": ["原因を調べてほしい。", "電話で注文を受けてもらえないか。"],
    },
    "en": {
        "subjects": ["Checkout error on the online store"],
        "situations": ["Checkout fails with 'could not be processed' when I enter my card."],
        "details": ["I tried on both my phone and my PC."],
        "asks": ["Can you check what is wrong?"],
    },
    "obs": [
        "オンラインストアの不具合の申し出、今日だけで{count}件。決済代行のメンテナンスと重なったか。"
    ],
    "internal": ["情報システム部へエラー発生時刻と端末情報を共有。"],
    "response": [
        "不具合は解消済みとご連絡し、改めてご注文いただけることを確認した。",
        "お詫びし、お電話で注文を承った。",
    ],
}

_SPECS["subscription_cancel"] = {
    "kinds": {"request": 5, "complaint": 2},
    "depts": [("sales", 1)],
    "products": ["定期便サービス"],
    "severity": [(3, 2), (4, 1)],
    "remedies": [("解約", 6), ("返金", 2), ("", 1)],
    "tones": ("calm", "angry"),
    "ja": {
        "subjects": ["定期便の解約・変更について", "定期便の手続きについて"],
        "situations": [
            "定期便を解約したいが、アプリのどこから手続きするのか分からない。",
            "{date}解約の電話をしたはずなのに、今月も定期便が届いた。",
            "しばらく家を空けるので、定期便を2か月休みたい。",
            "定期便のコーヒーが余ってきたので、届く間隔を2か月に1回にしたい。",
            "解約の条件が「3回以上の受け取り」だとは知らなかった。",
        ],
        "details": [
            "会員番号は{member}。",
            "今回届いた分の{amount}は払いたくない。",
            "前回電話したときの担当の名前は覚えていない。",
        ],
        "asks": [
            "今日で解約してほしい。",
            "届いてしまった分は返品できるのか教えてほしい。",
            "手続きが終わったらメールで知らせてほしい。",
        ],
    },
    "en": {
        "subjects": ["Cancel my subscription", "Subscription delivered after cancellation"],
        "situations": [
            "I would like to cancel my coffee subscription, but I cannot find how in the app.",
            "I cancelled {date_en} but this month's box still arrived.",
        ],
        "details": ["My member number is {member}."],
        "asks": ["Please cancel it today and confirm by e-mail."],
    },
    "obs": [
        "定期便の解約・変更の相談、今月{count}件目。アプリの解約導線が分かりにくいという声が多い。",
        "解約条件の説明が購入時に伝わっていない様子。",
    ],
    "internal": ["営業部へ解約処理と今月分の扱いの確認を依頼。"],
    "response": [
        "解約手続きを完了したとご連絡。今月分は返品不要、請求も取り消すとご案内した。",
        "休止の手続きを行い、再開の方法をご案内した。",
        "Cancelled the subscription and confirmed by e-mail.",
    ],
}

_SPECS["store_stock"] = {
    "kinds": {"inquiry": 3},
    "depts": [("sales", 3), (None, 1)],
    "products": APPLIANCES + FOODS,
    "severity": [(4, 1)],
    "remedies": [("", 1)],
    "tones": ("calm",),
    "ja": {
        "subjects": ["{product}の取扱店について", "{short}の販売店・在庫の問い合わせ"],
        "situations": [
            "{product}はどこの店で売っているのか。近所のスーパーでは見かけなくなった。",
            "{store}に{product}を買いに行ったら、棚になかった。",
            "{product}は販売終了になったのか知りたい。",
            "{product}をまとめて買いたいが、店頭で取り寄せはできるか。",
        ],
        "details": ["住んでいるのは{city}。", "車がないので近くの店がいい。"],
        "asks": ["近くで買える店を教えてほしい。", "オンラインストアでも買えるのか。"],
    },
    "en": {
        "subjects": ["Where can I buy {product_en}?"],
        "situations": ["I cannot find {product_en} in stores near me any more."],
        "details": ["I live in {city_en}."],
        "asks": ["Which shops stock it?"],
    },
    "obs": ["取扱店の問い合わせ、今月{count}件目。棚替えで外れた店舗が多いらしい。"],
    "internal": ["営業部へ近隣の取扱店の確認を依頼。"],
    "response": [
        "近隣の取扱店を3店舗ご案内し、オンラインストアでも購入できるとお伝えした。",
        "販売は継続しているとご説明し、店舗への取り寄せ方法をご案内した。",
    ],
}

_SPECS["staff_attitude"] = {
    "kinds": {"complaint": 3},
    "depts": [("sales", 6), ("hr", 1)],
    "products": APPLIANCES,
    "severity": [(3, 3), (2, 1)],
    "remedies": [("謝罪", 4), ("従業員への指導", 3), ("", 1)],
    "tones": ("angry", "calm"),
    "ja": {
        "subjects": ["店員の対応が悪かった", "従業員の接客について", "スタッフの対応への苦情"],
        "situations": [
            "{date}{store}で{product}について聞いたら、店員に面倒くさそうな態度をとられた。",
            "{store}で返品をお願いしたら、レジの人に「うちでは無理」と突き放された。",
            "売り場で商品の説明を頼んだのに、「箱に書いてあります」としか言われなかった。",
            "{store}の店員同士が私語ばかりで、声をかけても無視された。",
        ],
        "details": ["年配の男性の店員だった。", "ほかのお客さんの前で恥ずかしい思いをした。"],
        "asks": ["店員の教育をきちんとしてほしい。", "この件をどう対応したか教えてほしい。"],
    },
    "situations_by_dept": {
        "hr": [
            "公式ショップの{clerk}という店員に、返品の相談をしたら大声で怒鳴られた。",
            "{date}公式ショップで{clerk}さんという社員から、ほかの客の前で馬鹿にするような"
            "ことを言われた。",
        ],
    },
    "en": {
        "subjects": ["Rude staff at {store_en}"],
        "situations": ["A member of staff at {store_en} was very rude when I asked for help."],
        "details": ["It happened {date_en}."],
        "asks": ["Please make sure this does not happen again."],
    },
    "obs": ["店舗の接客への苦情、今月{count}件目。", "お客様は話すうちに落ち着かれた。"],
    "internal": [
        "営業部へ店舗への事実確認を依頼。",
        "営業部より：店舗責任者が当日の担当者に聞き取り済み。接客研修を再実施する。",
    ],
    "internal_by_dept": {
        "hr": [
            "人事部へ：特定の社員の言動に関する申し出のため共有。事実確認をお願いしたい。",
            "人事部より：本人と店舗責任者に聞き取りを行った。対応は人事部で引き取る。",
        ],
    },
    "response": [
        "お詫びし、店舗責任者から事実確認のうえ指導するとお伝えした。",
        "店舗からの確認結果と再発防止の取り組みをご報告した。",
    ],
}

_SPECS["product_suggestion"] = {
    "kinds": {"request": 3},
    "depts": [("sales", 3), (None, 1)],
    "products": APPLIANCES + FOODS,
    "severity": [(4, 1)],
    "remedies": [("商品化の検討", 3), ("", 2)],
    "tones": ("calm",),
    "ja": {
        "subjects": ["{short}へのご要望", "{product}への要望", "商品についての提案"],
        "situations": [
            ("{short}の小さいサイズを出してほしい。一人暮らしだと量が多い。", FOODS),
            (
                "減塩タイプの{short}があれば毎日でも買いたい。",
                ["即席みそ汁 8食", "レトルトカレー 中辛"],
            ),
            ("{product}の説明書の字をもっと大きくしてほしい。", APPLIANCES),
            ("{product}の色違い（白以外）を出してほしい。", APPLIANCES),
            (
                "{short}の個包装があると、お弁当に入れやすくて助かる。",
                ["グラノーラ 400g", "冷凍ギョーザ 12個入り"],
            ),
        ],
        "details": [
            "長年の愛用者なので、ぜひ検討してほしい。",
            "周りの友人も同じことを言っている。",
        ],
        "asks": ["開発の人に伝えてほしい。", "検討してもらえるとうれしい。"],
    },
    "en": {
        "subjects": ["Suggestion for {product_en}"],
        "situations": [("It would be great to have a smaller size of {product_en}.", FOODS)],
        "details": ["I live alone and often waste some."],
        "asks": ["Please pass this on to the product team."],
    },
    "obs": ["商品へのご要望、今月{count}件目。小容量や減塩を望む声が多い。"],
    "internal": ["営業部（商品企画担当）へご要望として共有。"],
    "response": ["貴重なご意見として担当部署に共有するとお伝えし、お礼を申し上げた。"],
}

_SPECS["compliment_store"] = {
    "kinds": {"compliment": 3},
    "depts": [("sales", 1)],
    "products": APPLIANCES,
    "severity": [(4, 1)],
    "remedies": [("お礼の伝達", 2), ("", 1)],
    "tones": ("pleased",),
    "ja": {
        "subjects": ["{store}の{clerk}さんへのお礼", "店頭での丁寧な説明へのお礼"],
        "situations": [
            "{store}の{clerk}さんが、売り場で{short}の違いを分かりやすく説明してくれた。",
            "{date}{store}で{product}を買ったとき、{clerk}さんが重い箱を車まで運んでくれた。",
            "{store}の{clerk}さんに、母へのプレゼント選びを親身に手伝ってもらった。",
        ],
        "details": ["おかげで良い買い物ができた。", "孫の誕生日に間に合って喜ばれた。"],
        "asks": ["{clerk}さんにお礼を伝えてほしい。", "ぜひ本人をほめてあげてほしい。"],
    },
    "en": {
        "subjects": ["Thanks to the staff at {store_en}"],
        "situations": ["{clerk_en}-san at {store_en} explained the {short_en} models very kindly."],
        "details": ["It made the purchase easy."],
        "asks": ["Please pass on my thanks."],
    },
    "obs": ["店舗スタッフへのお褒めの声。店舗に共有したい。"],
    "internal": ["営業部へ：店舗と本人にお褒めの声を共有してほしい。"],
    "response": ["お礼を申し上げ、本人と店舗に必ず伝えるとお約束した。"],
}

_SPECS["product_usage"] = {
    "kinds": {"inquiry": 6},
    "depts": [(None, 6), ("qa", 1)],
    "products": APPLIANCES,
    "severity": [(4, 3), (3, 1)],
    "remedies": [("", 1)],
    "tones": ("calm",),
    "ja": {
        "subjects": ["{product}の使い方について", "{short}について教えてほしい"],
        "situations": [
            ("炊飯器 RC-550 で玄米を炊くときの水の量を知りたい。", "炊飯器 RC-550"),
            (
                "電気ケトルの内側に白い汚れがついてきた。クエン酸で掃除してもいいのか。",
                "電気ケトル KT-100",
            ),
            (
                "オーブントースターで冷凍ピザを焼くときの温度と時間の目安を教えてほしい。",
                "オーブントースター OT-30",
            ),
            (
                "ドリップコーヒーをおいしく淹れるには、お湯をどのくらい注げばいいのか。",
                "ドリップコーヒー 10袋",
            ),
            (
                "冷凍パスタは電子レンジの何ワットで何分温めればいいのか。袋の字が小さくて読めない。",
                "冷凍パスタ カルボナーラ",
            ),
            (
                "炊飯器の予約タイマーの設定方法が分からない。説明書をなくしてしまった。",
                "炊飯器 RC-300",
            ),
            ("ハンドブレンダーで熱いスープを混ぜても大丈夫か。", "ハンドブレンダー HB-10"),
            ("コーヒーメーカーの保温は何時間までできるのか。", "コーヒーメーカー CM-5"),
            ("炊飯器の内釜は食洗機で洗ってもいいのか。", "炊飯器 RC-550"),
            ("ケトルの空だき防止はどういう仕組みなのか。", "電気ケトル KT-200"),
            (
                "冷凍ギョーザは油なしで焼けると書いてあるが、フライパンがくっつく。",
                "冷凍ギョーザ 12個入り",
            ),
        ],
        "details": [
            "高齢の母が使うので、簡単な方法を知りたい。",
            "{store}で先月買ったばかり。",
            "ホームページを見たが見つからなかった。",
        ],
        "asks": ["簡単に教えてほしい。", "説明書をもう一部送ってもらえるか。", ""],
    },
    "en": {
        "subjects": ["Question about the {product_en}", "How to use the {short_en}"],
        "situations": [
            ("How much water should I use for brown rice in the RC-550?", "炊飯器 RC-550"),
            (
                "There is white scale inside my kettle. Can I clean it with citric acid?",
                "電気ケトル KT-100",
            ),
            (
                "The instructions are only in Japanese. How do I set the timer on the rice cooker?",
                "炊飯器 RC-300",
            ),
            ("How long should I microwave the frozen pasta at 600 W?", "冷凍パスタ ボロネーゼ"),
        ],
        "details": ["I lost the manual.", "I just moved to Japan."],
        "asks": ["Is there an English manual online?", ""],
    },
    "obs": [
        "使い方の問い合わせ、今月{count}件目。説明書で答えが見つけにくいのかもしれない。",
        "電話で手順を一緒に確認し、その場で解決した。",
        "お客様は高齢の方で、ゆっくり繰り返し説明した。",
    ],
    "internal": ["品質保証部へ：取扱説明書の記載について確認したい点があり共有。"],
    "response": [
        "目安の分量と手順をご説明し、その場でご理解いただいた。",
        "取扱説明書の PDF のリンクをメールでお送りした。",
        "Explained the steps and e-mailed the link to the English manual.",
    ],
}

_SPECS["compliment_staff"] = {
    "kinds": {"compliment": 4},
    "depts": [(None, 1)],
    "products": APPLIANCES + ["会員アプリ", "定期便サービス"],
    "severity": [(4, 1)],
    "remedies": [("お礼の伝達", 2), ("", 1)],
    "tones": ("pleased",),
    "ja": {
        "subjects": ["電話対応へのお礼", "相談室の対応へのお礼", "お客様相談室の対応がよかった"],
        "situations": [
            "電話対応の{op}さんがとても丁寧だった。",
            "先日問い合わせたときの{op}さんの説明がとても分かりやすかった。",
            "{op}さんが最後まで親身に話を聞いてくれて、気持ちが楽になった。",
            "メールの返信が早くて、内容もとても丁寧だった。",
        ],
        "details": [
            "{short}の設定が分からず困っていたが、一つずつ説明してくれて助かった。",
            "高齢の母の代わりに電話したが、ゆっくり話してくれた。",
            "ほかの会社ではたらい回しにされたことがあったので、感動した。",
        ],
        "asks": ["本人にお礼を伝えてほしい。", "上の方にもぜひ伝えてほしい。", ""],
    },
    "en": {
        "subjects": ["Thank you to {op_en}", "Great support on the phone"],
        "situations": [
            "{op_en} on your helpline was incredibly patient with me.",
            "Thank you for answering my question in English so quickly.",
        ],
        "details": ["I could not read the Japanese manual and she explained everything."],
        "asks": ["Please pass on my thanks.", ""],
    },
    "obs": ["お褒めの声。朝礼で共有したい。"],
    "internal": [],
    "response": ["お礼を申し上げ、本人に伝えるとお約束した。"],
}

_SPECS["compliment_product"] = {
    "kinds": {"compliment": 3},
    "depts": [(None, 3), ("qa", 1), ("sales", 1)],
    "products": APPLIANCES + FOODS,
    "severity": [(4, 1)],
    "remedies": [("", 1)],
    "tones": ("pleased",),
    "ja": {
        "subjects": [
            "{product}が気に入っている",
            "{short}へのお褒めの言葉",
            "いつも愛用しています",
        ],
        "situations": [
            ("{product}を毎朝使っている。お湯が早く沸いてとても便利。", "電気ケトル KT-200"),
            ("{product}がおいしくて、家族みんな気に入っている。", FOODS),
            ("{product}は高齢の母でもボタンが分かりやすく、使えると喜んでいる。", APPLIANCES),
            ("{product}で炊いたご飯がふっくらしていて、前の炊飯器とは全然違う。", "炊飯器 RC-550"),
            ("{product}を10年以上買い続けている。これからも作り続けてほしい。", FOODS),
        ],
        "details": ["友人にも勧めた。", "パッケージも新しくなってかわいい。"],
        "asks": ["作っている方々にお礼を伝えてほしい。", ""],
    },
    "en": {
        "subjects": ["Love the {short_en}"],
        "situations": ["The {product_en} is the best I have ever had."],
        "details": ["I have recommended it to all my friends."],
        "asks": ["Keep up the good work.", ""],
    },
    "obs": ["商品へのお褒めの声。関係部署に共有したい。"],
    "internal": [],
    "response": ["お礼を申し上げた。"],
}

# ---- shared phrases --------------------------------------------------------------------------

TONE_JA = {
    "worried": [
        "小さい子どもがいるので心配している。",
        "また同じことがあったらと思うと不安だ。",
        "体に影響がないか気になっている。",
    ],
    "angry": [
        "正直かなり腹が立っている。",
        "楽しみにしていたのにがっかりした。",
        "前にも似たことがあったので、もう信用できない。",
        "何度か電話したがなかなかつながらなかった。",
        "こんなことは初めてで、ショックを受けている。",
    ],
    "calm": [
        "急ぎではないので、分かる範囲で教えてほしい。",
        "こちらの勘違いならそれでいいので確認してほしい。",
        "いつも愛用しているので、念のため連絡した。",
    ],
    "pleased": ["本当にありがとうございました。", "これからも応援している。"],
}
TONE_EN = {
    "worried": ["I am worried because I have small children.", "I am quite anxious about this."],
    "angry": ["Frankly, I am very disappointed.", "This is not acceptable."],
    "calm": ["It is not urgent.", "Maybe I am mistaken, but please check."],
    "pleased": ["Thank you so much.", "Keep up the good work!"],
}
OPENERS_JA = [
    "初めて問い合わせる。",
    "いつもこちらの商品を買っている。",
    "家族で愛用している。",
    "ホームページを見て連絡した。",
    "母の代わりに連絡している。",
]
OPENERS_EN = ["Hello.", "Hi, I hope you can help.", "Good afternoon."]
FOLLOW_UP_JA = [
    "{prev}にも連絡した件の続き。",
    "先日も連絡したが、",
    "前回の問い合わせとは別の件。",
    "何度もすみません。",
]
FOLLOW_UP_EN = ["Following up on my message from {prev_en}.", "Sorry to write again."]
SLOTS = [("午前中", "in the morning"), ("14時〜16時", "2–4 pm"), ("18時〜20時", "6–8 pm")]
CITIES = [
    ("横浜市", "Yokohama"), ("さいたま市", "Saitama"), ("名古屋市", "Nagoya"),
    ("大阪市", "Osaka"), ("札幌市", "Sapporo"), ("福岡市", "Fukuoka"), ("世田谷区", "Setagaya"),
    ("仙台市", "Sendai"), ("京都市", "Kyoto"), ("千葉市", "Chiba"),
]  # fmt: skip
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip

_VOICE_JA = [
    "お客様は高齢の方で、ゆっくり説明した。",
    "通話の途中で何度か同じ質問を繰り返されていた。",
    "お客様は冷静で、事実関係を細かくメモされていた。",
    "最初は強い口調だったが、お話を伺ううちに落ち着かれた。",
    "声の様子から、かなり困っている様子だった。",
]
_WRITTEN_JA = [
    "メールの文面から、かなり急いでいる様子。",
    "文面は丁寧だが、回答の期限を気にされている。",
]
OBSERVATIONS_JA = {
    "phone": _VOICE_JA,
    "visit": [
        "ご来社いただき、応接室でお話を伺った。",
        "現物をお持ちいただいたので、その場で写真を撮って記録した。",
    ],
    "email": _WRITTEN_JA,
    "web": _WRITTEN_JA,
    "letter": ["手書きのお手紙。返信は封書でお送りする。", "便箋3枚にわたる丁寧なお手紙だった。"],
    "social": [
        "SNS の公開投稿を広報経由で受け付けた。返信の文面は広報と相談する。",
        "投稿には写真が添付されていた。今のところ拡散は少ない。",
    ],
}
OBSERVATIONS_EN = {
    "phone": ["Call in English; confirmed the details by e-mail afterwards."],
    "any": ["Handled in English; the customer was calm and precise."],
}

# ---- planted patterns ------------------------------------------------------------------------

PLANTED_ONLY = ("kettle_lid_lock", "appliance_smoke", "food_illness")

# (b) safety: severity 1. `days` is how long before `now` the case comes in (a range).
_SAFETY: list[dict] = [
    {
        "theme": "foreign_object",
        "language": "ja",
        "product": "冷凍パスタ ボロネーゼ",
        "channel": "phone",
        "days": (20, 50),
        "subject": "冷凍パスタに硬いプラスチック片が混入",
        "words": "{date}届いた冷凍パスタの中に、長さ1センチくらいの黒いプラスチック片のような"
        "ものが入っていた。子どもが食べる前に気づいたが、不安なので原因を教えてほしい。"
        "パッケージの印字は{lot}。",
        "remedy": "原因の説明",
        "obs": "異物混入（硬質プラスチック片）。けがの可能性があるため、受付後すぐにリーダーへ"
        "報告した。同じ製造日 {made} の申し出がないか確認中。",
    },
    {
        "theme": "appliance_smoke",
        "language": "ja",
        "product": "オーブントースター OT-30",
        "channel": "phone",
        "days": (35, 70),
        "subject": "オーブントースター OT-30 から煙、プラグ付近が焦げた",
        "words": "オーブントースター OT-30 で食パンを焼いていたら、本体の後ろから煙が出て焦げ臭い"
        "においがした。慌ててコンセントを抜いたが、プラグの近くが黒く変色していた。火事になるかと"
        "思って本当に怖かった。すぐに原因を調べてほしい。",
        "remedy": "原因の説明",
        "obs": "発煙の申し出。発火に至る可能性があり重大製品事故に当たるおそれ。受付後すぐに"
        "リーダーへ報告した。",
    },
    {
        "theme": "kettle_lid_lock",
        "language": "ja",
        "product": "電気ケトル KT-200",
        "channel": "phone",
        "days": (1, 5),
        "subject": "KT-200 の蓋が外れて熱湯でやけど",
        "words": "電気ケトル KT-200 でお湯を注いでいたら蓋が外れて、熱湯が左手にかかりやけどした。"
        "病院で手当てを受けた。蓋のロックが甘いと前から思っていた。同じ事故が起きないように"
        "してほしい。",
        "remedy": "原因の説明",
        "obs": "やけどの申し出（通院あり）。KT-200 の蓋ロックの件で初めての人身被害。受付後すぐに"
        "リーダーと品質保証部へ報告した。",
    },
    {
        "theme": "food_illness",
        "language": "ja",
        "product": "冷凍ギョーザ 12個入り",
        "channel": "phone",
        "days": (8, 25),
        "subject": "冷凍ギョーザを食べた家族3人が腹痛（食中毒の疑い）",
        "words": "{past}の夕食に冷凍ギョーザを家族3人で食べたところ、夜中に全員が腹痛と下痢に"
        "なった。食中毒ではないかと心配している。パッケージの印字は{lot}で、残りは冷凍庫にある。"
        "同じロットで同様の報告がないか、すぐに確認してほしい。",
        "remedy": "原因の説明",
        "obs": "健康被害（食中毒の疑い）の申し出。受診予定とのこと。"
        "受付後すぐにリーダーへ報告した。",
    },
    {
        "theme": "foreign_object",
        "language": "en",
        "product": "グラノーラ 400g",
        "channel": "email",
        "days": (10, 40),
        "subject": "My son choked on a hard piece in your granola",
        "words": "My 4-year-old son choked on a hard, sharp piece while eating your granola this "
        "morning. He coughed it up and he is fine now, but it looked like a piece of plastic. I "
        "have kept it. Please tell me what it is and how this could happen.",
        "remedy": "原因の説明",
        "obs": "Choking incident with a child (recovered). Reported to the lead immediately; "
        "asked the customer to send the piece.",
    },
]

# The customer-harassment pattern: one caller, five calls within a few weeks.
HARASSER = {"name": "黒田 正樹", "email": None, "phone": "090-4471-2398"}
HARASSMENT_CALLS: list[dict] = [
    {
        "theme": "rice_cooker_error_e3",
        "subject": "炊飯器 RC-550 の E3 エラー、新品交換の要求",
        "words": "買って2か月の炊飯器 RC-550 が E3 エラーで炊けなくなった。修理なんか待って"
        "いられない。今すぐ新品と交換しろ。",
        "remedy": "交換",
        "quote": "今すぐ新品と交換しろ",
    },
    {
        "theme": "rice_cooker_error_e3",
        "subject": "修理期間への強い不満（再入電）",
        "words": "修理に10日もかかるとはどういうことだ。お前じゃ話にならない、責任者を出せ。"
        "こっちは毎日米が炊けなくて困っているんだ。",
        "remedy": "交換",
        "quote": "責任者を出せ",
    },
    {
        "theme": "rice_cooker_error_e3",
        "subject": "迷惑料 10万円の要求",
        "words": "誠意を見せろ。交換だけで済むと思うな。迷惑料として10万円払え。払わないなら"
        "消費者センターにも言うし、弁護士も立てる。",
        "remedy": "迷惑料 10万円の支払い",
        "quote": "誠意を見せろ",
    },
    {
        "theme": "rice_cooker_error_e3",
        "subject": "社長の謝罪訪問の要求",
        "words": "まだ誠意が感じられない。今日中に社長が家まで謝りに来い。来なければSNSに晒すぞ。"
        "お前の名前も書いてやる。",
        "remedy": "社長の謝罪訪問",
        "quote": "SNSに晒すぞ",
    },
    {
        "theme": "rice_cooker_error_e3",
        "subject": "担当者への威圧的な発言（5回目の入電）",
        "words": "昨日の担当者の態度は何だ。名前をフルネームで言え。ネットに書き込んで会社を潰して"
        "やるからな。録音しているなら全部出せ。",
        "remedy": "謝罪",
        "quote": "会社を潰してやる",
    },
]
_HARASSMENT_NOTES = {
    "obs": "通話時間 {mins}分。同一のお客様から{nth}回目の入電。大声で「{quote}」と繰り返され、"
    "通常業務に支障が出た。",
    "obs_later": "カスハラ対応方針に沿い、要求には応じられない旨を伝えたうえでリーダーに交代した。"
    "通話は録音済み。",
    "internal": "リーダー：今後このお客様からの入電はリーダーが対応する。30分を目安に通話を終え、"
    "脅迫と取れる発言があれば総務・法務に相談する。",
    "response": "修理または交換には対応するが、迷惑料の支払いや社長の訪問には応じられないと明確に"
    "お伝えした。",
}

# Four more customers who contact us repeatedly (same phone/e-mail every time).
_REGULARS: list[dict] = [
    {
        "customer": {
            "name": "森 由紀子",
            "email": "yukiko.mori@example.jp",
            "phone": "080-2231-5570",
        },
        "language": "ja",
        "themes": ["subscription_cancel", "double_charge", "refund_request", "subscription_cancel"],
        "channels": ["phone", "email", "phone", "web"],
    },
    {
        "customer": {"name": "石井 健一", "email": None, "phone": "090-6612-0843"},
        "language": "ja",
        "themes": ["late_delivery", "delivery_change", "damaged_package", "late_delivery"],
        "channels": ["phone", "phone", "phone", "phone"],
    },
    {
        "customer": {"name": "Daniel Moore", "email": "daniel.moore@example.com", "phone": None},
        "language": "en",
        "themes": ["app_login", "points_missing", "online_store_error", "app_login"],
        "channels": ["email", "web", "email", "email"],
    },
    {
        "customer": {
            "name": "清水 久美子",
            "email": "kumiko.shimizu@example.ne.jp",
            "phone": "03-3721-4408",
        },
        "language": "ja",
        "themes": ["compliment_product", "product_suggestion", "product_usage", "compliment_staff"],
        "channels": ["letter", "email", "phone", "letter"],
    },
]

# ---- generation ------------------------------------------------------------------------------

KIND_SHARES = {"inquiry": 0.35, "complaint": 0.40, "request": 0.15, "compliment": 0.10}
EN_SHARE = 0.14
ANONYMOUS_SHARE = 0.10
CHANNEL_WEIGHTS = {
    "ja": {"phone": 46, "email": 16, "web": 20, "letter": 3, "visit": 3, "social": 12},
    "en": {"phone": 12, "email": 45, "web": 30, "letter": 1, "visit": 2, "social": 10},
}
STATUS_ORDER = [
    "received",
    "routed",
    "acknowledged",
    "in_progress",
    "awaiting_customer",
    "resolved",
    "closed",
]


class _Weighted:
    """`random.choices` with the cumulative weights computed once."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        pairs = [(item, w) for item, w in pairs if w > 0]
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1] if self.cum else 0

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


def _compile_specs() -> dict[str, dict]:
    compiled = {}
    for key, spec in _SPECS.items():
        notes = {}
        for kind in ("obs", "internal", "response"):
            texts = spec.get(kind, [])
            notes[kind] = {
                "ja": [t for t in texts if not t.isascii()],
                "en": [t for t in texts if t.isascii()],
            }
        obs = notes["obs"]["ja"]
        compiled[key] = {
            **spec,
            "counted_obs": [
                (t, 1 if "今日" in t else 7 if "今週" in t else 30) for t in obs if "{count}" in t
            ],
            "plain_obs": [t for t in obs if "{count}" not in t],
            "internal_by_dept": spec.get("internal_by_dept", {}),
            "situations_by_dept": spec.get("situations_by_dept", {}),
            "dept_w": _Weighted(spec["depts"]),
            "severity_w": _Weighted(spec["severity"]),
            "remedy_w": _Weighted(spec["remedies"]),
            "kind_w": _Weighted(spec["kinds"].items()),
            "notes": notes,
        }
    return compiled


_COMPILED = _compile_specs()
_POOLS = {
    kind: _Weighted(
        (theme, spec["kinds"].get(kind, 0))
        for theme, spec in _SPECS.items()
        if theme not in PLANTED_ONLY
    )
    for kind in KIND_SHARES
}
_CHANNELS = {lang: _Weighted(w.items()) for lang, w in CHANNEL_WEIGHTS.items()}


def _past_ja(d: date, back: int) -> str:
    """How a customer names a past day: 昨日 / 火曜日 / 10月3日 (see `_date_ja` for 〜に)."""
    if back <= 0:
        return "今日"
    if back == 1:
        return "昨日"
    if back == 2:
        return "おととい"
    if back <= 6 and back % 2:
        return f"{WEEKDAYS_JA[d.weekday()]}曜日"
    return f"{d.month}月{d.day}日"


def _date_ja(name: str) -> str:
    """The same day as an adverbial: 昨日 / 火曜日に / 10月3日に."""
    return name + "に" if name.endswith("日") and name not in ("今日", "昨日") else name


def _past_en(d: date, back: int) -> str:
    if back <= 0:
        return "today"
    if back == 1:
        return "yesterday"
    if back <= 6 and back % 2:
        return WEEKDAYS_EN[d.weekday()]
    return f"{MONTHS_EN[d.month - 1]} {d.day}"


def _date_en(name: str) -> str:
    return name if name in ("today", "yesterday") else f"on {name}"


def _int(rng: random.Random, lo: int, hi: int) -> int:
    """_int(rng, lo, hi), a few times faster (the corpus needs millions of them)."""
    return lo + int(rng.random() * (hi - lo + 1))


def _one(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _ymd(d: date) -> str:
    return f"{d.year}/{d.month:02d}/{d.day:02d}"


_EPOCH = date(1970, 1, 1)
_PRODUCT_SLOTS = {
    product: {
        "product": product,
        "product_en": product_en,
        "short": short,
        "short_en": short_en,
        "count": "2",
        "prev": "先週",
        "prev_en": "last week",
    }
    for product, (product_en, short, short_en, _) in PRODUCTS.items()
}


class _Slots(dict):
    """The placeholders of one case, each made on first use (most templates need only a few).

    Related values are made together so that they agree: `date` and `date_en` name the same
    day, `lot` carries the date in `made`, `store` and `store_en` the same shop.
    """

    def __init__(self, rng: random.Random, product: str, received: datetime):
        super().__init__(_PRODUCT_SLOTS[product])
        self.rng = rng
        self.product = product
        self.day = int((received.timestamp() + 9 * 3600) // 86400)  # days since 1970 in JST

    def __missing__(self, key: str) -> str:
        maker = _SLOT_MAKERS.get(key)
        if maker is None:
            raise KeyError(key)
        values = maker(self, self.rng)
        self.update(values)
        return values[key]


@lru_cache(maxsize=4096)
def _past_words(day: int, back: int) -> dict[str, str]:
    d = _EPOCH + timedelta(days=day - back)
    past, past_en = _past_ja(d, back), _past_en(d, back)
    return {"date": _date_ja(past), "date_en": _date_en(past_en), "past": past, "past_en": past_en}


@lru_cache(maxsize=4096)
def _ahead_words(day: int, ahead: int) -> dict[str, str]:
    d = _EPOCH + timedelta(days=day + ahead)
    return {"day": f"{d.month}月{d.day}日", "day_en": f"{MONTHS_EN[d.month - 1]} {d.day}"}


@lru_cache(maxsize=65536)
def _lot_words(day: int, back: int, shelf_life: int) -> tuple[str, str, str]:
    made = _EPOCH + timedelta(days=day - back)
    code = f"L{made.year % 100:02d}{made.month:02d}{made.day:02d}-"
    return code, _ymd(made), _ymd(made + timedelta(days=shelf_life))


def _slot_date(s: _Slots, rng: random.Random) -> dict[str, str]:
    return _past_words(s.day, _int(rng, 1, 10))


def _slot_day(s: _Slots, rng: random.Random) -> dict[str, str]:
    return _ahead_words(s.day, _int(rng, 1, 6))


def _slot_lot(s: _Slots, rng: random.Random) -> dict[str, str]:
    code, made, best_before = _lot_words(s.day, _int(rng, 20, 120), _one(rng, (90, 180, 365)))
    return {
        "lot": f"{code}{_one(rng, 'ABCDK')}{_int(rng, 1, 4)}",
        "made": made,
        "best_before": best_before,
    }


def _slot_amount(s: _Slots, rng: random.Random) -> dict[str, str]:
    price = PRODUCTS[s.product][3]
    if price:
        amount = price * _int(rng, 1, 4)
        amount += 0 if amount >= 3000 else 550  # shipping under 3,000 yen
    else:
        amount = _int(rng, 15, 300) * 100
    return {"amount": f"{amount:,}円", "amount_en": f"¥{amount:,}"}


def _pair(table: list[tuple[str, str]], ja: str, en: str):
    def make(s: _Slots, rng: random.Random) -> dict[str, str]:
        a, b = _one(rng, table)
        return {ja: a, en: b}

    return make


def _single(key: str, make):
    return lambda s, rng: {key: make(s, rng)}


_MODEL = {product: product.split()[-1].replace("-", "") for product in PRODUCTS}
_SLOT_MAKERS = {
    "date": _slot_date,
    "date_en": _slot_date,
    "past": _slot_date,
    "past_en": _slot_date,
    "day": _slot_day,
    "day_en": _slot_day,
    "lot": _slot_lot,
    "made": _slot_lot,
    "best_before": _slot_lot,
    "amount": _slot_amount,
    "amount_en": _slot_amount,
    "store": _pair(STORES, "store", "store_en"),
    "store_en": _pair(STORES, "store", "store_en"),
    "slot": _pair(SLOTS, "slot", "slot_en"),
    "slot_en": _pair(SLOTS, "slot", "slot_en"),
    "city": _pair(CITIES, "city", "city_en"),
    "city_en": _pair(CITIES, "city", "city_en"),
    "op": _pair(OPERATOR_CALLED, "op", "op_en"),
    "op_en": _pair(OPERATOR_CALLED, "op", "op_en"),
    "price": lambda s, rng: {"price": f"{PRODUCTS[s.product][3]:,}円"},
    "price_en": lambda s, rng: {"price_en": f"¥{PRODUCTS[s.product][3]:,}"},
    "order": _single("order", lambda s, rng: f"A-{_int(rng, 100000, 999999)}"),
    "months": _single("months", lambda s, rng: str(_int(rng, 2, 14))),
    "days": _single("days", lambda s, rng: str(_int(rng, 3, 12))),
    "serial": _single("serial", lambda s, rng: f"{_MODEL[s.product]}{_int(rng, 2500000, 2599999)}"),
    "clerk": _pair(CLERKS, "clerk", "clerk_en"),
    "clerk_en": _pair(CLERKS, "clerk", "clerk_en"),
    "points": _single("points", lambda s, rng: f"{_int(rng, 3, 500) * 10:,}"),
    "last4": _single("last4", lambda s, rng: f"{_int(rng, 0, 9999):04d}"),
    "member": _single("member", lambda s, rng: f"M{_int(rng, 1000000, 9999999)}"),
}


_POLITE_JA = [
    ("てほしい。", ("ていただけますか。", "ていただきたいです。", "ていただけると助かります。")),
    ("ほしい。", ("ほしいです。",)),
    ("たい。", ("たいです。",)),
    ("のか。", ("のでしょうか。",)),
    ("か。", ("でしょうか。",)),
    ("だ。", ("です。",)),
    ("いる。", ("います。",)),
]
_ROUGH_JA = [("てほしい。", ("てくれ。", "てもらいたい。", "てほしい。"))]


def _register(rng: random.Random, sentence: str, table) -> str:
    for ending, options in table:
        if sentence.endswith(ending):
            return sentence[: -len(ending)] + _one(rng, options)
    return sentence


def _sample(rng: random.Random, items: list, k: int) -> list:
    """k distinct items (k is 0, 1 or 2 here); cheaper than rng.sample."""
    if k <= 0 or not items:
        return []
    first = int(rng.random() * len(items))
    if k == 1 or len(items) == 1:
        return [items[first]]
    second = (first + 1 + int(rng.random() * (len(items) - 1))) % len(items)
    return [items[first], items[second]]


_FEELING_ODDS = {"complaint": 0.4, "request": 0.2, "compliment": 0.5, "inquiry": 0.12}


def _words(
    rng: random.Random,
    spec: dict,
    lang: str,
    situation: str,
    kind: str,
    slots: dict,
    follow_up: bool,
) -> str:
    """1–4 sentences: [opener or follow-up] situation [details] [feeling] [request]."""
    rnd = rng.random  # the draws are inlined: this runs for every case
    ja = lang == "ja"
    text = spec[lang]
    tones = spec["tones"]
    tone = tones[int(rnd() * len(tones))]
    parts: list[str] = []
    lead = ""
    if follow_up:
        leads = FOLLOW_UP_JA if ja else FOLLOW_UP_EN
        lead = leads[int(rnd() * len(leads))]
    elif rnd() < 0.12:
        openers = OPENERS_JA if ja else OPENERS_EN
        parts.append(openers[int(rnd() * len(openers))])
    parts.append(situation)
    # details: none (30 %), one (50 %) or two (20 %), as far as four sentences allow
    u = rnd()
    wanted = 0 if u < 0.3 else 1 if u < 0.8 else 2
    room = 3 - len(parts) - situation.count("。")
    parts.extend(_sample(rng, text["details"], min(wanted, max(room, 0))))
    if len(parts) < 4 and rnd() < _FEELING_ODDS[kind]:
        feelings = (TONE_JA if ja else TONE_EN)[tone]
        parts.append(feelings[int(rnd() * len(feelings))])
    asks = text["asks"]
    ask = asks[int(rnd() * len(asks))] if rnd() < 0.85 else ""
    if ja and ask:
        roll = rnd()
        if roll < 0.3:
            ask = _register(rng, ask, _POLITE_JA)
        elif tone == "angry" and roll < 0.6:
            ask = _register(rng, ask, _ROUGH_JA)
    if ask and len(parts) < 4:
        parts.append(ask)
    joined = lead + "".join(parts) if ja else " ".join([lead, *parts] if lead else parts)
    return joined.format_map(slots)


class _Clock:
    """`now` and the calendar around it, worked out once per corpus."""

    def __init__(self, now: datetime):
        self.now = now
        today = now.astimezone(JST).date()
        self.today_weekday = today.weekday()
        self.midnight = datetime(today.year, today.month, today.day, tzinfo=JST).astimezone(UTC)
        self.earliest = now - timedelta(days=WINDOW_DAYS)
        self.latest = now - timedelta(minutes=10)


def _received(
    rng: random.Random, clock: _Clock, channel: str, day_lo: int = 0, day_hi: int = WINDOW_DAYS - 1
) -> datetime:
    """A moment `day_lo`..`day_hi` days back, mostly in business hours (Mon–Sat 9–18 JST)."""
    day_hi = min(max(day_hi, day_lo), WINDOW_DAYS - 1)
    online = channel in ("email", "web", "social")
    for _ in range(30):
        back = _int(rng, day_lo, day_hi)
        if online and rng.random() < 0.2:
            second = _int(rng, 0, 24 * 3600 - 1)  # e-mail, forms and posts come in at night too
        elif (clock.today_weekday - back) % 7 == 6:
            continue  # closed on Sundays
        else:
            second = _int(rng, 9 * 3600, 18 * 3600 - 1)
        at = clock.midnight + timedelta(days=-back, seconds=second)
        if clock.earliest < at <= clock.latest:
            return at
    return clock.latest - timedelta(minutes=_int(rng, 0, 240))


_STATUS_UNROUTED = [
    (1, _Weighted([("received", 4), ("resolved", 6)])),
    (21, _Weighted([("received", 1), ("resolved", 5), ("closed", 4)])),
    (None, _Weighted([("resolved", 1), ("closed", 6)])),
]
# weights over STATUS_ORDER by age in days; older than 3 weeks: mostly resolved or closed
_STATUS_ROUTED = [
    (1, (5, 3, 2, 0, 0, 0, 0)),
    (3, (2, 3, 4, 1, 0, 0, 0)),
    (7, (0, 1, 2, 4, 2, 2, 0)),
    (21, (0, 0, 1, 3, 2, 4, 3)),
    (None, (0, 0, 0, 1, 1, 4, 12)),
]
_STATUS_ROUTED_W = [
    (limit, _Weighted(zip(STATUS_ORDER, w, strict=True))) for limit, w in _STATUS_ROUTED
]
# safety and other high-severity cases stay open longer
_STATUS_OLD_SERIOUS = _Weighted(zip(STATUS_ORDER, (0, 0, 0, 2, 1, 4, 12), strict=True))


def _status(rng: random.Random, age_days: float, routed: bool, severity: int) -> str:
    table = _STATUS_ROUTED_W if routed else _STATUS_UNROUTED
    for limit, weighted in table:
        if limit is None or age_days < limit:
            if limit is None and routed and severity <= 2:
                weighted = _STATUS_OLD_SERIOUS
            return weighted.pick(rng)
    raise AssertionError("unreachable")


_MOBILE = ("090", "080", "070")
_LANDLINE = ("03", "06", "045", "052", "011")


def _customer(rng: random.Random, lang: str, channel: str) -> dict | None:
    """A customer as the operator records them; one random draw, peeled into its choices."""
    b = rng.getrandbits(128)
    if b % 1000 < ANONYMOUS_SHARE * 1000:
        return None
    b //= 1000
    if lang == "en":
        first, b = EN_FIRST[b % len(EN_FIRST)], b // len(EN_FIRST)
        last, b = EN_LAST[b % len(EN_LAST)], b // len(EN_LAST)
        name, local = f"{first} {last}", f"{first}.{last}".lower()
    else:
        (sur, sur_r), b = SURNAMES[b % len(SURNAMES)], b // len(SURNAMES)
        (given, given_r), b = GIVEN_NAMES[b % len(GIVEN_NAMES)], b // len(GIVEN_NAMES)
        style, b = b % 3, b // 3
        name = f"{sur} {given}"
        local = (f"{given_r}.{sur_r}", f"{sur_r}.{given_r}", f"{given_r}{sur_r[0]}")[style]
    if channel == "social":
        handle = local.replace(".", "_")
        return {"name": f"@{handle}{b % 99 + 1}", "email": None, "phone": None}
    if b % 100 < 85:
        local += str(b // 100 % 999 + 1)
    b //= 100_000
    email = None
    if channel in ("email", "web") or b % 100 < 30:
        email = f"{local}@{MAIL_DOMAINS[b // 100 % len(MAIL_DOMAINS)]}"
    b //= 1000
    phone = None
    if channel in ("phone", "visit", "letter") or b % 100 < 25:
        b //= 100
        last4, b = b % 9000 + 1000, b // 9000
        if b % 10 < 8:
            head = _MOBILE[b // 10 % 3]
            phone = f"{head}-{b // 30 % 9000 + 1000}-{last4}"
        else:
            head = _LANDLINE[b // 10 % 5]
            mid = b // 50 % 900 + 100 if len(head) == 3 else b // 50 % 9000 + 1000
            phone = f"{head}-{mid}-{last4}"
    return {"name": name, "email": email, "phone": phone}


def generate_cases(n: int = 600, *, now: datetime, seed: int = 7) -> list[dict]:
    """`n` cases received during the 12 weeks before `now`, oldest first. Deterministic."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    paused = gc.isenabled()
    gc.disable()  # a corpus is a few hundred thousand small containers and no cycles
    try:
        return _generate(n, _Clock(now.astimezone(UTC)), random.Random(seed))
    finally:
        if paused:
            gc.enable()


def _generate(n: int, clock: _Clock, rng: random.Random) -> list[dict]:
    plans = _plant(rng, n, clock)[:n] if n >= 100 else []
    planted = Counter(plan["kind"] for plan in plans)
    kinds = _Weighted((k, max(n * share - planted[k], 0)) for k, share in KIND_SHARES.items())
    for _ in range(n - len(plans)):
        kind = kinds.pick(rng)
        lang = "en" if rng.random() < EN_SHARE else "ja"
        channel = _CHANNELS[lang].pick(rng)
        plans.append(
            {
                "theme": _POOLS[kind].pick(rng),
                "kind": kind,
                "language": lang,
                "channel": channel,
                "received": _received(rng, clock, channel),
            }
        )
    built = [_build(rng, plan, clock.now) for plan in plans]
    built.sort(key=lambda pair: pair[0]["received_at"])
    _annotate(rng, built)
    return [case for case, _ in built]


def _plant(rng: random.Random, n: int, clock: _Clock) -> list[dict]:
    plans: list[dict] = []
    scale = n / 600

    # (a) the surge: about one KT-200 lid case a week, then about twelve in the last 7 days
    def kettle(day_lo: int, day_hi: int) -> dict:
        lang = "en" if rng.random() < 0.1 else "ja"
        channel = _CHANNELS[lang].pick(rng)
        return {
            "theme": "kettle_lid_lock",
            "kind": "complaint",
            "language": lang,
            "channel": channel,
            "received": _received(rng, clock, channel, day_lo, day_hi),
        }

    per_week = max(1, round(scale))
    for week in range(1, 12):
        plans.extend(kettle(7 * week + 1, 7 * week + 6) for _ in range(per_week))
    surge = max(4 * per_week, round(12 * scale))
    for _ in range(surge - 1):  # the burn below is one of them
        plans.append(kettle(min(_int(rng, 0, 6), _int(rng, 0, 6)), 6))

    # (b) safety cases, severity 1
    for item in _SAFETY:
        lo, hi = item["days"]
        customer = None
        while customer is None:
            customer = _customer(rng, item["language"], item["channel"])
        plans.append(
            {
                **{k: v for k, v in item.items() if k != "days"},
                "kind": "complaint",
                "severity": 1,
                "department": "qa",
                "customer": customer,
                "received": _received(rng, clock, item["channel"], lo, hi),
            }
        )

    # the customer-harassment pattern: five calls, three to six days apart
    day = _int(rng, 28, 34)
    previous = None
    for nth, item in enumerate(HARASSMENT_CALLS, start=1):
        received = _received(rng, clock, "phone", day, day + 1)
        plans.append(
            {
                **item,
                "kind": "complaint",
                "language": "ja",
                "channel": "phone",
                "severity": 2,
                "department": "qa",
                "customer": HARASSER,
                "received": received,
                "harassment": nth,
                "product": "炊飯器 RC-550",
                "prev": _prev(previous),
            }
        )
        previous = received
        day = max(day - _int(rng, 3, 6), 1)

    # four more regulars, 3–4 contacts each within a few weeks
    for regular in _REGULARS:
        day = _int(rng, 25, 70)
        previous = None
        for i in range(_int(rng, 3, len(regular["themes"]))):
            theme, channel = regular["themes"][i], regular["channels"][i]
            received = _received(rng, clock, channel, day, day + 1)
            plans.append(
                {
                    "theme": theme,
                    "kind": _COMPILED[theme]["kind_w"].pick(rng),
                    "language": regular["language"],
                    "channel": channel,
                    "customer": regular["customer"],
                    "received": received,
                    "follow_up": previous is not None,
                    "prev": _prev(previous),
                }
            )
            previous = received
            day = max(day - _int(rng, 3, 8), 1)
    return plans


def _prev(at: datetime | None) -> tuple[str, str]:
    if at is None:
        return ("先週", "last week")
    d = at.astimezone(JST).date()
    return (f"{d.month}月{d.day}日", f"{MONTHS_EN[d.month - 1]} {d.day}")


def _build(rng: random.Random, plan: dict, now: datetime) -> tuple[dict, dict]:
    theme, lang, channel = plan["theme"], plan["language"], plan["channel"]
    spec = _COMPILED[theme]
    department = plan["department"] if "department" in plan else spec["dept_w"].pick(rng)
    situations = spec[lang]["situations"]
    if lang == "ja" and department in spec["situations_by_dept"]:
        situations = spec["situations_by_dept"][department]
    situation = _one(rng, situations)
    product = plan.get("product")
    if isinstance(situation, tuple):
        situation, pinned = situation
        if isinstance(pinned, list):
            pinned = _one(rng, pinned)
        product = product or pinned
    if product is None:
        product = _one(rng, spec["products"])
    received = plan["received"]
    slots = _Slots(rng, product, received)
    if "prev" in plan:
        slots["prev"], slots["prev_en"] = plan["prev"]
    if "words" in plan:
        words = plan["words"].format_map(slots)
    else:
        words = _words(
            rng, spec, lang, situation, plan["kind"], slots, plan.get("follow_up", False)
        )
    subjects = spec[lang]["subjects"]
    subject = plan.get("subject") or _one(rng, subjects).format_map(slots)
    remedy = plan["remedy"] if "remedy" in plan else spec["remedy_w"].pick(rng)
    if lang == "en" and remedy:
        remedy = REMEDY_EN.get(remedy, remedy)
    severity = plan.get("severity") or spec["severity_w"].pick(rng)
    customer = plan["customer"] if "customer" in plan else _customer(rng, lang, channel)
    age = now - received
    case = {
        "kind": plan["kind"],
        "channel": channel,
        "received_at": received,
        "language": lang,
        "product": product,
        "subject": subject[:80],
        "customer_words": words,
        "remedy_requested": remedy,
        "severity": severity,
        "theme": theme,
        "department": department,
        "status": _status(rng, age.total_seconds() / 86400, department is not None, severity),
        "customer": dict(customer) if customer else None,
        "notes": [],
    }
    context = {
        "spec": spec,
        "slots": slots,
        "plan": plan,
        "age_minutes": int(age.total_seconds() // 60),
    }
    return case, context


_after = itemgetter("after_minutes")
_SPANS = {span: timedelta(days=span) for span in (1, 7, 30)}
_STEP = {status: step for step, status in enumerate(STATUS_ORDER)}


def _annotate(rng: random.Random, built: list[tuple[dict, dict]]) -> None:
    """Notes, in time order so that observations can count the same theme's recent cases."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    for case, context in built:
        times = seen[case["theme"]]
        times.append(case["received_at"])
        case["notes"] = _notes(rng, case, context, times)


def _recent(times: list[datetime], span: int) -> int:
    """How many of the theme's cases, this one included, came in during the last `span` days."""
    return len(times) - bisect_left(times, times[-1] - _SPANS[span])


def _note(kind: str, body: str, role: str, minutes: int, cap: int, slots: dict) -> dict:
    text = body.format_map(slots) if "{" in body else body
    return {"kind": kind, "body": text, "author_role": role, "after_minutes": min(minutes, cap)}


def _pick_text(
    rng: random.Random, texts: dict[str, list[str]], lang: str, *, final: bool
) -> str | None:
    """A response note. Each theme lists its first answer first; later ones tell an outcome,
    which only fits a case that has been resolved."""
    if lang == "en" and texts["en"] and rng.random() < 0.6:
        return _one(rng, texts["en"])
    pool = texts["ja"] or texts["en"]
    if not pool:
        return None
    return _one(rng, pool) if final else pool[0]


def _notes(rng: random.Random, case: dict, context: dict, times: list[datetime]) -> list[dict]:
    plan, slots, spec = context["plan"], context["slots"], context["spec"]
    cap = max(context["age_minutes"] - 1, 0)
    status, department, lang = case["status"], case["department"], case["language"]
    step = _STEP[status]
    notes: list[dict] = []

    if "harassment" in plan:
        nth = plan["harassment"]
        slots.update(mins=str(_int(rng, 35, 80)), nth=str(nth), quote=plan["quote"])
        texts = _HARASSMENT_NOTES
        notes.append(_note("observation", texts["obs"], "operator", _int(rng, 40, 90), cap, slots))
        if nth >= 3:
            minutes = _int(rng, 90, 120)
            notes.append(_note("observation", texts["obs_later"], "operator", minutes, cap, slots))
        if nth >= 2:
            minutes = _int(rng, 120, 240)
            notes.append(_note("internal", texts["internal"], "lead", minutes, cap, slots))
        if nth >= 3 and step >= 2:
            minutes = _int(rng, 24 * 60, 72 * 60)
            notes.append(_note("response", texts["response"], "lead", minutes, cap, slots))
        notes.sort(key=_after)
        return notes

    # the operator's own noticing
    if "obs" in plan:
        notes.append(_note("observation", plan["obs"], "operator", _int(rng, 5, 20), cap, slots))
    else:
        counted = []
        for text, span in spec["counted_obs"]:
            count = _recent(times, span)
            if count >= 2:
                counted.append((text, count))
        if counted and rng.random() < (0.8 if max(c for _, c in counted) >= 3 else 0.4):
            text, count = _one(rng, counted)
            slots["count"] = str(count)
            notes.append(_note("observation", text, "operator", _int(rng, 5, 40), cap, slots))
        elif rng.random() < 0.25:
            channel = case["channel"]
            if spec["plain_obs"] and rng.random() < 0.6:
                pool = spec["plain_obs"]
            elif lang == "en" and rng.random() < 0.5:
                pool = OBSERVATIONS_EN.get(channel, OBSERVATIONS_EN["any"])
            else:
                pool = OBSERVATIONS_JA[channel]
            body = _one(rng, pool)
            notes.append(_note("observation", body, "operator", _int(rng, 5, 40), cap, slots))

    # coordination with the owning department. The loader dates the status changes about 1 h
    # (routed), 9 h (acknowledged), 24 h (in progress) and 46 h (resolved) after receipt.
    internal = spec["internal_by_dept"].get(department) or spec["notes"]["internal"]["ja"]
    if department and step >= 1 and internal and rng.random() < 0.65:
        notes.append(_note("internal", internal[0], "operator", _int(rng, 40, 120), cap, slots))
        if step >= 3 and len(internal) > 1 and rng.random() < 0.5:
            body, minutes = _one(rng, internal[1:]), _int(rng, 25 * 60, 44 * 60)
            notes.append(_note("internal", body, "lead", minutes, cap, slots))

    # what we told the customer
    answered = step >= 2 if department else status in ("resolved", "closed")
    if answered and rng.random() < 0.75:
        body = _pick_text(
            rng, spec["notes"]["response"], lang, final=status in ("resolved", "closed")
        )
        if body:
            if department is None:
                role, minutes = "operator", _int(rng, 5, 40)
            elif step >= 5:
                role, minutes = _one(rng, ("operator", "lead")), _int(rng, 26 * 60, 45 * 60)
            else:
                role, minutes = _one(rng, ("operator", "lead")), _int(rng, 10 * 60, 60 * 60)
            notes.append(_note("response", body, role, minutes, cap, slots))
    notes.sort(key=_after)
    return notes[:4]
