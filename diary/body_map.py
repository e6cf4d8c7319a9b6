"""The body map's drawing: a front and a back outline, drawn for this project from plain shapes
(ellipses and rounded rectangles), each limb part one region of codes.BODY_MAP_REGIONS.

Pure data, no Flask: templates/_body_map.html draws it, on the patient's form (each shape
shows whether its region is chosen; the real controls are the check boxes beside it) and in
the clinician's review (each shape filled by how often its region was reported).

Coordinates are in a 200 x 400 box. The limbs are drawn once, for the viewer's left; the
viewer's right is their mirror image. Seen from the front the viewer's left is the person's
right; seen from the back it is the person's left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from diary.codes import BODY_MAP_REGIONS

WIDTH, HEIGHT = 200, 400
VIEWS = (("front", "Front"), ("back", "Back"))
OTHER = "other"


@dataclass(frozen=True)
class Shape:
    region: str  # a codes.BODY_MAP_REGIONS key
    tag: str  # "ellipse" or "rect"
    attrs: tuple[tuple[str, str], ...]  # SVG presentation attributes, in order


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> dict[str, float]:
    return {"cx": cx, "cy": cy, "rx": rx, "ry": ry}


def _rect(x: float, y: float, w: float, h: float, r: float = 6) -> dict[str, float]:
    return {"x": x, "y": y, "width": w, "height": h, "rx": r}


# One limb of each kind, on the viewer's left: site -> (tag, geometry).
_LIMB: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("shoulder", "ellipse", _ellipse(62, 74, 15, 13)),
    ("upper_arm", "rect", _rect(44, 84, 20, 56)),
    ("elbow", "ellipse", _ellipse(53, 148, 11, 10)),
    ("forearm", "rect", _rect(42, 157, 19, 50)),
    ("wrist", "rect", _rect(41, 208, 19, 12, 4)),
    ("hand", "ellipse", _ellipse(50, 236, 13, 17)),
    ("hip", "ellipse", _ellipse(83, 206, 17, 13)),
    ("thigh", "rect", _rect(69, 218, 29, 72, 10)),
    ("knee", "ellipse", _ellipse(83, 300, 13, 12)),
    ("leg", "rect", _rect(73, 311, 21, 50, 8)),
    ("ankle", "rect", _rect(73, 361, 21, 11, 4)),
    ("foot", "ellipse", _ellipse(79, 383, 17, 9)),
)
# The head and the trunk: "somewhere else".
_CENTRE: tuple[tuple[str, dict[str, float]], ...] = (
    ("ellipse", _ellipse(100, 30, 19, 23)),
    ("rect", _rect(92, 50, 16, 14, 3)),
    ("rect", _rect(70, 62, 60, 138, 18)),
)


def _fmt(value: float) -> str:
    return f"{value:g}"


def _mirror(tag: str, geometry: dict[str, float]) -> dict[str, float]:
    mirrored = dict(geometry)
    if tag == "ellipse":
        mirrored["cx"] = WIDTH - geometry["cx"]
    else:
        mirrored["x"] = WIDTH - geometry["x"] - geometry["width"]
    return mirrored


def _shape(region: str, tag: str, geometry: dict[str, float]) -> Shape:
    return Shape(region, tag, tuple((k, _fmt(v)) for k, v in geometry.items()))


@lru_cache(maxsize=4)
def shapes(view: str) -> tuple[Shape, ...]:
    """The shapes of one view ("front" or "back"), the trunk first (limbs drawn over it)."""
    viewer_left, viewer_right = ("right", "left") if view == "front" else ("left", "right")
    drawn = [_shape(OTHER, tag, geometry) for tag, geometry in _CENTRE]
    for site, tag, geometry in _LIMB:
        drawn.append(_shape(f"{viewer_left}_{site}", tag, geometry))
        drawn.append(_shape(f"{viewer_right}_{site}", tag, _mirror(tag, geometry)))
    return tuple(drawn)


def side_marks(view: str) -> tuple[tuple[str, str], ...]:
    """The letters printed at the figure's two sides: (x, letter) for the viewer's left, right."""
    if view == "front":
        return (("12", "R"), (_fmt(WIDTH - 12), "L"))
    return (("12", "L"), (_fmt(WIDTH - 12), "R"))


@lru_cache(maxsize=4)
def _outline(view: str) -> tuple[tuple[str, str], ...]:
    """Each shape of the view as its markup before and after its fill: "<tag data-region=..
    attributes" and "/>"."""
    return tuple(
        (
            f'\n  <{s.tag} data-region="{escape(s.region)}"'
            + "".join(f' {name}="{escape(value)}"' for name, value in s.attrs),
            s.region,
        )
        for s in shapes(view)
    )


def filled_svg(view: str, fills: Mapping[str, str], label: str | None, small: bool = False):
    """One view with each region filled (the review's maps: `fills` region -> colour), as the
    figure macro of templates/_body_map.html draws it with `fills`; written here, not by a
    template loop per shape (a review draws ten maps)."""
    labelled = (
        f'role="img" aria-label="{escape(label)}"'
        if label
        else 'aria-hidden="true" focusable="false"'
    )
    marks = "".join(
        f'\n  <text x="{escape(x)}" y="22" text-anchor="middle" font-size="18" font-weight="700"'
        f' fill="currentColor">{escape(letter)}</text>'
        for x, letter in side_marks(view)
    )
    return Markup(  # noqa: S704 (numbers and codes, and text through escape())
        f'<svg class="bodymap__svg{" bodymap__svg--small" if small else ""}" viewBox="0 0 {WIDTH}'
        f' {HEIGHT}" {labelled}><g stroke="currentColor" stroke-width="1.5">'
        + "".join(f'{head} fill="{escape(fills[region])}"/>' for head, region in _outline(view))
        + f"\n  </g>{marks}\n</svg>"
    )


def _check() -> None:
    keys = {r.key for r in BODY_MAP_REGIONS}
    for view, _ in VIEWS:
        drawn = {s.region for s in shapes(view)}
        if drawn != keys:
            raise ValueError(f"body map {view}: regions without a shape {sorted(keys - drawn)}")


_check()
