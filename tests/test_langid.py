"""Language detection: seeded langdetect with the short-text and Cyrillic corrections."""

from __future__ import annotations

import json

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


# -- corpus-level labels: no invented languages ------------------------------------------------

FRENCH_SENTENCES = ["Je t'interdis de fumer.", "Il pleut depuis ce matin sur la ville.", "Nous partirons demain.",
                    "Le train est arrivé avec une heure de retard.", "Elle a vendu sa voiture la semaine dernière.",
                    "Les enfants jouent dans le jardin.", "Ce livre est très intéressant.", "Il fait froid ce soir.",
                    "Le musée ouvre ses portes à dix heures.", "Mon frère travaille à l'hôpital."]


def test_workspace_languages_come_from_long_articles_and_languages_many_short_ones_share() -> None:
    from workbench.langid import workspace_languages

    long_bg = ("Северна Корея е изпратила близо пет милиона артилерийски снаряда на Русия, сочи доклад на "
               "Блумбърг, позоваващ се на южнокорейското министерство на отбраната. ") * 3
    rows = [(long_bg, "bg", "detected")] + [(text, "fr", "detected") for text in FRENCH_SENTENCES]
    rows += [("Nous partirons demain.", "pt", "detected")]
    assert workspace_languages(rows) == ("bg", "fr")
    assert workspace_languages(rows, expected=["uk", "fr"]) == ("fr", "uk")


def test_a_one_sentence_french_article_labelled_portuguese_is_read_as_french() -> None:
    from workbench.langid import relabel

    articles = [("a1", "Je t'interdis de fumer.", "pt", "detected"), ("a2", "Il fait froid ce soir.", "fr", "detected"),
                ("a3", "Это длинный русский текст.", "ru", "detected")]
    statements = [("s1", "a1", "Je t'interdis de fumer.", "pt", "article"),
                  ("s2", "a2", "Il fait froid ce soir.", "fr", "article"),
                  ("s3", "a3", "Это длинный русский текст.", "ru", "article")]
    result = relabel(articles, statements, ["fr", "bg"])
    assert result.articles["a1"] == ("pt", "fr") and result.statements["s1"] == ("pt", "fr")
    assert "a2" not in result.articles and "s2" not in result.statements
    # A short Cyrillic text is read among the workspace's Cyrillic languages only (here bg), never as French.
    assert result.articles.get("a3", ("ru", "bg"))[1] == "bg"
    only_latin = relabel(articles, statements, ["fr", "ro"])
    assert "a3" not in only_latin.articles  # no workspace language is written in its script: the label stands


def test_a_statement_leaves_its_articles_language_only_for_a_workspace_language_or_another_script() -> None:
    from workbench.langid import relabel

    articles = [("a1", "x" * 300, "fr", "detected")]
    statements = [("s1", "a1", "Ceci est une phrase que langdetect a prise pour du catalan.", "ca", "detected"),
                  ("s2", "a1", "Це речення українською мовою всередині французької статті.", "uk", "detected"),
                  ("s3", "a1", "Această propoziție este în limba română.", "ro", "detected")]
    result = relabel(articles, statements, ["fr", "ro"])
    assert result.statements == {"s1": ("ca", "fr")}


def test_analysis_corrects_phantom_languages_and_says_labels_were_uncertain(make_workbench, tmp_path) -> None:
    corpus = tmp_path / "sentences.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"s{i}", "text": text}, ensure_ascii=False) + "\n"
                              for i, text in enumerate(FRENCH_SENTENCES * 2 + ["Je t'interdis de fumer, Paul."])),
                      encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([corpus])
    detected = {a.language for a in workbench.articles()}
    manifest = workbench.analyze()
    assert {a.language for a in workbench.articles()} == {"fr"}
    assert {s.language for s in workbench.statements()} == {"fr"}
    if detected != {"fr"}:  # langdetect invented at least one language: the summary says so
        assert any("uncertain" in note for note in manifest["notes"])
        assert manifest["languages"]["articles_relabelled"]
