"""Load the ar→en pairs of a TMX, both ways, into a translate-toolkit TMDB file, as
tmserver's own POST /{slang}/{tlang}/store/ handler does (tmdb.add_list).

usage (with the venv's python): load_tmdb.py TMDB PAIRS.tmx
(`tmserver -f FILE.tmx` would store every TMX unit as en→en: translate-
toolkit 2.5.1's TMX units report `en` as their languages, which win over
-s/-t, so tmserver would answer nothing for ar.)
"""
import sys

from translate.storage import tmdb

sys.path.insert(0, __import__("os").path.dirname(__file__))
from compare import pairs  # noqa: E402

db = tmdb.TMDB(sys.argv[1], 5, 70, 1000)
both = pairs(sys.argv[2])
ar_en = db.add_list([{"source": s, "target": t, "context": ""} for s, t in both], "ar", "en")
en_ar = db.add_list([{"source": t, "target": s, "context": ""} for s, t in both], "en", "ar")
print(f"load_tmdb.py: {ar_en} ar→en and {en_ar} en→ar pairs into {sys.argv[1]}")
