"""TMX checks for run.sh, run with the Translate Toolkit venv's Python.

  tmxcheck.py tt-read FILE N [SRC TGT]...
      Translate Toolkit's TMX reader finds N units in FILE, and for each SRC TGT
      pair given a unit with that source and target text.
  tmxcheck.py same ORIGINAL EXPORTED
      EXPORTED holds the same units as ORIGINAL: for every <tu>, the same
      languages with the same segment content, inline tags (bpt, ept, ph, it,
      hi, ut) compared by name, attributes and content. Language codes are
      compared case-insensitively, TMX 1.1 `lang` is read as `xml:lang`.
  tmxcheck.py has-tags FILE
      FILE has at least one <bpt> and its matching <ept> inside a <seg>.
  tmxcheck.py draft-filled PRETRANSLATE_JSON TARGET
      TARGET (a CAT tool's translation of the document, its draft in tm/auto)
      has the translation of every segment pretranslate marked exact and
      keeps every other segment in the source language, with no fuzzy match's
      target in it. The JSON must hold exact matches of score 101, 100 and
      99 (numbers replaced) and a non-exact one scoring 95 or more, so the
      check cannot pass on a document that tests nothing.

Prints what differs and exits 1 on a mismatch.
"""

import os
import sys
from collections import Counter

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def parse(path):
    # The DTD is not needed to read the files; never fetch it.
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)
    return etree.parse(path, parser)


def seg_content(seg):
    """The segment as a tuple of text runs and inline elements, attributes sorted."""
    parts = []
    if seg.text:
        parts.append(("text", seg.text))
    for child in seg:
        attrs = tuple(sorted((k, v) for k, v in child.attrib.items()))
        inner = (child.text or "") + "".join(
            etree.tostring(sub, encoding="unicode", with_tail=True) for sub in child
        )
        parts.append(("tag", child.tag, attrs, inner))
        if child.tail:
            parts.append(("text", child.tail))
    # Merge adjacent text runs so that splitting differences do not matter.
    merged = []
    for part in parts:
        if merged and part[0] == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + part[1])
        else:
            merged.append(part)
    return tuple(merged)


def units(path):
    """Each <tu> as a sorted tuple of (language, segment content)."""
    found = []
    for tu in parse(path).iter("tu"):
        tuvs = []
        for tuv in tu.iter("tuv"):
            lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()
            seg = tuv.find("seg")
            tuvs.append((lang, seg_content(seg) if seg is not None else ()))
        found.append(tuple(sorted(tuvs)))
    return found


def tt_read(path, expected, pairs):
    from translate.storage import tmx

    with open(path, "rb") as f:
        store = tmx.tmxfile(f)
    got = [(u.source, u.target) for u in store.units]
    ok = True
    if len(got) != expected:
        print(f"Translate Toolkit read {len(got)} units from {path}, expected {expected}")
        ok = False
    for src, tgt in pairs:
        if (src, tgt) not in got:
            print(f"no unit {src!r} -> {tgt!r} among {got!r}")
            ok = False
    return ok


def same(original, exported):
    want, got = Counter(units(original)), Counter(units(exported))
    if want == got:
        return True
    print(f"{original}: {sum(want.values())} units, {exported}: {sum(got.values())} units")
    for unit in want - got:
        print(f"missing from the export: {unit!r}")
    for unit in got - want:
        print(f"only in the export: {unit!r}")
    return False


def has_tags(path):
    for seg in parse(path).iter("seg"):
        bpt = {b.get("i") for b in seg.iter("bpt")}
        ept = {e.get("i") for e in seg.iter("ept")}
        if bpt and bpt == ept:
            return True
    print(f"{path}: no <seg> with paired <bpt>/<ept>")
    return False


def draft_filled(json_path, target_path):
    import json

    with open(json_path, encoding="utf-8") as f:
        segments = json.load(f)["segments"]
    with open(target_path, encoding="utf-8") as f:
        out = f.read()
    ok = True
    exact_scores = {s["best"]["score"] for s in segments if s["exact"]}
    near_not_exact = [s for s in segments if s["best"] and not s["exact"] and s["best"]["score"] >= 95]
    if not {99, 100, 101} <= exact_scores or not near_not_exact:
        print(f"{json_path}: exact scores {sorted(exact_scores)}, {len(near_not_exact)} non-exact ≥ 95: tests nothing")
        ok = False
    for s in segments:
        best = s["best"]
        if s["exact"]:
            want = best["target_fixed"] or best["target"]
            if want not in out:
                print(f"exact match not inserted: {s['text']!r} -> {want!r}")
                ok = False
        else:
            if s["text"] not in out:
                print(f"non-exact segment translated: {s['text']!r}")
                ok = False
            if best and best["target"] in out:
                print(f"fuzzy target inserted: {best['target']!r} (score {best['score']})")
                ok = False
    return ok


def main(argv):
    for path in argv[1:3]:
        if path.endswith(".tmx") and not os.path.isfile(path):
            print(f"{path} does not exist (a step above failed)")
            return 1
    if len(argv) >= 3 and argv[0] == "tt-read":
        rest = argv[3:]
        ok = tt_read(argv[1], int(argv[2]), list(zip(rest[::2], rest[1::2])))
    elif len(argv) == 3 and argv[0] == "same":
        ok = same(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "draft-filled":
        ok = draft_filled(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "has-tags":
        ok = has_tags(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
