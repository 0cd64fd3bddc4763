"""ClaimReview out: one schema.org ClaimReview per group whose verdict an analyst set, checked
property by property against Google's published guidelines and read back by a JSON-LD parser."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from newssite import PAGES
from workbench import Config, Workbench
from workbench.cli import EXIT_FAILURE, EXIT_OK, main

# Google Search Central, "Fact check (ClaimReview) structured data", structured data type
# definitions: the required and recommended properties of each type (2024). An appearance is
# a CreativeWork; its properties are those of the guide's own example (url, headline,
# datePublished, author, publisher) and inLanguage.
GOOGLE_GUIDELINES = {
    "ClaimReview": {"required": {"claimReviewed", "reviewRating", "url"},
                    "recommended": {"author", "itemReviewed", "datePublished"}},
    "Claim": {"required": set(), "recommended": {"appearance", "author", "datePublished", "firstAppearance"}},
    "Rating": {"required": {"alternateName"}, "recommended": {"bestRating", "name", "ratingValue", "worstRating"}},
    "Organization": {"required": {"name"}, "recommended": {"url", "sameAs"}},
    "CreativeWork": {"required": {"url"}, "recommended": {"headline", "datePublished", "author", "publisher",
                                                          "inLanguage"}},
}
PUBLISH = ["--set", "publish.organization=Example Fact Check", "--set", "publish.url=https://factcheck.example/"]
FR, BG = PAGES[2], PAGES[4]


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def reviewed(dated_samples, tmp_path_factory):
    """The dated samples, the whole story in one (a year's span), with two verdicts set by an
    analyst: the shells conflict, and one group called related (read only: the tests export)."""
    workspace = str(tmp_path_factory.mktemp("reviewed") / "ws")
    with Workbench(Config.load(workspace=workspace, overrides={"story.max_days": "400"})) as workbench:
        workbench.ingest([dated_samples])
        workbench.analyze()
        [shells] = [g for g in workbench.groups() if g.verdict == "conflicts"]
        other = next(g for g in workbench.groups() if g.group_id != shells.group_id and len(g.article_ids) >= 3)
        workbench.set_verdict(shells.group_id, "conflicts", author="ana")
        workbench.set_verdict(other.group_id, "related", author="ana")
    return workspace, shells.group_id, other.group_id


def nodes(value, found=None):
    """Every typed object in a JSON-LD tree, with the property it hangs from."""
    found = [] if found is None else found
    if isinstance(value, list):
        for item in value:
            nodes(item, found)
    elif isinstance(value, dict):
        if "@type" in value:
            found.append(value)
        for key, item in value.items():
            if not key.startswith("@"):
                nodes(item, found)
    return found


def test_claimreview_follows_googles_guidelines_and_says_what_the_analyst_decided(reviewed, tmp_path):
    workspace, shells, other = reviewed
    out = tmp_path / "out"
    result = cli("export", "--out", str(out), "--format", "claimreview", "--workspace", workspace,
                 "--set", "story.max_days=400", *PUBLISH)
    assert result.exit_code == EXIT_OK, result.output
    reviews = json.loads((out / "claimreview.jsonld").read_text(encoding="utf-8"))
    assert [review["url"] for review in reviews] == [f"https://factcheck.example/#{shells}",
                                                      f"https://factcheck.example/#{other}"]
    for node in nodes(reviews):
        rules = GOOGLE_GUIDELINES[node["@type"]]
        properties = {key for key in node if not key.startswith("@")}
        assert rules["required"] <= properties, (node["@type"], rules["required"] - properties)
        assert properties <= rules["required"] | rules["recommended"], (node["@type"], properties - rules["required"]
                                                                        - rules["recommended"])
    for review in reviews:
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["author"] == {"@type": "Organization", "name": "Example Fact Check",
                                    "url": "https://factcheck.example/"}
        assert review["datePublished"] == datetime.now(timezone.utc).date().isoformat()  # the verdict was set today
    conflict, related = reviews
    # The claim as first published: the French "more than a million" of 2023-11-09, then the Bulgarian report.
    assert "plus d'un million" in conflict["claimReviewed"]
    claim = conflict["itemReviewed"]
    assert claim["datePublished"] == FR.published
    assert [a["url"] for a in claim["appearance"]] == [f"https://news.example/{FR.stem}", f"https://news.example/{BG.stem}"]
    assert claim["firstAppearance"] == claim["appearance"][0]
    assert claim["appearance"][1]["publisher"] == {"@type": "Organization", "name": BG.outlet}
    assert claim["appearance"][1]["datePublished"] == BG.published and claim["appearance"][1]["inLanguage"] == "bg"
    assert claim["author"]["name"].startswith("les renseignements")  # who made the claim, from its attribution
    assert conflict["reviewRating"] == {"@type": "Rating", "alternateName": "Contradicted by other reports",
                                        "ratingValue": 1, "bestRating": 3, "worstRating": 1}
    # A verdict that sits on no scale gets words only, never a number.
    assert related["reviewRating"] == {"@type": "Rating", "alternateName": "Related reports, nothing to compare"}


def test_claimreview_round_trips_through_a_json_ld_parser(reviewed, tmp_path):
    from pyld import jsonld

    workspace, shells, _ = reviewed
    cli("export", "--out", str(tmp_path), "--format", "claimreview", "--workspace", workspace, *PUBLISH)
    document = json.loads((tmp_path / "claimreview.jsonld").read_text(encoding="utf-8"))

    def schema_org(url, options):
        # schema.org's context, kept on this machine: its vocabulary, nothing fetched.
        assert url.rstrip("/") == "https://schema.org", url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": {"@vocab": "https://schema.org/"}}}

    options = {"documentLoader": schema_org}
    dropped = []
    expanded = jsonld.expand(document, options, on_property_dropped=dropped.append)
    assert not dropped
    types = [node["@type"] for node in expanded]
    assert types == [["https://schema.org/ClaimReview"]] * len(document)
    assert expanded[0]["https://schema.org/url"] == [{"@value": f"https://factcheck.example/#{shells}"}]
    compacted = jsonld.compact(expanded, "https://schema.org", options)
    back = [{key: value for key, value in node.items() if key != "@context"} for node in compacted["@graph"]]
    assert back == [{key: value for key, value in review.items() if key != "@context"} for review in document]
    quads = jsonld.to_rdf(document, {**options, "format": "application/n-quads"})
    assert quads.count("<https://schema.org/claimReviewed>") == len(document)


def test_no_analyst_verdict_means_no_claimreview_and_says_so(analysed_samples, tmp_path):
    workspace = str(analysed_samples.config.workspace_dir)
    stale = tmp_path / "claimreview.jsonld"
    stale.write_text('[{"@type": "ClaimReview", "claimReviewed": "withdrawn"}]', encoding="utf-8")
    result = cli("export", "--out", str(tmp_path), "--format", "claimreview", "--workspace", workspace, *PUBLISH)
    assert result.exit_code == EXIT_FAILURE
    assert ("error: no claim group has a verdict set by an analyst, and ClaimReview publishes analysts' verdicts only; "
            "set one on the Groups page (Review this group, Set verdict) first") in result.stderr
    assert list(tmp_path.iterdir()) == []  # the earlier file is gone: its verdicts no longer stand; no run.json either
    # Beside the evidence tables it is a warning, and the tables are written.
    mixed = cli("export", "--out", str(tmp_path), "--format", "csv,claimreview", "--workspace", workspace, *PUBLISH)
    assert mixed.exit_code == EXIT_OK and "ClaimReview not written: no claim group has a verdict" in mixed.stderr
    assert not stale.exists() and (tmp_path / "groups.csv").exists()
    manifest = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert manifest["exported"]["notes"][0].startswith("claimreview.jsonld not written: no claim group")


def test_claimreview_needs_the_publishing_organisation(reviewed, tmp_path):
    workspace, _, _ = reviewed
    result = cli("export", "--out", str(tmp_path), "--format", "claimreview", "--workspace", workspace)
    assert result.exit_code == EXIT_FAILURE
    assert "set publish.organization and publish.url" in result.stderr and not (tmp_path / "claimreview.jsonld").exists()
    bad = cli("export", "--out", str(tmp_path), "--format", "claimreview", "--workspace", workspace,
              "--set", "publish.url=factcheck.example")
    assert bad.exit_code == EXIT_FAILURE and "publish.url='factcheck.example' is not an http:// or https:// address" in \
        bad.stderr
    unknown = cli("export", "--out", str(tmp_path), "--format", "csv,pdf", "--workspace", workspace)
    assert unknown.exit_code == 2 and "unknown export format(s) 'pdf'; use one or more of csv, jsonl, xlsx, claimreview" in \
        unknown.output


def test_the_publishing_language_chooses_the_quoted_statement(reviewed, tmp_path):
    workspace, _, _ = reviewed
    cli("export", "--out", str(tmp_path), "--format", "claimreview", "--workspace", workspace, *PUBLISH,
        "--set", "publish.language=bg", "--set", "publish.review_url=https://factcheck.example/checks/{group_id}")
    conflict = json.loads((tmp_path / "claimreview.jsonld").read_text(encoding="utf-8"))[0]
    assert "близо пет милиона" in conflict["claimReviewed"]
    assert conflict["url"].startswith("https://factcheck.example/checks/g")
