// A dependency-free port of military_ner/text.py: words with offsets, and normalization.
//
// Offsets are code-point indices (Python string indices), not UTF-16 units, so spans
// computed here index the same characters as the Python runtime's. The rules are those
// of text.py; tests/test_node_example.py checks both give identical words and normalized
// forms on every gold document and on the Arabic edge cases.

const PUNCT = /^[\p{P}\p{S}]$/u;                  // unicodedata.category(ch)[0] in "PS"
const SPACE = /^[\s\x1c-\x1f\x85]$/u;             // str.isspace()
const FORMAT = /^\p{Cf}$/u;                       // category Cf: RLM, LRM, BOM, ZWNJ...

export const isPunct = (ch) => PUNCT.test(ch);
export const isSpace = (ch) => SPACE.test(ch) || FORMAT.test(ch);
export const isWhitespace = (ch) => SPACE.test(ch);  // str.isspace(), one character

/** Words of `text` as {text, start, end} (code-point offsets; see text.split_words). */
export function splitWords(text) {
  const chars = Array.from(text);
  const words = [];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (isSpace(ch)) {
      i += 1;
    } else if (isPunct(ch)) {
      words.push({ text: ch, start: i, end: i + 1 });
      i += 1;
    } else {
      let j = i + 1;
      while (j < chars.length && !isSpace(chars[j]) && !isPunct(chars[j])) j += 1;
      words.push({ text: chars.slice(i, j).join(""), start: i, end: j });
      i = j;
    }
  }
  return words;
}

export const DEFAULT_PREPROCESSING = {
  strip_tashkeel: true, strip_tatweel: true, hindi_digits: true, collapse_repeats: true, slash_to_dash: true,
  unify_alef: false, unify_ya: false, unify_ta_marbuta: false, persian_digits: false,
};

function charMap(p) {
  const m = new Map();
  if (p.strip_tashkeel) for (let c = 0x064b; c <= 0x0652; c++) m.set(String.fromCodePoint(c), "");
  if (p.strip_tatweel) m.set("\u0640", "");
  if (p.hindi_digits) for (let k = 0; k < 10; k++) m.set(String.fromCodePoint(0x0660 + k), String(k));
  if (p.persian_digits) for (let k = 0; k < 10; k++) m.set(String.fromCodePoint(0x06f0 + k), String(k));
  if (p.slash_to_dash) m.set("/", "-");
  if (p.unify_alef) for (const c of "أإآٱ") m.set(c, "ا");
  if (p.unify_ya) m.set("ى", "ي");
  if (p.unify_ta_marbuta) m.set("ة", "ه");
  return m;
}

const REPEAT = /([^\p{Nd}])\1{2,}/gu;             // Python's re \d is Unicode Nd

/** The normalizer of one preprocessing setting: word -> what the model reads. */
export function normalizer(preprocessing) {
  const p = { ...DEFAULT_PREPROCESSING, ...preprocessing };
  const map = charMap(p);
  return (word) => {
    let out = "";
    for (const ch of word) out += map.has(ch) ? map.get(ch) : ch;
    if (p.collapse_repeats) out = out.replace(REPEAT, "$1$1");
    return out || word;
  };
}

/** The words of `text` and their normalized forms (text.model_words). */
export function modelWords(text, preprocessing) {
  const words = splitWords(text);
  const norm = normalizer(preprocessing);
  return { words, normalized: words.map((w) => norm(w.text)) };
}
