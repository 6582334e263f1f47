"""Personal data written to files on disk without encryption."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    HelperSinks,
    QualifiedNames,
    RecordKnowledge,
    Records,
    ScopedNames,
    StoragePolicy,
    argument,
    call_text,
    capitalised,
    key_text,
    last_name,
    record_stored,
    string_value,
    values_carried,
)

from privalint.catalog import Catalog
from privalint.flow import Carried, union
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import KEY, split_words
from privalint.rule import Rule


@dataclass(frozen=True)
class CallControl:
    """A telephony control channel (FreeSWITCH's event socket, Asterisk's AMI or ARI)
    through which a call is recorded into a file on the media server."""

    modules: frozenset[str]
    methods: frozenset[str]
    # Commands that start a recording, as word sequences; none when calling one of
    # `methods` is itself the recording (ARI's `channel.record(...)`).
    commands: tuple[tuple[str, ...], ...]


def _strings(table: dict[str, Any], key: str) -> list[str]:
    values = table.get(key, [])
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


@dataclass(frozen=True)
class FileKnowledge:
    openers: frozenset[str]
    write_methods: frozenset[str]
    path_writers: frozenset[str]
    dumpers: frozenset[str]
    path_first: frozenset[str]
    row_writers: frozenset[str]
    row_methods: frozenset[str]
    shelves: frozenset[str]
    frame_writers: frozenset[str]
    frame_targets: tuple[str, ...]
    not_files: QualifiedNames
    handle_names: frozenset[str]
    helper_verbs: frozenset[str]
    helper_formats: frozenset[str]
    path_words: frozenset[str]
    downloaders: frozenset[str]
    data_writers: dict[str, int]
    saved_writers: frozenset[str]
    document_saves: dict[str, int]
    # Calls that encrypt a document built in memory before it is saved.
    document_encryptions: frozenset[str]
    recording_words: frozenset[str]
    recording_extensions: frozenset[str]
    path_categories: frozenset[str]
    config_categories: frozenset[str]
    config_dirs: tuple[str, ...]
    recorders: dict[str, int]
    copiers: frozenset[str]
    archive_adders: frozenset[str]
    call_controls: tuple[CallControl, ...]
    recording_stops: frozenset[str]
    buffer_keywords: tuple[str, ...]
    buffer_reads: frozenset[str]
    empty_containers: frozenset[str]
    container_fills: frozenset[str]
    records: RecordKnowledge
    policy: StoragePolicy

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> FileKnowledge:
        def names(key: str) -> frozenset[str]:
            return frozenset(catalog.strings(f"storage.files.{key}"))

        writers = catalog.get("storage.files.data-writers", {})
        recorders = catalog.get("storage.files.recorders", {})
        saves = catalog.get("storage.files.document-saves", {})
        controls = catalog.get("storage.files.call-recording", [])
        if not isinstance(controls, list):
            controls = []
        return cls(
            openers=frozenset(f"{o}()" for o in catalog.strings("storage.files.openers")),
            write_methods=names("write-methods"),
            path_writers=names("path-writers"),
            dumpers=names("dumpers"),
            path_first=names("path-first"),
            row_writers=frozenset(f"{w}()" for w in catalog.strings("storage.files.row-writers")),
            row_methods=names("row-methods"),
            shelves=frozenset(f"{s}()" for s in catalog.strings("storage.files.shelves")),
            frame_writers=names("frame-writers"),
            frame_targets=tuple(catalog.strings("storage.files.frame-targets")),
            not_files=QualifiedNames(catalog.strings("storage.files.not-files")),
            handle_names=names("handle-names"),
            helper_verbs=names("helper-verbs"),
            helper_formats=names("helper-formats"),
            path_words=names("path-words"),
            downloaders=names("downloaders"),
            data_writers={
                k: v
                for k, v in (writers.items() if isinstance(writers, dict) else ())
                if isinstance(v, int)
            },
            saved_writers=names("saved-writers"),
            document_saves={
                k: v
                for k, v in (saves.items() if isinstance(saves, dict) else ())
                if isinstance(v, int)
            },
            document_encryptions=names("document-encryptions"),
            recording_words=frozenset(
                w for t in catalog.strings("storage.files.recording-words") for w in split_words(t)
            ),
            config_categories=frozenset(catalog.strings("storage.files.config-file-categories")),
            config_dirs=tuple(catalog.strings("storage.files.config-directories")),
            recorders={
                k: v
                for k, v in (recorders.items() if isinstance(recorders, dict) else ())
                if isinstance(v, int)
            },
            copiers=names("copiers"),
            archive_adders=names("archive-adders"),
            call_controls=tuple(
                CallControl(
                    modules=frozenset(_strings(entry, "modules")),
                    methods=frozenset(_strings(entry, "methods")),
                    commands=tuple(tuple(_command_words(c)) for c in _strings(entry, "commands")),
                )
                for entry in controls
                if isinstance(entry, dict)
            ),
            recording_stops=frozenset(catalog.strings("storage.files.recording-stop-words")),
            buffer_keywords=tuple(catalog.strings("storage.files.stream-keywords")),
            buffer_reads=names("buffer-reads"),
            empty_containers=names("empty-containers"),
            container_fills=names("container-fills"),
            recording_extensions=frozenset(
                e.lower() for e in catalog.strings("storage.files.recording-extensions")
            ),
            path_categories=frozenset(catalog.strings("storage.files.path-categories")),
            records=RecordKnowledge.from_catalog(catalog),
            policy=StoragePolicy.from_catalog(catalog),
        )


_FILE_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,6}$")
_SUGGESTION = (
    "encrypt the file (e.g. `cryptography.fernet`, age or GPG) or write only pseudonymised columns"
)


class PersonalDataWrittenToFile(Rule):
    """
    ## What it does
    Flags personal data written to a file in clear: `open(...).write`, `print(...,
    file=fh)`, `csv.writer`/`DictWriter` rows over a file, `json.dump`, `pickle.dump`,
    `yaml.dump` and friends, `shelve` entries, `Path.write_text`/`write_bytes`, and
    pandas/polars `to_csv`, `to_json`, `to_parquet`, `to_excel`, `to_pickle` of
    frames built from personal records. Rows of unknown shape count by the column
    names they are written under (`pd.DataFrame(rows, columns=["nino", "full_name"])`,
    `csv.DictWriter(fh, fieldnames=FIELDS)`). The data is followed through variables,
    SQL query results, in-memory buffers and helper functions (a helper of the module
    that writes once is reported on that write; one that writes more, at the call that
    hands it personal data); a container the module's functions fill
    (`PASSES[token] = {"name": ...}`) holds what they put in it; a collection named
    after people (`customers = Customer.objects.all()`, `raw = load_customers()`,
    `pd.read_csv("patients.csv")`) counts as their records, and an audio file named
    after a call (`SPOOL / f"{call.sid}.wav"`) holds a call recording. A file holds
    what its folder or name says of rows of unknown shape (`/var/lib/cdr/2024-05-01.csv`:
    call detail records; `/var/lib/voiceprints/`: voiceprints), a copy of a shelf the
    module fills with personal data holds the same, and `shutil.copy` copies what the
    source holds. Calls recorded into files count too: pjsua2's `AudioMediaRecorder`,
    aiortc's `MediaRecorder`, recording commands sent over FreeSWITCH's event socket or
    Asterisk's AMI (`uuid_record … start`, `MixMonitor`) and ARI's `channel.record(...)`.
    Buffers in memory (`io.StringIO`, a `ZipFile` over a `BytesIO`) and standard streams
    are not files at rest; a server's address or a service's password in a
    configuration file (by its name, or under `/etc/`) is deployment, not personal data.

    ## Why is this bad?
    Export files, snapshots and debug dumps outlive the request that made them: they
    sit on shared disks, are copied to backups, attached to tickets and mailed
    around, outside the access control and deletion the database applies (GDPR
    Art. 5(1)(e), Art. 32; CWE-312).

    ## How to fix
    Encrypt the file before it reaches the disk (`cryptography.fernet`, age, GPG, an
    encrypted bucket with its own keys), write only the columns the consumer needs
    with direct identifiers replaced by pseudonyms, or do not write the file.
    """

    id = "PV303"
    name = "personal-data-written-to-file"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 312
    title = "Personal data written to a file in clear"
    message = "{data} {verb} written in clear to {target} by `{call}`; {suggestion}"
    provides_facts = True
    triggers = (
        (
            "write", "dump", "to_csv", "to_json", "to_parquet", "to_excel", "to_pickle",
            "to_feather", "to_hdf", "shelve", "print", "dbm", "save", "sqlitedict", "to_",
            "sink_", "record", "monitor",
        ),
        ("@personal", "@people"),
    )  # fmt: skip
    # A function of the file may hand its parameters to the sink: the file matters to
    # other modules that call it with personal data (`privalint.project`).
    join_triggers = (
        "write",
        "dump",
        "to_csv",
        "to_json",
        "to_parquet",
        "to_excel",
        "to_pickle",
        "shelve",
        "save",
    )
    INVALID = (
        'import json\n\ndef save(customer):\n    with open("/var/backups/customer.json", "w") as fh:\n        json.dump({"email": customer.email, "phone": customer.phone}, fh)',
        'import csv\n\ndef export(patients):\n    with open("patients.csv", "w") as fh:\n        writer = csv.writer(fh)\n        for p in patients:\n            writer.writerow([p.full_name, p.date_of_birth])',
        'import pandas as pd\n\ndef dump(conn):\n    df = pd.read_sql("SELECT email, phone FROM customers", conn)\n    df.to_csv("/tmp/customers.csv")',
    )
    VALID = (
        "import csv, io\n\ndef export(patients):\n    buf = io.StringIO()\n    writer = csv.writer(buf)\n    for p in patients:\n        writer.writerow([p.full_name, p.date_of_birth])\n    return buf.getvalue()",
        'import json\n\ndef save(customer):\n    with open("/var/cache/last.json", "w") as fh:\n        json.dump({"id": customer.pk, "orders": customer.order_count}, fh)',
        'import hashlib\nfrom pathlib import Path\n\ndef save(email):\n    Path("seen.txt").write_text(hashlib.sha256(email.encode()).hexdigest())',
    )

    @classmethod
    def trigger_words(cls, catalog: Catalog) -> tuple[tuple[str, ...], ...]:
        # A call recording is known by its file's extension, or by the recorder or
        # telephony control channel that makes it, not by a personal word.
        writes, personal = cls.triggers
        copiers = tuple(c.rsplit(".", 1)[-1] for c in catalog.strings("storage.files.copiers"))
        archives = tuple(
            sorted({c.split(".", 1)[0] for c in catalog.strings("storage.files.archive-adders")})
        )
        extensions = tuple("." + e for e in catalog.strings("storage.files.recording-extensions"))
        recorders = catalog.get("storage.files.recorders", {})
        modules = {
            name.split(".", 1)[0]
            for name in (recorders if isinstance(recorders, dict) else ())
            if isinstance(name, str)
        }
        controls = catalog.get("storage.files.call-recording", [])
        for entry in controls if isinstance(controls, list) else ():
            if isinstance(entry, dict):
                modules.update(_strings(entry, "modules"))
        imports = tuple(f"import:{m}" for m in sorted(modules))
        return ((*writes, *copiers, *archives), (*personal, *extensions, *imports))

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return FileKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: FileKnowledge = compiled
        self.records = Records(ctx, self.k.records)
        self.helpers = HelperSinks(self, "writes it to a file in clear")
        # name -> the file it is open on ("file `path`"), or None for a stream that
        # is not a file; per function.
        self._streams = ScopedNames(ctx)
        # csv writer name -> the file it writes to (None: not a file).
        self._writers = ScopedNames(ctx)
        self._shelves = ScopedNames(ctx)
        # Shelf handle -> the path it is open on; what the module stores on each such
        # path; names bound to copies of those stores.
        self._shelf_paths = ScopedNames(ctx)
        self._filled: dict[str, Carried] = {}
        self._copies = ScopedNames(ctx)
        # Archives and writers built over a buffer in memory -> the buffer's name; a
        # buffer -> what was written into it (`zf.writestr(...)` into a `ZipFile` over
        # `buf`), stored once the buffer is written to a file (`fh.write(buf.getvalue())`).
        self._buffer_of = ScopedNames(ctx)
        self._buffered = ScopedNames(ctx)
        self._any_buffered = False
        # Files the module writes personal data to, by the shape of their path
        # (`{EXPORT_DIR}/case_{}.parquet`) -> what they hold; streams -> the shape of the
        # path they are open on; the path of the sink being checked. Archives and copies
        # of such a file met before the write wait for the end of the file.
        self._written: dict[str, Carried] = {}
        self._stream_shapes = ScopedNames(ctx)
        self._sink_path: Optional[str] = None
        self._reported: Optional[Carried] = None
        self._copies_waiting: list[tuple[cst.Call, str, str, str]] = []
        # Names bound to a list of column names that name personal data
        # (`FIELDS = ["nino", "full_name"]`), and csv writers built with them.
        self._columns = ScopedNames(ctx)
        self._writer_columns = ScopedNames(ctx)
        self._sink_columns: Optional[Carried] = None
        # Names bound to a path built from parts (`SPOOL / f"{call_id}.wav"`), and
        # streams open on a file whose name says it is a call recording.
        self._paths = ScopedNames(ctx)
        self._recordings = ScopedNames(ctx)
        self._controls: Optional[tuple[CallControl, ...]] = None
        # Containers bound at module level (`PASSES = {}`) -> what the module's
        # functions put in them; writes of one met before it is filled wait for the
        # end of the file.
        self._containers: dict[str, Optional[Carried]] = {}
        self._waiting: list[tuple[cst.CSTNode, str, str, str]] = []
        self._depth = 0
        # Names each enclosing function binds itself (its own locals).
        self._locals: list[set[str]] = []
        # The module's functions -> the sinks inside them (call, target, call text), so
        # a helper called with personal data is reported on the write it makes.
        self._functions: list[cst.FunctionDef] = []
        # Rows put in a document built in memory (`sheet.append(row)`), per function:
        # reported where the function saves the document (`wb.save(path)`), else where
        # they were put.
        self._held: dict[int, list[tuple[cst.Call, list[cst.BaseExpression], str, str]]] = {}
        self._inner_sinks: dict[int, list[tuple[cst.Call, str, str]]] = {}
        self._reported_inside: set[int] = set()

    # -- scopes --------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1
        self._functions.append(node)
        params = node.params
        self._locals.append(
            {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        )
        self.records.enter_function()
        for table in self._tables():
            table.enter_function()
        for param in (*node.params.params, *node.params.kwonly_params):
            # `def write_all(spec, outdir="/etc/kamailio")`: where the path points by
            # default.
            if param.default is not None and _is_path_value(param.default):
                self._paths.set(param.name.value, param.default)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        for call, exprs, target, text in self._held.pop(id(node), ()):
            self._check(call, exprs, target, text)
        self._depth -= 1
        self._locals.pop()
        self._functions.pop()
        self.records.leave_function()
        for table in self._tables():
            table.leave_function()

    def _tables(self) -> tuple[ScopedNames, ...]:
        return (
            self._streams, self._writers, self._shelves, self._shelf_paths, self._copies,
            self._columns, self._writer_columns,
            self._paths, self._recordings, self._buffer_of, self._buffered, self._stream_shapes,
        )  # fmt: skip

    # -- what is a file ------------------------------------------------------------------

    def _describe_path(self, expr: Optional[cst.BaseExpression]) -> str:
        """``file `exports/customers.csv` `` or ``a file (`args.out`)``; the fact
        detail is derived from it (``file exports/customers.csv``)."""
        if expr is None:
            return "a file"
        text = string_value(expr)
        if text is not None:
            return f"file `{text}`"
        kind = "a configuration file" if self._config_location(expr) else "a file"
        return f"{kind} (`{self.ctx.code(expr, 40)}`)"

    def _config_location(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """A path under a configuration directory (`os.path.join(outdir, name)` with
        `outdir="/etc/kamailio"`) or of a configuration file (`…/kamailio.cfg`)."""
        if depth > 4:
            return False
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            text = key_text(expr) or ""
            return text.startswith(self.k.config_dirs) or _CONFIG_FILE.search(text) is not None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            path = dotted_name(expr)
            known, value = self._paths.find(path) if path is not None else (False, None)
            return known and value is not None and self._config_location(value, depth + 1)
        if type(expr) is cst.BinaryOperation:
            return self._config_location(expr.left, depth + 1) or self._config_location(
                expr.right, depth + 1
            )
        if type(expr) is cst.Call:
            return any(
                self._config_location(a.value, depth + 1)
                for a in expr.args
                if a.keyword is None and not a.star
            )
        return False

    def _opened(self, expr: cst.BaseExpression) -> Optional[str]:
        """``open(path, "w")``, ``Path(p).open("w")``, ``gzip.open(...)``: a file on
        disk (its description), else None."""
        if type(expr) is not cst.Call:
            return None
        qualified = self.ctx.qualname(expr)
        if (
            qualified in self.k.openers
            or (qualified is None and last_name(expr.func) == "open")
            or (
                qualified is not None
                and qualified.endswith(".open()")
                and "shelve" not in qualified
            )
        ):
            path = argument(expr, 0, ("file", "filename", "path", "name"))
            if (
                type(expr.func) is cst.Attribute
                and last_name(expr.func) == "open"
                and (qualified is None or qualified.startswith("pathlib"))
            ):
                # `path.open("w")`: the receiver is the path.
                path = expr.func.value
            return self._describe_path(path)
        return None

    def _opened_path(self, expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The path an `open(...)`-like call opens."""
        if type(expr) is not cst.Call:
            return None
        qualified = self.ctx.qualname(expr)
        if (
            type(expr.func) is cst.Attribute
            and last_name(expr.func) == "open"
            and (qualified is None or qualified.startswith("pathlib"))
        ):
            # `path.open("wb")`, not `wave.open(path, "wb")`.
            return expr.func.value
        return argument(expr, 0, ("file", "filename", "path", "name", "f"))

    def _path_content(self, expr: Optional[cst.BaseExpression]) -> Optional[Carried]:
        """What a file holds, by its path: a call recording (an audio file named
        after a call, `SPOOL / f"{call_id}.wav"`), or a kind of record the path names
        (`/var/lib/cdr/{day}.csv`, `os.path.join(VOICEPRINT_DIR, name)`)."""
        if expr is None:
            return None
        recording = self._recording_path(expr)
        if recording is not None:
            return recording
        cats: dict[str, Any] = {}
        self._path_categories(expr, cats, 0)
        return Carried(cats, False) if cats else None

    def _path_categories(self, expr: cst.BaseExpression, cats: dict[str, Any], depth: int) -> None:
        """The `path-categories` that the folders and name of a path name."""
        if depth > 4:
            return
        if isinstance(expr, (cst.Name, cst.Attribute)):
            # `VOICEPRINT_DIR = "/var/lib/voiceprints"`: where the name points.
            path = dotted_name(expr)
            known, value = self._paths.find(path) if path is not None else (False, None)
            if known and value is not None:
                self._path_categories(value, cats, depth + 1)
        elif isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            if type(expr) is cst.FormattedString:
                for part in expr.parts:
                    if type(part) is cst.FormattedStringExpression:
                        self._path_categories(part.expression, cats, depth + 1)
            text = key_text(expr) or ""
            # Each folder or file name, word run by word run (`call-recordings`).
            folders, _, name = text.rpartition("/")
            for run in _NAME_RUN.findall(f"{folders}/{name.split('.', 1)[0]}"):
                category = self.ctx.classify(run, "", KEY)
                if category in self.k.path_categories:
                    cats.setdefault(category, expr)
        elif type(expr) is cst.BinaryOperation:
            self._path_categories(expr.left, cats, depth + 1)
            self._path_categories(expr.right, cats, depth + 1)
        elif type(expr) is cst.Call:
            for arg in expr.args:
                if arg.keyword is None and not arg.star:
                    self._path_categories(arg.value, cats, depth + 1)

    def _recording_path(
        self, expr: Optional[cst.BaseExpression], depth: int = 0
    ) -> Optional[Carried]:
        """A path that names a call recording: an audio or video file named after a
        call (`SPOOL / f"{call_id}.wav"`, `f"voicemail/{vm.sid}.mp3"`)."""
        if expr is None or depth > 3:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            path = dotted_name(expr)
            known, value = self._paths.find(path) if path is not None else (False, None)
            return self._recording_path(value, depth + 1) if known else None
        if type(expr) is cst.BinaryOperation:
            return self._recording_path(expr.right, depth + 1)
        if type(expr) is cst.Call:
            # `recording_path(uid)`: a function that names the recording's path.
            words = set(split_words(last_name(expr.func)))
            if words & self.k.recording_words and words & self.k.path_words:
                return Carried({"communications": expr}, False)
            args = [a for a in expr.args if a.keyword is None and not a.star]
            return self._recording_path(args[-1].value, depth + 1) if args else None
        if type(expr) is cst.SimpleString:
            text = string_value(expr) or ""
        elif type(expr) is cst.FormattedString:
            text = "".join(p.value for p in expr.parts if type(p) is cst.FormattedStringText)
        else:
            return None
        if text.rpartition(".")[2].lower() not in self.k.recording_extensions:
            return None
        words = set(split_words(text.rpartition(".")[0]))
        for part in expr.parts if type(expr) is cst.FormattedString else ():
            if type(part) is cst.FormattedStringExpression:
                name = dotted_name(part.expression)
                words.update(split_words(name) if name is not None else ())
        if words & self.k.recording_words:
            return Carried({"communications": expr}, False)
        return None

    def _recording_of(self, node: cst.Call) -> Optional[Carried]:
        """What a write into a call-recording file stores (`fh.write(wav)` with `fh`
        open on `f"{call_id}.wav"`, `Path(f"{call_id}.wav").write_bytes(wav)`)."""
        func = node.func
        if type(func) is not cst.Attribute:
            return None
        path = dotted_name(func.value)
        if path is not None:
            known, value = self._recordings.find(path)
            if known:
                return value  # type: ignore[no-any-return]
        if last_name(func) in self.k.path_writers:
            return self._path_content(func.value)
        return None

    def _file(self, expr: cst.BaseExpression) -> Optional[str]:
        """The file an expression is open on, or None when it is not (known to be) a
        file on disk."""
        opened = self._opened(expr)
        if opened is not None:
            return opened
        path = dotted_name(expr)
        if path is not None:
            known, value = self._streams.find(path)
            if known:
                return value  # type: ignore[no-any-return]
        qualified = self.ctx.qualname(expr)
        if qualified in self.k.not_files:
            return None
        if qualified in self.k.openers:
            return "a file"
        if (
            qualified is None
            and isinstance(expr, (cst.Name, cst.Attribute))
            and last_name(expr) in self.k.handle_names
        ):
            return f"a file (`{self.ctx.code(expr, 30)}`)"
        return None

    def _bind_stream(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        path = dotted_name(target)
        if path is None:
            return
        over_buffer = type(value) is cst.Call and self._over_buffer(value)
        opened = None if over_buffer else self._opened(value)
        qualified = self.ctx.qualname(value)
        if _is_path_value(value) or (
            type(value) is cst.Call
            and (self.ctx.qualname(value.func) or "").startswith(_PATH_MODULES)
        ):
            self._paths.set(path, value)
        else:
            self._paths.forget(path)
        recording = self._path_content(self._opened_path(value)) if opened else None
        if type(value) is cst.Call and qualified in self.k.row_writers:
            # `csv.writer(fh)` writes into what `fh` holds.
            stream = argument(value, 0, ("f", "csvfile", "fileobj"))
            stream_path = dotted_name(stream) if stream is not None else None
            if stream_path is not None:
                recording = self._recordings.find(stream_path)[1]
        if recording is not None:
            self._recordings.set(path, recording)
        else:
            self._recordings.forget(path)
        shape = self._path_shape(self._opened_path(value)) if opened is not None else None
        if shape is not None:
            self._stream_shapes.set(path, shape)
        else:
            self._stream_shapes.forget(path)
        if opened is not None:
            self._streams.set(path, opened)
        elif qualified in self.k.not_files or over_buffer:
            self._streams.set(path, None)
        else:
            self._streams.forget(path)
        buffer = self._buffer_under(value) if type(value) is cst.Call else None
        if buffer is not None:
            self._buffer_of.set(path, buffer)
        else:
            self._buffer_of.forget(path)
        self._buffered.forget(path)
        if type(value) is cst.Call and qualified in self.k.row_writers:
            stream = argument(value, 0, ("f", "csvfile", "fileobj"))
            self._writers.set(path, self._file(stream) if stream is not None else None)
            self._writer_columns.set(path, self._named_columns(argument(value, 1, ("fieldnames",))))
        else:
            self._writers.forget(path)
            self._writer_columns.forget(path)
        if qualified in self.k.shelves and type(value) is cst.Call:
            where = argument(value, 0, ("filename",))
            self._shelves.set(path, self._describe_path(where))
            self._shelf_paths.set(path, self.ctx.code(where, 80) if where is not None else None)
        else:
            self._shelf_paths.forget(path)
        copied = self._stored_copy(value)
        if copied is not None:
            self._copies.set(path, copied)
        else:
            self._copies.forget(path)
        columns = self._named_columns(value)
        if columns is not None:
            self._columns.set(path, columns)
        else:
            self._columns.forget(path)

    def _path_shape(self, expr: Optional[cst.BaseExpression], depth: int = 0) -> Optional[str]:
        """The shape of a file's path: its text, with the values filled in per record
        left out (`f"{EXPORT_DIR}/case_{donor.id}.parquet"` and
        `f"{EXPORT_DIR}/case_{cid}.parquet"` are both `{EXPORT_DIR}/case_{}.parquet`);
        None when it is not known or names nothing in particular."""
        if expr is None or depth > 4:
            return None
        if type(expr) is cst.SimpleString:
            text = string_value(expr)
        elif type(expr) is cst.FormattedString:
            parts: list[str] = []
            for part in expr.parts:
                if type(part) is cst.FormattedStringText:
                    parts.append(part.value)
                elif type(part) is cst.FormattedStringExpression:
                    name = dotted_name(part.expression)
                    constant = name is not None and name.split(".")[-1].isupper()
                    parts.append("{" + (name if constant and name else "") + "}")
            text = "".join(parts)
        elif type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Divide:
            left = self._path_shape(expr.left, depth + 1)
            right = self._path_shape(expr.right, depth + 1)
            text = f"{left}/{right}" if left is not None and right is not None else None
        elif type(expr) is cst.Name and expr.value.isupper():
            text = "{" + expr.value + "}"
        elif type(expr) is cst.Call and (self.ctx.qualname(expr.func) or "").startswith(
            ("pathlib.", "os.path.join")
        ):
            # `Path(CASE_DIR)`, `os.path.join(CASE_DIR, name)`
            shapes = [
                self._path_shape(a.value, depth + 1)
                for a in expr.args
                if a.keyword is None and not a.star
            ]
            if not shapes or any(shape is None for shape in shapes):
                return None
            text = "/".join(shape for shape in shapes if shape is not None)
        elif isinstance(expr, (cst.Name, cst.Attribute)):
            path = dotted_name(expr)
            known, value = self._paths.find(path) if path is not None else (False, None)
            text = self._path_shape(value, depth + 1) if known and value is not None else None
        else:
            return None
        if text is None or depth:
            return text
        # A name of its own: some letters that are not a placeholder or an extension.
        stem = _PLACEHOLDER.sub("", text).rsplit(".", 1)[0]
        return text if sum(c.isalpha() for c in stem) >= 3 else None

    def _buffer_under(self, call: cst.Call) -> Optional[str]:
        """The name of the buffer in memory an archive or a writer is built over
        (`zipfile.ZipFile(buf, "w")`, `csv.writer(buf)`), else None."""
        if self.ctx.qualname(call.func) in self.k.row_writers:
            stream = argument(call, 0, ("f", "csvfile", "fileobj"))
        elif self._over_buffer(call):
            stream = argument(call, 0, self.k.buffer_keywords)
        else:
            return None
        name = dotted_name(stream) if stream is not None else None
        if name is None:
            return None
        known, target = self._streams.find(name)
        if not (known and target is None):
            return None
        # A writer over an archive over the buffer writes into the buffer.
        return self._buffer_of.find(name)[1] or name  # type: ignore[no-any-return]

    def _hold(self, receiver: Optional[cst.BaseExpression], data: list[cst.BaseExpression]) -> None:
        """Personal data written into a buffer in memory (through an archive or a
        writer over it, or directly): kept, in case the buffer reaches a file."""
        name = dotted_name(receiver) if receiver is not None else None
        if name is None:
            return
        buffer = self._buffer_of.find(name)[1]
        if buffer is None:
            known, target = self._streams.find(name)
            if not (known and target is None):
                return
            buffer = name
        _, carried = values_carried(self.ctx, data)
        if not carried.cats:
            return
        held = self._buffered.find(buffer)[1]
        self._buffered.set(buffer, union([held, carried]) if held is not None else carried)
        self._any_buffered = True

    def _named_columns(self, expr: Optional[cst.BaseExpression]) -> Optional[Carried]:
        """``["nino", "full_name", "balance"]`` (or a name bound to it): column names
        that say what the rows written under them hold."""
        if expr is None:
            return None
        path = dotted_name(expr)
        if path is not None:
            _, found = self._columns.find(path)
            return found  # type: ignore[no-any-return]
        if not isinstance(expr, (cst.List, cst.Tuple)):
            return None
        cats: dict[str, Any] = {}
        for element in expr.elements:
            text = string_value(element.value)
            category = self.ctx.classify(text, "", KEY) if text else None
            if category is not None:
                cats.setdefault(category, element.value)
        return Carried(cats, False) if cats else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._depth += 1

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.records.bind(target.target, node.value)
            self._bind_stream(target.target, node.value)
            self._bind_container(target.target, node.value)
            if type(target.target) is cst.Subscript:
                self._shelf_write(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_container(node.target, node.value)

    # -- module-level containers -----------------------------------------------------------

    def _bind_container(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if self._depth == 0:
            if type(target) is cst.Name:
                if self._empty_container(value):
                    self._containers[target.value] = None
                else:
                    self._containers.pop(target.value, None)
        elif type(target) is cst.Name:
            if self._locals:
                self._locals[-1].add(target.value)
        elif (
            self._containers
            and type(target) is cst.Subscript
            and type(target.value) is cst.Name
            and self._module_container(target.value.value)
        ):
            # `PASSES[token] = {"name": form.visitor_name.data}` in a function.
            self._fill(target.value.value, [value])

    def _empty_container(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, (cst.Dict, cst.List)):
            return not value.elements
        if type(value) is cst.Call:
            qualified = self.ctx.qualname(value.func) or dotted_name(value.func)
            return qualified in self.k.empty_containers and not any(
                isinstance(a.value, (cst.Dict, cst.List, cst.Tuple)) and a.value.elements
                for a in value.args
            )
        return False

    def _module_container(self, name: str) -> bool:
        """Whether ``name`` is a module-level container here, not a local."""
        return name in self._containers and not (self._locals and name in self._locals[-1])

    def _fill(self, name: str, values: list[cst.BaseExpression]) -> None:
        _, carried = values_carried(self.ctx, values)
        if carried.cats:
            held = self._containers.get(name)
            self._containers[name] = union([held, carried]) if held is not None else carried

    def _container(self, expr: cst.BaseExpression) -> Optional[str]:
        """The module-level container ``expr`` writes out whole (``PASSES``,
        ``list(PASSES.values())``), else None."""
        for _ in range(4):
            if type(expr) is cst.Name:
                return expr.value if self._module_container(expr.value) else None
            if type(expr) is not cst.Call:
                return None
            func = expr.func
            if type(func) is cst.Attribute and not expr.args:
                # `PASSES.values()`, `PASSES.copy()`
                expr = func.value
            elif expr.args and self.ctx.flow.settings.is_propagator(self.ctx.qualname(func)):
                # `list(PASSES)`, `dict(PASSES)`
                expr = expr.args[0].value
            else:
                return None
        return None

    def finish(self) -> None:
        for call, shape, target, text in self._copies_waiting:
            written = self._written.get(shape)
            if written is not None:
                self._report(call, [written], target, text)
        for node, name, target, call in self._waiting:
            held = self._containers.get(name)
            if held is not None:
                self._report(node, [held], target, call)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, (cst.Name, cst.Attribute)):
            self._bind_stream(node.asname.name, node.item)

    # -- sinks ---------------------------------------------------------------------------

    def _shelf_write(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        path = dotted_name(target.value)
        if path is None:
            return
        known, where = self._shelves.find(path)
        if not known and self.ctx.qualname(target.value) in self.k.shelves:
            known, where = True, "a shelf file"
        if not known:
            return
        exprs: list[cst.BaseExpression] = [value]
        for element in target.slice:
            if type(element.slice) is cst.Index:
                exprs.append(element.slice.value)
        _, carried = values_carried(self.ctx, exprs)
        store = self._shelf_paths.find(path)[1]
        if carried.cats and store is not None:
            # What the shelf on this path holds, for copies made of it elsewhere.
            filled = self._filled.get(store)
            self._filled[store] = union([filled, carried]) if filled is not None else carried
        self._check(target, exprs, where, self.ctx.code(target, 40) + " = …")

    def _stored_copy(self, expr: cst.BaseExpression, depth: int = 0) -> Optional[Carried]:
        """What a copy of a shelf holds that the module fills with personal data
        (`snapshot = dict(db)` with `db = shelve.open(OCR_CACHE)`), else None."""
        if not (self._filled or self._any_buffered) or depth > 4:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)):
            path = dotted_name(expr)
            if path is None:
                return None
            buffered = self._buffered.find(path)[1]
            if buffered is not None:
                return buffered  # type: ignore[no-any-return]
            store = self._shelf_paths.find(path)[1]
            if store is not None:
                return self._filled.get(store)
            return self._copies.find(path)[1]  # type: ignore[no-any-return]
        if type(expr) is cst.Call:
            func = expr.func
            settings = self.ctx.flow.settings
            if expr.args and settings.is_propagator(self.ctx.qualname(func)):
                return self._stored_copy(expr.args[0].value, depth + 1)
            if type(func) is cst.Attribute and (
                func.attr.value in settings.propagating_methods
                or func.attr.value in self.k.buffer_reads
            ):
                return self._stored_copy(func.value, depth + 1)
        return None

    def _sink(self, node: cst.Call) -> Optional[tuple[list[cst.BaseExpression], str]]:
        """(written expressions, target description) when ``node`` writes to a file."""
        func = node.func
        name = last_name(func)
        k = self.k
        qualified = self.ctx.qualname(func)
        data_index = k.data_writers.get(qualified or "")
        if data_index is not None:
            # `zf.writestr("customers.csv", body)`, `sheet.append(row)`: a file on disk.
            data = argument(node, data_index, ("data", "content"))
            if data is None:
                return None
            receiver_path = func.value if type(func) is cst.Attribute else None
            if receiver_path is not None and self._not_a_file(receiver_path):
                # `zf.writestr(...)` into an archive built in memory: stored if the
                # buffer is written to a file.
                self._hold(receiver_path, [data])
                return None
            target = self._file(receiver_path) if receiver_path is not None else None
            return [data], target or "a file"
        if type(func) is cst.Attribute:
            receiver = func.value
            if name in k.write_methods and node.args:
                target = self._file(receiver)
                receiver_name = dotted_name(receiver)
                if receiver_name is not None:
                    self._sink_path = self._stream_shapes.find(receiver_name)[1]
                if target is not None:
                    return [a.value for a in node.args if a.keyword is None], target
                if qualified not in k.dumpers:
                    self._hold(receiver, [a.value for a in node.args if a.keyword is None])
                    return None
            if name in k.path_writers and node.args:
                self._sink_path = self._path_shape(receiver)
                return [node.args[0].value], self._describe_path(receiver)
            if name in k.row_methods and node.args:
                target = None
                path = dotted_name(receiver)
                header = node.args[0].value
                if (
                    path is not None
                    and isinstance(header, (cst.List, cst.Tuple))
                    and header.elements
                    and all(string_value(e.value) is not None for e in header.elements)
                ):
                    # `writer.writerow(["child", "collector", "phone"])`: a header row
                    # names what the rows written after it hold.
                    columns = self._named_columns(header)
                    if columns is not None:
                        self._writer_columns.set(path, columns)
                    return None
                if path is not None:
                    _, target = self._writers.find(path)
                    # `writer.writerows(rows)` under personal column names.
                    _, self._sink_columns = self._writer_columns.find(path)
                elif type(receiver) is cst.Call and self.ctx.qualname(receiver) in k.row_writers:
                    stream = argument(receiver, 0, ("f", "csvfile", "fileobj"))
                    target = self._file(stream) if stream is not None else None
                if target is not None:
                    return [node.args[0].value], target
                self._hold(receiver, [node.args[0].value])
                return None
            if name in k.frame_writers:
                destination = argument(node, 0, k.frame_targets)
                if destination is None or self._not_a_file(destination):
                    return None
                self._sink_columns = self._destination_content(destination)
                self._sink_path = self._path_shape(destination)
                return [receiver], self._describe_path(destination)
        if qualified in k.dumpers:
            data_index, target_index = (1, 0) if qualified in k.path_first else (0, 1)
            data = argument(node, data_index, ("obj", "data", "value", "arr", "X", "fsrc"))
            destination = argument(
                node, target_index, ("fp", "file", "stream", "filename", "fname", "f", "fdst")
            )
            if data is None or destination is None or self._not_a_file(destination):
                return None
            self._sink_columns = self._destination_content(destination)
            destination_name = dotted_name(destination)
            self._sink_path = (
                self._stream_shapes.find(destination_name)[1]
                if destination_name is not None and self._stream_shapes.find(destination_name)[0]
                else self._path_shape(destination)
            )
            if string_value(destination) is not None:
                return [data], self._describe_path(destination)
            target = self._file(destination)
            return [data], target or f"a file (`{self.ctx.code(destination, 30)}`)"
        if qualified in ("print", "builtins.print"):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "file":
                    target = self._file(arg.value)
                    if target is not None:
                        return [a.value for a in node.args if a.keyword is None], target
        return None

    def _destination_content(self, expr: cst.BaseExpression) -> Optional[Carried]:
        """What the file a stream is open on, or a path names, holds (see
        `_path_content`)."""
        path = dotted_name(expr)
        if path is not None:
            known, value = self._recordings.find(path)
            if known:
                return value  # type: ignore[no-any-return]
        return self._path_content(expr)

    def _over_buffer(self, call: cst.Call) -> bool:
        """`zipfile.ZipFile(buf, "w")`, `gzip.GzipFile(fileobj=io.BytesIO())`: an
        archive or stream of a library built over a buffer in memory, not a file."""
        qualified = self.ctx.qualname(call.func)
        if qualified is None or self.ctx.is_local(qualified) or qualified in self.k.row_writers:
            return False
        stream = argument(call, 0, self.k.buffer_keywords)
        return stream is not None and self._not_a_file(stream)

    def _not_a_file(self, expr: cst.BaseExpression) -> bool:
        qualified = self.ctx.qualname(expr)
        if qualified in self.k.not_files:
            return True
        if type(expr) is cst.Call and self._over_buffer(expr):
            return True
        path = dotted_name(expr)
        if path is not None:
            known, value = self._streams.find(path)
            if known and value is None:
                return True
        return False

    def _names_a_path(self, expr: cst.BaseExpression) -> bool:
        """``"exports/customers.json"``, ``Path(...)``, ``out_dir / name``,
        ``os.path.join(...)``, ``args.out_path``: an argument that is a file's path."""
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            text = key_text(expr) or ""
            return "/" in text or _FILE_SUFFIX.search(text) is not None
        if type(expr) is cst.BinaryOperation:
            return type(expr.operator) is cst.Divide
        qualified = self.ctx.qualname(expr)
        if qualified is not None and qualified.startswith(("pathlib.", "os.path.")):
            return True
        if isinstance(expr, (cst.Name, cst.Attribute)):
            words = split_words(last_name(expr))
            return bool(words) and words[-1] in self.k.path_words
        return False

    def _named_writer(self, node: cst.Call) -> Optional[tuple[list[cst.BaseExpression], str]]:
        """`save_json(customers, "out/customers.json")` from another module: a function
        named for writing a file format, given a path and the data to write."""
        qualified = self.ctx.qualname(node.func)
        if qualified is None or "()" in qualified or self.ctx.is_local(qualified):
            return None
        words = set(split_words(last_name(node.func)))
        if not (words & self.k.helper_verbs and words & self.k.helper_formats):
            return None
        values = [a.value for a in node.args if not a.star]
        paths = [v for v in values if self._names_a_path(v)]
        if not paths:
            return None
        return [v for v in values if v is not paths[0]], self._describe_path(paths[0])

    def _download(self, node: cst.Call) -> bool:
        """`urlretrieve(recording_url, path)`: what the URL points at, saved to disk."""
        if self.ctx.qualname(node.func) not in self.k.downloaders:
            return False
        url = argument(node, 0, ("url",))
        if url is None:
            return True
        fetched = self.ctx.flow.settings.fetched_categories
        carried = self.ctx.categories(url)
        content = {c: o for c, o in carried.cats.items() if c in fetched}
        if content:
            target = self._describe_path(argument(node, 1, ("filename", "out")))
            self._report(node, [Carried(content, False)], target, call_text(self.ctx, node))
        return True

    def _recorder(self, node: cst.Call) -> bool:
        """`recorder.createRecorder(f"{SPOOL}/{call_id}.wav")`, `fs.send(f"api
        uuid_record {uuid} start {path}")`: a call's audio recorded into a file."""
        qualified = self.ctx.qualname(node.func)
        index = self.k.recorders.get(qualified or "")
        if index is not None:
            path = argument(node, index, ("filename", "file_name", "file", "path"))
            if path is None or not self._not_a_file(path):
                self._report_recording(node, self._describe_path(path))
            return True
        func = node.func
        if type(func) is not cst.Attribute:
            return False
        method = func.attr.value
        for control in self._call_controls():
            if method not in control.methods:
                continue
            if control.commands and not (
                node.args and self._records_call(node.args[0].value, control.commands)
            ):
                continue
            self._report_recording(node, "a file on the media server")
            return True
        return False

    def _report_recording(self, node: cst.Call, target: str) -> None:
        record_stored(self.ctx, ("communications",), node, _fact_detail(target))
        self.report(
            node,
            severity=self.k.policy.severity(self.ctx, ("communications",), self.severity),
            categories=("communications",),
            data="The audio of a call",
            verb="is",
            target=target,
            call=call_text(self.ctx, node),
            suggestion=_SUGGESTION,
        )

    def _call_controls(self) -> tuple[CallControl, ...]:
        """The telephony control channels the file imports."""
        if self._controls is None:
            heads = {m.lstrip(".").split(".", 1)[0] for m in self.ctx.imports.imported_modules}
            self._controls = tuple(c for c in self.k.call_controls if heads & c.modules)
        return self._controls

    def _records_call(
        self, command: cst.BaseExpression, commands: tuple[tuple[str, ...], ...]
    ) -> bool:
        """A command string (or an AMI action dict) that starts recording a call."""
        texts: list[str] = []
        if type(command) is cst.Dict:
            # `{"Action": "MixMonitor", "Channel": channel, "File": path}`
            for element in command.elements:
                if type(element) is cst.DictElement:
                    key, value = key_text(element.key), key_text(element.value)
                    if key is not None and value is not None and key.lower() in _ACTION_KEYS:
                        texts.append(value)
        else:
            text = key_text(command)
            if text is not None:
                texts.append(text)
        for text in texts:
            words = _command_words(text)
            if self.k.recording_stops.intersection(words):
                # `uuid_record {uuid} stop all`
                continue
            for phrase in commands:
                n = len(phrase)
                if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
                    return True
        return False

    def _copy(self, node: cst.Call) -> bool:
        """`shutil.copy(src, NAS / f"{uid}.wav")`: a file copied to another place on
        disk holds what its source or its destination's path says it holds; so does an
        archive a file is added to (`tar.add(path, arcname="call.wav")`)."""
        qualified = self.ctx.qualname(node.func)
        if qualified in self.k.copiers:
            source = argument(node, 0, ("src",))
            destination = argument(node, 1, ("dst",))
            if source is None or destination is None:
                return True
            target = self._describe_path(destination)
        elif qualified in self.k.archive_adders:
            source = argument(node, 0, ("name", "filename"))
            destination = argument(node, 1, ("arcname",))
            if source is None:
                return True
            target = "an archive"
        else:
            return False
        content = self._destination_content(source) or self._path_content(destination)
        if content is not None:
            self._report(node, [content], target, call_text(self.ctx, node))
            return True
        # `tar.add(f"{EXPORT_DIR}/case_{cid}.parquet")`: a file the module writes
        # personal data to, copied or archived.
        shape = self._path_shape(source)
        if shape is not None:
            self._copies_waiting.append((node, shape, target, call_text(self.ctx, node)))
        return True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            self._depth
            and self._containers
            and type(func) is cst.Attribute
            and type(func.value) is cst.Name
            and func.attr.value in self.k.container_fills
            and self._module_container(func.value.value)
        ):
            # `VISITORS.append({"name": name})` in a function.
            self._fill(func.value.value, [a.value for a in node.args])
            return
        if self._download(node) or self._recorder(node) or self._copy(node):
            return
        self._sink_columns = None
        self._sink_path = None
        if self._held and self._functions and self._document_saved(node):
            return
        if self._functions and self.ctx.qualname(node.func) in self.k.document_encryptions:
            # `pdf.set_encryption(...)`: the document is saved encrypted.
            self._held.pop(id(self._functions[-1]), None)
            return
        sink = self._sink(node)
        if sink is None:
            arguments = self.helpers.arguments(self.ctx, node, self.id)
            if arguments:
                # `export(rows, "out.csv")` where `export` writes its rows to a file: the
                # write inside `export` is reported, once, when it makes just one.
                definition = self.ctx.flow.resolve_local(node.func)
                inner = self._inner_sinks.get(id(definition)) if definition is not None else None
                if inner is not None and len(inner) == 1:
                    sink_call, target, text = inner[0]
                    if id(sink_call) not in self._reported_inside and self._check(
                        sink_call, arguments, target, text
                    ):
                        self._reported_inside.add(id(sink_call))
                    return
                self._check(node, arguments, "a file", call_text(self.ctx, node))
                return
            named = self._named_writer(node)
            if named is not None:
                self._check(node, named[0], named[1], call_text(self.ctx, node))
            return
        exprs, target = sink
        self.helpers.add(node, exprs)
        columns = self._sink_columns or self._recording_of(node)
        text = call_text(self.ctx, node)
        if self._functions:
            self._inner_sinks.setdefault(id(self._functions[-1]), []).append((node, target, text))
            if columns is None and self.ctx.qualname(node.func) in self.k.saved_writers:
                self._held.setdefault(id(self._functions[-1]), []).append(
                    (node, exprs, target, text)
                )
                return
        shape = self._sink_path
        self._reported = None
        if self._check(node, exprs, target, text, columns) and shape and self._reported:
            held = self._written.get(shape)
            self._written[shape] = union([held, self._reported]) if held else self._reported

    def _document_saved(self, node: cst.Call) -> bool:
        """Whether ``node`` saves a document (`wb.save(path)`) the function put rows in:
        they are reported once, here, where they reach the disk."""
        position = self.k.document_saves.get(self.ctx.qualname(node.func) or "")
        held = self._held.get(id(self._functions[-1])) if position is not None else None
        if not held or position is None:
            return False
        exprs = [e for _, values, _, _ in held for e in values]
        if position < 0:
            # `c.save()` of a PDF canvas: to the file it was opened on (what was drawn on
            # a canvas over a buffer was never held).
            del self._held[id(self._functions[-1])]
            self._check(node, exprs, held[0][2], call_text(self.ctx, node))
            return True
        destination = argument(node, position, ("filename", "path", "file"))
        if destination is None:
            return False
        del self._held[id(self._functions[-1])]
        if self._not_a_file(destination):
            return True  # `wb.save(buffer)`: the document stays in memory.
        self._check(node, exprs, self._describe_path(destination), call_text(self.ctx, node))
        return True

    def _check(
        self,
        node: cst.CSTNode,
        exprs: list[cst.BaseExpression],
        target: str,
        call: str,
        columns: Optional[Carried] = None,
    ) -> bool:
        first, carried = values_carried(self.ctx, exprs)
        if first is not None:
            return self._report(node, [carried], target, call)
        if columns is not None and not all(self.ctx.categories(e).known for e in exprs):
            return self._report(node, [columns], target, call)
        for expr in exprs:
            copied = self._stored_copy(expr)
            if copied is not None:
                return self._report(node, [copied], target, call)
        for expr in exprs:
            people = self.records.stored(expr)
            if people is not None:
                self.report(
                    node,
                    severity=self.severity,
                    data=f"Records of {people} (`{self.ctx.code(expr, 30)}`)",
                    verb="are",
                    target=target,
                    call=call,
                    suggestion=_SUGGESTION,
                )
                return True
        for expr in exprs:
            name = self._container(expr)
            if name is not None:
                held = self._containers[name]
                if held is not None:
                    return self._report(node, [held], target, call)
                self._waiting.append((node, name, target, call))
                return False
        return False

    def _report(self, node: cst.CSTNode, carried: list[Carried], target: str, call: str) -> bool:
        cats: dict[str, Any] = {}
        for value in carried:
            for cat, origin in value.cats.items():
                cats.setdefault(cat, origin)
        if (
            _CONFIG_FILE.search(target)
            or target.startswith(_CONFIG_TARGET)
            or any(f"`{d}" in target for d in self.k.config_dirs)
        ):
            # A server's address or a service's password in the configuration file it
            # belongs to (`kamailio.cfg`, `pgbouncer.ini`) is deployment, not someone's
            # data at rest.
            cats = {c: o for c, o in cats.items() if c not in self.k.config_categories}
            if not cats:
                return False
        merged = Carried(cats, False)
        self._reported = merged
        record_stored(self.ctx, cats, node, _fact_detail(target))
        self.report(
            node,
            severity=self.k.policy.severity(self.ctx, cats, self.severity),
            categories=merged.categories,
            data=capitalised(self.ctx.describe(merged)),
            verb=self.ctx.verb(merged),
            target=target,
            call=call,
            suggestion=_SUGGESTION,
        )
        return True


_CONFIG_FILE = re.compile(r"\.(?:cfg|conf|ini|cnf|properties|env)\b", re.IGNORECASE)
_CONFIG_TARGET = "a configuration file"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_NAME_RUN = re.compile(r"[A-Za-z0-9_]+")
_ACTION_KEYS = ("action", "command", "app", "application")
_PATH_MODULES = ("pathlib.", "os.path.", "os.environ", "os.getenv")


def _command_words(text: str) -> list[str]:
    """``uuid_record … start …`` -> ``["uuid_record", "…", "start", "…"]``."""
    return re.findall(r"[a-z0-9_]+|…", text.lower())


def _is_path_value(value: cst.BaseExpression) -> bool:
    """A literal or built path: a string, an f-string, `base / name`."""
    return isinstance(
        value,
        (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.BinaryOperation),
    )


def _fact_detail(target: str) -> str:
    """``a file (`args.out`)`` -> ``file args.out``."""
    text = target.replace("`", "").replace("(", "").replace(")", "")
    if text.startswith("a "):
        text = text[2:]
    return text if text.startswith(("file", "configuration file")) else f"file {text}"
