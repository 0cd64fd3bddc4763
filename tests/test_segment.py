"""Sentence segmentation on news text in ro, uk, bg, fr, ru and en (real sentencex, no mocks)."""

from __future__ import annotations

import pytest

from workbench.segment import split_lines, split_statements


def sentences(text: str, language: str) -> list[str]:
    lines = split_lines(text)
    return [text[span.start:span.end] for line in lines for span in split_statements(text, line, language)]


@pytest.mark.parametrize(
    "language, text, expected",
    [
        # initials and titles before names
        ("uk", "Речник Кремля Дмитро С. Пєсков заявив це у вівторок. Він пішов.",
         ["Речник Кремля Дмитро С. Пєсков заявив це у вівторок.", "Він пішов."]),
        ("en", "Mr. Smith met Dmitry S. Peskov in Moscow. They talked.",
         ["Mr. Smith met Dmitry S. Peskov in Moscow.", "They talked."]),
        ("fr", "M. Dupont a rencontré J.-P. Martin à Paris. Ils ont parlé.",
         ["M. Dupont a rencontré J.-P. Martin à Paris.", "Ils ont parlé."]),
        ("ro", "Dl. Popescu a declarat luni că nu știe nimic. Apoi a plecat.",
         ["Dl. Popescu a declarat luni că nu știe nimic.", "Apoi a plecat."]),
        ("bg", "Срещата е на ул. Раковски в София. Той дойде.", ["Срещата е на ул. Раковски в София.", "Той дойде."]),
        # a title starting the next sentence (once glued to the sentence before)
        ("fr", "Les discussions se sont bien passées. M. Dupont et Mme Martin n'ont pas commenté.",
         ["Les discussions se sont bien passées.", "M. Dupont et Mme Martin n'ont pas commenté."]),
        ("ro", "Discuțiile au decurs bine. Dl. Popescu și dr. Ionescu nu au comentat.",
         ["Discuțiile au decurs bine.", "Dl. Popescu și dr. Ionescu nu au comentat."]),
        ("en", "The talks went well. Mr. Smith said so. Dr. Jones agreed.",
         ["The talks went well.", "Mr. Smith said so.", "Dr. Jones agreed."]),
        ("bg", "Дипломацията е в застой от 2019 г. заради санкциите. Това е факт.",
         ["Дипломацията е в застой от 2019 г. заради санкциите.", "Това е факт."]),
        ("ru", "В 2023 г. было отправлено 1,5 млн. снарядов. Это много.",
         ["В 2023 г. было отправлено 1,5 млн. снарядов.", "Это много."]),
        # decimal and thousands separators, calibres
        ("en", "They paid 1.5 million for 1 000 000 shells of 122 mm calibre. Then they left.",
         ["They paid 1.5 million for 1 000 000 shells of 122 mm calibre.", "Then they left."]),
        ("ro", "Au fost livrate 1.000.000 de obuze, adică 1,5 pe zi. Nimeni nu a confirmat.",
         ["Au fost livrate 1.000.000 de obuze, adică 1,5 pe zi.", "Nimeni nu a confirmat."]),
        ("fr", "Le Hamas détient des roquettes de 122 mm. Selon Reuters, c'est nouveau.",
         ["Le Hamas détient des roquettes de 122 mm.", "Selon Reuters, c'est nouveau."]),
        # quotations with sentences inside
        ("fr", "« Nous travaillons. Nous avons vu. » a dit Blinken. Puis il est parti.",
         ["« Nous travaillons. Nous avons vu. » a dit Blinken.", "Puis il est parti."]),
        ("bg", "„Обсъждаме това с всички. Защо не? Те са наши съседи.“ заяви Шойгу. Той замина.",
         ["„Обсъждаме това с всички. Защо не? Те са наши съседи.“ заяви Шойгу.", "Той замина."]),
        ("ro", "„Nu. Nu știu nimic”, a spus el. A plecat apoi.",
         ["„Nu. Nu știu nimic”, a spus el.", "A plecat apoi."]),
        ("en", '"It is fine. Really fine," he said. Then he left.',
         ['"It is fine. Really fine," he said.', "Then he left."]),
        ("uk", "Кім «проявляє великий інтерес. Дуже великий», сказав Путін. Потім вони пішли.",
         ["Кім «проявляє великий інтерес. Дуже великий», сказав Путін.", "Потім вони пішли."]),
    ],
)
def test_sentence_boundaries(language, text, expected):
    assert sentences(text, language) == expected


def test_headline_and_unpunctuated_lines_are_statements_of_their_own():
    text = "Putin, discuție esențială cu Kim Jong Un\nCoreea de Nord își intensifică producția\n\nPrimul paragraf are o propoziție. Și încă una."
    assert sentences(text, "ro") == [
        "Putin, discuție esențială cu Kim Jong Un",
        "Coreea de Nord își intensifică producția",
        "Primul paragraf are o propoziție.",
        "Și încă una.",
    ]


def test_hard_wrapped_paragraph_is_reflowed_before_splitting():
    text = (
        "Лідери Північної Кореї та Росії Кім Чен Ин і Володимир Путін\n"
        "зустрілися в середу протягом двох годин на зустрічі на вищому\n"
        "рівні, за якою уважно стежили. Кремль підтвердив це у вівторок\n"
        "ввечері."
    )
    result = sentences(text, "uk")
    assert len(result) == 2
    assert result[0].startswith("Лідери") and result[0].endswith("стежили.")


def test_short_lines_are_not_reflowed():
    text = "Кім Чен Ин і Путін зустрілися в Росії\nкредит…Sputnik, через Reuters"
    assert sentences(text, "uk") == ["Кім Чен Ин і Путін зустрілися в Росії", "кредит…Sputnik, через Reuters"]


def test_offsets_cover_the_text_exactly():
    text = "  Prima propoziție.  A doua propoziție!\n\n\nTitlu fără punct\r\n"
    lines = split_lines(text)
    spans = [span for line in lines for span in split_statements(text, line, "ro")]
    assert [text[s.start:s.end] for s in spans] == ["Prima propoziție.", "A doua propoziție!", "Titlu fără punct"]


def test_list_markers_do_not_become_statements():
    text = "  1. Запомни ме\n2. Втори ред на формата"
    assert sentences(text, "bg") == ["1. Запомни ме", "2. Втори ред на формата"]


def test_one_word_fragment_joins_the_sentence_before():
    text = "Кремлю для війни в Північній Кореї. Україна. Потім вони пішли."
    assert sentences(text, "uk") == ["Кремлю для війни в Північній Кореї. Україна.", "Потім вони пішли."]


def test_year_abbreviation_before_a_capitalised_name_does_not_split():
    text = "През 2019 г. Северна Корея изпрати 1 000 000 снаряда. Това е факт."
    assert sentences(text, "bg") == ["През 2019 г. Северна Корея изпрати 1 000 000 снаряда.", "Това е факт."]


# -- over-long lines and sentences -----------------------------------------------------------

import random  # noqa: E402

from workbench.segment import MAX_LINE_CHARS, cut_long  # noqa: E402

_WORDS = "Северна Корея е изпратила снаряди на Русия според разузнаването в Сеул".split()


def _run_on(chars: int, seed: int = 3) -> str:
    """A text with no sentence end at all (a pasted data dump, a transcript without punctuation)."""
    rng = random.Random(seed)
    out, size = [], 0
    while size < chars:
        word = rng.choice(_WORDS).lower()
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def test_an_over_long_sentence_is_cut_at_word_boundaries_into_bounded_pieces():
    text = _run_on(12_000)
    pieces = cut_long(text, 0, len(text), 1_500)
    assert all(end - start <= 1_500 for start, end in pieces)
    assert " ".join(text[start:end] for start, end in pieces) == text  # nothing lost, nothing doubled
    assert all(text[start - 1] == " " for start, _ in pieces[1:])  # every cut falls between words
    assert len(pieces) <= 12_000 // 750 + 1  # cuts are in the second half of each window


def test_cuts_prefer_a_sentence_end_then_a_clause_mark():
    sentence = "Fabrica a produs obuze în 2024. "
    clause = "ministrul a confirmat cifra, "
    text = sentence * 20 + clause * 20
    _, first_end = cut_long(text, 0, len(text), 800)[0]
    assert text[:first_end].endswith("2024.")
    clauses = clause * 60
    _, first_end = cut_long(clauses, 0, len(clauses), 800)[0]
    assert clauses[:first_end].endswith("cifra,")


def test_a_text_without_spaces_is_cut_hard():
    text = "x" * 5_000
    assert cut_long(text, 0, len(text), 1_000) == [(0, 1000), (1000, 2000), (2000, 3000), (3000, 4000), (4000, 5000)]


def test_a_huge_single_line_becomes_bounded_lines_and_statements():
    text = _run_on(150_000)
    lines = split_lines(text)
    assert len(lines) > 1 and all(len(line.text) <= MAX_LINE_CHARS for line in lines)
    spans = [span for line in lines for span in split_statements(text, line, "bg", max_chars=1_200)]
    assert all(span.end - span.start <= 1_200 for span in spans)
    assert " ".join(text[span.start:span.end] for span in spans) == text


def test_a_headline_over_a_short_article_of_one_line_paragraphs_is_not_reflowed():
    # real news: a headline and two one-line paragraphs of alike widths looked hard-wrapped, and
    # the headline joined the first paragraph (and its altered figure) as one statement
    text = ("В Індонезії землетрус викликав цунами: загинули сотні людей\n"
            "Щонайменше 384 особи загинуло після землетрусу на індонезійському острові Сулавесі в п’ятницю.\n"
            "Землетрус стався неподалік від центру острова Сулавесі.")
    assert sentences(text, "uk") == text.split("\n")
