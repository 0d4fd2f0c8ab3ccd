"""How alike two Chinese complaints are, for suggesting likely duplicates of a new case.

The score only *suggests*: intake staff see the best-ranked earlier cases and decide whether to
merge (合并重复件).  So ranking matters more than the absolute number, and recall matters more
than precision: a missed duplicate means two departments work the same complaint; a wrong
suggestion costs a glance.

Text is segmented with jieba, then stop words, punctuation and bare numbers are dropped
(:func:`tokens`).  :func:`similarity` blends three signals over what is left, with these weights:

* 0.6 -- Dice overlap of the *characters* of the remaining words.  Callers describe the same
  problem in different words that share morphemes: 卖菜 / 菜贩, 欠费 / 水费 / 拖欠,
  燃气管 / 天然气, 院子 / 院坝.  Word-level measures see nothing in common there, and on the
  labelled examples in ``tests/lib/test_textsim.py`` this signal on its own ranks duplicates
  best, so it carries most of the weight.
* 0.2 -- Jaccard overlap of the word sets.  A shared whole word (停水, 电梯, 消防通道) is
  stronger evidence than a shared character, and breaks ties between candidates.
* 0.2 -- rapidfuzz's ``token_set_ratio`` on the space-joined words.  It is 1 when one word set
  contains the other, so a terse report ("停水") still matches the detailed one it belongs to,
  which Jaccard would punish for being short.  It is kept small because it compares the joined
  strings character by character, spaces included, so unrelated complaints already get about
  0.25 from it.

Word Jaccard and ``token_set_ratio`` alone (the first design) could not tell the paraphrased
pairs in the tests from unrelated complaints; the character signal is what makes them work.

:data:`DEFAULT_THRESHOLD` (0.18) comes from the same examples.  It keeps 18 of their 20
duplicate pairs, including the three from the seed data (vegetable stalls in the courtyard about
0.27, the gas pipe moved outdoors 0.21, water cut off for arrears 0.49), and lets through 13 of
358 unrelated pairs, mostly complaints that share a time or place (凌晨, 楼下, 晚上); clearly
different ones (parking, stray dogs, a broken lift) score about 0.1.  Since a person confirms
every merge, a few wrong suggestions (never more than ``limit``) are the cheaper mistake.  A
threshold near 0.5 would only catch near-verbatim repeats.

Limitations: this is lexical.  Paraphrases with few characters in common (楼上卫生间漏水 /
上层住户渗水) score low, and long complaints share more characters by chance than short ones, so compare
titles or summaries rather than whole transcripts.
"""

import functools
import importlib
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Final, TypeVar

from rapidfuzz import fuzz

__all__ = [
    "DEFAULT_THRESHOLD",
    "STOP_WORDS",
    "rank_candidates",
    "similarity",
    "tokens",
]

K = TypeVar("K")

DEFAULT_THRESHOLD: Final = 0.18

_CHAR_WEIGHT: Final = 0.6
_JACCARD_WEIGHT: Final = 0.2
_SET_RATIO_WEIGHT: Final = 0.2

# Words that say nothing about *what* the complaint is about.  Three groups: common function
# words; the politeness and framing every call to 12345 carries (请, 反映, 希望, 相关部门尽快处理);
# and places and parties named in almost every complaint (小区, 社区, 物业).
STOP_WORDS: Final = frozenset(
    """
    的 地 得 了 着 过 在 是 我 我们 我家 你 你们 他 她 它 他们 她们 有 和 与 及 或 就 才 又 还
    也 都 不 没 没有 多 很 太 挺 非常 特别 一个 一些 这 那 这个 那个 这些 那些 这里 那里 这样 那样
    里 上 下 后 前 中 到 从 向 对 把 被 让 给 为 以 等 能 会 要 想 去 来 说 看 好 自己 什么 怎么
    因为 所以 但是 而且 如果 已经 一直 现在 还是 就是 吗 呢 吧 啊 呀 啦 嘛 哦
    请 请问 反映 投诉 问题 希望 麻烦 谢谢 感谢 您好 你好 尽快 处理 解决 相关 有关 部门 单位
    人 有人 情况 现象 导致 存在 小区 社区 物业 居民 业主
    """.split()
)


@functools.cache
def _jieba() -> ModuleType:
    """jieba, imported on first use.

    Importing it takes a noticeable fraction of a second and its dictionary a second or more
    (jieba loads that lazily, once, on the first cut), which no web request or management
    command that never compares complaints should pay.  Its logger announces the loading on
    stderr at DEBUG level; quieten it first.
    """
    jieba = importlib.import_module("jieba")
    # jieba sets its logger to DEBUG when imported, so this must come after the import.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


def _cut(text: str) -> list[str]:
    words: list[str] = _jieba().lcut(text)
    return words


def _is_noise(word: str) -> bool:
    """Punctuation, symbols, whitespace and numbers (3, 15, 三, 十五, 2.5) carry no topic."""
    return all(unicodedata.category(ch)[0] in "PSZC" or ch.isnumeric() or ch == "." for ch in word)


def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK ")


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What :func:`similarity` needs to know about one text."""

    words: tuple[str, ...]
    joined: str
    word_set: frozenset[str]
    # Characters of Chinese words; other words (Latin, codes) count as one unit each.
    units: frozenset[str]


@functools.lru_cache(maxsize=4096)
def _analyse(text: str) -> _Analysis:
    # NFKC turns full-width letters and digits (ＡＢＣ３) into ASCII, as phones often type them.
    normalised = unicodedata.normalize("NFKC", text).lower()
    words = tuple(
        word
        for raw in _cut(normalised)
        if (word := raw.strip()) and word not in STOP_WORDS and not _is_noise(word)
    )
    units: set[str] = set()
    for word in words:
        if all(_is_cjk(ch) for ch in word):
            units.update(word)
        else:
            units.add(word)
    return _Analysis(words, " ".join(words), frozenset(words), frozenset(units))


def tokens(text: str) -> list[str]:
    """The content words of ``text``, in order: jieba's segmentation without stop words,
    punctuation, whitespace or bare numbers.  Full-width characters are normalised and Latin
    letters lower-cased."""
    return list(_analyse(text).words)


def similarity(a: str, b: str) -> float:
    """How alike two complaints are, from 0 (nothing in common) to 1 (the same content words).

    Symmetric.  A text with no content words (empty, or only "谢谢") is like nothing, not even
    itself.  See the module docstring for the blend and its weights.
    """
    return _score(_analyse(a), _analyse(b))


def _score(a: _Analysis, b: _Analysis) -> float:
    if not a.words or not b.words:
        return 0.0
    shared_units = len(a.units & b.units)
    char_dice = 2 * shared_units / (len(a.units) + len(b.units))
    jaccard = len(a.word_set & b.word_set) / len(a.word_set | b.word_set)
    set_ratio = fuzz.token_set_ratio(a.joined, b.joined) / 100
    score = _CHAR_WEIGHT * char_dice + _JACCARD_WEIGHT * jaccard + _SET_RATIO_WEIGHT * set_ratio
    return min(score, 1.0)


def rank_candidates(
    text: str,
    candidates: Iterable[tuple[K, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
) -> list[tuple[K, float]]:
    """The keys of the candidates most like ``text`` with their scores, best first.

    ``candidates`` are (key, text) pairs, e.g. (case id, title) of open cases in the same
    neighbourhood.  Only scores of at least ``threshold`` are kept, at most ``limit`` of them;
    equal scores keep the candidates' order.
    """
    if limit <= 0:
        return []
    query = _analyse(text)
    scored = [(key, _score(query, _analyse(candidate))) for key, candidate in candidates]
    matches = [(key, score) for key, score in scored if score >= threshold]
    matches.sort(key=lambda match: match[1], reverse=True)
    return matches[:limit]
