"""Flow and import facts the pii-in-logs and pii-exposure rules rely on: what handler
reads and elements stored as personal fields carry, what a partial refers to."""

from __future__ import annotations

from tests.test_flow import probe


def test_handler_input_methods_read_the_field_they_name() -> None:
    """`self.get_body_argument("first_name")` in a Tornado handler is the first name
    the client sent, like `request.form["first_name"]`."""
    code = """
        import tornado.web

        class Donate(tornado.web.RequestHandler):
            def post(self):
                first = self.get_body_argument("first_name")
                probe(first)
                probe(self.get_argument("email"))
                probe(self.get_query_argument("page"))
                probe(self.get_argument(field_name))
    """
    assert probe(code) == [("person-name",), ("email",), (), ()]


def test_an_element_stored_as_a_personal_field_is_that_data() -> None:
    """`Activity.create(start_lat=first[0])`: that element of an opaque value is a
    coordinate from then on; the other elements stay unknown."""
    code = """
        def upload(track, Activity):
            first = track.points[0]
            probe(first[0])
            Activity.create(start_lat=first[0], start_lon=first[1], kind=first[2])
            probe(first[0])
            probe(first[1])
            probe(first[2])
            probe(first)
    """
    assert probe(code) == [(), ("geolocation",), ("geolocation",), (), ()]


def test_an_element_of_a_known_value_keeps_what_it_carries() -> None:
    code = """
        def upload(Activity):
            point = (51.5, -0.1)
            Activity.create(start_lat=point[0])
            probe(point[0])
            row = {"kind": "run"}
            Activity.create(start_lat=row["kind"])
            probe(row["kind"])
    """
    assert probe(code) == [(), ()]


def test_a_partial_refers_to_the_function_it_wraps() -> None:
    from tests.test_imports import qualnames

    code = """
        import functools
        import logging
        from functools import partial

        log = logging.getLogger(__name__)
        note = partial(log.info, "note: %s")
        eprint = functools.partial(print, flush=True)
        keyed = partial(key=len)
        probe(note)
        probe(eprint)
        probe(keyed)
    """
    assert qualnames(code) == ["logging.getLogger().info", "print", "functools.partial()"]


def test_a_key_only_a_person_has_qualifies_the_ambiguous_keys_of_its_mapping() -> None:
    """`data["address"]` is someone's postal address when the same function reads
    `data["email"]` (or a phone, a card number...) of the same body; a mapping read
    only for its `name` and `address`, or whose other keys name nothing personal,
    stays unqualified, and so do other mappings of the function."""
    code = """
        async def create(request):
            data = await request.get_json()
            probe(data["address"])
            probe(data.get("name"))
            customer = find(email=data["email"])
            probe(cfg["address"])
            probe(data["conference_name"])

        def connect(cfg):
            probe(cfg["address"])
            probe(cfg["name"])
            probe(cfg.get("port"))

        def rename(form, other):
            probe(form["name"])
            probe(other["name"])
            return form["title"], other.get("card_number")
    """
    assert probe(code) == [
        ("postal-address",),
        ("person-name",),
        (),
        (),
        (),
        (),
        (),
        (),
        ("person-name",),
    ]


def test_an_endpoints_plain_body_parameter_is_what_the_client_sent() -> None:
    """Litestar's `data: dict` and FastAPI's `payload: dict = Body(...)` are the request
    body: a key read from them is that field as the client sent it. The same parameter
    of a function that is no endpoint is not."""
    from tests.test_flow import _run

    code = """
        from fastapi import Body, FastAPI
        from litestar import put

        app = FastAPI()

        @put("/profile")
        async def update_profile(data: dict) -> dict:
            probe(data.get("religion"))
            probe(data.get("theme"))

        @app.post("/signup")
        def signup(payload: dict = Body(...)):
            probe(payload["email"])

        def merge(data: dict):
            probe(data.get("theme"))
    """
    assert _run(code) == [
        (("religion",), True),
        ((), True),
        (("email",), True),
        ((), False),
    ]


def test_a_collected_frame_keeps_its_columns() -> None:
    code = """
        import polars as pl

        def extract(path):
            lazy = pl.scan_parquet(path).select(["full_name", "mobile"])
            probe(lazy.collect())
            probe(lazy.collect().to_pandas())
    """
    assert probe(code) == [("person-name", "phone"), ("person-name", "phone")]


def test_a_fetched_record_is_an_instance_of_its_model() -> None:
    """`session.get(TreatmentCycle, pk)`, `TreatmentCycle.objects.get(...)` and
    `await TreatmentCycle.get(...)` give a `TreatmentCycle`: the class owns its fields
    (`notes` of a treatment cycle are clinical). A constant passed first is no class."""
    code = """
        import requests
        from clinic.models import TreatmentCycle

        async def show(session, pk):
            cycle = session.get(TreatmentCycle, pk)
            probe(cycle.outcome_notes)
            other = TreatmentCycle.objects.filter(pk=pk).first()
            probe(other.outcome_notes)
            third = await TreatmentCycle.get(id=pk)
            probe(third.outcome_notes)
            page = requests.get(API_URL)
            probe(page.outcome_notes)
            loose = session.get(pk)
            probe(loose.outcome_notes)
    """
    assert probe(code) == [("health",), ("health",), ("health",), (), ()]


def test_columns_picked_by_a_list_of_names_and_frames_merged() -> None:
    code = """
        def export(df, extra):
            cols = ["holder_name", "email", "kwh"]
            probe(df[cols])
            usage = ["meter_id", "kwh"]
            probe(df[usage])
            merged = df.merge(extra[["elector_no", "religion_estimate"]], on="elector_no")
            probe(merged.rename(columns={"elector_no": "objectID"}))
    """
    assert probe(code) == [
        ("email", "person-name"),
        (),
        ("government-id", "religion"),
    ]


def test_a_function_named_for_a_special_category_qualifies_its_parameters() -> None:
    """`record_mood_event(client, journal)`: the journal is a mood journal; a
    function named for nothing sensitive leaves its `journal` unknown."""
    code = """
        def record_mood_event(client, journal, score):
            probe(journal)
            probe(score)

        def publish_release(journal):
            probe(journal)
    """
    assert probe(code) == [("health",), (), ()]
