"""Ids in URLs beyond what the id columns hold answer 404, on every `<int:...>` route."""

from __future__ import annotations

import re

import pytest

INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:\w+>")
OTHER_ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?\w+>")
# Beyond PostgreSQL's integer (the id columns), beyond 64 bits signed, beyond 64 bits at all.
TOO_BIG = (2**31, 2**63, 99999999999999999999)


def _int_rules(app):
    return [rule for rule in app.url_map.iter_rules() if INT_ARGUMENT.search(rule.rule)]


def test_there_are_int_routes_to_check(app):
    endpoints = {rule.endpoint for rule in _int_rules(app)}
    assert {"cases.detail", "escalations.detail", "org.edit_user"} <= endpoints


@pytest.mark.parametrize("number", TOO_BIG)
def test_too_big_ids_answer_404_on_every_route(app, org, login_as, number):
    people = [org.operator, org.lead_qa, org.executive, org.admin]
    clients = [login_as(person) for person in people]
    tokens = [client.csrf("/account/password") for client in clients]
    refused = []
    for rule in _int_rules(app):
        path = OTHER_ARGUMENT.sub("x", INT_ARGUMENT.sub(str(number), rule.rule))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for person, client, token in zip(people, clients, tokens, strict=True):
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.http.open(path, method=method, data={"csrf_token": token})
                if response.status_code != 404:
                    refused.append((method, path, person.role, response.status_code))
    assert refused == []


def test_ids_in_range_still_reach_their_page(org, login_as):
    from tests.factories import make_case

    case = make_case(org.operator)
    assert login_as(org.operator).get(f"/cases/{case.id}").status_code == 200
    assert login_as(org.operator).get("/cases/0").status_code == 404
