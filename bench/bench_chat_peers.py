"""Chat questions across councils and limited to peers, at scale: warm latency per question.

    python bench/bench_chat_peers.py --sections 150
    python bench/bench_chat_peers.py --sections 1377 --workdir DIR --empty-index

Builds a synthetic corpus (``synthetic.py``) with the real index (``--empty-index``: no index, a
hashing embedder stands in, as the scale tests do; ``--workdir``: keep the corpus and caches), then asks each question
of one ``Chat`` twice (cold, then warm) with the conversation about the first report's council,
and prints the warm time per question and the median against the issue-14 target of a
cross-council chat answer <= 1 s warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import Settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate  # noqa: E402

QUESTIONS = [
    "Which councils scored 4 on partnerships and communities?",
    "Who is best at hospital discharge?",
    "Which councils are best at data sharing?",
    "How does our score compare with our region?",
    "What can we learn from councils in our region about co-production?",
    "What do other London boroughs do about data sharing?",
    "What do councils like us do about co-production?",
]
TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", type=int, default=150)
    parser.add_argument("--workdir", type=Path, help="keep the corpus, index and caches here (reused when present)")
    parser.add_argument("--empty-index", action="store_true", help="skip embedding and index sync (busy machine)")
    args = parser.parse_args(argv)
    if args.empty_index:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from scale_helpers import without_index

        without_index(setattr)
    from assistant.chat import Chat
    from assistant.models import ChatContext
    from assistant.service import Assistant

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        if not (work / "seeds").is_dir():
            generate(work / "seeds", args.sections)
        print(f"load average {Path('/proc/loadavg').read_text().split()[0]}")
        t = time.perf_counter()
        a = Assistant(
            Settings(
                seeds_dir=work / "seeds", vectorstore_dir=work / "vectorstore", data_dir=work / "data", engine="builtin"
            )
        )
        a.reports()
        a.search("warm up", k=1)
        print(
            f"{len(a.reports())} sections, {len({r.authority for r in a.reports()})} councils, "
            f"ingest {time.perf_counter() - t:.1f} s"
        )
        own = a.reports()[0]
        context = ChatContext(authority=own.authority, report_id=own.id)
        chat = Chat(a)
        warm: list[float] = []
        for q in QUESTIONS:
            t = time.perf_counter()
            chat.respond(q, context=context)
            cold = time.perf_counter() - t
            t, cpu = time.perf_counter(), time.process_time()
            turn = chat.respond(q, context=context)
            warm.append(time.perf_counter() - t)
            cpu = time.process_time() - cpu
            print(f"| {q} | {turn.intent} | cold {cold:.2f} s | warm {warm[-1]:.2f} s (CPU {cpu:.2f} s) |")
        median = statistics.median(warm)
        print(
            f"warm median {median:.2f} s, worst {max(warm):.2f} s (target <= {TARGET_S} s; "
            f"ratio {median / TARGET_S:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
