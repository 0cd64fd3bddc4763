"""Boilerplate signals on pages the workbench has never seen (the samples are covered by the gold test)."""

from __future__ import annotations

import numpy as np

from workbench import boilerplate
from workbench.config import Config
from workbench.ingest import Document
from workbench.pipeline import prepare_article

UNSEEN_FRENCH_PAGE = """Le Journal du Soir
International

La Corée du Nord aurait livré des obus d'artillerie à la Russie

Photo : Kim Jong-un en visite d'usine / AFP

Selon les services de renseignement sud-coréens, Pyongyang a livré des obus d'artillerie à Moscou depuis l'été.
Le Kremlin dément toute livraison d'armes et parle d'une campagne de désinformation.
Les analystes estiment que ces livraisons prolongent la guerre en Ukraine.

Suivez-nous sur Facebook et abonnez-vous à notre newsletter

À lire aussi

Un incendie ravage un entrepôt à Marseille
il y a 2 heures
Le PSG s'impose face à Lyon au Parc des Princes
il y a 3 heures
La météo du week-end s'annonce pluvieuse en Bretagne
il y a 5 heures

Laisser un commentaire
Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *
"""


def test_unseen_site_furniture_is_marked_and_the_article_is_not():
    article, statements = prepare_article(
        Document(text=UNSEEN_FRENCH_PAGE, origin="page", source="page", encoding="utf-8"), Config()
    )
    by_text = {s.text: s for s in statements}
    assert article.title == "La Corée du Nord aurait livré des obus d'artillerie à la Russie"
    assert by_text["Le Journal du Soir"].boilerplate_reason == "masthead"
    assert by_text["International"].boilerplate_reason == "masthead"
    assert by_text["Photo : Kim Jong-un en visite d'usine / AFP"].boilerplate_reason == "credit"
    assert by_text["Suivez-nous sur Facebook et abonnez-vous à notre newsletter"].boilerplate_reason == "call_to_action"
    for teaser in ("Un incendie ravage un entrepôt à Marseille", "Le PSG s'impose face à Lyon au Parc des Princes"):
        assert by_text[teaser].boilerplate, teaser
    assert by_text["il y a 2 heures"].boilerplate_reason == "teaser_list"
    assert by_text["Laisser un commentaire"].boilerplate
    content = [s for s in statements if not s.boilerplate and not s.is_title]
    assert [s.text[:20] for s in content] == ["Selon les services d", "Le Kremlin dément to", "Les analystes estime"]


def test_a_second_headline_above_the_headline_is_content_not_a_masthead():
    # NTREX's story about a cancer vaccine: a headline, a second headline, a standfirst; the one
    # that shares most words with the body is taken for the headline, the others tell it too.
    text = ("Нова ваксина срещу рак може да обучи имунната система да „вижда“ чуждите клетки\n"
            "Ваксината обучава имунната система да разпознава чуждите клетки като част от лечението\n"
            "Учените казват, че новата ваксина срещу рак обучава имунната система да разпознава чуждите клетки.\n"
            "Лечението е изпитано при жена с рак на яйчниците, чиито тумори са намалели.")
    article, statements = prepare_article(Document(text=text, origin="page", source="page", encoding="utf-8"),
                                          Config())
    assert not any(s.boilerplate for s in statements), [(s.text[:30], s.boilerplate_reason) for s in statements]
    page = "Новини България\n" + text  # a site name above them still is one
    _, statements = prepare_article(Document(text=page, origin="page", source="page", encoding="utf-8"), Config())
    assert [s.text for s in statements if s.boilerplate] == ["Новини България"]


def test_share_prompt_in_the_middle_does_not_swallow_the_rest_of_the_article():
    text = (
        "Primul paragraf al articolului descrie întâlnirea dintre cei doi lideri la Vladivostok.\n\n"
        "Urmăriți-ne pe Telegram pentru ultimele știri\n\n"
        "Al doilea paragraf explică ce arme ar putea livra Phenianul către Moscova în următoarele luni.\n\n"
        "Al treilea paragraf citează experți occidentali care avertizează asupra riscurilor.\n"
    )
    _, statements = prepare_article(Document(text=text, origin="t", source="t", encoding="utf-8"), Config())
    assert [s.boilerplate_reason for s in statements] == ["", "call_to_action", "", ""]


def test_templated_form_messages_are_found_by_shape():
    text = (
        "Articolul principal are o propoziție destul de lungă despre negocierile privind armamentul.\n\n"
        "Câmpul Nume nu poate fi gol.\nCâmpul Adresă nu poate fi gol.\nCâmpul Oraș nu poate fi gol.\n"
    )
    _, statements = prepare_article(Document(text=text, origin="t", source="t", encoding="utf-8"), Config())
    assert [s.boilerplate_reason for s in statements] == ["", "form", "form", "form"]


def test_short_lines_repeated_across_articles_are_marked_but_long_syndicated_sentences_are_not():
    rows = [
        ("s1", "a1", "Citește și"),
        ("s2", "a2", "Citește și"),
        ("s3", "a1", "Reuters a relatat că Phenianul a livrat peste un milion de obuze Rusiei în ultimele luni de război."),
        ("s4", "a2", "Reuters a relatat că Phenianul a livrat peste un milion de obuze Rusiei în ultimele luni de război."),
        ("s5", "a1", "Citește și"),  # repeated within one article only counts once
        ("s6", "a3", "Doar aici"),
    ]
    assert boilerplate.repeated_across_articles(rows) == {"s1", "s2", "s5"}


def test_off_topic_rows_are_the_outliers_of_their_own_article():
    rng = np.random.default_rng(0)
    topic = rng.normal(size=32)
    rows = [topic + rng.normal(scale=0.3, size=32) for _ in range(12)]
    rows.append(-topic + rng.normal(scale=0.3, size=32))  # an unrelated teaser
    vectors = np.array(rows, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    article = np.zeros(len(vectors), dtype=int)
    flags = boilerplate.off_topic(vectors, article, np.ones(len(vectors), dtype=bool))
    assert flags.tolist() == [False] * 12 + [True]
    # too few statements to judge: nothing is marked
    assert not boilerplate.off_topic(vectors[:4], article[:4], np.ones(4, dtype=bool)).any()


def test_a_first_line_set_off_by_a_blank_line_is_the_headline_even_without_shared_words():
    """'Guvernul a aprobat bugetul…' shares few stems with its body, so it once went untitled."""
    page = ("Guvernul a aprobat bugetul pentru anul viitor\n\nMinistrul finanțelor a declarat luni că deficitul va "
            "scădea la 4,5% din PIB. Opoziția a criticat proiectul în Parlament.\n")
    article, statements = prepare_article(Document(text=page, origin="p", source="p", encoding="utf-8"), Config())
    assert article.title == "Guvernul a aprobat bugetul pentru anul viitor"
    assert statements[0].is_title and not statements[0].boilerplate
    joined = "Guvernul a aprobat bugetul pentru anul viitor\nMinistrul finanțelor a declarat luni că deficitul va scădea."
    untitled, _ = prepare_article(Document(text=joined, origin="q", source="q", encoding="utf-8"), Config())
    assert untitled.title == ""  # no blank line: it may be a wrapped first sentence or a kicker, not set off


UNSEEN_ENGLISH_PAGE = """Harbour bridge reopens after two years of repairs

The harbour bridge reopened to traffic on Monday after repairs that cost 120 million pounds. Engineers replaced all of the cables and half of the deck.

(Photo by Jane Doe/Getty Images)

The transport minister said the bridge would carry 40,000 vehicles a day.

Share this story on Facebook and follow us on Twitter

Officials expect the toll to be lifted next spring, according to the city council.

Peter Grant is a transport correspondent for the paper. He has covered the city since 2012.

More stories
Five new restaurants to try this month
Council announces summer festival line-up
Heavy rain expected across the region tomorrow
"""


def test_an_unseen_english_site_credit_bio_and_teaser_list_are_marked_and_the_last_sentence_is_kept():
    article, statements = prepare_article(
        Document(text=UNSEEN_ENGLISH_PAGE, origin="page", source="page", encoding="utf-8"), Config())
    reason = {s.text: s.boilerplate_reason for s in statements}
    assert reason["(Photo by Jane Doe/Getty Images)"] == "credit"
    assert reason["Peter Grant is a transport correspondent for the paper."] == "author_bio"
    for teaser in ("Five new restaurants to try this month", "Council announces summer festival line-up",
                   "Heavy rain expected across the region tomorrow"):
        assert reason[teaser] == "teaser_list", teaser
    # after the share prompt, before any other furniture: still the article
    assert reason["Officials expect the toll to be lifted next spring, according to the city council."] == ""
    assert not boilerplate.is_author_bio("Dmitry Peskov is the Kremlin spokesman.")


def test_a_bare_news_agency_name_after_a_quote_is_a_credit_not_a_claim():
    line = ("Пєсков заявив у вівторок, що два лідери обговорять торговельно-економічні відносини, повідомляє "
            "Reuters. Російське державне інформаційне агентство ТАСС.\n")
    _, statements = prepare_article(Document(text="Заголовок статті про візит\n\n" + line, origin="p", source="p",
                                             encoding="utf-8"), Config())
    reason = {s.text: s.boilerplate_reason for s in statements}
    assert reason["Російське державне інформаційне агентство ТАСС."] == "credit"
    assert reason[next(t for t in reason if t.startswith("Пєсков заявив"))] == ""
    assert not boilerplate.is_credit("Агентство ТАСС повідомило, що Пхеньян відправив до Росії нові снаряди.")


def test_short_lines_of_a_report_reprinted_by_several_outlets_stay_content():
    # one wire report in three French outlets: its short lines are the report, not furniture
    report = ["Un séisme a frappé l'île de Sulawesi vendredi soir.", "Au moins 1920 personnes sont mortes.",
              "Les secours fouillent les décombres.", "L'aéroport de Palu est fermé.", "Abonnez-vous"]
    rows = [(f"{article}-{i}", article, text) for article in ("a1", "a2", "a3") for i, text in enumerate(report)]
    rows += [("b-0", "b", "Abonnez-vous"), ("b-1", "b", "Le ministre a démissionné hier soir.")]
    # "Abonnez-vous" is also in an article that is no copy of them: furniture, in all four
    assert boilerplate.repeated_across_articles(rows) == {"a1-4", "a2-4", "a3-4", "b-0"}
