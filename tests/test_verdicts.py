"""Verdicts: figures compared as reported, bounds, vagueness, denials, and the samples' shells conflict."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.model import Claims, Hedge, Statement
from workbench.quantities import extract_quantities
from workbench.verdicts import relate, summarise, view_of

from conftest import sample_statement


def view(text: str, language: str, article: str, hedges: list[Hedge] | None = None):
    statement = Statement(statement_id=f"s-{article}", article_id=article, position=0, start=0, end=len(text),
                          text=text, language=language)
    return view_of(statement, Claims(quantities=extract_quantities(text, language), hedges=hedges or []))


@pytest.mark.parametrize("a, b, relation, phrase", [
    (("Au fost livrate peste un milion de obuze.", "ro"), ("Бяха доставени близо пет милиона снаряда.", "bg"),
     "conflicts", "bound is technically met"),
    (("Au fost livrate 1.000.000 de obuze.", "ro"), ("Бяха доставени пет милиона снаряда.", "bg"),
     "conflicts", "intervals do not overlap"),
    (("Au fost livrate aproape 5 milioane de obuze.", "ro"), ("Було поставлено 4,8 мільйона снарядів.", "uk"),
     "corroborates", "agree within 10%"),
    (("Au fost livrate mii de obuze.", "ro"), ("Бяха доставени пет милиона снаряда.", "bg"),
     "underspecified", "order of magnitude"),
    (("Au fost livrate obuze.", "ro"), ("Бяха доставени пет милиона снаряда.", "bg"),
     "underspecified", "gives no figure"),
    (("Războiul durează de aproape 19 luni.", "ro"), ("Бяха доставени пет милиона снаряда.", "bg"),
     "unrelated", "count different things"),
    (("Au fost livrate între 1 și 5 milioane de obuze.", "ro"), ("Бяха доставени три милиона снаряда.", "bg"),
     "underspecified", "falls within it"),
    (("Au fost livrate între 1 și 5 milioane de obuze.", "ro"), ("Бяха доставени осем милиона снаряда.", "bg"),
     "conflicts", "lies outside the range"),
    (("Було поставлено від 3 до 5 мільйонів снарядів.", "uk"), ("Il y a eu de 3 à 5 millions d'obus livrés.", "fr"),
     "corroborates", "agree within 10%"),
], ids=["bound-vs-figure", "disjoint", "within-tolerance", "vague", "figure-vs-none", "different-units",
        "figure-inside-range", "figure-outside-range", "same-range"])
def test_pair_relations(a, b, relation, phrase):
    result = relate("g", view(*a, "a1"), view(*b, "a2"), tolerance=0.10)
    assert result.relation == relation
    assert phrase in result.explanation


def test_a_count_whose_noun_one_version_leaves_out_is_compared_with_the_one_the_other_names():
    # NTREX: the French version counts the crowd twice but names it once ("plus de 1000 debout");
    # with one count of people against two, only 10,000 against 10,000 was compared.
    french = view("« Au lieu d'avoir 10 000 personnes qui tentent d'entrer, il n'y en a à peine plus de 1000 "
                  "debout devant moi », critiqua-t-il.", "fr", "a1")
    bulgarian = view("„Вместо да имаме 10 000 души навън, бихме имали около 200 души точно ето там“ – заяви Тръмп.",
                     "bg", "a2")
    result = relate("g", french, bulgarian, tolerance=0.10)
    assert result.relation == "conflicts"
    assert "1,000 and 200 person" in result.explanation and "names no counted thing" in result.explanation
    agreeing = view("„Вместо да имаме 10 000 души навън, бихме имали около 1000 души точно ето там“.", "bg", "a3")
    assert relate("g", french, agreeing, tolerance=0.10).relation == "corroborates"
    # a figure counted with its noun in one version and bare in the other: "перевищує 800"
    romanian = view("Numărul victimelor trece de 4000 de persoane.", "ro", "a4")
    ukrainian = view("Кількість жертв перевищує 800.", "uk", "a5")
    assert relate("g", romanian, ukrainian, tolerance=0.10).relation == "conflicts"


def test_a_bare_number_is_read_in_the_unit_the_other_version_gives_it():
    # NTREX: "Tyler's brother, who was then 11" against the Bulgarian age altered to 55 years.
    bare = view("У 2014 році брат Тайлера, якому тоді було 11, знайшов тіло свого брата.", "uk", "a1")
    planted = view("През 2014 година братът на Тайлър, който тогава е бил на 55 години, намира брат си.", "bg", "a2")
    conflict = relate("g", bare, planted, tolerance=0.10)
    assert conflict.relation == "conflicts", conflict.explanation
    assert "«11» names no unit; it is read as a figure in year (duration)" in conflict.explanation
    same = view("En 2014, le frère de Tyler, alors âgé de 11 ans, a trouvé le corps de son frère.", "fr", "a3")
    assert relate("g", bare, same, tolerance=0.10).relation == "corroborates"
    # a count with a noun the lexicon does not know is no bare number: it stands for no age
    counted = view("У 2014 році брат Тайлера знайшов 11 листів свого брата.", "uk", "a4")
    assert relate("g", counted, planted, tolerance=0.10).relation == "unrelated"
    # two units the bare number could stand for: it is read as neither
    two = view("Братът на Тайлър, на 55 години, пътувал 3 часа до дома на брат си.", "bg", "a5")
    assert relate("g", bare, two, tolerance=0.10).relation == "unrelated"


def with_planted_and_original(version, template: str, language: str, *, planted: int, original: int):
    """``version`` related to the other version, ``template``, given the planted figure and the original one."""
    return tuple(relate("g", version, view(template.format(figure), language, article), tolerance=0.10)
                 for figure, article in ((planted, "a2"), (original, "a3")))


def test_an_unnamed_count_that_alone_differs_is_read_as_what_the_other_version_counts_in_its_place():
    # NTREX: the lexicon names the Romanian "meciuri" (matches) and not the Ukrainian "перемог"
    # (wins); with 18 and 90 never compared, the versions read as agreeing on 20 losses.
    ukrainian = view("На рахунку Мікельсона 18 перемог, 20 поразок і 7 нічийних результатів, однак Фурик сказав, "
                     "що його присутність може відіграти вирішальну роль для команди.", "uk", "a1")
    romanian = ("Mickelson are {} meciuri câștigate, 20 pierdute și șapte jumătăți, deși Furyk a declarat că "
                "prezența lui a adus niște avantaje intangibile echipei.")
    planted, agreeing = with_planted_and_original(ukrainian, romanian, "ro", planted=90, original=18)
    assert planted.relation == "conflicts", planted.explanation
    assert "«18 перемог» names no counted thing; it is the one figure of the two statements that differs" in planted.explanation
    assert agreeing.relation == "corroborates", agreeing.explanation
    # NTREX: "près de 3500 victimes" against "близо 700 души" (people), the magnitude 6.8 the same
    french = view("2006 : Un séisme d’une magnitude de 6,8 a atteint le sud de Java, déclenchant un tsunami qui a "
                  "fait près de 3500 victimes.", "fr", "a3")
    bulgarian = view("2006: Трус с магнитуд 6,8 покоси Ява, като активира цунами, погубвайки близо 700 души.", "bg", "a4")
    assert relate("g", french, bulgarian, tolerance=0.10).relation == "conflicts"
    # more than one count differs: nothing shows which stands for which, so nothing is read
    two_differ = view("2006: Трус с магнитуд 7,2 покоси Ява, като активира цунами, погубвайки близо 700 души.", "bg", "a5")
    assert "it is the one figure" not in relate("g", french, two_differ, tolerance=0.10).explanation
    # as many counts are needed: a version with one more count may add the figure the other leaves out
    more = view("2006: Трус с магнитуд 6,8 покоси Ява, погубвайки близо 700 души в 12 села.", "bg", "a6")
    assert "it is the one figure" not in relate("g", french, more, tolerance=0.10).explanation


def test_an_unnamed_count_that_alone_differs_is_read_as_the_number_of_the_name_in_its_place():
    # NTREX: "... 13 lupte, inclusiv șase ... pe Channel 5" against "... 13 боїв, у тому числі шість
    # ... на 25 каналі" (on channel 25): the Ukrainian gives two unnamed counts, so no lone number
    # was read as the channel's, and the versions read as agreeing on 13 fights.
    romanian = view("Programul evenimentului din San Jose conținea 13 lupte, inclusiv șase pe panoul principal, și "
                    "trebuia să fie transmis live toată noaptea în Marea Britanie pe Channel 5.", "ro", "a1")
    ukrainian = ("В афішах турніру, який проходив у Сан-Хосе, було вказано 13 боїв, у тому числі шість поєдинків "
                 "основної програми, які транслювалися наживо в нічний час у Великобританії на {} каналі.")
    planted, agreeing = with_planted_and_original(romanian, ukrainian, "uk", planted=25, original=5)
    assert planted.relation == "conflicts", planted.explanation
    assert "it is read as the number in «Channel 5»" in planted.explanation
    assert agreeing.relation == "corroborates"
    # two versions leaving all their counts unnamed: the one that differs is compared with the one
    # that differs (ranked by size, 13 and 25 against 5 and 13 had compared 13 with 5)
    between = relate("g", view(ukrainian.format(25), "uk", "a2"), view(ukrainian.format(5), "uk", "a3"), tolerance=0.10)
    assert between.relation == "conflicts"
    assert "«25 каналі» (uk) reads 25" in between.explanation and "«5 каналі» (uk) reads 5" in between.explanation


def test_unnamed_counts_not_as_many_are_compared_each_with_its_closest():
    # NTREX: the Bulgarian version reads "18-те му мача" as an ordinal, so it gives three unnamed
    # counts (4, 1, eight points) where the French gives four (4, 1, 18 matches, eight points):
    # ranks by size could not be compared, and a score changed from 4-1 to 20-1 went unseen.
    french = ("L'équipe espérait sa première victoire depuis son triomphant {score} en février, mais Gerrard a subi "
              "sa seconde défaite en 18 matches, à huit points des Hearts.")
    bulgarian = view("Отборът искаше първата си победа от триумфа през февруари с 4–1, но Джерард претърпя второ "
                     "поражение в 18-те му мача, на осем точки от Хартс.", "bg", "a2")
    assert relate("g", view(french.format(score="20-1"), "fr", "a1"), bulgarian, tolerance=0.10).relation == "conflicts"
    agreeing = relate("g", view(french.format(score="4-1"), "fr", "a3"), bulgarian, tolerance=0.10)
    assert agreeing.relation == "corroborates", agreeing.explanation


def test_one_unnamed_count_against_several_is_compared_with_its_closest():
    # NTREX: the Bulgarian names the money ("10 милиарда долара"), the Ukrainian does not ("10 мільярдів
    # уже"), so one unnamed count met two; keyed apart (one count against ranks by size), 390 and a
    # 1950 altered from it were never compared, and the group called the versions related.
    bulgarian = view("В началото на 2018 г. групата цитира 390 ангажимента и съобщения, произтичащи от нейните "
                     "действия, като от тях вече са изплатени или събрани поне 10 милиарда долара.", "bg", "a1")
    ukrainian = ("На початку 2018 року група навела як приклад результатів своєї діяльності {count} фінансових "
                 "зобов’язань і публічних заяв, причому щонайменше 10 мільярдів уже було зібрано й витрачено.")
    altered = relate("g", bulgarian, view(ukrainian.format(count="1950"), "uk", "a2"), tolerance=0.10)
    assert altered.relation == "conflicts", altered.explanation
    assert "390" in altered.explanation and "1,950" in altered.explanation
    agreeing = relate("g", bulgarian, view(ukrainian.format(count="390"), "uk", "a3"), tolerance=0.10)
    assert agreeing.relation == "corroborates", agreeing.explanation


def test_a_denial_conflicts_only_with_what_it_denies():
    """A denial shows that it denies the other side's claim only by repeating what that side
    counts; without it the pair is related, and the explanation asks the reader to check."""
    denial = view("La Corée du Nord et la Russie nient l'existence de tout accord armé.", "fr", "a1",
                  [Hedge("denial", "nient", 30, 35)])
    factory_tour = view("Kim a visité des usines d'armement la semaine dernière.", "fr", "a2")
    unproven = relate("g", denial, factory_tour, 0.1)
    assert unproven.relation == "related" and "denies something («nient»)" in unproven.explanation
    deliveries = view("Северна Корея е доставила на Русия един милион снаряда.", "bg", "a3")
    denied_figure = view("Пхенян отрича да е доставил на Русия един милион снаряда.", "bg", "a4",
                         [Hedge("denial", "отрича", 7, 13)])
    assert relate("g", denied_figure, deliveries, 0.1).relation == "conflicts"
    negation = view("Мацегора не е запознат с никакви приготовления.", "bg", "a5", [Hedge("negation", "не", 9, 11)])
    plain = relate("g", negation, factory_tour, 0.1)
    assert plain.relation == "related" and "negating («не»)" in plain.explanation  # a negation is not a denial


def test_no_shared_figure_is_related_never_corroborates():
    """The samples' green groups that shared no fact: the 2024 Putin visit and the 2023 Kim meeting."""
    visit = view("Руският президент Владимир Путин ще посети Северна Корея за двудневно посещение.", "bg", "a1")
    meeting = view("Лідери Північної Кореї та Росії Кім Чен Ин і Володимир Путін зустрілися в середу.", "uk", "a2")
    result = relate("g", visit, meeting, 0.1)
    assert result.relation == "related" and "neither statement gives a figure" in result.explanation
    verdict, _ = summarise([result])
    assert verdict == "related"


def test_a_denial_that_repeats_the_figure_still_conflicts():
    text = "Пхеньян отрицает, что передал России пять миллионов снарядов."
    denial = view(text, "ru", "a1", [Hedge("denial", "отрицает", 8, 16)])
    assertion = view("La Corée du Nord a livré cinq millions d'obus à la Russie.", "fr", "a2")
    result = relate("g", denial, assertion, 0.1)
    assert result.relation == "conflicts"
    assert "denies («отрицает»)" in result.explanation and "both give figures for shell" in result.explanation
    other_outlet = "КНДР отрицает, что отправила в Россию пять миллионов снарядов."
    both = relate("g", denial, view(other_outlet, "ru", "a3", [Hedge("denial", "отрицает", 5, 13)]), 0.1)
    assert both.relation == "corroborates"  # two denials of the same figure agree


def test_group_verdict_summarises_pairs():
    conflict = relate("g", view("peste un milion de obuze", "ro", "a1"), view("близо пет милиона снаряда", "bg", "a2"), 0.1)
    agreement = relate("g", view("Au fost livrate 5 milioane de obuze.", "ro", "a1"),
                       view("Було поставлено 5 мільйонів снарядів.", "uk", "a3"), 0.1)
    related = relate("g", view("Kim a vizitat fabrici.", "ro", "a1"), view("Кім відвідав заводи.", "uk", "a3"), 0.1)
    verdict, explanation = summarise([agreement, related, conflict])
    assert verdict == "conflicts" and explanation.startswith("conflicts (1 conflicting, 1 corroborating, 1 related pairs)")
    assert summarise([related, agreement])[0] == "corroborates"


def test_samples_shells_group_is_a_conflict_with_both_figures_and_sources(analysed_samples):
    french = sample_statement(analysed_samples, "002", "Plus tôt, il a été signalé que")
    bulgarian = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    group = next(g for g in analysed_samples.groups() if french.statement_id in g.statement_ids)
    assert bulgarian.statement_id in group.statement_ids
    assert (group.verdict, group.verdict_source) == ("conflicts", "computed")
    assert analysed_samples.groups()[0].group_id == group.group_id  # conflicts rank first
    pair = next(r for r in analysed_samples.store.relations(group.group_id)
                if {r.source_id, r.target_id} == {french.statement_id, bulgarian.statement_id})
    assert pair.relation == "conflicts"
    assert "1,000,000" in pair.explanation and "5,000,000" in pair.explanation
    assert "les renseignements de la République de Corée" in pair.explanation
    assert "доклад на Блумбърг" in pair.explanation and "южнокорейското министерство на отбраната" in pair.explanation
    assert "technically met" in pair.explanation
    spans = {side["statement_id"]: side["figures"][0] for side in (pair.details["a"], pair.details["b"])}
    assert french.text[spans[french.statement_id]["start"]:spans[french.statement_id]["end"]] == "plus d'un million de coquilles"
    assert bulgarian.text[spans[bulgarian.statement_id]["start"]:spans[bulgarian.statement_id]["end"]] == \
        "близо пет милиона артилерийски снаряда"


def test_evidence_table_carries_figures_sources_and_relations(analysed_samples, tmp_path):
    analysed_samples.export(tmp_path, formats=("csv", "jsonl", "xlsx"))
    rows = pd.read_csv(tmp_path / "groups.csv", keep_default_na=False)
    for column in ("quantity_value", "quantity_low", "quantity_high", "unit_key", "approximator", "attribution",
                   "hedge", "relation", "group_figures", "verdict_explanation", "all_quantities"):
        assert column in rows.columns
    shells = rows[rows["unit_key"] == "shell"]
    assert sorted(shells["quantity_value"].astype(float)) == [1_000_000.0, 5_000_000.0]
    assert set(shells["relation"]) == {"conflicts"} and set(shells["approximator"]) == {"more_than", "nearly"}
    assert (shells["quantity_low"].astype(str) != "").all()
    assert all(text in readings for text, readings in zip(shells["quantity_text"], shells["all_quantities"]))
    figures = shells["group_figures"].iloc[0]
    assert "1,000,000" in figures and "5,000,000" in figures and " vs " in figures
    # the French source doubts its million: the figures line says so beside who said it
    assert "(fr; les renseignements de la République de Corée, with doubt («il a été signalé», «peuvent être»))" \
        in figures
    workbook = pd.read_excel(tmp_path / "evidence.xlsx", sheet_name=None)
    assert set(workbook) == {"statements", "groups", "stories", "decisions"} and len(workbook["groups"]) == len(rows)


def test_page_furniture_figures_stay_out_of_verdicts(analysed_samples):
    timestamps = [s for s in analysed_samples.statements() if "Преди 24 минути" in s.text]
    assert timestamps and all(s.boilerplate for s in timestamps)
    claims = analysed_samples.store.claims([s.statement_id for s in timestamps])
    assert claims[timestamps[0].statement_id].quantities  # the parser reads "24 минути"...
    grouped = set(analysed_samples.store.group_members())
    assert not grouped & {s.statement_id for s in timestamps}  # ...but it is never compared


def test_workbook_cells_stay_text(make_workbench, tmp_path):
    workbench = make_workbench()
    hostile = "=HYPERLINK(\"http://evil.example\", \"click\") Северна Корея е изпратила снаряди на Русия миналата година."
    workbench.ingest_text(hostile, title="=1+1")
    workbench.analyze()
    workbench.export(tmp_path, formats=("xlsx",))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "evidence.xlsx")["statements"]
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert cells and all(cell.data_type == "s" for cell in cells)  # strings, not formulas


def test_workbook_holds_the_same_rows_as_the_csv(analysed_samples, tmp_path):
    analysed_samples.export(tmp_path, formats=("csv", "xlsx"))
    for table in ("statements", "groups"):
        from_csv = pd.read_csv(tmp_path / f"{table}.csv", keep_default_na=False)
        from_xlsx = pd.read_excel(tmp_path / "evidence.xlsx", sheet_name=table, keep_default_na=False)
        assert list(from_xlsx.columns) == list(from_csv.columns)
        assert len(from_xlsx) == len(from_csv) > 0
        # Excel keeps 5.0 as the number 5: compare the cells as text, with whole floats written as integers
        as_text = lambda frame: frame.astype(str).replace(r"^(-?\d+)\.0$", r"\1", regex=True)  # noqa: E731
        pd.testing.assert_frame_equal(as_text(from_xlsx), as_text(from_csv), check_dtype=False)


def test_group_figures_show_each_reading_once_and_count_the_rest_in_a_big_group():
    from workbench.export import FIGURES_SHOWN, group_figures
    from workbench.model import Attribution, Group

    texts = ["Au fost livrate 100 de obuze."] * 10  # the same reading from the same source: shown once
    texts += [f"Au fost livrate {n} de obuze." for n in range(100, 100 + 2 * (FIGURES_SHOWN + 5))]
    statements, claims = {}, {}
    for number, text in enumerate(texts):
        statement = Statement(statement_id=f"s{number}", article_id=f"a{number}", position=0, start=0,
                              end=len(text), text=text, language="ro")
        statements[statement.statement_id] = statement
        claims[statement.statement_id] = Claims(quantities=extract_quantities(text, "ro"),
                                                attributions=[Attribution(text="Reuters", start=0, end=7, cue="potrivit")])
    group = Group(group_id="g", statement_ids=tuple(statements), label_statement_id="s0", tier="suggested",
                  article_ids=tuple(s.article_id for s in statements.values()), languages=("ro",))
    figures = group_figures(group, statements, claims, {"shell"})
    distinct = 2 * (FIGURES_SHOWN + 5)
    assert figures.count(" vs ") == FIGURES_SHOWN - 1
    assert figures.endswith(f"(and {distinct - FIGURES_SHOWN} more distinct figures)")
    assert figures.count("100 shell") == 1


def test_a_groups_figures_show_one_length_in_each_versions_own_unit():
    from workbench.export import claim_fields, group_figures
    from workbench.model import Group

    texts = {"fr": "1,98 m pour 98 kg, le joueur grandit à Baton-Rouge.", "uk": "Форвард ростом 198 см виріс у Батон-Руж.",
             "bg": "Високият 6 фута и 6 инча играч е отраснал в Батън Руж."}
    statements, claims = {}, {}
    for language, text in texts.items():
        statements[language] = Statement(statement_id=language, article_id=f"a-{language}", position=0, start=0,
                                         end=len(text), text=text, language=language)
        claims[language] = Claims(quantities=extract_quantities(text, language))
    relation = relate("g", view_of(statements["fr"], claims["fr"]), view_of(statements["uk"], claims["uk"]), 0.10)
    compared = set(relation.details["shared_units"])
    assert compared == {"m"}
    group = Group(group_id="g", statement_ids=tuple(statements), label_statement_id="fr", tier="suggested",
                  article_ids=tuple(s.article_id for s in statements.values()), languages=tuple(texts))
    figures = group_figures(group, statements, claims, compared)
    assert "1.98 m (fr" in figures and "198 cm (uk" in figures and "6.5 foot (bg" in figures
    assert claim_fields(claims["fr"], compared)["quantity_text"] == "1,98 m"  # the length, not the weight


def test_a_statement_with_two_figures_is_compared_by_its_closest_one():
    update = view("Спочатку йшлося про 1 000 000 снарядів, а тепер уже про 5 000 000 снарядів.", "uk", "a1")
    assert [q.value for q in update.quantities] == [1_000_000, 5_000_000]
    agrees = relate("g", update, view("Бяха доставени пет милиона снаряда.", "bg", "a2"), 0.1)
    assert agrees.relation == "corroborates", agrees.explanation
    differs = relate("g", update, view("Au fost livrate 3 milioane de obuze.", "ro", "a3"), 0.1)
    assert differs.relation == "conflicts"


def test_a_figure_is_compared_with_a_figure_before_an_order_of_magnitude_of_its_unit():
    # NTREX: "a friend of many years ... her partner of 15 years", the Romanian 15 changed to 75;
    # "mai mulți ani" (several years) was closer to 15 than 75 is, and hid the conflict.
    planted = view("Prietena de mai mulți ani a lui Davies l-a pierdut pe Mark, partenerul de viață pe care îl "
                   "avea de 75 ani.", "ro", "a1")
    assert [q.approximator == "vague" for q in planted.quantities] == [True, False]
    french = view("Une amie de longue date de Mme Davis a perdu Mark, son partenaire depuis 15 ans.", "fr", "a2")
    conflict = relate("g", planted, french, 0.1)
    assert conflict.relation == "conflicts" and "«75 ani»" in conflict.explanation, conflict.explanation
    vague_only = view("Une amie de longue date de Mme Davis a perdu Mark, son partenaire depuis des années.", "fr", "a3")
    assert relate("g", planted, vague_only, 0.1).relation == "underspecified"


def test_versions_giving_as_many_figures_for_one_unit_compare_each_with_its_counterpart():
    # NTREX: three ages, one multiplied by 5 in the Bulgarian version; 34 = 34 must not hide 165 against 33
    ukrainian = view("Троє чоловіків у віці 33, 34 і 39 років були заарештовані.", "uk", "a1")
    planted = view("Трима мъже на възраст съответно 165, 34 и 39 г. са били арестувани.", "bg", "a2")
    same = view("Trois hommes âgés de 33, 34 et 39 ans ont été arrêtés.", "fr", "a3")
    conflict = relate("g", ukrainian, planted, tolerance=0.10)
    assert conflict.relation == "conflicts", conflict.explanation
    assert "«33»" in conflict.explanation and "«165»" in conflict.explanation
    assert relate("g", ukrainian, same, tolerance=0.10).relation == "corroborates"
    reordered = view("Arrêtés : trois hommes de 39, 33 et 34 ans.", "fr", "a4")
    assert relate("g", ukrainian, reordered, tolerance=0.10).relation == "corroborates"


def test_a_line_told_in_two_sentences_is_compared_as_one_version():
    # NTREX: "... 75 % ... 15 % ..." in one Bulgarian line; in French two sentences, the second
    # one's 15 changed to 75. Sentence by sentence, each French 75 met the Bulgarian 75.
    from workbench.model import Group
    from workbench.verdicts import judge_groups

    texts = [("fr1", "fr", "A", 0, "Selon le sondage, 75 % des adultes ne parlent aucune autre langue."),
             ("fr2", "fr", "A", 1, "Le français était la seule langue parlée par 75 % d'entre eux."),
             ("bg1", "bg", "B", 0, "Според проучването 75% не говорят друг език, а френският е единственият с 15%.")]
    statements = {sid: Statement(statement_id=sid, article_id=article, position=position, start=0, end=len(text),
                                 text=text, language=language) for sid, language, article, position, text in texts}
    claims = {sid: Claims(quantities=extract_quantities(s.text, s.language)) for sid, s in statements.items()}
    group = Group(group_id="g", statement_ids=("bg1", "fr1", "fr2"), label_statement_id="bg1", tier="confirmed",
                  article_ids=("A", "B"), languages=("bg", "fr"))
    [judged], relations = judge_groups([group], statements, claims, [], tolerance=0.10)
    assert judged.verdict == "conflicts", judged.explanation
    # one relation per pair of versions, never fr1-fr2, naming the sentence that gives the figure
    assert [(r.source_id, r.target_id) for r in relations] == [("bg1", "fr2")]
    alone = Group(group_id="h", statement_ids=("bg1", "fr1"), label_statement_id="bg1", tier="confirmed",
                  article_ids=("A", "B"), languages=("bg", "fr"))
    assert judge_groups([alone], statements, claims, [], tolerance=0.10)[0][0].verdict == "corroborates"


def test_a_single_count_of_something_unnamed_is_compared_as_the_same_thing():
    # "tournois" and "турнира" are not in the unit lexicon: each statement's one such count is the same thing
    french = view("Les Rangers ont perdu pour la deuxième fois en 18 tournois.", "fr", "a1")
    planted = view("Рейнджърс загуби за втори път в 90 турнира.", "bg", "a2")
    same = view("Рейнджърс загуби за втори път в 18 турнира.", "bg", "a3")
    assert relate("g", french, planted, tolerance=0.10).relation == "conflicts"
    agreeing = relate("g", french, same, tolerance=0.10)
    assert agreeing.relation == "corroborates" and "only count" in agreeing.explanation
    several = view("Scorul a fost 38 la 17 după 5 runde.", "ro", "a4")  # three unnamed counts: none is 'the' one
    assert len(several.quantities) == 3 and not any(q.unit_key == "unnamed count" for q in several.quantities)


def test_several_unnamed_counts_are_compared_by_size_only_with_a_version_giving_as_many():
    # NTREX: "Ayr 38-17 Melrose" with the 38 multiplied by 5 in one version
    french = view("Ayr 38 - 17 Melrose : Ayr reste invaincu", "fr", "a1")
    planted = view("«Ейр» 190 - 17 «Мелроуз»: непереможені «Ейр» піднімаються вгору", "uk", "a2")
    same = view("Еър 38-17 Мелроуз: Непобедимите Еър поведоха в класирането", "bg", "a3")
    conflict = relate("g", french, planted, tolerance=0.10)
    assert conflict.relation == "conflicts", conflict.explanation
    # the one figure that differs is compared with the one it replaced
    assert "«38» (fr) reads 38" in conflict.explanation and "«190» (uk) reads 190" in conflict.explanation
    assert "all the same but one on each side" in conflict.explanation
    both = view("«Ейр» 190 - 85 «Мелроуз»: непереможені «Ейр» піднімаються вгору", "uk", "a6")  # both changed
    ranked = relate("g", french, both, tolerance=0.10)
    assert ranked.relation == "conflicts" and "2 counts of things the unit lexicon does not name" in ranked.explanation
    assert relate("g", french, same, tolerance=0.10).relation == "corroborates"
    reordered = view("Melrose 17, Ayr 38: Ayr reste invaincu", "fr", "a4")  # another order of words, same figures
    assert relate("g", same, reordered, tolerance=0.10).relation == "corroborates"
    fewer = view("Еър победи Мелроуз с 38 точки", "bg", "a5")  # one count against two: nothing to line up
    assert relate("g", french, fewer, tolerance=0.10).relation != "conflicts"


def test_a_small_count_in_words_of_the_parties_is_not_a_figure_to_compare():
    # Samples 000 and 001: "cei doi lideri" / "два лідери" (the two leaders) made their groups
    # underspecified against statements giving no figure: a count of the parties a statement is
    # about is not a figure a fact-checker compares.
    no_figure = view("Le secrétaire d'État Anthony Blinken a convenu de renforcer la coopération.", "fr", "a2")
    for text, language, span in [
        ("O întrevedere între cei doi lideri ar sugera o consolidare a relațiilor militare.", "ro", "doi lideri"),
        ("Пєсков заявив, що два лідери обговорять торговельно-економічні відносини.", "uk", "два лідери"),
    ]:
        leaders = view(text, language, "a1")
        assert any(q.kind == "count" and q.value == 2 for q in extract_quantities(text, language))  # still read...
        result = relate("g", leaders, no_figure, tolerance=0.10)
        assert result.relation == "related", result.explanation  # ...but not compared
        assert f"gives a figure to compare («{span}»: small counts in words" in result.explanation
    # a count of an unnamed thing written in digits, or of ten or more, is still compared
    played = relate("g", view("Echipa a jucat 18 turnee în acest sezon.", "ro", "a1"),
                    view("L'équipe a disputé 90 tournois cette saison.", "fr", "a2"), tolerance=0.10)
    assert played.relation == "conflicts"
    worded = relate("g", view("Au fost ucise douăzeci de oi.", "ro", "a1"), no_figure, tolerance=0.10)
    assert worded.relation == "underspecified"


def test_dates_read_in_words_and_an_explanation_says_they_are_not_compared():
    from workbench.verdicts import describe_quantity

    readings = {q.text: describe_quantity(q) for text, language in [
        ("Миналия месец руският министър пътува до Северна Корея, а през септември 2019 г. Ким посети Русия.", "bg"),
        ("Сторони зустрілися минулого тижня, 17 вересня 2023 року, о 20:00, вдруге за 11-й раз.", "uk"),
    ] for q in extract_quantities(text, language)}
    assert readings["Миналия месец"] == "last month"
    assert readings["минулого тижня"] == "last week"
    assert not any("rel:" in reading or "number of" in reading or "--" in reading for reading in readings.values()), readings
    dated = view("Сътрудничеството рязко се увеличи, след като Ким посети Русия през септември 2019 г.", "bg", "a1")
    plain = view("Le secrétaire d'État Anthony Blinken a convenu de renforcer la coopération.", "fr", "a2")
    result = relate("g", dated, plain, tolerance=0.10)
    assert result.relation == "related"
    assert "neither statement gives a figure to compare («септември 2019 г.»: dates are not compared)" in result.explanation
    undated = relate("g", view("Ким посети Русия.", "bg", "a1"), plain, tolerance=0.10)
    assert "neither statement gives a figure to compare, so" in undated.explanation  # nothing set aside: nothing said


def test_a_pronoun_is_not_shown_as_a_source_and_doubt_qualifies_the_source():
    from workbench.attribution import extract_attributions, extract_hedges, sources_in_words

    text = "Il a déclaré que la Corée du Nord aurait livré un million d'obus."
    attributions = extract_attributions(text, "fr")
    assert [a.text for a in attributions] == ["Il"]  # the extractor finds the pronoun...
    said = sources_in_words(attributions, extract_hedges(text, "fr"), "fr")
    assert said.startswith("an unnamed speaker («Il»)")  # ...and no reader is told that "Il" said it
    named = sources_in_words(extract_attributions("Selon Blinken, la Russie peut compter sur Pyongyang.", "fr"),
                             extract_hedges("Selon Blinken, la Russie peut compter sur Pyongyang.", "fr"), "fr")
    assert named == "Blinken, with doubt («peut»)"


def test_a_source_named_as_not_saying_it_is_not_shown_as_saying_it():
    # Sample 004: "... а нито Путин, нито Ким са заявили публично, че имат такова споразумение"
    # (neither Putin nor Kim has said so publicly): the card said "Said by: нито Путин, нито Ким".
    from workbench.attribution import extract_attributions, extract_hedges, sources_in_words

    for text, language, negated in [
        ("Търговията с оръжие между двете страни би била нарушение на санкциите на ООН, а нито Путин, нито Ким са "
         "заявили публично, че имат такова споразумение.", "bg", "нито Путин, нито Ким"),
        ("Neither Putin nor Kim has said publicly that they have such a deal.", "en", "Neither Putin nor Kim"),
    ]:
        attributions = extract_attributions(text, language)
        assert [a.text for a in attributions] == [negated]  # the extractor keeps the phrase as the verb's subject
        said = sources_in_words(attributions, extract_hedges(text, language), language)
        assert said.startswith(f"none named; it says {negated} did not say so"), said
    # a source beside it is still named first
    text = "Според Ройтерс, нито Путин, нито Ким са заявили публично, че имат такова споразумение."
    said = sources_in_words(extract_attributions(text, "bg"), [], "bg")
    assert said == "Ройтерс; it says нито Путин, нито Ким did not say so", said


def test_a_source_cited_inside_another_is_listed_once(analysed_samples):
    # Sample 004: "Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на
    # отбраната, сочи ..." gives the report (with the ministry it cites) and the ministry alone.
    from workbench.attribution import sources_in_words

    statement = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    claims = analysed_samples.store.claims([statement.statement_id])[statement.statement_id]
    assert len(claims.attributions) == 2  # both are found...
    said = sources_in_words(claims.attributions, claims.hedges, "bg")
    assert said.count("министерство на отбраната") == 1, said  # ...and the ministry is named once
    assert said.startswith("Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на отбраната")


def test_a_conflict_names_the_statement_that_gives_the_figure_with_its_own_source():
    # The samples after a French article was added: the shells group also held the Bulgarian
    # article's "thousands of containers" sentence, and the conflict card showed that sentence
    # and its US and South Korean officials against the French million, quoting Bloomberg's
    # five million as theirs.
    from workbench.attribution import extract_attributions, extract_hedges
    from workbench.model import Group
    from workbench.verdicts import judge_groups, key_relation

    texts = [
        ("bg1", "bg", "B", 0, "Представители на САЩ и Южна Корея обвиняват Ким, че е предоставил на Русия хиляди "
                              "контейнери, пълни с артилерия, ракети и друго военно оборудване."),
        ("bg2", "bg", "B", 1, "Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на "
                              "отбраната, сочи, че Северна Корея е изпратила близо пет милиона артилерийски снаряда "
                              "на Русия."),
        ("fr1", "fr", "A", 0, "Selon les renseignements de la République de Corée, la livraison de plus d'un million "
                              "de coquilles de la RPDC à la Russie peut être un élément de propagande."),
    ]
    statements = {sid: Statement(statement_id=sid, article_id=article, position=position, start=0, end=len(text),
                                 text=text, language=language) for sid, language, article, position, text in texts}
    claims = {sid: Claims(quantities=extract_quantities(s.text, s.language),
                          attributions=extract_attributions(s.text, s.language),
                          hedges=extract_hedges(s.text, s.language)) for sid, s in statements.items()}
    group = Group(group_id="g", statement_ids=("bg1", "bg2", "fr1"), label_statement_id="bg2", tier="confirmed",
                  article_ids=("A", "B"), languages=("bg", "fr"))
    [judged], relations = judge_groups([group], statements, claims, [], tolerance=0.10)
    assert judged.verdict == "conflicts"
    key = key_relation(relations)
    assert (key.source_id, key.target_id) == ("bg2", "fr1")
    assert "Блумбърг" in key.explanation and "Представители на САЩ" not in key.explanation


def test_reprints_of_one_text_agreeing_with_each_other_confirm_nothing():
    first = view("Au moins 384 personnes sont mortes dans le séisme, selon l'agence.", "fr", "a1")
    reprint = view("Au moins 384 personnes sont mortes dans le séisme, selon l'agence.", "fr", "a2")
    relation = relate("g", first, reprint, tolerance=0.10)
    assert relation.relation == "related" and "reprinted" in relation.explanation
    other_outlet = view("Le séisme a fait au moins 384 morts, a indiqué l'agence nationale.", "fr", "a3")
    assert relate("g", first, other_outlet, tolerance=0.10).relation == "corroborates"
    translation = view("Най-малко 384 души са загинали при земетресението, според агенцията.", "bg", "a4")
    assert relate("g", first, translation, tolerance=0.10).relation == "corroborates"
    altered = view("Au moins 1920 personnes sont mortes dans le séisme, selon l'agence.", "fr", "a5")
    assert relate("g", first, altered, tolerance=0.10).relation == "conflicts"


def test_one_height_in_metres_centimetres_and_feet_corroborates_and_a_changed_one_conflicts():
    # NTREX line 268 in four languages, and the Ukrainian with its figure multiplied by 5
    french = view("1,98 m pour 98 kg, le joueur grandit à Baton-Rouge.", "fr", "a1")
    ukrainian = view("Форвард ростом 198 см виріс у Батон-Руж.", "uk", "a2")
    bulgarian = view("Високият 6 фута и 6 инча играч е отраснал в Батън Руж.", "bg", "a3")
    planted = view("Форвард ростом 990 см виріс у Батон-Руж.", "uk", "a4")
    for a, b in ((french, ukrainian), (ukrainian, bulgarian), (french, bulgarian)):
        agreeing = relate("g", a, b, tolerance=0.10)
        assert agreeing.relation == "corroborates", agreeing.explanation
    conflict = relate("g", bulgarian, planted, tolerance=0.10)
    assert conflict.relation == "conflicts"
    assert "«990 см» (uk) reads 9.9 m" in conflict.explanation and "«6 фута и 6 инча» (bg) reads 1.98 m" in conflict.explanation


def test_one_area_in_hectares_and_square_kilometres_corroborates_and_a_changed_one_conflicts():
    # NTREX (held-out): "76 000 гектарів" / "76 000 hectares" were counts of unknown things, so a
    # French line alone could not join the Ukrainian reprints of the same line by its figure
    french = view("Le NTS protège 76 000 hectares de terres à travers le pays.", "fr", "a1")
    ukrainian = view("Трест опікується 76 000 гектарів землі в усій країні.", "uk", "a2")
    square_kilometres = view("Trustul administrează 760 km² de teren în toată țara.", "ro", "a3")
    altered = view("Тръстът стопанисва 380 000 хектара земя в цялата страна.", "bg", "a4")
    for a, b in ((french, ukrainian), (ukrainian, square_kilometres)):
        agreeing = relate("g", a, b, tolerance=0.10)
        assert agreeing.relation == "corroborates", agreeing.explanation
    conflict = relate("g", french, altered, tolerance=0.10)
    assert conflict.relation == "conflicts" and "380,000 hectare" in conflict.explanation


def test_a_number_in_a_name_conflicts_when_it_differs_and_confirms_nothing_when_equal():
    # NTREX line 1119 and its planted Bulgarian version
    french = view("Les fans d’arts martiaux mixtes sont restés réveillés toute la nuit pour regarder Bellator 206.",
                  "fr", "a1")
    planted = view("ММА фенове чакаха цяла нощ, за да гледат Bellator 1030, но вместо това получиха Peppa Pig",
                   "bg", "a2")
    same = view("Fanii MMA au rămas treji toată noaptea ca să vadă Bellator 206, însă au primit desene animate",
                "ro", "a3")
    unnamed = view("Les fans sont restés réveillés toute la nuit.", "fr", "a4")
    conflict = relate("g", french, planted, tolerance=0.10)
    assert conflict.relation == "conflicts"
    assert "«Bellator 206» against «Bellator 1030»" in conflict.explanation
    assert "a number in the same name (Bellator)" in conflict.explanation
    agreeing = relate("g", french, same, tolerance=0.10)
    assert agreeing.relation == "related" and "no figure to corroborate" in agreeing.explanation
    # naming the event the other statement does not name leaves no figure missing from it
    assert relate("g", same, unnamed, tolerance=0.10).relation == "related"
    with_count = view("Bellator 206 a réuni 5000 spectateurs, selon les organisateurs.", "fr", "a5")
    assert relate("g", with_count, view("Bellator 206 зібрав 5000 глядачів.", "uk", "a6"),
                  tolerance=0.10).relation == "corroborates"  # the figure speaks, not the name


def test_a_lone_number_is_read_as_the_number_of_the_name_the_other_version_gives_it():
    # NTREX line 779, with the Romanian flight number multiplied by 5
    bulgarian = view("Той е останал на място, за да се увери, че Batik Air Flight 6321, който е бил на пистата, "
                     "ще успее да излети безопасно.", "bg", "a1")
    planted = view("Acesta a rămas pe loc pentru a se asigura că zborul 31605 al companiei Batik Air, care se afla "
                   "pe pistă, poate decola în siguranță.", "ro", "a2")
    same = view("Acesta a rămas pe loc pentru a se asigura că zborul 6321 al companiei Batik Air, care se afla "
                "pe pistă, poate decola în siguranță.", "ro", "a3")
    conflict = relate("g", bulgarian, planted, tolerance=0.10)
    assert conflict.relation == "conflicts", conflict.explanation
    assert "«31605» follows no name; it is read as the number in «Flight 6321»" in conflict.explanation
    assert relate("g", bulgarian, same, tolerance=0.10).relation == "related"  # a name's number confirms nothing
    # Another figure beside it: the lone number may count something else, so nothing is read into it.
    counted = view("Zborul 6321 al companiei Batik Air a decolat cu 140 de pasageri și 7 membri ai echipajului.",
                   "ro", "a4")
    assert not any("follows no name" in r for r in relate("g", bulgarian, counted, 0.10).details.get("readings", []))
