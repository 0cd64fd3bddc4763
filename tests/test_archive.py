"""The archive index past ``index.exact_max``: its neighbours, its shards, its delta, its files."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from workbench import Config, Workbench
from workbench.archive import Archive, ArchiveSettings, RowGroups, lists_for, train
from workbench.errors import ConfigError, IndexDamagedError
from workbench.index import VectorIndex, read_manifest

from conftest import copy_tree
from test_incremental import FRENCH_REPRINT, grouped_pairs, right_pairs, shells

DIMENSION = 32
REBUILD = "workbench analyze --rebuild-index"


def clustered(count: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around 80 topics, as statements of many stories would be."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(80, DIMENSION))
    vectors = topics[rng.integers(0, len(topics), count)] + 0.6 * rng.normal(size=(count, DIMENSION))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / max(1, (b >= 0).sum()) for a, b in zip(found, exact)]))


@pytest.fixture(scope="module")
def corpus():
    """5,000 vectors with ids in no order, in four groups, one of them holding 3% of the rows."""
    rng = np.random.default_rng(1)
    vectors = clustered(5_000)
    ids = rng.permutation(1_000_000)[:5_000].astype(np.int64)
    group_of = rng.choice(4, size=len(ids), p=[0.5, 0.3, 0.17, 0.03])
    groups = {name: np.sort(ids[group_of == number]) for number, name in enumerate(["ro", "uk", "bg", "fr"])}
    for members in groups.values():
        members.setflags(write=False)
    queries = clustered(40, seed=2)
    return vectors, ids, groups, queries


def archive_index(folder: Path, **settings) -> VectorIndex:
    options = {"probe": 16, "rerank": 40, "shard_size": 1_500, "delta_max": 300, **settings}
    return VectorIndex(DIMENSION, exact_max=1_000, archive=ArchiveSettings(**options), archive_dir=folder)


def test_the_archive_keeps_exact_search_neighbours_overall_and_in_each_group(corpus, tmp_path):
    vectors, ids, groups, queries = corpus
    exact, archive = VectorIndex(DIMENSION), archive_index(tmp_path)
    exact.add(vectors, ids)
    archive.add(vectors, ids)
    assert archive.kind == "archive" and exact.kind == "flat" and len(archive) == len(exact)
    assert read_manifest(tmp_path) is None  # built, not yet saved: nothing refers to its files
    assert 16 * 5 <= archive._archive.description["lists"]  # a search scans a fifth of the lists or less

    for allowed in (None, groups["fr"]):
        found_scores, found = archive.search(queries, 10, allowed_ids=allowed)
        exact_scores, expected = exact.search(queries, 10, allowed_ids=allowed)
        assert recall(found, expected) >= 0.95
        same = found == expected  # the same neighbour gets the same cosine, up to float16 rounding
        assert np.allclose(found_scores[same], exact_scores[same], atol=2e-3)
        if allowed is not None:
            assert np.isin(found[found >= 0], allowed).all()

    together = archive.search_each(queries, 10, groups)
    for name, members in groups.items():
        expected = exact.search(queries, 10, allowed_ids=members)[1]
        assert recall(together[name][1], expected) >= 0.95, name
        alone = archive.search(queries, 10, allowed_ids=members)[1]
        assert recall(alone, expected) >= 0.95 and np.isin(alone[alone >= 0], members).all(), name


def test_a_search_filtered_to_one_group_keeps_the_recall_of_an_unfiltered_search(corpus, tmp_path):
    """A group of 17% of the rows, few lists probed: filtered to it, the scan probes about 1/0.17
    times as many lists, so it scores about as many of the group's rows as an unfiltered search
    scores rows, and finds its neighbours as well; ranked from the one scan that serves every
    group (search_each), the group loses many of them."""
    vectors, ids, groups, queries = corpus
    exact, archive = VectorIndex(DIMENSION), archive_index(tmp_path, probe=4, rerank=10)
    exact.add(vectors, ids)
    archive.add(vectors, ids)
    expected = exact.search(queries, 10, allowed_ids=groups["bg"])[1]
    filtered = recall(archive.search(queries, 10, allowed_ids=groups["bg"])[1], expected)
    shared = recall(archive.search_each(queries, 10, groups)["bg"][1], expected)
    unfiltered = recall(archive.search(queries, 10)[1], exact.search(queries, 10)[1])
    assert filtered >= max(unfiltered, 0.95) and shared <= filtered - 0.1


def test_a_few_queries_scanned_in_threads_find_what_one_faiss_scan_finds(corpus, tmp_path, monkeypatch):
    """Fewer than FEW_QUERIES queries have their lists split between threads; the rows, scores
    and so the neighbours are those of FAISS's own range search, filtered or not."""
    import workbench.archive as archive_module

    vectors, ids, groups, queries = corpus
    archive = archive_index(tmp_path)
    archive.add(vectors, ids)
    searches = {"each": lambda: archive.search_each(queries[:3], 10, groups),
                "filtered": lambda: archive.search_each(queries[:1], 10, {"fr": groups["fr"]}),
                "overall": lambda: {"all": archive.search(queries[:2], 10)}}
    results = {}
    for threads in (1, 3):
        monkeypatch.setattr(archive_module, "SCAN_THREADS", threads)
        results[threads] = {name: search() for name, search in searches.items()}
    for name in searches:
        for group, (scores, found) in results[1][name].items():
            assert np.array_equal(results[3][name][group][1], found), (name, group)
            assert np.array_equal(results[3][name][group][0], scores), (name, group)
            assert (found >= 0).all()

    scan = archive._archive
    for count in (2, len(queries)):  # split between threads, and FAISS's own threads over many queries
        expected_lims, expected_scores, expected_rows = scan._ivf.range_search(queries[:count], archive_module.LOW_SCORE)
        positions, scores, rows = scan._range_scan(queries[:count], scan._ivf.nprobe, None)
        assert np.array_equal(np.bincount(positions, minlength=count), np.diff(expected_lims))
        for query in range(count):
            expected = dict(zip(expected_rows[expected_lims[query]:expected_lims[query + 1]].tolist(),
                                expected_scores[expected_lims[query]:expected_lims[query + 1]].tolist()))
            assert dict(zip(rows[positions == query].tolist(), scores[positions == query].tolist())) == expected


def _search_in_child(archive: VectorIndex, queries: np.ndarray, results) -> None:
    results.put(archive.search(queries, 10)[1])


def test_a_process_forked_after_a_search_searches_with_threads_of_its_own(corpus, tmp_path):
    """A forked process has none of its parent's threads: searching on the parent's scan pool
    would wait forever."""
    vectors, ids, _, queries = corpus
    archive = archive_index(tmp_path)
    archive.add(vectors, ids)
    expected = archive.search(queries[:1], 10)[1]  # the parent's pool is running now
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_search_in_child, args=(archive, queries[:1], results))
    child.start()
    child.join(120)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked process's search did not finish")
    assert np.array_equal(results.get(timeout=10), expected)


def test_overlapping_groups_are_each_searched_on_their_own(corpus, tmp_path):
    vectors, ids, groups, queries = corpus
    archive = archive_index(tmp_path)
    archive.add(vectors, ids)
    overlapping = {"all": np.sort(ids), "fr": groups["fr"], "none": np.array([-5], dtype=np.int64)}
    together = archive.search_each(queries[:3], 5, overlapping)
    for name, members in overlapping.items():
        alone = archive.search(queries[:3], 5, allowed_ids=members)
        assert np.array_equal(together[name][1], alone[1]), name
    assert (together["none"][1] == -1).all()


def test_a_sharded_build_in_worker_processes_equals_a_build_in_one_process(corpus, tmp_path):
    """Shards encoded by other processes and merged on disk hold the same lists as one process
    encoding every row: searches give the same rows with the same scores."""
    import faiss

    vectors, ids, groups, queries = corpus
    settings = ArchiveSettings(probe=8, rerank=40)
    trained = "trained.faiss"
    lists = lists_for(len(vectors), settings)
    for folder in ("one", "many"):
        (tmp_path / folder / "archive").mkdir(parents=True)
    train(vectors[::2], lists, tmp_path / "one" / "archive" / trained)
    shutil.copy(tmp_path / "one" / "archive" / trained, tmp_path / "many" / "archive" / trained)

    one = Archive.from_trained(tmp_path / "one", trained, vectors, ids,
                               ArchiveSettings(probe=8, rerank=40, shard_size=len(vectors)))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as workers:
        many = Archive.from_trained(tmp_path / "many", trained, vectors, ids,
                                    ArchiveSettings(probe=8, rerank=40, shard_size=1_200), map_function=workers.map)
    assert len(one.shards) == 1 and len(many.shards) == 5

    in_memory = faiss.read_index(str(tmp_path / "one" / "archive" / trained))
    in_memory.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    in_memory.nprobe = 8
    expected = in_memory.range_search(queries, -8.0)
    for built in (one, many):
        found = built._ivf.range_search(queries, -8.0)
        assert all(np.array_equal(a, b) for a, b in zip(found, expected))

    group_of = np.full(len(ids), -1, dtype=np.int32)
    for number, members in enumerate(groups.values()):
        group_of[np.isin(ids, members)] = number
    for labels, count in ((np.zeros(len(ids), dtype=np.int32), 1), (group_of, len(groups))):
        row_groups = RowGroups.of(labels, count)
        first, second = one.candidates(queries, row_groups, 40), many.candidates(queries, row_groups, 40)
        assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_rows_added_after_the_build_are_searched_and_folded_in_as_a_shard(corpus, tmp_path):
    vectors, ids, groups, queries = corpus
    archive = archive_index(tmp_path)
    archive.add(vectors[:4_000], ids[:4_000])
    archive.add(vectors[4_000:4_200], ids[4_000:4_200])  # the delta: searched exactly, beside the archive
    assert archive.contains(ids[[0, 4_100, 4_500]]).tolist() == [True, True, False]
    _, found = archive.search(vectors[4_000:4_010], 1)
    assert found[:, 0].tolist() == ids[4_000:4_010].tolist()
    stored = archive.vectors_for(ids[[3, 4_100]])
    assert np.array_equal(stored[0], vectors[3].astype(np.float16).astype(np.float32))  # the archive keeps float16
    assert np.array_equal(stored[1], vectors[4_100])  # the delta keeps float32

    first = archive.save(tmp_path, model_id="m", workspace_id="w")
    assert first["index_type"] == "archive" and first["archive"]["delta_count"] == 200
    assert first["archive"]["codec"] == "sq8" and first["archive"]["probe"] == 16
    shards = len(first["archive"]["shards"])
    archive.add(vectors[4_200:], ids[4_200:])  # 1,000 in the delta: past delta_max, folded in on save
    before = archive.search_each(queries, 10, groups)
    second = archive.save(tmp_path, model_id="m", workspace_id="w")
    assert second["archive"]["delta_count"] == 0 and len(second["archive"]["shards"]) == shards + 1
    assert second["created"] == first["created"] and second["count"] == len(vectors)
    on_disk = {path.relative_to(tmp_path).as_posix() for path in (tmp_path / "archive").iterdir()}
    assert on_disk == set(second["files"])  # the earlier merged lists and delta are gone

    loaded = VectorIndex.load(tmp_path, model_id="m", workspace_id="w", archive=archive.archive_settings)
    assert loaded.kind == "archive" and len(loaded) == len(vectors)
    assert_memory_mapped(loaded)
    rounded = vectors.astype(np.float16).astype(np.float32)
    assert np.array_equal(loaded.vectors_for(ids[::-7]), rounded[::-7])  # any order, every shard
    with pytest.raises(KeyError, match="no vector"):
        loaded.vectors_for(np.array([ids[0], -5], dtype=np.int64))
    after = loaded.search_each(queries, 10, groups)
    exact = VectorIndex(DIMENSION)
    exact.add(vectors, ids)
    for name, members in groups.items():
        assert recall(after[name][1], before[name][1]) >= 0.95, name  # the delta was exact, the shard is not
        assert recall(after[name][1], exact.search(queries, 10, allowed_ids=members)[1]) >= 0.95, name


def assert_memory_mapped(index: VectorIndex) -> None:
    """The archive's lists and float16 vectors are read from their files as needed, not loaded, and
    searches start no threads to read lists ahead (they cost a third of a search's scan)."""
    import faiss

    lists = faiss.downcast_InvertedLists(index._archive._ivf.invlists)
    assert isinstance(lists, faiss.OnDiskInvertedLists) and lists.read_only and lists.prefetch_nthread == 0
    assert Path(lists.filename).suffix == ".ivfdata" and Path(lists.filename).parent == index.archive_dir / "archive"
    assert all(isinstance(vectors, np.memmap) for vectors in index._archive._vectors)


ARCHIVE_SETTINGS = {"index.exact_max": "60", "index.archive_delta_max": "5"}
QUERIES = ("North Korea sent five million shells to Russia", "Кім Чен Ин і Путін зустрілися в Росії",
           "Fabrica de muniție din Cugir", "Plus d'un million d'obus livrés à la Russie")


def home_of(analysed, home: Path, *, with_index: bool) -> Path:
    """The analysed samples as workspace ``ws`` of ``home``, with their embedding cache (and index)."""
    copy_tree(analysed.config.workspace_dir, home / "workspaces" / "ws")
    copy_tree(analysed.config.cache_path.parent, home / "cache")
    if with_index:
        copy_tree(analysed.config.index_dir, home / "indexes" / "ws")
    return home


@pytest.fixture(scope="module")
def archived_home(analysed_samples, tmp_path_factory) -> Path:
    """The analysed samples in a home whose ``index.exact_max`` is below their statement count:
    the first search built and saved an archive index."""
    home = home_of(analysed_samples, tmp_path_factory.mktemp("archived") / "home", with_index=False)
    with Workbench(Config.load(workspace="ws", home=str(home), overrides=ARCHIVE_SETTINGS)) as workbench:
        workbench.search(QUERIES[0])
    return home


@pytest.fixture
def homes(analysed_samples, archived_home, tmp_path):
    """Private copies of the analysed samples: ``exact`` with their saved (flat) index, ``archive``
    with the archive index ``archived_home`` built."""
    archive = tmp_path / "archive"
    copy_tree(archived_home, archive)
    return {"exact": home_of(analysed_samples, tmp_path / "exact", with_index=True), "archive": archive}


def test_a_workspace_past_exact_max_searches_its_archive_as_exact_search_does(homes):
    with Workbench(Config.load(workspace="ws", home=str(homes["exact"]))) as exact, \
            Workbench(Config.load(workspace="ws", home=str(homes["archive"]), overrides=ARCHIVE_SETTINGS)) as archive:
        assert archive.index().kind == "archive" and exact.index().kind == "flat"
        assert len(archive.index()) == len(exact.index()) > 60
        for query in QUERIES:
            expected = {hit.statement_id: hit.score for hit in exact.search(query, top=10)}
            found = {hit.statement_id: hit.score for hit in archive.search(query, top=10)}
            assert next(iter(found)) == next(iter(expected)), query
            shared = found.keys() & expected.keys()
            assert len(shared) >= 9, query  # hits ranked within a float16 rounding of each other may trade places
            assert all(abs(found[sid] - expected[sid]) <= 2e-3 for sid in shared), query
        for query in QUERIES:
            expected = [hit.statement_id for hit in exact.search(query, language="fr", top=10)]
            found = archive.search(query, language="fr", top=10)
            assert {hit.language for hit in found} == {"fr"}, query
            assert found[0].statement_id == expected[0], query
            assert len({hit.statement_id for hit in found} & set(expected)) >= 9, query
        assert_memory_mapped(archive.index())
        statements = [s for s in exact.store.statements() if s.language == "fr"][:3]
        read_exact = exact.nearest_in([s.statement_id for s in statements], "bg")
        read_archive = archive.nearest_in([s.statement_id for s in statements], "bg")
        assert {sid: hits[0].statement_id for sid, hits in read_archive.items()} == \
            {sid: hits[0].statement_id for sid, hits in read_exact.items()}
        manifest = read_manifest(archive.config.index_dir)
        assert manifest["index_type"] == "archive" and manifest["count"] == len(exact.index())

        text = "Fabrica de muniție din Cugir și-a dublat producția de obuze în ultimul an, potrivit conducerii sale."
        archive.ingest_text(text, title="Cugir")
        assert archive.search(text, top=1)[0].text == text  # held by the delta, searched with the archive
    with Workbench(Config.load(workspace="ws", home=str(homes["archive"]), overrides=ARCHIVE_SETTINGS)) as reopened:
        assert reopened.search(text, top=1)[0].text == text
        assert reopened.index().kind == "archive"


def test_an_incremental_analysis_reads_an_archive_workspace_s_vectors(homes):
    """Incremental analysis reads every statement's vector through ``vectors_for``: from the
    archive's float16 copies and from the delta. The French reprint of the Bulgarian sample's
    five million shells joins its story and the shells group, as it does with exact search
    (tests/test_incremental.py)."""
    config = Config.load(workspace="ws", home=str(homes["archive"]), overrides=ARCHIVE_SETTINGS)
    with Workbench(config) as workbench:
        assert workbench.analyze()["mode"] == "full"  # the index settings changed since the samples' analysis
        pairs = grouped_pairs(workbench)
        right = right_pairs(workbench, pairs)
        group = shells(workbench)
        added = workbench.ingest_text(FRENCH_REPRINT, title="Poutine en Corée du Nord")
        manifest = workbench.analyze()
        assert manifest["mode"] == "incremental" and workbench.index().kind == "archive"
        assert 0 < read_manifest(config.index_dir)["archive"]["delta_count"] <= 5  # the reprint is in the delta
        placement = manifest["assignments"][added.article_id]
        assert placement["joined"] and placement["story_id"] == workbench.store.story_of_articles()[added.article_id]
        assert right and right <= grouped_pairs(workbench)
        grown = shells(workbench)
        assert grown.group_id == group.group_id and grown.verdict == "conflicts"
        assert {s.article_id for s in workbench.statements() if s.statement_id in grown.statement_ids} >= \
            {added.article_id}


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def overwrite_start(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(b"\0" * 64 + data[64:])


@pytest.mark.parametrize("home, damage, target", [
    ("exact", truncate, "index.faiss"),
    ("exact", overwrite_start, "index.faiss"),
    ("exact", lambda path: path.write_text("{not json", encoding="utf-8"), "manifest.json"),
    ("archive", truncate, ".ivfdata"),
    ("archive", overwrite_start, ".vectors.npy"),
    ("archive", Path.unlink, ".ids.npy"),
    ("archive", overwrite_start, "delta-"),
])
def test_a_damaged_index_file_is_named_with_the_command_that_rebuilds_it(homes, home, damage, target):
    config = Config.load(workspace="ws", home=str(homes[home]), overrides=ARCHIVE_SETTINGS if home == "archive" else None)
    damaged = next(path for path in sorted(config.index_dir.rglob("*")) if target in path.name)
    damage(damaged)
    with Workbench(config) as workbench:
        with pytest.raises(IndexDamagedError) as raised:
            workbench.search(QUERIES[0])
    message = str(raised.value)
    assert str(damaged) in message and f"`{REBUILD}`" in message


def test_the_command_line_names_a_damaged_archive_file_and_its_rebuild_mends_it(homes):
    home = homes["archive"]
    settings = [argument for key, value in ARCHIVE_SETTINGS.items() for argument in ("--set", f"{key}={value}")]
    config = Config.load(workspace="ws", home=str(home), overrides=ARCHIVE_SETTINGS)
    with Workbench(config) as workbench:
        expected = [hit.statement_id for hit in workbench.search(QUERIES[0])]
    ivfdata = next(config.index_dir.rglob("*.ivfdata"))
    truncate(ivfdata)
    environment = {**os.environ, "WORKBENCH_HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "workbench", "search", QUERIES[0], "--workspace", "ws", *settings],
                            capture_output=True, text=True, env=environment)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert str(ivfdata) in result.stderr and REBUILD in result.stderr
    with Workbench(config) as workbench:
        assert workbench.analyze(rebuild_index=True)["index"]["index_type"] == "archive"
        assert [hit.statement_id for hit in workbench.search(QUERIES[0])] == expected


@pytest.mark.parametrize("setting", ["index.archive_probe=0", "index.archive_rerank=0", "index.archive_lists=-1",
                                     "index.archive_shard_size=10", "index.archive_delta_max=-1"])
def test_archive_settings_out_of_range_are_refused(setting):
    key, value = setting.split("=")
    with pytest.raises(ConfigError, match=f"{key}={value} is out of range"):
        Config.load(overrides={key: value})


@pytest.mark.parametrize("count, spread", [(300, 1.0), (20_000, 1.0), (20_000, 6.0)])
def test_each_groups_best_entries_are_chosen_as_a_full_sort_would_choose_them(count, spread):
    """Many tied scores (rounded), so ties must fall to the lower id; 20,000 entries take the cut
    first (with ``spread`` 6, scores also lie outside the range of unit vectors' inner products);
    at depth 1,000 some pairs have fewer entries than that and keep them all."""
    from workbench.archive import best_per_segment

    rng = np.random.default_rng(count)
    query_of, labels = rng.integers(0, 3, count), rng.integers(0, 7, count).astype(np.int32)
    scores = np.round(spread * (rng.random(count) - 0.5), 2).astype(np.float32)
    ids = rng.permutation(10 * count)[:count]
    for depth in (1, 10, 400, 1_000):
        chosen, ranks = best_per_segment(query_of, labels, scores, ids, depth)
        expected = {}
        for position in sorted(range(count), key=lambda p: (query_of[p], labels[p], -scores[p], ids[p])):
            expected.setdefault((query_of[position], labels[position]), []).append(position)
        picked = {}
        for position, rank in zip(chosen, ranks):
            picked.setdefault((query_of[position], labels[position]), {})[int(rank)] = int(position)
        assert picked == {key: dict(enumerate(positions[:depth])) for key, positions in expected.items()}
