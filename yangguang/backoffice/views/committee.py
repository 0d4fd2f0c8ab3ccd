"""The supervision committee in the back office: communities and their committees, terms with members and
the composition checklist, member pages (seat, leave, position, account, removal motions), cadre posts, the
close-relatives register (list, add, import) and elections (electors, candidates, voters and their secret
ballots or a paper count, count, publication and the disclosure's signature). The composition rules of a
district are in `committee_rules`.

Who may do what is decided by `yangguang.core.actions.committee` (with `cadres` and `elections`): pages load
records with their `access_*` helpers (404 for anyone without VIEW_SUPERVISION over the community), and every
change is an action that refuses (403) anyone but the community's staff (MANAGE_COMMITTEE). The
committee itself reads everything here and edits nothing; it signs the election notice, through the ledger
action that checks SUPERVISE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from yangguang.backoffice import forms_committee as cf
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb, show_refusal, submit_form
from yangguang.core import tabular
from yangguang.core.actions import cadres, committee, committee_rules, elections, ledger
from yangguang.core.actions.access import access_object
from yangguang.core.models import (
    Area,
    AreaKind,
    CadrePost,
    CommitteeMember,
    CommitteeTerm,
    Disclosure,
    Election,
    Kinship,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser


# --- shared ----------------------------------------------------------------------------------------------


def index_crumb() -> Crumb:
    return _("监委会"), reverse("backoffice:committee_index")


def area_crumbs(area: Area) -> list[Crumb]:
    return [home_crumb(), index_crumb(), (area.name, reverse("backoffice:committee_area", args=[area.pk]))]


def term_crumbs(term: CommitteeTerm) -> list[Crumb]:
    return [*area_crumbs(term.area), (str(term), reverse("backoffice:committee_term", args=[term.pk]))]


def shown_name(user: User, area: Area, name: str) -> str:
    """Private people (relatives, electors) in full only for those who may see personal data."""
    return name if has_capability(user, Cap.REVEAL_PERSONAL, area) else mask_name(name)


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))


COMMUNITY_KINDS = (AreaKind.COMMUNITY, AreaKind.VILLAGE)


# --- communities ---------------------------------------------------------------------------------------


@login_required
def committee_index(request: HttpRequest) -> HttpResponse:
    """Communities in reach with their current term and serving members. Queries: roles, count, page,
    current terms of the page's communities."""
    user = request.user
    if not has_capability(user, Cap.VIEW_SUPERVISION):
        raise Http404
    areas = Area.objects.visible_to(user, Cap.VIEW_SUPERVISION).filter(kind__in=COMMUNITY_KINDS)
    page = _page(request, areas.select_related("parent").order_by("path"))
    today = timezone.localdate()
    terms = (
        CommitteeTerm.objects.filter(
            area__in=[a.pk for a in page.object_list], starts_on__lte=today, ends_on__gte=today
        )
        .annotate(serving=Count("members", filter=Q(members__status=CommitteeMember.Status.SERVING)))
        .order_by("area_id")
    )
    current = {term.area_id: term for term in terms}
    context = {
        "breadcrumbs": [home_crumb(), (_("监委会"), None)],
        "page_obj": page,
        "rows": [(area, current.get(area.pk)) for area in page.object_list],
        "may_set_rules": committee_rules.may_set_rules(user),
    }
    return render(request, "backoffice/committee/index.html", context)


def term_context(user: User, term: CommitteeTerm) -> dict[str, Any]:
    members = list(term.members.select_related("person", "user").order_by("status", "position", "pk"))
    return {
        "term": term,
        "members": members,
        "checklist": committee.composition_checklist(term, members),
        "elections": list(term.elections.order_by("-held_on", "-pk")),
        "may_manage": committee.may_manage(user, term.area),
    }


@login_required
def committee_area(request: HttpRequest, pk: int) -> HttpResponse:
    area = committee.access_community(request.user, pk)
    terms = list(area.committee_terms.order_by("-starts_on"))
    current = committee.current_term(area)
    context: dict[str, Any] = {
        "area": area,
        "breadcrumbs": [home_crumb(), index_crumb(), (area.name, None)],
        "terms": [t for t in terms if current is None or t.pk != current.pk],
        "current": current,
        "may_manage": committee.may_manage(request.user, area),
    }
    if current is not None:
        context.update(term_context(request.user, current))
    return render(request, "backoffice/committee/area.html", context)


@login_required
def committee_term(request: HttpRequest, pk: int) -> HttpResponse:
    term = committee.access_term(request.user, pk)
    context = term_context(request.user, term)
    context["breadcrumbs"] = [*area_crumbs(term.area), (str(term), None)]
    return render(request, "backoffice/committee/term.html", context)


def _form_page(
    request: HttpRequest, title: str, form: forms.Form, breadcrumbs: list[Crumb], cancel: str, **extra: Any
) -> HttpResponse:
    context = {
        "title": title,
        "form": form,
        "breadcrumbs": [*breadcrumbs, (title, None)],
        "cancel": cancel,
        **extra,
    }
    return render(request, "backoffice/committee/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def committee_term_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = committee.access_community(request.user, pk)
    committee.require_manage(request.user, area)
    form = cf.TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = committee.check_create_term(request.user, area, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新建%(term)s。") % {"term": str(term)})
            return redirect("backoffice:committee_term", pk=term.pk)
    cancel = reverse("backoffice:committee_area", args=[area.pk])
    return _form_page(request, _("新建届期"), form, area_crumbs(area), cancel)


# --- members -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def committee_member_propose(request: HttpRequest, pk: int) -> HttpResponse:
    term = committee.access_term(request.user, pk)
    committee.require_manage(request.user, term.area)
    form = cf.MemberForm(request.POST or None, area=term.area)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["person"] is not None:
        data = form.cleaned_data
        try:
            member = committee.check_propose_member(
                request.user,
                term,
                data["person"],
                position=data["position"],
                group=data["group"],
                has_accounting=data["has_accounting"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("已将%(name)s列为拟任成员，资格审查通过。") % {"name": member.person.name}
            )
            return redirect("backoffice:committee_term", pk=term.pk)
    cancel = reverse("backoffice:committee_term", args=[term.pk])
    intro = _(
        "提交后系统按村委会组织法第32条逐项审查资格：本社区登记居民、未在两委或工作人员中任职、不是现任干部的近亲属。"
    )
    return _form_page(request, _("提名成员"), form, term_crumbs(term), cancel, intro=intro)


MEMBER_TEMPLATE = "backoffice/committee/member.html"


def member_context(
    request: HttpRequest, member: CommitteeMember, bound: forms.Form | None = None, bound_name: str = ""
) -> dict[str, Any]:
    user = request.user
    area = member.term.area
    may = committee.may_manage(user, area)
    status = member.status

    def form_for(name: str, factory: Any, allowed: bool) -> forms.Form | None:
        if not (may and allowed):
            return None
        return bound if bound is not None and bound_name == name else factory()

    serving = status == CommitteeMember.Status.SERVING
    motions = list(member.removal_motions.order_by("-filed_on", "-pk"))
    return {
        "member": member,
        "breadcrumbs": [*term_crumbs(member.term), (member.person.name, None)],
        "may_manage": may,
        "motions": [(m, elections.threshold_explanation(m)) for m in motions],
        "forms": [
            (name, label, form)
            for name, label, form in (
                ("seat", _("就任"), form_for("seat", cf.SeatForm, status == CommitteeMember.Status.PROPOSED)),
                (
                    "position",
                    _("调整职务"),
                    form_for(
                        "position",
                        lambda: cf.PositionForm(initial={"position": member.position}),
                        status in committee.ACTIVE,
                    ),
                ),
                ("account", _("关联系统账号"), form_for("account", cf.MemberUserForm, serving)),
                ("leave", _("办理离任"), form_for("leave", cf.LeaveForm, status in committee.ACTIVE)),
                ("removal", _("登记罢免动议"), form_for("removal", cf.RemovalForm, serving)),
            )
            if form is not None
        ],
        "decide_form": cf.DecideRemovalForm() if may else None,
    }


@login_required
def committee_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = committee.access_member(request.user, pk)
    return render(request, MEMBER_TEMPLATE, member_context(request, member))


MEMBER_FORMS: dict[str, type[forms.Form]] = {
    "seat": cf.SeatForm,
    "position": cf.PositionForm,
    "account": cf.MemberUserForm,
    "leave": cf.LeaveForm,
    "removal": cf.RemovalForm,
}
MEMBER_DONE: dict[str, StrOrPromise] = {
    "seat": gettext_lazy("已就任。"),
    "position": gettext_lazy("已调整职务。"),
    "account": gettext_lazy("已关联账号并授予监委会成员角色。"),
    "leave": gettext_lazy("已办理离任。"),
    "removal": gettext_lazy("已登记罢免动议。"),
}


def _member_step(user: User, member: CommitteeMember, step: str, data: dict[str, Any]) -> None:
    if step == "seat":
        committee.do_seat_member(user, member, data["joined_on"])
    elif step == "position":
        committee.do_set_member_position(user, member, data["position"])
    elif step == "account":
        committee.do_set_member_user(user, member, data["username"])
    elif step == "leave":
        committee.do_record_leaving(
            user, member, removed=data["removed"], on=data["on"], reason=data["reason"]
        )
    else:
        elections.check_file_removal_motion(user, member, **data)


@login_required
@require_POST
def committee_member_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    form_class = MEMBER_FORMS.get(step)
    if form_class is None:
        raise Http404
    member = committee.access_member(request.user, pk)
    committee.require_manage(request.user, member.term.area)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            _member_step(request.user, member, step, form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, str(MEMBER_DONE[step]))
            if step == "seat" and request.POST.get("next") == "term":
                return redirect("backoffice:committee_term", pk=member.term_id)
            return redirect("backoffice:committee_member", pk=member.pk)
    if step == "seat" and request.POST.get("next") == "term":
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("backoffice:committee_term", pk=member.term_id)
    member.refresh_from_db()
    return render(request, MEMBER_TEMPLATE, member_context(request, member, form, step))


@login_required
@require_POST
def committee_removal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    motion = elections.access_motion(request.user, pk)
    committee.require_manage(request.user, motion.member.term.area)
    form = cf.DecideRemovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择表决结果并填写表决日期。"))
    else:
        try:
            elections.do_decide_removal(request.user, motion, **form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已记录表决结果：%(o)s。") % {"o": motion.get_outcome_display()})
    return redirect("backoffice:committee_member", pk=motion.member_id)


# --- cadre posts ---------------------------------------------------------------------------------------


def posts_context(request: HttpRequest, area: Area, form: forms.Form | None = None) -> dict[str, Any]:
    may = committee.may_manage(request.user, area)
    rows = (
        CadrePost.objects.filter(area=area)
        .select_related("person")
        .order_by("ends_on", "body", "starts_on", "pk")
    )
    return {
        "area": area,
        "breadcrumbs": [*area_crumbs(area), (_("干部任职"), None)],
        "page_obj": _page(request, rows),
        "today": timezone.localdate(),
        "may_manage": may,
        "form": (form or cf.CadrePostForm(area=area)) if may else None,
        "end_form": cf.EndPostForm() if may else None,
    }


@login_required
def committee_posts(request: HttpRequest, pk: int) -> HttpResponse:
    """The community's cadre posts. Queries: roles, area, count, page (people joined)."""
    area = committee.access_community(request.user, pk)
    return render(request, "backoffice/committee/posts.html", posts_context(request, area))


@login_required
@require_POST
def committee_post_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = committee.access_community(request.user, pk)
    committee.require_manage(request.user, area)
    # A valid form has found its person (`AreaForm.resident` adds an error when it finds none).
    form = cf.CadrePostForm(request.POST, area=area)
    return submit_form(
        request,
        form,
        lambda data: cadres.check_create_cadre_post(
            request.user,
            area,
            data["person"],
            body=data["body"],
            title=data["title"],
            is_party_secretary=data["is_party_secretary"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        done=_("已登记任职。"),
        success_url=reverse("backoffice:committee_posts", args=[area.pk]),
        failed=_("未能登记任职，请按提示修改。"),
        rerender=lambda: render(
            request, "backoffice/committee/posts.html", posts_context(request, area, form)
        ),
    )


@login_required
@require_POST
def committee_post_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_object(request.user, CadrePost, pk, Cap.VIEW_SUPERVISION)
    committee.require_manage(request.user, post.area)
    form = cf.EndPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的离职日期。"))
    else:
        try:
            cadres.do_end_cadre_post(request.user, post, form.cleaned_data["ends_on"])
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已登记离职。"))
    return redirect("backoffice:committee_posts", pk=post.area_id)


# --- the close-relatives register ----------------------------------------------------------------------


def kinship_context(request: HttpRequest, area: Area, form: forms.Form | None = None) -> dict[str, Any]:
    may = committee.may_manage(request.user, area)
    rows = Kinship.objects.filter(area=area).select_related("cadre").order_by("cadre__name", "relation", "pk")
    page = _page(request, rows)
    return {
        "area": area,
        "breadcrumbs": [*area_crumbs(area), (_("近亲属备案"), None)],
        "page_obj": page,
        "rows": [(line, shown_name(request.user, area, line.relative_name)) for line in page.object_list],
        "may_manage": may,
        "form": (form or cf.KinshipForm(area=area)) if may else None,
    }


@login_required
def committee_kinship(request: HttpRequest, pk: int) -> HttpResponse:
    """The register of the community. Queries: roles, area, count, page (cadres joined)."""
    area = committee.access_community(request.user, pk)
    return render(request, "backoffice/committee/kinship.html", kinship_context(request, area))


@login_required
@require_POST
def committee_kinship_add(request: HttpRequest, pk: int) -> HttpResponse:
    area = committee.access_community(request.user, pk)
    committee.require_manage(request.user, area)
    # A valid form has found its cadre (`AreaForm.resident` adds an error when it finds none).
    form = cf.KinshipForm(request.POST, area=area)
    return submit_form(
        request,
        form,
        lambda data: cadres.check_add_kinship(
            request.user,
            area,
            data["cadre"],
            relative_name=data["relative_name"],
            relative_id_number=data["relative_id_number"],
            relation=data["relation"],
            note=data["note"],
        ),
        done=_("已添加近亲属备案。"),
        success_url=reverse("backoffice:committee_kinship", args=[area.pk]),
        failed=_("未能添加，请按提示修改。"),
        rerender=lambda: render(
            request, "backoffice/committee/kinship.html", kinship_context(request, area, form)
        ),
    )


@login_required
@require_POST
def committee_kinship_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = access_object(request.user, Kinship, pk, Cap.VIEW_SUPERVISION)
    area_pk = line.area_id
    cadres.do_delete_kinship(request.user, line, request.POST.get("reason", "")[:500])
    messages.success(request, _("已删除该条备案。"))
    return redirect("backoffice:committee_kinship", pk=area_pk)


@login_required
@require_http_methods(["GET", "POST"])
def committee_kinship_import(request: HttpRequest, pk: int) -> HttpResponse:
    area = committee.access_community(request.user, pk)
    committee.require_manage(request.user, area)
    form = cf.KinshipImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024
        try:
            if upload.size is not None and upload.size > limit:
                raise ValidationError(_("文件过大，上限为 %(n)d MB。") % {"n": settings.IMPORT_MAX_UPLOAD_MB})
            report = cadres.check_import_kinship(
                request.user, area, upload.read(limit + 1), upload.name or ""
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("共读取%(read)d行：导入%(created)d行，%(rejected)d行未导入。")
                % {"read": report.read, "created": report.created, "rejected": len(report.rejected)},
            )
    context = {
        "area": area,
        "breadcrumbs": [
            *area_crumbs(area),
            (_("近亲属备案"), reverse("backoffice:committee_kinship", args=[area.pk])),
            (_("导入"), None),
        ],
        "form": form,
        "report": report,
    }
    return render(request, "backoffice/committee/kinship_import.html", context)


@login_required
def committee_kinship_template(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Cap.MANAGE_COMMITTEE):
        raise Http404
    response = HttpResponse(cadres.kinship_template(), content_type=tabular.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "近亲属备案导入模板.xlsx") or ""
    return response


# --- elections -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def committee_election_create(request: HttpRequest, pk: int) -> HttpResponse:
    term = committee.access_term(request.user, pk)
    committee.require_manage(request.user, term.area)
    form = cf.ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            election = elections.check_create_election(request.user, term, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新建选举，请登记选举人和候选人。"))
            return redirect("backoffice:committee_election", pk=election.pk)
    cancel = reverse("backoffice:committee_term", args=[term.pk])
    return _form_page(request, _("新建选举"), form, term_crumbs(term), cancel)


ELECTION_TEMPLATE = "backoffice/committee/election.html"
# Steps with a form of their own: re-rendered with their errors when refused.
ELECTION_FORMS = ("electors", "candidate", "voters", "ballot", "tally")
ELECTION_BUTTONS = ("open", "count", "publish", "sign", "release")


def election_context(
    request: HttpRequest, election: Election, bound: forms.Form | None = None, bound_name: str = ""
) -> dict[str, Any]:
    user = request.user
    area = election.term.area
    may = committee.may_manage(user, area)
    status = election.status
    ES = Election.Status

    def form_for(name: str, factory: Any, allowed: bool) -> forms.Form | None:
        # A refused form is shown with its reason even when the step is no longer offered (the last
        # ballot already entered, voters after the first ballot).
        if may and bound is not None and bound_name == name:
            return bound
        return factory() if may and allowed else None

    electors = list(election.electors.select_related("person").order_by("pk"))
    candidates = list(
        election.candidates.select_related("person").annotate(n=Count("ballots")).order_by("pk")
    )
    ballots = election.method == Election.Method.BALLOTS
    voted = sum(1 for e in electors if e.attended)
    # Secret ballots: every voter is recorded before the first ballot, and no more ballots than voters.
    entered = election.ballots.count() if ballots and status != ES.PLANNED else 0
    voting_by_ballot = status == ES.VOTING and ballots
    disclosure = elections.election_disclosure(election) if status == ES.PUBLISHED else None
    return {
        "election": election,
        "breadcrumbs": [*term_crumbs(election.term), (str(election), None)],
        "may_manage": may,
        "electors": [(e, shown_name(user, area, e.person.name)) for e in electors],
        "candidates": candidates,
        "voted": voted,
        "ballots_entered": entered,
        "electors_form": form_for("electors", lambda: cf.ElectorsForm(area=area), status == ES.PLANNED),
        "candidate_form": form_for("candidate", lambda: cf.CandidateForm(area=area), status == ES.PLANNED),
        "voters_form": form_for(
            "voters",
            lambda: cf.VotersForm(election=election),
            voting_by_ballot and entered == 0 and voted < len(electors),
        ),
        "ballot_form": form_for(
            "ballot", lambda: cf.BallotForm(election=election), voting_by_ballot and entered < voted
        ),
        "tally_form": form_for(
            "tally", lambda: cf.TallyForm(election=election), status == ES.VOTING and not ballots
        ),
        "may_open": may and status == ES.PLANNED,
        "may_count": may and status == ES.VOTING,
        "may_publish": may and status == ES.COUNTED,
        "disclosure": disclosure,
        "may_sign": disclosure is not None
        and disclosure.status == Disclosure.Status.DRAFT
        and has_capability(user, Cap.SUPERVISE, area),
        "may_release": disclosure is not None and disclosure.status == Disclosure.Status.SIGNED and may,
    }


@login_required
def committee_election(request: HttpRequest, pk: int) -> HttpResponse:
    election = elections.access_election(request.user, pk)
    return render(request, ELECTION_TEMPLATE, election_context(request, election))


def _election_form(request: HttpRequest, election: Election, step: str) -> forms.Form:
    area = election.term.area
    if step == "electors":
        return cf.ElectorsForm(request.POST, area=area)
    if step == "candidate":
        return cf.CandidateForm(request.POST, area=area)
    if step == "voters":
        return cf.VotersForm(request.POST, election=election)
    if step == "ballot":
        return cf.BallotForm(request.POST, election=election)
    return cf.TallyForm(request.POST, election=election)


def _election_form_step(user: User, election: Election, step: str, form: forms.Form) -> str:
    data = form.cleaned_data
    if step == "electors":
        added = elections.do_add_electors(user, election, data["people"])
        return ngettext("已登记%(n)d名选举人。", "已登记%(n)d名选举人。", added) % {"n": added}
    if step == "candidate":
        if data["person"] is None:
            raise ValidationError({"id_number": _("请填写候选人的身份证号。")})
        candidate = elections.check_add_candidate(
            user, election, data["person"], group=data["group"], has_accounting=data["has_accounting"]
        )
        return _("已登记候选人%(name)s，资格审查通过。") % {"name": candidate.person.name}
    if step == "voters":
        marked = elections.check_record_voters(user, election, list(data["electors"]))
        return ngettext("已登记%(n)d名投票人。", "已登记%(n)d名投票人。", marked) % {"n": marked}
    if step == "ballot":
        elections.check_cast_ballot(user, election, list(data["choices"]))
        return _("已录入一张选票。")
    assert isinstance(form, cf.TallyForm)  # noqa: S101 - narrows the type
    elections.check_record_tally(
        user, election, attended={e.pk for e in data["attended"]}, tallies=form.tallies()
    )
    return _("已保存计票结果。")


def _election_button(user: User, election: Election, step: str) -> str:
    if step == "open":
        elections.do_open_voting(user, election)
        return _("已开始投票。")
    if step == "count":
        elections.do_count_election(user, election)
        if election.status == Election.Status.VOID:
            return _("计票完成：选举无效。")
        return _("计票完成。")
    if step == "publish":
        elections.check_publish_result(user, election)
        return _("已公布选举结果：当选人已就任，结果公告待监委会签字后公开。")
    disclosure = elections.election_disclosure(election)
    if disclosure is None:
        raise ValidationError(_("尚未生成结果公告。"))
    if step == "sign":
        ledger.do_sign_disclosure(user, disclosure)
        return _("已签字。")
    committee.require_manage(user, election.term.area)
    ledger.do_publish_disclosure(user, disclosure)
    return _("结果公告已公开。")


@login_required
@require_POST
def committee_election_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in ELECTION_FORMS and step not in ELECTION_BUTTONS:
        raise Http404
    user = request.user
    election = elections.access_election(user, pk)
    if step != "sign":
        committee.require_manage(user, election.term.area)
    if step in ELECTION_BUTTONS:
        try:
            messages.success(request, _election_button(user, election, step))
        except ValidationError as exc:
            show_refusal(request, exc)
        return redirect("backoffice:committee_election", pk=election.pk)
    form = _election_form(request, election, step)

    def rerender() -> HttpResponse:
        election.refresh_from_db()
        return render(request, ELECTION_TEMPLATE, election_context(request, election, form, step))

    return submit_form(
        request,
        form,
        lambda _data: _election_form_step(user, election, step, form),
        done=lambda message: message,  # the step says what it did
        success_url=reverse("backoffice:committee_election", args=[election.pk]),
        failed=_("未能提交，请按提示修改。"),
        rerender=rerender,
    )
