"""The API's bodies as pydantic models: what SpecTree validates requests against and writes
into the OpenAPI document. Input models refuse unknown fields (`extra="forbid"`) and take
numbers and strings as they are (strict: "3" is not a severity); every text refuses control
characters, as every form does (relq/forms.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from relq.cases.models import CHANNELS, KINDS, NOTE_KINDS, STATUSES, TRANSITIONS
from relq.cases.services import SORTS
from relq.forms import REFUSED_CHARACTERS
from relq.security import MAX_ID


def _printable(value: str) -> str:
    if REFUSED_CHARACTERS.search(value):
        raise ValueError("control characters are not accepted")
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802  (reads as a type)
    return Annotated[
        StrictStr,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_printable),
    ]


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Channel = Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
Status = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
NoteKind = Literal[tuple(NOTE_KINDS)]  # type: ignore[valid-type]
Action = Literal[tuple(TRANSITIONS)]  # type: ignore[valid-type]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
Severity = Annotated[StrictInt, Field(ge=1, le=4)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- errors -------------------------------------------------------------------------------------


class FieldProblem(Output):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Output):
    """RFC 9457 problem details (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[FieldProblem] | None = None


# ---- cases --------------------------------------------------------------------------------------


class CaseListQuery(Input):
    """The case list page's filters (the same query), and cursor paging."""

    status: list[Status] = Field(default_factory=list)
    kind: list[Kind] = Field(default_factory=list)
    severity: list[Annotated[int, Field(ge=1, le=4)]] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    department_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    mine: bool = False
    tag: Annotated[str, Field(max_length=64), AfterValidator(_printable)] = ""
    received_from: AwareDatetime | None = None
    received_until: AwareDatetime | None = None
    q: Annotated[str, Field(max_length=200), AfterValidator(_printable)] = ""
    scope: Literal["open", "all"] = "open"
    sort: Sort = "-received_at"
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str, Field(max_length=500)] | None = None


class CaseSummary(Output):
    id: int
    ref: str
    received_at: datetime
    kind: str
    severity: int
    subject: str
    status: str
    channel: str
    department_ja: str | None
    department_en: str | None
    assignee: str | None
    version: int
    next_deadline_kind: str | None
    next_deadline_due_at: datetime | None
    next_deadline_paused: bool


class CasePage(Output):
    items: list[CaseSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class CustomerIn(Input):
    name: Text(120) = ""
    email: Text(254) = ""
    phone: Text(32) = ""


class CaseCreate(Input):
    kind: Kind
    channel: Channel
    received_at: AwareDatetime | None = Field(
        default=None, description="When the customer made contact; now when left out."
    )
    subject: Text(200, 1)
    customer_words: Text(10000, 1)
    product: Text(120) = ""
    remedy_requested: Text(2000) = ""
    severity: Severity = 3
    responsible_department_id: Id | None = None
    customer: CustomerIn | None = None
    observation: Text(5000) = ""


class CaseUpdate(Input):
    version: StrictInt = Field(description="The version you read: 409 when it changed since.")
    kind: Kind | None = None
    channel: Channel | None = None
    received_at: AwareDatetime | None = None
    subject: Text(200, 1) | None = None
    customer_words: Text(10000, 1) | None = None
    product: Text(120) | None = None
    remedy_requested: Text(2000) | None = None
    severity: Severity | None = None


class TransitionIn(Input):
    action: Action
    version: StrictInt
    department_id: Id | None = None
    reason: Text(2000) = ""
    planned_for: date | None = None


class CustomerOut(Output):
    name: str | None
    email: str | None
    phone: str | None


class CaseDetail(Output):
    id: int
    ref: str
    kind: str
    channel: str
    status: str
    severity: int
    received_at: datetime
    subject: str
    customer_words: str
    product: str
    remedy_requested: str
    intake_department_id: int
    responsible_department_id: int | None
    assignee_id: int | None
    customer: CustomerOut | None
    tags: list[str]
    allowed_actions: list[str] = Field(description="The transitions you may make now.")
    created_at: datetime
    updated_at: datetime
    version: int


class NoteIn(Input):
    kind: NoteKind
    body: Text(10000, 1)


class NoteOut(Output):
    id: int
    kind: str
    body: str
    author: str
    created_at: datetime


class NoteList(Output):
    items: list[NoteOut]


# ---- vocabularies -------------------------------------------------------------------------------


class TagOut(Output):
    id: int
    code: str
    name_ja: str
    name_en: str
    parent_code: str | None


class TagList(Output):
    items: list[TagOut]


class DepartmentOut(Output):
    id: int
    code: str
    name_ja: str
    name_en: str
    is_customer_contact: bool


class DepartmentList(Output):
    items: list[DepartmentOut]


# ---- handoffs, escalations, themes, surges -----------------------------------------------------


class PageQuery(Input):
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str, Field(max_length=200)] | None = None


class HandoffOut(Output):
    id: int
    case_id: int | None
    requester_department_id: int
    provider_department_id: int
    status: str
    ask: str
    why: str
    requested_at: datetime
    due_at: datetime
    accepted_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    bounces: int
    version: int


class HandoffPage(Output):
    items: list[HandoffOut]
    next_cursor: str | None


class EscalationQuery(PageQuery):
    state: Literal["open", "closed", "all"] = "open"


class EscalationOut(Output):
    id: int
    case_id: int | None
    handoff_id: int | None
    surge_alert_id: int | None
    reason: str
    level: int
    department_id: int | None
    detail: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    decision: str


class EscalationPage(Output):
    items: list[EscalationOut]
    next_cursor: str | None


class ThemeQuery(Input):
    start: AwareDatetime
    end: AwareDatetime
    department_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    kind: Kind | None = None
    source: Literal["voice", "observation"] = "voice"


class ThemeOut(Output):
    key: str
    label: str
    phrases: list[str]
    count: int
    case_ids: list[int] = Field(description="The cases of this period you may open.")
    change: float | None


class ThemeList(Output):
    items: list[ThemeOut]


class SurgeOut(Output):
    id: int
    label: str
    kind: str
    week_end: date
    observed: int
    expected: float
    p_value: float
    case_ids: list[int]
    created_at: datetime


class SurgeList(Output):
    items: list[SurgeOut]


# ---- eNPS (only what the anonymity gate shows) ---------------------------------------------------


class EnpsRoundOut(Output):
    id: int
    name: str
    status: str
    period_start: date
    period_end: date


class EnpsRoundList(Output):
    items: list[EnpsRoundOut]


class EnpsResultsQuery(Input):
    department_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class EnpsScore(Output):
    department_id: int | None
    band: str | None = None
    band_id: int | None = None
    n: int
    enps: float
    promoters: int
    passives: int
    detractors: int
    change: float | None = None


class EnpsResults(Output):
    round_id: int
    department_id: int | None
    company: EnpsScore | None = Field(description="Null when the gate does not show it.")
    focus: EnpsScore | None
    departments: list[EnpsScore] = Field(description="Only the departments the gate shows.")
    bands: list[EnpsScore] = Field(description="Only the band cuts the gate shows.")


# ---- tokens (a token's own view of itself) ------------------------------------------------------


class WhoAmI(Output):
    user_id: int
    name: str
    role: str
    department_id: int
    token_scope: str
    is_active: StrictBool
