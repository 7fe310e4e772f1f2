"""Entity mentions for generated articles, built from the gazetteers as labelled segments.

A mention is a list of segments `(text, label)`; `label` is None for O text. Segments are
whole words or punctuation, so when `generate.py` concatenates them every labelled segment
starts and ends on a word boundary. The labelling rules of the guideline live here:
- a rank (with its qualifiers) is one MILITARY_RANK segment; honorifics are O;
- a position noun is O and the unit after it is the UNIT ("رئيس [أركان الجيش المصري]"),
  a title ending in " ل" takes the unit with the clitic ("القائد العام [للقوات المسلحة]");
- a foreign person's name is FOREIGN_ENVOY, a local person's name is O;
- a named diplomat's role words are O, a role-only diplomat is role + nationality;
- an exercise descriptor directly before its name is inside the span with the opening quote.
This module picks and builds mentions; it does not decide what an article says (see
`generate.py` and `templates.py`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from .filler import filler_vocabulary
from .gazetteers import Country, Gazetteers, Unit, fill_country

Seg = tuple[str, "str | None"]
PUNCT_START = ("،", ",", ".", ":", "؛", ")", "»", "”", "؟", "!")
QUOTES = [("“", "”"), ("«", "»"), ('"', '"'), ("(", ")"), ("″", "″")]
FEMININE_HEADS = ("قيادة", "رئاسة", "هيئة", "إدارة", "مديرية", "قوة", "كلية", "أكاديمية", "مفتشية", "بعثة",
                  "منطقة", "ناحية", "مدرسة", "بحرية", "كتيبة", "فرقة", "سرية", "مجموعة", "قوات", "قوى")


def o(text: str) -> list[Seg]:
    return [(text, None)]


def ent(text: str, label: str) -> list[Seg]:
    return [(text, label)]


def join(*parts: list[Seg]) -> list[Seg]:
    """Concatenate mentions with one space, none before punctuation that closes or separates."""
    out: list[Seg] = []
    for p in parts:
        if not p:
            continue
        if out and not p[0][0].startswith(PUNCT_START) and not out[-1][0].endswith(("(", "«", "“")):
            out.append((" ", None))
        out.extend(p)
    return out


def attach_word(clitic: str, word: str) -> str:
    """Prefix a clitic to a word: ل + الجيش -> للجيش, ل + اللواء -> للواء, ب + القوات -> بالقوات,
    و + أفريكوم -> وأفريكوم."""
    if clitic.endswith("ل") and word.startswith("الل"):
        return clitic + word[2:]          # ل + اللواء -> للواء
    if clitic.endswith("ل") and word.startswith("ال"):
        return clitic + word[1:]
    return clitic + word


def attach(clitic: str, segs: list[Seg]) -> list[Seg]:
    if not clitic or not segs:
        return segs
    text, label = segs[0]
    return [(attach_word(clitic, text), label)] + segs[1:]


def gender_of(name: str) -> str:
    head = name.split()[0]
    head = head[2:] if head.startswith("ال") else head
    return "f" if head in FEMININE_HEADS or head.endswith(("ة", "ات")) else "m"


def adjective_gender(name: str) -> str:
    """The gender of a nationality adjective put after `name`: a long name that ends in a
    feminine adjective takes it from there ("أركان حرب القوات المسلحة" -> "المصرية"), any
    other from its head noun ("القوى البحرية" -> "السورية", "الجيش" -> "السوري")."""
    words = name.split()
    return "f" if len(words) >= 3 and words[-1].endswith("ة") else gender_of(name)


def nationality_after(name: str, country, k: int = 0) -> str:
    """Country's k-th nationality adjective in the gender that `name` takes (`adjective_gender`)."""
    return (country.adj_f if adjective_gender(name) == "f" else country.adj_m)[k]


def indefinite(adj: str) -> str:
    """"المصرية" -> "مصرية", "الكورية الجنوبية" -> "كورية جنوبية"."""
    return " ".join(w[2:] if w.startswith("ال") else w for w in adj.split())


# ---------------------------------------------------------------------------- mention objects

@dataclass
class UnitRef:
    full: str
    kind: str
    domain: str = "any"
    positions: tuple[str, ...] = ()
    acronym: str = ""
    short: str = ""
    introduced: bool = False
    key: str = ""            # the gazetteer name, whatever spelling `full` uses

    @property
    def gender(self) -> str:
        return gender_of(self.full)

    def mention(self, rng: random.Random, quotes=("(", ")"), allow_short: bool = True) -> list[Seg]:
        """First mention: the full name, with its acronym in brackets now and then; later the
        full name, its short back-reference or its acronym."""
        if not self.introduced:
            self.introduced = True
            if self.acronym and rng.random() < 0.6:
                return join(ent(self.full, "UNIT"), o(quotes[0])) + ent(self.acronym, "UNIT") + o(quotes[1])
            return ent(self.full, "UNIT")
        options = [self.full]
        if allow_short and self.short:
            options.append(self.short)
        if self.acronym:
            options.append(self.acronym)
        return ent(rng.choice(options), "UNIT")


@dataclass
class Person:
    rank: str
    name: str
    short: str
    position: str = ""
    unit: UnitRef | None = None
    local: bool = True
    female: bool = False
    honor: str = ""          # after the rank ("[الفريق] الدكتور ...")
    honor_before: str = ""   # before the rank ("سعادة [اللواء] ...")

    @property
    def name_label(self) -> str | None:
        return None if self.local else "FOREIGN_ENVOY"

    def role(self, rng: random.Random) -> list[Seg]:
        """Position + unit: "رئيس [أركان الجيش]", "القائد العام [للقوات المسلحة]"."""
        if not self.position or self.unit is None:
            return []
        unit = self.unit.mention(rng)
        if self.position.endswith(" ل"):
            return join(o(self.position[:-2]), attach("ل", unit))
        if self.position in ("قائد", "نائب قائد") and unit[0][0].startswith("قيادة "):
            unit = [(unit[0][0][len("قيادة "):], unit[0][1])] + unit[1:]  # "قائد [العمليات المشتركة]"
        return join(o(self.position), unit)

    def ranked(self, name: str, honor: bool = True) -> list[Seg]:
        parts = []
        if honor and self.honor_before:
            parts.append(o(self.honor_before))
        if self.rank:
            parts.append(ent(self.rank, "MILITARY_RANK"))
        if honor and self.honor:
            parts.append(o(self.honor))
        parts.append(ent(name, self.name_label) if self.name_label else o(name))
        return join(*parts)

    def full(self, rng: random.Random, comma: str = "،") -> list[Seg]:
        r = rng.random()
        role = self.role(rng) if self.unit else []
        if not role:
            return self.ranked(self.name)
        if r < 0.5:
            return join(role, o(comma), self.ranked(self.name))
        if r < 0.85:
            return join(self.ranked(self.name), o(comma), role)
        return join(role, self.ranked(self.name))

    def brief(self, rng: random.Random) -> list[Seg]:
        r = rng.random()
        if r < 0.55 or not self.unit:
            return self.ranked(self.short if r < 0.45 else self.name, honor=False)
        if r < 0.85:
            return self.role(rng)
        return ent(self.name, self.name_label) if self.name_label else o(self.name)


@dataclass
class Envoy:
    named: bool
    female: bool
    role_named: str          # O words before a name
    role_alone: str          # the FOREIGN_ENVOY span of a role-only mention
    title: str               # bare title for later mentions
    posting: str             # O: "لدى مصر", "في بنغازي"
    name: str = ""
    short: str = ""
    rank: str = ""
    honor: str = ""

    def full(self, rng: random.Random) -> list[Seg]:
        if not self.named:
            return join(ent(self.role_alone, "FOREIGN_ENVOY"), o(self.posting) if rng.random() < 0.8 else [])
        who = join(o(self.honor) if self.honor else [], ent(self.rank, "MILITARY_RANK") if self.rank else [],
                   ent(self.name, "FOREIGN_ENVOY"))
        posting = o(self.posting) if rng.random() < 0.85 else []
        r = rng.random()
        if r < 0.6:
            return join(o(self.role_named), posting, o("،"), who)
        if r < 0.85:
            return join(o(self.role_named), posting, who)
        return join(who, o("،"), o(self.role_named), posting)

    def brief(self, rng: random.Random) -> list[Seg]:
        if not self.named:
            return ent(self.role_alone, "FOREIGN_ENVOY")
        r = rng.random()
        if r < 0.5:
            return join(o(self.title), ent(self.short, "FOREIGN_ENVOY"))
        if r < 0.75 and self.rank:
            return join(ent(self.rank, "MILITARY_RANK"), ent(self.short, "FOREIGN_ENVOY"))
        return ent(self.name if r < 0.9 else self.short, "FOREIGN_ENVOY")


@dataclass
class ExerciseRef:
    descriptor: str          # "التمرين العسكري المشترك"
    gender: str
    name: str = ""           # "درع الصحراء 2025"; "" for an unnamed exercise
    base: str = ""           # "درع الصحراء"
    year_after: str = ""     # "2025": written "لعام 2025" after the closing quote (O)
    quotes: tuple[str, str] = ("“", "”")
    bilateral: str = ""      # "المصري الفرنسي": the two nations after the descriptor (inside the span)
    introduced: bool = False
    noun: str = "التمرين"    # anaphora head
    extra: dict = field(default_factory=dict)
    quoted_only: bool = False  # an open-vocabulary name: only quotes can show where it ends

    def intro(self, rng: random.Random, clitic: str = "") -> list[Seg]:
        if not self.name:
            return self.descriptor_only(clitic)
        self.introduced = True
        q0, q1 = self.quotes
        r = rng.random()
        head = f"{self.descriptor} {self.bilateral}".strip()
        if r < 0.12 and not self.quoted_only and not self.bilateral:
            segs = ent(f"{head} {self.name}", "EXERCISE")
        else:
            segs = ent(f"{head} {q0}{self.name}", "EXERCISE") + o(q1)
        segs = attach(clitic, segs)
        if self.year_after and rng.random() < 0.7:
            segs = join(segs, o(rng.choice(["لعام", "لسنة", "لعام"]) + " " + self.year_after))
        return segs

    def descriptor_only(self, clitic: str = "") -> list[Seg]:
        """The first descriptor-only mention introduces the exercise (EXERCISE); later ones are O,
        and so is a short one that names nothing specific ("التمرين", "التمرين الدولي")."""
        specific = bool(self.bilateral and not self.name) or len(self.definite.split()) >= 3
        if not self.introduced and specific:
            self.introduced = True
            text = f"{self.definite} {self.bilateral}".strip() if not self.name else self.definite
            return attach(clitic, ent(text, "EXERCISE"))
        return attach(clitic, o(self.definite))

    @property
    def definite(self) -> str:
        d = self.descriptor
        if d.startswith("ال"):
            return d
        return {"تمرين": "التمرين", "مناورات": "المناورات"}.get(d, "التمرين")

    def name_only(self, rng: random.Random, clitic: str = "") -> list[Seg]:
        """The name alone ("«[الأسد الأفريقي]»", "[بفلينتلوك 2026]"); O for an unnamed exercise."""
        if not self.name or (clitic and (" " not in self.base or self.quoted_only)):
            return attach(clitic, o(self.noun))
        self.introduced = True
        text = self.base if rng.random() < 0.5 else self.name
        if not clitic and (rng.random() < 0.6 or " " not in self.base or self.quoted_only):  # "«حمد»", never a bare "حمد"
            q0, q1 = self.quotes
            return o(q0) + ent(text, "EXERCISE") + o(q1)
        return attach(clitic, ent(text, "EXERCISE"))

    def anaphor(self, rng: random.Random) -> str:
        this = "هذه" if self.gender == "f" else "هذا"
        return rng.choice([self.noun, self.noun, f"{this} {self.noun}"])


# ---------------------------------------------------------------------------- pickers

# of the exercise names not taken from the gazetteer, the share made of random real words
# (data/filler.py's vocabulary, quoted): names we never listed, told apart by descriptor and quotes
OPEN_NAME_P = 0.4
# how often a picked unit of these kinds is replaced by a composed name (Picker.composed)
COMPOSE_P = {"directorate": 0.5, "region": 0.25, "staff": 0.12}
# how often an unmarked unit's name is lengthened with its nationality or parent force (Picker.lengthen)
LENGTHEN_P = 0.4
QUAL_P = {"gulf": 0.55, "mashriq": 0.5, "nile": 0.45, "horn": 0.15, "maghreb": 0.15}


class Picker:
    """Random choices from the gazetteers for one generator (cached candidate lists)."""

    def __init__(self, g: Gazetteers, rng: random.Random):
        self.g, self.rng = g, rng
        self._ranks: dict = {}

    # ------------------------------------------------------------------ ranks and names
    def _rank_pool(self, code: str):
        if code not in self._ranks:
            c = self.g.countries[code]
            arab = [r for r in self.g.ranks if (not r.countries or code in r.countries) and code not in r.not_in]
            west = [r for r in self.g.western_ranks if not r.countries or code in r.countries]
            self._ranks[code] = (arab, west, c.host, c.region)
        return self._ranks[code]

    def rank(self, code: str, lo: int, hi: int, domain: str = "any", bare: bool = False) -> str:
        rng = self.rng
        arab, west, host, region = self._rank_pool(code)
        pool = arab
        if not host and rng.random() < (0.65 if region == "west" else 0.25):
            pool = west
        fits = [r for r in pool if lo <= r.level <= hi and r.domain in ("any", domain)]
        if not fits:
            fits = [r for r in arab if lo <= r.level <= hi] or arab
        r = rng.choice(fits)
        form = r.forms[1] if bare and len(r.forms) > 1 else r.forms[0]
        if pool is west:
            return form
        p = QUAL_P.get(region, 0.1) if host else 0.08
        if code == "LY":
            p = 0.3
        if rng.random() < p:
            quals = [q for q in self.g.qualifiers if r.level >= q.min_level and (not q.countries or code in q.countries)
                     and (q.domain == domain or (q.domain == "any" and domain in ("any", "army")))]
            if not host:
                quals = [q for q in quals if q.domain in ("air", "navy")]
            if quals:
                form = f"{form} {rng.choice(quals).text}"
        return form

    def name(self, origin: str, female: bool = False) -> tuple[str, str]:
        """(full name, short reference) for a person of this origin."""
        rng, o_ = self.rng, self.g.names[origin]
        given = rng.choice(o_.female if female and o_.female else o_.male)
        fam = rng.choice(o_.family)
        style = o_.style
        if style == "family_given":
            return f"{fam} {given}", fam
        if style == "ould":
            father = rng.choice(o_.family)
            return f"{given} ولد {father}", f"ولد {father}"
        if style == "bin" and rng.random() < 0.5:
            father = rng.choice(o_.male)
            return f"{given} بن {father} {fam}", fam
        if style == "triple" and rng.random() < 0.6:
            father = rng.choice(o_.male)
            return f"{given} {father} {fam}", fam
        r = rng.random()
        if o_.middle and r < 0.15:
            return f"{given} {rng.choice(o_.middle)} {fam}", fam
        if style == "given_family" and r > 0.8:  # a second given name: "جون مايكل سميث"
            return f"{given} {rng.choice(o_.female if female and o_.female else o_.male)} {fam}", fam
        return f"{given} {fam}", fam

    # ------------------------------------------------------------------ units
    def units(self, code: str, kinds, host: str | None = None) -> list[Unit]:
        out = [u for u in self.g.units.get(code, []) if u.kind in kinds]
        if host:
            out = [u for u in out if not u.aor or host in u.aor]
        return out

    def unit(self, code: str, kinds, host: str | None = None, short_first: bool = False,
             marked: bool = False) -> UnitRef | None:
        """A unit of country `code`. `marked`: a foreign unit, named with its nationality
        ("[القوات البحرية الفرنسية]", not "[القوات البحرية]") and never shortened."""
        rng = self.rng
        pool = self.units(code, kinds, host)
        names = lambda u: (u.name,) * 3 + u.variants
        if marked:
            c = self.g.countries[code]
            stems = [indefinite(a) for a in c.adj_m] + [c.name[2:] if c.name.startswith("ال") else c.name]
            has = lambda n: any(s in n for s in stems)
            with_mark = [u for u in pool if any(has(n) for n in names(u))]
            if with_mark:
                pool = with_mark
                names = lambda u: tuple(n for n in (u.name,) * 3 + u.variants if has(n))
            else:  # "جيش البر" -> "جيش البر التونسي"
                names = lambda u: (f"{u.name} {nationality_after(u.name, c)}",)
        if not pool:
            return None
        u = rng.choices(pool, weights=[x.weight for x in pool])[0]
        if not marked and rng.random() < COMPOSE_P.get(u.kind, 0.0):
            full = self.composed(code, u.kind)
            return UnitRef(full, u.kind, u.domain, (), "", "", key=full)
        full = rng.choice(names(u))
        short = rng.choice(u.short) if u.short and not marked else ""
        if short_first and short and rng.random() < 0.35:
            full = short
        elif not marked and rng.random() < LENGTHEN_P:
            full = self.lengthen(full, u.kind, code)
        return UnitRef(full, u.kind, u.domain, u.positions, rng.choice(u.acronym) if u.acronym else "", short,
                       key=u.name)

    def lengthen(self, full: str, kind: str, code: str) -> str:
        """The same unit with more of its official name: the nationality after a service
        ("القوات البحرية" -> "القوات البحرية المصرية", "القوات المسلحة" -> "القوات المسلحة لجمهورية مصر
        العربية"), the force after a staff or directorate
        ("القيادة العامة" -> "القيادة العامة للقوات المسلحة الأردنية"). Unchanged when the name
        already carries them."""
        rng, country = self.rng, self.g.countries[code]
        stems = [indefinite(a) for a in country.adj_m]
        if any(st in full for st in stems):
            return full
        k = rng.randrange(len(country.adj_m))
        official = [v for v in country.variants if " " in v]  # "جمهورية مصر العربية", not "سورية"
        if full.startswith("القوات المسلحة") and official and rng.random() < 0.3:
            return f"{full} {attach_word('ل', rng.choice(official))}"
        if kind in ("service", "special", "academy", "forces") and full.startswith("ال"):  # not "أركان ..."
            return f"{full} {nationality_after(full, country, k)}"
        if kind in ("staff_body", "directorate") and not any(w in full for w in ("القوات", "الجيش", "للجيش")):
            parent = fill_country(rng.choice(self.g.composed["parents"][:2]), country, k)
            return f"{full} {attach_word(rng.choice(['ل', 'ب']), parent)}"
        return full

    def composed(self, code: str, kind: str) -> str:
        """A longer official name built from units.yaml `composed`: a directorate with its field
        and, now and then, the force it belongs to; a numbered or directional military region;
        a region's general staff. Real names are often longer than our listed ones, and a model
        that has only seen two- and three-word units stops a span too early."""
        rng, c, country = self.rng, self.g.composed, self.g.countries[code]
        if kind == "region":
            word, d = rng.choice(c["region_words"]), rng.choice(c["directions"])
            if d.startswith(("الشمالية", "الجنوبية", "الشرقية", "الغربية", "الوسطى")) and rng.random() < 0.3:
                head, rest = word.split(" ", 1)
                return f"{head} {d} {rest}"
            return f"{word} {d}"
        if kind == "staff":
            return f"{rng.choice(c['staff_heads'])} {attach_word('ب', rng.choice(c['staff_regions']))}"
        head, field_ = rng.choice(c["heads"]), rng.choice(c["fields"])
        name = f"{head[:-2]} {attach_word('ل', field_)}" if head.endswith(" ل") else f"{head} {field_}"
        if rng.random() < 0.4:
            parent = fill_country(rng.choice(c["parents"]), country, rng.randrange(len(country.adj_m)))
            clitic = "ب" if head.endswith(" ل") else rng.choice(["ب", "ب", "ل"])
            name = f"{name} {attach_word(clitic, parent)}"
        return name

    def formation(self, code: str | None = None) -> UnitRef:
        """A numbered or ordinal formation ("اللواء 35 مدرع", "الفرقة الرابعة", "لواء المشاة الرابع");
        with a country, now and then with the force it belongs to ("... بالجيش الأردني")."""
        rng, f = self.rng, self.g.formations
        n = rng.choice(f["nouns"])
        noun, m = n["noun"], n["gender"] == "m"
        num = str(rng.choice([rng.randint(1, 40), rng.randint(10, 199), rng.randint(100, 600)]))
        ords = f["ordinals_m" if m else "ordinals_f"]
        r = rng.random()
        if r < 0.25:
            full = f"{noun} {num}"
        elif r < 0.5:
            full = f"{noun} {num} {rng.choice(f['designators'])}"
        elif r < 0.65:
            full = f"{noun} {rng.choice(ords)}"
        elif r < 0.75:
            full = f"{noun} {rng.choice(ords)} {rng.choice(f['designators'])}"
        elif r < 0.82:
            full = f"{noun} {rng.choice(f['adjectives_m' if m else 'adjectives_f'])} {rng.choice(ords)}"
        else:  # the noun without its article, then its arm: "لواء المشاة الرابع", "كتيبة المدفعية 12"
            full = f"{noun[2:]} {rng.choice(f['branches'])} {rng.choice(ords) if rng.random() < 0.6 else num}"
        if code is not None and rng.random() < 0.25:
            country = self.g.countries[code]
            parent = fill_country(rng.choice(f["parents"]), country, rng.randrange(len(country.adj_m)))
            full = f"{full} {attach_word('ب', parent)}"
        return UnitRef(full, "formation", "army", tuple(f["positions"]), "", noun)

    def positions(self, unit: UnitRef) -> tuple[str, ...]:
        return unit.positions or tuple(self.g.roles["positions_by_kind"][unit.kind])

    # ------------------------------------------------------------------ people
    def person(self, code: str, kinds, local: bool, host: str | None = None, unit: UnitRef | None = None,
               levels: tuple[int, int] | None = None) -> Person:
        rng, g = self.rng, self.g
        c = g.countries[code]
        if unit is None:
            unit = self.unit(code, kinds, host, short_first=local)
        position = ""
        if unit is not None:
            titles = self.positions(unit)
            position = rng.choice(titles) if titles else ""
        lo, hi = levels or tuple(g.roles["position_levels"][unit.kind if unit else "staff"])
        if position.startswith(("نائب", "معاون")):
            lo, hi = max(lo - 1, 1), max(hi - 1, 1)
        rank = self.rank(code, lo, hi, unit.domain if unit else "any")
        full, short = self.name(c.names)
        h = g.roles["honorifics"]
        honor = rng.choice(h["after_rank"]) if rng.random() < 0.06 else ""
        if honor == "الشيخ" and c.region != "gulf":
            honor = "الدكتور"
        before = rng.choice(h["before_rank"]) if rng.random() < 0.04 else ""
        return Person(rank, full, short, position, unit, local, False, honor, before)

    def envoy(self, country: Country, host: Country, named: bool | None = None, roles=None,
              female: bool | None = None, k: int | None = None) -> Envoy:
        rng, g = self.rng, self.g
        if named is None:
            named = rng.random() < 0.6
        specs = [e for e in g.roles["envoys"] if roles is None or e["id"] in roles]
        spec = rng.choice(specs)
        if female is None:
            female = rng.random() < 0.2
        if not spec.get("named_f") or not g.names[country.names].female:  # no feminine title or names
            female = False
        sfx = "_f" if female else "_m"
        k = rng.randrange(len(country.adj_m)) if k is None else k
        role_named = fill_country(rng.choice(spec["named" + sfx]), country, k)
        role_alone = fill_country(rng.choice(spec["alone" + sfx]), country, k)
        title = spec["title"][1 if female and len(spec["title"]) > 1 else 0]
        posting = {"lada": host.lada, "to": "إلى " + host.name,
                   "city": "في " + rng.choice(host.cities or (host.capital,))}[spec["posting"]]
        e = Envoy(named, female, role_named, role_alone, title, posting)
        if named:
            e.name, e.short = self.name(country.names, female)
            if "attache" in spec["id"] and rng.random() < 0.7:
                domain = {"naval_attache": "navy", "air_attache": "air"}.get(spec["id"], "any")
                e.rank = self.rank(country.code, 5, 7, domain)
            elif rng.random() < 0.12:
                e.honor = rng.choice(g.roles["honorifics"]["before_name_f" if female else "before_name"])
        return e

    def org_envoy(self, host: Country, named: bool | None = None) -> Envoy:
        rng = self.rng
        spec = rng.choice(self.g.roles["organizations"])
        named = rng.random() < 0.5 if named is None else named
        alone = rng.choice(spec["alone"])
        posting = host.lada if alone.startswith(("سفير", "ممثل")) else rng.choice([host.lada, "إلى " + host.name])
        e = Envoy(named, False, rng.choice(spec["named"]), alone, alone.split()[0], posting)
        if named:
            e.name, e.short = self.name(rng.choice(spec["names"]))
        return e

    # ------------------------------------------------------------------ exercises
    def pattern_name(self) -> str:
        """A name built like an exercise name from the synthetic parts ("درع الصحراء")."""
        return f"{self.rng.choice(self.g.synthetic_heads)} {self.rng.choice(self.g.synthetic_tails)}"

    def exercise(self, host: Country, guest: Country | None, named: float = 0.7) -> ExerciseRef:
        rng, g = self.rng, self.g
        quoted_only = False
        real = [e for e in g.exercises if host.code in e.hosts]
        if rng.random() < named:
            if real and rng.random() < 0.65:
                x = rng.choice(real)
                base, editions, domain = rng.choice((x.name,) * 3 + x.variants), x.editions, x.domain
                if x.latin and rng.random() < 0.12:  # "تمرين «African Lion»"
                    base = rng.choice(x.latin)
            else:
                if rng.random() < OPEN_NAME_P:  # words of real Arabic, not our name parts
                    rare = filler_vocabulary()[1]
                    base, quoted_only = " ".join(rng.choice(rare) for _ in range(rng.choice([1, 2, 2]))), True
                else:
                    base = self.pattern_name()
                editions, domain = rng.choice(["year", "number", "none", "none"]), rng.choice(["land", "naval", "air", "joint"])
        else:
            base, editions, domain = "", "none", rng.choice(["land", "naval", "air", "joint"])
        want = {"land": "land", "naval": "naval", "air": "air"}.get(domain, "any")
        descs = [d for d in g.descriptors if d.domain in ("any", want)
                 and (base or (d.definite and len(d.text.split()) >= 2))]
        d = rng.choice(descs)
        name, year_after = base, ""
        year = str(rng.randint(2021, 2026))
        if base and editions == "year":
            r = rng.random()
            if r < 0.55:
                name = f"{base} {year}"
            elif r < 0.85:
                year_after = year
        elif base and editions == "number" and rng.random() < 0.75:
            name = f"{base} {rng.randint(1, 15)}"
        elif base and editions == "ordinal" and rng.random() < 0.8:
            mid = "المشترك " if "المشترك" not in base and rng.random() < 0.5 else ""
            name = f"{base} {mid}{rng.choice(g.formations['ordinals_m'][:12])}"
        noun = d.text.split()[0]
        noun = noun if noun.startswith("ال") else {"تمرين": "التمرين", "مناورات": "المناورات"}[noun]
        bilateral = ""
        if guest is not None:
            k = 0 if d.gender == "m" else 1
            pair = f"{(host.adj_m, host.adj_f)[k][0]} {(guest.adj_m, guest.adj_f)[k][0]}"
            words = len(d.text.split())
            # between descriptor and name the two nations belong to the span ("[التمرين المشترك المصري
            # الفرنسي «حسم]»"); without a name they make the descriptor specific
            if (base and words >= 2 and rng.random() < 0.2) or (not base and (words < 3 or rng.random() < 0.5)):
                bilateral = pair
        return ExerciseRef(d.text, d.gender, name, base, year_after, rng.choice(QUOTES), bilateral, noun=noun,
                           quoted_only=quoted_only)
