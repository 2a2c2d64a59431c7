"""SYNTHETIC Qualtrics metadata: ResponseIds, dates, IP addresses, recipients, locations.

Nothing here identifies anyone: IP addresses come from the documentation ranges (RFC 5737), e-mail
addresses use example.org, names are random pairs from a short list. Dates are local Brussels time
inside the fieldwork (2023-03-15 .. 2023-04-11) and avoid the night, so a UTC conversion never moves a
response to another day.
"""

from __future__ import annotations

import datetime as dt
import random
import string

FIELDWORK_START = dt.datetime(2023, 3, 15, 9, 0, 0)
FIELDWORK_END = dt.datetime(2023, 4, 11, 17, 0, 0)
MAIN_EXPORT_AT = dt.datetime(2023, 4, 7, 12, 0, 0)  # first export: everything recorded before this
LATER_EXPORT_FROM = dt.datetime(2023, 4, 6, 18, 0, 0)  # second export: everything recorded after this
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_ALNUM = string.ascii_letters + string.digits
_IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
_FIRST = ("An", "Bram", "Els", "Koen", "Lien", "Pieter", "Sofie", "Tom", "Nele", "Wim", "Ines", "Jonas")
_LAST = (
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Van den Broeck",
    "Vermeulen",
)
# Rough latitude/longitude boxes inside each province.
_BOXES = {
    "Antwerpen": ((51.05, 51.35), (4.30, 5.05)),
    "Limburg": ((50.80, 51.15), (5.05, 5.65)),
    "Oost-Vlaanderen": ((50.80, 51.20), (3.50, 4.20)),
    "Vlaams-Brabant": ((50.78, 50.95), (4.05, 4.95)),
    "West-Vlaanderen": ((50.80, 51.30), (2.65, 3.40)),
}


def new_response_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        candidate = "R_" + "".join(rng.choice(_ALNUM) for _ in range(15))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _working_time(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = rng.randint(8 * 60 + 15, 18 * 60 + 30)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, rng.randint(0, 59)))


def recorded_time(
    rng: random.Random, start: dt.datetime, end: dt.datetime, avoid: tuple[dt.datetime, dt.datetime] | None = None
) -> dt.datetime:
    """A working-hours moment in [start, end), weekdays more likely, optionally outside `avoid`."""
    days = [(start + dt.timedelta(days=i)).date() for i in range((end - start).days + 1)]
    weights = [1.0 if d.weekday() < 5 else 0.15 for d in days]
    for _ in range(1000):
        day = rng.choices(days, weights)[0]
        moment = _working_time(rng, day)
        if not start <= moment < end:
            continue
        if avoid and avoid[0] <= moment < avoid[1]:
            continue
        return moment
    raise RuntimeError("no recorded time found")


def metadata_row(
    rng: random.Random,
    *,
    recorded: dt.datetime,
    progress: int,
    province: str | None,
    status: str = "0",
    channel: str | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(metadata columns, extra embedded-data columns) for one response row."""
    finished = progress == 100
    duration = rng.randint(420, 3300) if finished else rng.randint(60, 1500)
    start = recorded - dt.timedelta(seconds=duration)
    real = status == "0"
    if channel is None:
        channel = "email" if rng.random() < 0.35 else "anonymous"
    first = last = email = ""
    if channel == "email":
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first}.{last}".lower().replace(" ", "") + "@example.org"
    latitude = longitude = ""
    if province in _BOXES and rng.random() < 0.9:
        (lat0, lat1), (lon0, lon1) = _BOXES[province]
        latitude, longitude = f"{rng.uniform(lat0, lat1):.4f}", f"{rng.uniform(lon0, lon1):.4f}"
    metadata = {
        "StartDate": start.strftime(DATE_FORMAT),
        "EndDate": recorded.strftime(DATE_FORMAT),
        "Status": status,
        "IPAddress": (rng.choice(_IP_PREFIXES) + str(rng.randint(1, 254))) if real else "",
        "Progress": str(progress),
        "Duration (in seconds)": str(duration),
        "Finished": "1" if finished else "0",
        "RecordedDate": recorded.strftime(DATE_FORMAT),
        "ResponseId": "",
        "RecipientLastName": last,
        "RecipientFirstName": first,
        "RecipientEmail": email,
        "ExternalReference": "",
        "LocationLatitude": latitude,
        "LocationLongitude": longitude,
        "DistributionChannel": channel,
        "UserLanguage": "NL",
    }
    extra = {
        "Q_RecaptchaScore": f"{rng.choice((0.9, 1.0, 1.0, 0.8, 0.7)):.1f}" if real else "",
        "Q_TotalDuration": str(duration + rng.randint(0, 40)),
        "SyntheticSample": "SYNTHETIC - not survey data",
    }
    return metadata, extra
