-- Word pairs the aligner learns from the pairs imported with `tarjuman align
-- --import`: how often an Arabic word (lookup form: folded, article and
-- conjunction stripped) and an English stem stood in the same aligned pair,
-- and how often each word was seen in aligned pairs at all. The aligner
-- turns them into a dictionary (Dice coefficient) for the next alignment.
CREATE TABLE align_pair (
    ar TEXT NOT NULL,
    en TEXT NOT NULL,
    n  INTEGER NOT NULL,
    PRIMARY KEY (ar, en)
) WITHOUT ROWID;

CREATE TABLE align_word (
    lang TEXT NOT NULL,     -- 'ar' or 'en'
    word TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (lang, word)
) WITHOUT ROWID;
