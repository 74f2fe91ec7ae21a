"""The whole probe picture with every face found outlined and numbered, the searched face in
the warning colour: the reader sees which face of a group photo a search was about, and what
else was in the picture, not only a crop.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from rekog_desktop.core.cases.searches import ProbeImage
from rekog_desktop.core.common.types import FaceBox

SEARCHED = (200, 30, 20)
OTHER = (40, 120, 220)


def outlined(picture: ProbeImage, boxes: list[FaceBox], searched: int | None) -> bytes:
    """`picture` as a JPEG with `boxes` (original pixels, largest first) drawn on it, labelled
    1, 2, ... as the faces are numbered elsewhere; `searched` is the index drawn in red."""
    image = Image.open(io.BytesIO(picture.jpeg)).convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 300))
    for index, box in enumerate(boxes):
        colour = SEARCHED if index == searched else OTHER
        s = picture.scale
        rect = (box.left * s, box.top * s, box.right * s, box.bottom * s)
        draw.rectangle(rect, outline=colour, width=width * (2 if index == searched else 1))
        label = str(index + 1)
        x, y = rect[0], max(0.0, rect[1] - 12 * width)
        draw.rectangle((x, y, x + 8 * width * len(label), y + 12 * width), fill=colour)
        draw.text((x + width, y), label, fill=(255, 255, 255), font_size=10 * width)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
