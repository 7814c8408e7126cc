"""How a capability plugs into relq: once, in one object.

Each package declares what it brings in its `capability.py` (`CAPABILITY = Capability(...)`):
its blueprint, the receivers of relq.events' signals it connects (by the signal's name), its
step of the clock, its menu items, its panels on the case page, the words of its audit codes,
and its section of the weekly digest. `create_app` installs the explicit tuple that
relq.capabilities.capabilities() returns; nothing registers itself by being imported.
What does not fit (a signal that does not exist, a menu item without a view, an audit code
declared twice) stops the app at start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import NamedSignal
from flask import Blueprint, Flask, current_app
from jinja2 import TemplateNotFound

from relq import events
from relq.cases.panels import Panel
from relq.nav import NavItem


class CapabilityError(RuntimeError):
    """A capability's declaration does not fit the app; the message says which and why."""


@dataclass(frozen=True)
class Capability:
    name: str
    blueprint: Blueprint | None = None
    # relq.events' signal name -> the receivers this capability connects to it, in order.
    receivers: Mapping[str, tuple[Callable[..., Any], ...]] = field(default_factory=dict)
    # The clock's step (relq/tick.py): called with the time, in a transaction of its own.
    tick: Callable[[datetime], Any] | None = None
    menu: tuple[NavItem, ...] = ()
    panels: tuple[Panel, ...] = ()
    # Stored audit action code -> its words (a lazy string), for the audit trail and timeline.
    audit_labels: Mapping[str, Any] = field(default_factory=dict)
    # The words of the audit trail's objects (entity type -> label) and of coded values
    # ("entity_type.field" -> {stored code: label}), so the trail reads "状態: 受付 → 振り分け済"
    # and not "status: received → routed".
    audit_objects: Mapping[str, Any] = field(default_factory=dict)
    audit_values: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    # Its section of the weekly voice-of-customer digest (to come: issue 17).
    digest: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Installed:
    """What the app's capabilities bring, gathered once at start (app.extensions["relq"])."""

    capabilities: tuple[Capability, ...]
    menu: tuple[NavItem, ...]
    panels: tuple[Panel, ...]
    audit_labels: Mapping[str, Any]
    audit_objects: Mapping[str, Any]
    audit_values: Mapping[str, Mapping[Any, Any]]
    ticks: tuple[tuple[str, Callable[[datetime], Any]], ...]
    # relq.events' signal name -> its receivers, in the capabilities' order (see _dispatcher).
    receivers: Mapping[str, tuple[Callable[..., Any], ...]]


def signals() -> dict[str, NamedSignal]:
    """relq.events' signals by their Python name (case_created, ...)."""
    return {name: value for name, value in vars(events).items() if isinstance(value, NamedSignal)}


def install(app: Flask, capabilities: tuple[Capability, ...]) -> Installed:
    known = signals()
    names = [c.name for c in capabilities]
    if len(set(names)) != len(names):
        raise CapabilityError(f"a capability is declared twice: {names}")
    labels: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    values: dict[str, Mapping[Any, Any]] = {}
    receivers: dict[str, list[Callable[..., Any]]] = {}
    for capability in capabilities:
        if capability.blueprint is not None:
            app.register_blueprint(capability.blueprint)
        for signal_name, its_receivers in capability.receivers.items():
            if signal_name not in known:
                raise CapabilityError(
                    f"{capability.name}: a receiver for {signal_name!r}, which relq.events "
                    f"does not send (known: {sorted(known)})"
                )
            receivers.setdefault(signal_name, []).extend(its_receivers)
        for code, label in capability.audit_labels.items():
            if code in labels:
                raise CapabilityError(f"{capability.name}: audit code {code!r} declared twice")
            labels[code] = label
        for gathered, found in (
            (objects, capability.audit_objects),
            (values, capability.audit_values),
        ):
            for key, words in found.items():
                if key in gathered:
                    raise CapabilityError(f"{capability.name}: audit words {key!r} declared twice")
                gathered[key] = words
    for capability in capabilities:
        for item in capability.menu:
            if item.endpoint not in app.view_functions:
                raise CapabilityError(f"{capability.name}: menu item {item.endpoint!r} has no view")
        for panel in capability.panels:
            try:
                app.jinja_env.loader.get_source(app.jinja_env, panel.template)
            except TemplateNotFound:
                raise CapabilityError(
                    f"{capability.name}: panel template {panel.template!r} not found"
                ) from None
    installed = Installed(
        capabilities=capabilities,
        menu=tuple(sorted((i for c in capabilities for i in c.menu), key=lambda i: i.order)),
        panels=tuple(sorted((p for c in capabilities for p in c.panels), key=lambda p: p.order)),
        audit_labels=labels,
        audit_objects=objects,
        audit_values=values,
        ticks=tuple((c.name, c.tick) for c in capabilities if c.tick is not None),
        receivers={name: tuple(found) for name, found in receivers.items()},
    )
    for name, signal in known.items():
        signal.connect(_dispatcher(name), weak=False)  # the same function: connected once
    app.extensions["relq"] = installed
    return installed


_dispatchers: dict[str, Callable[..., None]] = {}


def _dispatcher(signal_name: str) -> Callable[..., None]:
    """The one receiver relq connects to a signal: it calls the app's receivers of that signal
    in the order of relq/capabilities.py (blinker itself promises no order, and the order
    matters: a new case's clocks exist before a routing rule routes it)."""
    found = _dispatchers.get(signal_name)
    if found is None:

        def dispatch(sender: Any, **kwargs: Any) -> None:
            for receiver in current_app.extensions["relq"].receivers.get(signal_name, ()):
                receiver(sender, **kwargs)

        dispatch.__name__ = f"dispatch_{signal_name}"
        found = _dispatchers[signal_name] = dispatch
    return found


def installed() -> Installed:
    return current_app.extensions["relq"]
