"""Safe HTML for the pages: every piece of article text, title, file name or URL is escaped here.

Article text and file names are untrusted input, and so is what analysts type: a name (from the
sidebar box or the page address, ``?analyst=``), a note, and the texts made of them (a verdict
set by hand reads "related (set by NAME …)"). Pages never put them into HTML
or Markdown themselves: they call these builders, which escape each piece with
:func:`html.escape` and add markup only around already-escaped segments
(highlights are cut on the raw text's offsets first, then each segment is
escaped). ``st.html`` additionally runs DOMPurify in the browser, a second
layer, not the one relied on.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote

from workbench.attribution import sources_in_words
from workbench.dates import day_of
from workbench.group import describe_shared
from workbench.ingest import web_address
from workbench.model import VERDICTS, Claims, Decision, Relation
from workbench.verdicts import describe_quantity, not_compared, verdict_tally
from workbench.workspace.search import WEAK_COSINE, SearchHit, closeness, explain_hit
from workbench.words import ordinal, plural

from .data import ArticleWindow, GroupView, LinkView, MemberView

STYLE = """<style>
.wb-card{border:1px solid rgba(128,128,128,.35);border-radius:.5rem;padding:.6rem .75rem;height:100%;font-size:.92rem}
.wb-meta{color:#6b7280;font-size:.8rem;margin:.15rem 0 .35rem 0;overflow-wrap:anywhere}
.wb-text{line-height:1.5;white-space:pre-wrap;overflow-wrap:anywhere}
.wb-lang{display:inline-block;font-weight:700;font-size:.75rem;padding:0 .35rem;border-radius:.25rem;background:#e5e7eb;color:#111827;margin-right:.3rem}
.wb-badge{display:inline-block;font-weight:700;font-size:.8rem;padding:.1rem .5rem;border-radius:.3rem;margin-right:.4rem;color:#fff}
.wb-conflicts{background:#b91c1c}.wb-corroborates{background:#15803d}.wb-underspecified{background:#b45309}
.wb-related{background:#475569}.wb-unrelated{background:#6b7280}.wb-none{background:#9ca3af}
mark.wb-figure{background:#fde68a;color:#111827;font-weight:700;padding:0 .1rem;border-radius:.2rem}
mark.wb-source{background:#dbeafe;color:#111827;padding:0 .1rem;border-radius:.2rem}
mark.wb-hedge{background:transparent;color:inherit;text-decoration:underline dotted #d97706 2px;font-style:italic}
mark.wb-figure.wb-source{background:#fde68a}
mark.wb-aside{background:transparent;color:inherit;border-bottom:2px dotted #9ca3af}
.wb-aid{border-left:3px solid #93c5fd;padding-left:.5rem;margin:.4rem 0;font-size:.85rem}
.wb-weak{color:#b45309;font-weight:700}
.wb-facts{font-size:.8rem;margin-top:.4rem}
.wb-article{line-height:1.6;white-space:pre-wrap;overflow-wrap:anywhere;max-height:70vh;overflow-y:auto;
  border:1px solid rgba(128,128,128,.35);border-radius:.5rem;padding:.75rem}
.wb-boiler{color:#9ca3af}
.wb-grouped{background:#e0f2fe;color:#075985;text-decoration:none;border-bottom:2px solid #0284c7}
.wb-stmt-title{font-weight:700}
.wb-link{font-size:.85rem;overflow-wrap:anywhere}
.wb-scores{color:#6b7280;font-size:.78rem}
.wb-legend span{margin-right:.8rem}
.wb-decided{font-weight:700;font-size:.8rem;padding:0 .35rem;border-radius:.25rem;margin-right:.3rem;color:#fff}
.wb-decided.wb-accepted{background:#15803d}.wb-decided.wb-rejected{background:#b91c1c}
.wb-qualifier{border-left:3px solid #b45309;padding-left:.5rem;margin:.3rem 0}
</style>"""

VERDICT_LABELS = {
    "conflicts": "CONFLICT",
    "corroborates": "CORROBORATES",
    "underspecified": "UNDERSPECIFIED",
    "related": "RELATED",
    "unrelated": "UNRELATED",
    "": "NO VERDICT",
}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:$&\"'])")


def esc(value: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def markdown_literal(text: str) -> str:
    """Untrusted text for a place Streamlit reads as Markdown (labels, captions): every
    Markdown and HTML special character is backslash-escaped, so it shows as typed."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text.replace("\n", " "))


def safe_href(url: str) -> str:
    """An escaped http(s) URL for an href, or "" for anything else (javascript:, data:, relative)."""
    return esc(web_address(url))


def group_href(group_id: str, analyst: str = "", reader: str = "") -> str:
    """A link to the Groups page showing one group (a full page load, so a new session: the
    analyst's name and reading language go along in the address)."""
    who = f"&analyst={quote(analyst, safe='')}" if analyst else ""
    reads = f"&read={quote(reader, safe='')}" if reader else ""
    return f"./?group={quote(group_id, safe='')}{who}{reads}"


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str  # figure | aside (a figure not compared) | source | hedge
    note: str = ""  # shown on hover


def claim_highlights(claims: Claims) -> list[Highlight]:
    """The extracted figures, attributions and hedges of a statement as highlights on its text. A
    figure the verdicts do not compare (a date, a year, "the two leaders") is marked apart, with
    why on hover, so no card highlights a "figure" beside "no figure to compare"."""
    marks = [Highlight(q.start, q.end, "aside", f"{describe_quantity(q)}: {why}") if (why := not_compared(q))
             else Highlight(q.start, q.end, "figure", describe_quantity(q)) for q in claims.quantities]
    marks += [Highlight(a.start, a.end, "source", f"source (cue: {a.cue})") for a in claims.attributions]
    marks += [Highlight(h.start, h.end, "hedge", h.kind.replace("_", " ")) for h in claims.hedges]
    return marks


def highlight(text: str, marks: Iterable[Highlight]) -> str:
    """``text`` escaped, with each highlight wrapped in ``<mark>``; overlapping ones combine classes."""
    usable = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in usable), *(m.end for m in usable)})
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        segment = esc(text[start:end])
        covering = [m for m in usable if m.start <= start and end <= m.end]
        if not covering:
            pieces.append(segment)
            continue
        kinds = " ".join(f"wb-{kind}" for kind in dict.fromkeys(m.kind for m in covering))
        note = "; ".join(dict.fromkeys(m.note for m in covering if m.note))
        pieces.append(f'<mark class="{kinds}" title="{esc(note)}">{segment}</mark>')
    return "".join(pieces)


def verdict_badge(verdict: str, source: str = "") -> str:
    label = VERDICT_LABELS.get(verdict, verdict.upper())
    by_hand = " (set by analyst)" if source == "analyst" else ""
    css = f"wb-{verdict}" if verdict in VERDICT_LABELS and verdict else "wb-none"
    return f'<span class="wb-badge {css}">{esc(label + by_hand)}</span>'


# A group's tier sums up its links' tiers, so the header says how: it never reads as one link's.
TIER_WORDS = {"confirmed": "confirmed group: confirmed links join every statement",
              "suggested": "suggested group: some statements are joined by suggested links only"}


def group_header(view: GroupView, analyst: str = "", reader: str = "") -> str:
    """The group's verdict, languages and size; its id links to the page showing it alone."""
    group = view.group
    languages = "".join(f'<span class="wb-lang">{esc(language)}</span>' for language in group.languages)
    figures = f'<div class="wb-text"><b>Figures:</b> {esc(view.figures)}</div>' if view.figures else ""
    notes = [d for d in view.decisions if d.kind == "note"]
    noted = ""
    if notes:
        latest = notes[-1]
        who = f" ({latest.author})" if latest.author else ""
        more = f" · {len(notes) - 1} more in Review" if len(notes) > 1 else ""
        noted = (f'<div class="wb-text"><b>Note{esc(who)}:</b> {esc(latest.value)}'
                 f'<span class="wb-meta">{esc(more)}</span></div>')
    undone = ""
    if view.undone:
        # An undo leaves a trace on the card: the latest one, the rest in Review.
        latest = view.undone[-1]
        by = f" by {latest.undone_by}" if latest.undone_by else ""
        more = f" · {len(view.undone) - 1} more in Review" if len(view.undone) > 1 else ""
        undone = (f'<div class="wb-meta">↺ Undone{esc(by)} at {esc(latest.undone_at)}: {esc(decision_words(latest))}'
                  f'{esc(more)}</div>')
    dated = (f'<div class="wb-text wb-qualifier"><b>Dates:</b> {esc(group.qualifier)} (the verdict is the figures\'; '
             f'read the dates before calling it a contradiction)</div>' if group.qualifier else "")
    return (
        f'<div>{verdict_badge(group.verdict, group.verdict_source)}{languages}'
        f'<span class="wb-meta"> {plural(len(group.article_ids), "article")} · '
        f'{plural(len(group.statement_ids), "statement")} · '
        f'{esc(TIER_WORDS.get(group.tier, group.tier))} · group <a class="wb-group-link" '
        f'href="{esc(group_href(group.group_id, analyst, reader))}" '
        f'target="_self"><code>{esc(group.group_id)}</code></a></span></div>{figures}{dated}{noted}{undone}'
    )


def timeline_spec(unit: str) -> dict:
    """A Vega-Lite chart of a claim's figures by date (:func:`data.figure_timeline`): a point per
    figure as reported, coloured by language, a bar over the interval its wording allows, the
    source and words on hover; padded so the first and last dates are not cut at the edges."""
    x = {"field": "published", "type": "temporal", "title": "published", "scale": {"padding": 24}}
    colour = {"field": "language", "type": "nominal"}
    return {"layer": [
        {"mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.4},
         "encoding": {"x": x, "y": {"field": "shown_low", "type": "quantitative"}, "y2": {"field": "shown_high"},
                      "color": colour}},
        {"mark": {"type": "point", "filled": True, "size": 90},
         "encoding": {"x": x, "y": {"field": "figure", "type": "quantitative", "title": unit,
                                    "scale": {"zero": True, "padding": 12}},
                      "color": colour,
                      "tooltip": [{"field": "published", "type": "temporal"}, {"field": "reading"},
                                  {"field": "source"}, {"field": "figure", "type": "quantitative", "format": ","}]}},
    ]}


def published(value: str) -> str:
    """A publication date as a card shows it: the day, or that it is unknown."""
    day = day_of(value)
    return f"published {day.isoformat()}" if day else (f"published {value}" if value else "date unknown")


def story_header(story_id: str, summary) -> str:
    """The header above a story's claim groups: its label, articles, languages and verdicts."""
    if summary is None:
        return f'<h3 class="wb-story">Story <code>{esc(story_id or "none")}</code></h3>'
    verdicts = verdict_tally({v: int(summary[v]) for v in VERDICTS})
    return (
        f'<h3 class="wb-story">{esc(summary["story_label"])}</h3>'
        f'<div class="wb-meta">story <code>{esc(story_id)}</code> · {plural(int(summary["articles"]), "article")} · '
        f'{esc(summary["languages"])} · {plural(int(summary["claim_groups"]), "claim group")}'
        f'{" · " + esc(verdicts) if verdicts else ""}</div>'
    )


def conflict_heading(relation) -> str:
    """Above the two conflicting statements: why they conflict, in words."""
    return f'<div class="wb-text wb-conflict-why"><b>Conflict:</b> {esc(relation.explanation)}</div>'


SHOWN_ABOVE = "the two statements shown side by side above (why: above them)"


def explanation(text: str, shown: Relation | None = None) -> str:
    """The group's verdict and why. Below a conflict card's pair, whose reason is said above the
    two statements, the reason is not said again (a card printed it three times)."""
    if shown is not None and shown.explanation and shown.explanation in text:
        text = text.replace(shown.explanation, SHOWN_ABOVE)
    return f'<div class="wb-text"><b>Why:</b> {esc(text) or "no verdict yet"}</div>'


def reading_aid(reader: str, nearest: Iterable[dict], translation: str, translation_note: str) -> str:
    """Below a statement in another language: its machine translation (or why there is none) and
    the statements nearest to it in the reader's language, closest first, each whole with its
    cosine in words. They are other statements of the workspace, not translations, and a weak one
    is marked so: a reader must not take a neighbour for what the statement says."""
    parts = []
    if translation:
        parts.append(f'<div><b>In {esc(reader)} (machine translation):</b> {esc(translation)}</div>')
    elif translation_note:
        parts.append(f'<div class="wb-scores">No machine translation: {esc(translation_note)}</div>')
    nearest = list(nearest)
    if nearest:
        parts.append(f'<div><b>Nearest statements in {esc(reader)}</b> <span class="wb-scores">(other statements of '
                     f'this workspace, not translations: they may say something else)</span></div>')
    for hit in nearest:
        words = closeness(hit["score"])
        label = (f'<span class="wb-weak">⚠ {esc(words)}</span>' if hit["score"] < WEAK_COSINE else esc(words))
        parts.append(f'<div class="wb-facts">{label}, cosine {hit["score"]:.2f}: {esc(" ".join(hit["text"].split()))}'
                     '</div>')
    return f'<div class="wb-aid">{"".join(parts)}</div>' if parts else ""


def source_facts(claims: Claims, language: str) -> list[tuple[str, str]]:
    """Who said it, with the hedges that qualify it; or, with no source, the hedges alone."""
    if claims.attributions:
        return [("Said by", sources_in_words(claims.attributions, claims.hedges, language))]
    if claims.hedges:
        return [("Stance", sources_in_words([], claims.hedges, language))]
    return []


def statement_card(member: MemberView, *, aid: str = "") -> str:
    """One statement of a group: language, title and source, text with its claims highlighted,
    scores, and for a reader of another language a reading aid (``aid``, :func:`reading_aid`)."""
    statement = member.statement
    href = safe_href(member.url)
    source = f'<a href="{href}" rel="noopener noreferrer nofollow">{esc(member.source)}</a>' if href else esc(member.source)
    facts = source_facts(member.claims, statement.language)
    if member.relation:
        facts.append(("Relation", member.relation))
    scores = f"{member.member_tier}"
    if member.by_analyst:
        scores += " · joined by an analyst (not scored)"
    if member.score_cosine is not None:
        scores += f" · cosine {member.score_cosine:.3f}"
    if member.score_margin is not None and not member.by_analyst:
        scores += f" · margin {member.score_margin:.3f}"
    facts.append(("Link", scores))
    listed = "".join(f"<div><b>{esc(name)}:</b> {esc(value)}</div>" for name, value in facts)
    return (
        f'<div class="wb-card"><span class="wb-lang">{esc(statement.language)}</span>'
        f'<span class="wb-stmt-title">{esc(member.title) or "(untitled)"}</span>'
        f'<div class="wb-meta">{source} · {esc(published(member.published))} · <code>{esc(statement.statement_id)}</code>'
        '</div>'
        f'<div class="wb-text">{highlight(statement.text, claim_highlights(member.claims))}</div>'
        f'{aid}'
        f'<div class="wb-facts">{listed}</div></div>'
    )


def link_summary(view: LinkView, texts: dict[str, tuple[str, str]], shown: Relation | None = None) -> str:
    """A link's two ends (language and opening words), its scores and its verdict. A link the
    analysis never proposed (an analyst joined the pair) has no scores: it says who joined it,
    with the cosine of the two statements; one it proposed keeps its scores beside the decision.
    The verdict of the pair a conflict card shows above (``shown``) is not said again."""
    link = view.link

    def end(statement_id: str) -> str:
        language, text = texts.get(statement_id, (view.other_language, view.other_text))
        short = text if len(text) <= 90 else text[:89] + "…"
        return f'<span class="wb-lang">{esc(language)}</span>{esc(short)}'

    if link.rank < 0:
        scores = (f"not scored: the analysis did not propose this pair, an analyst joined it · cosine "
                  f"{link.cosine:.3f} · {link.tier}")
    else:
        place = link.rank + 1
        nearest = "nearest" if place == 1 else f"{ordinal(place)} nearest"
        standing = "each other's best match" if link.mutual else f"the {nearest} match one way only"
        scores = (f"score {link.score:.3f} (margin {link.margin:.3f} plus shared evidence) · cosine {link.cosine:.3f} · "
                  f"{standing} · {link.tier} · shared: {describe_shared(link.shared)}")
    relation = ""
    if view.relation is not None:
        pair = {view.relation.source_id, view.relation.target_id}
        said = (SHOWN_ABOVE if shown is not None and pair == {shown.source_id, shown.target_id}
                else view.relation.explanation)
        relation = f'<div class="wb-scores"><b>{esc(view.relation.relation)}</b>: {esc(said)}</div>'
    outside = "" if view.inside else '<div class="wb-scores">leads outside this group</div>'
    decided = ""
    if view.decision is not None:
        verb = "accepted" if view.decision.kind == "accept_link" else "rejected"
        who = f" by {view.decision.author}" if view.decision.author else ""
        decided = (f'<span class="wb-decided wb-{verb}">{"✔" if verb == "accepted" else "✘"} link {verb}{esc(who)} '
                   f'(decision #{esc(view.decision.decision_id)})</span> ')
    return (f'<div class="wb-link">{decided}{end(link.source_id)} ↔ {end(link.target_id)}'
            f'<div class="wb-scores">{esc(scores)}</div>{relation}{outside}</div>')


# The reader marks statements; figures, sources and hedges are highlighted in the group cards.
LEGEND = ('<div class="wb-legend wb-meta"><span class="wb-boiler">boilerplate</span>'
          '<span class="wb-grouped">in a group (click to open)</span>'
          '<span>figures, sources and hedges are highlighted on the Groups page</span></div>')


def readable(text: str) -> str:
    """Article text for the reader: entities a scraper left in a text file ("&bdquo;", "&#8217;")
    shown as the characters they stand for, then escaped like any text."""
    return esc(html.unescape(text) if "&" in text else text)


def article_text(window: ArticleWindow, analyst: str = "", reader: str = "") -> str:
    """The article text as written, each statement marked in place: boilerplate greyed,
    grouped statements linked to their group."""
    text = window.article.text
    pieces, cursor = [], window.text_start
    for statement in window.statements:
        start, end = max(statement.start, cursor), min(statement.end, window.text_end)
        if start >= end:
            continue
        pieces.append(readable(text[cursor:start]))
        body = readable(text[start:end])
        group_id = window.groups.get(statement.statement_id)
        note = statement.boilerplate_reason.replace("_", " ")
        if statement.boilerplate:
            pieces.append(f'<span class="wb-boiler" title="boilerplate: {esc(note)}">{body}</span>')
        elif group_id:
            pieces.append(f'<a class="wb-grouped" href="{esc(group_href(group_id, analyst, reader))}" '
                          f'title="{esc("in group " + group_id)}">{body}</a>')
        elif statement.is_title:
            pieces.append(f'<span class="wb-stmt-title">{body}</span>')
        else:
            pieces.append(f"<span>{body}</span>")
        cursor = end
    pieces.append(readable(text[cursor:window.text_end]))
    return f'<div class="wb-article">{"".join(pieces)}</div>'


def article_heading(title: str, source: str, url: str, language: str, date: str = "") -> str:
    href = safe_href(url)
    link = f' · <a href="{href}" rel="noopener noreferrer nofollow">{esc(url)}</a>' if href else ""
    return (f'<div><span class="wb-lang">{esc(language)}</span><span class="wb-stmt-title">{esc(title) or "(untitled)"}'
            f'</span><div class="wb-meta">{esc(source)} · {esc(published(date))}{link}</div></div>')


def search_hit(hit: SearchHit, *, analyst: str = "", reader: str = "", claims: Claims | None = None,
               verdict: str | None = None, aid: str = "") -> str:
    """One search result: its text with figures, sources and hedges marked, its group and that
    group's verdict, why it is where it is in words (:func:`explain_hit`), and for a reader of
    another language the reading aid (``aid``, from :func:`reading_aid`)."""
    claims = claims or Claims()
    group = (f' · in group <a class="wb-grouped" href="{esc(group_href(hit.group_id, analyst, reader))}">'
             f'{esc(hit.group_id)}</a> {verdict_badge(verdict or "")}' if hit.group_id else " · in no group")
    figures = "; ".join(f"«{q.text}» {describe_quantity(q)}" for q in claims.quantities)
    facts = f'<div class="wb-facts"><b>Figures:</b> {esc(figures)}</div>' if figures else ""
    facts += "".join(f'<div class="wb-facts"><b>{esc(name)}:</b> {esc(value)}</div>'
                     for name, value in source_facts(claims, hit.language))
    return (f'<div class="wb-card"><span class="wb-lang">{esc(hit.language)}</span>'
            f'{highlight(hit.text, claim_highlights(claims))}{aid}{facts}'
            f'<div class="wb-meta">{esc(hit.title) or "(untitled)"} · {esc(hit.source)} · '
            f'{esc(published(hit.published))}'
            f'{group}</div><div class="wb-scores">{esc(explain_hit(hit))}</div></div>')


def decision_effects(heading: str, effects: list[str]) -> str:
    """What a decision would change, before it is made."""
    if not effects:
        return f'<div class="wb-text"><b>{esc(heading)}</b> changes no group (it is kept for the next analysis).</div>'
    items = "".join(f"<li>{esc(effect)}</li>" for effect in effects)
    return f'<div class="wb-text"><b>{esc(heading)} would change:</b><ul>{items}</ul></div>'


def plain(text: str) -> str:
    """A paragraph of untrusted text."""
    return f'<div class="wb-text">{esc(text)}</div>'


DECISION_WORDS = {
    "accept_link": "link accepted", "reject_link": "link rejected", "move": "statement moved", "split": "group split",
    "merge": "grouped by hand", "new_group": "new group by hand", "set_verdict": "verdict set", "note": "note",
}


def decision_words(decision: Decision) -> str:
    """'#5 link accepted by Ana', '#7 verdict set: related by Ana' (value and names as typed)."""
    said = f": {decision.value}" if decision.value else ""
    who = f" by {decision.author}" if decision.author else ""
    return f"#{decision.decision_id} {DECISION_WORDS.get(decision.kind, decision.kind)}{said}{who}"


def decision_line(decision: Decision) -> str:
    """One analyst decision in words (the note or verdict text escaped); an undone one says who
    undid it and when."""
    undone = ""
    if not decision.active:
        by = f" by {decision.undone_by}" if decision.undone_by else ""
        undone = f' · <span class="wb-weak">undone{esc(by)} at {esc(decision.undone_at)}</span>'
    return (f'<div class="wb-link">{esc(decision_words(decision))}<span class="wb-scores"> · {esc(decision.created)}'
            f'{undone}</span></div>')


def short(text: str, limit: int = 80) -> str:
    """Opening words of a statement for a select box option (plain text there, never Markdown)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
