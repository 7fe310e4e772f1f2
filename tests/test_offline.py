"""The offline base's tokenizer: a repeatable WordPiece vocabulary learned from our own text."""
import subprocess
import sys

from military_ner.offline import SPECIALS, build_tokenizer, learn_wordpiece_vocab
from military_ner.text import Preprocessing


def test_most_frequent_pair_is_merged_first_and_ties_go_to_the_pair_that_sorts_first():
    counts = {"ab": 5, "cd": 3, "ef": 3, "g": 1}
    alphabet = ["##b", "##d", "##f", "a", "c", "e", "g"]
    vocab = learn_wordpiece_vocab(counts, vocab_size=100)
    assert vocab[:len(SPECIALS)] == SPECIALS
    assert vocab[len(SPECIALS):len(SPECIALS) + 7] == alphabet
    assert vocab[len(SPECIALS) + 7:] == ["ab", "cd", "ef"]
    # the size limit cuts the merges, never the characters
    assert learn_wordpiece_vocab(counts, vocab_size=len(SPECIALS) + 8)[-1] == "ab"
    assert learn_wordpiece_vocab(counts, vocab_size=3) == SPECIALS + alphabet


def test_pairs_seen_once_are_not_merged_and_merges_build_on_merges():
    vocab = learn_wordpiece_vocab({"abc": 4, "xy": 1}, vocab_size=100)
    assert "xy" not in vocab
    # (##b, ##c) and (a, ##b) tie at 4; "##b" sorts before "a"
    assert vocab[-2:] == ["##bc", "abc"]
    # input order does not matter
    assert learn_wordpiece_vocab({"xy": 1, "abc": 4}, vocab_size=100) == vocab


def _vocab_in_a_new_process(root):
    code = ("import json; from military_ner.data.generate import generate_documents;"
            "from military_ner.offline import build_tokenizer; from military_ner.text import Preprocessing;"
            "t = build_tokenizer([d.text for d in generate_documents(30, seed=4)], 900, Preprocessing(unify_alef=True));"
            "print(json.dumps(sorted(t.get_vocab().items(), key=lambda kv: kv[1]), ensure_ascii=False))")
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout


def test_the_same_text_gives_the_same_vocabulary_in_every_process(root):
    """The tokenizers trainer gave a different vocabulary in each process (hash-order ties);
    ours must not, or two builds of the offline base with one fingerprint differ."""
    first = _vocab_in_a_new_process(root)
    assert len(first) > 1000 and _vocab_in_a_new_process(root) == first


def test_every_word_of_the_training_text_tokenizes_without_unknowns():
    from military_ner.data.generate import generate_documents
    texts = [d.text for d in generate_documents(10, seed=1)]
    tok = build_tokenizer(texts, 400, Preprocessing())
    assert len(tok) <= 400  # never over the size asked for
    ids = tok(" ".join(texts), add_special_tokens=False)["input_ids"]
    assert ids and tok.unk_token_id not in ids
    assert tok.convert_ids_to_tokens(tok("القيادة")["input_ids"])[0] == "[CLS]"


def test_a_base_built_twice_from_one_text_is_the_same_files(root, tmp_path):
    """One fingerprint, one base: tokenizer and pretrained weights repeat across processes."""
    code = ("import sys; from military_ner.data.generate import generate_documents;"
            "from military_ner.offline import BaseSpec, build_base; from military_ner.text import Preprocessing;"
            "spec = BaseSpec(vocab_size=500, layers=1, hidden=32, heads=2, intermediate=64, max_position=128,"
            " mlm_epochs=1.0, mlm_seq_len=64, mlm_batch_size=8);"
            "build_base(sys.argv[1], [d.text for d in generate_documents(15, seed=2)], spec, Preprocessing(),"
            " log=lambda *a: None)")
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], cwd=root, check=True,
                       capture_output=True)
    for f in ("model.safetensors", "tokenizer.json", "vocab.txt"):
        if (tmp_path / "a" / f).exists():
            assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a" / "model.safetensors").exists()
