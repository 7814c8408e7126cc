"""What the demo's departments answer (対応済 / 対応しない), written for each kind of case, so
that a coffee maker that never arrived is not answered 「差額を返金しました」."""

from __future__ import annotations

# theme -> (Japanese answers, English answers) a department gives when it has done its part.
DONE_BY_THEME: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "foreign_object": (
        (
            "現品を回収して分析し、製造ラインの樹脂部品の欠けと特定しました。部品を交換し、"
            "同ロットの出荷を止めています。お客様には分析結果を書面でお送りしました。",
            "混入物は包材の一部でした。包装工程の検品を強化し、お客様に経緯をご説明しました。",
        ),
        (
            "We analysed the piece (packaging film), tightened packing checks and wrote to the "
            "customer with the result.",
        ),
    ),
    "kettle_lid_lock": (
        (
            "KT-200 の蓋ロック部品の寸法不良を確認しました。改良部品を無償でお送りし、"
            "同時期製造分の点検を始めています。",
            "現品を点検し、ロック爪の摩耗を確認しました。本体を新品と交換しました。",
        ),
        ("The lid lock was out of tolerance; we sent the improved part free of charge.",),
    ),
    "rice_cooker_error_e3": (
        (
            "E3 は温度センサーの接触不良でした。修理で部品を交換し、返送済みです。",
            "E3 エラーの基板を交換し、動作確認のうえ返送しました。代替機の貸し出しも手配しました。",
        ),
        ("E3 was a loose temperature sensor: repaired, tested and returned.",),
    ),
    "toaster_timer": (
        (
            "タイマー部品の不具合を確認し、修理して返送しました。",
            "同症状の報告を集約し、タイマー部品の仕入先に改善を依頼しました。本体は交換済みです。",
        ),
        ("The timer switch was faulty: repaired and returned.",),
    ),
    "appliance_smoke": (
        (
            "現品を回収して調査し、電源コード付け根の断線と特定しました。お客様宅へ伺い謝罪し、"
            "新品をお渡ししました。同ロットの点検を進めています。",
        ),
        (
            "We collected the unit (a broken cord at the base), apologised in person and "
            "replaced it; the lot is being checked.",
        ),
    ),
    "food_quality": (
        (
            "保管サンプルを確認し、品質に異常はありませんでした。味のばらつきについて製造に"
            "共有し、お客様には代替品をお送りしました。",
            "同ロットの官能検査で風味の劣化を確認しました。該当ロットの出荷を止め、代替品を発送済みです。",
        ),
        ("The retained sample was in spec; we shared the feedback and sent a replacement.",),
    ),
    "food_illness": (
        ("同ロットの細菌検査は陰性でした。検査結果と保健所への報告内容をお客様にご説明しました。",),
        (
            "The lot tested negative; we explained the results and our report to the health "
            "centre to the customer.",
        ),
    ),
    "allergen_question": (
        ("原材料と製造ラインを確認し、特定原材料の使用状況を書面でご回答しました。",),
        ("We checked the ingredients and the line and answered in writing.",),
    ),
    "repair_request": (
        ("修理品を受け取り、部品交換のうえ返送しました。保証期間内のため無償です。",),
        ("Repaired under warranty and sent back.",),
    ),
    "late_delivery": (
        (
            "配送業者に確認し、中継拠点での滞留が原因でした。翌日着で再手配し、お届けを確認しました。",
            "出荷処理の遅れでした。本日発送し、追跡番号をお客様にお知らせしました。",
        ),
        ("The parcel was held at a depot; we re-sent it next-day and confirmed delivery.",),
    ),
    "damaged_package": (
        ("破損品を回収し、代わりの品を発送しました。梱包材を見直しています。",),
        ("We collected the damaged item, sent a new one and are reviewing the packing.",),
    ),
    "wrong_item": (
        ("誤出荷を確認しました。正しい商品を発送し、誤送品は着払いで回収します。",),
        ("Wrong item confirmed: the right one is on its way and we will collect the other.",),
    ),
    "delivery_change": (
        ("配送業者に連絡し、お届け日時を変更しました。",),
        ("We changed the delivery date with the carrier.",),
    ),
    "double_charge": (
        (
            "二重決済を確認し、重複分の取消をカード会社に依頼しました。お客様に取消日をご連絡済みです。",
        ),
        ("We confirmed the double charge and asked the card company to reverse it.",),
    ),
    "refund_request": (
        ("返品を確認し、ご指定の口座へ返金しました。",),
        ("Return received; the refund was paid to the customer's account.",),
    ),
    "receipt_request": (
        ("領収書を発行し、ご登録の住所へ郵送しました。",),
        ("We issued the receipt and posted it.",),
    ),
    "app_login": (
        (
            "認証サーバーの設定不備で一部の方がログインできませんでした。修正済みで、お客様のログインを確認しました。",
        ),
        ("A sign-in server setting locked some users out; fixed, and the customer can log in.",),
    ),
    "points_missing": (
        ("付与漏れのポイントを手動で付与しました。原因の連携処理を修正しています。",),
        ("We added the missing points by hand and are fixing the sync that lost them.",),
    ),
    "online_store_error": (
        ("決済画面のエラーを修正しました。ご注文は手動で受け付け、発送済みです。",),
        ("Checkout error fixed; we took the order by hand and shipped it.",),
    ),
    "subscription_cancel": (
        ("定期便の解約手続きを完了し、次回以降の請求を止めました。",),
        ("The subscription is cancelled and no further charges will be made.",),
    ),
    "store_stock": (
        ("店舗の在庫を確認し、お取り置きを手配しました。",),
        ("We checked the shop's stock and put one aside for the customer.",),
    ),
    "staff_attitude": (
        (
            "店舗責任者から当該スタッフに指導し、店舗内で接客研修を行いました。お客様にお詫びの連絡をしました。",
        ),
        ("The shop manager spoke with the staff member and apologised to the customer.",),
    ),
    "product_suggestion": (
        ("商品企画会議でご意見を共有しました。次期モデルの検討項目に加えています。",),
        ("Shared at the product planning meeting; it is on the list for the next model.",),
    ),
    "product_usage": (
        ("お手入れ方法を図解した資料をお送りし、お電話でもご説明しました。",),
        ("We sent the illustrated care guide and talked the customer through it.",),
    ),
}

# department -> (Japanese, English) reasons for 対応しない that fit what the department does.
DECLINED_BY_DEPARTMENT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "qa": (
        (
            "販売店経由のご購入のため、販売店での対応になります。お客様へのご案内をお願いします。",
            "保証期間を過ぎており、無償交換の対象外です。有償修理のご案内をお願いします。",
        ),
        ("Out of warranty: please offer the paid repair instead.",),
    ),
    "logistics": (
        ("配送は提携ストアの自社便で、当社物流の所管外です。ストアへのご案内をお願いします。",),
        ("The partner shop delivered it with its own courier: please refer the customer to it.",),
    ),
    "accounting": (
        (
            "決済はカード会社側の処理で、当社での取消はできません。カード会社への照会をご案内ください。",
        ),
        ("The charge sits with the card company; please ask the customer to contact it.",),
    ),
    "it": (
        ("アプリ側の不具合は確認できませんでした。端末の OS 更新後の再ログインをご案内ください。",),
        ("We found no fault in the app; please suggest signing in again after the OS update.",),
    ),
    "sales": (
        (
            "ご要望は承りましたが、現時点で取り扱いの予定はありません。お客様へはその旨をお伝えください。",
        ),
        ("Noted, but we have no plan to stock it; please let the customer know.",),
    ),
}
GENERIC_DONE = (
    ("ご指摘の件に対応し、お客様にご連絡しました。",),
    ("Done, and the customer has been told.",),
)
GENERIC_DECLINED = (
    ("当部の所管ではありません。担当部署へのお振り分けをお願いします。",),
    ("Not ours: please route it to the department that handles it.",),
)


def answer_text(action: str, theme: str | None, department: str, language: str, n: int) -> str:
    """The body of the demo department's answer: done fits the case's theme, declined fits the
    department."""
    if action == "complete":
        ja, en = DONE_BY_THEME.get(theme or "", GENERIC_DONE)
    elif action == "decline":
        ja, en = DECLINED_BY_DEPARTMENT.get(department, GENERIC_DECLINED)
    else:
        return ""
    texts = en if language == "en" else ja
    return texts[n % len(texts)]
