#!/usr/bin/env node
// Tag JSONL documents with a military-ner bundle:
//   node predict.mjs BUNDLE_DIR [--precision fp32|int8] < docs.jsonl > spans.jsonl
// reads {"id", "text"} lines on stdin, writes {"id", "entities": [{start, end, label, text, score}]}.
//   node predict.mjs --words [PREPROCESSING_JSON] < docs.jsonl
// writes {"id", "words": [[start, end, normalized], ...]} (checks the port of text.py).
//   node predict.mjs --repair < docs.jsonl
// reads {"id", "text", "tags"} (one BIO tag per word), writes {"id", "tags"} after the repairs
// windows.decode applies to the Viterbi path (checks the port of windows.py).
import fs from "node:fs";
import { Recognizer, repairTags } from "./recognizer.mjs";
import { modelWords, splitWords } from "./text.mjs";

const args = process.argv.slice(2);
const lines = fs.readFileSync(0, "utf8").split("\n").filter((l) => l.trim());
const docs = lines.map((l) => JSON.parse(l));
const write = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

if (args[0] === "--words") {
  const pre = args[1] ? JSON.parse(args[1]) : {};
  for (const d of docs) {
    const { words, normalized } = modelWords(d.text, pre);
    write({ id: d.id, words: words.map((w, i) => [w.start, w.end, normalized[i]]) });
  }
} else if (args[0] === "--repair") {
  for (const d of docs) write({ id: d.id, tags: repairTags(Array.from(d.text), splitWords(d.text), d.tags) });
} else {
  if (!args[0]) {
    console.error("usage: node predict.mjs BUNDLE_DIR [--precision fp32|int8] < docs.jsonl");
    process.exit(2);
  }
  const p = args.indexOf("--precision");
  const rec = await Recognizer.load(args[0], p >= 0 ? args[p + 1] : undefined);
  for (const d of docs) write({ id: d.id, entities: await rec.predictOne(d.text) });
  console.error(`tagged ${docs.length} documents with ${args[0]} (${rec.precision})`);
}
