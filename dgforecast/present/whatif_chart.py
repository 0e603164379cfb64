"""The what-if's fan chart, drawn in full once, then moved: a slider step redraws only what it moves.

A step of a slider moves the fan's bands, its median and the base point (the plan's baseline × the assumed
ratio); the axes, the target line, the published figures, the legends and the titles stay where they were. A
full redraw costs about 35 ms to build the artists again and 50 ms to rasterise them (the text above all);
``LiveFan`` rasterises the artists that stay once, in layers by the order the axes draw them (those under the
bands, those between the bands and the median, and so on), and a step only sets the moving artists' data,
draws them between the layers (a few ms) and encodes the PNG (about 8 ms). The picture is the one a full
redraw gives, to rounding (``tests/present/test_whatif.py``). When the fan outgrows the y axis, ``fits`` says
so and the caller draws the figure again with a wider axis.
"""

import io

import numpy as np

from dgforecast.present.chart_marks import BASE_MARK_GID
from dgforecast.present.scenario_charts import BAND_GID, MEDIAN_GID

#: zlib level of the PNG: level 1 encodes in a third of the default's time for a few % more bytes.
PNG_LEVEL = 1


def moving_artists(ax) -> list:
    """The artists of a fan chart that a what-if slider moves, in the order the axes draw them."""
    ids = (BAND_GID, MEDIAN_GID, BASE_MARK_GID)
    return [a for a in _drawn(ax) if (a.get_gid() or "").split(":")[0] in ids]


def _drawn(ax) -> list:
    # What Axes.draw draws, in its order: the children but the patch, by zorder (a stable sort).
    return sorted((a for a in ax.get_children() if a is not ax.patch), key=lambda a: a.get_zorder())


def png_of(rgba) -> bytes:
    """An RGBA buffer (height x width x 4) as PNG bytes (read in place: no copy of the pixels)."""
    from PIL import Image

    buffer = io.BytesIO()
    height, width = rgba.shape[:2]
    Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).save(buffer, format="png",
                                                                              compress_level=PNG_LEVEL)
    return buffer.getvalue()


class Layer:
    """Pixels of artists drawn on a transparent figure: where they cover it, their colour and their coverage."""

    def __init__(self, rgba):
        flat = rgba.reshape(-1, 4)
        self.where = np.flatnonzero(flat[:, 3])
        self.colour = flat[self.where, :3].astype(np.int32)
        self.alpha = flat[self.where, 3:4].astype(np.int32)

    def over(self, rgba) -> None:
        """Composite the layer over an opaque RGBA buffer, in place (Agg's blend: dst + (src − dst) · α)."""
        flat = rgba.reshape(-1, 4)
        below = flat[self.where, :3].astype(np.int32)
        flat[self.where, :3] = below + ((self.colour - below) * self.alpha + 127) // 255


class LiveFan:
    """A fan chart (``whatif.fan_figure``) whose moving artists are redrawn over layers of the rest.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A fan chart drawn by ``scenario_charts.fan_chart`` (one axes). It is laid out once here and its
        layout engine is then switched off, so later draws keep the same place for everything.
    """

    def __init__(self, figure):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.canvas.draw()  # lays the figure out (constrained), as its first PNG would
        figure.set_layout_engine(None)  # "none" would keep a placeholder that lays out again at each draw
        self.ax = figure.axes[0]
        self.moving = moving_artists(self.ax)
        self.steps = self._layers()

    def _render(self, shown) -> np.ndarray:
        # The figure with only ``shown`` visible (the figure's and the axes' backgrounds included or not).
        everything = [self.figure.patch, self.ax.patch, *_drawn(self.ax)]
        visible = [a.get_visible() for a in everything]
        try:
            for artist in everything:
                artist.set_visible(artist in shown and artist.get_visible())
            self.canvas.draw()
            return np.array(self.canvas.buffer_rgba())
        finally:
            for artist, was in zip(everything, visible):
                artist.set_visible(was)

    def _layers(self) -> list:
        """The drawing steps of a frame: an opaque start (the backgrounds and what lies under the first
        moving artist), then each moving artist and the ``Layer`` of what the axes draw after it."""
        runs, run = [], [self.figure.patch, self.ax.patch]
        for artist in _drawn(self.ax):
            if artist in self.moving:
                runs.append(run)
                runs.append(artist)
                run = []
            else:
                run.append(artist)
        runs.append(run)
        self.start = self._render(set(runs[0]))
        return [item if not isinstance(item, list) else Layer(self._render(set(item))) for item in runs[1:]
                if not isinstance(item, list) or item]

    def fits(self, frame, base_value=None) -> bool:
        """Whether the fan (``scenario_charts.fan_frame``) and the base point lie within the y axis as drawn."""
        low, high = self.ax.get_ylim()
        values = frame.to_numpy(dtype=float)
        lowest, highest = np.nanmin(values), np.nanmax(values)
        if base_value is not None:
            lowest, highest = min(lowest, base_value), max(highest, base_value)
        return bool(low <= lowest and highest <= high)

    def move(self, frame, base=None) -> bytes:
        """The chart with the fan ``frame`` (years x quantiles, drawn from ``base`` = (year, value)) as PNG bytes."""
        years = frame.index.to_numpy(dtype=float)
        for artist in self.moving:
            kind, *quantiles = (artist.get_gid() or "").split(":")
            if kind == BAND_GID:
                low, high = (frame[float(q)].to_numpy(dtype=float) for q in quantiles)
                artist.set_verts([np.column_stack([np.r_[years, years[::-1]], np.r_[low, high[::-1]]])])
            elif kind == MEDIAN_GID:
                artist.set_data(years, frame[0.5].to_numpy(dtype=float))
            elif kind == BASE_MARK_GID and base is not None:
                x = artist.get_offsets()[0][0]  # its year, dodged beside other marks of that year
                artist.set_offsets([[x, float(base[1])]])
        rgba = np.asarray(self.canvas.buffer_rgba())
        rgba[...] = self.start
        renderer = self.canvas.get_renderer()
        for step in self.steps:
            if isinstance(step, Layer):
                step.over(rgba)
            else:
                step.draw(renderer)
        return png_of(rgba)
