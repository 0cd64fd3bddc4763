"""Translation as a reading aid: the LibreTranslate client against a local server speaking its
API (the real service cannot be reached here), argos-translate's absence, and the config."""

from __future__ import annotations

import pytest

from workbench import Config
from workbench.errors import ConfigError
from workbench.translate import LibreTranslateTranslator, TranslationError, make_translator


def test_libretranslate_translates_in_order_and_names_its_failures(libretranslate):
    url, received = libretranslate
    translator = LibreTranslateTranslator(url, api_key="secret")
    assert translator.translate(["близо пет милиона снаряда", "Кремъл"], "bg", "fr") == [
        "[bg>fr] близо пет милиона снаряда", "[bg>fr] Кремъл"]
    assert received[-1] == {"q": ["близо пет милиона снаряда", "Кремъл"], "source": "bg", "target": "fr",
                            "format": "text", "api_key": "secret"}
    with pytest.raises(TranslationError, match=r"refused bg→xx: HTTP 400 .*not supported"):
        translator.translate(["a"], "bg", "xx")
    with pytest.raises(TranslationError, match="did not answer"):
        LibreTranslateTranslator("http://127.0.0.1:9").translate(["a"], "bg", "fr")
    with pytest.raises(TranslationError, match="not an http"):
        LibreTranslateTranslator("localhost:5000")


def test_the_backend_is_a_setting_and_argos_says_how_to_install_it(make_workbench, libretranslate):
    url, _ = libretranslate
    assert make_translator("none") is None
    try:
        import argostranslate  # noqa: F401
    except ImportError:
        with pytest.raises(TranslationError, match="pip install argostranslate"):
            make_translator("argos")
    with pytest.raises(ConfigError, match="translate.backend"):
        Config.load(overrides={"translate.backend": "google"})
    with pytest.raises(TranslationError, match="no translation backend is set"):
        make_workbench().translate(["x"], "bg", "fr")
    workbench = make_workbench(**{"translate.backend": "libretranslate", "translate.url": url,
                                  "translate.api_key": "secret"})
    assert workbench.translate(["Ким"], "bg", "fr") == ["[bg>fr] Ким"]
    assert workbench.config.settings_dict()["translate.api_key"] == "(set)"  # never in a manifest


def test_a_statement_in_another_language_gets_its_nearest_in_the_readers(analysed_samples):
    shells = next(g for g in analysed_samples.groups() if g.verdict == "conflicts")
    bulgarian = next(s for s in analysed_samples.statements(statement_ids=list(shells.statement_ids))
                     if "близо пет милиона" in s.text)
    nearest = analysed_samples.nearest_in(shells.statement_ids, "fr", top=2)
    assert all(s.language != "fr" for s in analysed_samples.statements(statement_ids=list(nearest)))
    hits = nearest[bulgarian.statement_id]
    assert len(hits) == 2 and all(hit.language == "fr" for hit in hits)
    assert any("million" in hit.text for hit in hits)  # the French shells statement is among them
    assert analysed_samples.nearest_in(shells.statement_ids, "xx") == {}
