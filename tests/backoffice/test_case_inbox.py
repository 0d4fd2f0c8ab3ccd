"""The staff inbox: one's own in-app notifications only, the unread count, marking read (one or all), the
link to the case, and a pinned query count."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.backoffice.test_case_page import dispatched, logged_in, new_case
from tests.conftest import World
from yangguang.core.actions import notify
from yangguang.core.models import Notification

INBOX = reverse("backoffice:inbox")


def test_anonymous_is_sent_to_login(db: None) -> None:
    for response in (
        Client().get(INBOX),
        Client().post(reverse("backoffice:inbox_read_all")),
        Client().post(reverse("backoffice:inbox_read", args=[1])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("backoffice:login"))


def test_dispatch_notice_reaches_the_handlers_inbox_with_a_link(world: World) -> None:
    case = dispatched(world)
    response = logged_in(world.grace).get(INBOX)
    page = response.content.decode()
    assert "新派单" in page
    assert reverse("backoffice:case_detail", args=[case.pk]) in page
    assert "未读 1 条" in page


def test_others_messages_are_not_shown(world: World) -> None:
    dispatched(world)
    page = logged_in(world.alice).get(INBOX).content.decode()
    assert "新派单" not in page
    assert "未读 0 条" in page
    assert "还没有消息" in page


def test_mark_one_read_and_outsider_gets_404(world: World) -> None:
    dispatched(world)
    note = Notification.objects.get(user=world.grace)
    url = reverse("backoffice:inbox_read", args=[note.pk])
    assert logged_in(world.alice).post(url).status_code == 404
    assert logged_in(world.mallory).post(url).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    response = logged_in(world.grace).post(url, {"return_query": "unread=1"})
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?unread=1"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "未读 0 条" in logged_in(world.grace).get(INBOX).content.decode()
    assert logged_in(world.grace).get(url).status_code == 405


def test_mark_all_read_and_unread_filter(world: World) -> None:
    case = new_case(world)
    for n in range(3):
        notify.to_user(world.grace, f"提醒{n}", "正文", case)
    notify.to_user(world.alice, "别人的", "正文", case)
    client = logged_in(world.grace)
    assert "未读 3 条" in client.get(INBOX).content.decode()
    client.post(
        reverse("backoffice:inbox_read", args=[Notification.objects.filter(user=world.grace).first().pk])
    )  # type: ignore[union-attr]
    unread_only = client.get(INBOX, {"unread": "1"}).content.decode()
    assert unread_only.count(">标为已读</button>") == 2
    client.post(reverse("backoffice:inbox_read_all"))
    assert not Notification.objects.filter(user=world.grace, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.alice, read_at__isnull=True).exists()


def test_sms_to_residents_are_not_in_anyones_inbox(world: World) -> None:
    case = new_case(world)
    notify.to_reporter(case.reporters.get(), "您反映的问题有了新进展", "已处理", case)
    assert "新进展" not in logged_in(world.alice).get(INBOX).content.decode()


def test_user_without_any_role_has_an_empty_inbox(world: World) -> None:
    assert logged_in(world.mallory).get(INBOX).status_code == 200


def test_query_count_does_not_grow_with_messages(world: World) -> None:
    case = new_case(world)

    def count_queries() -> int:
        client = logged_in(world.grace)
        client.get(INBOX)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(INBOX)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    notify.to_user(world.grace, "提醒", "正文", case)
    few = count_queries()
    for n in range(10):
        notify.to_user(world.grace, f"提醒{n}", "正文", new_case(world, reporter_phone=f"1390000003{n}"))
    assert count_queries() == few
    # session, user, unread count, page count, the user's roles (navigation), page rows (cases joined)
    assert few == 6
