"""The performance evaluation (履职评价) in the back office: the list, the open form, and the evaluation page
with its subjects × votes table, rating and tally forms, the close button and the results (subjects rated
unfit two years running shown first and highlighted).

Reading needs VIEW_SUPERVISION (committee, staff, street, district); opening, entering votes, closing and
drafting the results disclosure need MANAGE_COMMITTEE (staff), checked by `yangguang.core.actions.evaluation`
(403 here). An evaluation page is loaded only through `access_object` (404 for outsiders).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from yangguang.backoffice import forms_finance
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.finance import require_viewer
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import evaluation as actions
from yangguang.core.actions.access import access_object
from yangguang.core.models import Evaluation
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/finance/evaluation_detail.html"


def evaluations_crumb() -> Crumb:
    return _("履职评价"), reverse("backoffice:finance_evaluation_list")


def access_evaluation(user: User, pk: object) -> Evaluation:
    return access_object(
        user, Evaluation, pk, Cap.VIEW_SUPERVISION, queryset=Evaluation.objects.select_related("area")
    )


def require_manager(user: User, evaluation: Evaluation) -> None:
    actions.require_manager(user, evaluation.area)


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Evaluations the user may see, newest year first, with their subject and flag counts. Queries: roles,
    the page count, and the page's rows with their communities and counts."""
    user = request.user
    require_viewer(user)
    rows = (
        Evaluation.objects.visible_to(user, Cap.VIEW_SUPERVISION)
        .select_related("area")
        .annotate(
            subject_count=Count("subjects", distinct=True),
            flagged_count=Count("subjects", filter=Q(subjects__flagged=True), distinct=True),
        )
        .order_by("-year", "area__path", "-pk")
    )
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("履职评价"), None)],
        "page_obj": page,
        "may_open": has_capability(user, Cap.MANAGE_COMMITTEE),
    }
    return render(request, "backoffice/finance/evaluation_list.html", context)


@login_required
def evaluation_open(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_viewer(user)
    if not has_capability(user, Cap.MANAGE_COMMITTEE):
        raise PermissionDenied(_("只有社区工作人员可以组织履职评价。"))
    form = forms_finance.EvaluationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = actions.check_open_evaluation(user, data["area"], data["year"], data["title"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("已开始“%(title)s”，共 %(n)d 个评议对象。")
                % {"title": evaluation.title, "n": evaluation.subjects.count()},
            )
            return redirect("backoffice:finance_evaluation_detail", pk=evaluation.pk)
    context = {
        "form": form,
        "breadcrumbs": [home_crumb(), evaluations_crumb(), (_("开始履职评价"), None)],
    }
    return render(request, "backoffice/finance/evaluation_form.html", context)


def evaluation_context(
    request: HttpRequest, evaluation: Evaluation, *, bound: forms.Form | None = None, bound_name: str = ""
) -> dict[str, Any]:
    user = request.user
    rows = actions.results(evaluation)
    may_manage = has_capability(user, Cap.MANAGE_COMMITTEE, evaluation.area)
    is_open = evaluation.status == Evaluation.Status.OPEN

    def form_for(name: str, factory: Any) -> forms.Form | None:
        if not (may_manage and is_open):
            return None
        return bound if bound is not None and bound_name == name else factory()

    return {
        "evaluation": evaluation,
        "breadcrumbs": [home_crumb(), evaluations_crumb(), (f"{evaluation.year} {evaluation.title}", None)],
        "rows": rows,
        "flagged": [subject for subject, _votes in rows if subject.flagged],
        "vote_total": sum(votes.total for _subject, votes in rows),
        "is_open": is_open,
        "may_manage": may_manage,
        "rating_form": form_for("rating", lambda: forms_finance.RatingForm(evaluation=evaluation)),
        "tally_form": form_for("tally", lambda: forms_finance.TallyForm(evaluation=evaluation)),
        "disclosures": list(actions.evaluations_disclosed(evaluation)),
    }


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = access_evaluation(request.user, pk)
    return render(request, DETAIL_TEMPLATE, evaluation_context(request, evaluation))


@login_required
@require_POST
def evaluation_rate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = access_evaluation(user, pk)
    require_manager(user, evaluation)
    form = forms_finance.RatingForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.check_record_rating(
                user,
                data["subject"],
                data["rater_id_number"],
                data["rater_kind"],
                data["grade"],
                data["comment"],
            )
        except ValidationError as exc:
            if "rater" in getattr(exc, "error_dict", {}):
                exc.error_dict["rater_id_number"] = exc.error_dict.pop("rater")
            attach_errors(form, exc)
        else:
            messages.success(request, _("已录入对“%(s)s”的评议票。") % {"s": data["subject"].label})
            return redirect("backoffice:finance_evaluation_detail", pk=evaluation.pk)
    messages.error(request, _("未能录入评议票，请按提示修改。"))
    return render(
        request, DETAIL_TEMPLATE, evaluation_context(request, evaluation, bound=form, bound_name="rating")
    )


@login_required
@require_POST
def evaluation_tally(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = access_evaluation(user, pk)
    require_manager(user, evaluation)
    form = forms_finance.TallyForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.check_record_tally(
                user, data["subject"], data["tally_fit"], data["tally_basic"], data["tally_unfit"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已录入“%(s)s”的计票结果。") % {"s": data["subject"].label})
            return redirect("backoffice:finance_evaluation_detail", pk=evaluation.pk)
    messages.error(request, _("未能录入计票结果，请按提示修改。"))
    return render(
        request, DETAIL_TEMPLATE, evaluation_context(request, evaluation, bound=form, bound_name="tally")
    )


@login_required
@require_POST
def evaluation_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = access_evaluation(user, pk)
    require_manager(user, evaluation)
    try:
        actions.do_close_evaluation(user, evaluation)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        flagged = evaluation.subjects.filter(flagged=True).count()
        if flagged:
            messages.warning(
                request,
                ngettext(
                    "评价已结束：%(n)d 个评议对象连续两年被评为不称职，已记入监委会台账。",
                    "评价已结束：%(n)d 个评议对象连续两年被评为不称职，已记入监委会台账。",
                    flagged,
                )
                % {"n": flagged},
            )
        else:
            messages.success(request, _("评价已结束，结果已计算。"))
    return redirect("backoffice:finance_evaluation_detail", pk=evaluation.pk)


@login_required
@require_POST
def evaluation_disclose(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = access_evaluation(user, pk)
    require_manager(user, evaluation)
    try:
        actions.check_create_results_disclosure(user, evaluation)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已生成结果公示草稿，须经居务监督委员会审核签字后才能公开。"))
    return redirect("backoffice:finance_evaluation_detail", pk=evaluation.pk)
