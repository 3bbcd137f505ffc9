"""Words and sentences of residents' questions and of the catalogue's guides.

Split by the platform's one tokeniser (core.words): Chinese by rjieba in search mode (养老金
also yields 养老) plus the character pairs of each Chinese run, which keep a question with a
typo or an unusual word close to the guide's wording; English lower-cased, split into words
and stemmed by suffixes.
"""

from __future__ import annotations

import re

from onewindow.core.words import suffix_stem, tokenise

# Guides end clauses with 。；; and English sentences with ". " or "; ".
_SENTENCE_END = re.compile(r"(?<=[。；！？])|(?<=[.;!?])\s+")

ZH_STOP = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "嘛",
        "我",
        "我们",
        "你",
        "你们",
        "他",
        "她",
        "要",
        "想",
        "想要",
        "需要",
        "请问",
        "请",
        "问",
        "一下",
        "怎么",
        "怎么样",
        "怎样",
        "如何",
        "什么",
        "哪些",
        "可以",
        "能",
        "能不能",
        "是",
        "是不是",
        "有",
        "在",
        "去",
        "到",
        "和",
        "与",
        "及",
        "或",
        "办",
        "办理",
        "个",
        "这个",
        "那个",
        "一个",
        "给",
        "帮",
        "就",
        "还",
        "都",
        "也",
        "该",
        "应该",
        "得",
        "哪儿",
        "哪里",
        "咋",
        "咋办",
        "啥",
    ]
)
EN_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "my",
        "me",
        "i",
        "we",
        "our",
        "you",
        "your",
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "what",
        "which",
        "who",
        "is",
        "are",
        "am",
        "be",
        "it",
        "its",
        "this",
        "that",
        "there",
        "with",
        "from",
        "get",
        "got",
        "need",
        "needs",
        "want",
        "please",
        "would",
        "should",
        "will",
        "if",
        "about",
        "as",
        "by",
        "or",
        "so",
        "just",
        "have",
        "has",
    ]
)
STOP_WORDS = ZH_STOP | EN_STOP


def words(text: str) -> list[str]:
    """The content words of `text`: rjieba's Chinese words (search mode) and English words
    stemmed by suffixes, without stop words."""
    return tokenise(
        text, stop_words=STOP_WORDS, stop_after_stem=True, stem=suffix_stem, search_mode=True
    )


def terms(text: str) -> list[str]:
    """What is indexed and asked: the words, and the character pairs of each Chinese run."""
    return tokenise(
        text,
        stop_words=STOP_WORDS,
        stop_after_stem=True,
        stem=suffix_stem,
        search_mode=True,
        character_pairs="~",
    )


def sentences(text: str) -> list[str]:
    """The sentences (and clauses ended by ；) of a guide, each exactly as the guide has it."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


_ID_OR_PHONE = re.compile(r"[0-9０-９][0-9０-９xX\-\s]{3,}")
_EMAIL = re.compile(r"\S+@\S+")
_NAMED = re.compile(
    r"(我叫|我姓|名字是|姓名[:：]?|my name is)\s*[^\s，,。.;；:：!！?？]{1,12}", re.IGNORECASE
)


def desensitise(text: str) -> str:
    """The question without what could name a person: numbers of four digits or more (ID,
    phone, plate), e-mail addresses and a stated name become ＊."""
    text = _EMAIL.sub("＊", text)
    text = _NAMED.sub(lambda m: m.group(1) + "＊", text)
    return _ID_OR_PHONE.sub("＊", text)
