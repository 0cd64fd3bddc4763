"""ClaimReview: the analysts' verdicts as schema.org JSON-LD, for Google Fact Check Explorer
and the fact-checking tools that read it.

One ``ClaimReview`` per claim group whose verdict an analyst set by hand; a computed verdict
is never published. Each follows Google's published ClaimReview guidelines (Search Central,
"Fact check (ClaimReview) structured data": required ``claimReviewed``, ``reviewRating`` with
its ``alternateName``, ``url``; recommended ``author``, ``itemReviewed`` as a ``Claim`` with
``appearance``, ``author``, ``datePublished``, ``firstAppearance``; the test lists them all):

* ``claimReviewed``: the claim in the workspace's publishing language (``publish.language``)
  where the group has a statement in it, else the statement of the article that published
  it first;
* ``itemReviewed``: a ``Claim`` with its ``author`` (who made it, from the statement's
  attribution), ``datePublished`` (its first appearance's date), ``appearance`` (each
  article with an address: url, headline, date, outlet) and ``firstAppearance``;
* ``author``: the organisation that publishes the review (``publish.organization`` and
  ``publish.url``);
* ``reviewRating``: ``alternateName``, the analyst's verdict in words, and where the verdict
  sits on a scale, ``ratingValue`` with ``bestRating`` and ``worstRating`` (:data:`RATINGS`);
* ``url``: the fact check's page (``publish.review_url``, or the organisation's address
  with the group id as fragment); ``datePublished``: the day the analyst set the verdict.

The verdicts say whether independent reports agree, not whether a claim is true, and the
words say so: "Contradicted by other reports", never "False".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import PublishConfig
from .dates import day_of
from .errors import WorkbenchError
from .model import Article, Decision, Group, Statement
from .store import Store
from .verdicts import _analyst_verdicts

FILE_NAME = "claimreview.jsonld"
CONTEXT = "https://schema.org"

# The analyst's verdict in words, and its place on a three-step scale of how far other reports
# bear the claim out (None: the verdict says nothing of the kind, so no number is given).
RATINGS: dict[str, tuple[str, int | None]] = {
    "corroborates": ("Corroborated by other reports", 3),
    "underspecified": ("Not confirmed: other reports give no comparable figure", 2),
    "conflicts": ("Contradicted by other reports", 1),
    "related": ("Related reports, nothing to compare", None),
    "unrelated": ("Other reports speak of something else", None),
}
BEST_RATING, WORST_RATING = 3, 1

NO_VERDICTS = ("no claim group has a verdict set by an analyst, and ClaimReview publishes analysts' verdicts only; "
               "set one on the Groups page (Review this group, Set verdict) first")


def analyst_groups(store: Store) -> list[Group]:
    """The groups whose verdict an analyst set by hand, in rank order."""
    return [group for group in store.groups() if group.verdict_source == "analyst"]


def claim_reviews(store: Store, publish: PublishConfig) -> list[dict[str, Any]]:
    """One ClaimReview object per group an analyst gave a verdict (empty when there is none).
    A :class:`WorkbenchError` says which setting is missing when the publisher is not set."""
    groups = analyst_groups(store)
    if not groups:
        return []
    if not publish.organization.strip() or not publish.url:
        raise WorkbenchError("a ClaimReview names the organisation that publishes it: set publish.organization and "
                             "publish.url (for example --set publish.organization='Example Fact Check' "
                             "--set publish.url=https://factcheck.example)")
    members = [sid for group in groups for sid in group.statement_ids]
    statements = {s.statement_id: s for s in store.statements(statement_ids=members)}
    articles = {a.article_id: a for a in (store.article(aid) for aid in {s.article_id for s in statements.values()}) if a}
    claims = store.claims(members)
    # The decision behind each analyst verdict, found as the verdict stage found it.
    verdict_set = _analyst_verdicts(store.groups(), store.decisions())
    return [_review(group, statements, articles, claims, verdict_set.get(group.group_id), publish) for group in groups]


def _review(group: Group, statements: dict[str, Statement], articles: dict[str, Article], claims,
            decision: Decision | None, publish: PublishConfig) -> dict[str, Any]:
    members = [statements[sid] for sid in group.statement_ids if sid in statements]
    # Articles in order of publication, undated ones last: the first is the claim's first appearance.
    by_date = sorted(members, key=lambda s: (day_of(articles[s.article_id].published) is None,
                                             articles[s.article_id].published, s.article_id, s.position))
    in_language = [s for s in by_date if publish.language and s.language == publish.language]
    claimed = (in_language or by_date)[0]
    found = claims.get(claimed.statement_id)
    appearances = []
    for statement in by_date:
        article = articles[statement.article_id]
        if article.url and all(entry["url"] != article.url for entry in appearances):
            appearances.append(_appearance(article))
    words, value = RATINGS.get(group.verdict, (group.verdict, None))
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": words}
    if value is not None:
        rating.update({"ratingValue": value, "bestRating": BEST_RATING, "worstRating": WORST_RATING})
    claim: dict[str, Any] = {"@type": "Claim"}
    if found and found.attributions:
        claim["author"] = {"@type": "Organization", "name": found.attributions[0].text}
    first_day = day_of(articles[by_date[0].article_id].published)
    if first_day is not None:
        claim["datePublished"] = first_day.isoformat()
    if appearances:
        claim["appearance"] = appearances
        claim["firstAppearance"] = appearances[0]
    review: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": (publish.review_url.replace("{group_id}", group.group_id) if publish.review_url
                else f"{publish.url.split('#', 1)[0]}#{group.group_id}"),
        "claimReviewed": claimed.text,
        "itemReviewed": claim,
        "author": {"@type": "Organization", "name": publish.organization.strip(), "url": publish.url},
        "reviewRating": rating,
    }
    if decision is not None and decision.created:
        review["datePublished"] = decision.created[:10]
    return review


def _appearance(article: Article) -> dict[str, Any]:
    entry: dict[str, Any] = {"@type": "CreativeWork", "url": article.url}
    if article.title:
        entry["headline"] = article.title
    if day_of(article.published) is not None:
        entry["datePublished"] = day_of(article.published).isoformat()
    if article.outlet or article.source:
        entry["publisher"] = {"@type": "Organization", "name": article.outlet or article.source}
    if article.language and article.language != "und":
        entry["inLanguage"] = article.language
    return entry


def claimreview_bytes(store: Store, publish: PublishConfig) -> bytes:
    """The JSON-LD file: a list of ClaimReview objects, each one complete (with its context), so
    each can go into its own page's ``<script type="application/ld+json">``. A
    :class:`WorkbenchError` when no analyst has set a verdict: an empty file would read as
    "nothing to review" rather than "nothing reviewed"."""
    reviews = claim_reviews(store, publish)
    if not reviews:
        raise WorkbenchError(NO_VERDICTS)
    return (json.dumps(reviews, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_claimreview(store: Store, publish: PublishConfig, out_dir: Path) -> Path:
    """Write ``claimreview.jsonld`` atomically. With no analyst verdicts nothing is written and a
    file from an earlier export is removed (it would publish verdicts since withdrawn); the
    :class:`WorkbenchError` says so."""
    path = out_dir / FILE_NAME
    if not analyst_groups(store):
        path.unlink(missing_ok=True)
        raise WorkbenchError(NO_VERDICTS)
    content = claimreview_bytes(store, publish)
    out_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(content)
    temporary.replace(path)
    return path
