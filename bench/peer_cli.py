"""The peer as a command: plain faster-whisper over a list of files, one JSON per file (DIR/<file name>.json).

    .venv/bin/python bench/peer_cli.py FILE... --out DIR [--model base] [--threads 2] [--beam 5]

What an investigator without Parley would run: the model loaded once, then
`WhisperModel.transcribe(file, vad_filter=True, beam_size=5)` file by file
(int8 on the CPU), each transcript written as DIR/<file name>.json
({"language": ..., "text": ...}) as soon as it is done. bench_throughput times it
from the command's start to its exit, exactly as it times `python -m app transcribe`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam", type=int, default=5)
    args = parser.parse_args(argv)

    from faster_whisper import WhisperModel

    model_dir = Path(args.model) if Path(args.model).is_dir() else ROOT / "models" / args.model
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.files:
        segments, info = model.transcribe(str(path), vad_filter=True, beam_size=args.beam)
        text = " ".join(s.text.strip() for s in segments)
        record = {"source": str(path), "language": info.language, "text": text}
        (args.out / f"{path.name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
