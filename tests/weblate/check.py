"""Query tarjuman with Weblate's real tmserver machinery
(weblate.machinery.tmserver.TMServerTranslation), as a Weblate site does
when a translator opens a string: the class lists the server's languages,
picks the pair, asks for the unit and keeps the suggestions at or above
its threshold (75). The unit is Weblate's own test double (MockUnit from
weblate.checks.tests.test_checks), as Weblate's machinery tests use it.

usage: check.py TARJUMAN_BASE PAIRS.tmx   (run with tests/weblate on
PYTHONPATH and DJANGO_SETTINGS_MODULE=settings)
TARJUMAN_BASE is the server's root (http://127.0.0.1:PORT).
Exits 1 on the first suggestion Weblate would show wrongly.
"""
import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import django

django.setup()

from weblate.checks.tests.test_checks import MockTranslation, MockUnit  # noqa: E402
from weblate.machinery.tmserver import TMServerTranslation  # noqa: E402

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def fail(msg):
    print(f"weblate/check.py: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def pairs(path):
    out = []
    for tu in ET.parse(path).getroot().iter("tu"):
        segs = {}
        for tuv in tu.iter("tuv"):
            lang = (tuv.get(XML_LANG) or "").split("-")[0].lower()
            seg = tuv.find("seg")
            segs[lang] = "".join(seg.itertext()) if seg is not None else ""
        if segs.get("ar") and segs.get("en"):
            out.append((segs["ar"], segs["en"]))
    return out


def machine(base):
    m = TMServerTranslation({"url": f"{base}/tmserver"})
    m.delete_cache()
    m.cache_translations = False
    return m


def translate(m, text, source_language="ar", target_language="en"):
    """Weblate's answer for `text`, as its editor asks for it: a list of
    suggestions per plural form (one here), or [] for a pair it finds
    unsupported."""
    unit = MockUnit(code=target_language, source=text)
    unit.translation = MockTranslation(code=target_language, source_language=source_language)
    return m.translate(unit)


def suggestions(m, text, **langs):
    answer = translate(m, text, **langs)
    if len(answer) != 1:
        fail(f"{text[:40]!r}…: Weblate's answer is not one list of suggestions: {answer!r}")
    return answer[0]


def tarjuman_best(base, text):
    """tarjuman's own API for the same query: the score the CLI gives."""
    url = f"{base}/api/v1/lookup?" + urllib.parse.urlencode({"text": text, "min": 75, "top": 5})
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read().decode("utf-8"))["matches"]


def main():
    base, tmx = sys.argv[1:3]
    units = pairs(tmx)
    if len(units) < 10:
        fail(f"{tmx}: only {len(units)} ar-en pairs")
    m = machine(base)
    langs = m.supported_languages
    for pair in (("ar", "en"), ("ar", "en_gb")):
        if pair not in langs:
            fail(f"Weblate finds {pair} unsupported; the server listed {sorted(langs)}")

    exact = edited = 0
    for src, tgt in units[:12]:
        got = suggestions(m, src)
        if not got or got[0]["text"] != tgt or got[0]["quality"] != 100 or got[0]["source"] != src:
            fail(f"exact {src[:40]!r}…: Weblate got {got[:1]!r}, wanted {tgt[:40]!r}… at 100")
        if any(s["service"] != "tmserver" for s in got):
            fail(f"a suggestion not credited to tmserver: {got!r}")
        exact += 1
        words = src.split()
        if len(words) < 8:
            continue
        query = " ".join(words[:3] + words[4:])
        got = suggestions(m, query)
        ours = [x for x in tarjuman_best(base, query) if x["score"] >= 75]
        want = [(x["target"] if x["target_fixed"] is None else x["target_fixed"], min(x["score"], 100)) for x in ours]
        have = [(s["text"], s["quality"]) for s in got]
        if have != want:
            fail(f"one word dropped from {src[:40]!r}…: Weblate shows {have!r}, tarjuman's API scores {want!r}")
        if not have or have[0][0] != tgt or not 75 <= have[0][1] < 100:
            fail(f"one word dropped from {src[:40]!r}…: Weblate's best is {have[:1]!r}, wanted {tgt[:40]!r}… below 100")
        edited += 1
        print(f"ar→en one word dropped: {len(have)} suggestion(s), best {have[0][1]}: {have[0][0][:50]}")

    # Weblate's British-English translation (en_GB → en_gb on the wire).
    src, tgt = units[0]
    got = suggestions(m, src, target_language="en_GB")
    if not got or got[0]["text"] != tgt or got[0]["quality"] != 100:
        fail(f"ar→en_GB: Weblate got {got[:1]!r}")
    # Nothing like it in the TM: no suggestion, no error.
    got = suggestions(m, "جملة لا علاقة لها بأي شيء في هذه الذاكرة إطلاقا")
    if got:
        fail(f"a sentence unlike any in the TM got suggestions: {got!r}")
    # A pair the TM lacks: Weblate sees it unsupported and does not ask.
    got = translate(m, src, target_language="de")
    if got != []:
        fail(f"ar→de, a pair the TM lacks, got suggestions: {got!r}")
    print(f"weblate/check.py: Weblate's TMServerTranslation: {exact} exact, {edited} edited queries, "
          "en_GB, no match and an absent pair all as expected")


if __name__ == "__main__":
    main()
