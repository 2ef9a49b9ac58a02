"""Language identification on the questions of the dev suites: accuracy per language and time per question.

    python bench/bench_language.py [--shared ../shared]

Prints, for `qa.language.identify` (py3langid restricted to `qa.language.identify.CANDIDATES`), the share of questions
whose detected language is the one their set records, per language, and the mean time a question.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from qa.language.identify import detect

FRENCH = (  # the suites hold no French question: a few of our own, written before measuring
    "Qui était absent de Cyber Coalition 2023 ?",
    "Où se trouve la tour Eiffel ?",
    "Combien de pays ont participé à l'exercice ?",
    "Pourquoi la Belgique n'a-t-elle pas participé ?",
    "Quand le traité a-t-il été signé ?",
)


def questions(shared: Path) -> list[tuple[str, str]]:
    files = sorted((shared / "datasets" / "multiqa").glob("*.questions.jsonl"))
    files.append(shared / "datasets" / "squadit-xquad" / "questions_dev.jsonl")
    files.append(Path(__file__).resolve().parents[1] / "eval" / "sets" / "seed.jsonl")
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append((str(r["user_input"]), str(r.get("language") or "en")))
    return out + [(q, "fr") for q in FRENCH]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = p.parse_args()
    qs = questions(args.shared)
    detect("warm-up question for the model")
    total, right, wrong = Counter(), Counter(), []
    started = time.perf_counter()
    for q, lang in qs:
        got = detect(q)
        total[lang] += 1
        right[lang] += got == lang
        if got != lang:
            wrong.append((q, lang, got))
    ms = (time.perf_counter() - started) * 1000 / len(qs)
    for lang in sorted(total):
        print(f"{lang}: {right[lang]}/{total[lang]} = {right[lang] / total[lang]:.3f}")
    print(f"all: {sum(right.values())}/{len(qs)} = {sum(right.values()) / len(qs):.3f}; {ms:.3f} ms a question")
    for q, lang, got in wrong:
        print(f"  wrong: {q!r} is {lang}, detected {got}")


if __name__ == "__main__":
    main()
