"""What every chart shares: the CJK font that draws its Chinese labels on a fresh machine, its colours, and
a figure to draw on.

The CJK font is the Noto Sans CJK SC file shipped inside the ``mplfonts`` package. It is
registered with matplotlib in memory (``fontManager.addfont``); nothing is written into the
install location or into matplotlib's font cache folder.
"""

import logging
from pathlib import Path

import matplotlib

log = logging.getLogger(__name__)

#: The font file ``mplfonts`` ships, and the family name it registers under.
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FAMILY = "Noto Sans CJK SC"

FAN_COLOUR = "#1f5f9f"
THRESHOLD_COLOUR = "#c0392b"
#: Legend text of values filled in for years without a figure.
INTERPOLATED_LABEL = "插值（非数据）interpolated, not data"
INTERPOLATED_COLOUR = "#7f7f7f"


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by ``mplfonts``."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the mplfonts package lacks {CJK_FONT_FILE}; reinstall mplfonts")
    return path


def use_cjk_font() -> str:
    """Register the CJK font in memory and make it matplotlib's first sans-serif family.

    Safe to call many times. Changes ``matplotlib.rcParams`` (font list, minus sign) for the
    running process only.

    Returns
    -------
    str
        The family name now used for text (``"Noto Sans CJK SC"``).
    """
    from matplotlib import font_manager

    if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(cjk_font_path()))
        log.info("registered %s from mplfonts", CJK_FAMILY)
    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    rc["font.sans-serif"] = [CJK_FAMILY] + [f for f in rc["font.sans-serif"] if f != CJK_FAMILY]
    # The font's own hyphen-minus avoids a glyph lookup for U+2212 in tick labels.
    rc["axes.unicode_minus"] = False
    return CJK_FAMILY


def new_axes(ax, figsize=(8, 4.5)):
    """(figure, axes) to draw on: ``ax`` and its figure when given, else a new figure of ``figsize``."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize, layout="constrained")
