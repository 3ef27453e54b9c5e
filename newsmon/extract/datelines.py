"""Date and time lines that are page furniture, not story: recognised by what they are made of.

"Updated 3 minutes ago", "Publié le 12 mars 2026 à 14h05", "vor 5 Minuten",
"5 min read", a live blog's "14:05 GMT": such lines change between two requests
of one unchanged story, so each one hashed would be a false edit. A line is
furniture when every word in it is a number, a date or time word, a relative-time
word or a publishing label, in any of the major European languages, or in
Japanese, Chinese or Korean ("2026年3月5日 14時05分 更新", "입력 2026.03.05 14:05",
"5分钟前"). No single site's wording is listed: the vocabulary is the languages' own.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Longest furniture line worth considering; a longer one is prose even if it starts alike.
MAX_DATE_LINE = 90

_MONTHS = """
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre
décembre decembre janv févr fevr avr juil déc
januar februar märz maerz april juni juli oktober dezember jän jänner mär okt dez
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre
diciembre ene abr ago dic
gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre gen mag giu lug ott
janeiro fevereiro março marco maio junho julho outubro novembro dezembro fev set out dez
januari februari maart mei augustus oktober mrt
januar februar marts maj juni juli august oktober
styczeń stycznia luty lutego marzec marca kwiecień kwietnia maj maja czerwiec czerwca
lipiec lipca sierpień sierpnia wrzesień września październik października listopad
listopada grudzień grudnia
"""
_WEEKDAYS = """
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
fri sat sun lundi mardi mercredi jeudi vendredi samedi dimanche
montag dienstag mittwoch donnerstag freitag samstag sonntag mo di mi do fr sa so
lunes martes miércoles miercoles jueves viernes sábado sabado domingo
lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato
segunda terça terca quarta quinta sexta feira
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
måndag tisdag onsdag torsdag fredag lördag söndag mandag tirsdag lørdag søndag
poniedziałek wtorek środa czwartek piątek sobota niedziela
"""
_UNITS = """
second seconds sec secs s minute minutes min mins m hour hours hr hrs h day days d week
weeks wk wks month months year years yr yrs
seconde secondes heure heures jour jours semaine semaines mois an ans année années
sekunde sekunden minute minuten stunde stunden std tag tage tagen woche wochen monat monaten
jahr jahren
segundo segundos minuto minutos hora horas día días dia dias semana semanas mes meses año años
secondo secondi minuti ora ore giorno giorni settimana settimane mese mesi anno anni
segundos mês meses ano anos
seconde seconden minuut minuten uur uren dag dagen weken maand maanden jaar
sekund sekunder minut minuter minutter timme timmar time timer dagar dage veckor uge uger
sekundy minuty minutę godzina godziny godzin godzinę dzień dni tydzień tygodnie miesiąc
"""
_RELATIVE = """
ago just now today yesterday tomorrow earlier
il y a hier aujourd instant depuis
vor gerade eben heute gestern seit
hace ayer hoy ahora mismo
fa ieri oggi proprio adesso
há ontem hoje agora
geleden gisteren vandaag zojuist net
sedan igår idag nyss siden i går i dag nu
temu wczoraj dzisiaj teraz
"""
_LABELS = """
published updated posted modified edited last first created date time at on by the of
read reading length estimated
publié publiée mis à jour le la les du de des modifié lecture temps
veröffentlicht aktualisiert zuletzt erstellt geändert am um uhr lesezeit lesedauer stand
publicado publicada actualizado actualizada modificado el a las los del en lectura tiempo
pubblicato pubblicata aggiornato aggiornata alle ore il di lettura tempo
atualizado atualizada em às as leitura
gepubliceerd bijgewerkt gewijzigd op om leestijd
publicerad uppdaterad publiceret opdateret publisert oppdatert kl klo lästid läsetid
opublikowano zaktualizowano aktualizacja dnia o czas czytania
am pm a p gmt utc bst cet cest est edt cst cdt mst mdt pst pdt et pt mez mesz ist aest aedt
"""


def _words(*blocks: str) -> frozenset[str]:
    return frozenset(word for block in blocks for word in block.split())


_ANCHORS = _words(_MONTHS, _WEEKDAYS, _UNITS, _RELATIVE)
_MONTH_WORDS = _words(_MONTHS)
_VOCABULARY = _ANCHORS | _words(_LABELS)
_WORD = re.compile(r"\w+")
# 14, 2026, 1st, 3rd, 1er, 14h05, 5min, 3h, 12e, 10am, 2026年
_NUMERIC = re.compile(r"\d+(st|nd|rd|th|er|e|h\d*|min|m|s|am|pm|uhr)?|\d+[hm]\d+")


# Japanese, Chinese and Korean write dates without spaces ("3月5日(木)", "2026년 3월 5일"),
# so `\w+` would read a whole date as one word: their date pieces are folded into the
# European vocabulary's tokens first. Numbers with a date or time unit; weekdays;
# morning/afternoon; relative words; publishing labels.
_CJK_NUMBER = re.compile(r"\d+\s*(年|ヶ?月|日|時|时|點|点|分钟|分鐘|分|秒|년|월|일|시|분|초)")
_CJK_ANCHOR = re.compile(
    r"[月火水木金土日]曜日?|星期[一二三四五六日天]|周[一二三四五六日]|週[一二三四五六日]|"
    r"[월화수목금토일]요일|午前|午後|上午|下午|中午|晚上|오전|오후|"
    r"今日|昨日|本日|今天|昨天|刚刚|剛剛|刚才|ただいま|오늘|어제|방금|"
    r"小时前|小時前|分钟前|分鐘前|天前|時間前|日前|前|전|"
    r"[（(][月火水木金土日][)）]|[（(][월화수목금토일][)）]"
)
_CJK_LABEL = re.compile(
    r"最終更新|更新日時|更新日|更新|公開日時|公開日|公開|配信日時|配信|掲載日|掲載|投稿日|投稿|"
    r"発行|発表|日時|発売|"
    r"发布时间|發佈時間|发布于|发布|發佈|發布|更新时间|更新時間|发表于|發表於|发表|發表|时间|時間|"
    r"기사입력|최종수정|업데이트|입력|수정|등록|게재|발행|승인|송고|"
    r"記者|기자"
)
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _fold_cjk(line: str) -> str:
    """A CJK date line in the European vocabulary's tokens: "3月5日 更新" -> " 3  5  updated "."""
    if not _CJK_CHAR.search(line):
        return line
    line = _CJK_NUMBER.sub(lambda m: f" {m.group(0)[: -len(m.group(1))].strip()} ", line)
    line = _CJK_ANCHOR.sub(" ago ", line)
    return _CJK_LABEL.sub(" updated ", line)


def is_date_line(line: str) -> bool:
    """Whether a line is only a date, time, relative time, label or reading-time note."""
    if len(line) > MAX_DATE_LINE:
        return False
    words = _WORD.findall(_fold_cjk(line).casefold())
    if not words:
        return False
    anchored = False
    for word in words:
        if _NUMERIC.fullmatch(word) or word in _ANCHORS:
            anchored = True
        elif word not in _VOCABULARY:
            return False
    return anchored


# "Published by", "Posted by", "Publicado por", "Publié par", "Veröffentlicht von" ...
_BYLINE_LABEL = re.compile(
    r"\b(published|posted|written|publicado|publicada|publié|publiée|écrit|veröffentlicht|"
    r"geschrieben|pubblicato|scritto|geplaatst|geschreven|publicerad|skrevet|opublikowany)"
    r"\s+(by|por|par|von|da|door|av|af|przez)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d[\d.,]*")


def is_ticker_line(line: str) -> bool:
    """A line of figures: a market ticker, a counter ("FTSE 100 7,012 ▲ 0.4% · GBP/USD 1.27").

    Made of numbers and symbols with at most codes in capitals beside them; a sentence
    of the story has words in lower case, and a score line ("Arsenal 2 Chelsea 1") too.
    A table's row ("| CON | 12,345 | 45.2% |", as tables come out of extraction) is the
    story's data, never furniture.
    """
    if len(line) > MAX_DATE_LINE or line.upper() != line or line.lstrip().startswith("|"):
        return False  # a lower-case letter: words, not figures
    tokens = _TOKEN.findall(line)
    numbers = sum(bool(_NUMBER.fullmatch(t)) for t in tokens)
    lower = any(any(c.islower() for c in t) for t in tokens)
    return len(tokens) >= 3 and not lower and 2 * numbers >= len(tokens)


# "By Jane Smith", "Von Anna Müller", "Par Jean Dupont": a byline set as a plain line,
# as pages without author markup show it above the story.
_BYLINE_LINE = re.compile(
    r"^(by|von|par|por|di|da|door|av|af|przez|de)\s+\w[^.!?]{0,80}$", re.IGNORECASE
)
_BYLINE_WORDS = 10


def byline_line(line: str) -> str | None:
    """The author named by a byline line ("By Jane Smith" -> "Jane Smith"), else None.

    The name must start with a capital (in scripts that have them) and be short: "By
    the time the vote closed" is prose.
    """
    match = _BYLINE_LINE.match(line)
    if not match:
        return None
    name = line[match.end(1) :].strip()
    if len(name.split()) > _BYLINE_WORDS or (name[0].isalpha() and not name[0].isupper()):
        return None
    return name


_NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
MAX_META_LINE = 200


def is_byline_meta(line: str) -> bool:
    """A byline's metadata line: a "published by" label and a date ("05/10/2018 - Publicado
    por: Ana - Categoria: Saúde"). The author is kept apart on `Extracted.byline`."""
    if len(line) > MAX_META_LINE or not _BYLINE_LABEL.search(line):
        return False
    folded = line.casefold()
    return bool(_NUMERIC_DATE.search(line)) or any(
        word in _MONTH_WORDS for word in _WORD.findall(folded)
    )


_BLOCKS = frozenset({"p", "div", "li", "header", "footer", "section", "dd", "td", "figcaption"})
_SENTENCE_END = (".", "!", "?", "。", "！", "？", "…", '"', "”", "»")
_LABEL_ROOM = 60  # characters of label or byline a metadata line may hold besides its <time>


def only_vocabulary(text: str) -> bool:
    """Whether every word of `text` is a date, time or publishing-label word (or a number)."""
    return all(_NUMERIC.fullmatch(w) or w in _VOCABULARY for w in _WORD.findall(text.casefold()))


def prune_time_furniture(tree: HtmlElement) -> int:
    """Remove `<time>` elements that stand in metadata lines (bylines, post headers).

    A `<time>` inside prose ("the vote on <time>Monday</time> passed") stays. When
    what is left of its line is itself only labels ("Updated", "Publié le"), the
    whole line goes.

    Returns:
        How many elements were removed, for tests and debugging.
    """
    removed = 0
    root = tree.getroottree().getroot()
    for time_el in list(tree.iter("time")):
        if time_el.getroottree().getroot() is not root:  # went with an earlier block
            continue
        block = _block_of(time_el)
        if block is None:  # straight under <article>/<main>/<body>: never prose
            if time_el.getparent() is not None:
                time_el.drop_tree()
            removed += 1
            continue
        text = block.text_content().strip()
        rest = text.replace(time_el.text_content(), "", 1).strip()
        if len(rest) > _LABEL_ROOM:
            continue
        if only_vocabulary(rest):
            target = block  # "Updated <time>": the whole line is furniture
        elif text.endswith(_SENTENCE_END):
            continue  # "The vote on <time>Tuesday</time> passed.": a sentence of the story
        else:
            target = time_el  # "By Sam Writer <time>": the byline's date goes
        if target.getparent() is not None:
            target.drop_tree()
            removed += 1
    return removed


def _block_of(element: HtmlElement) -> HtmlElement | None:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("body", "article", "main"):
            return None
        if ancestor.tag in _BLOCKS:
            return ancestor
    return None
