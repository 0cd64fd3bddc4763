"""Tests for :mod:`workbench.attribution`: reporting sources, hedges, denials, stance.

How the gold annotations were made: every expected value below was written by
hand by reading the sentence and applying the conventions documented in the
module docstring, not by running the module. Sentences tagged ``sample`` are
copied verbatim from ``data/samples/*.txt`` (a test checks that they still occur
there); the others are realistic news sentences written for these tests in the
style of the samples (same topic, same constructions), including negative cases.

Conventions the annotations follow:

* a source is the tight noun phrase the cue attaches to (determiners and
  genitive/"of" links included, trailing adverbials such as 'пред руски медии' or
  'в Telegram' excluded); a citing chain gives the outer source spanning the
  chain plus a nested source for the citing cue; a quoted name is given without
  its quotes; the cue is the matched cue, lower-cased;
* a hedge span is the modal or conditional with its copula or verb ('ar fi',
  'peuvent être', 'биха могли') or the fixed hedging phrase ('nu este clar');
  a concessive denial spans marker to denial word ('въпреки отричането');
  French negation spans 'ne/n'' to its second part ('n'avons aucune');
* the subject of an active denial verb in the statement's own clause is a source
  with the denial verb as its cue ('Kremlinul a negat' -> Kremlinul): who denies
  is who says (revised after review; before, denials named no source). A passive
  denial ('was denied', 'a fost negată', 'ont été démenties') or one in a
  concessive clause names none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.attribution import (
    LANGUAGES,
    extract_attributions,
    extract_hedges,
    summarize_hedging,
)
from workbench.model import Hedge

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "samples"


@dataclass(frozen=True)
class Case:
    language: str
    text: str
    sources: tuple[tuple[str, str], ...] = ()  # (source text, cue), in text order
    hedges: tuple[tuple[str, str], ...] = ()  # (kind, cue text), in text order
    sample: bool = False  # copied verbatim from data/samples


def case(language: str, text: str, sources=(), hedges=(), sample: bool = False) -> Case:
    return Case(language, text, tuple(sources), tuple(hedges), sample)


HEDGE, DENIAL, MENTIONED, NEGATION = "hedge", "denial", "denial_mentioned", "negation"

CASES: list[Case] = [
    # ------------------------------------------------------------ Romanian, samples
    case("ro", "Liderul Coreei de Nord, Kim Jong Un, ar fi dispus să încheie un acord cu liderul rus, "
         "Vladimir Putin, cu privire la furnizarea de arme.",
         hedges=[(HEDGE, "ar fi")], sample=True),
    case("ro", "Vladimir Putin și liderul nord-coreean Kim Jong Un vor discuta despre vânzarea de armament "
         "către Moscova, a declarat luni un oficial senior al Casei Albe.",
         [("un oficial senior al Casei Albe", "a declarat")], sample=True),
    case("ro", "O întrevedere între cei doi lideri ar sugera o consolidare semnificativă a relațiilor militare "
         "dintre Rusia și Coreea de Nord.",
         hedges=[(HEDGE, "ar sugera")], sample=True),
    case("ro", "„În prezent nu este clar ce va presupune acordul dintre Coreea de Nord și Rusia. Phenianul poate "
         "oferi muniție, sisteme de rachete cu lansări multiple și rachete balistice cu rază scurtă de acțiune – "
         "toate acestea vor ajuta Moscova să respingă contraofensiva Kievului”, susțin experții consultați de "
         "Financial Times.",
         [("experții consultați de Financial Times", "susțin")],
         [(HEDGE, "nu este clar"), (HEDGE, "poate")], sample=True),
    case("ro", "Potrivit publicației, Moscova ar putea oferi cereale, petrol și tehnologie militară, precum și "
         "valută, drept plată.",
         [("publicației", "potrivit")], [(HEDGE, "ar putea")], sample=True),
    case("ro", "„Cooperarea dintre Rusia și Coreea de Nord ar putea depăși acordurile convenționale cu arme și "
         "ajutorul alimentar/energetic, eventual la tehnologii avansate pentru sateliți, submarine nucleare și "
         "rachete balistice”, mai afirmă experții citați.",
         [("experții citați", "afirmă")], [(HEDGE, "ar putea"), (HEDGE, "eventual")], sample=True),
    case("ro", "Au apărut informații despre un posibil pact nuclear între Rusia și Coreea de Nord.",
         hedges=[(HEDGE, "posibil")], sample=True),
    case("ro", "Acest tur a fost parte a unei campanii de vară menite să promoveze „modernizarea” industriei de "
         "armament a țării, în timp ce Phenianul încearcă să profite de invazia Rusiei în Ucraina, mai scrie "
         "Financial Times.",
         [("Financial Times", "scrie")], sample=True),
    case("ro", "Liderul nord-coreean, Kim Jong Un, a efectuat o serie de inspecții la cinci importante fabrici de "
         "muniții într-o singură săptămână, luna trecută.", sample=True),
    # --------------------------------------------------------- Romanian, written
    case("ro", "Rusia a primit peste un milion de obuze de artilerie din Coreea de Nord, potrivit serviciilor de "
         "informații sud-coreene.",
         [("serviciilor de informații sud-coreene", "potrivit")]),
    case("ro", "Potrivit agenției Reuters, Kim Jong Un ar urma să ajungă la Vladivostok marți.",
         [("agenției Reuters", "potrivit")], [(HEDGE, "ar urma")]),
    case("ro", "Kremlinul a negat orice livrare de armament din partea Phenianului.",
         [("Kremlinul", "a negat")], [(DENIAL, "a negat")]),
    case("ro", "Purtătorul de cuvânt al Kremlinului, Dmitri Peskov, a declarat că cele două țări nu discută "
         "despre arme.",
         [("Purtătorul de cuvânt al Kremlinului, Dmitri Peskov", "a declarat")], [(NEGATION, "nu")]),
    case("ro", "Coreea de Nord ar fi trimis Rusiei cel puțin 20 de trenuri cu muniție, susțin oficiali americani "
         "citați de CNN.",
         [("oficiali americani citați de CNN", "susțin"), ("CNN", "citați de")], [(HEDGE, "ar fi")]),
    case("ro", "Ministrul sud-coreean al Apărării a spus că Phenianul ar putea primi în schimb tehnologie pentru "
         "sateliți.",
         [("Ministrul sud-coreean al Apărării", "a spus")], [(HEDGE, "ar putea")]),
    case("ro", "Moscova și Phenianul neagă orice tranzacție cu arme, deși dovezile se acumulează.",
         [("Moscova și Phenianul", "neagă")], [(DENIAL, "neagă")]),
    case("ro", "În ciuda negărilor Moscovei, Coreea de Nord a livrat rachete balistice folosite în Ucraina.",
         hedges=[(MENTIONED, "În ciuda negărilor")]),
    case("ro", "Nu există nicio dovadă că Rusia a transferat tehnologie nucleară, a precizat sursa citată.",
         [("sursa citată", "a precizat")], [(NEGATION, "Nu")]),
    case("ro", "Liderul nord-coreean nu numai că a vizitat fabricile, dar a cerut și creșterea producției."),
    case("ro", "Se presupune că obuzele au fost transportate pe calea ferată prin Rason.",
         hedges=[(HEDGE, "Se presupune")]),
    case("ro", "Informațiile nu au fost confirmate independent.",
         hedges=[(HEDGE, "nu au fost confirmate")]),
    case("ro", "Anterior, președintele Volodimir Zelenski a afirmat că Rusia folosește rachete nord-coreene.",
         [("președintele Volodimir Zelenski", "a afirmat")]),
    case("ro", "Experții militari consideră că armele nord-coreene sunt de calitate slabă.",
         [("Experții militari", "consideră")]),
    case("ro", "Rusia ar putea oferi Coreei de Nord tehnologie pentru submarine nucleare, scrie The Wall Street "
         "Journal.",
         [("The Wall Street Journal", "scrie")], [(HEDGE, "ar putea")]),
    case("ro", "Conform datelor publicate de Pentagon, Phenianul a trimis aproximativ 10.000 de militari.",
         [("datelor publicate de Pentagon", "conform")]),
    case("ro", "Agenția de presă KCNA a anunțat că Kim a inspectat o nouă fabrică de drone.",
         [("Agenția de presă KCNA", "a anunțat")]),
    case("ro", "Ion Popescu scrie o carte despre războiul din Ucraina."),  # "scrie" not reporting
    case("ro", "Potrivit lui Peskov, discuțiile au fost „constructive”.", [("Peskov", "potrivit")]),
    case("ro", "Kim Jong Un nu a participat la ceremonie, au transmis surse diplomatice.",
         [("surse diplomatice", "au transmis")], [(NEGATION, "nu")]),
    case("ro", "Rusia, care neagă orice acord, a primit totuși rachete din Coreea de Nord.",
         hedges=[(MENTIONED, "care neagă")]),
    case("ro", "Oficialii de la Seul au declarat că Phenianul a trimis probabil și ingineri militari.",
         [("Oficialii de la Seul", "au declarat")], [(HEDGE, "probabil")]),
    case("ro", "„Rusia nu va câștiga acest război”, a subliniat secretarul general al NATO, Jens Stoltenberg.",
         [("secretarul general al NATO, Jens Stoltenberg", "a subliniat")], [(NEGATION, "nu")]),
    case("ro", "Acest lucru subliniază importanța alianței."),  # "subliniază" not reporting here
    case("ro", "Nu este exclus ca Rusia să primească și rachete balistice, avertizează analiștii.",
         [("analiștii", "avertizează")], [(HEDGE, "Nu este exclus")]),
    # ----------------------------------------------------------- Ukrainian, samples
    case("uk", "Російські державні ЗМІ повідомили, що два лідери розмовляли близько двох годин у середу вранці "
         "на космодромі Восточний, космічному стартовому центрі в Амурській області на далекому сході Росії.",
         [("Російські державні ЗМІ", "повідомили")], sample=True),
    case("uk", "Перед початком саміту Путін заявив журналістам, що зустріч проходила на космічній базі, тому що "
         "пан Кім «проявляє великий інтерес до ракетних технологій», повідомляють журналісти РІА в Telegram.",
         [("Путін", "заявив"), ("журналісти РІА", "повідомляють")], sample=True),
    case("uk", "Речник Кремля Дмитро С. сказав: Пєсков заявив у вівторок, що два лідери обговорять "
         "торговельно-економічні відносини, але також непрямо згадав двосторонню співпрацю в «деяких чутливих "
         "сферах, які не повинні розголошуватися або оголошуватися публічно», повідомляє Reuters.",
         [("Речник Кремля Дмитро С.", "сказав"), ("Пєсков", "заявив"), ("Reuters", "повідомляє")],
         sample=True),  # 'які не повинні': negation inside a relative clause
    case("uk", "ЗМІ Північної Кореї повідомили, що він залишив столицю Пхеньян у неділю вдень.",
         [("ЗМІ Північної Кореї", "повідомили")], sample=True),
    case("uk", "Представники США неодноразово попереджали, що Північна Корея постачає артилерійські снаряди та "
         "ракети російським силам в Україні, і попереджали, що зустріч Кіма з Путіним може призвести до "
         "додаткових угод щодо зброї.",
         [("Представники США", "попереджали")], [(HEDGE, "може")], sample=True),
    case("uk", "За останніми тижнями, Кім Чен Чен Ин відвідав збройні заводи Північної Кореї, закликаючи її "
         "прискорити виробництво реактивних систем залпового вогню, снайперських гвинтівок, безпілотників і "
         "ракет, повідомляють державні ЗМІ країни.",
         [("державні ЗМІ країни", "повідомляють")], sample=True),
    case("uk", "Однак, оскільки російські війська намагаються відбити контратаку в Україні, Москві терміново "
         "потрібно поповнити свої виснажені арсенали танками та артилерією, вважають військові експерти.",
         [("військові експерти", "вважають")], sample=True),
    case("uk", "Раніше в середу Південна Корея повідомила, що Північна Корея випустила дві балістичні ракети "
         "малої дальності біля свого східного узбережжя.",
         [("Південна Корея", "повідомила")], sample=True),
    case("uk", "За словами аналітиків, Північна Корея також може вимагати від Росії поставок пшениці в обмін на "
         "зброю, щоб допомогти подолати хронічну нестачу продовольства.",
         [("аналітиків", "за словами")], [(HEDGE, "може")], sample=True),
    case("uk", "Кремль підтвердив його прибуття до Росії у вівторок, а державні ЗМІ опублікували "
         "відеозображення, на яких його приймав російський чиновник на станції, яка, як було визначено, "
         "знаходиться в місті Хасан, на північно-східному кордоні Північної Кореї.",
         [("Кремль", "підтвердив")], sample=True),
    case("uk", "Останніми місяцями Росія послабила обмеження на поїздки для північнокорейців, дозволивши їм "
         "залишатися до шести місяців за туристичними візами, які часто використовуються як прикриття для "
         "північнокорейських працівників за кордоном.", sample=True),  # 'до', 'як': no cue
    # ---------------------------------------------------------- Ukrainian, written
    case("uk", "За даними Міноборони України, Росія вже отримала від КНДР понад мільйон снарядів.",
         [("Міноборони України", "за даними")]),
    case("uk", "Про це повідомляє Reuters з посиланням на джерела в уряді Південної Кореї.",
         [("Reuters з посиланням на джерела в уряді Південної Кореї", "повідомляє"),
          ("джерела в уряді Південної Кореї", "з посиланням на")]),
    case("uk", "Кремль заперечує, що Північна Корея постачає Росії зброю.", [("Кремль", "заперечує")],
         [(DENIAL, "заперечує")]),
    case("uk", "Російські війська, ймовірно, використовують північнокорейські ракети KN-23, вважають аналітики.",
         [("аналітики", "вважають")], [(HEDGE, "ймовірно")]),
    case("uk", "Пхеньян нібито передав Москві близько 6700 контейнерів з боєприпасами.",
         hedges=[(HEDGE, "нібито")]),
    case("uk", "Попри заперечення Пхеньяна, північнокорейські військові вже перебувають на території Росії, "
         "заявив Буданов.",
         [("Буданов", "заявив")], [(MENTIONED, "Попри заперечення")]),
    case("uk", "Речник Пентагону Патрік Райдер сказав журналістам, що Вашингтон не може підтвердити ці дані.",
         [("Речник Пентагону Патрік Райдер", "сказав")], [(HEDGE, "не може підтвердити")]),
    case("uk", "Кім Чен Ин не відвідував Росію з 2019 року.", hedges=[(NEGATION, "не")]),
    case("uk", "Постачання тривають не лише залізницею, а й морем."),
    case("uk", "Як повідомляє агентство Йонхап, КНДР відправила до Росії ще 3000 військових.",
         [("агентство Йонхап", "повідомляє")]),
    case("uk", "Міністр оборони Південної Кореї Сін Вон Сік заявив, що Північна Корея може відправити додаткові "
         "війська.",
         [("Міністр оборони Південної Кореї Сін Вон Сік", "заявив")], [(HEDGE, "може")]),
    case("uk", "За словами речника Білого дому Джона Кірбі, ці ракети вже були використані проти України.",
         [("речника Білого дому Джона Кірбі", "за словами")]),
    case("uk", "Москва і Пхеньян заперечують будь-які угоди щодо постачання зброї.",
         [("Москва і Пхеньян", "заперечують")], [(DENIAL, "заперечують")]),
    case("uk", "Північна Корея могла б отримати від Росії технології для своєї супутникової програми, пише The "
         "New York Times.",
         [("The New York Times", "пише")], [(HEDGE, "могла б")]),
    case("uk", "Можливо, йдеться про нову партію ракет, зазначають у Генштабі ЗСУ.",
         [("Генштабі ЗСУ", "зазначають")], [(HEDGE, "Можливо")]),
    case("uk", "У Кремлі заявили, що не коментуватимуть ці повідомлення.",
         [("Кремлі", "заявили")], [(NEGATION, "не")]),
    case("uk", "Виробництво снарядів у КНДР зросло до 2 мільйонів на рік."),
    case("uk", "Ця інформація не підтверджена незалежними джерелами.", hedges=[(HEDGE, "не підтверджена")]),
    case("uk", "Неурядові організації повідомили про нові поставки зброї.",
         [("Неурядові організації", "повідомили")]),  # 'Не' inside a word is no negation
    case("uk", "Експерти з Інституту вивчення війни вважають, що Росія використовує ці ракети для ударів по "
         "енергетиці.",
         [("Експерти з Інституту вивчення війни", "вважають")]),
    case("uk", "Про це в ефірі телемарафону заявив речник Повітряних сил Юрій Ігнат.",
         [("речник Повітряних сил Юрій Ігнат", "заявив")]),
    case("uk", "Як зазначають у ГУР, КНДР передала Росії понад 100 ракет.", [("ГУР", "зазначають")]),
    case("uk", "Північна Корея, яка заперечує постачання зброї, провела нові випробування.",
         hedges=[(MENTIONED, "яка заперечує")]),
    case("uk", "Це говорить про серйозність ситуації."),
    # ------------------------------------------------------------ Bulgarian, samples
    case("bg", "Според съобщенията целта на пътуването е да се обсъди възможността за изпращане на Русия на "
         "повече оръжия за инвазията ѝ в Украйна, както и по-тясно военно сътрудничество между двете държави.",
         [("съобщенията", "според")], sample=True),
    case("bg", "Миналата седмица Белият дом заяви, че Русия вече води тайни преговори със Северна Корея за "
         "закупуване на боеприпаси за военната кампания на Москва в Украйна.",
         [("Белият дом", "заяви")], sample=True),
    case("bg", "Говорителят на Съвета за национална сигурност Джон Кърби заяви, че въпреки отричането си, "
         "миналата година Северна Корея е доставила на Русия пехотни ракети и снаряди, които са били "
         "използвани от частната военна група „Вагнер“ в Украйна.",
         [("Говорителят на Съвета за национална сигурност Джон Кърби", "заяви")],
         [(MENTIONED, "въпреки отричането")], sample=True),
    case("bg", "В понеделник Уотсън заяви, че Вашингтон е призовал севернокорейците „да прекратят преговорите "
         "за доставка на оръжие с Русия и да спазят ангажиментите на Пхенян да не доставят или продават оръжие "
         "на Русия“.",
         [("Уотсън", "заяви")], sample=True),  # 'да не': purpose clause, not the claim's negation
    case("bg", "Миналия месец руският министър на отбраната Сергей Шойгу пътува до Северна Корея с намерението "
         "да се сдобие с допълнителни боеприпаси за войната, каза той.",
         [("той", "каза")], sample=True),
    case("bg", "Според „Ню Йорк Таймс“ Ким, който рядко пътува извън страната си, вероятно ще пътува този месец "
         "до Владивосток, на тихоокеанското крайбрежие на Русия, недалеч от Северна Корея, за да се срещне с "
         "Путин.",
         [("Ню Йорк Таймс", "според")], [(HEDGE, "вероятно")], sample=True),
    case("bg", "Русия е предложила на Северна Корея да участва в съвместни военноморски учения с Китай, твърди "
         "южнокорейски депутат, който е присъствал на брифинг при закрити врата с ръководителя на главната "
         "шпионска агенция на Южна Корея.",
         [("южнокорейски депутат", "твърди")], sample=True),
    case("bg", "Брифингът се проведе дни след като посланикът на Русия в Северна Корея Александър Мацегора "
         "заяви пред руски медии, че включването на Северна Корея в съвместните руско-китайски военни учения "
         "„изглежда подходящо“.",
         [("посланикът на Русия в Северна Корея Александър Мацегора", "заяви")], [(HEDGE, "изглежда")],
         sample=True),
    case("bg", "Според руската информационна агенция ТАСС Мацегора е казал, че това е негово лично мнение и че "
         "не е запознат с никакви приготовления.",
         [("руската информационна агенция ТАСС", "според"), ("Мацегора", "е казал")], [(NEGATION, "не")],
         sample=True),
    case("bg", "Шойгу твърди, че руските военни провеждат „не само маневри, но и съвместни патрули на "
         "стратегическата авиация, съвместни патрули на ракетни кораби“ с китайските си колеги, съседи на "
         "Русия и Северна Корея.",
         [("Шойгу", "твърди")], sample=True),  # 'не само' is not a negation
    case("bg", "Той добави, че ако преди това е било спорадично, „сега се извършва два или три пъти годишно и "
         "ние продължаваме да го правим“, като не изключи възможността същото да се случи и със Северна Корея.",
         [("Той", "добави")], [(HEDGE, "не изключи")], sample=True),
    case("bg", "Според депутата Ю Санг-бум, когато директорът на южнокорейската Национална разузнавателна "
         "служба Ким Кьоу-Хюн е бил попитан за възможността за такива учения, той е казал, че Шойгу вероятно е "
         "предложил тристранни военноморски учения със Северна Корея и Китай на срещата със севернокорейския "
         "лидер Ким Чен Ун през юли.",
         [("депутата Ю Санг-бум", "според"), ("той", "е казал")], [(HEDGE, "вероятно")], sample=True),
    case("bg", "Ким Чен Ун покани Шойгу на военен парад в Пхенян през юли и обеща да разшири военното "
         "сътрудничество с Москва, което според американски служители може да включва севернокорейски "
         "доставки на артилерия и други боеприпаси, тъй като руският президент Владимир Путин търси подкрепа в "
         "други страни за войната си срещу Украйна.",
         [("американски служители", "според")], [(HEDGE, "може")], sample=True),
    case("bg", "През изминалата седмица наблюдателите на Северна Корея намекнаха, че посещението е предстоящо, "
         "а сателитни снимки запечатаха очевидни приготовления, които текат в Пхенян.",
         [("наблюдателите на Северна Корея", "намекнаха")], sample=True),
    case("bg", "В понеделник помощникът на Кремъл Юрий Ушаков разкри пред руски репортери няколко подробности "
         "за пътуването, като подчерта потенциалното подписване на споразумение за стратегическо партньорство "
         "по въпросите на сигурността.",
         [("помощникът на Кремъл Юрий Ушаков", "разкри")], sample=True),
    case("bg", "Но тъй като Русия е изправена пред нарастващ натиск от страна на Запада заради нахлуването си в "
         "Украйна, експертите смятат, че посещението е свързано много повече с нуждата на Русия от оръжие, "
         "което да изпрати на фронтовата линия.",
         [("експертите", "смятат")], sample=True),
    case("bg", "Представители на САЩ и Южна Корея обвиняват Ким, че е предоставил на Русия хиляди контейнери, "
         "пълни с артилерия, ракети и друго военно оборудване, което е удължило войната.",
         [("Представители на САЩ и Южна Корея", "обвиняват")], sample=True),
    case("bg", "Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на отбраната, "
         "сочи, че Северна Корея е изпратила близо пет милиона артилерийски снаряда на Русия, вероятно в "
         "замяна на ключови военни технологии и помощ, въпреки отричането както от страна на Пхенян, така и от "
         "страна на Москва.",
         [("Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на отбраната", "сочи"),
          ("южнокорейското министерство на отбраната", "позоваващ се на")],
         [(HEDGE, "вероятно"), (MENTIONED, "въпреки отричането")], sample=True),
    case("bg", "Тези твърдения се подкрепят и от доказателства за открити в Украйна ракети, произведени в "
         "Северна Корея, за които се твърди, че са изстреляни от руски сили.",
         hedges=[(HEDGE, "се твърди")], sample=True),
    case("bg", "Нараства загрижеността относно подобно споразумение за въоръжаване, при което Пхенян предоставя "
         "на Москва така необходимите боеприпаси за подхранване на войната на Путин в замяна на икономическа "
         "помощ и трансфер на технологии, които биха засилили заплахата от ядрените оръжия и ракетната "
         "програма на Ким.",
         hedges=[(HEDGE, "биха засилили")], sample=True),
    case("bg", "Търговията с оръжие между двете страни би била нарушение на санкциите на ООН, а нито Путин, "
         "нито Ким са заявили публично, че имат такова споразумение.",
         [("нито Путин, нито Ким", "са заявили")],
         [(HEDGE, "би била"), (NEGATION, "нито"), (NEGATION, "нито")], sample=True),
    case("bg", "\"Не е ясно какво биха могли да получат Ким Чен Ун и Северна Корея в замяна. Някои спекулации "
         "предполагат, че Северна Корея може да търси руски самолети за модернизиране на остарелите си "
         "военновъздушни сили, както и парични средства и зърно\", казва професор Емануел Ким от катедрата по "
         "корейски език в университета \"Джордж Вашингтон",
         [("професор Емануел Ким", "казва")],
         [(HEDGE, "Не е ясно"), (HEDGE, "биха могли"), (HEDGE, "предполагат"), (HEDGE, "може")], sample=True),
    case("bg", "\"Това пътуване идва и в момент, когато Северна Корея търси напреднали технологии и военна "
         "подкрепа, като например шпионски сателити, за които Русия обеща да помогне\", казва той пред "
         "Newsweek.",
         [("той", "казва")], sample=True),
    case("bg", "Говорителят на Кремъл Дмитрий Песков заяви през януари, че Москва и Пхенян развиват "
         "сътрудничеството си \"във всички области, включително чувствителните\".",
         [("Говорителят на Кремъл Дмитрий Песков", "заяви")], sample=True),
    case("bg", "Партньорството е \"много важно\" за Русия, добави той.", [("той", "добави")], sample=True),
    case("bg", "Според правозащитни групи това е опит на правителството да ограничи свободата на изразяване",
         [("правозащитни групи", "според")], sample=True),
    case("bg", "Според съда прокуратурата е разполагала с данни за психичното състояние на обвиняемия",
         [("съда", "според")], sample=True),
    # ----------------------------------------------------------- Bulgarian, written
    case("bg", "Според южнокорейското разузнаване Северна Корея е изпратила над 10 000 войници в Русия.",
         [("южнокорейското разузнаване", "според")]),
    case("bg", "Москва и Пхенян отричат всякакви сделки с оръжие.", [("Москва и Пхенян", "отричат")],
         [(DENIAL, "отричат")]),
    case("bg", "Въпреки опроверженията на Кремъл, севернокорейски войници са забелязани в Курска област.",
         hedges=[(MENTIONED, "Въпреки опроверженията")]),
    case("bg", "Руският външен министър Сергей Лавров заяви пред журналисти, че сътрудничеството с КНДР не "
         "нарушава санкциите.",
         [("Руският външен министър Сергей Лавров", "заяви")], [(NEGATION, "не")]),
    case("bg", "По думите на говорителя на Пентагона Сабрина Синг, войниците вероятно ще бъдат изпратени на "
         "фронта.",
         [("говорителя на Пентагона Сабрина Синг", "по думите на")], [(HEDGE, "вероятно")]),
    case("bg", "Пхенян може би вече е изпратил балистични ракети, съобщи агенция Йонхап.",
         [("агенция Йонхап", "съобщи")], [(HEDGE, "може би")]),
    case("bg", "Това съобщи министърът на отбраната на Южна Корея Шин Уон-сик.",
         [("министърът на отбраната на Южна Корея Шин Уон-сик", "съобщи")]),
    case("bg", "Кремъл не потвърди информацията за срещата.", hedges=[(HEDGE, "не потвърди")]),
    case("bg", "Анализатори смятат, че доставките ще продължат и през следващата година.",
         [("Анализатори", "смятат")]),
    case("bg", "Според Институт за изследване на войната руските сили използват севернокорейски снаряди.",
         [("Институт за изследване на войната", "според")]),
    case("bg", "Северна Корея не само доставя снаряди, но и изпраща войници."),
    case("bg", "Твърди се, че сделката включва и доставки на зърно.", hedges=[(HEDGE, "Твърди се")]),
    case("bg", "„Няма никакви доказателства за такива доставки“, каза пред БНТ външният министър.",
         [("външният министър", "каза")], [(NEGATION, "Няма")]),
    case("bg", "Помощникът на Кремъл Юрий Ушаков отрече Путин да е обсъждал доставки на оръжие с Ким.",
         [("Помощникът на Кремъл Юрий Ушаков", "отрече")], [(DENIAL, "отрече")]),
    case("bg", "Русия вероятно ще предостави на КНДР технологии за подводници, смятат експерти от Сеул.",
         [("експерти от Сеул", "смятат")], [(HEDGE, "вероятно")]),
    case("bg", "Президентът Зеленски обвини Пхенян, че праща войници на Путин.",
         [("Президентът Зеленски", "обвини")]),
    case("bg", "Не е изключено КНДР да изпрати и инженерни части, посочиха от разузнаването.",
         [("разузнаването", "посочиха")], [(HEDGE, "Не е изключено")]),
    case("bg", "Военните доставки продължават до края на годината."),
    case("bg", "Досега няма данни за загинали севернокорейски военни.", hedges=[(NEGATION, "няма")]),
    case("bg", "Политиката на не-намеса беше подкрепена от парламента."),  # 'не' inside a noun
    case("bg", "Пакетът включва не по-малко от 5 милиона снаряда."),  # 'не по-малко от' is a quantity
    case("bg", "Това заяви пред БТА говорителят на МВнР.", [("говорителят на МВнР", "заяви")]),
    case("bg", "Въпреки че Москва отрича, доказателствата са неопровержими.",
         hedges=[(MENTIONED, "Въпреки че Москва отрича")]),
    case("bg", "Южнокорейските власти не изключват нови провокации.", hedges=[(HEDGE, "не изключват")]),
    # --------------------------------------------------------------- French, samples
    case("fr", "En échange d'une assistance militaire: la Fédération de Russie peut transférer des technologies "
         "nucléaires et balistiques - USA",
         hedges=[(HEDGE, "peut")], sample=True),
    case("fr", "Selon le secrétaire d'État américain Anthony Blinken, les États travaillent pour identifier, "
         "exposer et, si nécessaire, contrecarrer les efforts des missiles balistiques nord-coréens.",
         [("le secrétaire d'État américain Anthony Blinken", "selon")], sample=True),
    case("fr", "Il a dit cela lors d'une conférence de presse à Séoul, rapporte Reuters.",
         [("Il", "a dit"), ("Reuters", "rapporte")], sample=True),
    case("fr", "Blinken a noté qu'en échange d'un soutien militaire de la RPDC peut compter sur le soutien de la "
         "Russie dans le domaine des missiles balistiques, des technologies nucléaires et spatiales.",
         [("Blinken", "a noté")], [(HEDGE, "peut")], sample=True),
    case("fr", "Nous travaillons à . . . identifier, exposer et, si nécessaire, contrecarrer cet effort\", a "
         "souligné Blinken \".",
         [("Blinken", "a souligné")], sample=True),
    case("fr", "La Corée du Nord et la Russie nient l'existence de tout accord armé, malgré les déclarations des "
         "dirigeants sur le renforcement de la coopération militaire entre les pays.",
         [("La Corée du Nord et la Russie", "nient")], [(DENIAL, "nient")], sample=True),
    case("fr", "Nous rappelerons, le 7 novembre, il a été signalé que la RPDC fournit activement des armes non "
         "seulement la Russie.",
         hedges=[(HEDGE, "il a été signalé")], sample=True),
    case("fr", "Plus tôt, il a été signalé que, selon les renseignements de la République de Corée, les "
         "informations sur la livraison de plus d'un million de coquilles de la RPDC à la Russie peuvent être "
         "un élément de propagande.",
         [("les renseignements de la République de Corée", "selon")],
         [(HEDGE, "il a été signalé"), (HEDGE, "peuvent être")], sample=True),
    # -------------------------------------------------------------- French, written
    case("fr", "Selon l'agence sud-coréenne Yonhap, Pyongyang aurait envoyé 3 000 soldats supplémentaires.",
         [("l'agence sud-coréenne Yonhap", "selon")], [(HEDGE, "aurait")]),
    case("fr", "D'après le Pentagone, les soldats nord-coréens pourraient être déployés dans la région de "
         "Koursk.",
         [("le Pentagone", "d'après")], [(HEDGE, "pourraient être")]),
    case("fr", "Le Kremlin dément toute livraison d'armes nord-coréennes.", [("Le Kremlin", "dément")],
         [(DENIAL, "dément")]),
    case("fr", "Malgré les démentis de Moscou, des missiles nord-coréens ont été retrouvés en Ukraine.",
         hedges=[(MENTIONED, "Malgré les démentis")]),
    case("fr", "« Nous n'avons aucune preuve de ces livraisons », a déclaré le porte-parole du ministère russe "
         "des Affaires étrangères.",
         [("le porte-parole du ministère russe des Affaires étrangères", "a déclaré")],
         [(NEGATION, "n'avons aucune")]),
    case("fr", "Le ministre sud-coréen de la Défense a affirmé que Pyongyang avait livré plus de 5 millions "
         "d'obus.",
         [("Le ministre sud-coréen de la Défense", "a affirmé")]),
    case("fr", "Kim Jong-un ne s'est pas rendu à Moscou depuis 2019.", hedges=[(NEGATION, "ne s'est pas")]),
    case("fr", "Pyongyang fournit non seulement des obus, mais aussi des missiles balistiques."),
    case("fr", "Les services de renseignement estiment que ces livraisons pourraient se poursuivre.",
         [("Les services de renseignement", "estiment")], [(HEDGE, "pourraient")]),
    case("fr", "Il est possible que la Russie transfère des technologies spatiales, selon des experts cités par "
         "Le Monde.",
         [("des experts cités par Le Monde", "selon"), ("Le Monde", "cités par")],
         [(HEDGE, "Il est possible")]),
    case("fr", "La Russie et la Corée du Nord ont nié à plusieurs reprises l'existence d'un accord.",
         [("La Russie et la Corée du Nord", "ont nié")], [(DENIAL, "ont nié")]),
    case("fr", "Le Kremlin a confirmé la visite, sans donner plus de détails.",
         [("Le Kremlin", "a confirmé")]),  # 'plus' without 'ne' is no negation
    case("fr", "Comme l'a souligné le président Zelensky, ces troupes participent déjà aux combats.",
         [("le président Zelensky", "a souligné")]),
    case("fr", "Selon lui, la Corée du Nord n'a jamais reconnu ces livraisons.",
         [("lui", "selon")], [(NEGATION, "n'a jamais")]),
    case("fr", "Cette information n'a pas été confirmée de manière indépendante.",
         hedges=[(HEDGE, "n'a pas été confirmée")]),
    case("fr", "Les deux pays ont signé un traité de défense mutuelle en juin, rapporte l'AFP.",
         [("l'AFP", "rapporte")]),
    case("fr", "Le porte-parole du Kremlin, Dmitri Peskov, a déclaré que la coopération ne visait aucun pays "
         "tiers.",
         [("Le porte-parole du Kremlin, Dmitri Peskov", "a déclaré")], [(NEGATION, "ne visait aucun")]),
    case("fr", "La livraison pourrait intervenir d'ici la fin de l'année, a précisé une source diplomatique à "
         "l'AFP.",
         [("une source diplomatique", "a précisé")], [(HEDGE, "pourrait")]),
    case("fr", "Un accord aurait été conclu, d'après des informations du Wall Street Journal.",
         [("des informations du Wall Street Journal", "d'après")], [(HEDGE, "aurait")]),
    case("fr", "Moscou, qui nie toute livraison, a pourtant reçu des obus nord-coréens.",
         hedges=[(MENTIONED, "qui nie")]),
    case("fr", "« Ce n'est pas une menace », a-t-il déclaré.",
         [("il", "a-t-il déclaré")], [(NEGATION, "n'est pas")]),
    case("fr", "Ces affirmations ont été démenties par Pyongyang.", hedges=[(DENIAL, "ont été démenties")]),
    case("fr", "Bien qu'il nie toute implication, Moscou a reçu des obus.", hedges=[(MENTIONED, "Bien qu'il nie")]),
    case("fr", "Ce chiffre souligne l'ampleur du problème."),  # "souligne" not reporting here
    case("fr", "« Nous ne confirmons ni ne démentons », a répondu le porte-parole.",
         [("le porte-parole", "a répondu")], [(HEDGE, "ne confirmons ni ne démentons")]),
    case("fr", "Le Kremlin a déclaré que rien n'était décidé.",
         [("Le Kremlin", "a déclaré")], [(NEGATION, "rien n'était")]),
    # --------------------------------------------------------------------- Russian
    case("ru", "По данным южнокорейской разведки, КНДР отправила в Россию около 12 тысяч военных.",
         [("южнокорейской разведки", "по данным")]),
    case("ru", "Об этом сообщает ТАСС со ссылкой на источник в Минобороны.",
         [("ТАСС со ссылкой на источник в Минобороны", "сообщает"), ("источник в Минобороны", "со ссылкой на")]),
    case("ru", "Песков заявил, что Москва не обсуждает поставки оружия с Пхеньяном.",
         [("Песков", "заявил")], [(NEGATION, "не")]),
    case("ru", "Москва и Пхеньян отрицают какие-либо договоренности о поставках оружия.",
         [("Москва и Пхеньян", "отрицают")], [(DENIAL, "отрицают")]),
    case("ru", "Северокорейские снаряды, возможно, используются в Курской области, считают эксперты.",
         [("эксперты", "считают")], [(HEDGE, "возможно")]),
    case("ru", "Несмотря на опровержения Кремля, разведка фиксирует новые поставки.",
         hedges=[(MENTIONED, "Несмотря на опровержения")]),
    case("ru", "Не менее 300 ракет было передано России, утверждают в разведке.",
         [("разведке", "утверждают")]),  # 'не менее' is a quantity, not a negation
    # --------------------------------------------------------------------- English
    case("en", "North Korea has sent more than 10,000 troops to Russia, according to South Korean intelligence.",
         [("South Korean intelligence", "according to")]),
    case("en", "A senior White House official said on Monday that Kim may travel to Russia this month.",
         [("A senior White House official", "said")], [(HEDGE, "may")]),
    case("en", "Russia and North Korea deny any arms deal.", [("Russia and North Korea", "deny")],
         [(DENIAL, "deny")]),
    case("en", "The report of a shell deal was denied on Monday.", hedges=[(DENIAL, "denied")]),
    case("en", "Despite denials from Pyongyang and Moscow, North Korea has shipped millions of shells, "
         "Bloomberg reported, citing the South Korean defence ministry.",
         [("Bloomberg", "reported"), ("the South Korean defence ministry", "citing")],
         [(MENTIONED, "Despite denials")]),
    case("en", "The Kremlin did not confirm the report.", hedges=[(HEDGE, "did not confirm")]),
    case("en", "The shells were reportedly delivered by rail, Reuters said.",
         [("Reuters", "said")], [(HEDGE, "reportedly")]),
    case("en", "Kirby told reporters that the weapons were not only artillery shells.", [("Kirby", "told")]),
    case("en", "It is not clear whether the deal includes nuclear technology.",
         hedges=[(HEDGE, "It is not clear")]),
    case("en", "Kirby did not say whether the shells had reached the front.", hedges=[(NEGATION, "not")]),
    case("en", "The report, citing unnamed officials, said the troops arrived in October.",
         [("The report, citing unnamed officials", "said"), ("unnamed officials", "citing")]),
    case("en", "Pyongyang has not commented on the reports.", hedges=[(NEGATION, "not")]),
    case("en", "The move adds pressure on Moscow."),
    case("en", "The reported deal was signed in June."),  # 'reported' as an adjective
]


def _case_id(c: Case) -> str:
    return f"{c.language}-{c.text[:40]}"


@pytest.mark.parametrize("c", CASES, ids=_case_id)
def test_attribution_sources(c: Case) -> None:
    found = extract_attributions(c.text, c.language)
    assert [(a.text, a.cue) for a in found] == list(c.sources)


@pytest.mark.parametrize("c", CASES, ids=_case_id)
def test_hedges(c: Case) -> None:
    found = extract_hedges(c.text, c.language)
    assert [(h.kind, h.text) for h in found] == list(c.hedges)


@pytest.mark.parametrize("c", CASES, ids=_case_id)
def test_offsets_index_into_the_statement(c: Case) -> None:
    for item in [*extract_attributions(c.text, c.language), *extract_hedges(c.text, c.language)]:
        assert c.text[item.start:item.end] == item.text
        assert item.text == item.text.strip()


def test_case_counts_meet_the_brief() -> None:
    written = {lang: sum(1 for c in CASES if c.language == lang and not c.sample) for lang in LANGUAGES}
    assert all(written[lang] >= 15 for lang in ("ro", "uk", "bg", "fr")), written
    assert written["ru"] >= 3 and written["en"] >= 3, written


def test_sample_sentences_are_verbatim() -> None:
    corpus = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SAMPLES_DIR.glob("*.txt"))
    for c in CASES:
        if c.sample:
            assert " ".join(c.text.split()) in corpus, c.text[:60]


# ----------------------------------------------------------------------- stance

STANCES = [
    ("fr", ("La Corée du Nord et la Russie nient l'existence de tout accord armé, malgré les déclarations des "
     "dirigeants sur le renforcement de la coopération militaire entre les pays."), "denied"),
    ("bg", ("Говорителят на Съвета за национална сигурност Джон Кърби заяви, че въпреки отричането си, миналата "
     "година Северна Корея е доставила на Русия пехотни ракети и снаряди."), "asserted"),
    ("bg", ("Неотдавнашен доклад на Блумбърг сочи, че Северна Корея е изпратила близо пет милиона артилерийски "
     "снаряда на Русия, въпреки отричането както от страна на Пхенян, така и от страна на Москва."), "asserted"),
    ("ro", "În ciuda negărilor Moscovei, Coreea de Nord a livrat rachete balistice.", "asserted"),
    ("uk", "Попри заперечення Пхеньяна, північнокорейські військові вже перебувають у Росії.", "asserted"),
    ("en", "Despite denials, North Korea has shipped millions of shells.", "asserted"),
    ("fr", "Les informations peuvent être un élément de propagande.", "hedged"),
    ("ro", "Liderul Coreei de Nord ar fi dispus să încheie un acord.", "hedged"),
    ("uk", "Москва і Пхеньян заперечують будь-які угоди щодо постачання зброї.", "denied"),
    ("bg", "Путин отрича да е обсъждал доставки на оръжие.", "denied"),
    ("ro", "Moscova neagă orice acord.", "denied"),
    ("ru", "Москва и Пхеньян отрицают какие-либо договоренности.", "denied"),
    ("en", "Kim did not visit the factory.", "denied"),
    ("en", "Kim may not visit the factory.", "hedged"),
    ("en", "Kim visited five munitions factories last month.", "asserted"),
]


@pytest.mark.parametrize(
    ("language", "text", "stance"), STANCES, ids=[f"{s[0]}-{s[2]}-{i}" for i, s in enumerate(STANCES)]
)
def test_stance_of_statement(language: str, text: str, stance: str) -> None:
    assert summarize_hedging(extract_hedges(text, language)) == stance


@pytest.mark.parametrize(
    ("kinds", "stance"),
    [
        ((), "asserted"),
        (("denial_mentioned",), "asserted"),
        (("negation",), "denied"),
        (("hedge", "negation"), "hedged"),
        (("denial", "hedge"), "denied"),
        (("denial_mentioned", "hedge"), "hedged"),
    ],
)
def test_summarize_hedging_rule(kinds: tuple[str, ...], stance: str) -> None:
    hedges = [Hedge(kind, "x", 0, 1) for kind in kinds]  # type: ignore[arg-type]
    assert summarize_hedging(hedges) == stance


# ----------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [None, 42, b"bytes", "", "   ", "...", "„", "\"", "«»", "🙂 🙂", "selon", "заявив", "Според", "said",
     ", a souligné", "a declarat,", "„Ню Йорк", "Според „", "\u0000\u200b", "не", "ne pas"],
)
@pytest.mark.parametrize("language", ["ro", "uk", "bg", "fr", "ru", "en", "und", "xx", "", None, 7])
def test_odd_input_never_raises(text: object, language: object) -> None:
    attributions = extract_attributions(text, language)  # type: ignore[arg-type]
    hedges = extract_hedges(text, language)  # type: ignore[arg-type]
    assert isinstance(attributions, list) and isinstance(hedges, list)
    if isinstance(text, str):
        for item in [*attributions, *hedges]:
            assert text[item.start:item.end] == item.text


def test_no_attribution_gives_empty_list() -> None:
    assert extract_attributions("Северна Корея изпрати снаряди на Русия.", "bg") == []
    assert extract_hedges("Северна Корея изпрати снаряди на Русия.", "bg") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Potrivit publicației, Moscova ar putea oferi cereale.", ("publicației", "potrivit")),
        ("За словами аналітиків, Північна Корея може вимагати пшеницю.", ("аналітиків", "за словами")),
        ("Selon le Pentagone, les soldats sont déjà en Russie.", ("le Pentagone", "selon")),
    ],
)
@pytest.mark.parametrize("language", ["und", "xx", "", "zz-ZZ"])
def test_unknown_language_tries_every_lexicon(text: str, expected: tuple[str, str], language: str) -> None:
    assert [(a.text, a.cue) for a in extract_attributions(text, language)] == [expected]


@pytest.mark.parametrize("language", ["RO", "ro-RO", "ro_RO", " ro "])
def test_language_codes_are_normalised(language: str) -> None:
    found = extract_attributions("Potrivit publicației, Moscova ar putea oferi cereale.", language)
    assert [(a.text, a.cue) for a in found] == [("publicației", "potrivit")]


def test_attribution_objects_are_complete() -> None:
    text = "Неотдавнашен доклад на Блумбърг, позоваващ се на южнокорейското министерство на отбраната, сочи, че ..."
    outer, inner = extract_attributions(text, "bg")
    # The citing chain is linked by containment: the cited source lies inside the outer span.
    assert outer.start <= inner.start and inner.end <= outer.end
    assert outer.to_dict() == {"text": outer.text, "start": 0, "end": outer.end, "cue": "сочи"}


# ----------------------------------------------------------------------- speed
# Ceilings only, ten times the aims or more: a loaded machine cannot reach them, a regex that
# backtracks without end (seconds a statement) still does. Speed belongs in the benchmarks.
PER_STATEMENT_CEILING_MS = 5.0  # the aim: well under 0.5 ms
LONG_INPUT_CEILING_S = 20.0  # 600 sources in 23,000 characters: 0.04 s measured, linear (0.004 s for a tenth)


def test_speed_per_statement() -> None:
    texts = [c.text for c in CASES]
    extract_attributions(texts[0], "bg")  # warm the compiled patterns
    repeats = 20
    started = time.perf_counter()
    for _ in range(repeats):
        for c in CASES:
            extract_attributions(c.text, c.language)
            extract_hedges(c.text, c.language)
    per_statement_ms = (time.perf_counter() - started) * 1000 / (repeats * len(texts))
    assert per_statement_ms <= PER_STATEMENT_CEILING_MS, per_statement_ms


def test_long_input_is_linear() -> None:
    sentence = "„Нищо не е ясно“, заяви Песков, според ТАСС, въпреки отричането на Москва. "
    started = time.perf_counter()
    found = extract_attributions(sentence * 300, "bg")
    hedges = extract_hedges(sentence * 300, "bg")
    took = time.perf_counter() - started
    assert took <= LONG_INPUT_CEILING_S, took
    assert len(found) == 600 and len(hedges) >= 600
