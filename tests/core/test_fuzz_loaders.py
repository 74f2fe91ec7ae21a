"""A short, deterministic run of bench/fuzz_loaders.py: mutated real photos and a mutated real
clip give the loaders nothing but a load or a plain refusal (no crash, no hang)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_loaders.py"


def test_mutated_real_files_never_crash_or_hang_the_loaders(data_dir: Path) -> None:
    result = subprocess.run(
        [
            *(sys.executable, str(BENCH), "--data", str(data_dir), "--examples", "40"),
            *("--seed", "1", "--video-share", "0.4", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    counts = json.loads(result.stdout.splitlines()[-1])
    assert counts["problems"] == [], counts["problems"]
    assert counts["crashes"] == 0 and counts["hangs"] == 0 and result.returncode == 0
    # the run did fuzz both loaders, and the mutations were not all harmless
    assert counts["image_inputs"] > 0 and counts["video_inputs"] > 0
    assert counts["refused"] > 0 and counts["inputs"] == 40
