"""One generated article's cast and its template slots (`Article`), rendered as segments.

An `Article` is written about a host country and has one guest country. Its people (host
officials, a visiting officer, envoys), units and exercise are built lazily from the
gazetteers the first time a template slot asks for them, so each article only pays for
what it says. `render()` fills one template of `templates.py` (alternatives, clitics,
gender agreement) and returns labelled segments. Local officials' names are O and kept
apart from foreign envoys' names (`names`). It does not compose whole articles or apply
surface noise (see `generate.py`).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from . import templates as T
from .gazetteers import Gazetteers, fill_country
from .mentions import QUOTES, Person, Picker, Seg, UnitRef, attach, ent, indefinite, join, o


class Named(NamedTuple):
    """A name with no role in the schema (a named civilian), for `Article._distinct`."""
    name: str
    short: str

FEMININE_STATE_WORDS = {"جمهورية", "الجمهورية", "المملكة", "مملكة", "دولة", "سلطنة"}
SLOT = re.compile(r"\{(?:(و|ب|ل|وب|ول)\+)?([A-Za-z0-9]+)(?::([^}]*))?\}")
ALT = re.compile(r"<([^<>]*)>")
ENVOY_ROLES = {"envoy": ["ambassador"] * 5 + ["charge", "charge", "military_attache", "defence_attache",
                                               "naval_attache", "air_attache", "special_envoy", "presidential_envoy", "consul"],
               "other": ["ambassador", "ambassador", "charge", "military_attache", "defence_attache"]}
ATTACHES = ["military_attache", "defence_attache", "naval_attache", "air_attache"]
# the short title before a named security leader's family name, by the first word of the position
BRIEF_TITLES = {"وزير": "الوزير", "نائب": "نائب الوزير", "مستشار": "المستشار"}
HEAD_KINDS = {"graduation": ["staff", "forces", "service"], "inspection": ["staff", "service", "region"],
              "exercise": ["staff", "service", "region"], "statement": ["staff", "service"]}
GUEST_KINDS = ["command", "command", "command", "staff", "staff", "service", "service", "region", "special",
               "directorate", "academy", "office"]


class Article:
    """One article's cast (host, guest, people, units, exercise) built lazily, and its slots."""

    def __init__(self, g: Gazetteers, pick: Picker, host: str, kind: str, names: dict | None = None):
        self.g, self.pick, self.rng, self.kind = g, pick, pick.rng, kind
        self.host = g.countries[host]
        self.guest = self._guest()
        self.cache: dict = {}
        # names used in the article (shared with its related headlines): a local official, a
        # foreign envoy and a named civilian (NF) never share a name or a short reference
        self.names = names if names is not None else {"local": set(), "foreign": set()}

    def _distinct(self, make, side: str, tries: int = 8):
        """A person from `make()` whose name and short reference no other side of the article uses,
        whole or as a run of words inside a longer name."""
        other = set().union(*(names for s, names in self.names.items() if s != side))
        padded = [f" {n} " for n in other if n]
        for _ in range(tries):
            p = make()
            mine = (f" {p.name} ", f" {p.short} ")
            # no shared name, and none inside another ("عبد العزيز" in "عبد العزيز الورغي")
            if not any(a in b or b in a for a in mine for b in padded):
                break
        if p.name:
            self.names.setdefault(side, set()).update((p.name, p.short))
        return p

    def _guest(self):
        rng, g = self.rng, self.g
        foreign = [c for c in g.countries.values() if not c.host]
        arab = [c for c in g.countries.values() if c.host and c.code != self.host.code]
        r = rng.random()
        if r < 0.22:
            return g.countries["US"]
        return rng.choice(foreign if r < 0.7 else arab)

    # ------------------------------------------------------------------ cast
    def _get(self, key, make):
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def _unit(self, code, kinds, host=None, short_first=False, avoid=()) -> UnitRef | None:
        marked = code != self.host.code
        for _ in range(4):
            u = self.pick.unit(code, kinds, host, short_first, marked)
            if u is None or u.key not in avoid:
                return u
        return u

    def host_unit(self, kinds, fallback=("service", "special")) -> UnitRef:
        taken = {v.key for v in self.cache.values() if isinstance(v, UnitRef)}
        u = self._unit(self.host.code, kinds, avoid=taken) or self._unit(self.host.code, fallback, avoid=taken)
        if u.kind == "academy":
            head = u.full.split()[0]
            u.short = {"كلية": "الكلية", "الكلية": "الكلية", "أكاديمية": "الأكاديمية", "الأكاديمية": "الأكاديمية",
                       "المدرسة": "المدرسة"}.get(head, "")
        return u

    def local(self, kinds, unit=None, levels=None) -> Person:
        return self._distinct(lambda: self.pick.person(self.host.code, kinds, True, unit=unit, levels=levels), "local")

    def guest_officer(self) -> Person:
        rng, code = self.rng, self.guest.code
        for _ in range(6):
            unit = self.pick.unit(code, [rng.choice(GUEST_KINDS)], self.host.code, marked=True)
            if unit is not None and self.pick.positions(unit):
                break
        else:
            unit = self.pick.unit(code, ["service"], self.host.code, marked=True)
        return self._distinct(lambda: self.pick.person(code, [unit.kind], False, unit=unit), "foreign")

    def H(self):
        return self._get("H", lambda: self.local(HEAD_KINDS.get(self.kind, ["staff", "staff", "forces", "service"])))

    def H2(self):
        if self.kind == "inspection":
            return self._get("H2", lambda: self.local(["formation"], unit=self.UN(), levels=(6, 7)))
        if self.kind == "graduation":
            return self._get("H2", lambda: self.local(["academy"], unit=self.UA(), levels=(7, 8)))
        return self._get("H2", lambda: self.local(["service", "directorate", "region", "academy"]))

    def G(self):
        return self._get("G", self.guest_officer)

    def GM(self):
        """A named defence or security leader of the guest country (FOREIGN_ENVOY, the title O)."""
        def make():
            title = fill_country(self.rng.choice(self.g.roles["security_officials"]), self.guest, self._gk())
            full, short = self.pick.name(self.guest.names)
            return Person("", full, short, title, None, local=False)
        return self._get("GM", lambda: self._distinct(make, "foreign"))

    def E(self):
        def make():
            role = self.rng.choice(ENVOY_ROLES.get(self.kind, ENVOY_ROLES["other"]))
            return self._distinct(lambda: self.pick.envoy(self.guest, self.host, roles=[role], k=self._gk()), "foreign")
        return self._get("E", make)

    def EO(self):
        return self._get("EO", lambda: self._distinct(lambda: self.pick.org_envoy(self.host), "foreign"))

    def A(self):
        return self._get("A", lambda: self._distinct(lambda: self.pick.envoy(self.guest, self.host, roles=ATTACHES,
                                                                             female=False, k=self._gk()), "foreign"))

    def SP(self):
        def make():
            p = self.local(["staff"], levels=(6, 8))
            p.position, p.unit = self.rng.choice(self.g.roles["spokesman"]), self.UF()
            return p
        return self._get("SP", make)

    def UF(self):
        return self._get("UF", lambda: self.host_unit(["forces"]))

    def UN(self):
        def make():
            listed = self.pick.units(self.host.code, ["formation"])
            if listed and self.rng.random() < 0.4:
                u = self.rng.choice(listed)
                return UnitRef(u.name, "formation", "army", u.positions, "", u.short[0] if u.short else u.name.split()[0])
            return self.pick.formation(self.host.code)
        return self._get("UN", make)

    def UA(self):
        return self._get("UA", lambda: self.host_unit(["academy"]))

    def X(self):
        if self.kind == "visit":  # the exercise the visit prepares is held in the guest country
            return self._get("X", lambda: self.pick.exercise(self.guest, self.host, 0.9))
        return self._get("X", lambda: self.pick.exercise(self.host, self.guest, 0.7 if self.kind == "exercise" else 0.9))

    # ------------------------------------------------------------------ slots
    def slot(self, name: str, clitic: str, arg: str | None) -> list[Seg]:
        rng = self.rng
        if arg is not None:  # {gE:m/f}
            m, _, f = arg.partition("/")
            who = {"gE": lambda: self.E().female, "gX": lambda: self.X().gender == "f",
                   "gN": lambda: self.UN().gender == "f", "gUF": lambda: self.UF().gender == "f",
                   "gGF": lambda: self._get("GF", lambda: self._unit(self.guest.code, ["forces"])).gender == "f",
                   "gNL": lambda: self.NL()[1],
                   "gHC": lambda: self.host.gender == "f", "gGC": lambda: self.guest.gender == "f"}[name]
            return o(f if who() else m)
        fn = getattr(self, "s_" + name, None)
        if fn is not None:
            return attach(clitic, fn())
        if name.startswith("X"):
            x = self.X()
            return {"X": lambda: x.intro(rng, clitic), "Xn": lambda: x.name_only(rng, clitic),
                    "Xd": lambda: x.descriptor_only(clitic), "Xr": lambda: attach(clitic, o(x.anaphor(rng)))}[name]()
        raise KeyError(f"unknown template slot {{{name}}}")

    # people
    def s_H(self): return self.H().full(rng=self.rng)
    def s_Hs(self): return self.H().brief(self.rng)
    def s_Hp(self): return self.H().role(self.rng) or self.H().ranked(self.H().name)
    def s_Hn(self): return self.H().ranked(self.H().name)
    def s_H2(self): return self.H2().full(rng=self.rng)
    def s_H2s(self): return self.H2().brief(self.rng)
    def s_H2p(self): return self.H2().role(self.rng) or self.H2().ranked(self.H2().name)
    def s_H2n(self): return self.H2().ranked(self.H2().name)
    def s_G(self): return self.G().full(rng=self.rng)
    def s_Gs(self): return self.G().brief(self.rng)
    def s_Gp(self): return self.G().role(self.rng)
    def s_Gn(self): return self.G().ranked(self.G().name)
    def s_GM(self):
        m, rng = self.GM(), self.rng
        if rng.random() < 0.75:
            return join(o(m.position), o("،") if rng.random() < 0.4 else [], ent(m.name, "FOREIGN_ENVOY"))
        return join(ent(m.name, "FOREIGN_ENVOY"), o("،"), o(m.position))
    def s_GMs(self):
        m = self.GM()
        title = BRIEF_TITLES.get(m.position.split()[0])  # "وزير الدفاع ..." -> "الوزير"; an adviser is not one
        if title and self.rng.random() < 0.5:
            return join(o(title), ent(m.short, "FOREIGN_ENVOY"))
        return ent(m.name, "FOREIGN_ENVOY")
    def s_E(self): return self.E().full(self.rng)
    def s_Es(self): return self.E().brief(self.rng)
    def s_Eh(self): return ent(self.E().role_alone, "FOREIGN_ENVOY")
    def s_EO(self): return self.EO().full(self.rng)
    def s_A(self): return self.A().full(self.rng)
    def s_As(self): return self.A().brief(self.rng)
    def s_SP(self): return self.SP().full(rng=self.rng)
    def s_SPs(self): return self.SP().ranked(self.SP().short, honor=False) if self.rng.random() < 0.6 else o("المتحدث")
    def s_SPp(self): return self.SP().role(self.rng)

    def s_HE(self):
        rng, h, gst = self.rng, self.host, self.guest
        role = rng.choice([f"سفير {h.name} لدى {gst.name}", f"السفير {h.adj_m[0]} لدى {gst.name}",
                           f"السفير {h.adj_m[0]} في {gst.capital}", f"الملحق العسكري {h.adj_m[0]} في {gst.capital}"])
        name = self._get("HE", lambda: self.local(["staff"]).name)
        return join(o(role), o("،"), o(name)) if rng.random() < 0.5 else o(role)

    def s_HA(self):
        h, gst = self.host, self.guest
        return o(self.rng.choice([f"الملحق العسكري {h.adj_m[0]} في {gst.capital}", f"ملحق الدفاع {h.adj_m[0]} لدى {gst.name}",
                                  f"الملحق العسكري بسفارة {h.name} في {gst.capital}"]))

    def s_P(self):
        p = self.local(["academy"], levels=(1, 2))
        return join(ent(p.rank, "MILITARY_RANK"), o(p.name))

    def s_T(self):
        p = self._distinct(lambda: self.pick.person(self.guest.code, ["service"], False, levels=(3, 6)), "foreign")
        return p.ranked(p.name, honor=False)

    # countries and places
    def _country(self, c):
        """A country's name, now and then an official variant of the same grammatical gender."""
        if self.rng.random() < 0.8:
            return o(c.name)
        fits = [v for v in c.variants if c.gender == "f" or v.split()[0] not in FEMININE_STATE_WORDS]
        return o(self.rng.choice([c.name] + fits))

    def s_HC(self): return self._country(self.host)
    def s_GC(self): return self._country(self.guest)
    def s_HCa(self): return o(self.host.adj_m[0])
    def _gk(self) -> int:
        """The guest adjective's spelling variant, one per article ("الأمريكي" or "الأميركي")."""
        return self._get("GK", lambda: self.rng.randrange(len(self.guest.adj_m)))

    def s_GCa(self): return o(self.guest.adj_m[self._gk()])
    def s_HCf(self): return o(self.host.adj_f[0])
    def s_GCf(self): return o(self.guest.adj_f[self._gk()])
    def s_HCi(self): return o(indefinite(self.host.adj_f[0]))
    def s_GCi(self): return o(indefinite(self.guest.adj_f[self._gk()]))
    def s_GCim(self): return o(indefinite(self.guest.adj_m[self._gk()]))
    def s_CAP(self): return o(self.host.capital)
    def s_GCAP(self): return o(self.guest.capital)
    def s_CITY(self): return o(self._get("CITY", lambda: self.rng.choice(self.host.cities or (self.host.capital,))))
    def s_AGENCY(self): return o(self.host.agency or "وكالات")

    # units
    def s_UF(self): return self.UF().mention(self.rng, allow_short=False)
    def s_UFs(self): return self.UF().mention(self.rng)
    def s_USV(self): return self._get("USV", lambda: self.host_unit(["service", "special"])).mention(self.rng)
    def s_USV2(self): return self._get("USV2", lambda: self.host_unit(["service", "special", "region"])).mention(self.rng)
    def s_UA(self): return self.UA().mention(self.rng, allow_short=False)
    def s_UAs(self): return self.UA().mention(self.rng)
    def s_UD(self): return self._get("UD", lambda: self.host_unit(["directorate"], ("region", "service"))).mention(self.rng)
    def s_UR(self): return self._get("UR", lambda: self.host_unit(["region"])).mention(self.rng)
    def s_UN(self): return self.UN().mention(self.rng, allow_short=False)
    def s_UNs(self): return self.UN().mention(self.rng)
    def s_QUN(self): return self._qiyada(self.UN())
    def s_QUF(self): return self._qiyada(self.UF())

    def UTF(self):
        """A task force with a quoted name: head, opening quote and name (the closing quote is O)."""
        rng = self.rng
        return self._get("UTF", lambda: (rng.choice(self.g.composed["task_forces"]), self.pick.pattern_name(),
                                         rng.choice(QUOTES[:3])))

    def s_UTF(self):
        head, name, (q0, q1) = self.UTF()
        return ent(f"{head} {q0}{name}", "UNIT") + o(q1)

    def s_UTFs(self):
        head, name, (q0, q1) = self.UTF()
        return ent(f"{'قوة' if self.rng.random() < 0.6 else head} {q0}{name}", "UNIT") + o(q1)

    def _qiyada(self, u: UnitRef) -> list[Seg]:
        """"قيادة" + a unit is one span: "[قيادة اللواء]", "[قيادة القوات المسلحة]"."""
        name = u.short if u.introduced and u.short and self.rng.random() < 0.7 else u.full
        u.introduced = True
        return ent(name if name.startswith("قيادة") else "قيادة " + name, "UNIT")

    def s_UL(self):
        n = self.rng.choice([2, 2, 3])
        units, taken = [], set()
        for kinds in (["service"], ["service", "special"], ["special", "region", "service"])[:n]:
            u = self._unit(self.host.code, kinds, avoid=taken) or self.host_unit(["service"])
            taken.add(u.key)
            units.append(u.mention(self.rng))
        if n == 2:
            return join(units[0], attach("و", units[1]))
        return join(units[0], o("،"), units[1], attach("و", units[2]))

    def s_HQ(self):
        rng = self.rng
        if rng.random() < 0.2:
            return o(rng.choice(["مقر وزارة الدفاع", "مقر الوزارة", "مقر ديوان وزارة الدفاع"]))
        u = self._get("HQU", lambda: self.host_unit(["staff_body"], ("forces",)))
        if rng.random() < 0.3:
            q0, q1 = rng.choice(QUOTES[:2])
            return o("مقر " + q0) + u.mention(rng, allow_short=False) + o(q1)
        return join(o("مقر"), u.mention(rng, allow_short=False))

    def s_GF(self):
        return self._get("GF", lambda: self._unit(self.guest.code, ["forces"])).mention(self.rng)

    def s_GSV(self):
        return self._get("GSV", lambda: self._unit(self.guest.code, ["service", "special"])).mention(self.rng)

    def s_GSB(self):
        return self._get("GSB", lambda: self._unit(self.guest.code, ["staff_body"]) or
                         self._unit(self.guest.code, ["forces"])).mention(self.rng)

    def s_GA(self):
        return self._get("GA", lambda: self._unit(self.guest.code, ["academy"]) or
                         self._unit(self.guest.code, ["service"])).mention(self.rng)

    # negatives (all O)
    def _neg(self, key, pred=lambda t: True):
        c = [t for t in self.g.negatives[key] if pred(t)]
        t = self.rng.choice(c)
        t = t.replace("{adj_f2}", self.guest.adj_f[0]).replace("{adj_f}", self.host.adj_f[0]) \
            .replace("{adj_m2}", self.guest.adj_m[0]).replace("{adj_m}", self.host.adj_m[0]) if key == "multi_forces" \
            else fill_country(t, self.host if key == "ministries" else self.guest)
        return o(t)

    def s_NTi(self): return self._neg("teams", lambda t: not t.startswith(("ال", "فرق")) and (" من " in t or not t.split()[1].startswith("ال")))
    def s_NTd(self): return self._neg("teams", lambda t: t.startswith("ال") or (t.startswith("فريق ") and t.split()[1].startswith("ال")))
    def s_NM(self): return self._neg("ministries")
    def s_NE(self): return self._neg("embassies")
    def s_NA(self): return self._neg("alliances")
    def s_NC(self): return self._neg("committees")
    def s_NX(self): return self._neg("multi_forces")
    def _guest_has(self, title: str) -> bool:
        """Whether the guest country has this office: no president for a kingdom, no prime minister
        for the US (negatives.yaml `no_president`, `no_prime_minister`)."""
        neg, code = self.g.negatives, self.guest.code
        if any(w in title.split() for w in ("الوزراء", "وزراء", "الحكومة")):
            return code not in neg["no_prime_minister"]
        return not title.startswith(("الرئيس", "رئيس")) or code not in neg["no_president"]

    def s_NR(self):  # a foreign minister or head of state by role
        return self._neg("foreign_officials", lambda t: t.startswith(("وزير ", "الرئيس", "رئيس")) and self._guest_has(t))
    def s_NCP(self): return self._neg("foreign_officials", lambda t: t.startswith(("نظيره", "الجانب")))
    def s_NP(self): return self._neg("envoy_plurals")

    def s_NF(self):
        """A named foreign civilian (expert, journalist, executive): role and name O. The name
        is never one that this article uses for anybody else."""
        p = self._distinct(lambda: Named(*self.pick.name(self.guest.names)), "civilian", tries=20)
        return o(f"{fill_country(self.rng.choice(self.g.negatives['civilians']), self.guest)} {p.name}")

    def NL(self):
        """(title and name, female) of a named political leader of the guest country (head of state
        or government, foreign minister), one per article; now and then a woman, titled in the feminine."""
        def make():
            rng, neg = self.rng, self.g.negatives
            female = bool(self.g.names[self.guest.names].female) and rng.random() < 0.15
            keep = [i for i, t in enumerate(neg["leaders"]) if self._guest_has(t)]
            title = fill_country(neg["leaders_f" if female else "leaders"][rng.choice(keep)], self.guest, self._gk())
            p = self._distinct(lambda: Named(*self.pick.name(self.guest.names, female=female)), "leader", tries=20)
            return f"{title} {p.name}", female
        return self._get("NL", make)

    def s_NL(self):
        """A named foreign leader mentioned in passing, outside the reported engagement: title and
        name O (only one who represents his state in the engagement is an envoy)."""
        return o(self.NL()[0])

    def s_NQ(self):
        """A quoted name after a descriptor that is not an exercise (operation, exhibition,
        initiative...): all O. Half the names are built like exercise names."""
        things = self.g.negatives["named_things"]
        name = self.rng.choice(things["names"]) if self.rng.random() < 0.5 else self.pick.pattern_name()
        q0, q1 = self.rng.choice(QUOTES)
        return o(f"{self.rng.choice(things['descriptors'])} {q0}{name}{q1}")

    def s_NB(self): return o(self.rng.choice(self.g.negatives["bases"].get(self.host.code, ["القاعدة الجوية"])))

    # misc
    def s_DAY(self): return o(self._get("DAY", lambda: self.rng.choice(T.DAYS)))
    def s_WHEN(self): return self.render(self.rng.choice(T.WHEN))
    def s_YEAR(self): return o(str(self._get("YEAR", lambda: self.rng.randint(2021, 2026))))
    def s_YEAR0(self): return o(str(self.rng.randint(1995, 2020)))
    def s_N(self): return o(str(self.rng.randint(2, 60)))
    def s_NDAYS(self): return o(self.rng.choice(T.NUMBER_WORDS))
    def s_ORD(self): return o(self.rng.choice(T.ORDINALS_F))
    def s_TOPIC(self): return o(self.rng.choice(T.TOPICS))
    def s_COURSE(self): return self._get("COURSE", lambda: self.render(self.rng.choice(T.COURSES)))

    def s_TOPICS(self):
        ts = self.rng.sample(T.TOPICS, self.rng.choice([2, 3]))
        return o("، ".join(ts[:-1]) + " و" + ts[-1])

    def s_DATE(self):
        months = T.MONTHS[T.MONTH_STYLE.get(self.host.code, "gregorian")]
        return o(f"{self.rng.randint(1, 28)} {self.rng.choice(months)} {self.s_YEAR()[0][0]}")

    # ------------------------------------------------------------------ rendering
    def render(self, template: str) -> list[Seg]:
        rng = self.rng
        text = ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
        out: list[Seg] = []
        pos = 0
        for m in SLOT.finditer(text):
            if m.start() > pos:
                out.append((text[pos:m.start()], None))
            out.extend(self.slot(m.group(2), m.group(1) or "", m.group(3)))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], None))
        return tidy(out)

    def pick_templates(self, part: str, k: int) -> list[str]:
        pool = T.KINDS[self.kind][part]
        return self.rng.sample(pool, min(k, len(pool)))


def tidy(segs: list[Seg]) -> list[Seg]:
    """Merge O segments and fix the spacing empty alternatives leave ("  ", " ،", " .")."""
    merged: list[Seg] = []
    for t, label in segs:
        if label is None and merged and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + t, None)
        else:
            merged.append((t, label))
    out = []
    for t, label in merged:
        if label is None:
            t = CLOSE_SPACE.sub(r"\1", re.sub(r" {2,}", " ", t))
        if t:
            out.append((t, label))
    if out and out[0][1] is None:
        out[0] = (out[0][0].lstrip(), None)
    if out and out[-1][1] is None:
        out[-1] = (out[-1][0].rstrip(), None)
    return [s for s in out if s[0]]


CLOSE_SPACE = re.compile(r" +([.،,:؛)»”])")
