"""Ask translate-toolkit's tmserver and tarjuman the same unit lookups and
compare the answers' shape (and, for exact matches, their content).

usage: compare.py TMSERVER_BASE TARJUMAN_BASE PAIRS.tmx
Both bases end in /tmserver, the prefix before /{source_lang}/{target_lang}/unit/{text}.
Exits 1 on the first difference that a client would notice.
"""
import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def pairs(path):
    out = []
    for tu in ET.parse(path).getroot().iter("tu"):
        segs = {}
        for tuv in tu.iter("tuv"):
            lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()
            seg = tuv.find("seg")
            segs[lang.split("-")[0]] = "".join(seg.itertext()) if seg is not None else ""
        if segs.get("ar") and segs.get("en"):
            out.append((segs["ar"], segs["en"]))
    return out


def ask(base, text, slang="ar", tlang="en"):
    url = f"{base}/{slang}/{tlang}/unit/{urllib.parse.quote(text, safe='')}"
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read().decode("utf-8")
        return r.status, r.headers.get("Content-Type", ""), json.loads(body)


def fail(msg):
    print(f"compare.py: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check_shape(name, answer, want_keys):
    if not isinstance(answer, list):
        fail(f"{name}: not a JSON list: {answer!r}")
    for item in answer:
        if not isinstance(item, dict):
            fail(f"{name}: an item is not an object: {item!r}")
        missing = want_keys - item.keys()
        if missing:
            fail(f"{name}: an item lacks {sorted(missing)}: {item!r}")
        if not isinstance(item["source"], str) or not isinstance(item["target"], str):
            fail(f"{name}: source/target not strings: {item!r}")
        if not isinstance(item["quality"], (int, float)) or not 0 <= item["quality"] <= 100:
            fail(f"{name}: quality not a percentage: {item!r}")
    q = [i["quality"] for i in answer]
    if q != sorted(q, reverse=True):
        fail(f"{name}: not best first: {q}")


def compare(tms, tj, slang, tlang, units, strict):
    """Both servers on the same queries. `strict`: tmserver must match too."""
    queries = []
    for src, tgt in units[:12]:
        queries.append(("exact", src, tgt))
        words = src.split()
        if len(words) > 6:
            queries.append(("one word dropped", " ".join(words[:3] + words[4:]), tgt))
    queries.append(("no match", {"ar": "جملة لا علاقة لها بأي شيء في هذه الذاكرة إطلاقا",
                                  "en": "Quantum chromodynamics describes quarks and gluons"}[slang], None))
    keys = {"tmserver": set(), "tarjuman": set()}
    same_best = edited = tms_empty = 0
    types = None
    for kind, text, tgt in queries:
        s1, ct1, a = ask(tms, text, slang, tlang)
        s2, ct2, b = ask(tj, text, slang, tlang)
        types = (ct1, ct2)
        if s1 != 200 or s2 != 200:
            fail(f"{text!r}: status tmserver {s1}, tarjuman {s2}")
        check_shape("tmserver", a, {"source", "target", "quality"})
        check_shape("tarjuman", b, {"source", "target", "quality", "rank"})
        for item in b:
            if set(item) != {"source", "target", "quality", "rank"}:
                fail(f"tarjuman: unexpected fields {sorted(item)}")
            if not isinstance(item["rank"], (int, float)):
                fail(f"tarjuman: rank not a number: {item!r}")
        for name, ans in (("tmserver", a), ("tarjuman", b)):
            for item in ans:
                keys[name].update(item)
        tms_empty += not a
        if kind == "exact":
            answers = (("tmserver", a), ("tarjuman", b)) if strict else (("tarjuman", b),)
            for name, ans in answers:
                if not ans or ans[0]["source"] != text or ans[0]["target"] != tgt or ans[0]["quality"] != 100:
                    fail(f"{name}: exact {slang}→{tlang} query {text[:40]!r}… answered {ans[:1]!r}")
        elif kind == "no match":
            if b:
                fail(f"tarjuman: a sentence unlike any in the TM matched: {b!r}")
        else:
            edited += 1
            if a and b and a[0]["source"] == b[0]["source"]:
                same_best += 1
        print(f"{slang}→{tlang} {kind:>16}: tmserver {len(a)} ({a[0]['quality'] if a else '-'}), "
              f"tarjuman {len(b)} ({b[0]['quality'] if b else '-'})  {text[:50]}")
    if strict and same_best < edited:
        fail(f"{slang}→{tlang}: the best suggestion differed for {edited - same_best} of {edited} edited queries")
    print(f"{slang}→{tlang}: fields: tmserver {sorted(keys['tmserver'])}; tarjuman {sorted(keys['tarjuman'])}; "
          f"content types: tmserver {types[0]!r}, tarjuman {types[1]!r}")
    print(f"{slang}→{tlang}: {len(queries)} queries, same shape; the same best suggestion for "
          f"{same_best} of {edited} edited queries; tmserver answered nothing to {tms_empty}")
    return tms_empty, len(queries)


def weblate_form(tj, units):
    """Ask as Weblate's TMServerTranslation does (weblate/machinery/tmserver.py):
    language codes lowercased with `_` (en-GB → en_gb), the pair looked for
    in GET {base}/languages/ (sourceLanguages × targetLanguages), the text
    cut to 500 characters with CR as space, quoted whole, and int(quality)."""
    with urllib.request.urlopen(f"{tj}/languages/", timeout=60) as r:
        data = json.loads(r.read().decode("utf-8"))
    supported = {(s, t) for s in data["sourceLanguages"] for t in data["targetLanguages"]}
    for pair in (("ar", "en"), ("ar", "en_gb")):
        if pair not in supported:
            fail(f"tarjuman: Weblate would find {pair} unsupported: {data}")
    text = units[0][0][:500].replace("\r", " ")
    url = f"{tj}/ar/en_gb/unit/{urllib.parse.quote(text.encode(), safe='')}"
    with urllib.request.urlopen(url, timeout=60) as r:
        payload = json.loads(r.read().decode("utf-8"))
    got = [{"text": line["target"], "quality": int(line["quality"]), "source": line["source"]} for line in payload]
    if not got or got[0]["quality"] != 100 or got[0]["text"] != units[0][1]:
        fail(f"tarjuman: Weblate's request form got {got!r}")
    print(f"weblate form: {len(supported)} pairs listed; ar→en_gb answered {got[0]['quality']}: {got[0]['text'][:50]}")


def main():
    tms, tj, tmx = sys.argv[1:4]
    units = pairs(tmx)
    if len(units) < 5:
        fail(f"{tmx}: only {len(units)} ar-en pairs")
    # English → Arabic: ASCII queries, which tmserver 2.5.1 reads right.
    compare(tms, tj, "en", "ar", [(t, s) for s, t in units], strict=True)
    # Arabic → English: tarjuman must answer; tmserver 2.5.1 on Python 3
    # takes the percent-decoded path as Latin-1 (PEP 3333) and never
    # re-decodes it as UTF-8, so non-ASCII text finds nothing there.
    empty, n = compare(tms, tj, "ar", "en", units, strict=False)
    if empty == n:
        print("ar→en: tmserver 2.5.1 found nothing for Arabic text in the path (its Latin-1 PATH_INFO); "
              "tarjuman answered the same shape")
    # Language codes in the forms clients send.
    for slang, tlang in (("ar", "en_GB"), ("AR", "en-gb")):
        s, _, ans = ask(tj, units[0][0], slang, tlang)
        if s != 200 or not ans:
            fail(f"tarjuman: {slang}/{tlang} answered {s} {ans!r}")
    weblate_form(tj, units)
    print("compare.py: all checks passed")


if __name__ == "__main__":
    main()
