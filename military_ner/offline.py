"""The offline base model: a small BERT whose tokenizer and weights come from our own text.

No model hub is reachable here, so the offline configs build their own starting point:
a WordPiece tokenizer learned from the text we have or generate (by our own repeatable
merge loop), a small randomly initialised BERT, optionally masked-language-model
pretraining on the same text, all saved with `save_pretrained` into one directory.
Training then loads that directory through `modeling.load_checkpoint`, exactly as it
loads AraBERT. This module builds the base; it does not fine-tune (see `training.py`).

The text passed in must not contain evaluation articles: the callers give it generated
articles and gazetteer entries only, never seed or dev text, so cross-validation and the
dev set stay unseen by the tokenizer and the pretraining.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .text import Preprocessing, model_words

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class BaseSpec:
    vocab_size: int = 8000
    layers: int = 4
    hidden: int = 256
    heads: int = 4
    intermediate: int = 1024
    max_position: int = 512
    mlm_epochs: float = 0.0       # passes over the pretraining text (0 = no pretraining)
    mlm_seq_len: int = 128
    mlm_batch_size: int = 32
    mlm_lr: float = 5e-4
    seed: int = 0


def tokenizer_normalizer(pre: Preprocessing):
    """Our per-character normalization as `tokenizers` normalizers, so tokenizer.json
    carries it for consumers outside Python (offsets are tracked by the library)."""
    from tokenizers import Regex, normalizers
    steps = []
    for code, repl in sorted(pre.char_map().items()):
        ch = chr(code)
        steps.append(normalizers.Replace(ch, repl))
    if pre.collapse_repeats:
        steps.append(normalizers.Replace(Regex(r"([^\d])\1{2,}"), "$1$1"))
    return normalizers.Sequence(steps)


# part of the base fingerprint: a new builder means a new base. "mlm-masked-head": the MLM head
# runs on the masked positions only (same loss, other float rounding, so other weights)
VOCAB_BUILDER = "merges-v1 mlm-masked-head"


def learn_wordpiece_vocab(word_counts: dict[str, int], vocab_size: int, min_frequency: int = 2) -> list[str]:
    """A WordPiece vocabulary learned by merging the most frequent pair of adjacent pieces,
    repeatedly, as BERT's tokenizers are trained; pieces after a word's first carry `##`.

    Repeatable: equal counts are broken by the pieces themselves (the pair that sorts first
    wins), and the result depends only on `word_counts`. The `tokenizers` trainer breaks such
    ties in hash-map order, so two builds from one text gave different vocabularies.

    Returns the specials, then every character seen (as a word start and as `##` piece),
    then the merged pieces in the order they were learned, at most `vocab_size` in all
    (the characters are always kept, so a word of known characters never becomes [UNK])."""
    import heapq
    from collections import defaultdict

    ordered = sorted(word_counts)
    words = [[w[0]] + ["##" + c for c in w[1:]] for w in ordered]
    counts = [word_counts[w] for w in ordered]
    vocab = list(SPECIALS) + sorted({p for w in words for p in w} - set(SPECIALS))
    known = set(vocab)
    pair_count: dict[tuple[str, str], int] = defaultdict(int)
    pair_words: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_count[pair] += counts[i]
            pair_words[pair].add(i)
    heap = [(-n, pair) for pair, n in pair_count.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg:
            continue  # a stale entry: the pair's count changed since it was pushed
        if -neg < min_frequency:
            break
        a, b = pair
        merged = a + b[2:]
        if merged not in known:
            vocab.append(merged)
            known.add(merged)
        changed = set()
        for i in sorted(pair_words.pop(pair, ())):
            old = words[i]
            new, j = [], 0
            while j < len(old):
                if j + 1 < len(old) and old[j] == a and old[j + 1] == b:
                    new.append(merged)
                    j += 2
                else:
                    new.append(old[j])
                    j += 1
            for p in zip(old, old[1:]):
                pair_count[p] -= counts[i]
                pair_words[p].discard(i)
                changed.add(p)
            for p in zip(new, new[1:]):
                pair_count[p] += counts[i]
                pair_words[p].add(i)
                changed.add(p)
            words[i] = new
        for p in changed:
            if pair_count[p] > 0:
                heapq.heappush(heap, (-pair_count[p], p))
            else:
                pair_count.pop(p, None)
                pair_words.pop(p, None)
    return vocab


def build_tokenizer(texts: list[str], vocab_size: int, pre: Preprocessing, model_max_length: int = 512):
    """A BERT WordPiece tokenizer whose vocabulary is learned from `texts` (see
    `learn_wordpiece_vocab`); the same texts give the same tokenizer."""
    from collections import Counter

    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    normalizer, pre_tokenizer = tokenizer_normalizer(pre), pre_tokenizers.BertPreTokenizer()
    word_counts: Counter[str] = Counter()
    for t in texts:  # the words exactly as the finished tokenizer will see them
        line = normalizer.normalize_str(" ".join(model_words(t, pre)[1]))
        word_counts.update(w for w, _ in pre_tokenizer.pre_tokenize_str(line))
    vocab = learn_wordpiece_vocab(word_counts, vocab_size)
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer, tok.pre_tokenizer = normalizer, pre_tokenizer
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=model_max_length)


def masked_lm_loss(model, input_ids, labels):
    """BertForMaskedLM's loss, with its prediction head run on the masked positions only.
    The head maps every position to the whole vocabulary, which at hidden 256 and 8,000
    words costs more than half the encoder; the loss only ever looks at the ~15% of
    positions that carry a label, so computing the rest is waste."""
    import torch.nn.functional as F
    hidden = model.bert(input_ids=input_ids).last_hidden_state
    chosen = labels != -100
    return F.cross_entropy(model.cls(hidden[chosen]), labels[chosen])


def pretrain_mlm(model, tokenizer, texts: list[str], spec: BaseSpec, pre: Preprocessing, log=print) -> dict:
    """Masked-LM pretraining (15% of sub-words: 80% [MASK], 10% random, 10% kept) over
    fixed-length chunks of the text. Returns the loss curve summary."""
    import torch
    from tqdm.auto import tqdm
    rng = random.Random(spec.seed)
    torch.manual_seed(spec.seed)
    ids: list[int] = []
    for t in texts:
        ids.extend(tokenizer.backend_tokenizer.encode(model_words(t, pre)[1], is_pretokenized=True, add_special_tokens=False).ids)
        ids.append(tokenizer.sep_token_id)
    n = spec.mlm_seq_len - 2
    chunks = [ids[i:i + n] for i in range(0, len(ids) - n + 1, n)]
    steps = max(1, math.ceil(len(chunks) * spec.mlm_epochs / spec.mlm_batch_size))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # masks are drawn on the CPU either way
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=spec.mlm_lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    special = set(tokenizer.all_special_ids)
    vocab = tokenizer.vocab_size
    model.train()
    losses = []
    bar = tqdm(range(steps), desc="mlm pretraining", unit="step")
    for step in bar:
        batch = [chunks[rng.randrange(len(chunks))] for _ in range(spec.mlm_batch_size)]
        inp = torch.tensor([[tokenizer.cls_token_id] + c + [tokenizer.sep_token_id] for c in batch])
        labels = torch.full_like(inp, -100)
        prob = torch.rand(inp.shape)
        maskable = torch.tensor([[t not in special for t in row] for row in inp.tolist()])
        chosen = (prob < 0.15) & maskable
        labels[chosen] = inp[chosen]
        r = torch.rand(inp.shape)
        inp = inp.clone()
        inp[chosen & (r < 0.8)] = tokenizer.mask_token_id
        rand_pos = chosen & (r >= 0.8) & (r < 0.9)
        inp[rand_pos] = torch.randint(len(SPECIALS), vocab, (int(rand_pos.sum()),))
        loss = masked_lm_loss(model, inp.to(device), labels.to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(loss.item())
        if step % 20 == 0:
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
    model.eval().to("cpu")
    return {"steps": steps, "chunks": len(chunks), "tokens": len(ids),
            "loss_first": sum(losses[:20]) / min(20, len(losses)), "loss_last": sum(losses[-20:]) / min(20, len(losses))}


def base_fingerprint(texts: list[str], spec: BaseSpec, pre: Preprocessing, vocab_texts: list[str] = ()) -> str:
    """A digest of everything a base is built from: same fingerprint, same base."""
    h = hashlib.sha256(json.dumps([asdict(spec), pre.to_dict(), VOCAB_BUILDER], sort_keys=True).encode())
    for t in (*texts, "\x00", *vocab_texts):
        h.update(t.encode("utf-8") + b"\x01")
    return h.hexdigest()[:16]


def build_base(out_dir: Path, texts: list[str], spec: BaseSpec, pre: Preprocessing, log=print,
               vocab_texts: list[str] = ()) -> Path:
    """Build tokenizer + small BERT (+ optional MLM pretraining) into `out_dir`. The
    tokenizer learns from `texts` and `vocab_texts` (word lists); pretraining reads `texts`.
    `base_info.json` records the settings and their `base_fingerprint`."""
    import torch
    from transformers import BertConfig, BertForMaskedLM
    t0 = time.time()
    if not texts:
        raise ValueError("no text to build the offline base from (generated articles or gazetteers expected)")
    out_dir = Path(out_dir)
    log(f"building the offline base model in {out_dir} from {len(texts)} texts of our own")
    tok = build_tokenizer(list(texts) + list(vocab_texts), spec.vocab_size, pre, spec.max_position)
    torch.manual_seed(spec.seed)
    config = BertConfig(vocab_size=len(tok), hidden_size=spec.hidden, num_hidden_layers=spec.layers,
                        num_attention_heads=spec.heads, intermediate_size=spec.intermediate,
                        max_position_embeddings=spec.max_position, pad_token_id=tok.pad_token_id)
    model = BertForMaskedLM(config)
    mlm = pretrain_mlm(model, tok, texts, spec, pre, log) if spec.mlm_epochs > 0 else None
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    info = {"fingerprint": base_fingerprint(texts, spec, pre, vocab_texts),
            "spec": asdict(spec), "preprocessing": pre.to_dict(), "texts": len(texts), "vocab_texts": len(vocab_texts),
            "vocab_size": len(tok), "mlm": mlm, "seconds": round(time.time() - t0, 1)}
    (out_dir / "base_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    log(f"offline base ready: vocab {len(tok)}, {spec.layers} layers x {spec.hidden}, "
        f"mlm {mlm and round(mlm['loss_last'], 3)}, {info['seconds']} s")
    return out_dir
