"""A large library's rows, written straight into PostgreSQL with COPY: the one filler that the
million-photo bench (bench_million) and the plan tests (tests/test_admin_plans.py) share.

The rows look like a real library's as the import and `pregenerate` write them: 15 years of
days, most quiet, a few holidays and weddings of up to 3,200 files; about 5 % videos; moments
(Live Photos' stills with their motions, RAW+JPEG pairs, motion photos with their video inside)
whose partners point at their face; some trash, whole moments at a time; a camera per day (some
common, one rare and years ago) and a place (mostly home, a rare country once in a while); an
import session a month with an outcome per file; and a rendition row for the tile thumbnails
the workers made (with their placeholders) and for the videos' web renditions.

Deterministic for a given count: file number n (0 the newest) has id n + 1 and the SHA-256 of
str(n), so a test can name a photo without asking the database."""
import datetime
import hashlib
import multiprocessing
import random
import time
from dataclasses import dataclass

from django.db import connection, transaction

from library import count_check, paths, photo_names, photo_tally
from library.models import ImportOutcome, ImportSession, Photo
from thumbnails import rendition_tally
from thumbnails.formats import made_ahead_spec
from thumbnails.models import Rendition
from thumbnails.names import current_video_spec, storage_name

NEWEST_DAY = datetime.date(2025, 6, 30)
YEARS = 15
BUSIEST_DAY = 3_200
# (model, make, weight, first year, last year): a day's camera, chosen among those in use that year
# by weight, so that a common camera is everywhere and a rare one is a few days years ago.
CAMERA_USE = [("iPhone 15 Pro", "Apple", 40, 2010, 2025), ("Pixel 8", "Google", 12, 2016, 2025),
              ("EOS R6", "Canon", 8, 2012, 2025), ("X100V", "FUJIFILM", 6, 2010, 2025),
              ("Galaxy S23", "samsung", 5, 2018, 2025), ("NEX-6", "SONY", 3, 2010, 2016),
              ("DMC-GX7", "Panasonic", 1, 2013, 2015), ("Z6", "NIKON CORPORATION", 2, 2019, 2025)]
CAMERAS = [model for model, *_ in CAMERA_USE]
MAKES = {model: make for model, make, *_ in CAMERA_USE}
NO_CAMERA = 1 / 13  # days of files without EXIF (scans, messengers' copies)
# (country, weight, [(region, city)]): where a day's files were taken. Most at home, some
# holidays, one trip to a rare country; a quarter of the days without GPS.
PLACES = [("Germany", 70, [("Bavaria", "Munich"), ("Bavaria", "Garmisch-Partenkirchen"), ("Berlin", "Berlin"),
                           ("Hamburg", "Hamburg")]),
          ("Italy", 15, [("Tuscany", "Arezzo"), ("Tuscany", "Florence"), ("Lazio", "Rome")]),
          ("France", 10, [("Brittany", "Brest"), ("Île-de-France", "Paris")]),
          ("Spain", 4.5, [("Andalusia", "Seville")]),
          ("Iceland", 0.5, [("Southern Peninsula", "Reykjanesbær")])]
NO_PLACE = 0.25
OFFSETS = [60, 120, -300, 0, 540]  # minutes east of UTC of the camera's clock, one a year in turn
# What one face of a moment brings: (share of faces, files of the moment).
VIDEO, LIVE, RAW_PAIR, MOTION, LONE_RAW = 0.03, 0.02, 0.004, 0.01, 0.001
TRASHED = 0.01
CACHED_TILES = 0.62  # of the tiles in the library: what the workers had made
FAILED_TILES = 0.002
# A real ThumbHash (a placeholder as thumbnails.placeholders writes it).
PLACEHOLDER = "3/eFEggIF1RnB4cGQnfAlOhpqpTF9K4="
NAMED_TABLES = ("library_photo", "thumbnails_rendition", "library_importoutcome", "library_importsession")
# Tables the database keeps from the photos' rows (by triggers, which a bulk load skips): copied
# again from them.
COPIED_TABLES = (photo_names.TABLE,)


@dataclass(frozen=True)
class Filled:
    photos: int
    renditions: int
    session_ids: list
    phases: dict  # seconds by phase of the fill


def day_counts(rows: int, rng: random.Random) -> list[tuple[datetime.date, int]]:
    """How many files each day of the 15 years holds, newest first: a heavy tail (most days a few
    or none, a few days thousands), no day busier than BUSIEST_DAY is in a million, `rows` in all."""
    busiest = max(50, BUSIEST_DAY * rows // 1_000_000)  # as busy, for the library's size, as a million's
    days = [NEWEST_DAY - datetime.timedelta(days=back) for back in range(YEARS * 365 + YEARS // 4)]
    weights = [0.0 if rng.random() < 0.35 else rng.paretovariate(1.1) for _ in days]
    weights[0] = 1.0  # an ordinary newest day: the gallery's first page starts there
    counts = [0] * len(days)
    left, open_days = rows, [index for index, weight in enumerate(weights) if weight]
    while left and open_days:
        total = sum(weights[index] for index in open_days)
        for index in open_days:
            counts[index] += min(busiest - counts[index], int(left * weights[index] / total))
        left = rows - sum(counts)
        open_days = [index for index in open_days if counts[index] < busiest]
        if left and open_days and left < len(open_days):  # the last few, one each to the heaviest days
            for index in sorted(open_days, key=lambda index: -weights[index])[:left]:
                counts[index] += 1
            left = 0
    return [(day, count) for day, count in zip(days, counts, strict=True) if count]


NULL = r"\N"


def text(value) -> str:
    """A value in COPY's text format (our values hold no tab, newline or backslash)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


class Writer:
    """Rows of one model as COPY text lines: the columns given, then each other column's default
    (`tail`, the same for every row; an id the database numbers is left out)."""

    def __init__(self, model, columns):
        self.model = model
        rest = [field for field in model._meta.concrete_fields if field.column not in columns and not field.primary_key]
        self.columns = [*columns, *(field.column for field in rest)]
        self.tail = "".join("\t" + text(field.get_prep_value(field.get_default())) for field in rest) + "\n"
        self.lines = []

    def add(self, *values):
        self.lines.append("\t".join(map(text, values)) + self.tail)

    @property
    def statement(self) -> str:
        return f"COPY {self.model._meta.db_table} ({', '.join(self.columns)}) FROM STDIN (FREEZE)"

    def copy(self, cursor, lines=None) -> int:
        """COPYs `lines` (an iterable, consumed as it is made), or those added; returns how many."""
        count = copy_chunks(cursor, self.statement, chunked(self.lines if lines is None else lines))
        self.lines = []
        return count


def chunked(lines, size=5_000):
    """Lines joined `size` at a time, encoded: what COPY takes in one write."""
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def copy_chunks(cursor, statement: str, chunks) -> int:
    """COPYs the encoded chunks of lines as they come; returns how many lines."""
    count = 0
    with cursor.copy(statement) as copy:
        for data in chunks:
            copy.write(data)
            count += data.count(b"\n")
    return count


PHOTO_COLUMNS = ["id", "sha256", "kind", "original_name", "name_key", "path", "size", "format", "mime_type", "width",
                 "height", "orientation", "duration", "video_codecs", "playback", "taken_at", "taken_at_offset",
                 "taken_on", "taken_at_source", "camera_model", "imported_at", "import_session_id", "trashed_at",
                 "shown_with_id", "content_identifier", "embedded_video_offset", "embedded_video_length", "title",
                 "camera_make", "place_city", "place_region", "place_country", "has_raw_partner"]
# What differs between the kinds of file: (kind, extension, format, MIME type).
FILE_KINDS = {
    "photo": ("photo", "JPG", "jpeg", "image/jpeg"),
    "live": ("photo", "HEIC", "heic", "image/heic"),
    "video": ("video", "MOV", "mov", "video/quicktime"),
    "motion": ("video", "MOV", "mov", "video/quicktime"),
    "raw": ("photo", "DNG", "dng", "image/x-adobe-dng"),
}


@dataclass(frozen=True)
class Moment:
    """What the files of one moment share: when and where on the camera's clock, and whether trashed."""
    day: str
    taken_at: str
    offset: int
    camera: str
    trashed_at: str
    place: tuple = ("", "", "")  # (city, region, country)


class Library:
    """Makes the rows, file by file: the photos' lines as they are asked for (so the database
    takes them in while the next are made), the rendition and outcome rows kept for after."""

    def __init__(self, rows: int, seed: int = 25):
        self.rows, self.rng = rows, random.Random(seed)
        self.photos = Writer(Photo, PHOTO_COLUMNS)
        self.renditions = Writer(Rendition, ["photo_id", "spec", "state", "name", "bytes", "generated_at",
                                             "generations", "attempts", "last_error", "placeholder"])
        self.outcomes = Writer(ImportOutcome, ["session_id", "original_name", "size", "status", "error", "photo_id",
                                               "created_at"])
        self.sessions = {}  # (year, month) -> id
        self.tile_spec, self.video_spec = made_ahead_spec(), current_video_spec()

    def photo_lines(self):
        number = 0
        for day, count in day_counts(self.rows, self.rng):
            camera, place = self.camera_on(day), self.place()
            offset = OFFSETS[day.year % len(OFFSETS)]
            session_id = self.sessions.setdefault((day.year, day.month), len(self.sessions) + 1)
            midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) - datetime.timedelta(
                minutes=offset)
            step = max(1, 15 * 3600 // count)  # the day's files from 7:00, newest first
            index = 0
            while index < count:
                taken_at = midnight + datetime.timedelta(seconds=7 * 3600 + (count - index) * step)
                trashed = self.rng.random() < TRASHED
                moment = Moment(day.isoformat(), taken_at.isoformat(), offset, camera,
                                taken_at.isoformat() if trashed else NULL, place)
                for line in self.moment(number, min(count - index, 2), moment, session_id):
                    yield line
                    number += 1
                    index += 1

    def camera_on(self, day) -> str:
        in_use = [(model, weight) for model, _, weight, first, last in CAMERA_USE if first <= day.year <= last]
        if self.rng.random() < NO_CAMERA:
            return ""
        return self.rng.choices([model for model, _ in in_use], [weight for _, weight in in_use])[0]

    def place(self) -> tuple:
        if self.rng.random() < NO_PLACE:
            return "", "", ""
        country, _, towns = self.rng.choices(PLACES, [weight for _, weight, _ in PLACES])[0]
        region, city = self.rng.choice(towns)
        return city, region, country

    def moment(self, number, room, moment, session_id) -> list[str]:
        """The lines of one moment's files (its face is file `number`)."""
        roll = self.rng.random()
        if roll < VIDEO:
            return [self.file(number, "video", moment, session_id)]
        if roll < VIDEO + LIVE and room == 2:
            live = Moment(moment.day, moment.taken_at, moment.offset, "iPhone 15 Pro", moment.trashed_at, moment.place)
            return [self.file(number, "live", live, session_id), self.file(number + 1, "motion", live, session_id, number)]
        if roll < VIDEO + LIVE + RAW_PAIR and room == 2:
            return [self.file(number, "photo", moment, session_id, raw_partner=True),
                    self.file(number + 1, "raw", moment, session_id, number)]
        if VIDEO + LIVE + RAW_PAIR <= roll < VIDEO + LIVE + RAW_PAIR + LONE_RAW:
            return [self.file(number, "raw", moment, session_id)]
        motion = VIDEO + LIVE + RAW_PAIR + LONE_RAW <= roll < VIDEO + LIVE + RAW_PAIR + LONE_RAW + MOTION
        return [self.file(number, "photo", moment, session_id, motion=motion)]

    def file(self, number, what, moment, session_id, face=None, motion=False, raw_partner=False) -> str:
        kind, extension, file_format, mime_type = FILE_KINDS[what]
        video = kind == "video"
        stem = f"IMG_{number:07d}"
        name = f"{stem}.{extension}"
        sha256 = hashlib.sha256(str(number).encode()).hexdigest()
        size = 1_000_000 + (number * 7919) % 5_000_000 if not video else 20_000_000 + (number * 7919) % 90_000_000
        playback = ("rendition" if number % 8 == 0 else "original") if video or motion else ""
        session = session_id if number % 50 else NULL
        width, height = (4032, 3024) if number % 5 else (3024, 4032)
        path = paths.photo_name(datetime.date.fromisoformat(moment.day), sha256, extension)
        path = paths.trash_name(path) if moment.trashed_at != NULL else path
        identifier = f"LIVE-{number if face is None else face}" if what in ("live", "motion") else ""
        embedded = "2000000\t3000000" if motion else f"{NULL}\t{NULL}"
        place = "\t".join(moment.place)
        line = (f"{number + 1}\t{sha256}\t{kind}\t{name}\t{stem.casefold()}\t{path}\t{size}\t{file_format}\t"
                f"{mime_type}\t{width}\t{height}\t1\t{3.0 + number % 60 if video else NULL}\t"
                f"{'hevc' if video or motion else ''}\t{playback}\t{moment.taken_at}\t{moment.offset}\t{moment.day}\t"
                f"exif\t{moment.camera}\t{moment.taken_at}\t{session}\t{moment.trashed_at}\t"
                f"{NULL if face is None else face + 1}\t{identifier}\t{embedded}\t"
                f"{'Summer holiday' if number % 211 == 0 else ''}\t{MAKES.get(moment.camera, '')}\t"
                f"{place}\t{text(raw_partner)}{self.photos.tail}")
        if session != NULL:
            self.outcomes.lines.append(f"{session}\t{name}\t{size}\timported\t\t{number + 1}\t{moment.taken_at}"
                                       f"{self.outcomes.tail}")
            if number % 300 == 0:
                self.outcomes.add(session, f"{stem}_broken.JPG", 0, "failed", "cannot decode", None, moment.taken_at)
        if moment.trashed_at == NULL:
            self.rendition_rows(number, sha256, playback, face, moment.taken_at)
        return line

    def rendition_rows(self, number, sha256, playback, face, made_at):
        if face is None and self.rng.random() < CACHED_TILES:
            if self.rng.random() < FAILED_TILES:
                self.renditions.add(number + 1, self.tile_spec, "failed", storage_name(sha256, self.tile_spec), None,
                                    made_at, 0, 1, "cannot decode", "")
            else:
                self.renditions.lines.append(
                    f"{number + 1}\t{self.tile_spec}\tready\t{storage_name(sha256, self.tile_spec)}\t"
                    f"{20_000 + number % 40_000}\t{made_at}\t1\t0\t\t{PLACEHOLDER}{self.renditions.tail}")
        if playback == "rendition":
            state = ("ready", "ready", "pending", "failed")[number % 4]
            self.renditions.add(number + 1, self.video_spec, state, storage_name(sha256, self.video_spec),
                                5_000_000 if state == "ready" else None, made_at, int(state == "ready"),
                                int(state == "failed"), "ffmpeg failed" if state == "failed" else "", "")


def fill(rows: int) -> Filled:
    """Replaces the rows of the library's tables in the default (PostgreSQL) database with
    `rows` files' rows, then analyses them. Written the way a bulk load is: in one transaction
    that empties the tables first (so COPY may write the rows frozen, with nothing left for a
    vacuum to do), the indexes built once the rows are in (faster than kept up row by row), and
    no foreign key checked row by row (the rows are made consistent)."""
    library, phases = Library(rows), Phases()
    made = RowsMadeElsewhere(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SET LOCAL session_replication_role = replica")  # no per-row foreign key triggers
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory
        cursor.execute(f"TRUNCATE {', '.join(NAMED_TABLES + COPIED_TABLES)} CASCADE")
        dropped = drop_indexes(raw, NAMED_TABLES + COPIED_TABLES)
        photos = phases.time("files made and copied", lambda: copy_chunks(raw, library.photos.statement, made.chunks()))
        phases.time("names copied", photo_names.refill)
        renditions = phases.time("renditions and outcomes copied", lambda: [
            copy_chunks(raw, library.renditions.statement, made.chunks()),
            copy_chunks(raw, library.outcomes.statement, made.chunks())])[0]
        session_ids = write_sessions(raw, made.sessions())
        phases.time("indexes built", lambda: [cursor.execute(statement) for statement in dropped])
    with connection.cursor() as cursor:
        for table in NAMED_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        for table in NAMED_TABLES + COPIED_TABLES:
            phases.time("vacuumed and analysed", lambda table=table: cursor.execute(f"VACUUM ANALYZE {table}"))
    phases.time("counted", recount)
    return Filled(photos, renditions, session_ids, phases.seconds)


class RowsMadeElsewhere:
    """The Library's rows made in a process of its own (forked: nothing there touches the
    database) and handed over a pipe as encoded chunks, so that making the next rows (Python's
    work) and taking in the last ones (PostgreSQL's) run on two cores at once: the photos, then
    the renditions, then the outcomes (each ended by an empty chunk), then the sessions."""

    def __init__(self, rows: int):
        context = multiprocessing.get_context("fork")
        self.pipe, sending_end = context.Pipe(duplex=False)
        self.process = context.Process(target=make_rows, args=(rows, sending_end), daemon=True)
        self.process.start()
        sending_end.close()

    def chunks(self):
        while data := self.pipe.recv_bytes():
            yield data

    def sessions(self) -> dict:
        sessions = self.pipe.recv()
        self.process.join()
        return sessions


def make_rows(rows: int, pipe):
    library = Library(rows)
    for lines in (library.photo_lines(), library.renditions.lines, library.outcomes.lines):
        for data in chunked(lines):
            pipe.send_bytes(data)
        pipe.send_bytes(b"")
    pipe.send(library.sessions)


class Phases:
    """Seconds spent in each named phase of the fill."""

    def __init__(self):
        self.seconds = {}

    def time(self, name, fn):
        started = time.perf_counter()
        result = fn()
        self.seconds[name] = self.seconds.get(name, 0) + time.perf_counter() - started
        return result


def write_sessions(cursor, sessions: dict) -> list[int]:
    writer = Writer(ImportSession, ["id", "source", "started_at", "finished_at", "imported_count"])
    for (year, month), session_id in sessions.items():
        started = datetime.datetime(year, month, 28, 20, tzinfo=datetime.UTC).isoformat()
        writer.add(session_id, "cli", started, started, 0)
    writer.copy(cursor)
    return list(sessions.values())


def drop_indexes(cursor, tables) -> list[str]:
    """Drops the tables' indexes that no constraint owns, and their unique constraints (no
    foreign key leans on those: only on primary keys, which stay); returns the statements that
    remake them. A unique index kept up row by row, on random hashes, costs more than the COPY."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT EXISTS ("
        " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [list(tables)])
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)", [list(tables)])
    uniques = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for table, name, _ in uniques:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [*(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in uniques),
            *(definition for _, definition in indexes)]


def empty():
    """Removes every row the filler wrote (and anything else in those tables)."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(NAMED_TABLES + COPIED_TABLES)} CASCADE")
    recount()


def recount():
    """The counts the database keeps as rows change (DayTiles, library.tallies) miss rows written past their
    triggers, as COPY with `session_replication_role = replica` and TRUNCATE write them."""
    count_check.count_days_again()
    photo_tally.TALLY.recount()
    rendition_tally.TALLY.recount()
