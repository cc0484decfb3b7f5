"""Build the console's label glyphs: MapLibre glyph PBFs (signed distance fields) from a TTF.

MapLibre GL JS draws text from glyph ranges of 256 code points, fetched from the style's
``glyphs`` URL (``/static/vendor/glyphs/{fontstack}/{range}.pbf``). No npm package ships
such ranges ready to use (the font packages for GL styles ship generators built on a
native addon, fontnik), so this script makes them from a font shipped by a registry
package, once, and the output is committed like the rest of ``static/vendor``.

Font: DejaVu Sans (Bitstream Vera / DejaVu licence: free to use, copy and redistribute),
as shipped in the PyPI wheel of matplotlib (``matplotlib/mpl-data/fonts/ttf``); any TTF
may be given instead. Rendering is Pillow's FreeType; the distance transform is SciPy's.

Conventions (those MapLibre's shader and shaping expect, as node-fontnik writes them):
glyphs rendered at 24 px, a 3 px border around each bitmap, distances scaled so that
the outline is at 192 of 255 and 8 px of distance spans the rest; ``top`` is the glyph's
ascent above the baseline less the font's ascent at 24 px (``TOP_SHIFT``).

Usage::

    python tools/build_glyphs.py [FONT.ttf] [--name "DejaVu Sans"] [--out DIR]

Only the ranges the console needs are written (``RANGES``: Latin, Greek, Cyrillic, the
punctuation and the dingbats with the airport sign), about 0.4 MB in all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

SIZE = 24  # px, the size MapLibre's glyph metrics are in
BUFFER = 3  # px of border around each bitmap
RADIUS = 8.0  # px of distance from the outline to 0 or 255
CUTOFF = 0.25  # the outline sits at 255 * (1 - CUTOFF)
SUPER = 4  # supersampling of the outline for the distance transform
TOP_SHIFT = 26  # ascent at 24 px, as fontnik subtracts it
RANGES = (0, 256, 512, 768, 1024, 7680, 8192, 9984)  # starts of 256-code-point ranges
OUT = Path(__file__).resolve().parents[1] / "src/airsentry/server/static/vendor/glyphs"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num: int, value: int | bytes, *, signed: bool = False) -> bytes:
    """One protobuf field: a varint (zig-zag when ``signed``) or length-delimited bytes."""
    if isinstance(value, bytes):
        return _varint(num << 3 | 2) + _varint(len(value)) + value
    if signed:
        value = (value << 1) ^ (value >> 31)
    return _varint(num << 3) + _varint(value)


def _sdf(font: ImageFont.FreeTypeFont, ch: str) -> tuple[bytes, int, int, int, int] | None:
    """The glyph's SDF bitmap and (width, height, left, ascent) at SIZE px; None for an
    empty glyph (a space: advance only)."""
    left, top, right, bottom = font.getbbox(ch, anchor="ls")
    if right <= left or bottom <= top:
        return None
    x0, y0 = int(np.floor(left / SUPER)), int(np.floor(top / SUPER))
    w, h = int(np.ceil(right / SUPER)) - x0, int(np.ceil(bottom / SUPER)) - y0
    pad = (BUFFER + int(RADIUS) + 1) * SUPER
    img = Image.new("L", ((w * SUPER) + 2 * pad, (h * SUPER) + 2 * pad), 0)
    ImageDraw.Draw(img).text(
        (pad - x0 * SUPER, pad - y0 * SUPER), ch, font=font, fill=255, anchor="ls"
    )
    inside = np.asarray(img) >= 128
    signed = distance_transform_edt(~inside) - distance_transform_edt(inside)
    # sample at the centres of the (w + 2 BUFFER) x (h + 2 BUFFER) output pixels
    first = pad - BUFFER * SUPER + SUPER // 2
    ys = first + SUPER * np.arange(h + 2 * BUFFER)
    xs = first + SUPER * np.arange(w + 2 * BUFFER)
    d = signed[np.ix_(ys, xs)] / SUPER
    values = np.clip(np.round(255 - 255 * (d / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)
    return values.tobytes(), w, h, x0, -y0


def glyph_range(font: ImageFont.FreeTypeFont, name: str, start: int) -> bytes:
    """One range file: the glyphs of code points start..start+255 the font has."""
    cmap = _cmap(font)
    glyphs = b""
    for cp in range(start, start + 256):
        if cp not in cmap or cp < 32 or 0x7F <= cp < 0xA0:
            continue
        ch = chr(cp)
        advance = round(font.getlength(ch) / SUPER)
        body = _field(1, cp)
        drawn = _sdf(font, ch)
        if drawn is None:
            body += _field(3, 0) + _field(4, 0) + _field(5, 0, signed=True)
            body += _field(6, -TOP_SHIFT, signed=True)
        else:
            bitmap, w, h, left, ascent = drawn
            body += _field(2, bitmap) + _field(3, w) + _field(4, h)
            body += _field(5, left, signed=True) + _field(6, ascent - TOP_SHIFT, signed=True)
        glyphs += _field(3, body + _field(7, advance))
    stack = _field(1, name.encode()) + _field(2, f"{start}-{start + 255}".encode()) + glyphs
    return _field(1, stack)


_CMAPS: dict[str, set[int]] = {}


def _cmap(font: ImageFont.FreeTypeFont) -> set[int]:
    """Code points the font maps to a glyph (read with fontTools when present, else probed)."""
    path = str(font.path)
    if path not in _CMAPS:
        from fontTools.ttLib import TTFont  # matplotlib depends on it

        with TTFont(path) as tt:
            _CMAPS[path] = set(tt.getBestCmap())
    return _CMAPS[path]


def default_font() -> Path:
    import matplotlib  # build time only: ships DejaVu Sans

    return Path(matplotlib.__file__).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("font", nargs="?", type=Path, default=None)
    ap.add_argument("--name", default="DejaVu Sans", help="the font stack's name in styles")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    path = args.font or default_font()
    font = ImageFont.truetype(str(path), SIZE * SUPER, layout_engine=ImageFont.Layout.BASIC)
    out = args.out / args.name
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for start in RANGES:
        data = glyph_range(font, args.name, start)
        (out / f"{start}-{start + 255}.pbf").write_bytes(data)
        total += len(data)
    licence = path.parent / "LICENSE_DEJAVU"
    if licence.exists():
        (args.out / "LICENSE_DEJAVU.txt").write_text(licence.read_text())
    print(f"{len(RANGES)} ranges of {args.name} ({path.name}) in {out}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
