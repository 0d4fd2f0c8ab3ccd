"""The communities' spending vouchers (报账凭证) of the last months and the monthly finance disclosure,
created through `actions.vouchers` in the order they happened.

Each community books 10–13 vouchers (villages 10) from the first day of the month three months back to
yesterday, each with a generated receipt (a small PDF or PNG). The clerk submits; the committee's chair
reviews and signs (审核签字) or sends it back with a reason (about one in ten; most are corrected and
resubmitted); the accountant co-signs (会签: never the preparer) and posts (入账). Each step happens a few
working days after the one before, so the most recent vouchers are still on their way: every status occurs
naturally, and 阳光社区 gets one voucher held at each status whatever the dates — including one sent back by
the committee and then abandoned, which the clerk voids (作废) with a reason.

Where a demo user works (阳光社区, 和平社区) every step goes through `actions.vouchers`, with its audit entry.
Elsewhere the same rows are written directly (`_direct`: the voucher with the history the action records,
its receipt, the committee's ledger lines, one audit entry per community): a voucher's steps through the
actions take two dozen queries, and they were a quarter of the time the demo's supervision work took.

The last month whose accounts are closed (the previous month from the 15th on, else the one before) is
disclosed: its vouchers are all signed and posted within days, the clerk drafts the monthly disclosure
(财务收支公开), the committee signs it and the clerk publishes it.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from yangguang.core.actions import audit, catalogue, ledger, vouchers
from yangguang.core.models import AuditAction, PowerItem, Voucher, VoucherStatus
from yangguang.core.models.supervision import VOUCHER_TRANSITIONS

from . import supervision_text as text
from .clock import Clock, pdf_bytes, png_bytes, upload
from .layout import DEMO_USERNAMES, SHOWCASE_COMMUNITY, WORDS, given_name, surname

if TYPE_CHECKING:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .supervision import Office

# Where a voucher stops (None: as far as the dates allow).
SHOWCASE_STOPS = ("rejected", "submitted", "reviewed", "cosigned")
# The showcase's abandoned voucher: sent back, then voided. It is booked 13 days back, like the held
# vouchers never in the month that is disclosed, which leaves its two steps time to happen.
VOID_STOP = "void"
VOID_DAYS_BACK = 13
VOID_REASONS = (
    "退回后经核实，该笔费用已由街道统一结算，本凭证不再报账",
    "退回后供应商撤回了报价，采购取消，本凭证不再报账",
)


class Bookkeeping:
    def __init__(self, clock: Clock, counts: Counter[str], seed: int) -> None:
        self.clock = clock
        self.counts = counts
        self.seed = seed
        self.today = clock.as_of.date()
        first = self.today.replace(day=1)
        back = 1 if self.today.day >= 15 else 2
        self.disclosed = _months_back(first, back)  # the first day of the month to disclose
        self.start = _months_back(first, 3)
        self._direct_count: Counter[int] = Counter()

    def run(self, offices: list[Office]) -> None:
        for office in offices:
            if office.committee is not None and office.accountant is not None:
                self._community(office)

    def _community(self, office: Office) -> None:
        rng = random.Random(f"{self.seed}:{office.name}:vouchers")
        items = {item.code: item for item in catalogue.effective_items(office.area, "power")}
        count = 10 if office.village else rng.randint(10, 13)
        span = (self.today - self.start).days
        days = sorted(self.start + datetime.timedelta(days=rng.randrange(span)) for _ in range(count))
        plans: list[tuple[datetime.date, str | None]] = [(day, None) for day in days]
        if office.name == SHOWCASE_COMMUNITY:
            for n, halt in enumerate(SHOWCASE_STOPS):
                plans.append((self.clock.workday(self.today - datetime.timedelta(days=14 - 2 * n)), halt))
            plans.append(
                (self.clock.workday(self.today - datetime.timedelta(days=VOID_DAYS_BACK)), VOID_STOP)
            )
        plans.sort(key=lambda plan: plan[0])
        numbers: Counter[str] = Counter()
        closing = self.disclosed.replace(day=24)
        last_posted: datetime.datetime | None = None
        for spent_on, stop in plans:
            disclosed = spent_on.replace(day=1) == self.disclosed
            if disclosed and spent_on > closing:
                spent_on = closing  # booked before the month's accounts were closed
            month = f"{spent_on:%Y%m}"
            numbers[month] += 1
            number = f"{month}-{numbers[month]:03d}"
            if stop == VOID_STOP:
                # Its own random stream, so that the other vouchers come out as they did before it existed.
                void_rng = random.Random(f"{self.seed}:{office.name}:void")
                self._voucher(office, void_rng, items, spent_on, number, stop, quick=False)
                continue
            posted = self._voucher(office, rng, items, spent_on, number, stop, quick=disclosed)
            if disclosed and posted is not None:
                last_posted = max(last_posted or posted, posted)
        self._summarise(office)
        if last_posted is not None:
            self._disclose(office, last_posted)

    def _voucher(
        self,
        office: Office,
        rng: random.Random,
        items: dict[str, PowerItem],
        spent_on: datetime.date,
        number: str,
        stop: str | None,
        *,
        quick: bool,
    ) -> datetime.datetime | None:
        """One voucher through as many steps as its dates allow (or up to `stop`); returns when it was
        posted, if it was."""
        clock = self.clock
        setting = "village" if office.village else "town"
        purpose, pattern, low, high, _where = rng.choice(
            [s for s in text.SPENDING if s[4] in (setting, "both")]
        )
        amount = (Decimal(rng.randint(low * 10, high * 10)) / 10).quantize(Decimal("0.01"))
        payee = pattern.format(w=rng.choice(WORDS), s=surname(rng), g=given_name(rng, rng.choice("MF")))
        code = "QL-CW-01" if amount <= 5000 else "QL-CW-02"
        day = clock.add_workdays(spent_on, rng.randint(0, 1 if quick else 3))
        moment = clock.moment(day, 10, rng.randrange(60))
        if not clock.before_end(moment):
            return None
        receipt = self._receipt(number, amount, spent_on, rng)
        data = vouchers.VoucherInput(
            area=office.area,
            number=number,
            spent_on=spent_on,
            amount=amount,
            payee=payee,
            purpose=purpose,
            power_item=items.get(code),
            receipts=[receipt],
        )
        steps: list[tuple[str, datetime.datetime, Any, str]] = []
        if stop != "submitted":
            names = ["review", "cosign", "post"]
            if stop == VOID_STOP:
                names = ["reject", "void"]
            elif stop == "rejected" or (stop is None and not quick and rng.random() < 0.1):
                names = ["reject"] + (["resubmit", *names] if stop is None and rng.random() < 0.6 else [])
            if stop in ("reviewed", "cosigned"):
                names = names[: names.index({"reviewed": "review", "cosigned": "cosign"}[stop]) + 1]
            for name in names:
                day = clock.add_workdays(day, rng.randint(0, 1) if quick else rng.randint(1, 3))
                at = clock.moment(day, rng.choice((9, 11, 14, 16)), rng.randrange(60))
                if not clock.before_end(at):
                    break
                actor: Any = office.accountant
                if name in ("review", "reject"):
                    actor = office.committee
                elif name in ("resubmit", "void"):
                    actor = office.clerk
                note = ""
                if name == "reject":
                    note = rng.choice(text.REJECT_REASONS)
                elif name == "void":
                    note = rng.choice(VOID_REASONS)
                elif name == "review":
                    note = rng.choice(text.REVIEW_OPINIONS)
                steps.append((name, at, actor, note))
        if office.clerk is not None and office.clerk.username in DEMO_USERNAMES:
            voucher = self._by_actions(office, data, moment, steps)
        else:
            voucher = self._direct(office, data, moment, steps, receipt)
        self.counts["vouchers"] += 1
        self.counts[f"vouchers_{voucher.status}"] += 1
        return steps[-1][1] if voucher.status == VoucherStatus.POSTED else None

    def _by_actions(
        self,
        office: Office,
        data: vouchers.VoucherInput,
        submitted: datetime.datetime,
        steps: list[tuple[str, datetime.datetime, Any, str]],
    ) -> Voucher:
        """Where a demo user works: the voucher goes through `check_submit_voucher` and
        `do_voucher_transition` step by step (audit entries, ledger lines and all)."""
        self.clock.at(submitted)
        voucher = vouchers.check_submit_voucher(office.clerk, data)
        for name, at, actor, note in steps:
            self.clock.at(at)
            vouchers.do_voucher_transition(actor, voucher, name, note)
        return voucher

    def _direct(
        self,
        office: Office,
        data: vouchers.VoucherInput,
        submitted: datetime.datetime,
        steps: list[tuple[str, datetime.datetime, Any, str]],
        receipt: SimpleUploadedFile,
    ) -> Voucher:
        """Elsewhere the same rows are written directly — the voucher with its history as
        `do_voucher_transition` records it, its receipt and the committee's ledger lines — in a few queries
        instead of two dozen (a voucher's steps are a quarter of the demo's supervision work); one audit
        entry per community (`_summarise`) stands for their steps."""
        clock = self.clock
        voucher = Voucher(
            area=data.area,
            number=data.number,
            spent_on=data.spent_on or submitted.date(),
            amount=data.amount,
            payee=data.payee,
            purpose=data.purpose,
            power_item=data.power_item,
            status=VoucherStatus.SUBMITTED,
            submitted_by=office.clerk,
            history=[vouchers._history_entry(office.clerk, "submit", "", submitted)],
        )
        lines: list[tuple[str, datetime.datetime, Any, str, str]] = []
        for name, at, actor, note in steps:
            lines.append((name, at, actor, note, voucher.status))
            voucher.status = VOUCHER_TRANSITIONS[name][1]
            if name == "review":
                voucher.reviewed_by, voucher.reviewed_at, voucher.review_opinion = actor, at, note
            elif name == "cosign":
                voucher.cosigned_by, voucher.cosigned_at = actor, at
            elif name == "post":
                voucher.posted_by, voucher.posted_at = actor, at
            elif name == "reject":
                voucher.reject_reason = note
            elif name == "resubmit":
                voucher.reject_reason = ""
            elif name == "void":
                voucher.voided_by, voucher.voided_at, voucher.void_reason = actor, at, note
            voucher.history.append(vouchers._history_entry(actor, name, note, at))
        clock.at(submitted)
        voucher.save()
        content_type = "application/pdf" if receipt.name and receipt.name.endswith(".pdf") else "image/png"
        ledger.do_attach_evidence(office.clerk, data.area, voucher, [(receipt, content_type)])
        for name, at, actor, note, before in lines:
            if name in ("review", "reject"):
                clock.at(at)
                vouchers._ledger_line(actor, voucher, name, note)
            elif name == "void":
                clock.at(at)
                vouchers._void_ledger_line(actor, voucher, before, note)
        self._direct_count[office.area.pk] += 1
        return voucher

    def _summarise(self, office: Office) -> None:
        written = self._direct_count.get(office.area.pk, 0)
        if not written:
            return
        audit.record(
            office.clerk,
            AuditAction.IMPORT,
            target_type="voucher",
            target_id="demo",
            target_repr=f"{office.name}报账凭证（演示数据）",
            area=office.area,
            changes={"vouchers": [None, written]},
        )

    def _receipt(
        self, number: str, amount: Decimal, spent_on: datetime.date, rng: random.Random
    ) -> SimpleUploadedFile:
        if rng.random() < 0.5:
            lines = [
                f"RECEIPT / INVOICE  No. {number}",
                f"DATE {spent_on.isoformat()}",
                f"AMOUNT CNY {amount}",
            ]
            return upload(f"发票{number}.pdf", pdf_bytes(lines), "application/pdf")
        return upload(f"收据{number}.png", png_bytes(f"receipt-{number}-{amount}"), "image/png")

    def _disclose(self, office: Office, last_posted: datetime.datetime) -> None:
        clock = self.clock
        after = max(last_posted.date(), _months_back(self.disclosed, -1) + datetime.timedelta(days=3))
        day = clock.add_workdays(after, 1)
        moment = clock.moment(day, 9, 30)
        if not clock.before_end(clock.moment(clock.add_workdays(day, 2), 17, 0)):
            return
        clock.at(moment)
        try:
            disclosure = vouchers.check_create_finance_disclosure(
                office.clerk, office.area, self.disclosed.year, self.disclosed.month
            )
        except ValidationError:
            return  # a month without posted vouchers (a tiny demo): nothing to disclose
        day = clock.add_workdays(day, 1)
        clock.at(clock.moment(day, 10, 0))
        ledger.do_sign_disclosure(office.committee, disclosure)
        day = clock.add_workdays(day, 1)
        clock.at(clock.moment(day, 9, 0))
        ledger.do_publish_disclosure(office.clerk, disclosure)
        self.counts["disclosures_published"] += 1
        self.counts["finance_disclosures"] += 1


def _months_back(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def voucher_statuses() -> Counter[str]:
    return Counter(Voucher.objects.values_list("status", flat=True))
