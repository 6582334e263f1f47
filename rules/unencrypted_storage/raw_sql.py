"""Personal columns created, inserted or updated in clear through raw SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Union

import libcst as cst
from privalint.rules.unencrypted_storage.common import (
    RecordKnowledge,
    Records,
    StoragePolicy,
    argument,
    call_text,
    capitalised,
    last_name,
    record_stored,
    report_stored,
    string_value,
)

from privalint import sql
from privalint.catalog import Catalog
from privalint.flow import Carried, Origin, union
from privalint.imports import dotted_name
from privalint.model import Family, Severity
from privalint.personal import KEY, split_words
from privalint.rule import Rule

StringNode = Union[cst.SimpleString, cst.ConcatenatedString, cst.FormattedString]

_POSITIONAL = re.compile(r"^(?:%s|\?|%d|%b|\{\})$")
_NUMBERED = re.compile(r"^(?:\$|:)(\d+)$")
_NAMED = re.compile(r"^(?:%\((\w+)\)s|:(\w+)|@(\w+)|\{(\w+)\})$")
_PLACEHOLDER = re.compile(r"%s|\?|%\(\w+\)s|(?<![:\w]):\w+|\$\d+")
_SQL_HINT = re.compile(
    r"\b(?:create\s+(?:temp\w*\s+|unlogged\s+)?table|insert|update|replace\s+into|upsert)\b", re.I
)
# `COPY (SELECT ...) TO '/data/out.csv'` (PostgreSQL, DuckDB): the rows of the query
# are written to a file. `TO STDOUT` streams them to the client instead.
_COPY_TO = re.compile(r"^\s*copy\s*\((?P<query>.*)\)\s*to\s*'(?P<path>[^']+)'", re.I | re.S)
_PARAM_KEYWORDS = (
    "params",
    "parameters",
    "args",
    "vars",
    "values",
    "argslist",
    "seq_of_parameters",
    "parameters_list",
)


@dataclass(frozen=True)
class SqlKnowledge:
    execute_methods: frozenset[str]
    execute_functions: dict[str, int]
    text_wrappers: frozenset[str]
    prepare_methods: frozenset[str]
    protecting: re.Pattern[str]
    binary_types: frozenset[str]
    frame_writers: frozenset[str]
    write_words: frozenset[str]
    variable_setters: frozenset[str]
    record_variables: re.Pattern[str]
    record_tables: dict[str, str]
    records: RecordKnowledge
    policy: StoragePolicy

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> SqlKnowledge:
        functions = catalog.get("storage.sql.execute-functions", {})
        protecting = catalog.strings("storage.sql.protecting-functions") or ["encrypt"]
        variables = catalog.get("storage.sql.record-variables", {})
        record_tables = {
            k.lower(): v
            for k, v in (variables.items() if isinstance(variables, dict) else ())
            if isinstance(k, str) and isinstance(v, str)
        }
        return cls(
            execute_methods=frozenset(catalog.strings("storage.sql.execute-methods")),
            execute_functions={
                k: v
                for k, v in (functions.items() if isinstance(functions, dict) else ())
                if isinstance(v, int)
            },
            text_wrappers=frozenset(catalog.strings("storage.sql.text-wrappers")),
            prepare_methods=frozenset(catalog.strings("storage.sql.prepare-methods")),
            protecting=re.compile(
                r"\b(?:" + "|".join(re.escape(p) for p in protecting) + r")\s*\(", re.I
            ),
            binary_types=frozenset(catalog.strings("storage.sql.binary-types")),
            frame_writers=frozenset(catalog.strings("storage.sql.frame-writers")),
            write_words=frozenset(catalog.strings("storage.sql.write-words")),
            variable_setters=frozenset(catalog.strings("storage.sql.variable-setters")),
            # `CDR(userfield)`: the record's function and the field; none when empty.
            record_variables=re.compile(
                r"^\s*("
                + ("|".join(re.escape(k) for k in record_tables) or r"(?!)")
                + r")\((\w+)\)\s*$",
                re.I,
            ),
            record_tables=record_tables,
            records=RecordKnowledge.from_catalog(catalog),
            policy=StoragePolicy.from_catalog(catalog),
        )


def _text_of(node: StringNode) -> Optional[str]:
    if type(node) is cst.FormattedString:
        return "".join(p.value if type(p) is cst.FormattedStringText else "x" for p in node.parts)
    return string_value(node)


def _code_list(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names[:4]) + (", …" if len(names) > 4 else "")


class UnencryptedSqlColumn(Rule):
    """
    ## What it does
    Flags raw SQL that keeps personal data in clear: `CREATE TABLE` statements with
    personal columns of a plain type, and `INSERT`/`UPDATE` statements run through
    `cursor.execute`/`executemany` (sqlite3, psycopg, MySQLdb, asyncpg, SQLAlchemy
    `text()`/`exec_driver_sql`) that write personal values into a column, queries
    kept in another module whose name says they write (`queries.INSERT_CUSTOMER`)
    run with personal parameters, DataFrames written to a table with `to_sql`, and
    query results copied to a file (`COPY (SELECT email, phone FROM customers) TO
    '/srv/export.csv'` in PostgreSQL or DuckDB). Columns whose value goes through an
    SQL encryption or hash function (`pgp_sym_encrypt(%s, key)`, `AES_ENCRYPT`,
    `crypt`), parameters the code hashed or encrypted first, and binary columns
    (which hold ciphertext) are not reported. A table that a function creates and
    then fills with personal values is reported once, where the values are written.

    ## Why is this bad?
    Rows in clear are exposed in every backup, replica, dump and over-broad query;
    encrypting the columns that hold personal data limits the damage of each of
    those leaks (GDPR Art. 32; CWE-312).

    ## How to fix
    Encrypt the value before it is written (in the application, or with pgcrypto's
    `pgp_sym_encrypt`), declare the column to hold that ciphertext (`bytea`), store a
    hash when the value only has to be compared, or do not store it.
    """

    id = "PV302"
    name = "unencrypted-sql-column"
    family = Family.UNENCRYPTED_STORAGE
    severity = Severity.WARNING
    cwe = 312
    title = "Personal data stored in clear through raw SQL"
    message = "{data} {verb} written in clear to table `{table}` ({columns}){via}; encrypt the values before they are stored (in the application, or with pgcrypto `pgp_sym_encrypt`) or store a hash"
    provides_facts = True
    triggers = (
        ("insert", "update", "create table", "replace", "upsert", "to_sql", "copy", "cdr(", "cel("),
        ("@personal", "@people"),
    )
    INVALID = (
        'import sqlite3\n\ndef init(conn):\n    conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, ssn TEXT, diagnosis TEXT)")',
        'def save(cur, customer):\n    cur.execute("INSERT INTO customers (email, phone) VALUES (%s, %s)", (customer.email, customer.phone))',
    )
    VALID = (
        'def save(cur, customer):\n    cur.execute("INSERT INTO orders (customer_id, total) VALUES (%s, %s)", (customer.pk, 10))',
        'def save(cur, customer, key):\n    cur.execute("INSERT INTO customers (email) VALUES (pgp_sym_encrypt(%s, %s))", (customer.email, key))',
        'def init(conn):\n    conn.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL)")',
    )

    @classmethod
    def compile(cls, catalog: Catalog) -> Any:
        return SqlKnowledge.from_catalog(catalog)

    def __init__(self, ctx: Any, compiled: Any = None) -> None:
        super().__init__(ctx, compiled)
        self.k: SqlKnowledge = compiled
        self.records = Records(ctx, self.k.records)
        # name -> (SQL text, the string node), per function.
        self._constants: list[dict[str, tuple[str, cst.CSTNode]]] = [{}]
        # table -> columns, from the CREATE TABLE statements of the file.
        self._tables: dict[str, tuple[str, ...]] = {}
        # INSERT/UPDATE strings seen; reported at the end unless an execute call
        # ran them (and was checked with its parameters).
        self._writes: list[tuple[cst.CSTNode, sql.Statement]] = []
        self._executed: set[int] = set()
        # CREATE TABLE findings, reported at the end unless a function of the file
        # wrote into that table and was reported (`open_log()` makes a table that
        # `record_call()` fills: one problem, reported where the values are written).
        # A schema of its own (a module constant, a migration) is always reported.
        self._creates: list[tuple[tuple[str, int], cst.CSTNode, dict[str, Any]]] = []
        self._written: set[tuple[str, int]] = set()
        self._functions: list[int] = []
        self._function_count = 0

    # -- scopes and constants ------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.records.enter_function()
        self._constants.append({})
        self._function_count += 1
        self._functions.append(self._function_count)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.records.leave_function()
        if len(self._constants) > 1:
            self._constants.pop()
        if self._functions:
            self._functions.pop()

    def _function(self) -> int:
        """The function the walk is in (0: the module body)."""
        return self._functions[-1] if self._functions else 0

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.records.bind(target.target, node.value)
            if type(target.target) is cst.Name:
                source = self._source(node.value)
                if source is not None:
                    self._constants[-1][target.target.value] = source
                else:
                    self._constants[-1].pop(target.target.value, None)

    def _source(self, expr: cst.BaseExpression) -> Optional[tuple[str, cst.CSTNode]]:
        """The SQL text an expression holds and the string node it comes from."""
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            text = _text_of(expr)
            return (text, expr) if text is not None else None
        if type(expr) is cst.Name:
            for table in reversed(self._constants):
                if expr.value in table:
                    return table[expr.value]
            return None
        if type(expr) is cst.Await:
            return self._source(expr.expression)
        if type(expr) is cst.Call:
            func = expr.func
            if self.ctx.qualname(func) in self.k.text_wrappers and expr.args:
                return self._source(expr.args[0].value)
            if (
                type(func) is cst.Attribute
                and func.attr.value in self.k.prepare_methods
                and expr.args
            ):
                # `INSERT_POINT = session.prepare("INSERT INTO positions ...")`.
                return self._source(expr.args[0].value)
            if type(func) is cst.Attribute and func.attr.value == "format":
                return self._source(func.value)
            return None
        if type(expr) is cst.BinaryOperation and isinstance(expr.operator, (cst.Modulo, cst.Add)):
            return self._source(expr.left)
        return None

    # -- SQL in string literals --------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._literal(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._literal(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._literal(node)

    def _literal(self, node: StringNode) -> None:
        parent = self.ctx.parent
        if isinstance(parent, (cst.ConcatenatedString, cst.Expr)):
            # A part of a longer literal, or a docstring / bare string.
            return
        text = _text_of(node)
        if text is None or len(text) < 16 or _SQL_HINT.search(text) is None:
            return
        for chunk in sql.split_statements(text):
            statement = sql.parse(chunk)
            if statement is None:
                continue
            if statement.kind == "create":
                self._tables[statement.table.lower()] = statement.columns
                self._create_table(node, statement)
            elif statement.kind in ("insert", "update"):
                self._writes.append((node, statement))

    def _create_table(self, node: cst.CSTNode, statement: sql.Statement) -> None:
        cats: dict[str, Origin] = {}
        columns: list[str] = []
        table = statement.table
        for column, declared in zip(statement.columns, statement.types):
            category = self.ctx.classify(column, owner=table, kind=KEY)
            if category is None:
                continue
            type_word = declared.split("(", 1)[0].split()[0] if declared.split() else ""
            if type_word in self.k.binary_types:
                continue
            if self.k.policy.allowed(f"{table}.{column}"):
                continue
            cats.setdefault(category, f"{table}.{column}")
            columns.append(column)
        if not cats:
            return
        carried = Carried(cats, False)
        record_stored(self.ctx, cats, node, f"table {table}")
        self._creates.append(
            (
                (table.lower(), self._function()),
                node,
                {
                    "severity": self.k.policy.severity(self.ctx, cats, self.severity),
                    "categories": carried.categories,
                    "table": table,
                    "data": ", ".join(self.ctx.label(c) for c in sorted(cats)),
                    "columns": _code_list(columns),
                },
            )
        )

    # -- statements that run ----------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = last_name(func)
        if type(func) is cst.Attribute and name in self.k.frame_writers:
            self._frame_to_table(node, func.value)
            return
        if type(func) is cst.Attribute and name in self.k.variable_setters:
            self._record_variable(node)
            return
        qualified = self.ctx.qualname(func)
        index = self.k.execute_functions.get(qualified or "")
        if index is None:
            if type(func) is not cst.Attribute or name not in self.k.execute_methods:
                return
            index = 0
        query = argument(node, index, ("sql", "query", "statement", "operation"))
        if query is None:
            return
        source = self._source(query)
        if source is None:
            self._named_write(node, query, index)
            return
        text, string_node = source
        statements = [s for s in map(sql.parse, sql.split_statements(text)) if s is not None]
        writes = [s for s in statements if s.kind in ("insert", "update")]
        if not writes:
            # `"COPY (...) TO '" + out_path + "' (HEADER)"`: the path joined in.
            joined = self._joined(query) if type(query) is cst.BinaryOperation else None
            copied = _COPY_TO.match(joined or text)
            if copied is not None:
                shown = _COPY_TO.match(joined or self._shown(string_node))
                path = shown.group("path") if shown is not None else copied.group("path")
                self._copy_to_file(node, copied.group("query"), path)
            return
        self._executed.add(id(string_node))
        params = argument(node, index + 1, _PARAM_KEYWORDS)
        carried = self.ctx.categories(params) if params is not None else None
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if len(positional) > index + 2:
            # asyncpg: `conn.execute("... VALUES ($1, $2)", email, phone)`.
            values = [self.ctx.categories(v) for v in positional[index + 1 :]]
            merged = union(values)
            carried = Carried(merged.cats, merged.known, {str(i): v for i, v in enumerate(values)})
        many = name.endswith("many") or "values" in name or "batch" in (qualified or "")
        if carried is not None and many:
            carried = carried.element or carried
        extra = self.ctx.categories(query) if type(query) is cst.FormattedString else None
        for statement in writes:
            self._check_write(node, statement, carried, extra)

    def _joined(self, expr: cst.BaseExpression) -> Optional[str]:
        """The text of strings joined with `+`, other parts as the code spells them
        (`{out_path}`); None when no part is a string."""
        if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Add:
            left, right = self._joined(expr.left), self._joined(expr.right)
            if left is None and right is None:
                return None
            return (left or self._placeholder(expr.left)) + (right or self._placeholder(expr.right))
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return self._shown(expr)
        return None

    def _placeholder(self, expr: cst.BaseExpression) -> str:
        return "{" + self.ctx.code(expr, 30) + "}"

    def _shown(self, node: cst.CSTNode) -> str:
        """The text of a string as the code spells it (`{out}` for an f-string's field)."""
        if type(node) is cst.FormattedString:
            return "".join(
                p.value
                if type(p) is cst.FormattedStringText
                else "{" + self.ctx.code(p.expression, 30) + "}"  # type: ignore[union-attr]
                for p in node.parts
            )
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return _text_of(node) or ""
        return ""

    def _copy_to_file(self, node: cst.Call, query: str, path: str) -> None:
        """`COPY (SELECT email, phone FROM customers) TO '/srv/out.csv'`: the selected
        personal columns are written to a file in clear."""
        statement = sql.parse(query)
        if statement is None or statement.kind != "select":
            return
        table = statement.table
        if table and re.search(rf"\bfrom\s+{re.escape(table)}\s*\(", query, re.I):
            table = ""  # a table function (`read_parquet('...')`), not a table
        cats: dict[str, Origin] = {}
        for column in statement.columns:
            category = self.ctx.classify(column, owner=table, kind=KEY) if column else None
            if category is not None and not self.k.policy.allowed(f"{table}.{column}"):
                cats.setdefault(category, f"{table}.{column}" if table else column)
        if not cats:
            return
        carried = Carried(cats, False)
        record_stored(self.ctx, cats, node, "file")
        self.report(
            node,
            "{data} {verb} copied in clear from the database to the file `{path}` by "
            "`{call}`; encrypt the export (e.g. with age or GPG) or copy only "
            "pseudonymised columns",
            severity=self.k.policy.severity(self.ctx, cats, self.severity),
            categories=carried.categories,
            data=capitalised(self.ctx.describe(carried)),
            verb=self.ctx.verb(carried),
            path=path,
            call=call_text(self.ctx, node),
        )

    def _named_write(self, node: cst.Call, query: cst.BaseExpression, index: int) -> None:
        """`cur.execute(queries.INSERT_CUSTOMER, (email, phone))`: SQL kept in another
        module, named for a write, run with personal values."""
        name = dotted_name(query)
        if name is None:
            return
        words = split_words(name.rsplit(".", 1)[-1])
        if not any(w in self.k.write_words for w in words):
            return
        params = argument(node, index + 1, _PARAM_KEYWORDS)
        carried = self.ctx.categories(params) if params is not None else None
        if carried is None or not carried.cats:
            return
        record_stored(self.ctx, carried.cats, node, "table (SQL)")
        self.report(
            node,
            "{data} {verb} written in clear to the database by `{query}`; encrypt the "
            "values before they are stored (in the application, or with pgcrypto "
            "`pgp_sym_encrypt`) or store a hash",
            severity=self.k.policy.severity(self.ctx, carried.cats, self.severity),
            categories=carried.categories,
            data=capitalised(self.ctx.describe(carried)),
            verb=self.ctx.verb(carried),
            query=f"{self.ctx.code(node.func, 30)}({self.ctx.code(query, 40)}, …)",
        )

    def _record_variable(self, node: cst.Call) -> None:
        """`agi.set_variable("CDR(userfield)", pan)`: a channel variable that is a field
        of the call detail record, which the PBX writes to its database."""
        variable = argument(node, 0, ("variable", "name", "var"))
        text = string_value(variable) if variable is not None else None
        match = self.k.record_variables.match(text) if text is not None else None
        if match is None:
            return
        table = self.k.record_tables[match.group(1).lower()]
        column = match.group(2)
        if self.k.policy.allowed(f"{table}.{column}"):
            return
        value = argument(node, 1, ("value", "val"))
        carried = self.ctx.categories(value) if value is not None else None
        if carried is None or not carried.cats:
            return
        self._report_table(
            node,
            carried,
            table,
            f"column `{column}`",
            f" by `{call_text(self.ctx, node)}`",
        )

    def _frame_to_table(self, node: cst.Call, frame: cst.BaseExpression) -> None:
        table_expr = argument(node, 0, ("name", "table_name"))
        table = string_value(table_expr) if table_expr is not None else None
        if table is None:
            return
        carried = self.ctx.categories(frame)
        if carried.cats:
            self._report_table(
                node,
                carried,
                table,
                "the whole frame",
                f" by `{call_text(self.ctx, node)}`",
                at=frame,
            )
            return
        people = self.records.stored(frame)
        if people is not None:
            self.report(
                frame,
                data=f"Records of {people} (`{self.ctx.code(frame, 30)}`)",
                verb="are",
                table=table,
                columns="the whole frame",
                via=f" by `{call_text(self.ctx, node)}`",
            )

    def _check_write(
        self,
        node: cst.CSTNode,
        statement: sql.Statement,
        params: Optional[Carried],
        extra: Optional[Carried],
    ) -> None:
        table = statement.table
        columns = statement.columns or self._tables.get(table.lower(), ())
        values = statement.values
        fields = params.fields if params is not None and params.fields else {}
        cats: dict[str, Origin] = {}
        named: list[str] = []
        positional = 0
        for index, column in enumerate(columns):
            expression = values[index].strip() if index < len(values) else ""
            key: Optional[str] = None
            if _POSITIONAL.match(expression):
                key = str(positional)
                positional += 1
            elif _NUMBERED.match(expression):
                key = str(int(_NUMBERED.match(expression).group(1)) - 1)  # type: ignore[union-attr]
            else:
                match = _NAMED.match(expression)
                if match is not None:
                    key = next(g for g in match.groups() if g)
                elif expression:
                    positional += len(_PLACEHOLDER.findall(expression))
            if expression and self.k.protecting.search(expression):
                continue
            if self.k.policy.allowed(f"{table}.{column}"):
                continue
            value = fields.get(key) if key is not None else None
            if value is not None:
                if value.cats:
                    for cat, origin in value.cats.items():
                        cats.setdefault(cat, origin)
                    named.append(column)
                    continue
                if value.known:
                    continue
            category = self.ctx.classify(column, owner=table, kind=KEY)
            if category is not None:
                cats.setdefault(category, f"{table}.{column}")
                named.append(column)
        if not columns and params is not None and params.cats:
            cats.update({c: o for c, o in params.cats.items() if c not in cats})
        if extra is not None:
            cats.update({c: o for c, o in extra.cats.items() if c not in cats})
        if not cats:
            return
        carried = Carried(cats, False)
        self._written.add((table.lower(), self._function()))
        self._report_table(
            node,
            carried,
            table,
            f"columns {_code_list(named)}" if named else "its columns",
            f" by `{call_text(self.ctx, node)}`" if type(node) is cst.Call else "",
        )

    def _report_table(
        self,
        node: cst.CSTNode,
        carried: Carried,
        table: str,
        columns: str,
        via: str,
        at: Optional[cst.CSTNode] = None,
    ) -> None:
        """``carried`` written in clear to ``table`` (its ``columns``, ``via`` a call)."""
        report_stored(
            self,
            self.k.policy,
            node,
            carried,
            f"table {table}",
            at,
            table=table,
            columns=columns,
            via=via,
        )

    def finish(self) -> None:
        for node, statement in self._writes:
            if id(node) not in self._executed:
                self._check_write(node, statement, None, None)
        written = {table for table, _ in self._written}
        for (table, function), node, details in self._creates:
            if not function or table not in written:
                self.report(
                    node,
                    "Table `{table}` is created with {data} in clear (columns {columns}); "
                    "declare encrypted columns (e.g. `bytea` holding values encrypted by the "
                    "application or by pgcrypto `pgp_sym_encrypt`) or store a hash",
                    **details,
                )
