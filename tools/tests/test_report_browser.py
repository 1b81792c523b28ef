#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Browser test of the HTML reports of `cva report` and `cva demo` (standard library only).

Usage: test_report_browser.py PATH_TO_CVA OUTDIR

Renders each report with headless Chromium to PNG and checks that every chart is drawn:
 1. the whole page, as the reader sees it (OUTDIR/<name>-page.png, kept for inspection);
 2. every <svg> of the page placed on a second page at a known position, one below the
    other (OUTDIR/<name>-charts.html and -charts.png); inside each SVG's box, the share of
    pixels that are not the white background must be at least 1 %, and the box must hold
    at least three distinct colours (axes, text, data).
Reports: the demo (always) and CDNOW (when CVA_DATA_DIR holds CDNOW_sample.txt).
Without Chromium the test is skipped with a message (exit 77); with CVA_REQUIRE_BROWSER=1
(set by .ci/run) a missing Chromium is a failure.
Exit status 0 pass, 1 fail, 77 skip (meson convention).
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    else:
        print("ok:", what)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def screenshot(chrome, html_path, png_path, width, height):
    if os.path.exists(png_path):
        os.remove(png_path)
    cmd = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", "--disable-dev-shm-usage", "--disable-background-networking",
           "--force-device-scale-factor=1", "--window-size=%d,%d" % (width, height),
           "--screenshot=" + png_path, "file://" + os.path.abspath(html_path)]
    p = subprocess.run(cmd, capture_output=True, timeout=180)
    if p.returncode != 0 or not os.path.exists(png_path):
        print(p.stderr.decode("utf-8", "replace")[-2000:])
        return False
    return True


def read_png(path):
    """(width, height, channels, rows of bytes) of an 8-bit non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace != 0 or ctype not in (2, 6):
                raise ValueError("unsupported PNG (depth %d, colour type %d)" % (depth, ctype))
            ch = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif ft == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def box_stats(img, x0, y0, x1, y1):
    """Share of non-white pixels in the box, and the number of distinct colours there."""
    w, h, ch, rows = img
    x1, y1 = min(x1, w), min(y1, h)
    ink = total = 0
    colours = set()
    for y in range(y0, y1):
        row = rows[y]
        for x in range(x0, x1):
            px = row[x * ch:x * ch + 3]
            total += 1
            if px != b"\xff\xff\xff":
                ink += 1
                if len(colours) < 64:
                    colours.add(px)
    return (ink / total if total else 0.0), len(colours)


SVG_RE = re.compile(r"<svg\b[^>]*\bwidth=\"(\d+)\" height=\"(\d+)\".*?</svg>", re.S)


def check_report(chrome, name, html_path, outdir):
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    svgs = [(m.group(0), int(m.group(1)), int(m.group(2))) for m in SVG_RE.finditer(page)]
    check(len(svgs) >= 8, "%s: at least eight charts (%d)" % (name, len(svgs)))
    # 1. the whole page
    tall = 2400 + sum(h + 120 for _, _, h in svgs)
    png = os.path.join(outdir, name + "-page.png")
    ok = screenshot(chrome, html_path, png, 1000, tall)
    check(ok, "%s: page rendered to %s" % (name, png))
    if ok:
        img = read_png(png)
        ink, colours = box_stats(img, 0, 0, img[0], min(img[1], 600))
        check(ink > 0.02 and colours > 3, "%s: the top of the page is drawn (%.3f ink, %d colours)" % (name, ink, colours))
    # 2. every chart at a known position
    gap, y, boxes, parts = 24, 0, [], []
    width = max([w for _, w, _ in svgs] + [100])
    for svg, w, h in svgs:
        parts.append('<div style="position:absolute;left:0;top:%dpx;width:%dpx;height:%dpx">%s</div>' % (y, w, h, svg))
        boxes.append((0, y, w, y + h))
        y += h + gap
    charts = os.path.join(outdir, name + "-charts.html")
    with open(charts, "w", encoding="utf-8") as f:
        f.write('<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff}'
                'svg{display:block}</style></head><body>%s</body></html>\n' % "\n".join(parts))
    png = os.path.join(outdir, name + "-charts.png")
    ok = screenshot(chrome, charts, png, width, y + gap)
    check(ok, "%s: charts rendered to %s" % (name, png))
    if not ok:
        return
    img = read_png(png)
    check(img[0] >= width and img[1] >= y, "%s: screenshot covers every chart (%dx%d)" % (name, img[0], img[1]))
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        ink, colours = box_stats(img, x0, y0, x1, y1)
        check(ink >= 0.01 and colours >= 3, "%s: chart %d drawn in its box (%.3f non-blank, %d colours)" %
              (name, i + 1, ink, colours))
    # the gaps between the charts stay blank: the boxes are where the charts are
    if len(boxes) > 1:
        ink, _ = box_stats(img, 0, boxes[0][3] + 4, width, boxes[1][1] - 4)
        check(ink == 0.0, "%s: the gap after chart 1 is blank (%.3f)" % (name, ink))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    cva, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    chrome = find_chromium()
    if not chrome:
        msg = "SKIP: Chromium not found (apt-get install chromium); the reports were not rendered"
        print(msg)
        sys.stderr.write(msg + "\n")
        if os.environ.get("CVA_REQUIRE_BROWSER") == "1":
            print("FAIL: CVA_REQUIRE_BROWSER=1 but Chromium is missing")
            return 1
        return 77
    os.makedirs(outdir, exist_ok=True)
    demo = os.path.join(outdir, "demo.html")
    p = subprocess.run([cva, "demo", "--report", demo, "-o", os.devnull], capture_output=True)
    check(p.returncode == 0, "cva demo --report exit 0 (%r)" % p.stderr[-500:])
    if p.returncode == 0:
        check_report(chrome, "demo", demo, outdir)
    data = os.environ.get("CVA_DATA_DIR", "")
    sample = os.path.join(data, "CDNOW_sample.txt")
    if os.path.exists(sample):
        cd = os.path.join(outdir, "cdnow.html")
        p = subprocess.run([cva, "report", "--input", sample, "--no-header", "--delimiter", "whitespace",
                            "--customer-col", "2", "--date-col", "3", "--amount-col", "5",
                            "--calibration-end", "1997-09-30", "-o", cd], capture_output=True)
        check(p.returncode == 0, "cva report on CDNOW exit 0 (%r)" % p.stderr[-500:])
        if p.returncode == 0:
            check_report(chrome, "cdnow", cd, outdir)
    else:
        msg = "note: CDNOW not found at %r: only the demo report was rendered" % data
        print(msg)
        if os.environ.get("CVA_REQUIRE_DATA") == "1":
            check(False, "CVA_REQUIRE_DATA=1 but CDNOW_sample.txt is missing")
    print("screenshots in", outdir)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
