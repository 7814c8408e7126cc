"""gunicorn entry point for the benchmark: the app of wsgi.py, as RELQ_CONFIG builds it, with
the session cookie not marked Secure, because the benchmark speaks plain HTTP on loopback
(see serve.sh).  Everything else, including RELQ_CONFIG=production, is unchanged.

BENCH_PAGE_CACHE=off (serve.sh passes it on) measures the case list as it costs when its kept
page cannot be used (right after any write, or a query nobody asked since): the `kept(...)` of
the list's page of rows and count (relq.cases.listing's "case-page"; "cases.index" in
relq.cases.views before the list became data) computes every time; the other kept values (the
filter form's HTML, the parsed query string, the menu) stay as they are.  A measuring aid
only: relq has no such setting."""

import os

from relq import create_app

app = create_app({"SESSION_COOKIE_SECURE": False})

if os.environ.get("BENCH_PAGE_CACHE", "on") == "off":
    import importlib

    import relq.cache

    def _page_not_kept(topics, key, compute):
        if isinstance(key, tuple) and key and key[0] in ("case-page", "cases.index"):
            return compute()
        return relq.cache.kept(topics, key, compute)

    _patched = []
    for _name in ("relq.cases.listing", "relq.cases.views"):
        try:
            _module = importlib.import_module(_name)
        except ImportError:
            continue
        if getattr(_module, "kept", None) is relq.cache.kept:
            _module.kept = _page_not_kept
            _patched.append(_name)
    if not _patched:
        raise RuntimeError("BENCH_PAGE_CACHE=off: no module of the case list uses relq.cache.kept")
