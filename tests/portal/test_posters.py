"""QR posters for notice boards: SVG with the place and instructions, PNG of the code, an A4 print page."""

from __future__ import annotations

from xml.etree import ElementTree

import segno
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import PNG_SIGNATURE
from yangguang.core.actions import registry

SVG = "{http://www.w3.org/2000/svg}"


def expected_qr_path(url: str) -> str:
    """The module path segno draws for `url`: the poster must carry exactly this code."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=0)
    root = ElementTree.fromstring(svg)  # noqa: S314 - segno's output
    return next(el.attrib["d"] for el in root.iter() if el.tag.endswith("path"))


def parse(response: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(response)  # noqa: S314 - our own output, under test


def texts(root: ElementTree.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def test_community_poster_svg_holds_the_qr_of_the_report_address(world: World, client: Client) -> None:
    response = client.get(reverse("portal:community_poster_svg", args=[world.sunshine.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = parse(response.content)  # valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    url = f"http://testserver/c/{world.sunshine.pk}/report/?via=qr"
    paths = [el.attrib["d"] for el in root.iter(f"{SVG}path")]
    assert paths == [expected_qr_path(url)]
    assert "Noto Sans CJK SC" in root.attrib["font-family"]
    lines = texts(root)
    assert "阳光社区" in lines
    assert any("扫描" in line for line in lines)
    assert f"网址：{url}" in lines


def test_compound_poster_names_compound_and_community(world: World, client: Client) -> None:
    response = client.get(reverse("portal:compound_poster_svg", args=[world.compound.pk]))
    root = parse(response.content)
    assert "芙蓉苑 · 阳光社区" in texts(root)
    url = f"http://testserver/q/{world.compound.pk}/"
    assert [el.attrib["d"] for el in root.iter(f"{SVG}path")] == [expected_qr_path(url)]


def test_names_are_escaped_in_the_svg(world: World, client: Client) -> None:
    odd = registry.do_create_area(None, parent=world.street, kind="community", name='<新&"社区">')
    root = parse(client.get(reverse("portal:community_poster_svg", args=[odd.pk])).content)
    assert '<新&"社区">' in texts(root)


def test_png_posters_are_png(world: World, client: Client) -> None:
    for response in (
        client.get(reverse("portal:community_poster_png", args=[world.sunshine.pk])),
        client.get(reverse("portal:compound_poster_png", args=[world.compound.pk])),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE)


def test_printable_page_shows_the_poster_and_instructions(world: World, client: Client) -> None:
    html = client.get(reverse("portal:community_poster", args=[world.sunshine.pk])).content.decode()
    assert f'src="{reverse("portal:community_poster_svg", args=[world.sunshine.pk])}"' in html
    assert "A4" in html and "打印" in html
    assert reverse("portal:community_poster_png", args=[world.sunshine.pk]) in html
    compound_page = client.get(reverse("portal:compound_poster", args=[world.compound.pk]))
    assert "芙蓉苑 · 阳光社区" in compound_page.content.decode()


def test_posters_of_unknown_places_are_404(world: World, client: Client) -> None:
    for name in ("community_poster", "community_poster_svg", "community_poster_png"):
        assert client.get(reverse(f"portal:{name}", args=[world.grid.pk])).status_code == 404
    for name in ("compound_poster", "compound_poster_svg", "compound_poster_png"):
        assert client.get(reverse(f"portal:{name}", args=[999999])).status_code == 404
