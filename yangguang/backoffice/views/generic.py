"""Reusable registry views, after NetBox: list, detail, edit (create and update), delete and reveal.

Each registry model gets small subclasses in `views/registry.py` naming its model, queryset, form and
templates; the permission flow is written once, here:

- list: the user holds VIEW_REGISTRY somewhere (else 404); rows come from `visible_to(user, VIEW_REGISTRY)`;
- detail: `access_object(user, Model, pk, VIEW_REGISTRY)`: 404 for anyone outside the record's area;
- edit, delete: as detail (404), then EDIT_REGISTRY at the record's area, else 403 ("can see, cannot edit");
- create: EDIT_REGISTRY somewhere (403 for read-only roles, 404 for users who see nothing);
- reveal: as detail (404), then REVEAL_PERSONAL at the record's area, else 403.

`submit_form` is the POST of one form on a record's page (an inspection, a project …): run the action,
then redirect, or show the page again with the form's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.views import View

from yangguang.backoffice.forms import RegistryFilterForm, RegistryForm, RevealForm, attach_errors
from yangguang.core.actions import audit, privacy, registry
from yangguang.core.actions.access import access_object
from yangguang.core.models import Area
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser

_M = TypeVar("_M", bound=models.Model)
_R = TypeVar("_R")

# A breadcrumb: its label and, when the user may follow it, its URL.
Crumb = tuple[str, str | None]


# --- access ----------------------------------------------------------------------------------------------


def area_of(obj: models.Model) -> Area | None:
    if isinstance(obj, Area):
        return obj
    area = getattr(obj, "area", None)
    return area if isinstance(area, Area) else None


def require_view_anywhere(user: User) -> None:
    """404 for users who see no registry data at all (a list page has nothing to show them)."""
    if not has_capability(user, Cap.VIEW_REGISTRY):
        raise Http404


def require_edit_anywhere(user: User) -> None:
    require_view_anywhere(user)
    if not has_capability(user, Cap.EDIT_REGISTRY):
        raise PermissionDenied(gettext("您可以查看登记信息，但没有修改权限。"))


def access_for_edit(
    user: User, model: type[_M], pk: object, queryset: models.QuerySet[_M] | None = None
) -> _M:
    """Load a record the user may change: 404 if they cannot see it, 403 if they can see but not edit it.

    `access_object` answers 404 for any missing capability; the back office tells a reader who followed
    a link that the page exists but is read-only for them, so the two checks are made in turn.
    """
    obj = access_object(user, model, pk, Cap.VIEW_REGISTRY, queryset=queryset)
    if not has_capability(user, Cap.EDIT_REGISTRY, area_of(obj)):
        raise PermissionDenied(gettext("您可以查看该记录，但没有修改权限。"))
    return obj


def scoped(model: type[models.Model]) -> ScopedQuerySet[Any]:
    """All records of a registry model as a jurisdiction-aware queryset."""
    queryset = model._default_manager.all()
    if not isinstance(queryset, ScopedQuerySet):  # pragma: no cover - a programming error
        raise TypeError(f"{model.__name__} has no jurisdiction-scoped manager")
    return queryset


# --- breadcrumbs -----------------------------------------------------------------------------------------


def path_maker(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many rows: the URL is reversed once and the key put in by string
    formatting (a list of 50 rows reversed one by one cost about a millisecond)."""
    marker = 9_876_543_210
    template = reverse(name, args=[marker]).replace(str(marker), "{}")
    return template.format


def home_crumb() -> Crumb:
    return gettext("工作台"), reverse("backoffice:home")


def area_trail(user: User, area: Area | None) -> list[Crumb]:
    """Home, then the areas from the root down to `area` (one query), linked where the user may look."""
    crumbs = [home_crumb()]
    if area is None:
        return crumbs
    for ancestor in Area.objects.filter(pk__in=area.ancestor_ids()).order_by("depth"):
        url = reverse("backoffice:area_detail", args=[ancestor.pk])
        crumbs.append((ancestor.name, url if has_capability(user, Cap.VIEW_REGISTRY, ancestor) else None))
    return crumbs


def object_crumb(user: User, obj: models.Model, label: str | None = None) -> Crumb:
    """A record in a trail, linked when the user may open it."""
    area = area_of(obj)
    url = reverse(f"backoffice:{obj._meta.model_name}_detail", args=[obj.pk])
    linkable = area is not None and has_capability(user, Cap.VIEW_REGISTRY, area)
    return label or str(obj), url if linkable else None


# --- a form posted from a record's page -----------------------------------------------------------------


def show_refusal(request: HttpRequest, exc: ValidationError) -> None:
    """An action's refusal as one error message."""
    messages.error(request, "；".join(exc.messages))


def submit_form(
    request: HttpRequest,
    form: forms.BaseForm,
    perform: Callable[[dict[str, Any]], _R],
    *,
    done: str | Callable[[_R], str],
    success_url: str | Callable[[_R], str],
    failed: StrOrPromise,
    rerender: Callable[[], HttpResponse],
    refused_url: str | None = None,
    refuse: Callable[[HttpRequest, ValidationError], None] = show_refusal,
) -> HttpResponse:
    """Run `perform(form.cleaned_data)` (an action) for a valid form, then:

    - it returns a result: the success message `done`, and a redirect to `success_url` (each may be a
      function of the result, e.g. of the record just created);
    - it raises a ValidationError: the error goes beside the form's fields (`attach_errors`). With
      `refused_url`, an error that names no field (the record is no longer in a state that allows the
      step) is instead shown as a message by `refuse` and the user is sent to `refused_url`;
    - the form was invalid or got the action's errors: the error message `failed`, and `rerender()`, the
      page with the bound form in place of its blank one.
    """
    if form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except ValidationError as exc:
            if refused_url is not None and not hasattr(exc, "error_dict"):
                refuse(request, exc)
                return redirect(refused_url)
            attach_errors(form, exc)
        else:
            messages.success(request, done if isinstance(done, str) else done(result))
            return redirect(success_url if isinstance(success_url, str) else success_url(result))
    messages.error(request, str(failed))
    return rerender()


# --- views -----------------------------------------------------------------------------------------------


class RegistryView(LoginRequiredMixin, View):
    """Base of the registry views: anonymous users go to the login page (LoginRequiredMixin)."""

    model: ClassVar[type[models.Model]]

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"backoffice:{cls.model._meta.model_name}_{action}"

    @classmethod
    def verbose_name(cls) -> str:
        return str(cls.model._meta.verbose_name)

    def list_crumbs(self) -> list[Crumb]:
        return [home_crumb(), (str(self.model._meta.verbose_name_plural), reverse(self.url_name("list")))]

    def trail(self, obj: Any) -> list[Crumb]:
        """Breadcrumbs ending at `obj` (linked); detail views override it to add the physical chain."""
        return [*area_trail(self.request.user, area_of(obj)), object_crumb(self.request.user, obj)]

    def get_queryset(self) -> models.QuerySet[Any]:
        """The records with what their pages need loaded alongside (select_related/prefetch_related)."""
        return self.model._default_manager.all()


class ObjectListView(RegistryView):
    """A paginated, searchable list of the records the user may see. Query count does not grow with rows."""

    filter_form_class: ClassVar[type[RegistryFilterForm]]
    table_template: ClassVar[str]
    template_name: ClassVar[str] = "backoffice/registry/list.html"
    # The kind name of `backoffice:export` for lists that can be exported (persons, households, dwellings).
    export_kind: ClassVar[str | None] = None

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        """Add what the table shows (select_related, prefetch_related, annotations) after the filters."""
        return queryset

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        require_view_anywhere(user)
        filter_form = self.filter_form_class(request.GET or None, user=user)
        queryset = filter_form.apply(scoped(self.model).visible_to(user, Cap.VIEW_REGISTRY))
        page = Paginator(self.for_display(queryset), settings.PAGE_SIZE).get_page(request.GET.get("page"))
        crumbs = self.list_crumbs()
        context = {
            "title": self.model._meta.verbose_name_plural,
            "verbose_name": self.verbose_name(),
            "breadcrumbs": [*crumbs[:-1], (crumbs[-1][0], None)],
            "filter_form": filter_form,
            "page_obj": page,
            "object_list": page.object_list,
            "table_template": self.table_template,
            "add_url": reverse(self.url_name("add")) if has_capability(user, Cap.EDIT_REGISTRY) else None,
            "export_kind": self.export_kind if has_capability(user, Cap.EXPORT_REGISTRY) else None,
        }
        return render(request, self.template_name, context)


class ObjectDetailView(RegistryView):
    """One record's page. Subclasses add related lists in `get_extra_context` without N+1 queries."""

    template_name: ClassVar[str]
    # Sealed fields the page offers to reveal (field → button label), for users with REVEAL_PERSONAL.
    reveal_fields: ClassVar[dict[str, StrOrPromise]] = {}

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access_object(request.user, self.model, pk, Cap.VIEW_REGISTRY, queryset=self.get_queryset())
        return render(request, self.template_name, self.get_context_data(obj))

    def get_context_data(self, obj: Any, **extra: Any) -> dict[str, Any]:
        user = self.request.user
        area = area_of(obj)
        can_edit = has_capability(user, Cap.EDIT_REGISTRY, area)
        may_reveal = bool(self.reveal_fields) and has_capability(user, Cap.REVEAL_PERSONAL, area)
        crumbs = self.trail(obj)
        context: dict[str, Any] = {
            "object": obj,
            "verbose_name": self.verbose_name(),
            "breadcrumbs": [*crumbs[:-1], (crumbs[-1][0], None)],
            "can_edit": can_edit,
            "edit_url": reverse(self.url_name("edit"), args=[obj.pk]) if can_edit else None,
            "delete_url": reverse(self.url_name("delete"), args=[obj.pk]) if can_edit else None,
            "reveal_form": RevealForm(fields=self.reveal_fields) if may_reveal else None,
            "reveal_buttons": self.reveal_buttons(obj) if may_reveal else [],
            "reveal_url": reverse(self.url_name("reveal"), args=[obj.pk]) if may_reveal else None,
        }
        context.update(self.get_extra_context(obj))
        context.update(extra)
        return context

    def get_extra_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def reveal_buttons(self, obj: Any) -> list[tuple[str, StrOrPromise]]:
        """(field, button label) for each revealable field that holds a value."""
        return [
            (name, label) for name, label in self.reveal_fields.items() if getattr(obj, f"{name}_enc", "")
        ]


class ObjectRevealView(ObjectDetailView):
    """POST: show one sealed value in full on the response page, after `privacy.do_reveal` checked the
    permission and the reason and wrote the audit entry. The value is not kept anywhere (no session, no
    cache: the response is marked no-store); reloading the detail page shows the mask again."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        obj = access_object(user, self.model, pk, Cap.VIEW_REGISTRY, queryset=self.get_queryset())
        if not has_capability(user, Cap.REVEAL_PERSONAL, area_of(obj)):
            raise PermissionDenied(gettext("您没有查看完整个人信息的权限。"))
        form = RevealForm(request.POST, fields=self.reveal_fields)
        revealed: dict[str, Any] | None = None
        if form.is_valid():
            name = form.cleaned_data["field"]
            try:
                value = privacy.do_reveal(user, obj, name, form.cleaned_data["reason"])
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                label = obj._meta.get_field(f"{name}_masked").verbose_name
                revealed = {"field": name, "label": label, "value": value}
        extra: dict[str, Any] = {"revealed": revealed}
        if revealed is None:
            extra["reveal_form"] = form
        response = render(request, self.template_name, self.get_context_data(obj, **extra))
        response["Cache-Control"] = "no-store"
        return response


class ObjectEditView(RegistryView):
    """Create (no pk) or edit a record through its form's `save_record` (registry actions + audit)."""

    form_class: ClassVar[type[RegistryForm]]
    template_name: ClassVar[str] = "backoffice/registry/edit.html"
    # Query parameters copied into a new record's form, e.g. /office/buildings/add/?compound=3.
    initial_from_query: ClassVar[tuple[str, ...]] = ()

    def load(self, pk: int | None) -> tuple[models.Model, dict[str, Any] | None]:
        """The record and its audit snapshot taken before the form touches it (None when creating)."""
        user = self.request.user
        if pk is None:
            require_edit_anywhere(user)
            return self.model(), None
        obj = access_for_edit(user, self.model, pk, queryset=self.get_queryset())
        return obj, audit.snapshot(obj)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj, _before = self.load(pk)
        initial = {name: request.GET[name] for name in self.initial_from_query if request.GET.get(name)}
        form = self.form_class(instance=obj, user=request.user, initial=initial)
        return self.render_form(form, obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj, before = self.load(pk)
        form = self.form_class(request.POST, instance=obj, user=request.user)
        if form.is_valid():
            try:
                saved = form.save_record(request.user, before)
            except ValidationError as exc:
                if before is None:
                    # The transaction was rolled back: the form is still about a new record.
                    obj.pk = None
                    obj._state.adding = True
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已保存。"))
                return redirect(self.url_name("detail"), pk=saved.pk)
        return self.render_form(form, obj)

    def render_form(self, form: RegistryForm, obj: models.Model) -> HttpResponse:
        creating = obj.pk is None
        if creating:
            title = gettext("新增%(name)s") % {"name": self.verbose_name()}
            crumbs = [*self.list_crumbs(), (gettext("新增"), None)]
            cancel_url = reverse(self.url_name("list"))
        else:
            title = gettext("编辑%(name)s") % {"name": self.verbose_name()}
            crumbs = [*self.trail(obj), (gettext("编辑"), None)]
            cancel_url = reverse(self.url_name("detail"), args=[obj.pk])
        context = {
            "form": form,
            "object": obj,
            "title": title,
            "breadcrumbs": crumbs,
            "cancel_url": cancel_url,
        }
        return render(self.request, self.template_name, context)


class ObjectDeleteView(RegistryView):
    """Ask, then delete through `registry.do_delete_record`; a protected record shows the action's message."""

    template_name: ClassVar[str] = "backoffice/registry/delete.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access_for_edit(request.user, self.model, pk, queryset=self.get_queryset())
        return self.render_confirm(obj)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access_for_edit(request.user, self.model, pk, queryset=self.get_queryset())
        try:
            registry.do_delete_record(request.user, obj)
        except ValidationError as exc:
            return self.render_confirm(obj, errors=exc.messages)
        messages.success(request, gettext("已删除。"))
        return redirect(self.url_name("list"))

    def render_confirm(self, obj: models.Model, errors: list[str] | None = None) -> HttpResponse:
        context = {
            "object": obj,
            "label": self.object_label(obj),
            "verbose_name": self.verbose_name(),
            "title": gettext("删除%(name)s") % {"name": self.verbose_name()},
            "breadcrumbs": [*self.trail(obj), (gettext("删除"), None)],
            "cancel_url": reverse(self.url_name("detail"), args=[obj.pk]),
            "errors": errors or [],
        }
        return render(self.request, self.template_name, context)

    def object_label(self, obj: models.Model) -> str:
        return self.trail(obj)[-1][0]


# --- URLs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryViews:
    """The views of one registry model and their URLs: <prefix>/, add/, <pk>/, <pk>/edit/, <pk>/delete/.

    URL names are `<model>_list`, `<model>_add`, `<model>_detail`, `<model>_edit`, `<model>_delete`, plus
    `<model>_reveal` when a reveal view is given.
    """

    prefix: str
    list_view: type[ObjectListView]
    detail_view: type[ObjectDetailView]
    edit_view: type[ObjectEditView]
    delete_view: type[ObjectDeleteView]
    reveal_view: type[ObjectRevealView] | None = None
    extra: tuple[URLPattern, ...] = field(default=())

    def urls(self) -> list[URLPattern]:
        name = self.detail_view.model._meta.model_name
        patterns = [
            path(f"{self.prefix}/", self.list_view.as_view(), name=f"{name}_list"),
            path(f"{self.prefix}/add/", self.edit_view.as_view(), name=f"{name}_add"),
            path(f"{self.prefix}/<int:pk>/", self.detail_view.as_view(), name=f"{name}_detail"),
            path(f"{self.prefix}/<int:pk>/edit/", self.edit_view.as_view(), name=f"{name}_edit"),
            path(f"{self.prefix}/<int:pk>/delete/", self.delete_view.as_view(), name=f"{name}_delete"),
        ]
        if self.reveal_view is not None:
            patterns.append(
                path(f"{self.prefix}/<int:pk>/reveal/", self.reveal_view.as_view(), name=f"{name}_reveal")
            )
        return [*patterns, *self.extra]
