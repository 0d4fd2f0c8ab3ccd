"""The browser harness itself: chromium starts, Chinese text renders in a CJK font, axe-core finds problems."""

from __future__ import annotations

from typing import Any

import pytest

ACCESSIBLE_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="Content-Security-Policy" content="default-src 'self'">
  <title>阳光社区 · 测试页</title>
  <style>body { font-family: "Noto Sans CJK SC", sans-serif; color: #1a1a1a; background: #fff; }</style>
</head>
<body>
  <header><p>阳光社区居务监督平台</p></header>
  <main>
    <h1>你好，居民朋友</h1>
    <p>请在下方填写您反映的问题。</p>
    <form>
      <label for="title">问题标题</label>
      <input id="title" name="title" type="text" autocomplete="off">
      <button type="submit">提交</button>
    </form>
  </main>
</body>
</html>"""

INACCESSIBLE_PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>缺少替代文本</title></head>
<body><main><h1>公示栏</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40"></main></body>
</html>"""


def test_accessible_chinese_page_passes_axe(page: Any, assert_accessible: Any) -> None:
    page.set_content(ACCESSIBLE_PAGE)
    assert page.title() == "阳光社区 · 测试页"
    assert_accessible(page)


def test_chinese_text_renders_with_a_cjk_font(page: Any) -> None:
    page.set_content(ACCESSIBLE_PAGE)
    # The system font is really there: loading it by its local name fails when it is not installed
    # (document.fonts.check() alone answers true for fonts that do not exist).
    assert page.evaluate(
        """async () => {
            try {
                await new FontFace("probe", 'local("Noto Sans CJK SC")').load();
                return true;
            } catch (e) {
                return false;
            }
        }"""
    )
    assert page.evaluate("""() => document.fonts.check('16px "Noto Sans CJK SC"', '你好')""")
    # Each ideograph is one em wide, and two different ideographs draw different pixels; missing-glyph
    # boxes (tofu) would draw the same box for both.
    width, distinct, inked = page.evaluate(
        """() => {
            const draw = (text) => {
                const canvas = document.createElement("canvas");
                canvas.width = canvas.height = 48;
                const ctx = canvas.getContext("2d");
                ctx.font = '40px "Noto Sans CJK SC"';
                ctx.textBaseline = "top";
                ctx.fillText(text, 4, 4);
                return [ctx.measureText(text).width, Array.from(ctx.getImageData(0, 0, 48, 48).data)];
            };
            const [w1, a] = draw("你");
            const [w2, b] = draw("好");
            return [w1 + w2, a.some((v, i) => v !== b[i]), a.some(v => v > 0) && b.some(v => v > 0)];
        }"""
    )
    assert width == pytest.approx(80, abs=1)
    assert inked
    assert distinct


def test_phone_page_is_phone_sized(phone_page: Any) -> None:
    phone_page.set_content(ACCESSIBLE_PAGE)
    size = phone_page.evaluate(
        "() => [window.innerWidth, window.devicePixelRatio, navigator.maxTouchPoints > 0]"
    )
    assert size == [390, 2, True]


def test_assert_accessible_reports_an_image_without_alt(page: Any, assert_accessible: Any) -> None:
    page.set_content(INACCESSIBLE_PAGE)
    with pytest.raises(pytest.fail.Exception) as excinfo:
        assert_accessible(page)
    message = str(excinfo.value)
    assert "image-alt" in message
    assert "img" in message
