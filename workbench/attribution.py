"""Attribution, hedging and denial cues in news statements (ro, uk, bg, fr, ru, en).

Two questions are asked of every statement: *who does it say said it* and *does it
assert, hedge or deny its claim*. Both are answered from a hand-written cue
lexicon, kept as data in the ``_LEXICON`` table (one entry per language: cue
phrases as regular-expression fragments, plus short closed word lists), and a few
word-class rules. No tagger or parser is used: patterns are compiled once at
import, and a statement takes well under a millisecond.

**Attribution cues** (``extract_attributions``) come in five classes per language:

* ``source_follows`` - prepositional cues whose source is the noun phrase after
  them: "according to", "potrivit", "conform", "за словами", "за даними",
  "според", "по думите на", "selon", "d'après", "по словам", "по данным";
* ``citing`` - cues naming a further source inside a source: "citing", "citând",
  "citat de", "з посиланням на", "позоваващ се на", "citant", "cité par",
  "со ссылкой на";
* ``verbs`` - reporting verbs with the auxiliary of compound tenses: said, told,
  "a declarat", "afirmă", "заявив", "повідомляє", "заяви", "е казал", "a
  déclaré", "rapporte", "сообщил";
* ``verbs_weak`` - verbs that also have a non-reporting sense (writes, believes,
  claims, "scrie", "susțin", "вважають", "сочи", "смятат", "estime", "считают"):
  they count only after the reported text, or when a complementizer ("că", "че",
  "що", "que", "that"), colon, quote, comma, citing cue or the end of the
  statement follows them within three words;
* ``verbs_subject_first`` - verbs whose source always precedes them ("told");
* ``denials`` - the denial verbs of the hedge lexicon: the subject of an active
  denial in the statement's own clause is who denies, so it is the source
  ('Kremlinul a negat' -> Kremlinul); a passive denial ('was denied', 'a fost
  negată', 'ont été démenties par') or one inside a concessive clause names none.

A verb's source is looked for after it when the verb follows the reported text
(after a comma, colon, dash or closing quote: '"...", a souligné Blinken'), after
"як/как/както/cum/comme/qu'", or in a clause opened by "Про це/Об этом/Това"
('Про це повідомляє Reuters'); otherwise before it ('Пєсков заявив'). After the
verb, time adverbials ('a declarat luni un oficial'), the impersonal "в/у/от"
('заявили в Кремлі', 'посочиха от разузнаването') and a named addressee ('каза
пред БНТ външният министър') are skipped, and a closing apposition is kept
('a subliniat secretarul general al NATO, Jens Stoltenberg.'). A French inverted
pronoun is the source of its own verb ('a-t-il déclaré' -> 'il'). A cue right
after a determiner or preposition is a noun, not a verb ('on the reports').

A source is the noun phrase the cue attaches to, kept tight: it runs through
adjectives, names, initials, quoted names, genitive links ("of", "de", "al",
"на"), origin links when no name precedes them ('експерти от Сеул' but
'професор Емануел Ким | от катедрата') and coordinated names ('нито Путин, нито
Ким'). It stops at punctuation, at clause words (complementizers, relatives,
auxiliaries, modals, negation, pronouns after other words), at time expressions,
at prepositions after an inverted verb ('заяви Шойгу | пред руски медии') and, in
Bulgarian, at a second noun carrying the definite article (only the first word of
a Bulgarian noun phrase carries it: 'Според съобщенията | целта ...'). Before a
verb, a fronted adverbial is dropped ('В понеделник | Уотсън заяви'). A
prepositional source that no comma closes ends where the main clause begins:
after a quoted name, after an acronym followed by a capitalised word ('Според
руската информационна агенция ТАСС | Мацегора е казал'), at an inner preposition,
or before a trailing name ('Според южнокорейското разузнаване | Северна Корея').
A phrase that is one quoted name loses its quotes; Romanian "lui" before a name is
dropped ('potrivit lui Peskov' -> 'Peskov').

A citing chain gives nested attributions: 'Неотдавнашен доклад на Блумбърг,
позоваващ се на южнокорейското министерство на отбраната, сочи' yields one
attribution with cue "сочи" whose span covers the whole chain (the report *and*
the source it cites) and one with cue "позоваващ се на" for the ministry alone;
the link between them is span containment. A comma-enclosed apposition before a
verb is kept the same way ('Purtătorul de cuvânt al Kremlinului, Dmitri Peskov, a
declarat'). ``Attribution.cue`` is the matched cue, lower-cased, whitespace
collapsed. An unknown language code uses the union of all tables.

**Hedge cues** (``extract_hedges``) have four kinds:

* ``hedge`` - modality and evidential distance: modals (may, could, poate, може,
  могат, peut), conditionals ("ar fi", "ar putea", "би/биха", "міг би", "мог бы",
  "pourrait", "aurait"), adverbs and adjectives (probably, posibil, вероятно,
  нібито, probablement, якобы), impersonal reporting (reportedly, "se
  presupune", "повідомляється", "твърди се", "il a été signalé") and the phrases
  "not clear", "not ruled out", "not confirmed", "did not deny";
* ``denial`` - a denial verb in the statement's own clauses: deny, "neagă",
  "заперечують", "отрича", "nient", "отрицают", "ont été démenties";
* ``denial_mentioned`` - a denial the statement only mentions: a denial verb or
  noun inside a concessive clause ("despite denials", "malgré les démentis", "în
  ciuda negărilor", "попри заперечення", "въпреки отричането", "bien que Moscou le
  nie") or a relative one ("which Moscow denies", "qui nie", "care neagă", "яка
  заперечує"), and a denial named only by a noun. The span runs from the clause
  marker to the denial word;
* ``negation`` - plain negation (not, never, nu, не, нито, няма, ne ... pas/jamais/
  aucun, ni), except in fixed non-negating expressions ("not only", "не само",
  "nu numai", "не менее", "non seulement", "ne ... que"), inside relative,
  purpose, conditional, temporal or concessive clauses ('сферах, які не повинні',
  'да не доставят'), and inside a hedge phrase ("не е ясно", "n'exclut pas").

The rule for the verdict stage: "A denies what B asserts" is a conflict, but "B
asserts it, despite denials" is no denial. So a denial inside a concessive or
relative clause is ``denial_mentioned`` and never makes the statement "denied".
Overlapping matches are resolved by priority (clause-level denial mentions and
fixed expressions first, then hedge phrases, then denials, then negation), the
longer match first at equal priority.

``summarize_hedging`` gives the statement's own stance: "denied" if it has a
``denial``; otherwise "hedged" if it has a ``hedge``; otherwise "denied" if it has
a ``negation``; otherwise "asserted" (``denial_mentioned`` alone is "asserted").
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

from workbench.model import Attribution, Hedge

logger = logging.getLogger(__name__)

__all__ = ["LANGUAGES", "extract_attributions", "extract_hedges", "summarize_hedging"]

Stance = Literal["asserted", "hedged", "denied"]
HedgeKind = Literal["hedge", "denial", "denial_mentioned", "negation"]

# The cue lexicon. Cue entries (the five attribution classes, "hedges",
# "denial_verbs", "denial_nouns", "mention_markers", "negations",
# "non_negations", "inversion_openers") are regular-expression fragments matched
# case-insensitively on whole words; a space stands for any run of whitespace
# and "{aux}" for the language's auxiliary of compound tenses ("a declarat", "е
# казал"). The other fields are plain lower-case word lists used to delimit the
# source noun phrase:
#   inversion_triggers  a word after which the verb's source follows it ("як")
#   connectors          genitive links kept inside a phrase ("of", "de", "на")
#   weak_connectors     links kept only between a name and a lower-case word
#                       ("Съвета за национална сигурност")
#   origin_connectors   "from" links kept while no name precedes ("експерти от Сеул")
#   source_prepositions impersonal source after an inverted verb ("заявили в Кремлі")
#   correlatives        "neither ... nor" words ("нито Путин, нито Ким")
#   verb_clitics        pronoun clitics between trigger and verb ("comme l'a dit")
#   determiners, pronouns, coordinators, prepositions, complementizers: as named
#   stop_words          clause words that never belong to a source
#   adverbs, temporal   adverbials skipped between a verb and its source
#   embedded_markers    words opening clauses whose negation is not the claim's
_LEXICON: dict[str, dict[str, list[str] | str]] = {
    "en": {
        "aux": r"(?:(?:has|have|had)(?: (?:also|previously|repeatedly|since))? )?",
        "source_follows": [
            "according to", "as reported by", "reported by", "quoted by",
            "cited by", "in the words of",
        ],
        "citing": ["citing", "quoting"],
        "verbs": [
            "{aux}said", "says", "say", "{aux}stated", "{aux}announced", "{aux}declared",
        ],
        "verbs_weak": [
            "states", "announces", "{aux}added", "adds", "{aux}noted", "notes",
            "{aux}stressed", "stresses", "{aux}emphasi[sz]ed", "{aux}revealed",
            "{aux}explained", "{aux}disclosed", "{aux}replied", "{aux}responded",
            "{aux}reported", "reports", "{aux}wrote", "writes", "{aux}claimed", "claims?",
            "believes?", "think", "thinks", "{aux}warned", "warns?",
            "{aux}confirmed", "confirms?", "{aux}insisted", "insists?",
            "{aux}estimated", "estimates?", "{aux}accused", "accuses?",
            "{aux}argued", "argues?", "{aux}indicated", "indicates?",
        ],
        "verbs_subject_first": ["{aux}told", "tells"],
        "inversion_triggers": [],
        "connectors": ["of", "for", "at"],
        "weak_connectors": [],
        "origin_connectors": ["from"],
        "source_prepositions": [],
        "correlatives": ["neither", "nor"],
        "determiners": [
            "the", "a", "an", "this", "these", "those", "its", "their", "his",
            "her", "some", "several", "two", "three",
        ],
        "pronouns": ["he", "she", "they", "it", "we", "i", "you"],
        "coordinators": ["and", "or", "&"],
        "prepositions": [
            "in", "on", "to", "by", "with", "during", "after", "before", "from",
            "about", "since", "into", "over", "under", "near", "against",
            "through", "amid", "despite", "without", "within", "via", "per",
            "across", "than",
        ],
        "stop_words": [
            "that", "which", "who", "whom", "whose", "where", "when", "while",
            "as", "because", "if", "but", "so", "is", "are", "was", "were", "be",
            "been", "being", "has", "have", "had", "will", "would", "could",
            "can", "may", "might", "should", "must", "shall", "did", "does",
            "do", "not", "no", "never", "there", "here", "then", "however",
            "also", "only", "even", "just",
        ],
        "adverbs": [
            "also", "previously", "earlier", "later", "repeatedly", "publicly",
            "recently", "today", "yesterday", "again", "separately", "further",
            "then", "now", "once", "already", "privately", "reportedly", "last",
        ],
        "temporal": [
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sunday", "january", "february", "march", "april", "june", "july",
            "august", "september", "october", "november", "december", "week",
            "month", "year", "day", "morning", "evening", "night", "weekend",
            "today", "yesterday", "ago", "earlier", "later", "tonight",
        ],
        "complementizers": ["that", "whether"],
        "hedges": [
            "(?-i:may)(?: have| be)?", "might(?: have| be)?", "could(?: have| be)?",
            "would", "possibly", "probably", "likely", "unlikely", "perhaps",
            "reportedly", "allegedly", "apparently", "supposedly", "presumably",
            "purportedly", "alleged", "suspected", "possible", "potentially",
            "unconfirmed", "unverified", "unclear", "(?:is|are|was|were) (?:believed|thought|said|reported|alleged) to",
            "it (?:is|was|has been) (?:reported|claimed|alleged|believed)",
            "(?:appears?|appeared|seems?|seemed) to", "(?:it|this) is not clear",
            "not clear", "(?:did not|does not|do not|would not|cannot|could not|can't|didn't) rule out",
            "(?:cannot|can't) be ruled out", "(?:did not|didn't|does not|doesn't|do not|don't) deny",
            "neither confirm(?:ed)? nor den(?:y|ied)",
            (
                "(?:did not|didn't|has not|hasn't|have not|haven't|could not|couldn't|cannot|can't"
                "|would not|wouldn't) (?:independently )?confirm(?:ed)?"
            ),
            "(?:has|have) not been (?:independently )?confirmed",
        ],
        "denial_verbs": [
            "deny", "denies", "denied", "denying",
            "{aux}rejected (?:the )?(?:claims?|reports?|allegations?|accusations?)",
            "{aux}dismissed (?:the )?(?:claims?|reports?|allegations?|accusations?)",
            "refutes?", "refuted",
        ],
        "denial_nouns": ["denials?"],
        "mention_markers": [
            "despite", "in spite of", "notwithstanding", "although", "even though",
            "though", "which", "who",
        ],
        "embedded_markers": [
            "which", "who", "whom", "whose", "where", "when", "if", "unless",
        ],
        "negations": [r"not", r"never", r"neither", r"nor", r"cannot", r"no(?=\s+[a-z])", r"\w+n['’]t"],
        "non_negations": [
            "not only", "not just", "not least", "not to", "no (?:more|fewer|less) than",
            "not (?:more|fewer|less) than", "no sooner", "no doubt",
        ],
    },
    "ro": {
        "aux": r"(?:(?:a|au|ar fi)(?: mai)? )",
        "source_follows": [
            "potrivit", "conform", "în opinia", "în viziunea", "după spusele",
            "relatat de", "anunțat de",
        ],
        "citing": ["citând", "cit(?:at|ată|ate|ați) de", "făcând referire la"],
        "verbs": [
            "{aux}declarat", "declară", "{aux}spus", "spune", "spun",
            "{aux}afirmat", "afirmă", "{aux}anunțat", "anunță", "{aux}precizat",
            "{aux}subliniat", "{aux}adăugat", "{aux}transmis", "{aux}relatat",
            "{aux}informat", "{aux}confirmat", "{aux}dezvăluit", "{aux}explicat",
            "{aux}menționat", "{aux}notat", "{aux}răspuns",
        ],
        "verbs_weak": [
            "precizează", "subliniază", "adaugă", "transmite", "relatează", "informează",
            "confirmă", "dezvăluie", "explică", "menționează", "notează",
            "susține", "susțin", "{aux}susținut", "scrie", "scriu", "{aux}scris",
            "consideră", "cred", "estimează", "{aux}estimat", "avertizează",
            "{aux}avertizat", "acuză", "{aux}acuzat", "{aux}insistat",
        ],
        "verbs_subject_first": [],
        "inversion_triggers": ["cum"],
        "connectors": ["al", "a", "ai", "ale", "de", "din", "lui"],
        "weak_connectors": ["pentru"],
        "origin_connectors": [],
        "source_prepositions": [],
        "correlatives": ["nici"],
        "determiners": [
            "un", "o", "niște", "unui", "unei", "unor", "acest", "această",
            "acești", "aceste", "câțiva", "câteva", "doi", "două",
        ],
        "pronouns": ["el", "ea", "ei", "ele", "acesta", "aceasta", "aceștia", "acestea", "dânsul"],
        "coordinators": ["și", "sau"],
        "prepositions": [
            "în", "la", "pe", "cu", "despre", "către", "după", "prin", "până",
            "spre", "sub", "fără", "între", "dintre", "asupra", "privind",
            "într-un", "într-o", "printre", "față", "contra", "împotriva",
        ],
        "stop_words": [
            "că", "care", "ce", "să", "dacă", "când", "unde", "iar", "dar",
            "însă", "este", "e", "sunt", "era", "erau", "fost", "fi", "va", "vor",
            "ar", "au", "nu", "se", "s-a", "s-au", "mai", "deja", "poate", "pot",
            "putea", "acum", "doar", "numai", "ca", "cum", "nici", "decât",
        ],
        "adverbs": [
            "mai", "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă",
            "duminică", "ieri", "astăzi", "azi", "recent", "anterior", "ulterior",
            "deja", "din nou", "public", "încă",
        ],
        "temporal": [
            "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică",
            "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie",
            "august", "septembrie", "octombrie", "noiembrie", "decembrie",
            "săptămâna", "săptămână", "luna", "lună", "anul", "an", "ziua",
            "dimineața", "seara", "ieri", "astăzi", "azi",
        ],
        "complementizers": ["că"],
        "hedges": [
            r"(?:s-)?ar(?: mai)? [^\W\d_]+", "poate", "pot(?: fi)?", "posibil[ăe]?",
            "probabil", "eventual", "aparent", "se pare", "pare să", "părea să",
            "se presupune", "presupus(?:ul|a|e|ă|i|ii)?", "se crede", "se spune",
            "nu (?:este|e|era) clar", "neclar", "nu (?:se )?exclude", "nu (?:a|au) exclus",
            "nu (?:este|e) exclus",
            "nu (?:a|au) negat", "nu neagă", "potențial", "s-a raportat",
            "ar urma", "pretins(?:ul|a|e|ă|i)?", "neconfirmat(?:ă|e|i)?",
            "nu (?:a|au) (?:fost )?confirmat(?:ă|e|i)?", "nu (?:poate|pot) confirma",
        ],
        "denial_verbs": [
            "neagă", "{aux}negat", "negat[ăe]?", "negați", "dezminte", "dezmint",
            "{aux}dezmințit", "infirmă", "{aux}infirmat", "resping(?:e)? (?:acuzațiile|informațiile|afirmațiile)",
        ],
        "denial_nouns": [
            "negarea", "negările", "negărilor", "negări", "negării", "dezmințir(?:ea|ile|ilor|i|ii)",
            "dezmințire",
        ],
        "mention_markers": [
            "în ciuda", "deși", "cu toate că", "chiar dacă", "ceea ce", "lucru pe care",
            "fapt pe care", "care",
        ],
        "embedded_markers": ["care", "să", "când", "dacă", "unde", "deși"],
        "negations": [r"nu", r"nici", r"n-(?:a|au|am|ai|ați|o|ar)"],
        "non_negations": [
            "nu numai", "nu doar", "nu mai (?:puțin|mult) de", "nu mai (?:puțin|mult) decât",
            "nici măcar",
        ],
    },
    "uk": {
        "aux": "",
        "source_follows": [
            "за словами", "за даними", "за інформацією", "за повідомленням",
            "за повідомленнями", "за оцінками", "за оцінкою", "на думку",
            "згідно з(?: даними)?", "згідно із", "з слів",
        ],
        "citing": ["посилаючись на", "з посиланням на", "цитуючи"],
        "verbs": [
            "заяв(?:ив|ила|или|ило|ляє|ляють)", "сказа(?:в|ла|ли|ло)",
            "повідоми(?:в|ла|ли|ло)", "повідомля(?:є|ють)", "підтверди(?:в|ла|ли|ло)",
            "оголоси(?:в|ла|ли|ло)", "зазнача(?:є|ють)", "зазначи(?:в|ла|ли|ло)",
            "наголоси(?:в|ла|ли|ло)", "наголошу(?:є|ють)", "дода(?:в|ла|ли|ло)",
            "розпові(?:в|ла|ли|ло)", "говорить", "каже", "кажуть", "поінформува(?:в|ла|ли)",
            "відпові(?:в|ла|ли)",
        ],
        "verbs_weak": [
            "вважа(?:є|ють|в|ла|ли)", "припуска(?:є|ють)", "пише", "пишуть",
            "писа(?:в|ла|ли)", "стверджу(?:є|ють)", "стверджува(?:в|ла|ли)",
            "попереджа(?:в|ла|ли|є|ють)", "попереди(?:в|ла|ли)", "звинувачу(?:є|ють)",
            "звинувати(?:в|ла|ли)", "переконаний", "переконані",
        ],
        "verbs_subject_first": [],
        "inversion_triggers": ["як"],
        "inversion_openers": ["про це", "це"],
        "connectors": [],
        "weak_connectors": [],
        "origin_connectors": ["з", "із"],
        "source_prepositions": ["у", "в"],
        "correlatives": ["ні"],
        "determiners": ["цей", "ця", "ці", "деякі", "кілька", "декілька"],
        "pronouns": ["він", "вона", "вони", "воно", "ми", "я", "ви", "це"],
        "coordinators": ["і", "й", "та", "або", "чи"],
        "prepositions": [
            "в", "у", "на", "з", "із", "зі", "до", "для", "від", "під", "над",
            "через", "після", "перед", "про", "по", "при", "без", "біля", "між",
            "серед", "щодо", "протягом", "під час", "за",
        ],
        "stop_words": [
            "що", "як", "який", "яка", "яке", "які", "якого", "якої", "яких",
            "котрий", "коли", "де", "якщо", "щоб", "але", "а", "проте", "однак",
            "тому", "бо", "не", "ні", "є", "був", "була", "були", "було", "буде",
            "будуть", "може", "можуть", "має", "мають", "вже", "ще", "лише",
            "тільки", "ж", "же", "б", "би", "навіть", "нібито", "ніж",
        ],
        "adverbs": [
            "також", "неодноразово", "раніше", "вчора", "сьогодні", "нещодавно",
            "знову", "публічно", "вже", "теж", "згодом", "тоді", "зокрема",
        ],
        "temporal": [
            "понеділок", "вівторок", "середу", "середа", "четвер", "п'ятницю",
            "п’ятницю", "суботу", "неділю", "січні", "лютому", "березні",
            "квітні", "травні", "червні", "липні", "серпні", "вересні", "жовтні",
            "листопаді", "грудні", "січня", "лютого", "березня", "квітня",
            "травня", "червня", "липня", "серпня", "вересня", "жовтня",
            "листопада", "грудня", "тижня", "тиждень", "місяця", "місяць", "року",
            "рік", "днів", "вранці", "ввечері", "вчора", "сьогодні", "раніше",
        ],
        "complementizers": ["що", "нібито"],
        "hedges": [
            "може(?: бути)?", "можуть(?: бути)?", "(?:міг|могла|могло|могли) би?",
            r"[^\W\d_]+(?:в|ла|ло|ли) би?(?!\w)", "можливо", "можлив(?:ий|а|е|і|ого|ої|их|им)",
            "ймовірно", "імовірно", "вірогідно", "нібито", "начебто", "мабуть",
            "напевно", "ніби", "буцімто", "як повідомляється", "повідомляється",
            "не виключено", "не виключа(?:є|ють)", "не виключи(?:в|ла|ли)", "незрозуміло",
            "неясно", "не ясно", "не зрозуміло", "за неофіційними даними",
            "за непідтвердженими даними", "вочевидь", "не заперечи(?:в|ла|ли)",
            "не заперечу(?:є|ють)", "ймовірн(?:ий|а|е|і|ого|ої|их|им|ою)",
            r"не (?:(?:може|можуть|змогли|змогла|зміг) )?підтверд[^\W\d_]*", r"непідтверджен[^\W\d_]*",
        ],
        "denial_verbs": [
            "заперечу(?:є|ють|вав|вала|вали)", "заперечи(?:в|ла|ли|ло)",
            "спростову(?:є|ють|вав|вала|вали)", "спростува(?:в|ла|ли|ло)",
        ],
        "denial_nouns": ["заперечення", "заперечень", "запереченн(?:ям|ями|і|ю)", "спростуван(?:ня|ням|ь|нями)"],
        "mention_markers": [
            "попри", "незважаючи на", "всупереч", "хоча", "хоч", "який", "яка",
            "яке", "які", "котрі",
        ],
        "embedded_markers": [
            "який", "яка", "яке", "які", "якого", "якої", "яких", "якому", "якій",
            "якими", "котрий", "котра", "котрі", "щоб", "коли", "якщо", "де",
            "попри", "незважаючи", "хоча",
        ],
        "negations": [r"не", r"ні", r"ніколи", r"немає"],
        "non_negations": [
            "не лише", "не тільки", "не раз", "не менше", "не більше", "не менш",
            "не більш", "не пізніше", "не так давно", "ні-ні",
        ],
    },
    "bg": {
        "aux": r"(?:(?:е|са)(?: бил[аи]?)? )?",
        "source_follows": [
            "според", "по думите на", "по данни на", "по информация на",
            "по сведения на", "по оценки на", "по оценка на", "съгласно",
        ],
        "citing": [
            "позоваващ(?:а|о|и)? се на", "позовавайки се на", "като се позовава на",
            "цитиран(?:а|о|и)? от", "цитирайки",
        ],
        "verbs": [
            "заяви", "заявиха", "заявява", "заявяват", "{aux}заявил(?:а|о|и)?",
            "каза", "казаха", "казва", "казват", "{aux}казал(?:а|о|и)?", "съобщи",
            "съобщиха", "съобщава", "съобщават", "{aux}съобщил(?:а|о|и)?", "добави",
            "добавиха", "подчерта", "подчертаха", "посочи", "посочиха", "обяви",
            "обявиха", "потвърди", "потвърдиха", "разкри", "разкриха", "информира",
            "уточни", "уточниха", "отбеляза", "отбелязаха", "отговори", "отговориха",
        ],
        "verbs_weak": [
            "твърди", "твърдят", "{aux}твърдял(?:а|о|и)?", "сочи", "сочат", "смята",
            "смятат", "пише", "пишат", "предупреди", "предупредиха", "обвинява", "обвини", "обвиниха",
            "обвиняват", "намекна", "намекнаха", "настоява", "настояват", "сподели", "споделиха",
        ],
        "verbs_subject_first": [],
        "inversion_triggers": ["както"],
        "inversion_openers": ["това", "за това", "именно това"],
        "connectors": ["на"],
        "weak_connectors": ["за", "по"],
        "origin_connectors": ["от"],
        "source_prepositions": ["от"],
        "correlatives": ["нито"],
        "determiners": ["един", "една", "едно", "някои", "този", "тази", "тези", "няколко", "двама"],
        "pronouns": ["той", "тя", "те", "то", "ние", "аз", "вие", "това"],
        "coordinators": ["и", "или"],
        "prepositions": [
            "в", "във", "от", "до", "с", "със", "за", "по", "пред", "при", "през",
            "след", "преди", "към", "между", "без", "срещу", "около", "чрез",
            "върху", "над", "под", "сред", "заради", "относно",
        ],
        "stop_words": [
            "че", "който", "която", "което", "които", "чийто", "когато",
            "където", "ако", "да", "но", "а", "обаче", "е", "са", "бе", "беше",
            "бяха", "бил", "била", "били", "ще", "би", "биха", "може", "могат",
            "не", "нито", "се", "си", "вече", "още", "само", "как", "какво",
            "защо", "дори", "уж", "като", "отколкото",
        ],
        "adverbs": [
            "също", "вчера", "днес", "неведнъж", "отново", "публично", "вече",
            "още", "многократно", "наскоро", "по-рано", "изрично",
        ],
        "temporal": [
            "понеделник", "вторник", "сряда", "четвъртък", "петък", "събота",
            "неделя", "януари", "февруари", "март", "април", "май", "юни", "юли",
            "август", "септември", "октомври", "ноември", "декември", "седмица",
            "седмицата", "месец", "месеца", "година", "годината", "ден", "деня",
            "сутринта", "вечерта", "вчера", "днес",
        ],
        "complementizers": ["че"],
        "hedges": [
            "може би", "може", "могат", r"(?:би|биха|бихме|бих) [^\W\d_]+",
            "малко вероятно", "вероятно", "вероятн(?:ия|ият|ата|ото|ите|а|о|и)",
            "възможно", "възможн(?:а|и|ия|ият|ата|ото|ите)", "евентуално",
            "евентуалн(?:а|и|ия|ият|ата|ото|ите)", "навярно", "предполага се",
            "се предполага", "твърди се", "се твърди", "уж", "изглежда",
            "като че ли", "не е ясно", "неясно", "не е изключено", "не изключва(?:т)?",
            "не изключи", "предполагаем(?:а|о|и|ия|ият|ата|ото|ите)?",
            "твърдян(?:а|о|и|ия|ият|ата|ото|ите)?", "съобщава се", "се съобщава",
            "по неофициални данни", "по непотвърдени данни", "потенциално",
            "не отрича", "не отрекоха", "не отрече", "предполага(?:т)?", r"не (?:(?:може|могат) да )?потвърд[^\W\d_]*",
            r"непотвърден[^\W\d_]*",
        ],
        "denial_verbs": [
            "отрича", "отричат", "отрече", "отрекоха", "{aux}отрекл(?:а|о|и)?",
            "{aux}отрекъл", "опроверга(?:ва|ват|ха)?", "{aux}опровергал(?:а|о|и)?",
        ],
        "denial_nouns": [
            "отричане(?:то)?", "отричания(?:та)?", "опровержени(?:е|ето|я|ята)",
        ],
        "mention_markers": [
            "въпреки", "независимо от", "макар че", "макар и", "което", "които",
            "който", "която",
        ],
        "embedded_markers": [
            "който", "която", "което", "които", "чийто", "да", "когато", "ако",
            "където", "въпреки", "макар",
        ],
        "negations": [r"не", r"нито", r"никога", r"няма"],
        "non_negations": [
            "не само", "не повече от", "не по-малко от", "не по-късно от",
            "не след дълго", "защо не",
        ],
    },
    "fr": {
        "aux": (
            r"(?:(?:a|ont|avait|avaient|aurait|auraient|a-t-il|a-t-elle|ont-ils|ont-elles)"
            r"(?: (?:également|aussi|encore|déjà|notamment|pourtant))? )"
        ),
        "source_follows": [
            "selon", "d['’]après", "aux dires de", "de l['’]avis de", "rapporté par",
            "rapportés par", "rapportée par",
        ],
        "citing": ["citant", "en citant", "se référant à", "cit(?:é|ée|és|ées) par"],
        "verbs": [
            "{aux}déclaré", "déclare", "déclarent", "{aux}dit", "{aux}affirmé",
            "{aux}annoncé", "{aux}souligné", "{aux}noté", "{aux}indiqué",
            "{aux}précisé", "{aux}ajouté", "{aux}expliqué", "{aux}confirmé",
            "{aux}rapporté", "{aux}révélé", "{aux}assuré", "{aux}fait savoir",
            "{aux}relevé", "{aux}insisté", "{aux}martelé", "{aux}répondu",
        ],
        "verbs_weak": [
            "affirme", "affirment", "souligne", "soulignent", "indique", "indiquent",
            "précise", "précisent", "ajoute", "ajoutent", "explique", "expliquent",
            "confirme", "confirment", "rapporte", "rapportent", "révèle", "assure",
            "{aux}estimé", "estime", "estiment", "{aux}écrit", "écrit", "écrivent", "dit", "disent",
            "{aux}averti", "avertit", "{aux}accusé", "accuse", "accusent",
            "{aux}prétendu", "prétend", "prétendent", "{aux}jugé", "juge", "jugent",
            "pense", "pensent", "croit", "croient",
        ],
        "verbs_subject_first": [],
        "inversion_triggers": ["comme", "qu'", "qu’", "que"],
        "verb_clitics": ["l'", "l’"],  # "comme l'a déclaré X"
        "connectors": ["de", "du", "des", "d'", "d’"],
        "weak_connectors": ["pour", "chargé"],
        "origin_connectors": [],
        "source_prepositions": [],
        "correlatives": ["ni"],
        "determiners": [
            "le", "la", "les", "l'", "l’", "un", "une", "ce", "cette", "ces",
            "son", "sa", "ses", "leur", "leurs", "plusieurs", "certains",
            "certaines", "deux", "trois",
        ],
        "pronouns": ["il", "elle", "ils", "elles", "on", "lui", "eux", "nous", "je", "celui-ci", "celle-ci"],
        "coordinators": ["et", "ou"],
        "prepositions": [
            "à", "au", "aux", "en", "dans", "sur", "par", "pour", "avec", "lors",
            "pendant", "après", "avant", "depuis", "chez", "contre", "sans",
            "vers", "entre", "devant", "auprès", "sous", "malgré", "parmi",
        ],
        "stop_words": [
            "que", "qu'", "qu’", "qui", "dont", "où", "quand", "lorsque", "lorsqu'",
            "lorsqu’", "si", "s'", "s’", "mais", "car", "comme", "est", "sont",
            "était", "étaient", "a", "ont", "avait", "avaient", "sera", "seront",
            "serait", "peut", "peuvent", "pourrait", "pourraient", "doit",
            "doivent", "ne", "n'", "n’", "pas", "y", "se", "cela", "ça", "aussi",
            "également", "encore", "déjà", "c'", "c’",
        ],
        "adverbs": [
            "également", "aussi", "encore", "déjà", "notamment", "ensuite",
            "hier", "aujourd'hui", "aujourd’hui", "publiquement",
            "récemment", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
            "samedi", "dimanche",
        ],
        "temporal": [
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
            "dimanche", "janvier", "février", "mars", "avril", "mai", "juin",
            "juillet", "août", "septembre", "octobre", "novembre", "décembre",
            "semaine", "mois", "année", "an", "jour", "matin", "soir", "hier",
            "aujourd'hui", "aujourd’hui",
        ],
        "complementizers": ["que", "qu'", "qu’"],
        "hedges": [
            "peuvent(?: être)?", "peut(?: être)?", "peut-être", "pourrai(?:t|ent)(?: être)?",
            "serai(?:t|ent)", "aurai(?:t|ent)", "devrai(?:t|ent)", "semblerai(?:t|ent)",
            "voudrai(?:t|ent)", "faudrait", r"[^\W\d_]+erai(?:t|ent)", "probablement",
            "possiblement", "vraisemblablement", "apparemment", "semblent", "semble",
            "présumé(?:e|s|es)?", "prétendu(?:e|s|es)?", "supposé(?:e|s|es)?",
            "éventuel(?:le|s|les)?", "éventuellement", "potentiellement", "il a été (?:signalé|rapporté|affirmé)",
            "il (?:est|serait) possible", "on ignore", "(?:n['’]est|n['’]était) pas clair",
            "(?:n['’]|ne )(?:exclu(?:t|ent)|a pas exclu|ont pas exclu|pas exclu)(?: pas)?",
            "(?:n['’]|ne )(?:a|ont) pas (?:démenti|nié)", "(?:ne|n['’]) (?:dément|nie)(?:nt)? pas",
            "selon certaines informations", "non confirmée?s?",
            "(?:ne )?confirm[^\\W\\d_]* ni (?:ne )?(?:dément|dement|nie)[^\\W\\d_]*",
            "(?:n['’]|ne )(?:a|ont|avait|avaient) pas (?:été )?confirmée?s?",
            "(?:n['’]|ne )(?:peut|peuvent|pouvait|pouvaient) pas confirmer",
        ],
        "denial_verbs": [
            "nient", "nie", "{aux}nié", "démentent", "dément", "{aux}démenti",
            "(?:a|ont|avait|avaient) été (?:démenti|nié)(?:e|s|es)?", "(?:démenti|nié)(?:e|s|es)? par",
            "réfute(?:nt)?", "{aux}réfuté", "rejette(?:nt)? (?:les )?(?:accusations|allégations|informations)",
        ],
        "denial_nouns": ["démentis?", "dénégations?", "démentie?s?"],
        "mention_markers": [
            "malgré", "en dépit d[eu']", "en dépit des", "bien que", "bien qu['’]",
            "quoique", "même si", "ce que", "ce qu['’]", "qui", "lesquels", "lesquelles",
        ],
        "embedded_markers": [
            "qui", "dont", "où", "lequel", "laquelle", "lesquels", "lesquelles",
            "pour", "afin", "quand", "lorsque", "lorsqu'", "lorsqu’", "si", "s'",
            "s’", "malgré", "bien", "quoique",
        ],
        "negations": [
            # "ne/n'" with its second part up to three words on: "ne s'est pas", "n'a jamais"
            (
                r"(?:ne|n['’])(?:\s+|(?=\w))(?:[^\s.,;:!?]+\s+){0,3}?"
                r"(?:pas|plus|jamais|rien|aucune?|guère|nullement|point)"
            ),
            r"(?:rien|personne|aucune?) (?:ne |n['’])[^\W\d_]+",
            r"ni",
        ],
        "non_negations": ["non seulement", "ne (?:[^\\s.,;:!?]+ ){0,2}?que", "pas moins de", "pas plus de"],
    },
    "ru": {
        "aux": "",
        "source_follows": [
            "по словам", "по данным", "по информации", "по сообщению",
            "по сообщениям", "по мнению", "по оценкам", "по оценке", "согласно",
            "со слов",
        ],
        "citing": ["ссылаясь на", "со ссылкой на", "цитируя"],
        "verbs": [
            "заяви(?:л|ла|ли|ло)", "заявля(?:ет|ют)", "сообщи(?:л|ла|ли|ло)",
            "сообща(?:ет|ют)", "сказа(?:л|ла|ли|ло)", "подтверди(?:л|ла|ли|ло)",
            "отмети(?:л|ла|ли|ло)", "отмеча(?:ет|ют)", "подчеркну(?:л|ла|ли|ло)",
            "подчёркива(?:ет|ют)", "подчеркива(?:ет|ют)", "добави(?:л|ла|ли|ло)",
            "рассказа(?:л|ла|ли|ло)", "объяви(?:л|ла|ли|ло)", "говорит", "говорят",
            "уточни(?:л|ла|ли|ло)", "ответи(?:л|ла|ли)",
        ],
        "verbs_weak": [
            "счита(?:ет|ют|л|ла|ли)", "пишет", "пишут", "писа(?:л|ла|ли)",
            "утвержда(?:ет|ют|л|ла|ли)", "полага(?:ет|ют)", "предупреди(?:л|ла|ли)",
            "предупрежда(?:ет|ют)", "обвиня(?:ет|ют|л|ла|ли)",
        ],
        "verbs_subject_first": [],
        "inversion_triggers": ["как"],
        "inversion_openers": ["об этом", "это", "о том"],
        "connectors": [],
        "weak_connectors": ["по"],
        "origin_connectors": ["из"],
        "source_prepositions": ["в", "во"],
        "correlatives": ["ни"],
        "determiners": ["этот", "эта", "эти", "некоторые", "несколько"],
        "pronouns": ["он", "она", "они", "оно", "мы", "я", "вы", "это"],
        "coordinators": ["и", "или"],
        "prepositions": [
            "в", "во", "на", "с", "со", "из", "до", "для", "от", "под", "над",
            "через", "после", "перед", "о", "об", "по", "при", "без", "у", "к",
            "ко", "между", "среди", "около", "за", "про",
        ],
        "stop_words": [
            "что", "как", "который", "которая", "которое", "которые", "которых",
            "когда", "где", "если", "чтобы", "но", "а", "однако", "не", "ни",
            "есть", "был", "была", "были", "было", "будет", "будут", "может",
            "могут", "уже", "ещё", "еще", "лишь", "только", "же", "бы", "якобы",
            "даже", "чем",
        ],
        "adverbs": [
            "также", "ранее", "вчера", "сегодня", "неоднократно", "снова",
            "публично", "уже", "тоже", "позже", "недавно",
        ],
        "temporal": [
            "понедельник", "вторник", "среду", "среда", "четверг", "пятницу",
            "субботу", "воскресенье", "января", "февраля", "марта", "апреля",
            "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
            "декабря", "недели", "неделе", "месяца", "года", "году", "вчера",
            "сегодня", "ранее", "утром", "вечером",
        ],
        "complementizers": ["что", "якобы"],
        "hedges": [
            "может(?: быть)?", "могут(?: быть)?", "(?:мог|могла|могло|могли) бы",
            r"[^\W\d_]+(?:л|ла|ло|ли) бы(?!\w)", "возможно", "вероятно",
            "маловероятно", "якобы", "предположительно", "по-видимому", "видимо",
            "будто бы", "по неподтвержденным данным", "по неофициальным данным",
            "как сообщается", "сообщается", "не исключено", "не исключа(?:ет|ют)",
            "не исключи(?:л|ла|ли)", "неясно", "не ясно", "по всей видимости",
            "не отрица(?:ет|ют|л|ла|ли)", "не опроверг(?:ла|ли)?",
            "возможн(?:ый|ая|ое|ые|ого|ой|ых)",
            r"не (?:(?:может|могут|смогли|смог) )?подтверд[^\W\d_]*", r"неподтвержд[^\W\d_]*",
        ],
        "denial_verbs": [
            "отрица(?:ет|ют|л|ла|ли|ло)", "опроверг(?:ла|ли|ло|ает|ают|нул|нула|нули)?",
            "опровергну(?:л|ла|ли)",
        ],
        "denial_nouns": ["отрицани(?:е|я|ю|ем|я)", "опровержени(?:е|я|ю|ем|й|ями)"],
        "mention_markers": [
            "несмотря на", "вопреки", "хотя", "невзирая на", "который", "которая",
            "которое", "которые",
        ],
        "embedded_markers": [
            "который", "которая", "которое", "которые", "которых", "которым",
            "чтобы", "когда", "если", "где", "несмотря", "хотя", "вопреки",
        ],
        "negations": [r"не", r"ни", r"никогда", r"нет"],
        "non_negations": [
            "не только", "не раз", "не менее", "не более", "не больше",
            "не меньше", "не позднее", "не так давно", "ни разу",
        ],
    },
}

LANGUAGES: tuple[str, ...] = tuple(_LEXICON)

# Word-class fields of a lexicon entry (plain lower-case words).
_WORD_CLASSES = (
    "inversion_triggers", "connectors", "weak_connectors", "origin_connectors",
    "source_prepositions", "correlatives", "verb_clitics", "determiners",
    "pronouns", "coordinators", "prepositions", "stop_words", "adverbs",
    "temporal", "complementizers",
)
# Cue classes, in the order their alternatives are tried at one position:
# a longer prepositional cue ("reported by") must win over a verb ("reported").
_CUE_CLASSES = ("source_follows", "citing", "verbs", "verbs_weak", "verbs_subject_first", "denials")
# Before a denial verb these make it passive ('was denied', 'a fost negat'): its subject is
# what is denied, not who denies. French passives are whole fragments ('ont été démenties').
_PASSIVE_AUXILIARIES = frozenset({"was", "were", "been", "being", "fost", "был", "была", "было", "были", "був",
                                  "була", "було", "були", "беше", "бяха"})
_PASSIVE_FRAGMENT = re.compile(r"\b(?:été|par|by)\b", re.IGNORECASE)

# Longest sources we accept, in words; beyond this we are reading a clause.
_FORWARD_LIMIT = 14
_BACKWARD_LIMIT = 12
# Words a weak verb may take before its complementizer ("accused Kim, that").
_COMPLEMENT_WINDOW = 3
_APPOSITION_LIMIT = 8

_OPENING_QUOTES = frozenset("„“«\"'‘‹")
_CLOSING_QUOTES = frozenset("”“»\"'’›")
_STATEMENT_END = frozenset(".!?;") | _CLOSING_QUOTES
# Punctuation after which a reporting verb follows the reported text.
_INVERSION_PUNCT = frozenset(",:;—–-") | _CLOSING_QUOTES
_CLAUSE_BOUNDARY = re.compile(r"[,;:.!?()\[\]—–„“”«»\"]")

# Words, French/English elisions ("l'", "qu'", "n'") and French inverted subject
# pronouns ("a-t-|il", "ont-|ils") as their own token, dotted acronyms ("U.S."),
# and single punctuation characters.
_TOKEN = re.compile(
    r"(?<!\w)(?:[LlDdJjMmNnSsTtCc]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Qq]uoiqu)['’](?=[^\W\d_])"
    r"|[^\W\d_]+-(?:t-)?(?=(?:il|elle|ils|elles|on)(?![\w\-]))"
    r"|(?:[^\W\d_]\.){2,}"
    r"|\w+(?:[-‐'’]\w+)*"
    r"|[^\w\s]"
)
_BG_DEFINITE = re.compile(r"(?:ът|ят|та|то|те)$")
_BG_DEFINITE_NAME = re.compile(r"(?:ът|ят)$")


def _phrase_pattern(fragment: str, aux: str) -> str:
    return fragment.replace("{aux}", aux).replace(" ", r"\s+")


def _whole_words(alternation: str) -> re.Pattern[str]:
    # A fragment may end in an elision ("bien qu'", "d'"): the next word then follows directly.
    return re.compile(rf"(?<![\w\-‐])(?:{alternation})(?:(?<=['’])|(?![\w\-‐]))", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Language:
    """One language's cue lexicon, compiled."""

    cues: re.Pattern[str]  # one named group per cue class
    inversion_openers: re.Pattern[str]  # 'Про це', 'Об этом', 'Това' opening the verb's clause
    citing_start: re.Pattern[str]
    hedges: re.Pattern[str]
    denial_verbs: re.Pattern[str]
    denial_nouns: re.Pattern[str]
    mention_markers: re.Pattern[str]
    embedded_markers: frozenset[str]
    negations: re.Pattern[str]
    non_negations: re.Pattern[str]
    inversion_triggers: frozenset[str]
    connectors: frozenset[str]
    weak_connectors: frozenset[str]
    origin_connectors: frozenset[str]
    source_prepositions: frozenset[str]
    correlatives: frozenset[str]
    verb_clitics: frozenset[str]
    determiners: frozenset[str]
    pronouns: frozenset[str]
    coordinators: frozenset[str]
    prepositions: frozenset[str]
    stop_words: frozenset[str]
    adverbs: frozenset[str]
    temporal: frozenset[str]
    complementizers: frozenset[str]
    bulgarian_articles: bool  # apply the "one definite article per noun phrase" rule
    closed_class: frozenset[str]  # every word that cannot be inside a source


def _compile(entries: list[dict[str, list[str] | str]], bulgarian_articles: bool) -> _Language:
    def fragments(name: str) -> list[tuple[str, str]]:
        return [(f, str(e["aux"])) for e in entries for f in e.get(name, ())]

    def alternation(name: str) -> str:
        return "|".join(
            _phrase_pattern(f, aux)
            for f, aux in sorted(set(fragments(name)), key=lambda fa: len(fa[0]), reverse=True)
        )

    def words(name: str) -> frozenset[str]:
        return frozenset(w for e in entries for w in e.get(name, ()))

    def cue_fragments(name: str) -> str:
        # A denial verb is a reporting verb too: its subject is the one who denies ('Peskov a negat').
        return alternation("denial_verbs" if name == "denials" else name)

    cue_groups = "|".join(f"(?P<{name}>{cue_fragments(name)})" for name in _CUE_CLASSES
                          if fragments("denial_verbs" if name == "denials" else name))
    classes = {name: words(name) for name in _WORD_CLASSES}
    closed = frozenset().union(
        *(classes[n] for n in ("pronouns", "prepositions", "stop_words", "temporal", "complementizers"))
    )
    return _Language(
        cues=_whole_words(cue_groups),
        citing_start=_whole_words(alternation("citing")),
        inversion_openers=_whole_words(alternation("inversion_openers") or "(?!)"),
        hedges=_whole_words(alternation("hedges")),
        denial_verbs=_whole_words(alternation("denial_verbs")),
        denial_nouns=_whole_words(alternation("denial_nouns")),
        mention_markers=_whole_words(alternation("mention_markers")),
        embedded_markers=words("embedded_markers"),
        negations=_whole_words(alternation("negations")),
        non_negations=_whole_words(alternation("non_negations")),
        bulgarian_articles=bulgarian_articles,
        closed_class=closed,
        **classes,
    )


_COMPILED: dict[str, _Language] = {
    code: _compile([entry], bulgarian_articles=code == "bg") for code, entry in _LEXICON.items()
}
# Unknown or undetected language: every language's cues at once.
_ANY_LANGUAGE = _compile(list(_LEXICON.values()), bulgarian_articles=False)


def _language(code: str) -> _Language:
    if not isinstance(code, str):
        return _ANY_LANGUAGE
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return _COMPILED.get(base, _ANY_LANGUAGE)


# --------------------------------------------------------------------------- tokens


@dataclass(slots=True)
class _Tokens:
    starts: list[int]
    ends: list[int]
    surface: list[str]
    lower: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def first_at_or_after(self, offset: int) -> int:
        return bisect_left(self.starts, offset)

    def is_word(self, i: int) -> bool:
        return 0 <= i < len(self.starts) and self.surface[i][0].isalnum()

    def is_capitalized(self, i: int) -> bool:
        return self.is_word(i) and self.surface[i][0].isupper()

    def is_acronym(self, i: int) -> bool:
        word = self.surface[i]
        return self.is_word(i) and len(word) > 1 and word.isupper()

    def is_initial(self, i: int) -> bool:
        """A single capital letter followed by a period: "Дмитро С."."""
        return self.is_word(i) and len(self.surface[i]) == 1 and self.surface[i].isupper()


def _tokenize(text: str) -> _Tokens:
    starts: list[int] = []
    ends: list[int] = []
    surface: list[str] = []
    for match in _TOKEN.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
        surface.append(match.group())
    return _Tokens(starts, ends, surface, [s.lower() for s in surface])


# ------------------------------------------------------------------ noun phrases


class _PhraseScanner:
    """Finds the source noun phrase on either side of a cue, in token indices.

    ``claimed`` holds tokens already used by a cue or a source: a scan stops
    there, except that it runs through a citing chain (``chains`` maps the first
    token of a citing cue to the end of its source, ``chain_ends`` the last token
    of that source back to the cue), so the outer source covers the chain.
    """

    def __init__(self, tokens: _Tokens, lang: _Language, claimed: set[int]) -> None:
        self.tok = tokens
        self.lang = lang
        self.claimed = claimed
        self.chains: dict[int, int] = {}
        self.chain_ends: dict[int, int] = {}

    # -- word classes ----------------------------------------------------------

    def _is_definite(self, i: int) -> bool:
        if not self.lang.bulgarian_articles or not self.tok.is_word(i):
            return False
        word = self.tok.lower[i]
        if word in self.lang.closed_class or len(word) < 4:
            return False
        if self.tok.is_capitalized(i):
            return _BG_DEFINITE_NAME.search(word) is not None
        return _BG_DEFINITE.search(word) is not None

    def _is_link(self, i: int, phrase_start: int) -> bool:
        """Whether token i ties the following words into the phrase before it."""
        tok = self.tok
        word = tok.lower[i]
        if word in self.lang.connectors:
            return True
        if word in self.lang.origin_connectors:
            # 'експерти от Сеул', but 'професор Емануел Ким | от катедрата'.
            return not any(tok.is_capitalized(k) for k in range(phrase_start, i))
        return (
            word in self.lang.weak_connectors
            and tok.is_capitalized(i - 1)
            and tok.is_word(i + 1)
            and not tok.is_capitalized(i + 1)
        )

    def is_material(self, i: int) -> bool:
        """A word that can be part of a source phrase."""
        return (
            self.tok.is_word(i)
            and i not in self.claimed
            and self.tok.lower[i] not in self.lang.closed_class
        )

    def _is_time_word(self, i: int) -> bool:
        return self.tok.is_word(i) and self.tok.lower[i] in self.lang.temporal

    def skip_adverbials_forward(self, i: int) -> int:
        """Skip 'luni', 'also', 'у вівторок', 'on Monday' right after a verb."""
        n = len(self.tok)
        while i < n:
            word = self.tok.lower[i]
            if word in self.lang.adverbs or self._is_time_word(i):
                i += 1
            elif word in self.lang.prepositions and self._is_time_word(i + 1):
                i += 2
            else:
                return i
        return i

    def skip_adverbials_backward(self, i: int) -> int:
        while i >= 0:
            if self.tok.lower[i] in self.lang.adverbs:
                i -= 1
            elif self._is_time_word(i):
                i -= 2 if i > 0 and self.tok.lower[i - 1] in self.lang.prepositions else 1
            else:
                return i
        return i

    def _closing_quote(self, i: int) -> int | None:
        for k in range(i + 1, min(len(self.tok), i + _FORWARD_LIMIT)):
            if self.tok.surface[k] in _CLOSING_QUOTES:
                return k
            if not self.tok.is_word(k) and self.tok.surface[k] not in ".-&":
                return None
        return None

    def _opening_quote(self, i: int) -> int | None:
        for k in range(i - 1, max(-1, i - _BACKWARD_LIMIT), -1):
            if self.tok.surface[k] in _OPENING_QUOTES:
                return k
            if not self.tok.is_word(k) and self.tok.surface[k] not in ".-&":
                return None
        return None

    # -- forward ---------------------------------------------------------------

    def after_inverted_verb(self, i: int) -> tuple[int, int] | None:
        """The subject after an inverted verb: 'a declarat luni un oficial'.

        Skips time adverbials, the impersonal 'у/в/от' of 'заявили в Кремлі' /
        'посочиха от разузнаването', and a named addressee before the subject
        ('каза пред БНТ външният министър').
        """
        tok, lang = self.tok, self.lang
        i = self.skip_adverbials_forward(i)
        if i < len(tok) and tok.lower[i] in lang.source_prepositions and self.is_material(i + 1):
            i += 1
        elif i < len(tok) and tok.lower[i] in lang.prepositions and tok.is_capitalized(i + 1):
            k = i + 1
            while tok.is_capitalized(k) and k not in self.claimed:
                k += 1
            if self.is_material(k) or (k < len(tok) and tok.lower[k] in lang.determiners):
                i = k
        found = self.forward(i, prepositional=False)
        if found is None:
            return None
        return found[0], self._apposition_end(found[1])

    def is_apposition(self, start: int, end: int) -> bool:
        """A name ('Jens Stoltenberg') or a determined title ('the White House spokesman')."""
        tok = self.tok
        if not 0 < end - start <= _APPOSITION_LIMIT:
            return False
        if all(tok.is_capitalized(k) or (tok.surface[k] == "." and tok.is_initial(k - 1)) for k in range(start, end)):
            return True
        return tok.lower[start] in self.lang.determiners and all(
            self.is_material(k) or tok.lower[k] in self.lang.determiners or tok.lower[k] in self.lang.connectors
            for k in range(start + 1, end)
        )

    def _apposition_end(self, end: int) -> int:
        """Extend '..., a subliniat X' over a closing apposition ', Jens Stoltenberg.'."""
        tok = self.tok
        if end >= len(tok) or tok.surface[end] != ",":
            return end
        k = end + 1
        while k < len(tok) and tok.surface[k] not in _STATEMENT_END and tok.surface[k] != ",":
            k += 1
        closes_statement = k >= len(tok) or tok.surface[k] in _STATEMENT_END
        return k if closes_statement and self.is_apposition(end + 1, k) else end

    def forward(self, i: int, prepositional: bool) -> tuple[int, int] | None:
        """The phrase starting at token i, as [start, end) token indices.

        ``prepositional``: the cue is "according to"-like. Its source may hold a
        prepositional phrase ('джерела в уряді'), and, when no comma closes it, a
        main clause may follow directly, so the phrase must end where one begins.
        """
        tok, lang = self.tok, self.lang
        n = len(tok)
        start = i
        j = i
        ended_on_word = False
        inner_preposition: int | None = None
        while j < n and j - start < _FORWARD_LIMIT:
            word = tok.lower[j]
            has_words = j > start
            if j in self.claimed:
                if has_words and j in self.chains:
                    j = self.chains[j]
                else:
                    ended_on_word = True
                break
            if not tok.is_word(j):
                if tok.surface[j] == "." and tok.is_initial(j - 1) and has_words:
                    j += 1
                    continue
                if tok.surface[j] in _OPENING_QUOTES and (not has_words or not tok.is_capitalized(j - 1)):
                    close = self._closing_quote(j)
                    if close is not None:
                        j = close + 1
                        # A quoted name closes the phrase unless a genitive link follows.
                        if j < n and tok.is_word(j) and self._is_link(j, start):
                            continue
                break
            if word in lang.pronouns:
                if not has_words:
                    j += 1
                break
            if has_words and self._is_link(j, start):
                j += 1
                continue
            if word in lang.coordinators or word in lang.correlatives:
                if has_words and (tok.is_capitalized(j + 1) or (j + 1 < n and tok.lower[j + 1] in lang.determiners)):
                    j += 1
                    continue
                ended_on_word = True
                break
            if word in lang.determiners:
                if has_words and not self._is_link(j - 1, start) and tok.lower[j - 1] not in lang.prepositions:
                    ended_on_word = True
                    break
                j += 1
                continue
            if (
                prepositional
                and has_words
                and word in lang.prepositions
                and word not in lang.temporal
                and self.is_material(j + 1)
            ):
                if inner_preposition is None:
                    inner_preposition = j
                j += 1
                continue
            if word in lang.closed_class or (has_words and self._is_definite(j) and not self._is_link(j - 1, start)):
                ended_on_word = True
                break
            j += 1
        if j - start >= _FORWARD_LIMIT:
            ended_on_word = True
        if prepositional and ended_on_word:
            j = self._split_run_on_clause(start, j, inner_preposition)
        end = self._trim_end(start, j)
        if end <= start:
            return None
        return self._finish(start, end)

    def _split_run_on_clause(self, start: int, end: int, inner_preposition: int | None) -> int:
        """End a prepositional source that no comma closes before the clause after it.

        'Според ... агенция ТАСС Мацегора е казал': the source ends after an
        acronym followed by a capitalised word, or after a quoted name; else at
        its first inner preposition; else before a trailing name that follows a
        common noun ('Според южнокорейското разузнаване | Северна Корея е ...').
        """
        tok = self.tok
        for k in range(start, end - 1):
            if tok.is_acronym(k) and tok.is_capitalized(k + 1) and not tok.is_acronym(k + 1):
                return k + 1
            if k > start and tok.surface[k] in _CLOSING_QUOTES and tok.is_word(k + 1):
                return k + 1
        if inner_preposition is not None:
            return inner_preposition
        name = self._trailing_name(start, end)
        if name is not None and name > start and tok.is_word(name - 1) and not tok.is_capitalized(name - 1):
            return name
        return end

    # -- backward --------------------------------------------------------------

    def backward(self, i: int) -> tuple[int, int] | None:
        """The phrase ending at token i (inclusive), as [start, end) token indices."""
        tok, lang = self.tok, self.lang
        end = i + 1
        j = i
        closed = False  # found where the phrase begins
        while j >= 0 and end - j <= _BACKWARD_LIMIT:
            word = tok.lower[j]
            has_words = j < i
            if j in self.claimed:
                if j in self.chain_ends and (j == i or tok.is_word(j + 1)):
                    j = self.chain_ends[j] - 1
                    continue
                closed = True
                break
            if not tok.is_word(j):
                if tok.surface[j] == "." and tok.is_initial(j - 1):
                    j -= 1
                    continue
                if has_words and tok.surface[j] in _CLOSING_QUOTES:
                    opening = self._opening_quote(j)
                    if opening is not None:
                        j = opening - 1
                        continue
                if tok.surface[j] == "," and has_words and tok.lower[j + 1] in lang.correlatives:
                    # 'нито Путин, нито Ким': take the first member too.
                    first = self._previous_correlative(j)
                    if first is not None:
                        j = first - 1
                closed = True
                break
            if word in lang.pronouns:
                if not has_words:
                    j -= 1
                closed = True
                break
            if has_words and self._is_link(j, j):
                j -= 1
                continue
            if word in lang.correlatives and has_words:
                j -= 1
                continue
            if word in lang.coordinators:
                if has_words and tok.is_capitalized(j - 1) and tok.is_capitalized(j + 1):
                    j -= 1
                    continue
                closed = True
                break
            if word in lang.determiners or self._is_definite(j):
                if (has_words and j >= 2 and tok.lower[j - 1] in lang.coordinators and tok.is_capitalized(j - 2)
                        and tok.is_capitalized(j + 1)):
                    j -= 2  # coordinated names with articles: 'la Corée du Nord et la Russie'
                    continue
                if j > 0 and tok.is_word(j - 1) and j - 1 not in self.claimed and (
                    self._is_link(j - 1, j - 1) or tok.lower[j - 1] in lang.prepositions
                ):
                    j -= 1
                    continue
                j -= 1
                closed = True
                break
            if word in lang.prepositions and word not in lang.temporal:
                if not has_words:
                    return None
                if self.is_material(j - 1):
                    j -= 1  # a prepositional phrase inside the source
                    continue
                # A fronted adverbial ('В понеделник Уотсън'): keep what follows its object.
                return self._finish(self._after_fronted_phrase(j + 1, end), end)
            if word in lang.closed_class:
                closed = True
                break
            j -= 1
        if j < 0:
            closed = True
        start = j + 1
        if not closed:
            name = self._trailing_name(start, end)
            if name is None:
                return None
            start = name
        return self._finish(self._trim_start(start, end), end)

    def _previous_correlative(self, comma: int) -> int | None:
        for k in range(comma - 1, max(-1, comma - _BACKWARD_LIMIT), -1):
            if self.tok.lower[k] in self.lang.correlatives:
                return k
            if not self.is_material(k):
                return None
        return None

    def _trailing_name(self, start: int, end: int) -> int | None:
        k = end
        while k > start and (self.tok.is_capitalized(k - 1) or self.tok.surface[k - 1] == "."):
            k -= 1
        return k if k < end else None

    def _after_fronted_phrase(self, start: int, end: int) -> int:
        """Where the subject begins after 'preposition + object': its name, else its last word."""
        name = self._trailing_name(start, end)
        if name is not None and name > start:
            return name
        for k in range(end - 1, start - 1, -1):
            if self.tok.lower[k] in self.lang.determiners:
                return k
        return end - 1

    # -- cleanup ---------------------------------------------------------------

    def _is_edge_filler(self, k: int) -> bool:
        word = self.tok.lower[k]
        if not self.tok.is_word(k):
            return self.tok.surface[k] not in _OPENING_QUOTES | _CLOSING_QUOTES | {"."}
        lang = self.lang
        return word in lang.connectors or word in lang.coordinators or word in lang.prepositions

    def _trim_end(self, start: int, end: int) -> int:
        while end > start and (self._is_edge_filler(end - 1) or self.tok.lower[end - 1] in self.lang.determiners):
            end -= 1
        return end

    def _trim_start(self, start: int, end: int) -> int:
        while start < end and self._is_edge_filler(start):
            start += 1
        return start

    def _finish(self, start: int, end: int) -> tuple[int, int] | None:
        tok = self.tok
        # Romanian "lui" only marks the case of the name after it ("potrivit lui Peskov").
        if end - start > 1 and tok.lower[start] == "lui" and tok.is_capitalized(start + 1):
            start += 1
        # A phrase that is one quoted name is reported without its quotes.
        if (
            end - start > 2
            and tok.surface[start] in _OPENING_QUOTES
            and tok.surface[end - 1] in _CLOSING_QUOTES
            and not any(tok.surface[k] in _CLOSING_QUOTES for k in range(start + 1, end - 1))
        ):
            start, end = start + 1, end - 1
        if end > start and tok.surface[end - 1] in _OPENING_QUOTES:
            end -= 1
        lang = self.lang
        if not any(
            tok.is_word(k) and tok.lower[k] not in lang.determiners and tok.lower[k] not in lang.connectors
            for k in range(start, end)
        ):
            return None
        return start, end


# ------------------------------------------------------------------ attribution


def _cue_text(match: re.Match[str]) -> str:
    return " ".join(match.group().lower().split())


_PREPOSITIONAL_CUES = ("citing", "source_follows")  # citing first: outer sources run through them


class _AttributionFinder:
    def __init__(self, text: str, lang: _Language) -> None:
        self.text = text
        self.lang = lang
        self.tok = _tokenize(text)
        self.claimed: set[int] = set()
        self.scan = _PhraseScanner(self.tok, lang, self.claimed)
        self.found: list[Attribution] = []

    def _token_span(self, match: re.Match[str]) -> tuple[int, int]:
        return self.tok.first_at_or_after(match.start()), self.tok.first_at_or_after(match.end())

    def _emit(self, span: tuple[int, int] | None, cue: str) -> tuple[int, int] | None:
        if span is None:
            return None
        start, end = span
        char_start, char_end = self.tok.starts[start], self.tok.ends[end - 1]
        self.found.append(Attribution(self.text[char_start:char_end], char_start, char_end, cue))
        self.claimed.update(range(start, end))
        return span

    def run(self) -> list[Attribution]:
        cues = [(m, *self._token_span(m)) for m in self.lang.cues.finditer(self.text)]
        for _, first, last in cues:
            self.claimed.update(range(first, last))
        # Prepositional and citing sources first: they own their words, so that a
        # verb's backward scan stops where they end ('Според ТАСС Мацегора е казал').
        for cue_class in _PREPOSITIONAL_CUES:
            for match, first, last in cues:
                if match.lastgroup != cue_class:
                    continue
                span = self._emit(self.scan.forward(last, prepositional=True), _cue_text(match))
                if span is not None and cue_class == "citing" and span[0] == last:
                    self.scan.chains[first] = span[1]
                    self.scan.chain_ends[span[1] - 1] = first
        mentions = _HedgeFinder(self.text, self.lang).mention_windows if any(
            m.lastgroup == "denials" for m, _, _ in cues) else []
        for match, first, last in cues:
            if match.lastgroup == "denials":
                if not self._denier_speaks(match, first, mentions):
                    continue
                self._emit(self._verb_source("verbs_subject_first", first, last), _cue_text(match))
            elif match.lastgroup not in _PREPOSITIONAL_CUES:
                pronoun = next((k for k in range(first, last) if self.tok.lower[k] in self.lang.pronouns), None)
                if pronoun is not None:  # the cue holds its own subject: 'a-t-il déclaré'
                    self._emit((pronoun, pronoun + 1), _cue_text(match))
                else:
                    self._emit(self._verb_source(match.lastgroup or "", first, last), _cue_text(match))
        unique = {(a.start, a.end, a.cue): a for a in self.found}
        return sorted(unique.values(), key=lambda a: (a.start, -a.end))

    def _denier_speaks(self, match: re.Match[str], first: int, mentions: list[tuple[int, int]]) -> bool:
        """Whether a denial verb names who denies: active, and in the statement's own clause
        ('despite denials', 'bien qu'il nie' only mention a denial)."""
        if _PASSIVE_FRAGMENT.search(match.group()):
            return False
        if first > 0 and self.tok.lower[first - 1] in _PASSIVE_AUXILIARIES:
            return False
        return not any(start <= match.start() < end for start, end in mentions)

    def _is_inverted(self, first: int) -> bool:
        """Whether the verb follows the reported text, so its source comes after it."""
        tok = self.tok
        p = first - 1
        while p >= 0 and (tok.lower[p] in self.lang.adverbs or tok.lower[p] in self.lang.verb_clitics):
            p -= 1
        if p < 0:
            return False
        if tok.surface[p] in _INVERSION_PUNCT or tok.lower[p] in self.lang.inversion_triggers:
            return True
        clause_start = p
        while clause_start > 0 and tok.is_word(clause_start - 1) and p - clause_start < _BACKWARD_LIMIT:
            clause_start -= 1
        return self.lang.inversion_openers.match(self.text, tok.starts[clause_start]) is not None

    def _takes_complement(self, last: int) -> bool:
        """Whether a weak verb is used as a reporting verb: 'смятат, че', 'reported.'"""
        tok, lang = self.tok, self.lang
        k = self.scan.skip_adverbials_forward(last)
        if k >= len(tok) or not tok.is_word(k) or tok.lower[k] in lang.complementizers:
            return True
        for j in range(k, min(len(tok), k + _COMPLEMENT_WINDOW + 2)):
            if tok.lower[j] in lang.complementizers or lang.citing_start.match(self.text, tok.starts[j]):
                return True
            if tok.surface[j] in ".;!?":
                return False
        return False

    def _verb_source(self, cue_class: str, first: int, last: int) -> tuple[int, int] | None:
        scan = self.scan
        weak = cue_class == "verbs_weak"
        parenthetical = self._parenthetical_before(first)
        if cue_class != "verbs_subject_first" and self._is_inverted(first):
            # 'X, citing Y, said ...' is not inverted even though a comma precedes the verb.
            if parenthetical is not None and parenthetical[2]:
                return self._source_before(parenthetical)
            found = scan.after_inverted_verb(last)
            if found is not None:
                return found
            if weak and not self._takes_complement(last):
                return None
            return self._source_before(parenthetical)
        if weak and not self._takes_complement(last):
            return None
        before = scan.skip_adverbials_backward(first - 1)
        if before < 0:
            # Statement-initial verb: 'Заяви министърът, че ...'.
            return scan.after_inverted_verb(last)
        word = self.tok.lower[before]
        if word in self.lang.determiners or word in self.lang.prepositions:
            return None  # a noun, not a verb: 'on the reports', 'the reported deal'
        if not self.tok.is_word(before) and self.tok.surface[before] != ".":
            return self._source_before(parenthetical)
        return scan.backward(before)

    def _parenthetical_before(self, first: int) -> tuple[int, int, bool] | None:
        """The comma-enclosed citing phrase or apposition right before a verb.

        Returns (opening comma, closing comma, is a citing chain) for 'X, citing
        Y, reported' and 'X, Peskov, said', else None.
        """
        tok = self.tok
        comma = first - 1
        while comma >= 0 and tok.lower[comma] in self.lang.adverbs:
            comma -= 1
        if comma < 1 or tok.surface[comma] != ",":
            return None
        opening = comma - 1
        while opening >= 0 and tok.surface[opening] != "," and comma - opening <= _FORWARD_LIMIT:
            opening -= 1
        if opening < 1 or tok.surface[opening] != "," or not self.scan.is_material(opening - 1):
            return None
        citing = opening + 1 in self.scan.chains
        if citing or self.scan.is_apposition(opening + 1, comma):
            return opening, comma, citing
        return None

    def _source_before(self, parenthetical: tuple[int, int, bool] | None) -> tuple[int, int] | None:
        """The source spanning a head phrase and the parenthetical after it."""
        if parenthetical is None:
            return None
        opening, comma, _ = parenthetical
        head = self.scan.backward(opening - 1)
        return (head[0], comma) if head is not None else None


def extract_attributions(text: str, language: str) -> list[Attribution]:
    """Who the statement says said or reported it.

    Returns one :class:`Attribution` per reporting cue whose source was found,
    ordered by position (an enclosing citing chain before the source it cites).
    Offsets index into ``text``. Unknown ``language`` codes try every language's
    cues. Never raises: odd input gives ``[]``.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        return _AttributionFinder(text, _language(language)).run()
    except Exception:  # one odd statement must not stop a 100,000-statement run
        logger.exception("attribution extraction failed on %r", text[:200])
        return []


# ---------------------------------------------------------------------- hedges

# Lower number wins an overlap; at equal priority the longer match wins.
_PRIORITY_CLAUSE = 0  # "despite denials", and fixed non-negating expressions
_PRIORITY_HEDGE = 1
_PRIORITY_DENIAL = 2
_PRIORITY_NEGATION = 3


class _HedgeFinder:
    def __init__(self, text: str, lang: _Language) -> None:
        self.text = text
        self.lang = lang
        self.boundaries = [m.start() for m in _CLAUSE_BOUNDARY.finditer(text)]
        # A concessive or relative marker covers its clause: 'despite denials, ...'.
        self.mention_windows = [(m.start(), self._clause_end(m.end())) for m in lang.mention_markers.finditer(text)]

    def _clause_end(self, position: int) -> int:
        k = bisect_left(self.boundaries, position)
        return self.boundaries[k] if k < len(self.boundaries) else len(self.text)

    def _clause_start(self, position: int) -> int:
        k = bisect_left(self.boundaries, position)
        return self.boundaries[k - 1] + 1 if k > 0 else 0

    def _mention_marker(self, position: int) -> int | None:
        """Start of the concessive or relative clause around position, if any."""
        for window_start, window_end in self.mention_windows:
            if window_start <= position < window_end:
                return window_start
        return None

    def _in_embedded_clause(self, position: int) -> bool:
        """Whether a relative, purpose, conditional or concessive word opens the clause."""
        clause = self.text[self._clause_start(position):position]
        return any(m.group().lower() in self.lang.embedded_markers for m in _TOKEN.finditer(clause))

    def candidates(self) -> list[tuple[int, int, int, HedgeKind | None]]:
        """(priority, start, end, kind) for every cue; kind None blocks without reporting."""
        lang = self.lang
        found: list[tuple[int, int, int, HedgeKind | None]] = []
        # A denial verb is the statement's own denial; a noun only names one.
        denials: tuple[tuple[re.Pattern[str], HedgeKind], ...] = (
            (lang.denial_verbs, "denial"),
            (lang.denial_nouns, "denial_mentioned"),
        )
        for pattern, own_kind in denials:
            for m in pattern.finditer(self.text):
                marker = self._mention_marker(m.start())
                if marker is not None:
                    found.append((_PRIORITY_CLAUSE, marker, m.end(), "denial_mentioned"))
                else:
                    found.append((_PRIORITY_DENIAL, m.start(), m.end(), own_kind))
        found.extend((_PRIORITY_CLAUSE, m.start(), m.end(), None) for m in lang.non_negations.finditer(self.text))
        found.extend((_PRIORITY_HEDGE, m.start(), m.end(), "hedge") for m in lang.hedges.finditer(self.text))
        found.extend(
            (_PRIORITY_NEGATION, m.start(), m.end(), "negation")
            for m in lang.negations.finditer(self.text)
            if self._mention_marker(m.start()) is None and not self._in_embedded_clause(m.start())
        )
        return found

    def run(self) -> list[Hedge]:
        starts: list[int] = []  # accepted spans, sorted by start; they never overlap
        spans: list[tuple[int, int, HedgeKind | None]] = []
        for _, start, end, kind in sorted(self.candidates(), key=lambda c: (c[0], c[1] - c[2], c[1])):
            k = bisect_left(starts, start)
            if (k > 0 and spans[k - 1][1] > start) or (k < len(starts) and starts[k] < end):
                continue
            starts.insert(k, start)
            spans.insert(k, (start, end, kind))
        return [Hedge(kind, self.text[start:end], start, end) for start, end, kind in spans if kind is not None]


def extract_hedges(text: str, language: str) -> list[Hedge]:
    """Hedging, denial and negation cues of a statement, ordered by position.

    ``Hedge.kind`` is "hedge", "denial", "denial_mentioned" (a denial the
    statement only mentions in a concessive or relative clause while asserting the
    claim itself) or "negation". Never raises: odd input gives ``[]``.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        return _HedgeFinder(text, _language(language)).run()
    except Exception:  # one odd statement must not stop a 100,000-statement run
        logger.exception("hedge extraction failed on %r", text[:200])
        return []


def summarize_hedging(hedges: list[Hedge]) -> Stance:
    """The statement's own stance: "denied", "hedged" or "asserted".

    A denial verb makes it "denied"; otherwise any hedge makes it "hedged";
    otherwise a plain negation makes it "denied". A denial it only mentions
    ("despite denials") leaves it "asserted".
    """
    kinds = {h.kind for h in hedges}
    if "denial" in kinds:
        return "denied"
    if "hedge" in kinds:
        return "hedged"
    if "negation" in kinds:
        return "denied"
    return "asserted"


_STANCE_WORDS = {"hedge": "with doubt", "denial": "denying", "negation": "negating",
                 "denial_mentioned": "only mentioning a denial"}


def is_pronoun(source: str, language: str) -> bool:
    """Whether a source is a bare pronoun ('Il a déclaré', 'добави той'): it names no one."""
    return source.strip().lower() in _language(language).pronouns


def is_negated_source(attribution: Attribution, language: str) -> bool:
    """Whether a source is named as *not* saying it: a "neither ... nor" phrase ('нито Путин, нито
    Ким са заявили', 'ni Poutine ni Kim n'ont déclaré'). The extractor keeps the whole phrase as
    the verb's subject, which is right for the text, but the people in it did not say the claim."""
    first = attribution.text.split(maxsplit=1)[0].lower() if attribution.text.strip() else ""
    return first in _language(language).correlatives


def shown_sources(attributions: list[Attribution]) -> list[Attribution]:
    """The attributions a reader is shown: one inside another's span is already in its words (the
    ministry a report cites: 'Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското
    министерство на отбраната' holds 'южнокорейското министерство на отбраната')."""
    return [a for a in attributions
            if not any(o is not a and o.start <= a.start and a.end <= o.end and (o.start, o.end) != (a.start, a.end)
                       for o in attributions)]


def sources_in_words(attributions: list[Attribution], hedges: list[Hedge], language: str) -> str:
    """Who a statement says said it, and how, for a reader: 'Blinken, with doubt («peut»)'.

    A pronoun is not shown as a source ('an unnamed speaker («Il»)'), a source named as not
    saying it is shown as such ('none named; it says нито Путин, нито Ким did not say so'), a
    source cited inside another is shown once, and a hedge or denial qualifies the attribution,
    so a figure the statement doubts is never shown as asserted."""
    shown = shown_sources(attributions)
    named = [f"an unnamed speaker («{a.text}»)" if is_pronoun(a.text, language) else a.text
             for a in shown if not is_negated_source(a, language)]
    negated = [a.text for a in shown if is_negated_source(a, language)]
    cues: dict[str, list[str]] = {}
    for hedge in hedges:
        cues.setdefault(hedge.kind, []).append(f"«{hedge.text}»")
    who = "; ".join(dict.fromkeys(named))
    if negated:
        said_not = f"it says {' and '.join(dict.fromkeys(negated))} did not say so"
        who = f"{who}; {said_not}" if who else f"none named; {said_not}"
    how = ", ".join(f"{_STANCE_WORDS.get(kind, kind)} ({', '.join(dict.fromkeys(texts))})" for kind, texts in cues.items())
    if who and how:
        return f"{who}, {how}"
    return who or how
