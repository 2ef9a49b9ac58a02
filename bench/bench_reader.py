"""Short-answer F1 of the readers over the evidence the dev suite's questions get, without asking them again.

    python bench/bench_reader.py ROWS.jsonl [--reader llm|gap|lead] [--per-set 40] [--split dev|holdout|all]

ROWS.jsonl is `python -m eval.calibrate --dump` (each question's top evidence sentences, gold answers, whether
the calibrated model abstained is recomputed here). For each set, the first `--per-set` answerable questions of
the split are read the way `Assistant._read` reads them (llm, then the lead span, then the gap reader; or one
reader alone), and the token F1 of the short answer (its text in the question's language, translated by the
LLM as the assistant does) against the gold answers is printed, counting a question the assistant refuses
(abstains on) as 0, as `fonte-eval`'s `f1_short` does. Also the mean time a read takes.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from eval import metrics as m
from eval.calibrate import evidence_of
from qa.abstain.calibrate import load_abstainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", type=Path)
    p.add_argument("--reader", default="auto", choices=["auto", "llm", "gap", "lead"])
    p.add_argument("--per-set", type=int, default=40)
    p.add_argument("--split", default="all", choices=["dev", "holdout", "all"])
    p.add_argument("--sets", help="comma-separated set names to read (default: every set but the seed)")
    args = p.parse_args()
    from qa.answer.compose import short_in_language
    from qa.answer.generate import translate
    from qa.embed import make_embedder
    from qa.language.identify import detect
    from qa.read.reader import make_reader
    from qa.settings import Settings

    llm = None
    if args.reader in ("auto", "llm"):
        from qa.answer.llm import make_llm

        llm = make_llm("local", Settings.from_env())
    enc = make_embedder("use-m3")

    def encode(q: str):  # noqa: ANN202
        return enc.embed_queries([q])[0]

    order = ("llm", "lead", "gap") if args.reader == "auto" else (args.reader,)
    # with the LLM, the local mode's abstention model where one was fitted (`eval.calibrate --llm`), which reads
    # the judgement rows of `--llm` dumps carry; rows without it are judged by the extractive model
    plain = load_abstainer("e5-small", 1000)
    judged = load_abstainer("e5-small", 1000, judged=llm is not None)
    rows = [json.loads(x) for x in args.rows.read_text(encoding="utf-8").splitlines() if x.strip()]
    by_set: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        wanted = r["set"] in args.sets.split(",") if args.sets else r["set"] != "seed"
        if r["answerable"] and not r.get("left_out") and wanted and args.split in ("all", r["split"]):
            if len(by_set[r["set"]]) < args.per_set:
                by_set[r["set"]].append(r)
    spent, reads = 0.0, 0
    for name, part in sorted(by_set.items()):
        f1s, copied = [], []  # the short answer's text; the span as the document writes it
        for r in part:
            abstainer = judged if "llm_yes" in r["features"] else plain
            if abstainer.judge(r["features"])[1]:
                f1s.append(0.0)
                copied.append(0.0)
                continue
            ev, lang = evidence_of(r), detect(r["question"])
            t = time.perf_counter()
            short = None
            for reader in order:
                short = make_reader(reader, llm, encode).read(r["question"], ev, lang)
                if short is not None:
                    break
            if short is not None and llm is not None:  # its text in the question's language, as the answer has it
                short = short_in_language(short, ev, lang, lambda text, to: translate(llm, text, to))
            spent, reads = spent + time.perf_counter() - t, reads + 1
            f1s.append(m.token_f1(short.text if short else "", r["answers"]) or 0.0)
            copied.append(m.token_f1((short.span or short.text) if short else "", r["answers"]) or 0.0)
        print(
            f"{name}: {len(f1s)} answerable questions, short-answer F1 {sum(f1s) / len(f1s):.3f}"
            f" (the span as written: {sum(copied) / len(copied):.3f})",
            flush=True,
        )
    print(f"reader {args.reader}: {spent / max(reads, 1) * 1000:.0f} ms a read")


if __name__ == "__main__":
    main()
