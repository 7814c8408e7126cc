"""Access-matrix rows for personal data (APPI): the purpose of use is everyone's; every officer
page (finding, disclosing, correcting, erasing customers, requests, the read log, the
settings) is the admin's."""

from datetime import date

from relq.cases.services import CustomerInput
from relq.privacy.services import open_request
from tests.access import EVERYONE
from tests.factories import make_case

OFFICER = {"admin"}
EXPECTED = {
    "privacy.purpose": EVERYONE,
    "privacy.index": OFFICER,
    "privacy.settings": OFFICER,
    "privacy.customer": OFFICER,
    "privacy.new_request": OFFICER,
    "privacy.close_request": OFFICER,
    "privacy.correct": OFFICER,
    "privacy.erase": OFFICER,
    "privacy.export": OFFICER,
    "privacy.read_log": OFFICER,
}


def arguments(org, case):
    with_customer = make_case(
        org.operator, customer=CustomerInput(name="山田 花子", email="hanako@example.jp")
    )
    request = open_request(
        org.admin, with_customer.customer, kind="disclose", received_on=date.today()
    )
    return {"customer_id": with_customer.customer_id, "request_id": request.id}
