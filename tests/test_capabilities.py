"""Each capability is one declaration (relq/capability.py), walked by create_app from the
explicit tuple in relq/capabilities.py; a declaration that does not fit stops the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from relq.capabilities import capabilities
from relq.capability import Capability, CapabilityError, install
from relq.cases.panels import Panel
from relq.nav import NavItem

RELQ = Path(__file__).resolve().parent.parent / "relq"


def _receiver(*_args, **_kwargs) -> None:
    pass


def _panel(_case, _user) -> None:
    return None


def test_every_package_with_pages_is_declared_and_installed(app):
    declared = {c.name for c in capabilities()}
    # (views.py, or one views module per part: relq/enps/rounds_views.py ...)
    with_pages = {p.parent.name for p in RELQ.glob("*/*views.py")}
    assert with_pages == declared
    # Every blueprint of the app comes from a declaration, and every declaration's is there.
    # (a declaration's blueprint may hold its parts' own: "enps.rounds" is inside "enps")
    outermost = {name for name in app.blueprints if "." not in name}
    assert outermost == {c.blueprint.name for c in capabilities() if c.blueprint}
    # The audit trail words every code of every capability, and the timeline knows none.
    labels = app.extensions["relq"].audit_labels
    assert {"escalation.closed", "case.created", "tag.accept", "user.logged_in"} <= set(labels)


def test_the_clock_runs_the_declared_steps_in_order(app):
    assert [name for name, _ in app.extensions["relq"].ticks] == [
        "deadlines",
        "handoffs",  # overdue and stalled handoffs, before the escalations and e-mails they raise
        "escalations",
        "notify",
        "enps",  # the reasons' words for the comment themes (relq/enps/themes.py)
        "csat",  # satisfaction surveys that came due since a case closed (relq/csat)
        "privacy",  # the retention job: a batch of old cases and customers (relq/privacy)
        "digest",  # the Monday e-mail of last week's digest (relq/digest/delivery.py)
        "mailin",  # polls the mailbox and processes waiting e-mail, after the commit (relq/mailin)
    ]


@pytest.mark.parametrize(
    "broken, message",
    [
        (Capability("x", receivers={"case_exploded": (_receiver,)}), "case_exploded"),
        (Capability("x", menu=(NavItem("x.nowhere", _l("Nowhere")),)), "has no view"),
        (Capability("x", audit_labels={"case.created": _l("Again")}), "declared twice"),
        (Capability("cases"), "declared twice"),
        (Capability("x", panels=(Panel("x", "x/_none.html", "main", _panel),)), "not found"),
    ],
)
def test_a_declaration_that_does_not_fit_stops_the_app_at_start(broken, message):
    app = Flask("broken", template_folder=str(RELQ.parent / "templates"))
    with pytest.raises(CapabilityError, match=message):
        install(app, (*capabilities(), broken))


def test_a_capability_with_its_own_blueprint_installs(app):
    extra = Capability("extra", blueprint=Blueprint("extra", __name__))
    other = Flask("other", template_folder=str(RELQ.parent / "templates"))
    installed = install(other, (*capabilities(), extra))
    assert "extra" in other.blueprints and installed.capabilities[-1] is extra


def test_receivers_run_in_the_order_of_the_capabilities_not_blinkers(app):
    """blinker keeps a signal's receivers in a set: relq calls them itself, in order."""
    from relq import events

    heard: list[str] = []
    # Many receivers, so that a set's order would show: each appends its own name.
    names = [f"c{i}" for i in range(12)]
    declared = tuple(
        Capability(
            name,
            receivers={"surge_recorded": ((lambda n: lambda *_a, **_k: heard.append(n))(name),)},
        )
        for name in names
    )
    other = Flask("ordered", template_folder=str(RELQ.parent / "templates"))
    install(other, declared)  # only these: no other receiver of the signal
    with other.app_context():
        events.surge_recorded.send(None, alert=None)
    assert heard == names
    created = app.extensions["relq"].receivers["case_created"]
    assert created[-1].__module__ == "relq.routing.events"  # after clocks and notifications


def _recorded_actions() -> tuple[set[str], set[str]]:
    """The audit codes the code records: literal actions of record()/apply_changes() calls and
    of assignments to a variable named `action`; and the prefixes of f-string actions."""
    import ast

    literals: set[str] = set()
    prefixes: set[str] = set()
    for path in RELQ.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found: list[ast.AST] = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                "record",
                "apply_changes",
            ):
                found += node.args[:1] + [k.value for k in node.keywords if k.arg == "action"]
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    values = (
                        node.value.elts
                        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                        else [node.value]
                    )
                    found += [
                        v
                        for n, v in zip(names, values, strict=False)
                        if getattr(n, "id", "") == "action"
                    ]
            for value in found:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    literals.add(value.value)
                elif isinstance(value, ast.JoinedStr) and isinstance(value.values[0], ast.Constant):
                    prefixes.add(value.values[0].value)
    return literals, prefixes


def test_every_audit_code_the_code_records_is_worded_by_a_capability(app):
    """The audit trail and the case timeline never show a raw code such as routing_rule.moved."""
    labels = app.extensions["relq"].audit_labels
    literals, prefixes = _recorded_actions()
    assert len(literals) > 20, "the scan finds the codes"
    assert sorted(code for code in literals if code not in labels) == []
    assert sorted(p for p in prefixes if not any(code.startswith(p) for code in labels)) == []
    objects = app.extensions["relq"].audit_objects
    assert {"case", "note", "user", "department", "routing_rule"} <= set(objects)
