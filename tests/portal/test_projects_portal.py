"""Welfare projects on the portal: a community's list, a project's public page (no personal data, only
committee-signed spending, only public progress photos), and residents' feedback with its flood limit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.core.test_projects import days_ago, in_progress, new_project, pay, png, sign
from yangguang.core.actions import projects
from yangguang.core.models import Project, ProjectFeedback


def project_url(project: Project) -> str:
    return reverse("portal:project", args=[project.pk])


def story(world: World) -> Project:
    """The clothes-rack project with a signed and an unsigned payment, a public and a private report."""
    project = in_progress(world)
    sign(world, pay(world, project, "XM-001", "6,000", "20"))
    pay(world, project, "XM-002", "4,200", "14")
    projects.check_add_progress(
        world.alice,
        project,
        on=days_ago(4),
        text="一片区安装完成，联系人张三丰 13812345678，身份证43010219500101123X",
        quantity_done="20",
        photos=[png("张三丰家门口.png")],
    )
    projects.check_add_progress(
        world.alice,
        project,
        on=days_ago(2),
        text="内部：与供货商对账",
        public=False,
        photos=[png("对账.png")],
    )
    projects.check_record_acceptance(
        world.alice,
        project,
        on=days_ago(1),
        quantity_counted="30",
        passed=True,
        notes="张三丰反映少装",
        participants="王爱丽、张三丰",
    )
    return project


def test_community_list_shows_projects_but_not_cancelled_ones(world: World) -> None:
    new_project(world, title="四区晾衣架安装")
    cancelled = new_project(world, title="已取消的项目")
    projects.do_project_transition(world.alice, cancelled, "cancel", "资金未到位")
    new_project(world, area=world.peace, title="和平里书柜", actor=world.carol)
    response = Client().get(reverse("portal:projects", args=[world.sunshine.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "四区晾衣架安装" in body and "已取消的项目" not in body and "和平里书柜" not in body
    assert Client().get(reverse("portal:projects", args=[world.street.pk])).status_code == 404
    assert Client().get(project_url(cancelled)).status_code == 404


def test_empty_community_says_so(world: World) -> None:
    body = Client().get(reverse("portal:projects", args=[world.sunshine.pk])).content.decode()
    assert "本社区暂无惠民项目" in body


def test_project_page_shows_public_facts_and_no_personal_data(world: World) -> None:
    project = story(world)
    body = Client().get(project_url(project)).content.decode()
    assert "四区晾衣架安装" in body and "2021年社区惠民资金" in body
    assert "芙蓉五金有限公司" in body
    assert "¥10,200.00" in body  # budget
    assert "¥6,000.00" in body  # only the committee-signed payment counts as spent
    assert "验收合格" in body and "实地清点 30 个" in body
    assert "一片区安装完成" in body and "内部：与供货商对账" not in body
    for secret in ("13812345678", "43010219500101123X", "张三丰", "王爱丽", "XM-00"):
        assert secret not in body
    assert "138****5678" in body


def test_a_person_as_contractor_is_masked(world: World) -> None:
    project = new_project(world)
    Project.objects.filter(pk=project.pk).update(contractor="李大明")
    body = Client().get(project_url(project)).content.decode()
    assert "李大明" not in body and "李*明" in body


def test_only_photos_of_public_reports_are_served(world: World) -> None:
    project = story(world)
    public_report, private_report = project.progress_reports.order_by("on")
    photos = projects.progress_photos([public_report, private_report])
    public_photo = photos[public_report.pk][0]
    private_photo = photos[private_report.pk][0]
    client = Client()
    response = client.get(reverse("portal:project_photo", args=[project.pk, public_photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "张三丰" not in response["Content-Disposition"]
    assert client.get(reverse("portal:project_photo", args=[project.pk, private_photo.pk])).status_code == 404
    other = new_project(world, title="别的项目")
    assert client.get(reverse("portal:project_photo", args=[other.pk, public_photo.pk])).status_code == 404
    body = client.get(project_url(project)).content.decode()
    assert reverse("portal:project_photo", args=[project.pk, public_photo.pk]) in body
    assert reverse("portal:project_photo", args=[project.pk, private_photo.pk]) not in body


def test_resident_leaves_feedback(world: World) -> None:
    project = new_project(world)
    client = Client()
    response = client.post(project_url(project), {"score": "4", "comment": "装得很好"})
    assert response.status_code == 302
    assert response["Location"] == project_url(project) + "?feedback=done#feedback"
    feedback = ProjectFeedback.objects.get()
    assert feedback.score == 4 and feedback.comment == "装得很好"
    body = client.get(response["Location"]).content.decode()
    assert "感谢您的评价" in body and "已有 1 位居民评价，平均 4.0 分" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择评分"),
        ({"score": "9"}, "请选择评分"),
        ({"score": "3", "comment": "好" * 501}, "不能超过500个字"),
    ],
)
def test_feedback_errors_are_shown_and_nothing_saved(
    world: World, data: dict[str, str], message: str
) -> None:
    project = new_project(world)
    response = Client().post(project_url(project), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "还没有提交成功" in body
    assert not ProjectFeedback.objects.exists()


def test_feedback_is_flood_limited(world: World) -> None:
    project = new_project(world)
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _n in range(projects.FEEDBACK_LIMIT_PER_HOUR):
        assert client.post(project_url(project), {"score": "5"}).status_code == 302
    response = client.post(project_url(project), {"score": "5"})
    assert response.status_code == 200 and "过于频繁" in response.content.decode()
    assert ProjectFeedback.objects.count() == projects.FEEDBACK_LIMIT_PER_HOUR


def test_unknown_project_is_404(world: World) -> None:
    assert Client().get(reverse("portal:project", args=[999999])).status_code == 404
