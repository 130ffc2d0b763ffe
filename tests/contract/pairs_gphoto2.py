"""gphoto2 still-camera pair: python-gphoto2 on libgphoto2's virtual camera (``vusb``: a PTP "Nikon DSC D750"
serving the JPEGs of ``VCAMERADIR``), filled with the synthetic applicant's portraits; a real camera when
``EKTP_HW_GPHOTO2_URL`` names one (e.g. ``gphoto2://``). Skipped with the reason when python-gphoto2 (the
optional extra ``gphoto2``) is not installed.

The virtual camera has no fault injection, so its control is ``None``; libgphoto2 reads ``VCAMERADIR`` once per
process, so every virtual pair of this process shares one folder.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import cv2

from drivers.interfaces import DeviceKind
from simulators.camera_server import face_frames
from simulators.sim_person import DEFAULT_SUBJECT
from tests.contract.conftest import Pair

HW_VAR = "EKTP_HW_GPHOTO2_URL"
HAVE_GPHOTO2 = importlib.util.find_spec("gphoto2") is not None


@lru_cache(maxsize=1)
def vcamera_dir() -> str:
    folder = Path(tempfile.mkdtemp(prefix="ektp-vcamera-"))
    for number, image in enumerate(face_frames(DEFAULT_SUBJECT, 3, size=(1080, 1440))):
        cv2.imwrite(str(folder / f"foto_{number}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return str(folder)


@contextmanager
def _virtual(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    from drivers.gphoto2_camera import Gphoto2Camera

    with Gphoto2Camera(f"gphoto2://vcamera?dir={vcamera_dir()}", **options) as camera:
        yield camera, None


@contextmanager
def _hardware(scenario: Any = None, **options: Any) -> Iterator[tuple[Any, Any]]:
    from drivers.gphoto2_camera import Gphoto2Camera

    with Gphoto2Camera(os.environ[HW_VAR], **options) as camera:
        yield camera, None


_NO_GPHOTO2 = "python-gphoto2 is not installed (pip install 'ektp-station[gphoto2]')"
PAIRS = [
    Pair(DeviceKind.CAMERA, "gphoto2-vcamera", _virtual, None if HAVE_GPHOTO2 else _NO_GPHOTO2),
    Pair(DeviceKind.CAMERA, "gphoto2-hw", _hardware,
         _NO_GPHOTO2 if not HAVE_GPHOTO2 else
         (None if os.environ.get(HW_VAR) and not os.environ.get("VCAMERADIR")
          else f"set {HW_VAR} (e.g. gphoto2://) to test a real camera (not in a process using the virtual one)")),
]
