"""Load and validate the gazetteers in `data/gazetteers/*.yaml` (see `data/README.md`).

`load_gazetteers()` reads the seven files (countries, names, ranks, units, exercises,
roles, negatives), checks every entry against the field rules below and the references
between files (a unit's country, a country's name pool, an exercise's hosts), and returns
them as frozen dataclasses and plain lists and dicts. A bad file raises `GazetteerError`
naming the file, the entry and what is accepted. Results are cached per directory.

Two flat views serve the other stages: `mention_pools()` (surface strings per kind, for
augmentation and the gazetteer baseline) and `corpus_lines()` (every string, for building
a tokenizer). This module does not generate articles (see `generate.py`).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

GAZETTEER_DIR = Path(__file__).resolve().parents[2] / "data" / "gazetteers"
FILES = ("countries", "names", "ranks", "units", "exercises", "roles", "negatives")
DOMAINS = ("any", "army", "navy", "air")
UNIT_KINDS = ("forces", "staff", "staff_body", "service", "special", "directorate", "academy",
              "region", "formation", "command", "office")
NAME_STYLES = ("given_family", "family_given", "bin", "ould", "triple")
EDITIONS = ("year", "number", "ordinal", "none")
PLACEHOLDERS = {"adj_m", "adj_f", "adj_f2", "adj_m2", "name", "lname"}


class GazetteerError(ValueError):
    """A gazetteer file that breaks its format (the message names file, entry and rule)."""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    variants: tuple[str, ...]
    adj_m: tuple[str, ...]
    adj_f: tuple[str, ...]
    capital: str
    cities: tuple[str, ...]
    lada: str
    host: bool
    region: str
    names: str
    agency: str = ""
    gender: str = "f"


@dataclass(frozen=True)
class NameOrigin:
    key: str
    style: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    middle: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rank:
    forms: tuple[str, ...]
    level: int
    domain: str = "any"
    countries: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Qualifier:
    text: str
    domain: str
    min_level: int
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    country: str
    domain: str = "any"
    acronym: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    short: tuple[str, ...] = ()
    aor: tuple[str, ...] = ()
    weight: int = 1  # how often news names it, against 1 for the others of its country and kind


@dataclass(frozen=True)
class Exercise:
    name: str
    variants: tuple[str, ...]
    hosts: tuple[str, ...]
    partners: tuple[str, ...]
    domain: str
    editions: str
    synthetic: bool = False
    latin: tuple[str, ...] = ()     # the name in Latin script, as Arabic news sometimes writes it


@dataclass(frozen=True)
class Descriptor:
    text: str
    gender: str
    domain: str
    definite: bool = True


@dataclass
class Gazetteers:
    countries: dict[str, Country]
    names: dict[str, NameOrigin]
    ranks: list[Rank]                 # Arab ranks
    western_ranks: list[Rank]
    qualifiers: list[Qualifier]
    units: dict[str, list[Unit]]      # per country code, generic patterns expanded
    formations: dict
    composed: dict                    # parts of composed unit names (units.yaml `composed`)
    exercises: list[Exercise]
    synthetic_heads: list[str]
    synthetic_tails: list[str]
    descriptors: list[Descriptor]
    roles: dict
    negatives: dict
    source: Path = field(default=GAZETTEER_DIR)

    def hosts(self) -> list[str]:
        return [c for c, country in self.countries.items() if country.host]


# ---------------------------------------------------------------------------- field checks

class _Checker:
    """Reads fields of one entry, raising GazetteerError with file and entry on a bad one."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, msg: str):
        raise GazetteerError(f"{self.path}: {where}: {msg}")

    def mapping(self, value, where: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping with keys {sorted(required)}, got {type(value).__name__}")
        unknown = set(value) - allowed
        if unknown:
            self.fail(where, f"unknown key(s) {sorted(unknown)}; accepted: {sorted(allowed)}")
        missing = required - set(value)
        if missing:
            self.fail(where, f"missing key(s) {sorted(missing)}")
        return value

    def text(self, value, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected a non-empty string, got {value!r}")
        if value != value.strip() or "  " in value:
            self.fail(where, f"{value!r} has leading, trailing or double spaces")
        for ph in re.findall(r"\{([^}]*)\}", value):
            if ph not in PLACEHOLDERS:
                self.fail(where, f"unknown placeholder {{{ph}}} in {value!r}; accepted: {sorted(PLACEHOLDERS)}")
        return value

    def texts(self, value, where: str, empty_ok: bool = True) -> tuple[str, ...]:
        if value is None and empty_ok:
            return ()
        if not isinstance(value, list) or (not value and not empty_ok):
            self.fail(where, f"expected a {'' if empty_ok else 'non-empty '}list of strings, got {value!r}")
        return tuple(self.text(v, f"{where}[{i}]") for i, v in enumerate(value))

    def choice(self, value, where: str, accepted) -> str:
        if value not in accepted:
            self.fail(where, f"{value!r} is not one of {list(accepted)}")
        return value

    def integer(self, value, where: str, lo: int, hi: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            self.fail(where, f"expected an integer {lo}..{hi}, got {value!r}")
        return value

    def flag(self, value, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, got {value!r}")
        return value

    def codes(self, value, where: str, known) -> tuple[str, ...]:
        out = self.texts(value, where)
        for c in out:
            if c not in known:
                self.fail(where, f"unknown country code {c!r}; known: {', '.join(sorted(known))}")
        return out


def _read(path: Path):
    if not path.exists():
        raise GazetteerError(f"{path}: missing gazetteer file; expected {', '.join(f + '.yaml' for f in FILES)} "
                             f"in {path.parent}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise GazetteerError(f"{path}: not valid YAML at {at} ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        raise GazetteerError(f"{path}: the file is empty")
    return data


# ---------------------------------------------------------------------------- per file

def _countries(path: Path, data) -> dict[str, Country]:
    ck = _Checker(path)
    if not isinstance(data, list):
        ck.fail("top level", "expected a list of countries")
    keys = {"code", "name", "variants", "adj_m", "adj_f", "capital", "cities", "lada", "host", "region",
            "names", "agency", "gender"}
    out: dict[str, Country] = {}
    for i, e in enumerate(data):
        where = f"entry {i}" + (f" ({e.get('code')})" if isinstance(e, dict) else "")
        ck.mapping(e, where, keys, {"code", "name", "adj_m", "adj_f", "capital", "lada", "region", "names"})
        code = ck.text(e["code"], f"{where}.code")
        if not re.fullmatch(r"[A-Z]{2}", code) or code in out:
            ck.fail(where, f"code {code!r} must be a new two-letter ISO code")
        adj_m, adj_f = ck.texts(e["adj_m"], f"{where}.adj_m", False), ck.texts(e["adj_f"], f"{where}.adj_f", False)
        if len(adj_m) != len(adj_f):
            ck.fail(where, "adj_m and adj_f must list the same spellings in the same order")
        out[code] = Country(code, ck.text(e["name"], f"{where}.name"), ck.texts(e.get("variants"), f"{where}.variants"),
                            adj_m, adj_f, ck.text(e["capital"], f"{where}.capital"),
                            ck.texts(e.get("cities"), f"{where}.cities"), ck.text(e["lada"], f"{where}.lada"),
                            ck.flag(e.get("host", False), f"{where}.host"), ck.text(e["region"], f"{where}.region"),
                            ck.text(e["names"], f"{where}.names"), e.get("agency", "") or "",
                            ck.choice(e.get("gender", "f"), f"{where}.gender", ("m", "f")))
    return out


def _names(path: Path, data) -> dict[str, NameOrigin]:
    ck = _Checker(path)
    ck.mapping(data, "top level", {"shared", "origins"}, {"origins"})
    shared = data.get("shared") or {}
    if not isinstance(shared, dict):
        ck.fail("shared", "expected a mapping of name lists")
    shared = {k: ck.texts(v, f"shared.{k}", False) for k, v in shared.items()}
    if not isinstance(data["origins"], dict):
        ck.fail("origins", "expected a mapping origin -> names")
    out = {}
    for key, e in data["origins"].items():
        where = f"origins.{key}"
        ck.mapping(e, where, {"style", "male", "female", "family", "middle", "given_from"}, {"style", "male", "family"})
        extra = ()
        if "given_from" in e:
            if e["given_from"] not in shared:
                ck.fail(f"{where}.given_from", f"{e['given_from']!r} is not a list under shared ({sorted(shared)})")
            extra = shared[e["given_from"]]
        male = tuple(dict.fromkeys(ck.texts(e["male"], f"{where}.male", False) + extra))
        out[key] = NameOrigin(key, ck.choice(e["style"], f"{where}.style", NAME_STYLES), male,
                              ck.texts(e.get("female"), f"{where}.female"),
                              tuple(dict.fromkeys(ck.texts(e["family"], f"{where}.family", False))),
                              ck.texts(e.get("middle"), f"{where}.middle"))
    return out


def _ranks(path: Path, data, known) -> tuple[list[Rank], list[Rank], list[Qualifier]]:
    ck = _Checker(path)
    ck.mapping(data, "top level", {"arab", "western", "qualifiers"}, {"arab", "western", "qualifiers"})
    lists = []
    for part in ("arab", "western"):
        ranks = []
        for i, e in enumerate(data[part] or []):
            where = f"{part}[{i}]" + (f" ({e.get('forms')})" if isinstance(e, dict) else "")
            ck.mapping(e, where, {"forms", "level", "domain", "countries", "not_in"}, {"forms", "level"})
            ranks.append(Rank(ck.texts(e["forms"], f"{where}.forms", False), ck.integer(e["level"], f"{where}.level", 0, 11),
                              ck.choice(e.get("domain", "any"), f"{where}.domain", DOMAINS),
                              ck.codes(e.get("countries"), f"{where}.countries", known),
                              ck.codes(e.get("not_in"), f"{where}.not_in", known)))
        lists.append(ranks)
    quals = []
    for i, e in enumerate(data["qualifiers"] or []):
        where = f"qualifiers[{i}]"
        ck.mapping(e, where, {"text", "domain", "min_level", "countries"}, {"text"})
        quals.append(Qualifier(ck.text(e["text"], f"{where}.text"), ck.choice(e.get("domain", "any"), f"{where}.domain", DOMAINS),
                               ck.integer(e.get("min_level", 0), f"{where}.min_level", 0, 11),
                               ck.codes(e.get("countries"), f"{where}.countries", known)))
    return lists[0], lists[1], quals


def _unit(ck: _Checker, e, where: str, country: str, known, generic: bool = False) -> Unit:
    keys = {"name", "kind", "domain", "acronym", "variants", "positions", "short", "aor", "weight"}
    ck.mapping(e, where, keys | ({"foreign_only", "not_in"} if generic else set()), {"name", "kind"})
    positions = ck.texts(e.get("positions"), f"{where}.positions")
    return Unit(ck.text(e["name"], f"{where}.name"), ck.choice(e["kind"], f"{where}.kind", UNIT_KINDS), country,
                ck.choice(e.get("domain", "any"), f"{where}.domain", DOMAINS), ck.texts(e.get("acronym"), f"{where}.acronym"),
                ck.texts(e.get("variants"), f"{where}.variants"), positions,
                ck.texts(e.get("short"), f"{where}.short"), ck.codes(e.get("aor"), f"{where}.aor", known),
                ck.integer(e.get("weight", 1), f"{where}.weight", 1, 10))


def _units(path: Path, data, countries: dict[str, Country]) -> tuple[dict[str, list[Unit]], dict, dict]:
    ck = _Checker(path)
    ck.mapping(data, "top level", {"generic", "formations", "composed", "countries"},
               {"generic", "formations", "composed", "countries"})
    comp_keys = {"heads", "fields", "parents", "region_words", "directions", "staff_heads", "staff_regions", "task_forces"}
    comp = ck.mapping(data["composed"], "composed", comp_keys, comp_keys)
    for k in sorted(comp_keys):
        ck.texts(comp[k], f"composed.{k}", empty_ok=False)
    generic = [(_unit(ck, e, f"generic[{i}]", "", countries, True), bool(e.get("foreign_only", False)),
                ck.codes(e.get("not_in"), f"generic[{i}].not_in", countries)) for i, e in enumerate(data["generic"])]
    f = ck.mapping(data["formations"], "formations", {"nouns", "designators", "ordinals_m", "ordinals_f",
                                                      "adjectives_m", "adjectives_f", "positions", "branches",
                                                      "parents"},
                   {"nouns", "designators", "ordinals_m", "ordinals_f", "positions"})
    for i, n in enumerate(f["nouns"]):
        ck.mapping(n, f"formations.nouns[{i}]", {"noun", "gender"}, {"noun", "gender"})
        ck.choice(n["gender"], f"formations.nouns[{i}].gender", ("m", "f"))
    for k in ("designators", "ordinals_m", "ordinals_f", "adjectives_m", "adjectives_f", "positions", "branches",
              "parents"):
        ck.texts(f.get(k), f"formations.{k}")
    if not isinstance(data["countries"], dict):
        ck.fail("countries", "expected a mapping country code -> list of units")
    out: dict[str, list[Unit]] = {}
    for code, entries in data["countries"].items():
        if code not in countries:
            ck.fail(f"countries.{code}", f"unknown country code; known: {', '.join(sorted(countries))}")
        out[code] = [_unit(ck, e, f"countries.{code}[{i}]" + (f" ({e.get('name')})" if isinstance(e, dict) else ""),
                           code, countries) for i, e in enumerate(entries or [])]
    for code, country in countries.items():
        listed = {n for u in out.get(code, []) for n in (u.name, *u.variants)}
        covered = {(u.kind, u.domain) for u in out.get(code, []) if u.kind in ("service", "special", "academy")}
        for u, foreign_only, not_in in generic:
            name = fill_country(u.name, country)
            if name in listed or (foreign_only and country.host) or (u.kind, u.domain) in covered or code in not_in:
                continue
            out.setdefault(code, []).append(Unit(name, u.kind, code, u.domain, (), (), u.positions, u.short, (),
                                                 u.weight))
    return out, f, comp


def _exercises(path: Path, data, known) -> tuple[list[Exercise], list[str], list[str], list[Descriptor]]:
    ck = _Checker(path)
    ck.mapping(data, "top level", {"exercises", "synthetic", "descriptors"}, {"exercises", "synthetic", "descriptors"})
    out = []
    for i, e in enumerate(data["exercises"]):
        where = f"exercises[{i}]" + (f" ({e.get('name')})" if isinstance(e, dict) else "")
        ck.mapping(e, where, {"name", "variants", "hosts", "partners", "domain", "editions", "synthetic", "latin"},
                   {"name", "hosts", "domain", "editions"})
        out.append(Exercise(ck.text(e["name"], f"{where}.name"), ck.texts(e.get("variants"), f"{where}.variants"),
                            ck.codes(e["hosts"], f"{where}.hosts", known), ck.codes(e.get("partners"), f"{where}.partners", known),
                            ck.choice(e["domain"], f"{where}.domain", ("land", "naval", "air", "joint")),
                            ck.choice(e["editions"], f"{where}.editions", EDITIONS),
                            ck.flag(e.get("synthetic", False), f"{where}.synthetic"),
                            ck.texts(e.get("latin"), f"{where}.latin")))
    syn = ck.mapping(data["synthetic"], "synthetic", {"heads", "tails"}, {"heads", "tails"})
    descs = []
    for i, e in enumerate(data["descriptors"]):
        where = f"descriptors[{i}]"
        ck.mapping(e, where, {"text", "gender", "domain", "definite"}, {"text", "gender"})
        descs.append(Descriptor(ck.text(e["text"], f"{where}.text"), ck.choice(e["gender"], f"{where}.gender", ("m", "f")),
                                ck.choice(e.get("domain", "any"), f"{where}.domain", ("any", "land", "naval", "air")),
                                ck.flag(e.get("definite", True), f"{where}.definite")))
    return out, list(ck.texts(syn["heads"], "synthetic.heads", False)), list(ck.texts(syn["tails"], "synthetic.tails", False)), descs


def _roles(path: Path, data, names: dict) -> dict:
    ck = _Checker(path)
    top = {"envoys", "organizations", "positions_by_kind", "position_levels", "spokesman", "honorifics"}
    ck.mapping(data, "top level", top | {"security_officials"}, top)
    ck.texts(data.get("security_officials"), "security_officials")
    for i, e in enumerate(data["envoys"]):
        where = f"envoys[{i}]" + (f" ({e.get('id')})" if isinstance(e, dict) else "")
        ck.mapping(e, where, {"id", "title", "named_m", "named_f", "alone_m", "alone_f", "posting"},
                   {"id", "title", "named_m", "alone_m", "posting"})
        ck.texts(e["title"], f"{where}.title", False)
        for k in ("named_m", "named_f", "alone_m", "alone_f"):
            ck.texts(e.get(k), f"{where}.{k}", k not in ("named_m", "alone_m"))
        ck.choice(e["posting"], f"{where}.posting", ("lada", "to", "city"))
    for i, e in enumerate(data["organizations"]):
        where = f"organizations[{i}]"
        ck.mapping(e, where, {"named", "alone", "names"}, {"named", "alone", "names"})
        for k in ("named", "alone"):
            ck.texts(e[k], f"{where}.{k}", False)
        for n in ck.texts(e["names"], f"{where}.names", False):
            if n not in names:
                ck.fail(f"{where}.names", f"{n!r} is not an origin in names.yaml")
    for part in ("positions_by_kind", "position_levels"):
        if not isinstance(data[part], dict) or set(data[part]) != set(UNIT_KINDS):
            ck.fail(part, f"expected one entry for each unit kind: {', '.join(UNIT_KINDS)}")
    for kind, titles in data["positions_by_kind"].items():
        ck.texts(titles, f"positions_by_kind.{kind}")
    for kind, lv in data["position_levels"].items():
        if not (isinstance(lv, list) and len(lv) == 2):
            ck.fail(f"position_levels.{kind}", f"expected [lowest, highest], got {lv!r}")
        for v in lv:
            ck.integer(v, f"position_levels.{kind}", 0, 11)
    ck.texts(data["spokesman"], "spokesman", False)
    h = ck.mapping(data["honorifics"], "honorifics", {"after_rank", "before_rank", "before_name", "before_name_f"},
                   {"after_rank", "before_rank", "before_name", "before_name_f"})
    for k, v in h.items():
        ck.texts(v, f"honorifics.{k}", False)
    return data


# negatives.yaml keys that hold country codes, not phrases
NEGATIVE_CODE_LISTS = ("no_president", "no_prime_minister")


def _negatives(path: Path, data, known) -> dict:
    ck = _Checker(path)
    lists = {"teams", "generic", "ministries", "alliances", "committees", "embassies", "foreign_officials",
             "civilians", "envoy_plurals", "multi_forces", "leaders", "leaders_f"}
    keys = lists | set(NEGATIVE_CODE_LISTS) | {"bases", "named_things"}
    ck.mapping(data, "top level", keys, keys)
    for k in lists:
        ck.texts(data[k], k, False)
    for k in NEGATIVE_CODE_LISTS:
        ck.codes(data[k], k, known)
    if len(data["leaders"]) != len(data["leaders_f"]):
        ck.fail("leaders_f", f"expected the {len(data['leaders'])} titles of leaders in their feminine forms, "
                             f"got {len(data['leaders_f'])}")
    ck.mapping(data["named_things"], "named_things", {"descriptors", "names"}, {"descriptors", "names"})
    for k in ("descriptors", "names"):
        ck.texts(data["named_things"][k], f"named_things.{k}", False)
    if not isinstance(data["bases"], dict):
        ck.fail("bases", "expected a mapping country code -> list of bases")
    for code, bases in data["bases"].items():
        ck.codes([code], f"bases.{code}", known)
        ck.texts(bases, f"bases.{code}", False)
    return data


# ---------------------------------------------------------------------------- loading

SPLITS = ("all", "train")


def load_gazetteers(directory: str | Path | None = None, split: str = "all") -> Gazetteers:
    """All gazetteers from `directory` (default `data/gazetteers/`), validated; cached.
    `split="train"` leaves out the `held_out` fifth of the names (see `_train_split`)."""
    if split not in SPLITS:
        raise ValueError(f"gazetteer split must be one of {', '.join(SPLITS)}, got {split!r}")
    directory = str(Path(directory).resolve()) if directory else str(GAZETTEER_DIR)
    return _load(directory) if split == "all" else _train_split(directory)


def held_out(text: str) -> bool:
    """Whether `split="train"` leaves this entry out: a fixed fifth of the texts, by a stable hash."""
    return zlib.crc32(text.encode("utf-8")) % 5 == 0


def _keep(items, key=lambda x: x, least: int = 2) -> list:
    """`items` without the held-out ones, unless that would leave fewer than `least`."""
    kept = [x for x in items if not held_out(key(x))]
    return kept if len(kept) >= least else list(items)


@lru_cache(maxsize=2)
def _train_split(directory: str) -> Gazetteers:
    """The gazetteers without a fifth of their unit names, exercise names, family names and
    directorate fields: articles generated from them never show those names, so a model trained
    on them can be scored on names it has never seen. A list left with fewer than two entries
    of a kind is kept whole, so every template still has a pick."""
    g = _load(directory)
    units = {}
    for code, lst in g.units.items():
        kept = {u for k in {u.kind for u in lst} for u in _keep([u for u in lst if u.kind == k], lambda u: u.name)}
        units[code] = [u for u in lst if u in kept]
    names = {k: replace(o, family=tuple(_keep(o.family))) for k, o in g.names.items()}
    composed = {**g.composed, "fields": _keep(g.composed["fields"])}
    return replace(g, units=units, names=names, composed=composed,
                   exercises=_keep(g.exercises, lambda e: e.name))


@lru_cache(maxsize=4)
def _load(directory: str) -> Gazetteers:
    d = Path(directory)
    raw = {name: _read(d / f"{name}.yaml") for name in FILES}
    countries = _countries(d / "countries.yaml", raw["countries"])
    names = _names(d / "names.yaml", raw["names"])
    for code, c in countries.items():
        if c.names not in names:
            raise GazetteerError(f"{d / 'countries.yaml'}: entry {code}: names {c.names!r} is not an origin in "
                                 f"names.yaml ({', '.join(sorted(names))})")
    ranks, western, quals = _ranks(d / "ranks.yaml", raw["ranks"], countries)
    units, formations, composed = _units(d / "units.yaml", raw["units"], countries)
    exercises, heads, tails, descs = _exercises(d / "exercises.yaml", raw["exercises"], countries)
    roles = _roles(d / "roles.yaml", raw["roles"], names)
    negatives = _negatives(d / "negatives.yaml", raw["negatives"], countries)
    return Gazetteers(countries, names, ranks, western, quals, units, formations, composed, exercises, heads, tails,
                      descs, roles, negatives, d)


# ---------------------------------------------------------------------------- flat views

def _dedup(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def lam(country_name: str) -> str:
    """The name with the preposition ل: "لفرنسا", "للولايات المتحدة"."""
    return "ل" + country_name[1:] if country_name.startswith("ال") else "ل" + country_name


def fill_country(template: str, c: Country, k: int = 0) -> str:
    """Fill {adj_m} {adj_f} {name} {lname} with country `c` (spelling variant k of the adjective)."""
    k = k % len(c.adj_m)
    return (template.replace("{adj_m}", c.adj_m[k]).replace("{adj_f}", c.adj_f[k])
            .replace("{lname}", lam(c.name)).replace("{name}", c.name))


def rank_surfaces(g: Gazetteers) -> list[str]:
    out = []
    for r in g.ranks + g.western_ranks:
        out += [f for f in r.forms if f.startswith(("ال", "أمير", "نائب")) or " " in f]  # bare single words are ambiguous
        for q in g.qualifiers:
            if r.level >= q.min_level and r in g.ranks:
                out.append(f"{r.forms[0]} {q.text}")
    return _dedup(out)


def foreign_names(g: Gazetteers) -> list[str]:
    """Full names from the origins of non-Arab countries (each family name with two given names)."""
    origins = _dedup(c.names for c in g.countries.values() if not c.host)
    out = []
    for key in origins:
        o = g.names[key]
        for i, fam in enumerate(o.family):
            for given in (o.male[i % len(o.male)], o.male[(i + 7) % len(o.male)]):
                out.append(f"{fam} {given}" if o.style == "family_given" else f"{given} {fam}")
    return _dedup(out)


def mention_pools(g: Gazetteers | None = None) -> dict[str, list[str]]:
    """Surface strings per kind: MILITARY_RANK, UNIT, EXERCISE (names), FOREIGN_NAME (full
    names of non-Arab origin) and FOREIGN_ENVOY_ROLE (role-only envoys of non-Arab countries,
    so that no pool entry can be a national of an Arab article's own country)."""
    g = g or load_gazetteers()
    units = []
    for lst in g.units.values():
        for u in lst:
            units += [u.name, *u.variants, *u.acronym]
    f = g.formations
    for n in f["nouns"]:
        units += [f"{n['noun']} {o}" for o in f["ordinals_m" if n["gender"] == "m" else "ordinals_f"]]
    exercises = _dedup(x for e in g.exercises for x in (e.name, *e.variants))
    roles = []
    for c in g.countries.values():
        if c.host:
            continue
        for e in g.roles["envoys"]:
            roles += [fill_country(t, c) for t in e["alone_m"]]
    for o in g.roles["organizations"]:
        roles += o["alone"]
    return {"MILITARY_RANK": rank_surfaces(g), "UNIT": _dedup(units), "EXERCISE": exercises,
            "FOREIGN_NAME": foreign_names(g), "FOREIGN_ENVOY_ROLE": _dedup(roles)}


def corpus_lines(g: Gazetteers | None = None) -> list[str]:
    """Every gazetteer string once, one per line (country names and adjectives, names,
    ranks, units, exercises, descriptors, roles, hard negatives), placeholders filled."""
    g = g or load_gazetteers()
    lines = []
    for c in g.countries.values():
        lines += [c.name, *c.variants, *c.adj_m, *c.adj_f, c.capital, *c.cities, c.lada, c.agency]
    for o in g.names.values():
        lines += [*o.male, *o.female, *o.family]
    lines += [d.text for d in g.descriptors] + g.synthetic_heads + g.synthetic_tails
    lines += [t.removesuffix(" ل") for v in g.composed.values() for t in v if "{" not in t]
    lines += g.roles["spokesman"] + [t for v in g.roles["honorifics"].values() for t in v]
    lines += [t for v in g.roles["positions_by_kind"].values() for t in v]
    for k, v in g.negatives.items():
        if k in ("bases", "named_things"):
            lines += [t for texts in v.values() for t in texts]
        elif k in NEGATIVE_CODE_LISTS:
            continue
        else:
            lines += [t for t in v if "{" not in t]
    pools = mention_pools(g)
    for v in pools.values():
        lines += v
    return _dedup(lines)
