"""Starter tags of the vehicle and financial-services templates (relq.tags.defaults), in the
same form as the catalogue there: categories (code, name_ja, name_en) and tags (code, name_ja,
name_en, triggers). Triggers avoid the words such an office hears on every case (ディーラー,
走行中, 口座): a trigger that fires everywhere tags nothing."""

from __future__ import annotations

CATEGORIES = [
    ("vehicle", "車両の不具合", "Vehicle faults"),
    ("aftersales", "点検・修理", "Inspection and repair"),
    ("account", "口座・取引", "Accounts and transactions"),
    ("card", "カード", "Cards"),
    ("lending", "ローン・融資", "Loans"),
    ("fraud", "不正・詐欺", "Fraud"),
]

TAGS = [
    (
        "vehicle.engine",
        "エンジン・駆動系",
        "Engine and drivetrain",
        ["エンジン", "エンスト", "加速", "変速", "ミッション", "engine", "stall", "transmission"],
    ),
    (
        "vehicle.brakes",
        "ブレーキ・安全装置",
        "Brakes and safety systems",
        ["ブレーキ", "abs", "自動ブレーキ", "衝突", "エアバッグ", "brake", "airbag"],
    ),
    (
        "vehicle.electrical",
        "電装・警告灯",
        "Electrics and warning lights",
        ["警告灯", "バッテリー", "電装", "ナビ", "モニター", "warning light", "battery"],
    ),
    (
        "vehicle.body",
        "車体・内装",
        "Body and interior",
        ["雨漏り", "塗装", "錆", "さび", "異音", "内装", "rust", "paint", "rattle", "noise"],
    ),
    (
        "aftersales.recall",
        "リコール・改善対策",
        "Recalls",
        ["リコール", "改善対策", "サービスキャンペーン", "recall"],
    ),
    (
        "aftersales.repair",
        "修理・点検・車検",
        "Repair and inspection",
        ["修理", "整備", "点検", "車検", "代車", "repair", "inspection", "service appointment"],
    ),
    (
        "account.transfer",
        "振込・振替",
        "Transfers and direct debits",
        ["振込", "振替", "送金", "入金", "引き落とし", "transfer", "direct debit"],
    ),
    (
        "account.open_close",
        "口座開設・解約・名義変更",
        "Opening, closing, changing an account",
        ["口座開設", "解約", "名義変更", "住所変更", "open an account", "close my account"],
    ),
    (
        "account.fees",
        "手数料・金利",
        "Fees and interest",
        ["手数料", "金利", "利息", "fee", "interest"],
    ),
    (
        "account.atm",
        "ATM",
        "ATMs",
        ["atm", "引き出す", "預け入れ", "withdraw", "cash machine"],
    ),
    (
        "card.lost",
        "カードの紛失・再発行",
        "Lost card and reissue",
        ["紛失", "再発行", "暗証番号", "盗難", "lost card", "pin", "stolen"],
    ),
    (
        "card.declined",
        "カードが使えない",
        "Card declined",
        ["使えない", "決済 できる", "利用 停止", "declined", "card not working"],
    ),
    (
        "lending.loan",
        "ローンの審査・返済",
        "Loan applications and repayment",
        ["ローン", "融資", "審査", "返済", "繰り上げ", "loan", "mortgage", "repayment"],
    ),
    (
        "fraud.suspicious",
        "不正利用・詐欺",
        "Unauthorised use and scams",
        ["不正", "身に覚え", "詐欺", "フィッシング", "なりすまし", "fraud", "scam", "phishing"],
    ),
]

VEHICLE_CODES = (
    "vehicle.engine",
    "vehicle.brakes",
    "vehicle.electrical",
    "vehicle.body",
    "aftersales.recall",
    "aftersales.repair",
    "safety.fire_injury",
)
FINANCE_CODES = (
    "account.transfer",
    "account.open_close",
    "account.fees",
    "account.atm",
    "card.lost",
    "card.declined",
    "lending.loan",
    "fraud.suspicious",
)
