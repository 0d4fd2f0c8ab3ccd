"""The simulated present of the demo's supervision and welfare work, and the small files it attaches.

The committee's year (terms, inspections, rectification notices, vouchers, applications, notices, payments)
is created through the actions themselves, so that every row, history line, ledger line, audit entry and
case event is exactly what the back office would have written. The actions read the time from
`django.utils.timezone.now()` (directly, through `timezone.localdate()` and through `auto_now_add`), so
while the demo replays that work, `Clock.running()` puts a simulated clock in its place: each step happens
at the moment the story says, in the past, and the 督办 of an overdue notice is written by the real SLA job
run at the moment it would have run.

The trade-off: swapping a module attribute is process-wide. `seed_demo` is a single-threaded command and
the clock is restored in a `finally`; never use it inside a server process.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yangguang.core.actions import sla
from yangguang.lib.workdays import WorkCalendar

# Each reading of the clock moves it on a little, so that rows written in one step keep their order.
TICK = datetime.timedelta(milliseconds=5)


class Clock:
    """A settable clock for `timezone.now`: `at(moment)` sets it, every reading moves it on by `TICK`."""

    def __init__(self, as_of: datetime.datetime) -> None:
        self.as_of = as_of  # nothing may happen at or after this moment (midnight before the day of seeding)
        self.cal: WorkCalendar = sla.calendar()
        self.tz = self.cal.tz
        self._moment = as_of - datetime.timedelta(days=400)

    def now(self) -> datetime.datetime:
        self._moment += TICK
        return self._moment

    def at(self, moment: datetime.datetime) -> datetime.datetime:
        """Set the clock (never past `as_of`: a step due later than that has not happened yet)."""
        if moment >= self.as_of:
            raise ValueError(f"demo clock set to {moment}, after {self.as_of}")
        self._moment = moment
        return moment

    def before_end(self, moment: datetime.datetime) -> bool:
        """Whether a step planned for `moment` has happened by the reference moment (leaving a margin
        for the clock's ticks within the step)."""
        return moment < self.as_of - datetime.timedelta(minutes=30)

    @contextmanager
    def running(self) -> Iterator[Clock]:
        original = timezone.now
        timezone.now = self.now
        try:
            yield self
        finally:
            timezone.now = original

    # --- moments

    def moment(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def workday(self, day: datetime.date, forward: bool = True) -> datetime.date:
        """`day` if it is a working day, else the next (or previous) one."""
        step = datetime.timedelta(days=1 if forward else -1)
        while not self.cal.is_workday(day):
            day += step
        return day

    def add_workdays(self, day: datetime.date, n: int) -> datetime.date:
        while n > 0:
            day += datetime.timedelta(days=1)
            if self.cal.is_workday(day):
                n -= 1
        return day

    def office(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """`hour:minute` on the working day `day` (or the next one)."""
        return self.moment(self.workday(day), hour, minute)


# --- small generated files: receipts and photos ----------------------------------------------------------


def png_bytes(key: str, width: int = 24, height: int = 16) -> bytes:
    """A small valid PNG: horizontal bands in colours derived from `key` (a stand-in for a photo)."""
    digest = zlib.crc32(key.encode()).to_bytes(4, "big") + zlib.adler32(key.encode()).to_bytes(4, "big")
    rows = []
    for y in range(height):
        band = digest[(y * 3) % 6 : (y * 3) % 6 + 3]
        rows.append(b"\x00" + bytes(band) * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of ASCII text (a stand-in for a scanned receipt)."""
    text = " ".join(
        f"({line.encode('ascii', 'replace').decode().replace('(', '[').replace(')', ']')}) Tj 0 -16 Td"
        for line in lines
    )
    stream = f"BT /F1 11 Tf 24 120 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 160] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo(key: str) -> SimpleUploadedFile:
    return upload(f"{key}.png", png_bytes(key), "image/png")
