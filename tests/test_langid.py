"""Language detection: seeded langdetect with the short-text and Cyrillic corrections."""

from __future__ import annotations

import pytest

from workbench.langid import article_language, detect, statement_language

RUSSIAN = (
    "Северная Корея поставила России артиллерийские снаряды, утверждают американские чиновники. "
    "Песков заявил, что две страны развивают сотрудничество во всех областях, включая чувствительные. "
    "Ким Чен Ын прибыл на космодром Восточный на своём бронепоезде."
)
BULGARIAN = (
    "Северна Корея е изпратила близо пет милиона артилерийски снаряда на Русия, сочи доклад на Блумбърг. "
    "Говорителят на Кремъл Дмитрий Песков заяви, че Москва и Пхенян развиват сътрудничеството си."
)
UKRAINIAN = (
    "Представники США неодноразово попереджали, що Північна Корея постачає артилерійські снаряди. "
    "Пєсков заявив у вівторок, що два лідери обговорять торговельно-економічні відносини."
)


@pytest.mark.parametrize("text, expected", [(RUSSIAN, "ru"), (BULGARIAN, "bg"), (UKRAINIAN, "uk")])
def test_cyrillic_languages_are_told_apart(text, expected):
    assert article_language(text) == expected


def test_detection_is_deterministic():
    text = "Непал блокира Фейсбук, Ютюб и X, съобщиха правозащитни групи в столицата."
    assert len({detect(text) for _ in range(5)}) == 1


def test_short_statement_takes_the_article_language():
    assert statement_language("Свят", "bg") == ("bg", "article")
    assert statement_language("Close", "bg") == ("bg", "article")


def test_cyrillic_statement_needs_distinctive_letters_to_leave_its_article_language():
    # langdetect calls this Bulgarian teaser headline Macedonian; it has no Macedonian-only letters
    headline = "A1 празнува 30 години с нови тарифни планове за повече свобода и забавление"
    assert detect(headline)[0] != "bg"
    assert statement_language(headline, "bg") == ("bg", "article")
    # a real Russian sentence quoted inside a Bulgarian article keeps its language
    russian_quote = "Мы обсуждаем это со всеми, включая Северную Корею, и это вполне объяснимо."
    assert statement_language(russian_quote, "bg") == ("ru", "detected")


def test_foreign_sentence_in_an_article_is_detected():
    english = "The United States has repeatedly warned that North Korea supplies artillery shells to Russia."
    assert statement_language(english, "ro") == ("en", "detected")


def test_samples_have_their_languages(ingested_samples):
    languages = {article.origin.rsplit("/", 1)[-1][:3]: article.language for article in ingested_samples.articles()}
    assert languages == {"000": "ro", "001": "uk", "002": "fr", "003": "bg", "004": "bg"}


def test_a_short_bulgarian_article_is_not_macedonian_without_macedonian_letters():
    assert detect("Правителството подаде оставка днес.")[0] == "mk"  # what langdetect alone says
    assert article_language("Правителството подаде оставка днес.") == "bg"
    assert article_language("Владата поднесе оставка денеска, рече премиерот Ќосе.") == "mk"  # ќ is Macedonian


def test_detection_can_be_limited_to_some_languages():
    assert detect("Peste 1.000.000 de proiectile de artilerie au ajuns.", among=("ro", "bg"))[0] == "ro"
