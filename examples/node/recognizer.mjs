// Tagging with a military-ner bundle from Node: onnxruntime-node + @huggingface/tokenizers.
//
// Mirrors military_ner/runtime.py and military_ner/windows.py: each normalized word is
// tokenized on its own, documents are cut into overlapping windows that never split a word,
// a word's label is read at its first sub-word, a word seen by several windows takes the
// window where it sits farthest from an edge, and BIO tags become spans with the mean
// softmax score of their words. Offsets are code points into the original text.
import fs from "node:fs";
import path from "node:path";
import ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";
import { isPunct, isWhitespace, modelWords, normalizer } from "./text.mjs";

export class Recognizer {
  constructor(session, tokenizer, info, precision) {
    Object.assign(this, { session, tokenizer, info, precision, cache: new Map() });
    const t = info.tokenizer;
    [this.clsId, this.sepId, this.padId] = [t.cls_token, t.sep_token, t.pad_token].map((x) => tokenizer.token_to_id(x));
  }

  /** Load a bundle; precision "int8" | "fp32", default as in runtime.default_precision. */
  static async load(bundleDir, precision) {
    const info = JSON.parse(fs.readFileSync(path.join(bundleDir, "bundle.json"), "utf8"));
    if (!info.gate || !info.gate.passed) throw new Error(`${bundleDir}: the export gate failed; re-run military-ner export`);
    precision ??= info.gate.int8 && info.gate.int8.met && info.models.int8 ? "int8" : "fp32";
    const file = path.join(bundleDir, info.models[precision].file);
    const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
    const tokJson = JSON.parse(fs.readFileSync(path.join(bundleDir, info.tokenizer.file), "utf8"));
    return new Recognizer(session, new Tokenizer(tokJson, {}), info, precision);
  }

  wordIds(words) {
    return words.map((w) => {
      if (!this.cache.has(w)) this.cache.set(w, this.tokenizer.encode(w, { add_special_tokens: false }).ids.map(Number));
      return this.cache.get(w);
    });
  }

  makeWindows(pieces) {  // windows.make_windows
    const { max_length: maxLength, stride } = this.info;
    const budget = maxLength - 2;
    pieces = pieces.map((p) => p.slice(0, budget));
    const windows = [];
    let start = 0;
    for (;;) {
      let end = start, used = 0;
      while (end < pieces.length && used + pieces[end].length <= budget) used += pieces[end++].length;
      const ids = [this.clsId], index = [-1];
      for (let w = start; w < end; w++) pieces[w].forEach((t, k) => { ids.push(t); index.push(k === 0 ? w : -1); });
      ids.push(this.sepId);
      index.push(-1);
      windows.push({ ids, index, first: start, last: end });
      if (end >= pieces.length) return windows;
      let back = 0, next = end;
      while (next > start + 1 && back + pieces[next - 1].length <= stride) back += pieces[--next].length;
      start = next;
    }
  }

  async run(windows) {  // one padded batch per document
    const width = Math.max(...windows.map((w) => w.ids.length));
    const ids = new BigInt64Array(windows.length * width).fill(BigInt(this.padId));
    const mask = new BigInt64Array(windows.length * width);
    windows.forEach((w, i) => w.ids.forEach((t, j) => { ids[i * width + j] = BigInt(t); mask[i * width + j] = 1n; }));
    const shape = [windows.length, width];
    const out = await this.session.run({ input_ids: new ort.Tensor("int64", ids, shape),
                                         attention_mask: new ort.Tensor("int64", mask, shape) });
    const n = this.info.labels.length;
    return windows.map((w, i) => (pos) => out.logits.data.subarray((i * width + pos) * n, (i * width + pos + 1) * n));
  }

  async predictOne(text) {
    const { words, normalized } = modelWords(text, this.info.preprocessing);
    if (!words.length) return [];
    const windows = this.makeWindows(this.wordIds(normalized));
    const logitsAt = await this.run(windows);
    const best = new Array(words.length).fill(-1), logits = new Array(words.length);
    windows.forEach((win, k) => win.index.forEach((w, pos) => {  // windows.merge_word_logits
      if (w < 0) return;
      const margin = Math.min(w - win.first, win.last - 1 - w);
      if (margin > best[w]) { best[w] = margin; logits[w] = logitsAt[k](pos); }
    }));
    // windows.decode: log-softmax per word (no sub-word -> O), the best valid-BIO path
    const labels = this.info.labels, o = labels.indexOf("O");
    const logProbs = Array.from({ length: words.length }, (_, w) => {
      if (best[w] < 0) return labels.map((_, j) => (j === o ? 0 : -Infinity));
      const row = Array.from(logits[w]), mx = Math.max(...row);
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x - mx), 0));
      return row.map((x) => x - mx - lse);
    });
    const path = viterbiTags(logProbs, labels);
    const tags = path.map((j) => labels[j]);
    const scores = path.map((j, w) => (best[w] < 0 ? 0 : Math.exp(logProbs[w][j])));
    const chars = Array.from(text);
    return tagsToSpans(chars, words, repairTags(chars, words, tags), scores);
  }
}

/** windows.bio_transitions: I-X only after B-X or I-X (prev null = first word). */
function bioAllowed(prev, cur) {
  return !cur.startsWith("I-") || (prev !== null && prev !== "O" && prev.slice(2) === cur.slice(2));
}

/** windows.viterbi_tags: the valid-BIO label sequence with the highest summed log-probability
 * (ties go to the lower label index, as numpy's argmax does). */
export function viterbiTags(logProbs, labels) {
  const n = logProbs.length, k = labels.length;
  if (!n) return [];
  let score = labels.map((c, j) => (bioAllowed(null, c) ? logProbs[0][j] : -Infinity));
  const back = [];
  for (let t = 1; t < n; t++) {
    const next = new Array(k), from = new Array(k);
    for (let j = 0; j < k; j++) {
      let bestV = -Infinity, bestI = 0;
      for (let i = 0; i < k; i++) {
        const v = bioAllowed(labels[i], labels[j]) ? score[i] : -Infinity;
        if (v > bestV) { bestV = v; bestI = i; }
      }
      next[j] = bestV + logProbs[t][j];
      from[j] = bestI;
    }
    back.push(from);
    score = next;
  }
  let j = 0;
  for (let i = 1; i < k; i++) if (score[i] > score[j]) j = i;
  const path = [j];
  for (let t = n - 1; t > 0; t--) { j = back[t - 1][j]; path.push(j); }
  return path.reverse();
}

/** windows.continue_fragments: B-X right after an X word, only spaces between (no line
 * break), not starting with waw, continues the span (I-X). */
export function continueFragments(chars, words, tags) {
  const out = tags.slice();
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1], tag = out[i];
    if (!tag.startsWith("B-") || prev === "O" || prev.slice(2) !== tag.slice(2)) continue;
    const gap = chars.slice(words[i - 1].end, words[i].start);
    if (gap.length && gap.every(isWhitespace) && !gap.includes("\n") && chars[words[i].start] !== "\u0648") {
      out[i] = "I-" + tag.slice(2);
    }
  }
  return out;
}

/** What windows.decode does after the Viterbi: continue_fragments, line_breaks, punctuation_edges,
 * same_name_same_span, one_introduction. */
export function repairTags(chars, words, tags) {
  const edged = punctuationEdges(chars, words, lineBreaks(chars, words, continueFragments(chars, words, tags)));
  return oneIntroduction(chars, words, sameNameSameSpan(chars, words, edged));
}

// windows.EXERCISE_HEADS and windows.EXERCISE_ADJECTIVES, spelled as fold() leaves them
const EXERCISE_HEADS = new Set(("تمرين التمرين تمارين التمارين تمرينات التمرينات مناوره المناوره مناورات المناورات " +
                                "تدريب التدريب تدريبات التدريبات").split(" "));
const EXERCISE_ADJECTIVES = new Set(("المشترك المشتركه العابر متعدد متعدده الجنسيات الحيه بالذخيره الكبير الكبري " +
                                     "السنوي السنويه الشامل الشامله المختلط المختلطه").split(" "));
/** windows._fold: the offline model's folding (text.mjs normalizer with alef, ya and ta marbuta folded). */
const fold = normalizer({ unify_alef: true, unify_ya: true, unify_ta_marbuta: true });

/** windows._strip_clitics: the word and what it may be without a leading و/ف and ب/ل/ك (لل- reads as ال-). */
function stripClitics(word) {
  const forms = [word];
  const len = (w) => Array.from(w).length;  // code points, as Python counts
  for (const w of forms.slice()) if (len(w) > 3 && "وف".includes(w[0])) forms.push(w.slice(1));
  for (const w of forms.slice()) {
    if (len(w) > 4 && w.startsWith("لل")) forms.push("ا" + w.slice(1));
    else if (len(w) > 3 && "بلك".includes(w[0])) forms.push(w.slice(1));
  }
  return forms;
}

/** windows.is_descriptor_only: a head noun followed only by descriptor or nisba adjectives. */
export function isDescriptorOnly(texts) {
  const folded = texts.map(fold);
  if (!folded.length || !stripClitics(folded[0]).some((f) => EXERCISE_HEADS.has(f))) return false;
  return folded.slice(1).every((f) => EXERCISE_ADJECTIVES.has(f)
    || (f.startsWith("ال") && Array.from(f).length > 4 && (f.endsWith("ي") || f.endsWith("يه")) && !["الثاني", "الثانيه", "الحادي"].includes(f)));
}

// windows.RELATED_LIST: lines that open a list of other articles' headlines, as fold() spells them
const RELATED_LIST = ["ذات صله", "اقرا ايضا", "الاكثر قراءه", "شاهد ايضا"];

/** windows.related_list_start: the code-point offset of the heading line of a related-articles list, or the length. */
function relatedListStart(chars) {
  let offset = 0;
  for (const line of chars.join("").split("\n")) {
    const n = Array.from(line).length;
    if (n < 40 && RELATED_LIST.some((m) => fold(line).includes(m))) return offset;
    offset += n + 1;
  }
  return chars.length;
}

/** windows.one_introduction: a descriptor-only EXERCISE span whose words all appear in earlier EXERCISE
 * spans (before any related-articles list) becomes O. */
export function oneIntroduction(chars, words, tags) {
  const exercises = bioSpans(tags).filter(([, , label]) => label === "EXERCISE");
  if (exercises.length < 2) return tags.slice();  // nothing earlier to refer back to
  const out = tags.slice();
  const text = (k) => chars.slice(words[k].start, words[k].end).join("");
  const seen = new Set();
  const related = relatedListStart(chars);
  for (const [a, b] of exercises) {
    if (words[a].start >= related) continue;
    const texts = Array.from({ length: b - a }, (_, m) => text(a + m));
    const forms = texts.map((t) => stripClitics(fold(t)));
    if (seen.size && isDescriptorOnly(texts) && forms.every((fs) => fs.some((f) => seen.has(f)))) {
      for (let m = a; m < b; m++) out[m] = "O";
    }
    for (const fs of forms) for (const f of fs) seen.add(f);
  }
  return out;
}

/** windows.bio_spans: [first word, one past the last, label] per span. */
function bioSpans(tags) {
  const spans = [];
  let i = 0;
  while (i < tags.length) {
    if (tags[i] === "O") { i += 1; continue; }
    const label = tags[i].slice(2);
    let j = i + 1;
    while (j < tags.length && tags[j] === "I-" + label) j += 1;
    spans.push([i, j, label]);
    i = j;
  }
  return spans;
}

/** windows.same_name_same_span: a span inside an occurrence of a longer span of its label found
 * elsewhere in the document (same words, one line, touching no other span) grows to it. */
export function sameNameSameSpan(chars, words, tags) {
  const spans = bioSpans(tags), sep = "\u0000";
  const text = (k) => chars.slice(words[k].start, words[k].end).join("");
  const found = new Map();
  for (const [a, b, label] of spans) {
    if (b - a < 2) continue;
    if (!found.has(label)) found.set(label, new Set());
    found.get(label).add(Array.from({ length: b - a }, (_, m) => text(a + m)).join(sep));
  }
  // longest first, then Python's order of word tuples (by code point)
  const forms = new Map([...found].map(([label, f]) => [label, [...f].map((x) => x.split(sep)).sort((x, y) => {
    if (x.length !== y.length) return y.length - x.length;
    for (let m = 0; m < x.length; m++) if (x[m] !== y[m]) return cmpCodePoints(x[m], y[m]);
    return 0;
  })]));
  const owner = new Array(tags.length).fill(-1);
  spans.forEach(([a, b], k) => { for (let m = a; m < b; m++) owner[m] = k; });
  const out = tags.slice();
  spans.forEach(([a, b, label], k) => {
    let best = null;
    for (const form of forms.get(label) || []) {
      const n = form.length;
      if (n <= b - a) continue;
      for (let s = Math.max(0, b - n); s <= a; s++) {
        const e = s + n;
        if (e > words.length) continue;
        let ok = true;
        for (let m = s; m < e && ok; m++) {
          ok = (owner[m] === -1 || owner[m] === k) && text(m) === form[m - s]
            && (m === s || !lineBreakBefore(chars, words, m));
        }
        if (ok) { best = [s, e]; break; }
      }
      if (best) break;
    }
    if (best) {
      const [s, e] = best;
      for (let m = s; m < e; m++) { out[m] = (m === s ? "B-" : "I-") + label; owner[m] = k; }
    }
  });
  return out;
}

/** Python's string order (by code point), which differs from JS's UTF-16 order above U+FFFF. */
function cmpCodePoints(x, y) {
  const a = Array.from(x), b = Array.from(y);
  for (let m = 0; m < Math.min(a.length, b.length); m++) {
    const d = a[m].codePointAt(0) - b[m].codePointAt(0);
    if (d) return d;
  }
  return a.length - b.length;
}

/** windows.line_break_before: a line break separates word i from the word before it. */
function lineBreakBefore(chars, words, i) {
  return chars.slice(words[i - 1].end, words[i].start).includes("\n");
}

/** windows.line_breaks: an I-X word with a line break before it becomes O, with the rest of its span. */
export function lineBreaks(chars, words, tags) {
  const out = tags.slice();
  let broken = false;
  for (let i = 1; i < out.length; i++) {
    if (!out[i].startsWith("I-")) broken = false;
    else if (broken || lineBreakBefore(chars, words, i)) { out[i] = "O"; broken = true; }
  }
  return out;
}

const PAIRS = { "\u201c": "\u201d", "\u00ab": "\u00bb", "(": ")", "[": "]", "\u2018": "\u2019", '"': '"', "\u2033": "\u2033", "'": "'" };

const MAX_QUOTED = 6;

/** windows.punctuation_edges: a closing mark that closes one opened inside the span ends it; a
 * span whose last opening mark stays open runs on to its closing mark over at most MAX_QUOTED
 * O words (no punctuation, no line break); punctuation words at a span's edges become O. */
export function punctuationEdges(chars, words, tags) {
  const out = tags.slice(), n = out.length;
  const text = (k) => chars.slice(words[k].start, words[k].end).join("");
  for (const [i, end, label] of bioSpans(tags)) {  // a run-on only takes O words, so the spans ahead stay put
    let j = end, cut = false;
    const opened = [];
    for (let k = i; k < j; k++) {
      const w = text(k);
      if (opened.length && w === PAIRS[opened[opened.length - 1]]) {
        for (let m = k; m < j; m++) out[m] = "O";
        j = k;
        cut = true;
        break;
      }
      if (Object.hasOwn(PAIRS, w)) opened.push(w);
    }
    if (!cut && opened.length) {
      let k = j;
      while (k < n && k - j < MAX_QUOTED && out[k] === "O" && !isPunct(chars[words[k].start]) && !lineBreakBefore(chars, words, k)) k += 1;
      if (k > j && k < n && text(k) === PAIRS[opened[opened.length - 1]] && !lineBreakBefore(chars, words, k)) {
        for (let m = j; m < k; m++) out[m] = "I-" + label;
        j = k;
      }
    }
    let a = i, b = j;
    while (a < b && isPunct(chars[words[a].start])) a += 1;
    while (b > a && isPunct(chars[words[b - 1].start])) b -= 1;
    for (let k = i; k < j; k++) out[k] = k < a || k >= b ? "O" : (k === a ? "B-" : "I-") + label;
  }
  return out;
}

/** schema.tags_to_spans: an I- that does not continue its type opens a new span. */
export function tagsToSpans(chars, words, tags, scores) {
  const spans = [];
  let cur = null, type = null;
  const close = () => {
    if (!cur) return;
    const [a, b] = [words[cur[0]], words[cur[1]]];
    const s = scores.slice(cur[0], cur[1] + 1);
    spans.push({ start: a.start, end: b.end, label: type, text: chars.slice(a.start, b.end).join(""),
                 score: Math.round((s.reduce((x, y) => x + y, 0) / s.length) * 1e4) / 1e4 });
  };
  tags.forEach((tag, i) => {
    if (tag === "O" || tag.startsWith("B-") || (tag.startsWith("I-") && tag.slice(2) !== type)) {
      close();
      [cur, type] = tag === "O" ? [null, null] : [[i, i], tag.slice(2)];
    } else {
      cur[1] = i;
    }
  });
  close();
  return spans;
}
