"""What a probe is, stated before it is searched and kept with the search.

Wrongful arrests have followed searches run with composite sketches, "looks like" photos of
another person and edited images as if they were photos of the suspect. The officer states
the probe type; the strict preset refuses probes that are not photos of the person, and the
investigative preset searches them under a warning that goes into the record and the PDF.
"""

from __future__ import annotations

from enum import StrEnum

from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.scoring.calibration import Preset


class ProbeType(StrEnum):
    PHOTO = "photo"
    VIDEO_STILL = "video-still"
    SKETCH = "sketch"
    LOOKALIKE = "lookalike"
    EDITED = "edited"


#: Probe types that are not a photograph of the person sought.
NOT_OF_THE_PERSON = frozenset({ProbeType.SKETCH, ProbeType.LOOKALIKE})

_WARNINGS = {
    ProbeType.SKETCH: (
        "probe is a composite sketch or artist's impression, not a photo of the person: "
        "distances to it are not calibrated and any candidate is at most a weak lead"
    ),
    ProbeType.LOOKALIKE: (
        "probe is a photo of another person said to look alike: candidates resemble that "
        "person, not necessarily the one sought; at most a weak lead"
    ),
    ProbeType.EDITED: (
        "probe is an edited image: edits change the face measured; compare candidates with "
        "the unedited original"
    ),
}


class ProbeTypeRefused(RekogError):
    """The preset does not allow this kind of probe."""


def probe_warning(probe_type: ProbeType, preset: Preset) -> str:
    """The warning recorded with a search of this probe type ("" for a photo or a still);
    raises ProbeTypeRefused where the preset does not allow the type at all."""
    if preset == "strict" and probe_type in NOT_OF_THE_PERSON:
        raise ProbeTypeRefused(
            f"the strict preset refuses {probe_type.value} probes (not a photo of the person "
            "sought); use the investigative preset, whose results carry a warning"
        )
    return _WARNINGS.get(probe_type, "")
