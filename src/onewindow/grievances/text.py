"""Words of a case: segmentation for duplicates and trends, similarity, desensitisation.

Split by the platform's one tokeniser (core.words): Chinese with rjieba, English by words;
stop-words and single characters that carry no topic are dropped. The desensitiser masks
what identifies a person in free text (resident ID numbers, mobile and landline numbers,
e-mail addresses, house numbers) before a case is shown on the public wall or through the
public Open311 reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from onewindow.core import personal_data, words

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "她",
        "它",
        "他们",
        "这",
        "那",
        "这个",
        "那个",
        "有",
        "没有",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "还",
        "很",
        "太",
        "又",
        "再",
        "被",
        "把",
        "让",
        "给",
        "对",
        "从",
        "到",
        "向",
        "于",
        "为",
        "因为",
        "所以",
        "但是",
        "但",
        "而且",
        "如果",
        "已经",
        "一直",
        "一个",
        "一些",
        "什么",
        "怎么",
        "怎么办",
        "如何",
        "为什么",
        "请问",
        "请",
        "希望",
        "能否",
        "能不能",
        "可以",
        "是否",
        "要求",
        "反映",
        "反应",
        "投诉",
        "咨询",
        "建议",
        "表扬",
        "问题",
        "情况",
        "相关",
        "部门",
        "处理",
        "解决",
        "一下",
        "现在",
        "今天",
        "昨天",
        "最近",
        "每天",
        "经常",
        "多次",
        "不",
        "没",
        "无",
        "吗",
        "呢",
        "啊",
        "吧",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "these",
        "those",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "my",
        "our",
        "your",
        "their",
        "me",
        "us",
        "please",
        "would",
        "could",
        "should",
        "can",
        "will",
        "there",
        "have",
        "has",
        "had",
        "not",
        "no",
        "do",
        "does",
        "did",
        "about",
        "from",
        "by",
        "as",
        "but",
        "if",
        "so",
        "very",
        "again",
        "still",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|[0-9]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def terms(text: str) -> list[str]:
    """Topic words of `text`, lower-cased, without stop-words or punctuation: Chinese words of
    two characters or more (rjieba's exact mode), English words of three letters or more."""
    return words.tokenise(
        text,
        stop_words=STOP_WORDS,
        english=words.HYPHENATED_WORDS,
        min_english=3,
        min_chinese=2,
    )


def jaccard(first: Iterable[str], second: Iterable[str]) -> float:
    a, b = set(first), set(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


_RESIDENT_ID = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{9}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0[0-9]{2,3}-?[0-9]{7,8}(?![0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HOUSE_NUMBER = re.compile(
    r"[0-9]+\s*(?:号楼|幢|栋|单元|室|号)|\b(?:room|flat|apt\.?|no\.?)\s*[0-9]+", re.I
)


def desensitise(text: str) -> str:
    """`text` with ID numbers, phone numbers, e-mail addresses and house numbers masked."""
    text = _RESIDENT_ID.sub(lambda m: personal_data.mask_resident_id(m.group()), text)
    text = _MOBILE.sub(lambda m: personal_data.mask_mobile(m.group()), text)
    text = _LANDLINE.sub(lambda m: m.group()[:4] + "*" * (len(m.group()) - 4), text)
    text = _EMAIL.sub("***@***", text)
    return _HOUSE_NUMBER.sub(lambda m: re.sub(r"[0-9]", "*", m.group()), text)


def language_of(text: str) -> str:
    han = len(_HAN.findall(text))
    return "zh" if han and han * 4 >= len(_WORD.findall(text)) else "en"
