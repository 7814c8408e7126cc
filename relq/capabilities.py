"""The capabilities of this relq, in the order they are installed (relq/capability.py).

The order matters where they meet: receivers of the same signal run in this order (a new
case's clocks, escalation checks and notifications come before a routing rule routes it, so
that routing is seen like a person's), and so do the clock's steps (deadlines stamp what was
missed, escalations raise on it, notifications go out last). A new capability is one line
here and one `capability.py` in its package.
"""

from __future__ import annotations

from relq.capability import Capability


def capabilities() -> tuple[Capability, ...]:
    # Imported here, when an app is built, not when relq is imported: each brings its views.
    from relq.answers.capability import CAPABILITY as answers
    from relq.api.capability import CAPABILITY as api
    from relq.audit.capability import CAPABILITY as audit
    from relq.auth.capability import CAPABILITY as auth
    from relq.cases.capability import CAPABILITY as cases
    from relq.csat.capability import CAPABILITY as csat
    from relq.deadlines.capability import CAPABILITY as deadlines
    from relq.digest.capability import CAPABILITY as digest
    from relq.enps.capability import CAPABILITY as enps
    from relq.escalations.capability import CAPABILITY as escalations
    from relq.handoffs.capability import CAPABILITY as handoffs
    from relq.harassment.capability import CAPABILITY as harassment
    from relq.mailin.capability import CAPABILITY as mailin
    from relq.notify.capability import CAPABILITY as notify
    from relq.org.capability import CAPABILITY as org
    from relq.privacy.capability import CAPABILITY as privacy
    from relq.relations.capability import CAPABILITY as relations
    from relq.review.capability import CAPABILITY as review
    from relq.routing.capability import CAPABILITY as routing
    from relq.tags.capability import CAPABILITY as tags
    from relq.thanks.capability import CAPABILITY as thanks
    from relq.themes.capability import CAPABILITY as themes

    return (
        auth,
        cases,
        org,
        audit,
        tags,
        themes,
        answers,
        deadlines,
        handoffs,
        escalations,
        notify,
        harassment,
        thanks,
        routing,
        relations,
        enps,
        csat,
        privacy,
        digest,
        api,
        review,
        mailin,
    )
