"""A credential as a PDF: its fields in both languages, the QR payload and the seal's key id.

The Chinese font is embedded (a subset of Droid Sans Fallback shipped in `fonts/`), so the
PDF reads the same on a machine with no CJK fonts; Latin text uses Helvetica, one of the
PDF standard fonts every reader has.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import segno
from django.urls import reverse
from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from onewindow.credentials import formats, services
from onewindow.credentials.kinds import KINDS
from onewindow.credentials.models import Credential

FONT_FILE = Path(__file__).with_name("fonts") / "DroidSansFallback-subset.ttf"
CJK = "OneWindowCJK"
LATIN = "Helvetica"


@cache
def _cjk_characters() -> frozenset[int]:
    font = TTFont(CJK, str(FONT_FILE))
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font, run) pieces: CJK glyphs from the embedded font, the rest Latin."""
    cjk = _cjk_characters()
    runs: list[tuple[str, str]] = []
    for character in text:
        font = CJK if ord(character) in cjk and ord(character) > 0xFF else LATIN
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + character)
        else:
            runs.append((font, character))
    return runs


def _text(canvas: Canvas, x: float, y: float, text: str, size: float) -> float:
    """Draw mixed Chinese and Latin text; returns the x after it."""
    for font, run in _runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)
    return x


def _wrapped(canvas: Canvas, x: float, y: float, text: str, size: float, width: float) -> float:
    """Draw text wrapped to `width`; returns the y below it."""
    line = ""
    for character in text:
        trial = line + character
        measured = sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(trial))
        if measured > width and line:
            _text(canvas, x, y, line, size)
            y -= size * 1.4
            line = character
        else:
            line = trial
    if line:
        _text(canvas, x, y, line, size)
        y -= size * 1.4
    return y


def qr_code(content: str) -> segno.QRCode:
    """The QR code of a credential's QR URL (`formats.qr_url`): the address in byte mode and
    the digits in numeric mode, so it is as small as the bare `OW1:` payload (version 12-13
    at level M). Other text (a bare payload) is encoded as segno sees fit."""
    prefix, separator, digits = content.rpartition(formats.QR_URL_PATH)
    if separator and digits.isascii() and digits.isdigit():
        # segno takes a list of (content, mode) segments; its annotations say only str.
        return segno.make(
            [(prefix + separator, segno.consts.MODE_BYTE), (digits, segno.consts.MODE_NUMERIC)],  # type: ignore[arg-type]
            error="m",
        )
    return segno.make(content, error="m")


def _qr(canvas: Canvas, content: str, x: float, y: float, size: float) -> None:
    """The QR as vector squares: sharp at any zoom, and no image library on the path."""
    code = qr_code(content)
    matrix = code.matrix
    count = len(matrix)
    module = size / (count + 8)
    canvas.setFillColorRGB(0, 0, 0)
    for row_number, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + (column + 4) * module,
                    y + size - (row_number + 5) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )


def _label(kind_code: str, name: str) -> tuple[str, str]:
    label = KINDS[kind_code].label_of(name)
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def render(credential: Credential) -> bytes:
    """The credential's PDF."""
    kind = KINDS[credential.kind]
    subject: dict[str, Any] = services.subject_of(credential)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{credential.number}")
    canvas.setAuthor(credential.issuer.name_en)
    width, height = A4
    with translation.override("zh-hans"):
        title_zh = str(kind.label)
    with translation.override("en"):
        title_en = str(kind.label)
    canvas.setStrokeColorRGB(0.6, 0.1, 0.1)
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    _text(canvas, 24 * mm, height - 36 * mm, f"电子{title_zh}", 24)
    _text(canvas, 24 * mm, height - 44 * mm, f"Electronic {title_en.lower()}", 12)
    y = height - 60 * mm
    _text(canvas, 24 * mm, y, f"编号 Number: {credential.number}", 10)
    y -= 14 * mm
    for name in kind.field_names:
        if name.endswith("Masked") and name.removesuffix("Masked") in subject:
            continue  # the full value is printed; the masked copy is for the QR
        zh, en = _label(credential.kind, name)
        _text(canvas, 24 * mm, y, f"{zh} {en}", 8)
        y = _wrapped(canvas, 24 * mm, y - 5 * mm, str(subject.get(name, "")), 11, 110 * mm)
        y -= 3 * mm
    local = timezone.localtime(credential.valid_from)
    _text(canvas, 24 * mm, y, f"发证日期 Issued: {local:%Y-%m-%d}", 10)
    y -= 6 * mm
    until = (
        f"{timezone.localtime(credential.valid_until):%Y-%m-%d %H:%M}"
        if credential.valid_until
        else "长期 Until revoked"
    )
    _text(canvas, 24 * mm, y, f"有效期至 Valid until: {until}", 10)
    _qr(canvas, services.qr_url(credential), width - 82 * mm, height - 120 * mm, 60 * mm)
    verify_page = reverse("credentials:verify")
    _text(canvas, width - 80 * mm, height - 124 * mm, f"扫码核验 Scan to verify: {verify_page}", 8)
    _text(canvas, 24 * mm, 40 * mm, f"发证机关 Issuer: {credential.issuer.name_zh}", 11)
    _text(canvas, 24 * mm, 34 * mm, credential.issuer.name_en, 9)
    _text(canvas, 24 * mm, 26 * mm, f"电子印章密钥 Seal key ID: {credential.seal.kid}", 8)
    _text(
        canvas,
        24 * mm,
        21 * mm,
        "本证照由发证机关电子印章签名，可离线核验。Signed with the issuer's electronic seal; "
        "verifiable offline.",
        7,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
