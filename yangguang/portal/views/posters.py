"""QR posters for notice boards: `/c/<id>/poster.svg|.png`, `/q/<compound id>/poster.svg|.png` and a
printable A4 page `/c/<id>/poster/` (and `/q/<id>/poster/`).

The QR code holds the absolute address of the report form, built from the request, so print posters from
the public address of the site (not from a test or internal host name). A community poster points at
`/c/<id>/report/?via=qr`, a compound poster at `/q/<id>/`: both count as the "扫码反映" channel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.etree import ElementTree

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from yangguang.core.models import Area, Compound
from yangguang.portal.places import community_or_404, compound_or_404

# Error correction M survives a scuffed or partly covered poster; PNG modules of 10 px print sharply.
QR_ERROR = "m"
PNG_SCALE = 10
PNG_BORDER = 4
# The SVG poster is drawn on an A4 page measured in points.
PAGE_WIDTH = 595
PAGE_HEIGHT = 842
# The code sits between the name and the instructions with a quiet zone of at least 4 modules around it.
QR_SIZE = 330
QR_TOP = 245


@dataclass(frozen=True)
class Poster:
    url: str
    place: str  # what the poster names: the community, or "compound · community"
    slug: str  # for file names


def qr_for(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_path(url: str) -> tuple[str, int]:
    """The QR code as one SVG path (segno's, at one unit per module, no border) and its size in modules."""
    svg = qr_for(url).svg_inline(scale=1, border=0)
    root = ElementTree.fromstring(svg)  # noqa: S314 - segno's own output, not user input
    path = next(el for el in root.iter() if el.tag.endswith("path"))
    return path.attrib["d"], int(root.attrib["width"])


def _community_poster(request: HttpRequest, community: Area) -> Poster:
    url = request.build_absolute_uri(reverse("portal:community_report", args=[community.pk])) + "?via=qr"
    return Poster(url=url, place=community.name, slug=f"community-{community.pk}")


def _compound_poster(request: HttpRequest, compound: Compound, community: Area) -> Poster:
    url = request.build_absolute_uri(reverse("portal:qr_report", args=[compound.pk]))
    return Poster(url=url, place=f"{compound.name} · {community.name}", slug=f"compound-{compound.pk}")


def poster_svg(poster: Poster) -> str:
    path, modules = qr_path(poster.url)
    scale = QR_SIZE / modules
    # Chinese characters are about one em wide: shrink a long name so it fits the page.
    place_size = max(18, min(40, int((PAGE_WIDTH - 60) / max(len(poster.place), 1))))
    return render_to_string(
        "portal/poster.svg",
        {
            "poster": poster,
            "width": PAGE_WIDTH,
            "height": PAGE_HEIGHT,
            "center": PAGE_WIDTH / 2,
            "qr_path": path,
            "qr_x": (PAGE_WIDTH - QR_SIZE) / 2,
            "qr_y": QR_TOP,
            "qr_size": QR_SIZE,
            "qr_scale": f"{scale:.4f}",
            "place_size": place_size,
        },
    )


def _svg_response(poster: Poster) -> HttpResponse:
    response = HttpResponse(poster_svg(poster), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="poster-{poster.slug}.svg"'
    # The SVG holds no script, and a browser opening it directly should run none.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _png_response(poster: Poster) -> HttpResponse:
    buffer = io.BytesIO()
    qr_for(poster.url).save(buffer, kind="png", scale=PNG_SCALE, border=PNG_BORDER)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="qr-{poster.slug}.png"'
    return response


def _page(request: HttpRequest, poster: Poster, svg_url: str, png_url: str, back_url: str) -> HttpResponse:
    context = {"poster": poster, "svg_url": svg_url, "png_url": png_url, "back_url": back_url}
    return render(request, "portal/poster.html", context)


@require_GET
def community_poster_svg(request: HttpRequest, community_id: int) -> HttpResponse:
    return _svg_response(_community_poster(request, community_or_404(community_id)))


@require_GET
def community_poster_png(request: HttpRequest, community_id: int) -> HttpResponse:
    return _png_response(_community_poster(request, community_or_404(community_id)))


@require_GET
def community_poster(request: HttpRequest, community_id: int) -> HttpResponse:
    community = community_or_404(community_id)
    return _page(
        request,
        _community_poster(request, community),
        reverse("portal:community_poster_svg", args=[community.pk]),
        reverse("portal:community_poster_png", args=[community.pk]),
        reverse("portal:board", args=[community.pk]),
    )


@require_GET
def compound_poster_svg(request: HttpRequest, compound_id: int) -> HttpResponse:
    return _svg_response(_compound_poster(request, *compound_or_404(compound_id)))


@require_GET
def compound_poster_png(request: HttpRequest, compound_id: int) -> HttpResponse:
    return _png_response(_compound_poster(request, *compound_or_404(compound_id)))


@require_GET
def compound_poster(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound, community = compound_or_404(compound_id)
    return _page(
        request,
        _compound_poster(request, compound, community),
        reverse("portal:compound_poster_svg", args=[compound.pk]),
        reverse("portal:compound_poster_png", args=[compound.pk]),
        reverse("portal:board", args=[community.pk]),
    )
