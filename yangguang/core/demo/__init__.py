"""The demo district (芙蓉示范区): fictional places, people, cases and logins for trying and benchmarking Yangguang.

`seed_demo` builds one district with 3 streets, 13 communities (4 of them villages), 2–4 grids each,
compounds of all four governance types, buildings, dwellings, households, residents, tags and merchants:
about 30,300 residents per unit of `scale`, so `--scale 33` gives a million. On top of the registry it
builds the case side: handling units, routing rules, and about one case per 25 residents over the last
12 months, each with its timeline, reporter and deadlines.

Everything is fictional on purpose:
- ID numbers are valid (GB 11643 checksum, birth date and sex encoded) but use the region code 430199,
  which no real county has, so no demo number can be a real person's.
- Phone numbers start with 10, 11 or 12, prefixes that are not allocated to mobile networks.
- Names are drawn from Faker's zh_CN surname and given-name lists (surnames weighted by frequency).

The modules:
- `layout`: the fixed tables (streets, communities, demo users, tags, word pools, credit-code checks);
- `district`: `DemoDistrict`, which creates the areas and users and generates the registry;
- `writer`: `Table`/`Writer`, the bulk writer (primary keys assigned here, `executemany`), which made
  seeding three times faster than `bulk_create`: see docs/demo.md for the measurements;
- `units`, `case_text`, `timeline`, `cases`: handling units and routing, the complaint templates, the
  lifecycle simulation, and the cases written from it;
- `clock`, `residents`, `supervision`, `inspecting`, `bookkeeping`, `supervision_text`: the supervision
  committees and their year of work (terms, cadres and their relatives, the lists, evaluations,
  inspections and rectification notices, vouchers and disclosures, the ledger), made through the actions
  on a simulated clock;
- `welfare`, `applications`: the welfare programs, the roster and its payments, reconciliation and
  re-checks, and 阳光社区's applications and public notices.

The data depends only on the seed and the reference date (`today`): a given seed gives the same names,
households, cases and counts every time, and dates shift with the day the demo is built so that ages stay
right and the cases cover the 12 months before it.
"""

from .district import DemoDistrict, DemoResult, Progress
from .layout import (
    CATALOGUE_FALLBACK,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DEMO_USERS,
    DIBAO_STANDARD,
    DISTRICT_CODE,
    DISTRICT_NAME,
    FLAGGED_COMMUNITY,
    RESIDENTS_PER_SCALE,
    SHOWCASE_COMMUNITY,
    STREETS,
    TAG_CATALOGUE,
    CommunityPlan,
    DemoUser,
    StreetPlan,
    cn_number,
    ensure_tags,
    org_code_check,
    uscc_check,
)

__all__ = [
    "CATALOGUE_FALLBACK",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "DEMO_USERS",
    "DIBAO_STANDARD",
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "FLAGGED_COMMUNITY",
    "RESIDENTS_PER_SCALE",
    "SHOWCASE_COMMUNITY",
    "STREETS",
    "TAG_CATALOGUE",
    "CommunityPlan",
    "DemoDistrict",
    "DemoResult",
    "DemoUser",
    "Progress",
    "StreetPlan",
    "cn_number",
    "ensure_tags",
    "org_code_check",
    "uscc_check",
]
