"""Generated articles: deterministic, varied, on the word grid, labelled by the guideline's rules."""
import re
import shutil

import pytest

from military_ner.data.gazetteers import GAZETTEER_DIR, GazetteerError, load_gazetteers
from military_ner.data.generate import count_words, generate_documents
from military_ner.schema import TYPES, spans_to_tags
from military_ner.text import is_punct, split_words


@pytest.fixture(scope="module")
def docs():
    return generate_documents(50, seed=7)


def outside_spans(doc, start, end):
    return all(end <= s.start or start >= s.end for s in doc.entities)


def test_same_seed_gives_same_articles(docs):
    again = generate_documents(50, seed=7)
    assert [(d.text, d.entities) for d in again] == [(d.text, d.entities) for d in docs]
    assert generate_documents(5, seed=7)[3].text == docs[3].text  # article i depends only on (seed, i)


def test_different_seeds_give_different_articles(docs):
    other = generate_documents(50, seed=8)
    assert len({d.text for d in other} & {d.text for d in docs}) == 0


def test_spans_match_their_text_and_sit_on_word_boundaries(docs):
    for d in docs:
        spans_to_tags(split_words(d.text), d.entities, where=f"{d.id}: ")  # raises on a bad span
        for s in d.entities:
            assert d.text[s.start:s.end] == s.text
            assert not is_punct(s.text[0]) and not is_punct(s.text[-1]), (d.id, s.text)


def test_articles_are_80_to_300_words(docs):
    assert all(80 <= count_words(d.text) <= 300 for d in docs)


def test_all_four_labels_appear_in_fifty_articles(docs):
    assert {s.label for d in docs for s in d.entities} == set(TYPES)


def test_hard_negatives_appear_and_stay_outside_spans():
    docs = generate_documents(200, seed=3)
    found = {}
    for phrase in ("فريق العمل", "فريق عمل", "الملحقين العسكريين", "وزارة الدفاع", "نظيره", "الوفد المرافق"):
        for d in docs:
            i = d.text.find(phrase)
            while i >= 0:
                found[phrase] = found.get(phrase, 0) + 1
                assert outside_spans(d, i, i + len(phrase)), (d.id, phrase)
                i = d.text.find(phrase, i + 1)
    assert found.get("فريق العمل", 0) + found.get("فريق عمل", 0) >= 5, found
    assert set(found) >= {"وزارة الدفاع", "نظيره"}, found


def test_brigade_lliwa_is_a_unit_and_rank_lliwa_a_rank():
    docs = generate_documents(200, seed=5)
    labels = {s.label for d in docs for s in d.entities if s.text.split()[0] in ("اللواء", "للواء", "واللواء")}
    assert labels == {"UNIT", "MILITARY_RANK"}


def test_local_officials_are_never_foreign_envoys():
    """The host country's officials keep their names O wherever they appear; other states' are envoys."""
    docs = generate_documents(200, seed=11)
    with_locals = 0
    for d in docs:
        local = set(d.meta["local_names"])
        with_locals += bool(local)
        envoys = [s for s in d.entities if s.label == "FOREIGN_ENVOY"]
        assert not {s.text for s in envoys} & local, (d.id, d.meta["country"])
        for name in (n for n in local if " " in n):  # full names; a family name alone can be a word
            i = d.text.find(name)
            while i >= 0:
                assert all(i + len(name) <= s.start or i >= s.end for s in envoys), (d.id, name)
                i = d.text.find(name, i + 1)
    assert with_locals > 150
    assert sum(s.label == "FOREIGN_ENVOY" and len(s.text.split()) >= 2 for d in docs for s in d.entities) > 100


def test_named_exercise_span_keeps_the_opening_quote_only(docs):
    closers = {"“": "”", "«": "»", '"': '"', "(": ")"}
    seen = 0
    for d in docs:
        for s in d.entities:
            if s.label == "EXERCISE" and any(q in s.text for q in closers):
                q = next(q for q in s.text if q in closers)
                assert d.text[s.end] == closers[q], (d.id, s.text)
                seen += 1
    assert seen


@pytest.mark.parametrize("breakage,expected", [
    ("    - {name: القيادة العامة, kind: staff_body}\n", "not one of"),   # entry replaced below
    (None, "not valid YAML"),
])
def test_a_malformed_gazetteer_file_names_the_file_and_entry(tmp_path, breakage, expected):
    shutil.copytree(GAZETTEER_DIR, tmp_path / "g")
    path = tmp_path / "g" / "units.yaml"
    text = path.read_text(encoding="utf-8")
    if breakage:
        text = text.replace(breakage, "    - {name: القيادة العامة, kind: headquarters}\n")
    else:
        text = text.replace("generic:\n", "generic: [unclosed\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GazetteerError) as err:
        load_gazetteers(tmp_path / "g")
    assert "units.yaml" in str(err.value) and expected in str(err.value)
    if breakage:
        assert "القيادة العامة" in str(err.value) and "headquarters" in str(err.value)


def test_filler_adds_only_o_words_that_no_entity_is_made_of():
    """Filler sentences leave the article's entities as they were and use no gazetteer word."""
    from military_ner.data.filler import Filler, _stems
    from military_ner.data.gazetteers import corpus_lines
    plain, filled = generate_documents(30, seed=4), generate_documents(30, seed=4, filler=3.0)
    assert sum(len(f.text) > len(p.text) for p, f in zip(plain, filled)) >= 20
    unmarked = re.compile("[\u064b-\u0652\u0640]")  # surface noise draws differ once filler is in the stream
    for p, f in zip(plain, filled):
        assert [(s.label, unmarked.sub("", s.text)) for s in p.entities] == \
            [(s.label, unmarked.sub("", s.text)) for s in f.entities], f.id
    banned = {t for line in corpus_lines() for t in line.split()}
    words = Filler().words(__import__("random").Random(0), 3000)
    assert not [w for w in words if _stems(w) & banned]
    assert len(set(words)) > 1000  # real breadth, not a handful of words


def test_negative_filler_is_an_error():
    with pytest.raises(ValueError, match="filler"):
        generate_documents(1, seed=0, filler=-1)


def test_quoted_names_that_are_not_exercises_stay_outside_spans():
    """`عملية «درع الساحل»`, `معرض «آيدكس»`: a quoted name after a descriptor that is no exercise is O,
    even when the name is built like an exercise name."""
    things = load_gazetteers().negatives["named_things"]
    pattern = re.compile("(?:%s) [«“\"(][^»”\")]+[»”\")]" % "|".join(map(re.escape, things["descriptors"])))
    found = 0
    for d in generate_documents(200, seed=4):
        for m in pattern.finditer(d.text):
            found += 1
            assert outside_spans(d, m.start(), m.end()), (d.id, m.group(0))
    assert found >= 10, found


def test_composed_unit_names_are_whole_unit_spans():
    """Directorates built from units.yaml `composed` (head + field [+ force]) come out as one
    UNIT span each, parent force included; every lengthened name keeps its words inside."""
    g = load_gazetteers()
    heads = tuple(h.removesuffix(" ل") for h in g.composed["heads"])
    long_units = 0
    for d in generate_documents(200, seed=11):
        for s in d.entities:
            if s.label != "UNIT":
                continue
            word = re.sub(r"^(و|وب|ول|ب|ل)(?=ال|إ|م|ه|ش|د)", "", s.text)
            if word.startswith(heads) and any(f in s.text for f in g.composed["fields"]):
                long_units += len(split_words(s.text)) >= 4
                after = d.text[s.end:s.end + 1]
                assert after in ("", " ", "،", ".", ",", ":", "\n", ")", "(", "»", "”", '"', "؛"), (d.id, s.text, after)
    assert long_units >= 3


def test_open_vocabulary_exercise_names_are_always_quoted():
    """An exercise named with random real words can only be delimited by its quotes: every
    mention of such a name, introduction or name alone, keeps the quotes around it."""
    import random

    from military_ner.data.mentions import Picker
    g = load_gazetteers()
    pick = Picker(g, random.Random(3))
    host, guest = g.countries["EG"], g.countries["US"]
    seen = 0
    for _ in range(3000):
        x = pick.exercise(host, guest, named=1.0)
        if not x.quoted_only:
            continue
        seen += 1
        for segs in (x.intro(pick.rng), x.name_only(pick.rng), x.name_only(pick.rng, "ب")):
            text = "".join(t for t, _ in segs)
            ents = [t for t, label in segs if label == "EXERCISE"]
            for e in ents:
                assert x.quotes[0] in text and x.quotes[1] in text, (text, ents)
    assert seen >= 100


def test_named_foreign_civilians_are_outside_spans():
    """Experts, journalists and executives from abroad represent no state: role and name O."""
    from military_ner.data.gazetteers import fill_country
    g = load_gazetteers()
    seen = 0
    for d in generate_documents(300, seed=5):
        guest = g.countries[d.meta["guest"]]
        for role in g.negatives["civilians"]:
            for m in re.finditer(re.escape(fill_country(role, guest) + " "), d.text):
                rest = d.text[m.end():].split()
                end = m.end() + len(" ".join(rest[:3]))  # the name
                assert outside_spans(d, m.start(), end), (d.id, d.text[m.start():end])
                seen += 1
    assert seen >= 10


def test_named_foreign_leaders_in_passing_are_outside_spans_and_hold_real_offices():
    """A guest country's head of state, head of government or foreign minister named in passing
    (greetings conveyed, an earlier visit) represents no state in the engagement: title and name
    O. A kingdom has no president and the US no prime minister, by role or by name."""
    from military_ner.data.gazetteers import fill_country
    g = load_gazetteers()
    neg = g.negatives
    named = 0
    for d in generate_documents(400, seed=6):
        guest = g.countries[d.meta["guest"]]
        titles = {fill_country(t, guest, k) for t in neg["leaders"] + neg["leaders_f"] for k in range(len(guest.adj_m))}
        for t in titles:
            for m in re.finditer(re.escape(t) + r" (\S+) (\S+)", d.text):
                assert outside_spans(d, m.start(), m.start(1) - 1), (d.id, m.group(0))
                after = [e.label for e in d.entities if m.start(1) <= e.start < m.end()]
                assert "FOREIGN_ENVOY" not in after, (d.id, m.group(0))  # a name after the title is O
                named += not after and m.group(1) != "إلى"
    assert named >= 10
    # the offices, drawn directly for every guest that lacks one
    import random
    from military_ner.data.article import Article
    from military_ner.data.mentions import Picker
    for code in neg["no_president"] + neg["no_prime_minister"]:
        c = g.countries[code]
        for seed in range(40):
            art = Article(g, Picker(g, random.Random(seed)), "LY", "envoy")
            art.guest = c
            text = "".join(t for t, _ in art.render("{NR} - {NL}"))
            if code in neg["no_president"]:
                assert not re.search(rf"(الرئيس|الرئيسة) {c.adj_m[0]}|رئيسة? {c.name}", text), text
            else:
                assert not re.search(r"رئيسة? (ال)?(وزراء|حكومة)", text), text


@pytest.mark.parametrize("old,new,expected", [
    ("no_prime_minister: [US]", "no_prime_minister: [XX]", "unknown country code 'XX'"),
    ('"وزيرة الخارجية {adj_f}", ', "", "feminine forms"),
])
def test_bad_leader_entries_name_the_file_and_key(tmp_path, old, new, expected):
    shutil.copytree(GAZETTEER_DIR, tmp_path / "g")
    path = tmp_path / "g" / "negatives.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(GazetteerError) as err:
        load_gazetteers(tmp_path / "g")
    assert "negatives.yaml" in str(err.value) and expected in str(err.value)


def test_a_heavier_unit_is_drawn_as_often_as_its_weight_says():
    """AFRICOM weighs 4 in units.yaml: among the US commands whose officers visit Libya it is drawn
    about four times as often as one of weight 1."""
    import random
    from military_ner.data.mentions import Picker
    g = load_gazetteers()
    pool = {u.name: u.weight for u in g.units["US"] if u.kind == "command" and (not u.aor or "LY" in u.aor)}
    heavy, light = "القيادة العسكرية الأمريكية في أفريقيا", "قيادة العمليات الخاصة الأمريكية في أفريقيا"
    assert pool[heavy] == 4 and pool[light] == 1
    pick = Picker(g, random.Random(3))
    drawn = [pick.unit("US", ["command"], "LY", marked=True).key for _ in range(6000)]
    assert 3.0 < drawn.count(heavy) / drawn.count(light) < 5.3
    assert set(drawn) == set(pool)


@pytest.mark.parametrize("weight", ["0", "2.5", "yes"])
def test_a_bad_unit_weight_names_the_file_and_unit(tmp_path, weight):
    shutil.copytree(GAZETTEER_DIR, tmp_path / "g")
    path = tmp_path / "g" / "units.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: command, weight: 4,", f"kind: command, weight: {weight},", 1),
                    encoding="utf-8")
    with pytest.raises(GazetteerError) as err:
        load_gazetteers(tmp_path / "g")
    assert "units.yaml" in str(err.value) and "weight" in str(err.value) and "القيادة العسكرية الأمريكية" in str(err.value)


def test_named_security_officials_are_envoys_and_their_titles_are_not():
    """A named foreign defence minister or security adviser: the name is FOREIGN_ENVOY, the
    title before it O; the same titles by role alone (foreign_officials) stay O."""
    from military_ner.data.gazetteers import fill_country
    g = load_gazetteers()
    named = 0
    for d in generate_documents(300, seed=5):
        guest = g.countries[d.meta["guest"]]
        titles = {fill_country(t, guest, k) for t in g.roles["security_officials"] for k in range(len(guest.adj_m))}
        for t in titles:
            for m in re.finditer(re.escape(t), d.text):
                assert outside_spans(d, m.start(), m.end()), (d.id, t)
                after = [s for s in d.entities if m.end() < s.start <= m.end() + 3]
                named += bool(after and after[0].label == "FOREIGN_ENVOY")
    assert named >= 5


def test_a_security_adviser_is_not_called_the_minister_on_second_mention():
    """The short second mention takes the title of the position it stands for: "الوزير X" for a
    minister, never for a national security adviser."""
    advisers = ministers = 0
    for d in generate_documents(400, seed=8):
        for s in d.entities:
            before = d.text[max(0, s.start - 35):s.start]
            if s.label != "FOREIGN_ENVOY" or not re.search(r"(مستشار الأمن القومي|وزير الدفاع) \S+ ،? ?$", before):
                continue
            family = d.text[s.start:s.end].split()[-1]
            if "مستشار" in before:
                advisers += 1
                assert f"الوزير {family}" not in d.text, (d.id, family)
            else:
                ministers += f"الوزير {family}" in d.text
    assert advisers >= 1 and ministers >= 1

def test_formations_with_an_arm_or_a_parent_force_are_whole_unit_spans():
    """"لواء المشاة الرابع", "كتيبة المدفعية 12 بالجيش الأردني": noun, arm, number and parent force
    make one UNIT span."""
    g = load_gazetteers()
    nouns = tuple(n["noun"][2:] + " " for n in g.formations["nouns"])
    arms = parents = 0
    for d in generate_documents(300, seed=11):
        for s in d.entities:
            if s.label == "UNIT" and s.text.startswith(nouns) and s.text.split()[1] in {b.split()[0] for b in g.formations["branches"]}:
                arms += 1
                parents += " بال" in s.text
                assert d.text[s.end:s.end + 1] in ("", " ", "،", ".", ":", "\n", ")", "؛"), (d.id, s.text)
    assert arms >= 5 and parents >= 1


def test_named_exercises_keep_their_two_nations_and_latin_names_inside_the_span():
    """"[التمرين العسكري المشترك المصري الفرنسي «حسم]»" and "[تمرين «African Lion]»" are one span each."""
    bilateral = latin = 0
    for d in generate_documents(400, seed=3):
        for s in d.entities:
            if s.label != "EXERCISE":
                continue
            latin += bool(re.search("[A-Za-z]", s.text))
            bilateral += bool(re.search(r"\S+ي(ة)? \S+ي(ة)? [«“\"(″]", s.text))
    assert latin >= 3 and bilateral >= 3


def test_task_forces_keep_the_opening_quote_inside_and_the_closing_one_outside():
    """"[قوة الواجب المشتركة «صقور الساحل]»": head, opening quote and name are one UNIT span."""
    g = load_gazetteers()
    heads = tuple(g.composed["task_forces"]) + ("قوة ",)
    seen = 0
    for d in generate_documents(400, seed=5):
        for s in d.entities:
            if s.label == "UNIT" and s.text.startswith(heads) and any(q in s.text for q in "«“\""):
                seen += 1
                assert d.text[s.end] in "»”\"", (d.id, s.text)
    assert seen >= 3


def test_nationality_adjectives_agree_with_the_unit_they_follow():
    """"القوى البحرية السورية", "أركان حرب القوات المسلحة المصرية": the adjective after a unit name
    agrees with it (`adjective_gender`); both came out masculine before."""
    from military_ner.data.mentions import adjective_gender
    assert adjective_gender("القوى البحرية") == "f" and adjective_gender("أركان حرب القوات المسلحة") == "f"
    assert adjective_gender("الجيش") == "m" and adjective_gender("سلاح الإشارة") == "m"
    g = load_gazetteers()
    adj_m = {a for c in g.countries.values() for a in c.adj_m} - {a for c in g.countries.values() for a in c.adj_f}
    seen = 0
    for d in generate_documents(1500, seed=12):
        for s in d.entities:
            t = d.text[s.start:s.end].replace("ـ", "")
            m = re.search(r"(?:القوى \S+|أركان حرب القوات المسلحة|قوات السلطان المسلحة) (\S+)$", t)
            if m:
                seen += 1
                assert m.group(1) not in adj_m, (d.id, t)
    assert seen >= 3


def test_name_noise_swaps_one_inner_word_of_long_names_and_keeps_the_rest(docs):
    from military_ner.data.generate import _bare, _nationality_stems
    noisy = generate_documents(50, seed=7, name_noise=0.5)
    assert [(d.text, d.entities) for d in generate_documents(50, seed=7, name_noise=0.5)] == \
        [(d.text, d.entities) for d in noisy]
    changed = 0
    for clean, d in zip(docs, noisy):
        spans_to_tags(split_words(d.text), d.entities, where=f"{d.id}: ")  # still on the word grid
        assert len(clean.entities) == len(d.entities)
        for a, b in zip(clean.entities, d.entities):
            assert a.label == b.label
            # the surface noise drawn after a longer or shorter name falls elsewhere: compare without it
            old, new = (re.sub("[\u064b-\u0652\u0640]", "", x.text).split(" ") for x in (a, b))
            if old == new:
                continue
            changed += 1
            assert a.label in ("UNIT", "EXERCISE") and len(old) == len(new) >= 3, (a.text, b.text)
            # one word per name, or more where words swapped in earlier names of the article recur
            diff = [j for j in range(len(old)) if old[j] != new[j]]
            assert diff and diff[0] > 0, (a.text, b.text)  # never the head
            quoted = any(not w[:1].isalpha() for w in old)
            assert quoted or diff[-1] < len(old) - 1, (a.text, b.text)  # nor the end of an unquoted name
            for j in diff:
                assert _bare(old[j]) not in _nationality_stems() and not old[j].isdigit()
                assert old[j].startswith("ال") == new[j].startswith("ال")  # the article is kept
    assert changed > 20
    # noise off: exactly the articles without it
    assert [(d.text, d.entities) for d in generate_documents(50, seed=7, name_noise=0.0)] == \
        [(d.text, d.entities) for d in docs]


def test_train_split_leaves_out_the_held_out_names():
    from military_ner.data.gazetteers import held_out
    full, train = load_gazetteers(), load_gazetteers(split="train")
    gone = [e.name for e in full.exercises if e not in train.exercises]
    assert gone and all(held_out(n) for n in gone)
    assert all(train.units[c] for c in full.units)  # every country keeps units to pick from
    texts = [s.text for d in generate_documents(200, seed=3, split="train") for s in d.entities
             if s.label == "EXERCISE"]
    assert texts and not [t for t in texts if any(n in t for n in gone)]
    with pytest.raises(ValueError, match="gazetteer split must be one of all, train"):
        load_gazetteers(split="test")


def strip_marks(text):
    """Without diacritics and tatweel: the surface noise drawn after a renamed person falls elsewhere."""
    return re.sub("[\u064b-\u0652\u0640]", "", text)


def renamed_words(clean_docs, noisy_docs, names):
    """(article, old word, new word) for every word of an entity that person noise changed, checking
    on the way that labels and spans stay, only envoys' names change, a clitic و stays, the old word
    is in `names` and the same name becomes the same new one in every mention of an article."""
    out, mapping = [], {}
    for clean, d in zip(clean_docs, noisy_docs):
        spans_to_tags(split_words(d.text), d.entities, where=f"{d.id}: ")
        assert [s.label for s in clean.entities] == [s.label for s in d.entities]
        for a, b in zip(clean.entities, d.entities):
            old, new = strip_marks(a.text).split(" "), strip_marks(b.text).split(" ")
            if old == new:
                continue
            assert a.label == "FOREIGN_ENVOY" and len(old) == len(new), (a.text, b.text)
            for w, v in zip(old, new):
                if w != v:
                    cut = 1 if w.startswith("و") and w[1:] in names else 0
                    assert w[cut:] in names and w[:cut] == v[:cut]
                    assert mapping.setdefault((d.id, w), v) == v
                    out.append((d.id, w[cut:], v[cut:]))
    return out


def test_person_noise_gives_family_names_no_list_has_in_every_mention(docs):
    from military_ner.data.generate import _family_names
    family = _family_names("all")
    noisy = generate_documents(50, seed=7, person_noise=0.5)
    renamed = renamed_words(docs, noisy, family)
    assert len(renamed) > 20 and not [v for _, _, v in renamed if v in family]
    # local officials' names (O) change as well, so that a new name alone does not mean "envoy"
    gone = [n for clean, d in zip(docs, noisy) for n in clean.meta["local_names"]
            if n.split()[-1] in family and strip_marks(n.split()[-1]) not in strip_marks(d.text)]
    assert len(gone) > 5


def test_given_noise_renews_foreign_given_names_only(docs):
    from military_ner.data.generate import _family_names, _given_names
    family, given = _family_names("all"), _given_names("all")
    g = load_gazetteers()
    arab = {n for c in g.countries.values() if c.host for n in g.names[c.names].male}
    assert given and not set(given) & arab  # Arab given names are a closed set: never renewed
    assert not set(given) & set(family)
    noisy = generate_documents(50, seed=7, given_noise=0.5)
    assert [(d.text, d.entities) for d in generate_documents(50, seed=7, given_noise=0.0)] == \
        [(d.text, d.entities) for d in docs]  # off: exactly the articles without it
    renamed = renamed_words(docs, noisy, given)
    assert len(renamed) > 20 and not [v for _, _, v in renamed if v in given or v in family]
    with pytest.raises(ValueError, match="given_noise must be a share between 0 and 1"):
        generate_documents(1, seed=7, given_noise=1.5)


def test_a_spliced_name_is_one_word_even_when_its_origin_has_two_word_names():
    """Person noise swaps one word for one word: the back half of "عبد الغفار" would add one."""
    import random
    from military_ner.data.generate import _family_names, _novel_name
    family = _family_names("all")
    assert any(" " in n for kin in family.values() for n in kin)
    rng = random.Random(0)
    made = [_novel_name(n, kin, rng) for n, kin in family.items() if " " not in n for _ in range(3)]
    assert len([m for m in made if m]) > 100 and not [m for m in made if m and " " in m]


def test_a_named_counterpart_is_an_envoy_and_his_title_is_not():
    """"نظيره الأمريكي [الفريق] [NAME]": the named counterpart is an envoy; "نظيره الأمريكي" is O,
    and so it stays when no name follows (by role only)."""
    g = load_gazetteers()
    named = bare = 0
    for d in generate_documents(400, seed=9):
        guest = g.countries[d.meta["guest"]]
        for m in re.finditer(rf"نظيره ({'|'.join(map(re.escape, guest.adj_m))})", d.text):
            assert outside_spans(d, m.start(), m.end()), (d.id, m.group(0))
            after = [s.label for s in d.entities if m.end() < s.start <= m.end() + 40][:2]
            if after == ["MILITARY_RANK", "FOREIGN_ENVOY"]:
                named += 1
            elif "FOREIGN_ENVOY" not in after:
                bare += 1
    assert named >= 10 and bare >= 5
