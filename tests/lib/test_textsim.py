"""Tests for yangguang.lib.textsim, similarity of Chinese complaints for duplicate detection."""

import itertools
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yangguang.lib.textsim import DEFAULT_THRESHOLD, rank_candidates, similarity, tokens

# The same problem reported by different callers, in their own words.  The first three groups
# come from the seed data; the module docstring's figures for the default threshold are measured
# on this corpus (see test_default_threshold_keeps_most_duplicates_and_few_unrelated_pairs).
DUPLICATES: dict[str, list[str]] = {
    "vegetable stalls": [
        "每天早上五点多就有人在院子里摆摊卖菜，吵得老人睡不好",
        "院坝里清早有菜贩摆摊，噪音很大影响休息",
        "凌晨有商贩在楼下空地卖菜，吆喝声把人吵醒",
    ],
    "gas pipe": [
        "燃气管道改到室外后没人管，存在安全隐患",
        "天然气管子移到外墙了，担心漏气",
        "燃气管线外移以后没有人检查维护，怕出事",
    ],
    "water cut off": [
        "因为欠费整栋楼被停水",
        "拖欠水费导致停水三天",
        "物业说我们楼没交水费，直接把水停了",
    ],
    "parking": [
        "小区门口乱停车，消防通道被堵，希望物业管一管",
        "消防通道上停满了私家车，救护车都进不来",
    ],
    "stray dogs": ["小区里流浪狗太多，晚上乱叫还咬人", "流浪犬成群，孩子上学路上被追咬"],
    "lift": [
        "3号楼电梯坏了一个星期没人修，老人上下楼很困难",
        "电梯又坏了，住高层的老人出不了门",
        "电梯经常停运，困在里面好几次",
    ],
    "stair lights": ["楼道路灯不亮，晚上走路看不见", "楼道灯坏了好久，晚上黑漆漆的"],
    "rubbish": ["垃圾桶满了没人清运，夏天臭得很", "垃圾清运不及时，堆在路边发臭"],
    "barbecue": ["楼下烧烤店营业到凌晨两点，油烟和噪音扰民", "烧烤摊半夜还在营业，烟熏得没法开窗"],
    "leak": ["楼上卫生间漏水，我家天花板都泡坏了", "上层住户渗水，屋顶墙皮脱落"],
    "square dancing": ["广场舞音响声音太大，晚上九点后还在跳", "跳广场舞的音乐开得很响，影响孩子学习"],
    "heating": ["暖气不热，家里只有十五度", "供暖温度不达标，屋里很冷"],
}

VEGETABLES, GAS, WATER = DUPLICATES["vegetable stalls"], DUPLICATES["gas pipe"], DUPLICATES["water cut off"]
PARKING, DOGS, LIFT = DUPLICATES["parking"][0], DUPLICATES["stray dogs"][0], DUPLICATES["lift"][0]

# An inbox of open cases, one per problem, keyed by case number.
INBOX: dict[int, str] = {
    101: PARKING,
    102: DOGS,
    103: LIFT,
    104: VEGETABLES[1],
    105: GAS[1],
    106: WATER[1],
    107: DUPLICATES["stair lights"][0],
    108: DUPLICATES["rubbish"][0],
    109: DUPLICATES["barbecue"][0],
    110: DUPLICATES["square dancing"][0],
}

CJK_TEXT = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30)


# --- tokens -----------------------------------------------------------------------------------


def test_tokens_keep_the_content_words_in_order() -> None:
    assert tokens("因为欠费整栋楼被停水") == ["欠费", "整栋", "楼", "停水"]


def test_tokens_drop_punctuation_whitespace_numbers_and_stop_words() -> None:
    words = tokens("您好！我们小区 3号楼 的电梯，坏了15天了。。。希望相关部门尽快处理，谢谢！")
    assert "电梯" in words
    for noise in ("您好", "我们", "小区", "的", "了", "希望", "相关", "部门", "尽快", "处理", "谢谢"):
        assert noise not in words
    assert not any(word.isnumeric() or not word.strip() for word in words)
    assert not any(ch in "！，。 " for word in words for ch in word)


def test_tokens_drop_chinese_numerals_too() -> None:
    assert "三" not in tokens("停水 三 天")


def test_tokens_normalise_full_width_and_case() -> None:
    assert tokens("ＷＩＦＩ信号差") == tokens("wifi信号差")
    assert "wifi" in tokens("WiFi信号差")


def test_tokens_of_nothing_are_empty() -> None:
    assert tokens("") == []
    assert tokens("  ，。！") == []
    assert tokens("谢谢") == []


def test_jieba_loads_quietly() -> None:
    tokens("燃气管道")
    assert logging.getLogger("jieba").level == logging.WARNING


# --- similarity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(VEGETABLES[0], VEGETABLES[1], id="vegetable stalls in the courtyard at dawn"),
        pytest.param(GAS[0], GAS[1], id="gas pipe moved outdoors"),
        pytest.param(WATER[0], WATER[1], id="water cut off for arrears"),
    ],
)
def test_the_same_complaint_in_other_words_is_similar(a: str, b: str) -> None:
    assert similarity(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations([PARKING, DOGS, LIFT], 2)))
def test_different_complaints_are_not_similar(a: str, b: str) -> None:
    assert similarity(a, b) < DEFAULT_THRESHOLD
    # Not just under the line: well clear of it.
    assert similarity(a, b) < DEFAULT_THRESHOLD * 0.75


def test_default_threshold_keeps_most_duplicates_and_few_unrelated_pairs() -> None:
    labelled = [(problem, text) for problem, texts in DUPLICATES.items() for text in texts]
    same: list[float] = []
    different: list[float] = []
    for (problem_a, a), (problem_b, b) in itertools.combinations(labelled, 2):
        (same if problem_a == problem_b else different).append(similarity(a, b))
    recall = sum(score >= DEFAULT_THRESHOLD for score in same) / len(same)
    false_alarms = sum(score >= DEFAULT_THRESHOLD for score in different) / len(different)
    assert recall >= 0.85
    assert false_alarms <= 0.05
    # Ranking quality regardless of the threshold: a duplicate usually outscores a stranger.
    wins = sum(s > d for s in same for d in different) / (len(same) * len(different))
    assert wins >= 0.97


def test_a_terse_report_matches_the_detailed_one() -> None:
    assert similarity("停水", WATER[0]) > similarity("停电", WATER[0])
    assert similarity("电梯坏了", LIFT) >= DEFAULT_THRESHOLD


def test_identical_complaints_score_one_and_empty_ones_zero() -> None:
    assert similarity(GAS[0], GAS[0]) == pytest.approx(1.0)
    assert similarity(GAS[0], GAS[0] + "！！") == pytest.approx(1.0)
    assert similarity("", GAS[0]) == 0.0
    assert similarity("谢谢", "谢谢") == 0.0


@settings(deadline=None)  # the first call may load jieba's dictionary
@given(a=CJK_TEXT, b=CJK_TEXT)
def test_similarity_is_a_symmetric_score_between_zero_and_one(a: str, b: str) -> None:
    score = similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(similarity(b, a))


@settings(deadline=None)
@given(a=CJK_TEXT)
def test_a_complaint_with_content_is_most_like_itself(a: str) -> None:
    if tokens(a):
        assert similarity(a, a) == pytest.approx(1.0)


# --- ranking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("complaint", "case"),
    [
        (VEGETABLES[0], 104),
        (GAS[0], 105),
        (GAS[2], 105),
        (WATER[0], 106),
        (WATER[2], 106),
        (DUPLICATES["parking"][1], 101),
        (DUPLICATES["stray dogs"][1], 102),
        (DUPLICATES["lift"][1], 103),
        (DUPLICATES["stair lights"][1], 107),
        (DUPLICATES["rubbish"][1], 108),
        (DUPLICATES["barbecue"][1], 109),
        (DUPLICATES["square dancing"][1], 110),
    ],
)
def test_the_open_case_about_the_same_problem_ranks_first(complaint: str, case: int) -> None:
    ranked = rank_candidates(complaint, INBOX.items())
    assert ranked[0][0] == case
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(score >= DEFAULT_THRESHOLD for score in scores)


def test_a_new_kind_of_complaint_matches_nothing() -> None:
    assert rank_candidates("暖气不热，家里只有十五度", INBOX.items()) == []


def test_ranking_respects_limit_and_threshold() -> None:
    assert len(rank_candidates(GAS[0], INBOX.items(), threshold=0.0, limit=3)) == 3
    assert rank_candidates(GAS[0], INBOX.items(), limit=0) == []
    assert rank_candidates(GAS[0], INBOX.items(), threshold=1.01) == []
    assert len(rank_candidates(GAS[0], INBOX.items(), threshold=0.0, limit=50)) == len(INBOX)


def test_ranking_works_with_any_key_and_keeps_order_on_ties() -> None:
    candidates = [(("case", 2), WATER[1]), (("case", 1), WATER[1]), (("case", 3), PARKING)]
    ranked = rank_candidates(WATER[0], iter(candidates))
    assert [key for key, _ in ranked] == [("case", 2), ("case", 1)]
    assert ranked[0][1] == ranked[1][1] == similarity(WATER[0], WATER[1])
