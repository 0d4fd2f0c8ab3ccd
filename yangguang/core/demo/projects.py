"""阳光社区's welfare projects (惠民项目), through `actions.projects` (as `staff_yangguang`, the accountant and
the committee's chair), on the demo's simulated clock.

- 四区晾衣架安装 (seed 000's story): decided by the two committees and the residents' representatives,
  three quotes, the cheapest chosen, progress reported with photos (the contractor reports 34 racks), paid
  for 34 through a voucher the committee signed — and at the acceptance the committee counts 30. It turns
  the gap into a finding and a rectification notice; the contractor puts up the missing four, the committee
  verifies, the acceptance is recorded again (34) and the project is closed.
- 3栋、5栋楼道照明改造: done, accepted at the first count, closed, rated by residents on the portal.
- 和平社区's 活动室适老化改造: decided, waiting for quotes.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from yangguang.core.actions import cases, catalogue, projects, vouchers
from yangguang.core.actions import inspections as insp
from yangguang.core.models import Project

from .clock import Clock, pdf_bytes, photo, upload
from .layout import FLAGGED_COMMUNITY, SHOWCASE_COMMUNITY

if TYPE_CHECKING:
    from .supervision import Office

FollowUp = tuple[datetime.date, Callable[[], None]]


class Projects:
    def __init__(self, clock: Clock, counts: Counter[str], seed: int) -> None:
        self.clock = clock
        self.counts = counts
        self.today = clock.as_of.date()
        self.rng = random.Random(f"{seed}:projects")

    def run(self, offices: list[Office]) -> list[FollowUp]:
        """The projects up to where the committee steps in; returns the committee's follow-up, to be run
        in date order with the inspections (its rectification notice is numbered among theirs)."""
        follow_ups: list[FollowUp] = []
        for office in offices:
            if office.committee is None or office.accountant is None:
                continue
            if office.name == SHOWCASE_COMMUNITY:
                follow_ups.append(self._racks(office))
                self._lights(office)
            elif office.name == FLAGGED_COMMUNITY:
                self._planned(office)
        return follow_ups

    def _day(self, days_ago: int) -> datetime.date:
        return self.clock.workday(self.today - datetime.timedelta(days=days_ago), forward=False)

    def _at(self, day: datetime.date, hour: int = 10) -> None:
        self.clock.at(self.clock.moment(day, hour, self.rng.randrange(60)))

    def _project(self, office: Office, days_ago: int, **fields: object) -> Project:
        decided = self._day(days_ago)
        self._at(decided, 16)
        items = {item.code: item for item in catalogue.effective_items(office.area, "power")}
        project = projects.check_create_project(
            office.clerk,
            projects.ProjectInput(
                area=office.area,
                power_item=items.get("QL-XM-03"),
                decided_on=decided,
                **fields,  # type: ignore[arg-type]
            ),
        )
        self.counts["projects"] += 1
        return project

    def _procure(
        self, office: Office, project: Project, days_ago: int, quotes: list[tuple[str, str]]
    ) -> None:
        day = self._day(days_ago)
        self._at(day, 9)
        projects.do_project_transition(office.clerk, project, "procure")
        chosen = None
        for n, (supplier, amount) in enumerate(quotes):
            self._at(self.clock.add_workdays(day, 2 + n), 11)
            quote = projects.check_add_quote(
                office.clerk,
                project,
                supplier=supplier,
                amount=amount,
                received_on=self.clock.add_workdays(day, 2 + n),
            )
            if chosen is None or quote.amount < chosen.amount:
                chosen = quote
        assert chosen is not None  # noqa: S101 - at least one quote
        day = self.clock.add_workdays(day, 2 + len(quotes))
        self._at(day, 15)
        projects.do_choose_quote(office.clerk, chosen)
        self._at(self.clock.add_workdays(day, 2), 9)
        projects.do_project_transition(office.clerk, project, "start")

    def _pay(
        self, office: Office, project: Project, days_ago: int, amount: str, quantity: str, what: str
    ) -> None:
        """A spending line: the voucher goes through the committee's review, the co-signature and posting."""
        day = self._day(days_ago)
        self._at(day, 10)
        # Numbered by the project's place among the community's projects, not by its primary key: keys
        # differ between runs on PostgreSQL (sequences do not roll back), the demo must not.
        serial = Project.objects.filter(area=project.area, pk__lte=project.pk).count()
        number = f"XM{serial:03d}-01"
        spending = projects.check_add_spending(
            office.clerk,
            project,
            vouchers.VoucherInput(
                area=office.area,
                number=number,
                spent_on=day,
                amount=amount,
                payee=project.contractor,
                purpose=f"{project.title}：{what}",
                power_item=project.power_item,
            ),
            what,
            quantity,
            [
                upload(
                    f"发票{number}.pdf",
                    pdf_bytes([f"INVOICE {number}", f"AMOUNT CNY {amount}"]),
                    "application/pdf",
                )
            ],
        )
        voucher = spending.voucher
        for step, actor, gap in (
            ("review", office.committee, 1),
            ("cosign", office.accountant, 1),
            ("post", office.accountant, 2),
        ):
            day = self.clock.add_workdays(day, gap)
            self._at(day, 11)
            vouchers.do_voucher_transition(
                actor, voucher, step, "已核对发票和合同数量。" if step == "review" else ""
            )
        self.counts["vouchers"] += 1
        self.counts["vouchers_posted"] += 1

    def _progress(self, office: Office, project: Project, days_ago: int, text: str, done: str) -> None:
        day = self._day(days_ago)
        self._at(day, 17)
        projects.check_add_progress(
            office.clerk,
            project,
            on=day,
            text=text,
            quantity_done=done,
            photos=[photo(f"project-{project.pk}-{done}")],
        )

    # --- the stories

    def _racks(self, office: Office) -> FollowUp:
        project = self._project(
            office,
            95,
            title="四区晾衣架安装",
            budget="14000",
            funding_source="社区惠民资金（为民服务专项经费）",
            description="四区居民“见缝插针”晾晒衣物，经征集居民意见，在四区各楼栋间空地安装晾衣架34副，同步规范晾衣区域。",
            decision_meeting="两委联席会议、居民代表会议",
            unit_name="副",
            planned_quantity="34",
            unit_price="400",
        )
        self._procure(
            office,
            project,
            90,
            [("湘绿金属制品厂", "13600"), ("芙蓉五金建材", "13940"), ("华晨不锈钢加工部", "14280")],
        )
        self._progress(office, project, 72, "材料进场，已完成四区东侧12副晾衣架安装。", "12")
        self._progress(office, project, 62, "四区晾衣架安装完毕，共34副。", "34")
        self._pay(office, project, 58, "13600", "34", "晾衣架34副（含安装）")
        accepted = self._day(50)
        self._at(accepted, 15)
        members = "、".join(m.person.name for m in office.members[:2])
        projects.check_record_acceptance(
            office.clerk,
            project,
            on=accepted,
            quantity_counted="30",
            passed=False,
            notes="实地清点四区仅安装30副，与报账的34副不符。",
            participants=f"{members}（居务监督委员会）、居民代表3人、施工方",
        )
        return (
            accepted + datetime.timedelta(days=1),
            lambda: self._racks_followed_up(office, project, accepted),
        )

    def _racks_followed_up(self, office: Office, project: Project, accepted: datetime.date) -> None:
        """The committee's finding, the notice, the missing racks, the verification, the second count."""
        member, clerk = office.committee, office.clerk
        day = self.clock.add_workdays(accepted, 1)
        self._at(day, 9)
        finding = projects.check_open_finding(member, project, "quantity_counted", severity="serious")
        insp.do_complete_inspection(member, finding.inspection, "实地清点晾衣架，少装4副，已下达整改通知。")
        rectification = insp.check_issue_rectification(
            member,
            finding,
            requirement="限期补装晾衣架4副，补装后由监委会现场清点验收。",
            deadline=day + datetime.timedelta(days=20),
            owner=clerk,
        )
        self.counts["rectifications"] += 1
        case = rectification.case
        day = self.clock.add_workdays(day, 1)
        self._at(day, 9)
        cases.do_transition(clerk, case, "sign")
        cases.do_transition(clerk, case, "start", note="已通知施工方补装。")
        day = self.clock.add_workdays(day, 6)
        self._at(day, 16)
        cases.do_transition(
            clerk,
            case,
            "reply",
            note="施工方已补装4副晾衣架，现共34副。",
            evidence=[photo(f"racks-{project.pk}")],
        )
        day = self.clock.add_workdays(day, 2)
        self._at(day, 10)
        insp.do_verify_rectification(
            member, rectification, passed=True, note="实地清点四区共34副，整改到位。"
        )
        self.counts["rectifications_passed"] += 1
        self._at(day, 11)
        project.refresh_from_db()
        projects.check_record_acceptance(
            clerk,
            project,
            on=day,
            quantity_counted="34",
            passed=True,
            notes="补装后清点34副，验收合格。",
            participants="居务监督委员会、居民代表3人、施工方",
        )
        self._at(self.clock.add_workdays(day, 3), 10)
        projects.do_project_transition(clerk, project, "close")

    def _lights(self, office: Office) -> None:
        project = self._project(
            office,
            130,
            title="3栋、5栋楼道照明改造",
            budget="8600",
            funding_source="社区惠民资金（为民服务专项经费）",
            description="更换3栋、5栋楼道声控灯为感应LED灯。",
            decision_meeting="两委联席会议",
            unit_name="盏",
            planned_quantity="60",
            unit_price="120",
        )
        self._procure(office, project, 125, [("明珠电器维修部", "7200"), ("天心照明器材店", "7560")])
        self._progress(office, project, 110, "3栋、5栋楼道感应灯更换完毕，共60盏。", "60")
        self._pay(office, project, 106, "7200", "60", "感应LED灯60盏（含安装）")
        day = self._day(100)
        self._at(day, 15)
        projects.check_record_acceptance(
            office.clerk,
            project,
            on=day,
            quantity_counted="60",
            passed=True,
            notes="逐层检查60盏，均正常点亮。",
            participants="居务监督委员会、楼栋长2人",
        )
        self._at(self.clock.add_workdays(day, 5), 10)
        projects.do_project_transition(office.clerk, project, "close")
        for n, (score, comment) in enumerate(
            ((5, "晚上回家楼道终于亮了"), (4, "灯很亮，就是有一盏反应慢"), (5, "")), start=1
        ):
            self._at(self.clock.add_workdays(day, 6 + n), 20)
            projects.check_leave_feedback(project, score=score, comment=comment, ip=f"10.20.0.{n}")
            self.counts["project_feedback"] += 1

    def _planned(self, office: Office) -> None:
        self._project(
            office,
            8,
            title="社区活动室适老化改造",
            budget="48000",
            funding_source="区民政局专项资金",
            description="活动室地面防滑处理、加装扶手和无障碍坡道。",
            decision_meeting="居民代表会议",
        )
