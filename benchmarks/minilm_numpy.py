"""What the optional sentence encoder costs (`conversations/nlu/encoder.py`).

all-MiniLM-L6-v2 run with numpy (no torch): import + load time, RSS, one-utterance latency
(200 CLINC150 test utterances of 5-15 words, one at a time, as in production), batch
throughput (2,000 train utterances, batch 64) and three cosine similarities as a sanity
check. One thread, as a web or worker process runs it:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 RAYON_NUM_THREADS=1 \\
        .venv/bin/python -m benchmarks.minilm_numpy "$CLINC150"

Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from conversations.nlu.encoder import BATCH, MiniLM

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def _import_and_load_s() -> float:
    """In a fresh interpreter: import numpy, safetensors, tokenizers and load the model."""
    code = (
        "import time; t = time.perf_counter(); "
        "from conversations.nlu.encoder import MiniLM; MiniLM(); "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return round(float(done.stdout.strip()), 2)


def main(data_path: str) -> None:
    with open(data_path, encoding="utf-8") as fh:
        data = json.load(fh)
    short = [t for t, _ in data["test"] if 5 <= len(t.split()) <= 15][:200]
    many = [t for t, _ in data["train"]][:2000]
    load_s = _import_and_load_s()
    model = MiniLM()
    rss_loaded = _rss_mb()
    reset, forgot, weather = (
        model.encode_one(t)
        for t in ("how do I reset my password", "I forgot my password", "what's the weather")
    )
    model.encode_one(short[0])  # warm-up, not timed
    one = []
    for text in short:
        started = time.perf_counter()
        model.encode_one(text)
        one.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    model.encode(many)
    batch_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "minilm_numpy",
                "import_and_load_s": load_s,
                "rss_after_load_mb": rss_loaded,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "single_n": len(one),
                "single_p50_ms": round(float(np.percentile(one, 50)), 2),
                "single_p99_ms": round(float(np.percentile(one, 99)), 2),
                "batch_n": len(many),
                "batch_size": BATCH,
                "batch_s": round(batch_s, 2),
                "batch_per_s": round(len(many) / batch_s, 1),
                "cos_reset_forgot": round(float(reset @ forgot), 3),
                "cos_reset_weather": round(float(reset @ weather), 3),
                "cos_forgot_weather": round(float(forgot @ weather), 3),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
