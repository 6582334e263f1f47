"""Personal-data flow: what an expression carries at the point it is used.

A probe rule records ``ctx.categories(arg)`` for every ``probe(arg)`` call, so each
case states the flow fact it checks in plain code."""

from __future__ import annotations

import textwrap
from typing import Any, ClassVar

import libcst as cst
import pytest

from privalint.catalog import Catalog, bundled, merge
from privalint.engine import Checker, Settings
from privalint.model import Family, Severity
from privalint.rule import Rule


class Probe(Rule):
    """
    ## What it does
    Test probe.

    ## Why is this bad?
    It is not.
    """

    id = "PV199"
    name = "probe"
    family = Family.PII_IN_LOGS
    severity = Severity.NOTE
    title = "probe"
    message = "probe"
    seen: ClassVar[list[tuple[tuple[str, ...], bool]]] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            carried = self.ctx.categories(node.args[0].value)
            Probe.seen.append((carried.categories, carried.user_input))


def probe(code: str, catalog: Any = None) -> list[tuple[str, ...]]:
    return [cats for cats, _ in _run(code, catalog)]


def _run(code: str, catalog: Any = None) -> list[tuple[tuple[str, ...], bool]]:
    Probe.seen = []
    settings = Settings(rule_ids=("PV199",), catalog=catalog or bundled(), prefilter=False)
    Checker(settings, [Probe]).check("case.py", textwrap.dedent(code).encode())
    return Probe.seen


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # names speak for themselves, unless bound to something known
        ("def f(email):\n    probe(email)", [("email",)]),
        ("def f(email):\n    email = mask_email(email)\n    probe(email)", [()]),
        ("def f(user):\n    addr = user.email\n    probe(addr)", [("email",)]),
        ("def f(user):\n    x = user.pk\n    probe(x)", [()]),
        ("def f(phone):\n    n = len(phone)\n    probe(n)", [()]),
        ("def f(phone):\n    ok = phone is None\n    probe(ok)", [()]),
        ("def f(phone):\n    probe(bool(phone))", [()]),
        ("def f(dob):\n    probe(hashlib.sha256(dob.encode()).hexdigest())", [()]),
        # string building
        ("def f(user):\n    probe(f'hi {user.first_name}')", [("person-name",)]),
        ("def f(user):\n    probe('hi %s' % user.phone)", [("phone",)]),
        ("def f(user):\n    probe('hi {}'.format(user.phone))", [("phone",)]),
        ("def f(user):\n    probe('hi ' + str(user.ssn))", [("government-id",)]),
        ("def f(user):\n    probe(repr(user.iban))", [("bank-account",)]),
        ("def f(email):\n    probe(email.strip().lower())", [("email",)]),
        ("def f(user):\n    probe(', '.join([user.email, user.phone]))", [("email", "phone")]),
        ("import json\ndef f(user):\n    probe(json.dumps({'e': user.email}))", [("email",)]),
        (
            "def f(email):\n    probe(normalize(email))\n    probe(lookup_user(email))",
            [("email",), ()],
        ),
        # augmented assignment and unpacking
        ("def f(user):\n    msg = 'x'\n    msg += user.email\n    probe(msg)", [("email",)]),
        ("def f(p):\n    lat, lon = p['lat'], p['lon']\n    probe(lat)", [("geolocation",)]),
        (
            "def f(user):\n    a, b = user.pk, user.email\n    probe(a)\n    probe(b)",
            [(), ("email",)],
        ),
        # dicts are tracked per key
        (
            "def f(c):\n    d = {'id': c.pk, 'email': c.email}\n    probe(d['id'])\n    probe(d)",
            [(), ("email",)],
        ),
        ("def f(c):\n    d = {}\n    d['phone'] = c.phone\n    probe(d)", [("phone",)]),
        ("def f(x):\n    d = {'email': x}\n    probe(d)", [("email",)]),
        (
            "def f(ser):\n    rx = ser.data['prescription_id']\n    probe({'prescription': rx})",
            [()],
        ),
        (
            "def f(c):\n    d = dict(name=c.full_name, id=c.pk)\n    probe(d['id'])\n    probe(d['name'])",
            [(), ("person-name",)],
        ),
        # containers and comprehensions
        ("def f(users):\n    probe([u.email for u in users])", [("email",)]),
        ("def f(users):\n    probe({u.pk: u.phone for u in users})", [("phone",)]),
        ("def f(emails):\n    for e in emails:\n        probe(e)", [("email",)]),
        ("def f(users):\n    for u in users:\n        probe(u.pk)", [()]),
        # owners disambiguate
        (
            "def f(customer, upload):\n    probe(customer.name)\n    probe(upload.name)",
            [("person-name",), ()],
        ),
        ("class Patient:\n    def f(self):\n        probe(self.name)", [("person-name",)]),
        ("class Product:\n    def f(self):\n        probe(self.name)", [()]),
        (
            "class CustomerIn:\n    pass\n\ndef f(body: CustomerIn, up: Upload):\n    probe(body.name)\n    probe(up.name)",
            [("person-name",), ()],
        ),
        (
            "class SymptomCheckIn:\n    pass\n\ndef f(body: SymptomCheckIn):\n    probe(body.answers)",
            [("health",)],
        ),
        # getters and method names
        ("def f(user):\n    probe(user.get_full_name())", [("person-name",)]),
        ("def f(user):\n    probe(send_email(user))", [()]),
        ("def f(request):\n    probe(request.POST.get('phone', ''))", [("phone",)]),
        ("def f(request):\n    probe(request.POST.get('page'))", [()]),
        # branches join; loops may not run
        (
            "def f(c, flag):\n    if flag:\n        x = c.email\n    else:\n        x = 'anon'\n    probe(x)",
            [("email",)],
        ),
        (
            "def f(c, flag):\n    x = c.email\n    if flag:\n        x = mask(x)\n    probe(x)",
            [("email",)],
        ),
        ("def f(c):\n    x = c.email\n    x = mask(x)\n    probe(x)", [()]),
        (
            "def f(c, a, b):\n    if a:\n        x = 1\n    elif b:\n        x = c.phone\n    else:\n        x = 2\n    probe(x)",
            [("phone",)],
        ),
        # local functions: returns carry, parameters substituted
        (
            "def name_of(c):\n    return f'{c.first_name} {c.last_name}'\n\ndef g(c):\n    probe(name_of(c))",
            [("person-name",)],
        ),
        (
            "def ident(x):\n    return x.strip()\n\ndef g(c):\n    probe(ident(c.email))\n    probe(ident(c.pk))",
            [("email",), ()],
        ),
        (
            "def safe(x):\n    return hashlib.sha1(x).hexdigest()\n\ndef g(c):\n    probe(safe(c.email))",
            [()],
        ),
        # SQL rows carry the selected columns, by index and by name
        (
            "Q = 'SELECT id, email, phone FROM customer'\n"
            "def g(cur):\n    cur.execute(Q)\n    for row in cur.fetchall():\n        probe(row[0])\n        probe(row[1])",
            [(), ("email",)],
        ),
        (
            "def g(conn):\n    rows = conn.execute('SELECT id, first_name FROM patient').fetchall()\n    probe(rows[0]['first_name'])",
            [("person-name",)],
        ),
        # writes into a buffer through a csv writer taint the buffer
        (
            "import csv, io\ndef g(c):\n    buf = io.StringIO()\n    w = csv.writer(buf)\n    w.writerow([c.email])\n    probe(buf.getvalue())",
            [("email",)],
        ),
        ("def g(c):\n    items = []\n    items.append(c.phone)\n    probe(items)", [("phone",)]),
        # a generator function returns what it yields
        (
            "def docs(cs):\n    for c in cs:\n        yield {'id': c.pk, 'phone': c.phone}\n\n"
            "def g(cs):\n    probe(docs(cs))\n    probe(docs([]))",
            [("phone",), ("phone",)],
        ),
        (
            "def ids(cs):\n    for c in cs:\n        yield c.pk\n\ndef g(cs):\n    probe(ids(cs))",
            [()],
        ),
        # rendering a template carries what is put in it
        (
            "from jinja2 import Template\nT = Template('Dear {{ n }}')\n"
            "def g(p):\n    probe(T.render(n=p.full_name))",
            [("person-name",)],
        ),
        # a method's summary sees `self` as an instance of its own class
        (
            "class Patient:\n    def label(self):\n        return self.name\n\n"
            "class Ward:\n    def show(self, p: Patient):\n        probe(p.label())",
            [("person-name",)],
        ),
        # literals that are personal data
        ("probe('4111 1111 1111 1111')", [("payment-card",)]),
        ("probe('orders@example.com')", [()]),
        # a few characters of a value, aggregates
        (
            "def f(c):\n    probe(c.card_number[-4:])\n    probe(c.phone[:3])\n    probe(c.email[1:])",
            [(), (), ("email",)],
        ),
        ("def f(df):\n    probe(df.groupby('postcode').size())", [()]),
        # a table built with column names that name personal data holds that data
        (
            "import pandas as pd, polars as pl\ndef f(rows):\n"
            "    probe(pd.DataFrame(rows, columns=['id', 'applicant_name', 'email']))\n"
            "    probe(pd.DataFrame(rows, columns=('sku', 'quantity')))\n"
            "    probe(pl.DataFrame(rows, schema={'iban': pl.Utf8, 'amount': pl.Int64}))\n"
            "    probe(pd.DataFrame(rows, columns=COLUMNS))",
            [("email", "person-name"), (), ("bank-account",), ()],
        ),
        # a download carries the content its URL points at, not what the URL names
        (
            "import httpx, requests\nhttp = httpx.AsyncClient()\n"
            "async def f(event, user):\n"
            "    audio = await http.get(event['recording_url'])\n    probe(audio.content)\n"
            "    page = requests.get(f'https://api.example.com/users/{user.pk}')\n"
            "    probe(page.content)",
            [("communications",), ()],
        ),
    ],
)
def test_flow(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # the key or name a dict is stored under qualifies its keys
        (
            "def f(a):\n    meta = {'delivery': {'address': a}}\n    probe(meta)",
            [("postal-address",)],
        ),
        ("def f(a):\n    meta = {'server': {'address': a}}\n    probe(meta)", [()]),
        ("def f(a):\n    billing = {'address': a}\n    probe(billing)", [("postal-address",)]),
        ("def f(a):\n    probe({'address': a})", [()]),
        # a string template's text before a value qualifies it
        (
            "def f(t, number):\n    probe('SMS %s queued for %s' % (t, number))\n"
            "    probe('Batch %s of template %s' % (number, t))",
            [("phone",), ()],
        ),
        (
            "def f(address):\n    probe(f'Delivery to {address}')\n    probe(f'Listening on {address}')",
            [("postal-address",), ()],
        ),
        # a loop variable belongs to the collection it runs over
        ("def f(consultations):\n    probe([c.notes for c in consultations])", [("health",)]),
        ("def f(pages):\n    probe([p.notes for p in pages])", [()]),
        (
            "def f(customers):\n    for c in customers:\n        probe(c.name)\n    probe(c.name)",
            [("person-name",), ("person-name",)],
        ),
        (
            "def f(customers):\n    for c in customers:\n        c = load()\n        probe(c.name)",
            [()],
        ),
        # builder objects hold what their `set(...)`-style methods put in
        (
            "def f(postcode, plan):\n    i = Identify()\n    i.set('full_postcode', postcode)\n    probe(i)\n"
            "    j = Identify()\n    j.set('plan', plan)\n    probe(j)",
            [("postal-address",), ()],
        ),
        (
            "def f(v):\n    probe(Identify().set('date_of_birth', v).set('plan', 'pro'))",
            [("date-of-birth",)],
        ),
        ("def f(cache, email):\n    cache.set('k', email)\n    probe(cache)", [()]),
        # attributes assigned on an event a propagator class built
        (
            "from amplitude import BaseEvent\n\ndef f(m):\n    e = BaseEvent('joined')\n"
            "    e.event_properties = {'phone': m.phone}\n    probe(e)",
            [("phone",)],
        ),
        ("def f(m):\n    o = Order()\n    o.note = m.phone\n    probe(o)", [()]),
        # a business's contact details are not personal data
        (
            "def f(branch):\n    probe({'phone': branch.phone, 'address': branch.address})\n"
            "    probe(branch['email'])",
            [(), ()],
        ),
        ("def f(store):\n    probe(store.owner_email)", [("email",)]),
        ("def f(stores):\n    for s in stores:\n        probe(s['phone'])", [()]),
    ],
)
def test_owners_templates_and_builders(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


def test_request_input_is_marked() -> None:
    code = """
        from flask import request

        def view():
            target = request.values.get("forward_to")
            n = int(request.args["n"])
            local = "+4420"
            probe(target)
            probe(n)
            probe(local)
    """
    assert [flag for _, flag in _run(code)] == [True, True, False]


def test_handler_methods_that_read_the_request_are_request_input() -> None:
    """Tornado handlers are the request: `self.get_argument("to")` is client input."""
    code = """
        import tornado.web

        class Forward(tornado.web.RequestHandler):
            def post(self):
                target = self.get_body_argument("destination")
                probe(target)
                probe(self.get_query_argument("n"))
                probe(self.settings.get("default_line"))
                probe(other.get_argument("x"))
    """
    assert [flag for _, flag in _run(code)] == [True, True, False, False]


def test_request_input_returned_by_a_helper_stays_request_input() -> None:
    code = """
        from falcon import Request
        from flask import request

        def payload():
            return request.get_json(silent=True) or {}

        def body_of(req: Request):
            return req.media

        def constant():
            return {"phone": "+4420"}

        def view(req: Request):
            probe(payload())
            probe(payload()["phone"])
            probe(body_of(req))
            probe(constant())
    """
    assert _run(code) == [((), True), (("phone",), True), ((), True), ((), False)]


def test_lookup_by_request_key_is_not_request_input() -> None:
    """`MAPPING.get(request_value)` yields a value of the mapping, not the key."""
    code = """
        from flask import request

        LINES = {"sales": "+442071230001"}

        def view():
            chosen = LINES.get(request.form["dept"], "+442071230000")
            raw = request.form.get(request.args["field"])
            probe(chosen)
            probe(raw)
    """
    assert [flag for _, flag in _run(code)] == [False, True]


def test_containers_keep_request_input() -> None:
    """A dict, list or dict() built from request input still carries it."""
    code = """
        from flask import request

        def view():
            to = request.args["to"]
            probe({"number": to})
            probe([{"type": "phone", "number": to}])
            probe(dict(number=to))
            probe({"number": "+4420"})
    """
    assert [flag for _, flag in _run(code)] == [True, True, True, False]


def test_user_configured_sanitizer() -> None:
    code = "from myapp.privacy import clean\n\ndef f(c):\n    probe(clean(c.email))"
    assert probe(code) == [("email",)]
    catalog = Catalog(merge(bundled().data, {"flow": {"sanitizers": ["myapp.privacy.clean"]}}))
    assert probe(code, catalog) == [()]


def test_keys_read_by_their_symbol_are_the_field_they_stand_for() -> None:
    # Kamailio's pseudo-variables: `$fU` is the caller's number, `$rm` the SIP method.
    code = """
    import KSR as KSR

    def route():
        probe(KSR.pv.get("$fU"))
        probe(KSR.pv.get("$rm"))
        probe(KSR.pv.get("$fn"))
    """
    assert probe(code) == [("phone",), (), ("person-name",)]
    catalog = Catalog(
        merge(bundled().data, {"flow": {"key-aliases": {"$caller": "caller number"}}})
    )
    assert probe('def f(call):\n    probe(call.get("$caller"))', catalog) == [("phone",)]


def test_recursive_helpers_terminate() -> None:
    code = "def a(x):\n    return b(x)\n\ndef b(x):\n    return a(x)\n\ndef g(c):\n    probe(a(c.email))"
    assert probe(code) in ([("email",)], [()])


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(row):\n    probe('sent to %(email)s' % row)", [("email",)]),
        ("def f(row):\n    probe('order %(id)s' % row)", [()]),
        ("def f(row):\n    probe('hi {first_name}'.format(**row))", [("person-name",)]),
        ("def f(user):\n    probe('call {u.phone}'.format(u=user))", [("phone",)]),
        ("def f(x):\n    probe('call {phone}'.format(phone=x))", [("phone",)]),
        ("def f(c):\n    probe('{0}'.format(c.pk))", [()]),
    ],
)
def test_template_placeholders(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # a string method on an attribute of a typed parameter keeps what it carries
        (
            "from claims.models import Claim\n\ndef f(claim: Claim):\n"
            "    probe(claim.claimant.full_name.replace(' ', '_'))",
            [("person-name",)],
        ),
        # a module function of the same name does not
        ("import os\n\ndef f(path):\n    probe(os.path.join(path, 'x'))", [()]),
        # the domain of an e-mail address names no one; its local part does
        ("def f(user):\n    probe(user.email.rsplit('@', 1)[-1])", [()]),
        ("def f(user):\n    probe(user.email.split('@')[1])", [()]),
        ("def f(user):\n    probe(user.email.partition('@')[2])", [()]),
        ("def f(user):\n    probe(user.email.split('@')[0])", [("email",)]),
        # the first digits of a phone number are its country and area code
        (
            "def f(cdr, user):\n    probe(cdr['to'][:5])\n    probe(user.phone[:8])\n"
            "    probe(user.email[:6])",
            [(), ("phone",), ("email",)],
        ),
        # a function applied to every value: what it makes of one value
        (
            "import hashlib\n\ndef f(df):\n"
            "    probe(df['email'].map(lambda e: hashlib.sha256(e.encode()).hexdigest()))\n"
            "    probe(df['email'].map(lambda e: e.strip().lower()))\n"
            "    probe(df['email'].apply(hash_email))",
            [(), ("email",), ()],
        ),
        # a column replaced by its hashes no longer holds what it held
        (
            "import hashlib\nimport pandas as pd\n\ndef f(conn, user):\n"
            "    df = pd.read_sql('SELECT id, email, phone FROM customers', conn)\n"
            "    df['email'] = df['email'].map(lambda e: hashlib.sha256(e.encode()).hexdigest())\n"
            "    probe(df)\n"
            "    row = {'email': user.email}\n"
            "    row['email'] = mask_email(row['email'])\n"
            "    probe(row)",
            [("phone",), ()],
        ),
    ],
)
def test_methods_of_values(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


_RECORDS = """\
from dataclasses import asdict, dataclass
from pydantic import BaseModel
from accounts.forms import PatientIntake, SettingsForm

class CardIn(BaseModel):
    card_number: str
    cardholder_name: str

class CartIn(BaseModel):
    sku: str
    quantity: int

@dataclass
class Shipment:
    recipient_name: str
    weight: int

def f(card: CardIn, cart: CartIn, shipment: Shipment, body, customer, job):
    probe(card.dict())
    probe(cart.dict())
    probe(asdict(shipment))
    probe(vars(shipment))
    probe(PatientIntake.model_validate(body).model_dump())
    probe(SettingsForm.model_validate(body).model_dump())
    probe(customer.model_dump())
    probe(customer_id.model_dump())
    probe(job.to_dict())
    probe(card.__dict__)
    probe(customer.__dict__)
    probe(job.__dict__)
"""


def test_whole_records_carry_their_fields() -> None:
    assert probe(_RECORDS) == [
        ("payment-card", "person-name"),
        (),
        ("person-name",),
        ("person-name",),
        ("person-name",),
        (),
        ("person-name",),
        (),
        (),
        ("payment-card", "person-name"),
        ("person-name",),
        (),
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A location coarsened below a precision no longer finds a person.
        (
            "import geohash2\ndef f(lat, lng):\n    probe(geohash2.encode(lat, lng, precision=4))",
            [()],
        ),
        ("import geohash2\ndef f(lat, lng):\n    probe(geohash2.encode(lat, lng, 4))", [()]),
        (
            "import pygeohash as pgh\ndef f(lat, lng):\n    cell = pgh.encode(lat, lng, precision=5)\n"
            "    probe(cell)",
            [()],
        ),
        ("def f(lat):\n    probe(round(lat, 1))", [()]),
        ("import h3\ndef f(lat, lng):\n    probe(h3.latlng_to_cell(lat, lng, 6))", [()]),
        # Precise enough to find someone, or a precision we cannot read: still located.
        (
            "import geohash2\ndef f(lat, lng):\n    probe(geohash2.encode(lat, lng, precision=9))",
            [("geolocation",)],
        ),
        ("def f(lat, digits):\n    probe(round(lat, digits))", [("geolocation",)]),
        ("def f(lat):\n    probe(round(lat, 5))", [("geolocation",)]),
        # Only the location is coarsened: other data in the call still counts.
        (
            "import geohash2\ndef f(lat, email):\n    probe(geohash2.encode(lat, email, precision=3))",
            [("email",)],
        ),
    ],
)
def test_coarsened_locations(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # An opaque value holds what the keys read from it name, from then on.
        (
            "def f(request):\n    body = request.get_json()\n    probe(body)\n"
            "    dob = body['birth_date']\n    probe(body)",
            [(), ("date-of-birth",)],
        ),
        (
            "import json\ndef f(request):\n    data = request.json\n    data.get('mobile')\n"
            "    probe(json.dumps(data))",
            [("phone",)],
        ),
        # Its keys alone are not the data.
        (
            "def f(request):\n    body = request.get_json()\n    x = body['email']\n"
            "    probe(sorted(body))\n    probe(list(body))",
            [(), ()],
        ),
        # A dict built here is tracked key by key instead.
        (
            "def f(user):\n    row = {'plan': 'pro'}\n    x = row['plan']\n    probe(row)",
            [()],
        ),
    ],
)
def test_keys_read_from_an_opaque_value(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A model dumped with only some fields carries those.
        (
            "def f(body):\n    probe(body.model_dump(include={'email', 'mobile'}))",
            [("email", "phone")],
        ),
        ("def f(body):\n    probe(body.model_dump(include={'plan', 'seats'}))", [()]),
        ("def f(body):\n    probe(body.dict(include=['legal_name']))", [("person-name",)]),
    ],
)
def test_models_dumped_with_chosen_fields(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "def f(Student):\n    rows = Student.objects.filter(x=1).values_list('given_name', 'year')\n"
            "    probe(list(rows))",
            [("person-name",)],
        ),
        ("def f(Student):\n    probe(Student.objects.values('id', 'year_group'))", [()]),
        ("def f(Student):\n    probe(Student.objects.only('guardian__email'))", [("email",)]),
        (
            "import polars as pl\ndef f(rows):\n"
            "    probe(pl.DataFrame(rows).select(['ref', 'full_name', 'ethnic_group']))",
            [("ethnic-origin", "person-name")],
        ),
        ("def f(df):\n    probe(df.select('stage', 'total'))", [()]),
        # A CSS selector is no column.
        ("def f(soup):\n    probe(soup.select('input#email'))", [()]),
        ("def f(soup):\n    probe(soup.select('.email-address'))", [()]),
    ],
)
def test_columns_selected_by_name(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A writer made inline still writes into the buffer it wraps.
        (
            "import csv, io\ndef f(rows, customer):\n    buf = io.StringIO()\n"
            "    csv.writer(buf).writerows([[customer.email]])\n    probe(buf.getvalue())",
            [("email",)],
        ),
        # Compression keeps what was compressed.
        (
            "import gzip\ndef f(customer):\n    probe(gzip.compress(customer.email.encode()))",
            [("email",)],
        ),
    ],
)
def test_writers_and_compression(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # The first word of a postcode or an address locates no one; of a name it does.
        ("def f(d):\n    probe(d.postcode.split()[0])", [()]),
        ("def f(customer):\n    probe(customer.postal_address.split(' ')[0])", [()]),
        ("def f(customer):\n    probe(customer.full_name.split()[0])", [("person-name",)]),
        ("def f(d):\n    probe(d.postcode.split()[1])", [("postal-address",)]),
    ],
)
def test_first_word_of_an_address(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A value stored as a field that names personal data is that data afterwards.
        (
            "def f(request, Message):\n    text = request.json['text']\n    probe(text)\n"
            "    Message.create(sender=1, body=text)\n    probe(text)",
            [(), ("communications",)],
        ),
        (
            "def f(payload, profile):\n    value = payload.get('o')\n"
            "    profile.update(orientation=value)\n    probe(value)",
            [("sexual-orientation",)],
        ),
        # A field that names nothing personal leaves the value as it was.
        (
            "def f(request, Ticket):\n    text = request.json['text']\n"
            "    Ticket.objects.create(subject=text)\n    probe(text)",
            [()],
        ),
    ],
)
def test_values_stored_as_named_fields(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A value compared equal to personal data is that data afterwards.
        (
            "def f(req, Holder):\n    ni = req.get_param('ni')\n    probe(ni)\n"
            "    Holder.get(Holder.ni_number == ni.upper())\n    probe(ni)",
            [(), ("government-id",)],
        ),
        (
            "def f(user, candidate):\n    if candidate == user.email:\n        pass\n"
            "    probe(candidate)",
            [("email",)],
        ),
        # Not an equality, nothing personal, or a value already known: unchanged.
        ("def f(user, n):\n    if user.email != n:\n        pass\n    probe(n)", [()]),
        ("def f(user, s):\n    if user.status == s:\n        pass\n    probe(s)", [()]),
        (
            "def f(user, raw):\n    digest = sha256(raw)\n    if digest == user.email_hash:\n"
            "        pass\n    probe(digest)",
            [()],
        ),
    ],
)
def test_values_compared_with_personal_data(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A value set as an attribute that names personal data is that data afterwards.
        (
            "def f(request, member):\n    value = request.form.get('a')\n    probe(value)\n"
            "    member.postal_address = value\n    probe(value)",
            [(), ("postal-address",)],
        ),
        (
            "def f(request, ticket):\n    value = request.form.get('a')\n"
            "    ticket.subject = value\n    probe(value)",
            [()],
        ),
        # A value known to be clean stays clean.
        (
            "def f(member, raw):\n    digest = sha256(raw)\n    member.email_hash = digest\n"
            "    member.email = digest\n    probe(digest)",
            [()],
        ),
    ],
)
def test_values_set_as_named_attributes(code: str, expected: list[tuple[str, ...]]) -> None:
    assert probe(code) == expected
