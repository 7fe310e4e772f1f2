"""Entities of our gazetteers outside our templates: does a model span them whole among words it
was never shown around them?

    python scripts/out_of_template.py --model models/offline

Every probe is one sentence: 4-9 real Arabic words (data/filler.py's wordfreq vocabulary, no
gazetteer word among them), one entity, 4-9 more such words. The entities are what the generator
draws: units of every country (long names, formations and composed names included), ranks,
exercise introductions (descriptor and quoted name), and a unit followed at once by a rank and a
name of its country, as in a commander's title ("قائد [القيادة المركزية الأمريكية] [الجنرال] مايكل"),
where the unit span must stop before the rank. Those title probes are scored apart (the name is
not: whether it is an envoy depends on an article they do not have). A model that only learned our templates'
wording around entities fails here; one that learned the entities' own form does not. It says
nothing about names the gazetteers lack, which is what real news adds. Sets of sentences we
wrote come with it: commanders' titles (`WRITTEN_UNITS`), named foreign political leaders
mentioned in passing (`WRITTEN_LEADERS`), whose names are O while the envoy beside them is not, and
envoys in phrasings and names of our choosing (`WRITTEN_ENVOYS`, and `WRITTEN_ENVOYS_UNSEEN`, kept
to totals), exercises as the guideline spans them (`WRITTEN_EXERCISES`), and named people who are
not envoys (`WRITTEN_NOT_ENVOYS`), and named civilian officials of the article's own country
(`WRITTEN_HOST_CIVILIANS`), and security bodies that are not military and armed groups
(`WRITTEN_NOT_UNITS`). Generated text only:
safe to read, and no dev data is involved. Writes eval/out-of-template/{report.md,metrics.json}.
"""
import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from military_ner.config import command_line  # noqa: E402
from military_ner.evaluation import boundary_shapes, errors_md, evaluate, summary_line, write_json  # noqa: E402
from military_ner.schema import Document, Span  # noqa: E402

UNIT_KINDS = ("forces", "service", "special", "staff", "staff_body", "directorate", "academy", "region",
              "command", "office", "formation")


def held_out_only(g):
    """The gazetteers with only the unit and exercise names that `generated_split=train` leaves out
    (`gazetteers.held_out`), and only the countries that have such units."""
    from dataclasses import replace
    from military_ner.data.gazetteers import held_out
    units = {code: [u for u in lst if held_out(u.name)] for code, lst in g.units.items()}
    return replace(g, units={code: lst for code, lst in units.items() if lst},
                   exercises=[e for e in g.exercises if held_out(e.name)])


def probes(n: int, seed: int, names: str = "all") -> list[Document]:
    from military_ner.data.filler import Filler
    from military_ner.data.gazetteers import load_gazetteers, rank_surfaces
    from military_ner.data.mentions import Picker
    rng = random.Random(seed)
    g = load_gazetteers() if names == "all" else held_out_only(load_gazetteers())
    pick, filler, codes = Picker(g, random.Random(seed + 1)), Filler(), sorted(g.units)
    hosts = [c for c in g.countries.values() if c.host]
    ranks = rank_surfaces(g)
    docs = []
    while len(docs) < n:
        kind = len(docs) % 4
        if kind in (0, 3):
            code = rng.choice(codes)
            u = pick.unit(code, UNIT_KINDS) if rng.random() < 0.8 else pick.formation(code)
            if u is None:
                continue
            segs = [(u.full, "UNIT")]
            if kind == 3:  # a commander's title: position, unit, then straight away his rank and name
                position = rng.choice([p for p in pick.positions(u) if not p.endswith(" ل")] or ["قائد"])
                name = pick.name(g.countries[code].names)[0]  # not scored: envoy or not depends on the article
                segs = [(f"{position} ", None)] + segs + [(" ", None), (rng.choice(ranks), "MILITARY_RANK"),
                                                          (f" {name}", None)]
        elif kind == 1:
            segs = [(rng.choice(ranks), "MILITARY_RANK")]
        else:
            segs = pick.exercise(rng.choice(hosts), None, named=1.0).intro(rng)
        left = " ".join(filler.words(rng, rng.randint(4, 9))) + " "
        text, spans = left, []
        for seg, label in segs:
            if label:
                spans.append(Span(len(text), len(text) + len(seg), label, seg))
            text += seg
        text += " " + " ".join(filler.words(rng, rng.randint(4, 9))) + "."
        docs.append(Document(f"{'title' if kind == 3 else 'probe'}-{len(docs)}", text, spans))
    return docs


# What the host officer says in `host_officer_probes`: one fixed sentence ("the units completed their
# preparations") shares words with a guest's offer of help in our templates, and alone it drew envoy spans
# on 89 of 100 host officers where the other sentences here draw few; so it is one of several.
SPEECH = ("الوحدات أتمت استعداداتها لتنفيذ المهام الموكلة إليها.", "الأوضاع على الحدود الجنوبية مستقرة.",
          "برامج التدريب ستتواصل حتى نهاية العام.", "الدفعة الجديدة تلقت تدريباً متقدماً في مجالات عدة.",
          "المؤسسة العسكرية ماضية في خطط التحديث.", "دوريات مشتركة ستنتشر على الطرق الرئيسية.",
          "التمرين حقق أهدافه المرسومة.", "الجاهزية القتالية للوحدات في أعلى مستوياتها.")


def host_officer_probes(n: int, seed: int) -> list[Document]:
    """Officers of the article's own country named right after a unit that carries its nationality,
    under a dateline of its capital ("الخرطوم - أكد المتحدث باسم [الجيش السوداني] [العميد] ..."): the
    name is O; he says one of `SPEECH`. In every other sentence he receives an officer of another
    country, named after that country's unit, whose name is FOREIGN_ENVOY. Units and ranks are gold too."""
    from military_ner.data.gazetteers import load_gazetteers
    from military_ner.data.generate import assemble
    from military_ner.data.mentions import Picker, indefinite, join, o
    g, rng = load_gazetteers(), random.Random(seed)
    pick = Picker(g, random.Random(seed + 1))
    hosts = [c for c in g.countries.values() if c.host]
    docs = []
    while len(docs) < n:
        host = rng.choice(hosts)
        u = pick.unit(host.code, ["forces", "service", "special", "academy"])
        if u is None:
            continue
        u.full, u.acronym = pick.lengthen(u.full, u.kind, host.code), ""
        if not any(indefinite(a) in u.full for a in host.adj_m):
            continue
        officer = pick.person(host.code, [u.kind], True, unit=u)
        who = join(officer.role(rng), officer.ranked(officer.name, honor=False))
        if len(docs) % 2:
            guest = rng.choice([c for c in g.countries.values() if c.code != host.code])
            gu = pick.unit(guest.code, ["forces", "service", "command", "staff"], host.code, marked=True)
            if gu is None:
                continue
            gu.acronym = ""
            visitor = pick.person(guest.code, [gu.kind], False, unit=gu)
            line = join(o(f"{host.capital} - استقبل"), who, o("،"), visitor.role(rng),
                        visitor.ranked(visitor.name, honor=False), o("، في مقر القيادة."))
        else:
            verb, that = rng.choice((("أكد", "أن"), ("أوضح", "أن"), ("قال", "إن")))
            line = join(o(f"{host.capital} - {verb}"), who, o(f"{that} {rng.choice(SPEECH)}"))
        doc_id = f"host-officer-{len(docs)}"
        text, spans = assemble([line], rng, doc_id)
        docs.append(Document(doc_id, text, spans))
    return docs


# Commanders' titles we wrote, with foreign commands as Arabic news names them (some not in our
# gazetteers in these words): "واستقبل رئيس الأركان قائد [UNIT] [RANK] NAME في مكتبه."
WRITTEN_UNITS = ("القيادة المركزية الأمريكية", "القيادة الأمريكية في أفريقيا", "القيادة الأوروبية الأمريكية",
                 "قيادة العمليات الخاصة الأمريكية", "القوات الجوية الأمريكية في أوروبا", "الأسطول السادس الأمريكي",
                 "القوات البحرية الفرنسية", "قيادة القوات البرية البريطانية", "الجيش الإيطالي",
                 "القوات المسلحة التركية", "الحرس الوطني الأمريكي", "سلاح مشاة البحرية الأمريكية")
WRITTEN_RANKS = ("الجنرال", "الفريق", "الأدميرال")
WRITTEN_NAMES = ("مايكل كوريلا", "جون برينان", "كريستوفر كافولي", "بيتر نيلسون", "روبرت هاريس")


def written_titles() -> list[Document]:
    docs = []
    for i, unit in enumerate(WRITTEN_UNITS):
        for j, rank in enumerate(WRITTEN_RANKS):
            text = f"واستقبل رئيس الأركان قائد {unit} {rank} {WRITTEN_NAMES[(i + j) % len(WRITTEN_NAMES)]} في مكتبه."
            u0 = text.index(unit)
            r0 = u0 + len(unit) + 1
            docs.append(Document(f"written-{len(docs)}", text, [Span(u0, u0 + len(unit), "UNIT", unit),
                                                                Span(r0, r0 + len(rank), "MILITARY_RANK", rank)]))
    return docs


# Named foreign political leaders mentioned in passing, outside the reported engagement, which
# we wrote: the leader (title and name) is O by the guideline; the envoy in brackets, where there
# is one, is FOREIGN_ENVOY. Leaders' and envoys' names are facts or made up, the sentences ours.
WRITTEN_LEADERS = (
    "ونقل السفير الأمريكي [ريتشارد نورلاند] تحيات الرئيس الأمريكي دونالد ترامب إلى رئيس الأركان العامة.",
    "وسلم السفير الفرنسي [جان بيير دوبوا] رسالة من الرئيس الفرنسي إيمانويل ماكرون إلى وزير الدفاع.",
    "وكان الرئيس التركي رجب طيب أردوغان قد أكد الشهر الماضي حرص بلاده على تعزيز التعاون العسكري مع ليبيا.",
    "ويأتي اللقاء بعد أسابيع من زيارة رئيسة الوزراء الإيطالية جورجا ميلوني إلى طرابلس.",
    "وأشار الملحق العسكري البريطاني [مارك جونسون] إلى تصريحات رئيس الوزراء البريطاني كير ستارمر حول أمن المنطقة.",
    "وتأتي الزيارة تنفيذاً لمخرجات القمة التي جمعت الرئيس الصيني شي جين بينغ بنظيره المصري في بكين.",
    "وأعرب القائم بأعمال السفارة الألمانية [توماس شنايدر] عن تقدير المستشار الألماني فريدريش ميرتس لجهود الجيش.",
    "ونقلت السفيرة الهولندية [آنا دي فريس] تحيات رئيس الوزراء الهولندي ديك سخوف إلى رئيس الأركان.",
    "وكان الرئيس الأمريكي جو بايدن قد أعلن العام الماضي عن برنامج لدعم أمن الحدود في المنطقة.",
    "وأكد المبعوث الخاص [بيتر ويليامز] أن بلاده ملتزمة بما أعلنه وزير الخارجية البريطاني ديفيد لامي.",
    "وجاءت الزيارة بعد الاتصال الهاتفي بين رئيس الوزراء الهندي ناريندرا مودي ونظيره المصري.",
    "ونقل ملحق الدفاع الباكستاني [طارق محمود] تحيات رئيس الوزراء الباكستاني شهباز شريف إلى القائد العام.",
    "وأشاد السفير الإيطالي [ماركو بوتشي] بالاتفاق الذي وقعته رئيسة الوزراء الإيطالية جورجا ميلوني مع الحكومة.",
    "وكان الرئيس الروسي فلاديمير بوتين قد وقع مرسوماً بشأن التعاون العسكري مع دول أفريقيا.",
    "وأوضح السفير الإسباني [خافيير بوينو] أن وزير الخارجية الإسباني خوسيه مانويل ألباريس سيزور المنطقة قريباً.",
    "ويأتي ذلك بعد تصريحات وزير الخارجية الأمريكي ماركو روبيو بشأن الأوضاع في السودان.",
)

# Envoys in phrasings and names of our own choosing (UN, EU, AU and NATO representatives, consuls,
# attachés, role-only envoys, foreign envoys with Arab names), with local officers and a foreign
# journalist who must stay O. Written about a Libyan host unless the sentence names another.
WRITTEN_ENVOYS = (
    "استقبل رئيس الأركان العامة المبعوث الأممي الخاص [هانز غروندبرغ]، وبحث معه مستجدات العملية السياسية.",
    "والتقى قائد القوات البحرية الملحق العسكري الإسباني العقيد [خوسيه لويس غارسيا] في مكتبه بطرابلس.",
    "وحضر اللقاء سفير الاتحاد الأوروبي [نيكولا أورلاندو] وعدد من ضباط الأركان.",
    "وأشاد [السفير الياباني] بجهود الجيش في تأمين الحدود الجنوبية.",
    "كما استقبل آمر المنطقة العسكرية الغربية [القائم بأعمال السفارة الكورية الجنوبية] لدى ليبيا.",
    "وبحث رئيس الأركان مع رئيس بعثة الاتحاد الأفريقي [محمد بلعيش] سبل دعم الاستقرار في الجنوب.",
    "واستقبل وزير الدفاع نظيره التركي [يشار غولر] في مقر الوزارة بحضور رئيس الأركان.",
    "وأكد الملحق الدفاعي البريطاني [ديفيد ويليامسون] استعداد بلاده لتقديم الدعم الفني للقوات البحرية.",
    "وسلم سفير جمهورية الصين الشعبية [لي تشنغ وين] رسالة خطية إلى القائد العام.",
    "والتقى القائد العام كبير مستشاري الرئيس الأمريكي للشؤون الأفريقية [مسعد بولس] في بنغازي.",
    "ورافق الوفد الملحق العسكري الروسي [فلاديمير كوزنتسوف] خلال جولته في القاعدة البحرية.",
    "وأشادت [سفيرة كندا] بمستوى التنسيق بين الجانبين في مجال نزع الألغام.",
    "وجرى اللقاء بحضور قنصل عام إيطاليا في بنغازي [كارلو باتوري] ومدير مكتب القائد العام.",
    "من جهته، أعرب السفير [أوليفييه جيرار] عن تقديره للجهود التي تبذلها رئاسة الأركان.",
    "والتقى رئيس الأركان وفداً من حلف الناتو برئاسة [خافيير كولومينا]، الممثل الخاص للأمين العام للحلف.",
    "واستقبل اللواء خالد المحجوب مدير إدارة التوجيه المعنوي وفداً من الصحفيين المحليين.",
    "وقال الصحفي الفرنسي فرانسوا دوران إن الزيارة تعكس اهتماماً أوروبياً متزايداً بالمنطقة.",
    "وأوضح العميد أحمد المسماري أن التدريبات ستستمر حتى نهاية الشهر الجاري.",
)

# A second set like WRITTEN_ENVOYS, written before the generator changes that WRITTEN_ENVOYS's errors
# led to (named counterparts, NATO representatives) and only ever read as totals, so that it still
# measures those changes without having shaped them. Hosts vary (Libya unless the sentence says).
WRITTEN_ENVOYS_UNSEEN = (
    "واستقبل رئيس هيئة الأركان المشتركة نظيره الفرنسي الجنرال [تييري بوركهارد] في مقر القيادة.",
    "وبحث وزير الدفاع مع نظيره الإيطالي [غويدو كروسيتو] ملف الهجرة غير النظامية.",
    "والتقى المبعوث الأممي [عبد الله باتيلي] رئيس الأركان العامة في طرابلس.",
    "وشارك في الاجتماع ممثل حلف الناتو [يانيس ديميتريو] إلى جانب عدد من الملحقين العسكريين.",
    "واستقبل آمر المنطقة العسكرية الشرقية القنصل العام الأمريكي [جوزيف ويلسون].",
    "وأكد [ملحق الدفاع الفرنسي] لدى الجزائر أن التعاون يشمل التكوين وتبادل الخبرات.",
    "وحضر حفل التخرج سفراء الدول الصديقة والملحقون العسكريون المعتمدون لدى المملكة.",
    "واستقبل الفريق أول السعيد شنقريحة السفير الروسي [أليكسي سولوماتين] بمقر أركان الجيش.",
    "وأعلن المتحدث باسم الجيش العقيد محمد رضا أن وفداً أمريكياً سيزور البلاد الأسبوع المقبل.",
    "كما التقى قائد أفريكوم الجنرال [مايكل لانغلي] عدداً من القادة العسكريين في بنغازي.",
    "ونقلت سفيرة المملكة المتحدة [كارولين هيرندال] تحيات حكومتها إلى القيادة العامة.",
    "وتطرق الخبير الألماني كلاوس مولر في ندوة إلى التحديات الأمنية في منطقة الساحل.",
    "واستقبل وزير الدولة لشؤون الدفاع القطري وفداً عسكرياً تركياً برئاسة الفريق [متين غوراك].",
    "وبحث رئيس أركان الجيش اليمني مع الملحق العسكري السعودي العميد [سلطان العنزي] أوجه التعاون.",
    "واستقبل قائد القوات البحرية المصرية قائد الأسطول السادس الأمريكي الأدميرال [جيفري أندرسون].",
    "وقال الرئيس الفرنسي إيمانويل ماكرون في رسالة تلاها السفير [كريستوف فارنو] إن باريس تدعم جهود الاستقرار.",
)

# Named people who are not envoys, in sentences we wrote after the shipped model of 8c64735 was
# trained: officers and officials of the article's own country (the dateline or the institution says
# which), the host's own attaché abroad, and foreigners outside any official engagement (analysts,
# journalists, an athlete, a company manager). Every name is O: any envoy span is spurious.
WRITTEN_NOT_ENVOYS = (
    "عمّان - استقبل رئيس هيئة الأركان المشتركة اللواء الركن يوسف الحنيطي في مكتبه وفداً من كلية الدفاع الوطني.",
    "القاهرة - التقى الفريق أحمد خليفة رئيس أركان حرب القوات المسلحة عدداً من قادة الأفرع الرئيسية.",
    "الرباط - ترأس الفريق أول محمد بريظ المفتش العام للقوات المسلحة الملكية حفل تخرج الضباط.",
    "الجزائر - أشرف الفريق أول السعيد شنقريحة على تنفيذ تمرين بالذخيرة الحية في الناحية العسكرية الثالثة.",
    "الرياض - رعى رئيس هيئة الأركان العامة الفريق الأول الركن فياض الرويلي حفل تخريج الدورة.",
    "بغداد - أكد رئيس أركان الجيش الفريق أول ركن عبد الأمير يار الله جاهزية القطعات لتأمين الحدود.",
    "بغداد - وحضر الحفل وزير الدفاع ثابت العباسي وعدد من كبار الضباط.",
    "الخرطوم - وأعلن المتحدث باسم الجيش السوداني العميد نبيل عبد الله أن الوحدات أتمت انتشارها.",
    "طرابلس - وأكد رئيس الأركان العامة الفريق أول محمد الحداد أن التدريب سيستمر حتى نهاية العام.",
    "بنغازي - كرّم القائد العام المشير خليفة حفتر عدداً من الضباط المتقاعدين.",
    "مسقط - التقى الملحق العسكري العماني لدى المملكة المتحدة العميد الركن سالم الحارثي قائد الأكاديمية العسكرية في ساندهيرست.",
    "وقال المحلل العسكري الأمريكي مايكل نايتس إن التمرين يحمل رسائل إقليمية واضحة.",
    "ونشرت الصحفية البريطانية سارة جونز تقريراً مطولاً عن الزيارة.",
    "وأشار الباحث الفرنسي جان لوك مارتان إلى أهمية التعاون الأمني في منطقة الساحل.",
    "وفاز العداء الكيني إليود كيبتشوغي بالسباق الذي نظمته الأكاديمية العسكرية.",
    "وأشرف المدير الإقليمي لشركة لوكهيد مارتن الأمريكية جيمس تايلور على تسليم الطائرات.",
    "وقالت المتحدثة باسم الخارجية الأمريكية في إيجاز صحفي إن واشنطن تتابع التطورات عن كثب.",
    "الكويت - واستقبل رئيس الأركان العامة للجيش الفريق الركن خالد الشريعان وفداً من كلية القيادة والأركان.",
)

# Named civilian officials of the article's own country (ministers, heads of government, governors,
# security advisers), written before the generator had any such person: title and name O. Some
# meet a foreign envoy, in brackets, who is FOREIGN_ENVOY. The dateline or the institution says
# which country the article is about; names are facts or made up, the sentences ours.
WRITTEN_HOST_CIVILIANS = (
    "الدوحة - استقبل وزير الدولة لشؤون الدفاع خالد بن محمد العطية السفير البريطاني [نيل كرومبتون].",
    "طرابلس - وبحث رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة مع قائد أفريكوم الجنرال [داغفين أندرسون] ملف توحيد المؤسسة العسكرية.",
    "عمّان - وأكد وزير الداخلية مازن الفراية خلال لقائه الملحق العسكري الأمريكي العقيد [جيمس ماكدونالد] أهمية التنسيق على الحدود.",
    "القاهرة - وشهد وزير الدفاع والإنتاج الحربي الفريق أول عبد المجيد صقر ومحافظ الإسماعيلية أكرم محمد حفل التخرج.",
    "الرباط - وترأس الوزير المنتدب المكلف بإدارة الدفاع الوطني عبد اللطيف لوديي اجتماع اللجنة العسكرية المشتركة.",
    "نواكشوط - واستقبل وزير الدفاع الموريتاني حننه ولد سيدي سفير فرنسا [ألكسندر غارسيا] في مكتبه.",
    "الجزائر - وأشرف الوزير الأول نذير العرباوي على افتتاح المعرض الوطني للصناعات العسكرية.",
    "تونس - والتقى وزير الدفاع الوطني خالد السهيلي وفداً عسكرياً إيطالياً برئاسة الأدميرال [جوزيبي كافو دراغون].",
    "بغداد - وأكد مستشار الأمن القومي قاسم الأعرجي في اجتماع مع السفيرة الأمريكية [ألينا رومانوسكي] دعم جهود مكافحة الإرهاب.",
    "صنعاء - وبحث محافظ عدن أحمد لملس مع القائم بأعمال السفارة البريطانية [ريتشارد أوبنهايم] الأوضاع الأمنية.",
    "الرياض - ورعى وزير الدفاع السعودي الأمير خالد بن سلمان حفل تخريج الدفعة الجديدة من طلبة الكلية.",
    "مسقط - واستقبل الوزير المسؤول عن شؤون الدفاع شهاب بن طارق آل سعيد الملحق العسكري الهندي [أرجون سينغ].",
    "الخرطوم - وقال وزير الدفاع السوداني ياسين إبراهيم إن الجيش يسيطر على الطرق الرئيسية.",
    "بيروت - والتقى رئيس الحكومة اللبنانية نواف سلام المنسقة الخاصة للأمم المتحدة [جينين هينيس بلاسخارت].",
    "أبوظبي - وأشاد وزير الدولة لشؤون الدفاع محمد بن مبارك المزروعي بجهود القوات المشاركة في التمرين.",
    "بنغازي - واجتمع رئيس الحكومة المكلفة أسامة حماد مع السفير التركي [غوفين بيغيتش] لبحث التعاون.",
)

# Exercises as the guideline spans them, in sentences we wrote: descriptor and quoted name one span
# with the opening quote only, a name in brackets like a quoted one, an unquoted name after its
# descriptor, numbers inside the name, a year phrase after it outside, the first descriptor-only
# mention that introduces an exercise; anaphora, indefinite and superlative mentions O.
# Security bodies that are not military (police, interior security, civil intelligence, civil
# defence, customs) and armed groups (militias, terrorist organisations): O by the guideline, which
# names military organisations only. Bracketed parts are real units in the same sentences. Written
# on 2026-12-02 before the generator had any such body; `WRITTEN_NOT_UNITS_DESIGN` are the sentences
# the shipped model was first tried on (5 unit spans in 16) when the gap was found, and
# `WRITTEN_NOT_UNITS` the ones written afterwards to decide on.
WRITTEN_NOT_UNITS_DESIGN = (
    "وأكد البيان أن التنسيق مستمر مع الشرطة لتأمين الطرق المؤدية إلى موقع الاحتفال.",
    "وشاركت مديرية أمن طرابلس في تأمين محيط الاجتماع بالتعاون مع الأجهزة الأمنية.",
    "وقال مصدر في جهاز الأمن الداخلي إن الموقوفين أحيلوا إلى النيابة العامة.",
    "وتمكنت قوات الأمن من ضبط شحنة أسلحة قرب الحدود الجنوبية.",
    "وأعلنت وزارة الداخلية أن الإدارة العامة للأمن المركزي عززت انتشارها في العاصمة.",
    "وتدخلت فرق الدفاع المدني لإخماد الحريق الذي اندلع في المستودع.",
    "واتهم المتحدث الميليشيات المسلحة بعرقلة جهود توحيد المؤسسة العسكرية.",
    "وقالت جماعة الحوثي في بيان إنها استهدفت سفينة تجارية في البحر الأحمر.",
    "وأشار إلى أن تنظيم داعش ما زال يشكل تهديداً في المناطق الصحراوية.",
    "وبحث الجانبان التعاون مع جهاز المخابرات العامة في مجال مكافحة الإرهاب.",
    "وأوضح أن مصلحة الجمارك ضبطت معدات عسكرية مهربة في الميناء.",
    "وأكد مدير الأمن العام أن الشرطة السياحية رفعت درجة الاستعداد.",
    "وقد شاركت [الشرطة العسكرية] في تنظيم حركة المرور داخل القاعدة.",
    "وتواصل الجماعات الإرهابية تهديد الاستقرار في منطقة الساحل.",
    "وأعلنت قوات الدعم السريع سيطرتها على مدينة في إقليم دارفور.",
    "واستقبل مدير إدارة الشرطة القضائية وفداً من الإنتربول.",
)
WRITTEN_NOT_UNITS = (
    "القاهرة - وأعلن قطاع الأمن الوطني إحباط مخطط لاستهداف منشآت حيوية.",
    "وأفادت مديرية الأمن في المحافظة بأن دورياتها تنتشر على الطريق الساحلي منذ الصباح.",
    "ونسقت [القوات البحرية] مع خفر السواحل التابع لوزارة الداخلية لإنقاذ المهاجرين.",
    "وأكد مدير عام الشرطة أن أفراد الشرطة أتموا دورة في مكافحة الشغب.",
    "وقالت الإدارة العامة للجوازات والهجرة إن المنفذ سيبقى مفتوحاً أمام المسافرين.",
    "وأوقف جهاز الأمن الوقائي عدداً من المشتبه بهم في المدينة.",
    "وأشاد رئيس [أركان الجيش] بتعاون أجهزة الأمن الداخلي مع [الاستخبارات العسكرية].",
    "واستهدفت الجماعات المسلحة نقطة تفتيش تابعة [للجيش الوطني] جنوب المدينة.",
    "وأعلن تنظيم القاعدة في جزيرة العرب مسؤوليته عن الهجوم.",
    "وحذر البيان من أن الميليشيات الخارجة عن القانون تهدد أمن العاصمة.",
    "ووصل فريق من الإدارة العامة للدفاع المدني إلى موقع الانفجار.",
    "وتعمل المخابرات العامة على تعقب شبكات التهريب عبر الحدود.",
    "وأكدت الشرطة الوطنية أن الوضع الأمني تحت السيطرة.",
    "وأحالت إدارة مكافحة المخدرات الموقوفين إلى القضاء.",
    "وتبنت حركة الشباب الهجوم على قاعدة تابعة [للجيش الصومالي].",
    "وشاركت [قوات الدرك الوطني] وعناصر الأمن الوطني في تأمين الانتخابات.",
)

WRITTEN_EXERCISES = (
    "وتشارك القوات البحرية في [مناورات «الموج الأحمر]» التي تنطلق الأسبوع المقبل.",
    "واختتمت فعاليات [التمرين العسكري المشترك «صقور الصحراء]» بمشاركة وحدات من البلدين.",
    "وشهد رئيس الأركان المرحلة الرئيسية من [تمرين «الحصن المنيع 2]» في المنطقة الشرقية.",
    "وتستعد القوات المسلحة للمشاركة في [مناورات الأسد الأفريقي] التي تستضيفها المغرب سنوياً.",
    "وانطلقت [المناورات البحرية المشتركة (ميدوزا]) قبالة السواحل المصرية.",
    "وأكد قائد القوات البرية أن هذا التمرين يعكس مستوى الجاهزية العالية للوحدات.",
    "ونفذت الوحدات تمريناً مشتركاً بالذخيرة الحية في المنطقة الجنوبية.",
    "وتأتي [التمرينات العسكرية المشتركة «درع الشمال]» في إطار خطة التعاون بين البلدين.",
    "وشاركت القوات الجوية في [تمرين «العلم الأحمر]» لعام 2025 في الولايات المتحدة.",
    "وتختتم اليوم [مناورات «نسور الجو 3]» بين القوات الجوية للبلدين.",
    "واطلع الوفد على الترتيبات النهائية [للتمرين التعبوي المشترك] المزمع تنفيذه في الجفرة.",
    "وتعد [مناورات «رعد الشمال]» من أضخم المناورات العسكرية في المنطقة.",
    "وقال المتحدث إن [تمرين «بدر 2025]» يهدف إلى رفع الكفاءة القتالية للوحدات.",
    "ووصلت طلائع القوات المشاركة في [التمرين متعدد الجنسيات «النجم الساطع]» إلى قاعدة محمد نجيب.",
    "وجرى خلال التمرين تنفيذ رمايات بالذخيرة الحية بمشاركة الطيران.",
)


def bracketed(lines, prefix: str, label: str = "FOREIGN_ENVOY") -> list[Document]:
    """Sentences whose bracketed parts are the gold spans of `label`, as documents."""
    docs = []
    for line in lines:
        text, spans = "", []
        for i, part in enumerate(line.replace("]", "[").split("[")):
            if i % 2:
                spans.append(Span(len(text), len(text) + len(part), label, part))
            text += part
        docs.append(Document(f"{prefix}-{len(docs)}", text, spans))
    return docs


def span_probes(docs: list[Document], rec, label: str = "FOREIGN_ENVOY") -> dict:
    """For sentences of `bracketed()`: gold spans found exact, and spans of `label` predicted outside
    any gold one (for envoys: a leader's or a local officer's name tagged, or part of one)."""
    return span_counts(docs, rec.predict([d.text for d in docs]), label)


def span_counts(docs: list[Document], predictions, label: str) -> dict:
    """`span_probes` on predictions already made: gold spans of `label` found exact, and spans of
    `label` predicted outside every gold one of that label."""
    out = {"sentences": len(docs), "gold": 0, "exact": 0, "spurious": 0}
    for d, predicted in zip(docs, predictions):
        got = {(s.start, s.end) for s in predicted if s.label == label}
        gold = [(s.start, s.end) for s in d.entities if s.label == label]
        out["gold"] += len(gold)
        out["exact"] += sum(g in got for g in gold)
        out["spurious"] += sum(not any(a < ge and gs < b for gs, ge in gold) for a, b in got)
    return out


def title_probes(docs: list[Document], rec) -> dict:
    """For the unit-then-rank probes, tagged by `rec`: how often both came out exact, and how often
    a predicted unit span reached over the rank."""
    out = {"probes": 0, "both_exact": 0, "unit_ran_on": 0}
    for d, predicted in zip(docs, rec.predict([d.text for d in docs])):
        unit, rank = d.entities
        got = {(s.start, s.end, s.label) for s in predicted}
        out["probes"] += 1
        out["both_exact"] += {(unit.start, unit.end, "UNIT"), (rank.start, rank.end, "MILITARY_RANK")} <= got
        out["unit_ran_on"] += any(s.label == "UNIT" and s.start < rank.start < s.end for s in predicted)
    return out


WRITTEN_SETS = ("written_leaders", "written_envoys", "written_envoys_unseen", "written_exercises",
                "written_not_envoys", "written_host_civilians", "written_not_units_design", "written_not_units")


def written_errors(results: dict) -> dict:
    """Errors on the sentences we wrote, the measure options are kept or dropped by (eval/offline/*/):
    commanders' titles where unit and rank are not both exact, and in every other written set the
    gold spans not found exact plus the spans predicted outside the gold."""
    out = {"written_titles": results["written_titles"]["probes"] - results["written_titles"]["both_exact"]}
    out.update({k: results[k]["gold"] - results[k]["exact"] + results[k]["spurious"] for k in WRITTEN_SETS})
    return {"total": sum(out.values()), **out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="models/offline", help="a training run directory or an exported bundle")
    ap.add_argument("--n", type=int, default=1200,
                    help="probe sentences (a quarter each: units, ranks, exercises, unit + rank)")
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--names", choices=("all", "held-out"), default="all",
                    help="held-out: only the unit and exercise names that generated_split=train never shows, "
                         "for models trained on that split")
    ap.add_argument("--out", default="eval/out-of-template")
    args = ap.parse_args()
    from military_ner.predict import load_model
    docs = probes(args.n, args.seed, args.names)
    rec, what = load_model(args.model, None, 16, None)
    titled = [d for d in docs if d.id.startswith("title-")]
    docs = [d for d in docs if not d.id.startswith("title-")]
    metrics, predicted = evaluate(rec.predict, docs)
    shapes = boundary_shapes(docs, predicted)
    titles = title_probes(titled, rec)
    wtitles = title_probes(written_titles(), rec)
    leaders = span_probes(bracketed(WRITTEN_LEADERS, "leaders"), rec)
    envoys = span_probes(bracketed(WRITTEN_ENVOYS, "envoys"), rec)
    unseen = span_probes(bracketed(WRITTEN_ENVOYS_UNSEEN, "unseen"), rec)
    exercises = span_probes(bracketed(WRITTEN_EXERCISES, "exercises", "EXERCISE"), rec, "EXERCISE")
    not_envoys = span_probes(bracketed(WRITTEN_NOT_ENVOYS, "not-envoys"), rec)
    civilians = span_probes(bracketed(WRITTEN_HOST_CIVILIANS, "host-civilians"), rec)
    not_units_design = span_probes(bracketed(WRITTEN_NOT_UNITS_DESIGN, "not-units-design", "UNIT"), rec, "UNIT")
    not_units = span_probes(bracketed(WRITTEN_NOT_UNITS, "not-units", "UNIT"), rec, "UNIT")
    officers = host_officer_probes(200, args.seed)
    officers_metrics, officers_predicted = evaluate(rec.predict, officers)
    officers_envoys = span_counts(officers, [officers_predicted[d.id] for d in officers], "FOREIGN_ENVOY")
    speaks = [d for i, d in enumerate(officers) if i % 2 == 0]  # the host officer alone, speaking
    officers_envoys["spurious_when_speaking"] = span_counts(speaks, [officers_predicted[d.id] for d in speaks],
                                                            "FOREIGN_ENVOY")["spurious"]
    officers_envoys["by_speech"] = {}  # sentences, and those with an envoy span, for each thing said
    for said in SPEECH:
        these = [d for d in speaks if d.text.endswith(said)]
        officers_envoys["by_speech"][said] = [len(these), sum(
            any(p.label == "FOREIGN_ENVOY" for p in officers_predicted[d.id]) for d in these)]
    command = command_line()
    out = ROOT / args.out
    written = {"written_titles": wtitles, "written_leaders": leaders, "written_envoys": envoys,
               "written_envoys_unseen": unseen, "written_exercises": exercises, "written_not_envoys": not_envoys,
               "written_host_civilians": civilians, "written_not_units_design": not_units_design,
               "written_not_units": not_units}
    errors = written_errors(written)
    write_json(out / "metrics.json", {"command": command, "model": what, **metrics, "boundary_shapes": shapes,
                                      "unit_then_rank": titles, **written, "written_errors": errors,
                                      "host_officers": {**officers_metrics["strict"]["micro"], "envoys": officers_envoys,
                                                        "errors": officers_metrics["errors"]}})
    s = metrics["strict"]
    lines = ["# Gazetteer entities among words our templates never use", "", "Produced by:", "", f"    {command}", "",
             f"{what}; {len(docs)} probe sentences (seed {args.seed}, {args.names} names), each one entity "
             "between 4-9 random real "
             f"Arabic words on either side, and {len(titled)} title probes (see the script's docstring).", "",
             "| type | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {t} | {s[t]['precision']:.3f} | {s[t]['recall']:.3f} | {s[t]['f1']:.3f} | {s[t]['support']} |"
              for t in ("MILITARY_RANK", "UNIT", "EXERCISE", "micro")]
    lines += ["", "Where strict matching failed:", "", errors_md(metrics["errors"]), "",
              "How boundary errors missed the edges:", "", errors_md(shapes), "",
              f"Unit followed at once by a rank ({titles['probes']} probes): unit and rank both exact in "
              f"{titles['both_exact']}; the unit span ran on over the rank in {titles['unit_ran_on']}.", "",
              f"Commanders' titles we wrote (`WRITTEN_UNITS`, {wtitles['probes']} sentences): unit and rank both "
              f"exact in {wtitles['both_exact']}; the unit span ran on over the rank in {wtitles['unit_ran_on']}.", "",
              f"Named foreign leaders in passing that we wrote (`WRITTEN_LEADERS`, {leaders['sentences']} sentences, "
              f"title and name O): envoy spans predicted outside the {leaders['gold']} gold envoys "
              f"{leaders['spurious']}; gold envoys found exact {leaders['exact']}.", "",
              f"Envoys in phrasings and names we chose (`WRITTEN_ENVOYS`, {envoys['sentences']} sentences, with "
              f"local officers and a journalist who are O): gold envoys found exact {envoys['exact']} of "
              f"{envoys['gold']}; envoy spans predicted outside them {envoys['spurious']}.", "",
              f"A second such set, written before the generator changes the first one led to and read only as "
              f"totals (`WRITTEN_ENVOYS_UNSEEN`, {unseen['sentences']} sentences): gold envoys found exact "
              f"{unseen['exact']} of {unseen['gold']}; envoy spans predicted outside them "
              f"{unseen['spurious']}.", "",
              f"Exercises in phrasings we wrote (`WRITTEN_EXERCISES`, {exercises['sentences']} sentences, with "
              f"anaphora and indefinite mentions that are O): gold exercises found exact {exercises['exact']} of "
              f"{exercises['gold']}; exercise spans predicted outside them {exercises['spurious']}.", "",
              f"Named people who are not envoys (`WRITTEN_NOT_ENVOYS`, {not_envoys['sentences']} sentences: "
              f"the host's own officers and officials, its attaché abroad, foreign analysts, journalists and "
              f"others outside any engagement): envoy spans predicted {not_envoys['spurious']}.", "",
              f"Security bodies that are not military and armed groups (police, interior security, civil "
              f"intelligence and defence, militias; all O), beside a few real units in brackets: "
              f"`WRITTEN_NOT_UNITS`, {not_units['sentences']} sentences, unit spans predicted outside the "
              f"{not_units['gold']} gold units {not_units['spurious']}, gold units found exact {not_units['exact']}; "
              f"`WRITTEN_NOT_UNITS_DESIGN` (the sentences the gap was found with), {not_units_design['spurious']} "
              f"outside, {not_units_design['exact']} of {not_units_design['gold']} exact.", "",
              f"Named civilian officials of the article's own country (`WRITTEN_HOST_CIVILIANS`, "
              f"{civilians['sentences']} sentences, title and name O), some meeting an envoy: envoy spans "
              f"predicted outside the {civilians['gold']} gold envoys {civilians['spurious']}; gold envoys found "
              f"exact {civilians['exact']}.", "",
              f"Officers of the article's own country after a unit that carries its nationality, half of them "
              f"receiving a foreign officer ({len(officers)} generated sentences, `host_officer_probes`): envoy "
              f"spans predicted outside the {officers_envoys['gold']} gold envoys {officers_envoys['spurious']} "
              f"({officers_envoys['spurious_when_speaking']} of them in the {len(speaks)} sentences where he speaks "
              f"alone; by what he says, sentences with an envoy span: "
              + ", ".join(f"{k} {v[1]} of {v[0]}" for k, v in officers_envoys["by_speech"].items()) + "); "
              f"gold envoys found exact {officers_envoys['exact']}; all types, micro F1 "
              f"{officers_metrics['strict']['micro']['f1']:.3f}.", "",
              f"Errors on all the sentences we wrote (`written_errors`): {errors['total']} ("
              + ", ".join(f"{k.removeprefix('written_')} {v}" for k, v in errors.items() if k != "total") + ")."]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(summary_line(metrics))
    print("\n".join(lines[9:]))


if __name__ == "__main__":
    main()
