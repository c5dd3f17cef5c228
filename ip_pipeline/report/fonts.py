"""The report's one typeface, WenQuanYi Micro Hei, registered with matplotlib and embedded in the PDF.

The font comes from the operating system, from a publisher with a name: Debian's
package `fonts-wqy-microhei` (Debian Fonts Task Force; upstream wenq.org, licence
Apache-2.0 or GPL-3+ with the font exception), installed by `make system-deps`.
`IP_PIPELINE_CJK_FONT` may point at another copy of the same face (a .ttc or .ttf),
e.g. on a machine without apt. Without it the report refuses with a sentence saying
what to install: a report with empty boxes for every Chinese character is worse
than none.

Matplotlib (>= 3.10) reads the TTC collection directly and embeds the face as a
CID TrueType font with `pdf.fonttype: 42`. Where it cannot, the first face is
extracted with fontTools into a cache folder under the data directory and that
TTF is registered instead.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from matplotlib import font_manager

from ..settings import CJK_FONT as FONT_ENV
from ..settings import settings

FAMILY = "WenQuanYi Micro Hei"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
# Where Debian (and Ubuntu) install the package's collection.
SYSTEM_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora's wqy-microhei-fonts
)


class MissingFontError(RuntimeError):
    """No copy of WenQuanYi Micro Hei: the Chinese report cannot be typeset."""


def collection_path() -> Path:
    """The font file: `$IP_PIPELINE_CJK_FONT`, else the system package's file."""
    override = settings().cjk_font
    if override is not None:
        if not override.is_file():
            raise MissingFontError(f"{FONT_ENV}={override} is not a font file")
        return override
    for path in SYSTEM_PATHS:
        if path.is_file():
            return path
    raise MissingFontError(
        f"no CJK font for the report: WenQuanYi Micro Hei was not found ({', '.join(map(str, SYSTEM_PATHS))}). "
        f"Install Debian's package {DEBIAN_PACKAGE} (`apt-get install {DEBIAN_PACKAGE}`, or `make system-deps` "
        f"as root), or set {FONT_ENV} to a copy of wqy-microhei.ttc"
    )


def publisher(path: Path) -> str:
    """Who the font file came from, in words for `doctor`: the package that owns it, if any."""
    if settings().cjk_font is not None:
        return f"from {FONT_ENV}"
    if path in SYSTEM_PATHS[:1]:
        return f"Debian package {DEBIAN_PACKAGE}, Debian Fonts Task Force; Apache-2.0 or GPL-3+"
    return "system font package"


def _extract_first_face(cache_dir: Path) -> Path:
    from fontTools.ttLib import TTCollection

    target = cache_dir / "wqy-microhei.ttf"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        TTCollection(str(collection_path())).fonts[0].save(str(target))
    return target


@cache
def register(cache_dir: Path | None = None) -> Path:
    """Register the font with matplotlib once; return the file that is used."""
    path = collection_path()
    try:
        font_manager.fontManager.addfont(str(path))
    except Exception:  # an older matplotlib without TTC support
        if cache_dir is None:
            raise
        path = _extract_first_face(cache_dir)
        font_manager.fontManager.addfont(str(path))
    return path


def rc_params() -> dict:
    """Matplotlib settings for every report figure: embedded TrueType, no mathtext surprises."""
    return {
        "font.family": [FAMILY],
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "text.parse_math": False,
        "axes.unicode_minus": True,
        "pdf.compression": 6,
        "svg.fonttype": "none",
    }


@lru_cache(maxsize=1)
def _face():
    from fontTools.ttLib import TTCollection

    return TTCollection(str(collection_path())).fonts[0]


@lru_cache(maxsize=1)
def cmap() -> dict[int, str]:
    return _face().getBestCmap()


@lru_cache(maxsize=1)
def _metrics() -> tuple[dict[str, tuple[int, int]], int]:
    face = _face()
    return face["hmtx"].metrics, face["head"].unitsPerEm


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the font cannot draw (whitespace and control characters aside)."""
    table = cmap()
    return {
        ch
        for ch in set(text)
        if not ch.isspace() and unicodedata.category(ch)[0] != "C" and ord(ch) not in table
    }


def text_width_pt(text: str, size_pt: float) -> float:
    """Advance width of a single line of `text` at `size_pt`, from the font's own metrics."""
    table = cmap()
    metrics, upem = _metrics()
    units = 0
    for ch in text:
        glyph = table.get(ord(ch))
        units += metrics[glyph][0] if glyph in metrics else upem
    return units / upem * size_pt


def wrap(text: str, width_pt: float, size_pt: float) -> list[str]:
    """Break `text` into lines no wider than `width_pt`: at spaces for Latin words, anywhere between CJK characters."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        tokens = _tokens(paragraph)
        line = ""
        for tok in tokens:
            candidate = line + tok
            if line and text_width_pt(candidate.rstrip(), size_pt) > width_pt:
                lines.append(line.rstrip())
                line = tok.lstrip()
                while text_width_pt(line, size_pt) > width_pt and len(line) > 1:  # one over-long word
                    cut = _fit(line, width_pt, size_pt)
                    lines.append(line[:cut])
                    line = line[cut:]
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines


def widest_unbreakable_pt(text: str, size_pt: float) -> float:
    """The width of the widest piece `wrap` never breaks (a Latin word with its sticking
    punctuation, one CJK character): a column narrower than this breaks a word."""
    return max(
        (text_width_pt(tok.strip(), size_pt) for para in str(text).split("\n") for tok in _tokens(para)),
        default=0.0,
    )


_NO_BREAK_BEFORE = set("，。、；：？！）》”’,.;:?!)%」』】")
_NO_BREAK_AFTER = set("（《“‘「『【")


def _tokens(text: str) -> list[str]:
    """Latin words keep their trailing space; CJK characters stand alone; closing punctuation sticks to the left."""
    out: list[str] = []
    word = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch in _NO_BREAK_BEFORE and (word or out):
            if word:
                word += ch
            else:
                out[-1] += ch
            continue
        if wide:
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        elif ch == " ":
            out.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    merged: list[str] = []
    for tok in out:  # an opening bracket never ends a line
        if merged and merged[-1] and merged[-1][-1] in _NO_BREAK_AFTER:
            merged[-1] += tok
        else:
            merged.append(tok)
    return merged


def _fit(text: str, width_pt: float, size_pt: float) -> int:
    for i in range(len(text), 0, -1):
        if text_width_pt(text[:i], size_pt) <= width_pt:
            return max(i, 1)
    return 1
