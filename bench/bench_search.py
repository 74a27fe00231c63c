"""Search speed over a case of 100,000 segments (synthetic, in the shape of real transcripts).

    .venv/bin/python bench/bench_search.py                 # 100,000 segments, fresh case
    .venv/bin/python bench/bench_search.py --segments 20000 --repeat 3

Builds a fresh case in a temporary folder through the store API (so the index is
filled by the migration's triggers, as in use): 200 exhibits, English
transcripts with names, places, vehicles, sums and phone numbers, some German,
French and Polish text with accents, some Chinese and Japanese, and a share of
proofread (edited) segments. Then times `app.core.search.search` (limit 100,
snippets included) over a fixed set of queries: words, prefixes, phrases,
accent-folded, common and rare words, no-space-script substrings, no-hit
queries; then the time to list every entity in the case. Prints median and
p95 over every timed query and writes the figures to bench/out/search.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.search import count, search
from app.core.search.entities import case_entities
from app.core.store import Case
from app.core.types import ModelInfo, Segment, SourceInfo

NAMES = ["Anna", "Tomasz", "Mohammed", "Chloe", "Darius", "Ioana", "Kevin", "Siobhan", "Marek",
         "Fatima", "Jamal", "Olena", "Pedro", "Priya", "Connor", "Bogdan"]
PLACES = ["the car park on Station Road", "Tesco in Walsall", "the bank on Main Street",
          "Birmingham New Street", "the chicken shop", "his cousin's flat", "the garage in Dudley",
          "the services on the M6", "Manchester Piccadilly", "the warehouse by the canal"]
THINGS = ["the package", "the money", "the keys", "the phone", "the bag", "the white van",
          "the black BMW", "the parcel", "the cash", "the SIM card", "the laptop"]
TIMES = ["tomorrow", "tonight", "on Friday", "at half seven", "after midnight", "next week",
         "in the morning", "on Sunday at ten"]
TEMPLATES = [
    "{name} said to meet at {place} {time}.",
    "Have you got {thing} or not?",
    "I told {name} to bring {thing} to {place}.",
    "Don't call me on this number, use the other one, {phone}.",
    "He owes me {money}, tell {name} I want it {time}.",
    "The registration was {reg}, I'm sure of it.",
    "Yeah yeah, I know, I'll sort it {time}.",
    "Where are you? I've been waiting at {place} for an hour.",
    "{name} is not answering, something's wrong.",
    "Put {thing} in the boot and drive to {place}.",
    "No, not on the phone. Come to {place}.",
    "It's {money} for the lot, take it or leave it.",
    "Did {name} pick up {thing} from {place}?",
    "Okay, see you {time}. Bring {thing}.",
]
FOREIGN = [
    "Wir treffen uns morgen früh am Bahnhof in München, bring das Geld mit.",
    "Er hat gesagt, die Übergabe ist um neun Uhr an der Tankstelle.",
    "On se retrouve au café près de la gare, n'oublie pas l'enveloppe.",
    "Il a déjà payé les deux cents euros à l'hôtel.",
    "Spotkamy się jutro przed sklepem, weź ze sobą pieniądze.",
    "Zadzwoń do Łukasza, on wie gdzie jest samochód.",
]
NO_SPACE = [
    "我们明天在北京火车站见面，带上钱。",
    "他说交货时间是晚上九点，在加油站。",
    "明日の朝、東京駅で会いましょう。お金を持ってきて。",
    "警察が来る前に車を移動してください。",
]
QUERIES = [
    "money", "bank", "station road", '"the white van"', '"car park"', "wareh*", "dud*",
    "Tomasz package", "siobhan", "canal warehouse", "midnight", "cafe", "FRUH", "ubergabe",
    "lukasza", "samochód", "北京", "东京驾驶", "東京駅", "警察", "unicorn", '"blue bicycle"',
    "the", "07700", "quid", "boot drive", '"use the other one"', "half sev*",
]
MODEL = ModelInfo("bench", "", "0" * 64)


def sentence(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(FOREIGN)
    if roll < 0.09:
        return rng.choice(NO_SPACE)
    return rng.choice(TEMPLATES).format(
        name=rng.choice(NAMES), place=rng.choice(PLACES), thing=rng.choice(THINGS),
        time=rng.choice(TIMES), phone=f"0{rng.randint(7000, 7999)} {rng.randint(100000, 999999)}",
        money=rng.choice(["£500", "five hundred quid", "2 grand", "€300", "£1,250"]),
        reg=f"{rng.choice(['AB', 'KX', 'LD', 'YT'])}{rng.randint(51, 73)} {rng.choice(['XYZ', 'KLM', 'PRT'])}",
    )


def build(folder: Path, segments: int, exhibits: int, seed: int) -> tuple[Case, float]:
    rng = random.Random(seed)
    case = Case.open(folder)
    per = segments // exhibits
    started = time.perf_counter()
    for e in range(exhibits):
        source = SourceInfo(path=f"/evidence/phone{e // 20}/voice_{e:04d}.opus",
                            sha256=f"{e:064x}", bytes=1000 + e, duration_ms=per * 3000)
        exhibit, _ = case.add_exhibit(source)
        run = case.start_run(exhibit.id, "transcribe", MODEL, {}, software_info())
        segs = tuple(Segment(i * 3000, i * 3000 + 2800, sentence(rng), speaker=f"SPEAKER_{i % 2}")
                     for i in range(per))
        case.append_segments(run, segs, {}, "en", 0.9)
        case.finish_run(run)
        if e % 10 == 0:  # a proofread transcript: its working copy replaces it in the index
            first = editing.segment_ids(case, run)[0]
            editing.edit_text(case, run, first, "Checked by the officer: " + segs[0].text)
    return case, time.perf_counter() - started


def time_queries(case: Case, repeat: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for query in QUERIES:
        search(case, query, limit=100)  # warm the page cache
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            search(case, query, limit=100)
            runs.append((time.perf_counter() - started) * 1000)
        timings[query] = runs
    return timings


def edit_latency(case: Case) -> float:
    run = case.conn.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    first = editing.segment_ids(case, run)[1]
    started = time.perf_counter()
    editing.edit_text(case, run, first, "a zebracrossing was mentioned here")
    elapsed = (time.perf_counter() - started) * 1000
    assert search(case, "zebracrossing"), "the edit did not reach the index"
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--exhibits", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "search.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case, build_s = build(Path(tmp) / "case", args.segments, args.exhibits, args.seed)
        indexed = case.conn.execute("SELECT count(*) FROM search_text").fetchone()[0]
        timings = time_queries(case, args.repeat)
        edit_ms = edit_latency(case)
        size_mb = (Path(tmp) / "case" / "case.sqlite").stat().st_size / 1e6
        counts = {q: count(case, q) for q in QUERIES}
        started = time.perf_counter()
        entities = case_entities(case)
        entities_s = time.perf_counter() - started
        started = time.perf_counter()
        case_entities(case)  # the second time: read from the store
        entities_again_s = time.perf_counter() - started
        case.close()
    flat = sorted(t for runs in timings.values() for t in runs)
    p95 = flat[min(len(flat) - 1, round(0.95 * (len(flat) - 1)))]
    result = {
        "segments_indexed": indexed, "exhibits": args.exhibits, "build_s": round(build_s, 1),
        "store_mb": round(size_mb, 1), "queries": len(QUERIES), "repeat": args.repeat,
        "median_ms": round(statistics.median(flat), 2), "p95_ms": round(p95, 2),
        "max_ms": round(flat[-1], 2), "edit_ms": round(edit_ms, 2),
        "entities_s": round(entities_s, 1), "entities_again_s": round(entities_again_s, 2),
        "entities": len(entities),
        "entity_mentions": sum(len(e.occurrences) for e in entities),
        "per_query": {q: {"median_ms": round(statistics.median(t), 2), "hits": counts[q]}
                      for q, t in timings.items()},
    }
    for query, row in result["per_query"].items():
        print(f"{query!r:28} {row['median_ms']:8.2f} ms  {row['hits']:6d} matches")
    print(f"{indexed} segments indexed in {build_s:.1f} s ({size_mb:.1f} MB); "
          f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms "
          f"over {len(flat)} timed queries; an edit reaches the index in {edit_ms:.1f} ms; "
          f"entities: {result['entities']} ({result['entity_mentions']} mentions) in {entities_s:.1f} s, "
          f"{entities_again_s:.2f} s the second time")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
