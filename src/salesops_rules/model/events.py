"""The events of the public contract (docs/contract.md §2), one pydantic model per kind.

Unknown fields are rejected rather than ignored: a misspelt `amout` must not turn into
a decision about an event without an amount.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from .jsonread import MAX_STRING, quoted
from .money import Money, PositiveMoney

# The company's working day is the one on its walls: an aware timestamp is read in
# China Standard Time and kept naive, so "the same day" means the same calendar day.
COMPANY_TZ = dt.timezone(dt.timedelta(hours=8), "CST")

# The days an event may be dated in (docs/contract.md, "Bounds"): wide for any business
# record, and far enough from the calendar's ends that no date arithmetic overflows.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_IN_RANGE = f"an event's dates are from {EARLIEST.isoformat()} to {LATEST.isoformat()}"
ODOMETER_LIMIT = 10**9  # kilometres: more than any vehicle runs
COUNT_LIMIT = 10**9  # papers in one record: more than any binding holds


def _local(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"`{value.isoformat()}` is out of range: {_IN_RANGE}")
    if value.tzinfo is not None:
        local = value.astimezone(COMPANY_TZ).replace(tzinfo=None)
        if not EARLIEST <= local.date() <= LATEST:
            raise ValueError(
                f"`{value.isoformat()}` is out of range once read in China Standard Time "
                f"(`{local.isoformat()}`): {_IN_RANGE}"
            )
        return local
    return value


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"`{value.isoformat()}` is out of range: {_IN_RANGE}")
    return value


_NUMBER_TEXT = re.compile(r"\s*[-+]?[0-9]+(?:\.[0-9]*)?\s*")


def _not_a_number(value: Any) -> Any:
    # pydantic would read a number, or a string of digits, as seconds since 1970:
    # `"date": 0` or `"date": "0"` must not pass as 1970-01-01.
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _NUMBER_TEXT.fullmatch(value)):
        raise ValueError(
            f"{quoted(value)} is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`"
        )
    return value


_LAX_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


def _flag(value: Any) -> bool:
    # pydantic would take "yes", "n", 1 and 0 as booleans: the contract says true or false.
    if value is True or value is False:
        return value
    _LAX_BOOL.validate_python(value)  # what pydantic refuses keeps pydantic's message
    raise ValueError(f"{quoted(value)} is not a boolean: send JSON `true` or `false`")


def _whole_number(value: Any) -> int:
    # pydantic would take true as 1 and "1_000" as 1000: only a JSON integer is one.
    if type(value) is int:
        return value
    raise ValueError(f"{quoted(value)} is not an integer: send a JSON integer such as `1200`")


Timestamp = Annotated[dt.datetime, BeforeValidator(_not_a_number), AfterValidator(_local)]
Day = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_in_range)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Odometer = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, lt=ODOMETER_LIMIT)]
Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, lt=COUNT_LIMIT)]

Role = Literal["clerk", "logistics_supervisor", "general_manager", "driver", "finance"]
ROLES: tuple[str, ...] = ("clerk", "logistics_supervisor", "general_manager", "driver", "finance")

DocumentCode = Literal[
    "business_licence", "organisation_code", "tax_registration", "id_card_front", "id_card_back"
]

ViolationCode = Literal[
    "contract_limit_exceeded",
    "improper_voucher_for_payment",
    "unauthorised_credit",
    "cash_not_handed_over",
    "private_vehicle_use",
    "vehicle_not_serviced",
    "other_breach",
    "serious_disorder",
    "false_or_withheld_records",
    "forged_or_destroyed_vouchers",
    "fraud_against_company",
    "malpractice_or_leak",
    "serious_negligence_loss",
    "major_traffic_accident",
    "other_serious_misconduct",
]


class Strict(BaseModel):
    # A string longer than the JSON reader takes is refused here too, for events given as dicts.
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=MAX_STRING)


class Employee(Strict):
    id: str = Field(min_length=1)
    role: Role
    monthly_salary: Money | None = None


class ApprovalRecord(Strict):
    role: Role
    by: str = Field(min_length=1)
    at: Timestamp
    mode: Literal["signed", "consent"] = "signed"


class Customer(Strict):
    id: str = Field(min_length=1)
    type: Literal["existing", "new"]
    legal_form: Literal["company", "individual"]
    documents: tuple[DocumentCode, ...] = ()
    sealed: Flag = False
    address: str | None = None
    phone: str | None = None
    contact: str | None = None


class Instalment(Strict):
    due: Day
    amount: PositiveMoney


class EventBase(Strict):
    id: str = Field(min_length=1)
    date: Day | None = None
    employee: Employee | None = None

    # The kind's own timestamp that dates the event when `date` is absent.
    dated_by: ClassVar[str | None] = None

    @model_validator(mode="after")
    def _needs_a_date(self) -> EventBase:
        if self.date is None and self.dated_by is None:
            raise ValueError("`date` is required for this kind of event")
        return self

    @property
    def event_date(self) -> dt.date:
        if self.date is not None:
            return self.date
        stamp: dt.datetime | dt.date = getattr(self, self.dated_by or "date")
        return stamp.date() if isinstance(stamp, dt.datetime) else stamp


class Contract(EventBase):
    kind: Literal["contract"]
    customer: Customer
    product_class: Literal["stock", "made_to_order", "custom"]
    amount: PositiveMoney
    deposit_paid: Money = Decimal(0)
    status: Literal["draft", "signed"] = "draft"
    prepared_by: str = Field(min_length=1)
    approvals: tuple[ApprovalRecord, ...] = ()
    collection_schedule: tuple[Instalment, ...] = ()
    # 第十四条 立时上报: when the customer of a sale of 5000 or more was reported to the general manager
    customer_reported_at: Timestamp | None = None

    @model_validator(mode="after")
    def _schedule_within_amount(self) -> Contract:
        total = sum((i.amount for i in self.collection_schedule), Decimal(0))
        if total > self.amount:
            raise ValueError(
                f"`collection_schedule` totals {total}, more than the contract `amount` {self.amount}"
            )
        return self


class CreditSale(EventBase):
    kind: Literal["credit_sale"]
    customer: Customer
    amount: PositiveMoney
    risk_assessment: Flag = False
    guaranteed_by: str | None = None
    approvals: tuple[ApprovalRecord, ...] = ()
    general_manager_away: Flag = False
    # When the credit was given: the approval must come first (第二十六条 同意后方可欠账)
    credit_given_at: Timestamp | None = None


class CashReceipt(EventBase):
    kind: Literal["cash_receipt"]
    received_at: Timestamp
    amount: PositiveMoney
    employee: Employee
    payment_slip: Flag = False
    handed_to_finance_at: Timestamp | None = None
    permission: ApprovalRecord | None = None
    # 第二十八条 无论收到何种款项: what was received; only cash falls under 第二十七、二十九条
    payment_form: Literal["cash", "bank_transfer", "cheque", "bill", "other"] = "cash"
    dated_by = "received_at"

    @model_validator(mode="after")
    def _handed_after_received(self) -> CashReceipt:
        if self.handed_to_finance_at is not None and self.handed_to_finance_at < self.received_at:
            raise ValueError(
                f"`handed_to_finance_at` {self.handed_to_finance_at.isoformat()} is before "
                f"`received_at` {self.received_at.isoformat()}"
            )
        return self


class Shipment(EventBase):
    kind: Literal["shipment"]
    shipped_at: Timestamp
    logistics_mode: str | None = None
    consignee: str | None = None
    destination: str | None = None
    customer_notified: Flag = False
    dated_by = "shipped_at"


class VehicleTrip(EventBase):
    kind: Literal["vehicle_trip"]
    vehicle: str = Field(min_length=1)
    employee: Employee
    purpose: Literal["business", "private"]
    approvals: tuple[ApprovalRecord, ...] = ()
    odometer_start: Odometer | None = None
    odometer_end: Odometer | None = None
    fuel_litres: Money | None = None

    @model_validator(mode="after")
    def _odometer_forward(self) -> VehicleTrip:
        start, end = self.odometer_start, self.odometer_end
        if start is not None and end is not None and end < start:
            raise ValueError(f"`odometer_end` {end} is below `odometer_start` {start}")
        return self


class VehicleService(EventBase):
    kind: Literal["vehicle_service"]
    vehicle: str = Field(min_length=1)
    due: Day
    done: Day | None = None
    employee: Employee
    vehicle_since: Day | None = None
    dated_by = "due"

    @model_validator(mode="after")
    def _done_after_vehicle_existed(self) -> VehicleService:
        if self.vehicle_since is not None and self.done is not None and self.done < self.vehicle_since:
            raise ValueError(
                f"`done` {self.done.isoformat()} is before the vehicle existed "
                f"(`vehicle_since` {self.vehicle_since.isoformat()})"
            )
        return self


class ArchiveAccess(EventBase):
    kind: Literal["archive_access"]
    employee: Employee
    action: Literal["read", "copy", "excerpt", "take_out"]
    approvals: tuple[ApprovalRecord, ...] = ()


class OrderVoucher(EventBase):
    kind: Literal["order_voucher"]
    complete: Flag  # 完整: each paper filled in fully (an incomplete one is returned)
    accurate: Flag
    reliable: Flag
    # 齐全: every paper of the set is there (a set with papers missing is refused); null: not recorded
    papers_complete: Flag | None = None


class Incident(EventBase):
    kind: Literal["incident"]
    employee: Employee
    violation: ViolationCode


# ---- Kinds a ledger records apart, for the rules across events (see docs/contract.md) ----

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class CashHandover(EventBase):
    """Cash handed to finance, recorded apart from its `cash_receipt` (第二十七至二十九条)."""

    kind: Literal["cash_handover"]
    receipt: str = Field(min_length=1)  # the `id` of the cash_receipt event
    handed_at: Timestamp
    amount: PositiveMoney | None = None
    payment_slip: Flag = False
    received_by: str | None = None  # the finance staff member who took the cash
    dated_by = "handed_at"


class CreditSignature(EventBase):
    """The general manager's signature added after a credit sale given on consent (第二十六条 补签)."""

    kind: Literal["credit_signature"]
    credit_sale: str = Field(min_length=1)  # the `id` of the credit_sale event
    signed_by: str = Field(min_length=1)
    role: Role
    signed_at: Timestamp
    dated_by = "signed_at"


class CustomerArchiveReport(EventBase):
    """The customer archive reported to the general manager (第十四条): monthly, or at once for one sale."""

    kind: Literal["customer_archive_report"]
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)  # covered month; default: of `date`
    approvals: tuple[ApprovalRecord, ...] = ()  # the clerk's and the supervisor's signatures
    # 第十四条 立时上报: the `id` of the contract whose sale of 5000 or more this reports at once;
    # null for the monthly report (`contract_id`, not `contract`: that names a kind)
    contract_id: Annotated[str, Field(min_length=1)] | None = None


class InternalReview(EventBase):
    """The monthly internal review of sales logistics (第十九条)."""

    kind: Literal["internal_review"]
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)  # covered month; default: of `date`
    reviewers: tuple[str, ...] = ()
    reported_to_general_manager: Flag = False


# ---- Kinds added for 第十二、十六、二十条 (docs/contract.md, "Kinds added") ----


def _not_after_day(name: str, stamp: dt.datetime | None, day: dt.date | None) -> None:
    """A record of what happened by `day` cannot hold a time after that day."""
    if stamp is not None and day is not None and stamp.date() > day:
        raise ValueError(
            f"`{name}` {stamp.isoformat()} is after the event's `date` {day.isoformat()}: "
            "the event records what happened by its date"
        )


class SalesDocument(EventBase):
    """A sales document (销售单据), filled in from the customer's request and signed (第十二条)."""

    kind: Literal["sales_document"]
    prepared_by: str = Field(min_length=1)  # the clerk who filled it in, and signs it as clerk
    customer_request: Flag = False  # the customer's request (客户需求凭证) is on file as its evidence
    approvals: tuple[ApprovalRecord, ...] = ()  # the clerk's and the supervisor's signatures

    @model_validator(mode="after")
    def _signed_after_filled_in(self) -> SalesDocument:
        for i, record in enumerate(self.approvals):
            if self.date is not None and record.at.date() < self.date:
                raise ValueError(
                    f"`approvals[{i}].at` {record.at.isoformat()} is before the document's "
                    f"`date` {self.date.isoformat()}: nobody signs a document before it is filled in"
                )
        return self


class Receivable(EventBase):
    """A payment a customer owes, judged as it stands on `date` (第十六条)."""

    kind: Literal["receivable"]
    # The customer's id (`customer_id`, not `customer`: elsewhere `customer` is a whole record).
    customer_id: str = Field(min_length=1)
    amount: PositiveMoney  # the amount that falls due
    due: Day
    paid: Money = Decimal(0)  # paid by `date`
    customer_notified_at: Timestamp | None = None  # when the customer was told of the payment due
    reported_to_general_manager_at: Timestamp | None = None  # the written report of a payment overdue
    # The staff member who settled the receivable (wrote it off, gave a discount or more time).
    settled_by: Annotated[str, Field(min_length=1)] | None = None
    approvals: tuple[ApprovalRecord, ...] = ()  # the general manager's decision on a settlement

    @model_validator(mode="after")
    def _consistent(self) -> Receivable:
        if self.paid > self.amount:
            raise ValueError(f"`paid` {self.paid} is more than the `amount` due {self.amount}")
        _not_after_day("customer_notified_at", self.customer_notified_at, self.date)
        _not_after_day("reported_to_general_manager_at", self.reported_to_general_manager_at, self.date)
        if self.settled_by is not None and self.employee is not None and self.settled_by != self.employee.id:
            raise ValueError(
                f"`settled_by` `{self.settled_by}` is not the judged `employee` `{self.employee.id}`: "
                "a settlement is judged as the conduct of who made it"
            )
        return self


class Handover(EventBase):
    """Work handed over on a transfer or departure, supervised by the department supervisor (第二十条)."""

    kind: Literal["handover"]
    employee: Employee  # who is transferred or leaves
    reason: Literal["transfer", "departure"]
    successor: Annotated[str, Field(min_length=1)] | None = None  # the employee id of who takes over
    completed: Flag = False  # the handover is done: everything handed to the successor and signed for
    last_day: Day | None = None  # the employee's last day in the post
    approvals: tuple[ApprovalRecord, ...] = ()  # the supervisor's record of supervising it (监交)

    @model_validator(mode="after")
    def _two_people(self) -> Handover:
        if self.successor is not None and self.successor == self.employee.id:
            raise ValueError(
                f"`successor` `{self.successor}` is the `employee` who hands over: "
                "a handover needs two people"
            )
        if self.completed and self.successor is None:
            raise ValueError("`completed` is true but no `successor` is named: a handover is made to someone")
        return self


# ---- Kinds added for 第十、十八、三十四、三十五条 (docs/contract.md, "Issue 10: kinds added") ----

PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"  # a month, a quarter or a year


class Quotation(EventBase):
    """A price quoted to a customer (第十条): followed up until its final result."""

    kind: Literal["quotation"]
    customer_id: str = Field(min_length=1)
    amount: PositiveMoney | None = None


class QuotationOutcome(EventBase):
    """The final result of a quotation (第十条 直至报价的最终的结果)."""

    kind: Literal["quotation_outcome"]
    quotation: str = Field(min_length=1)  # the `id` of the quotation event
    outcome: Literal["accepted", "declined", "withdrawn"]


class HygieneCheck(EventBase):
    """The department's weekly hygiene self-check (第十八条 每周自检)."""

    kind: Literal["hygiene_check"]
    passed: Flag = True  # 干净、明亮、整洁整齐


class VoucherBinding(EventBase):
    """A month's vouchers bound in number order (第三十四条 每月装订成册)."""

    kind: Literal["voucher_binding"]
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)  # covered month; default: of `date`
    first_number: str | None = None  # 号数: the first and last voucher numbers bound
    last_number: str | None = None
    slips: Count | None = None  # 单据张数
    approvals: tuple[ApprovalRecord, ...] = ()  # the clerk's signature, the supervisor's filing


class DocumentFiling(EventBase):
    """Sales documents filed for a month, a quarter or a year (第三十五条 分月、季、年报按时归档)."""

    kind: Literal["document_filing"]
    period: str = Field(pattern=PERIOD_PATTERN)  # `2011-12`, `2011-Q4` or `2011`
    catalogue: Flag = False  # 分类填制目录: the catalogue of what was filed, by category


Event = Annotated[
    Contract
    | CreditSale
    | CashReceipt
    | Shipment
    | VehicleTrip
    | VehicleService
    | ArchiveAccess
    | OrderVoucher
    | Incident
    | CashHandover
    | CreditSignature
    | CustomerArchiveReport
    | InternalReview
    | SalesDocument
    | Receivable
    | Handover
    | Quotation
    | QuotationOutcome
    | HygieneCheck
    | VoucherBinding
    | DocumentFiling,
    Field(discriminator="kind"),
]

EVENT_MODELS: dict[str, type[EventBase]] = {
    "contract": Contract,
    "credit_sale": CreditSale,
    "cash_receipt": CashReceipt,
    "shipment": Shipment,
    "vehicle_trip": VehicleTrip,
    "vehicle_service": VehicleService,
    "archive_access": ArchiveAccess,
    "order_voucher": OrderVoucher,
    "incident": Incident,
    "cash_handover": CashHandover,
    "credit_signature": CreditSignature,
    "customer_archive_report": CustomerArchiveReport,
    "internal_review": InternalReview,
    "sales_document": SalesDocument,
    "receivable": Receivable,
    "handover": Handover,
    "quotation": Quotation,
    "quotation_outcome": QuotationOutcome,
    "hygiene_check": HygieneCheck,
    "voucher_binding": VoucherBinding,
    "document_filing": DocumentFiling,
}

EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)
