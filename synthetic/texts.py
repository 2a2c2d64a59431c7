"""SYNTHETIC open answers in Dutch: short template sentences with a few slots.

Written for this sample (nothing is taken from the report). Some answers deliberately carry commas,
double quotes and line breaks, because real exports do and the CSV reader must survive them. Only the
Q41 answers built by `covid_text` mention the Covid crisis (words `corona`/`covid`); every other text is
checked to avoid those words, so the report's count of 9 can be reproduced by a text search.
"""

from __future__ import annotations

import random
import re

COVID_PATTERN = re.compile(r"covid|corona", re.IGNORECASE)

_SLOTS: dict[str, tuple[str, ...]] = {
    "begin": (
        "snelle noodopvang",
        "het zoeken naar gastgezinnen",
        "crisisbeheer vanuit de noodplanning",
        "de inschrijving en de administratie",
        "collectieve opvang in een sporthal",
    ),
    "nu": (
        "duurzame huisvesting",
        "werk en taal",
        "zelfredzaamheid van de gezinnen",
        "doorstroming naar de private huurmarkt",
        "integratie in het gewone aanbod",
    ),
    "reden": (
        "De oorlog duurt langer dan iedereen dacht.",
        "Veel gastgezinnen haakten na enkele maanden af.",
        "De noodwoningen waren niet bedoeld voor lange tijd.",
        "Het personeel kon het tempo niet volhouden.",
        "De vraag veranderde van bed en bad naar school en werk.",
    ),
    "partner": (
        "het OCMW",
        "de eerstelijnszone",
        "het VLOT-team",
        "de buurgemeenten",
        "het CAW",
        "de scholen",
        "de VDAB",
        "het sociaal verhuurkantoor",
    ),
    "noden": ("huisvesting", "vervoer", "kinderopvang", "tolken", "medische opvolging", "schoolkeuze"),
    "overheid_fed": (
        "duidelijke info over het statuut tijdelijke bescherming",
        "een snellere registratie",
        "een eenduidige regeling voor het leefloon",
        "vroegere communicatie over de aantallen",
        "financiering die het hele jaar dekt",
    ),
    "overheid_vla": (
        "duidelijke richtlijnen voor noodwoningen",
        "tijdige info over de subsidies",
        "één aanspreekpunt in plaats van drie",
        "ondersteuning bij de opvolging van gastgezinnen",
        "sneller uitsluitsel over de middelen",
    ),
    "agii": (
        "meer tolken op korte termijn",
        "een ruimer NT2-aanbod in de regio",
        "sneller een trajectbegeleider",
        "vertaalde brochures",
    ),
    "verwachting": (
        "een eigen woning op korte termijn",
        "een financiële vergoeding voor gastgezinnen",
        "een plaats in een school naar keuze",
        "vervoer naar elke afspraak",
        "meteen werk op eigen niveau",
        "een volledige inrichting van de woning",
    ),
    "aanpak": (
        "een wekelijks ontmoetingsmoment in het dienstencentrum",
        "één centraal meldpunt voor gastgezinnen",
        "een WhatsApp-groep met alle vrijwilligers",
        "een infomarkt met alle partners",
        "vaste spreekuren met een tolk",
        "buddy's die ook na de opvang contact houden",
        "een gedeelde lijst van beschikbare woningen",
    ),
    "uitdaging": (
        "doorstroming naar de private huurmarkt",
        "noodwoningen die vrij komen",
        "de financiering na de zomer",
        "vermoeidheid bij gastgezinnen",
        "taalverwerving bij ouderen",
        "werk op het niveau van de diploma's",
        "de opvang van nieuwe aankomsten naast andere verzoekers",
    ),
    "situatie": (
        "een overstroming",
        "een brand in een appartementsblok",
        "een nieuwe vluchtelingenstroom",
        "een grote evacuatie",
        "een hittegolf",
    ),
}

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Q10": (
        "In het begin lag de focus op {begin}, nu zetten we meer in op {nu}. {reden}",
        "Van {begin} naar {nu}. {reden}",
        "We zijn geëvolueerd naar {nu}.\n{reden}",
    ),
    "Q19": (
        "Er waren weinig aanvragen in onze gemeente, dus we konden alles zelf opvangen.",
        "De ondersteuning liep via {partner}; zij werkten wel met vrijwilligers.",
        "We hadden geen capaciteit om vrijwilligers te begeleiden.",
        "Vrijwilligers meldden zich niet aan, ondanks een oproep in het infoblad.",
    ),
    "Q30": (
        "Een vast aanspreekpunt bij {partner} zou helpen.",
        "Meer overleg tussen gemeenten over {noden}, niet alleen in crisistijd.",
        "Gedeelde afspraken over {noden}, zodat niet elke gemeente het wiel uitvindt.",
        'Een regionale lijst van beschikbare woningen, met "wie doet wat" erbij.',
    ),
    "Q32": (
        "We misten {overheid_fed}.",
        "Vooral {overheid_fed}, en dat vanaf de eerste week.",
        "{overheid_fed}; nu moesten we alles zelf uitzoeken.",
    ),
    "Q33": ("We misten {overheid_vla}.", "{overheid_vla}, want de regels wijzigden vaak.", "Vooral {overheid_vla}."),
    "Q34": ("{agii}.", "We misten {agii}, zeker in de eerste maanden."),
    "Q35": (
        "Lokale besturen staan het dichtst bij de mensen, maar kregen veel taken zonder de middelen.",
        "Een logische rol: wij kennen {partner} en de woningen. Wel te weinig omkadering.",
        'We moesten als gemeente "alles" doen: van {noden} tot {uitdaging}.',
        "De regie lag terecht lokaal,\nmaar de financiering moet structureel.",
        "Te veel gevraagd van kleine gemeenten; samenwerking met {partner} was nodig.",
    ),
    "Q37": (
        "Men verwachtte {verwachting}.",
        "Vooral {verwachting}, en dat konden we niet bieden.",
        "Gastgezinnen verwachtten {verwachting}; Oekraïners vroegen {noden}.",
    ),
    "Q39": ("{aanpak}.", "Zeker {aanpak}, samen met {partner}.", "{aanpak}; dat werkte erg goed."),
    "Q40": ("{uitdaging}.", "Vooral {uitdaging} en {noden}.", "{uitdaging}, en hoe lang we dit nog volhouden."),
    "Q41": (
        "Ja, de werkwijze met {partner} kan ook bij {situatie}.",
        "Gedeeltelijk: het draaiboek is bruikbaar bij {situatie}, de financiering niet.",
        "Ja. We houden de lijst van vrijwilligers bij voor {situatie}.",
        "Nee, elke crisis vraagt iets anders.",
    ),
}

_COVID_TEMPLATES = (
    "Ja, we bouwden verder op de crisiscel van de coronacrisis.",
    "Ja, zoals tijdens corona: snel schakelen met {partner}.",
    "De aanpak lijkt op die van de covid-periode, en kan dus ook bij {situatie}.",
    "Ja, de structuur van het vaccinatiecentrum (covid-19) hebben we hergebruikt.",
)

_OTHER: dict[tuple[str, int], tuple[str, ...]] = {
    ("Q2", 6): (
        "Beleidsmedewerker welzijn",
        "Integratieambtenaar",
        "Diensthoofd burgerzaken",
        "Directeur Sociaal Huis",
        "Stafmedewerker, kabinet burgemeester",
    ),
    ("Q3", 5): ("Gemeenteraad", "Politiezone", "Integratiedienst", "Welzijnsraad"),
    ("Q4", 6): ("Beschikbaarheid van woningen", "Ervaring uit eerdere opvang", "Vraag van de inwoners"),
    ("Q5", 3): ("Taken herverdeeld binnen het team", "Inzet van jobstudenten", "Overuren"),
    ("Q7", 8): ("Vervoer", "Kinderopvang", "Vertalingen"),
    ("Q8", 14): ("Fietsen ter beschikking", "Infomarkt met partners", "Zomerkampen"),
    ("Q12", 4): ("Hotelkamers", "Containerunits", "Vakantiewoningen"),
    ("Q13", 4): ("Pastorie", "Woningen van de gemeente", "Leegstaande kloostergebouwen"),
    ("Q15", 4): ("Via het sociaal verhuurkantoor", "Oproep aan eigenaars"),
    ("Q16", 7): ("Via het lokaal dienstencentrum", "Jobcoach van de welzijnsvereniging"),
    ("Q17", 4): ("Rijbewijs", "Erkenning van diploma's", "Kinderopvang"),
    ("Q21", 4): ("Via de scholen", "Via sociale media"),
    ("Q22", 9): ("Vervoer naar afspraken", "Hulp bij verhuizen"),
    ("Q26", 7): ("Rode Kruis", "Huisartsen", "Jeugdbewegingen"),
    ("Q28", 4): ("De provincie", "Het OCMW van de buurgemeente", "Welzijnsvereniging"),
}


def _fill(template: str, rng: random.Random) -> str:
    text = template
    for slot, options in _SLOTS.items():
        while "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", rng.choice(options), 1)
    return text[0].upper() + text[1:]


def open_text(question_id: str, rng: random.Random) -> str:
    """One answer to an open question; never mentions the Covid crisis."""
    text = _fill(rng.choice(_TEMPLATES[question_id]), rng)
    if COVID_PATTERN.search(text):
        raise AssertionError(f"template for {question_id} mentions Covid: {text!r}")
    return text


def covid_text(rng: random.Random) -> str:
    """A Q41 answer that refers to the Covid crisis approach (report 10.3 counts nine)."""
    return _fill(rng.choice(_COVID_TEMPLATES), rng)


def other_text(question_id: str, code: int, rng: random.Random) -> str:
    return rng.choice(_OTHER[(question_id, code)])


def has_other_text(question_id: str, code: int) -> bool:
    return (question_id, code) in _OTHER
