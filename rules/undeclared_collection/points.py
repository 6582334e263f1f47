"""Collection points: the places where code takes in personal data.

Recorded as facts during the walk, for the project stage (which checks them against
the privacy manifest) and for ``privalint inventory``:

- request reads: a literal key read from what a web handler received
  (``request.form["phone"]``, ``request.GET.get("email")``, ``payload["device_id"]``
  after ``payload = request.get_json()``); the flow knows which values come from the
  request (``Carried.user_input``);
- fields of forms, serializers and schemas (``phone = forms.CharField()``) and the
  model fields a model form or serializer takes (``Meta.fields``);
- parameters of HTTP endpoints (``phone: str = Form(...)``, ``email: str = Query()``);
- fields of request models (pydantic and friends). A model is only a collection point
  when it is used as a request body, which may be in another file, so the walk records
  the model's fields (``model-field``), the classes an endpoint takes as its body
  (``request-body``) and how models include one another (``model-link``: a field of
  another model type, a base class); the project stage joins them;
- interactive prompts (``input("Phone: ")``, ``click.prompt``, ``getpass``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Optional, Union

import libcst as cst
from privalint.rules.undeclared_collection.knowledge import Knowledge, named_as_input

from privalint.engine import FileContext
from privalint.imports import dotted_name
from privalint.nodes import iter_nodes
from privalint.nodes import string_value as literal_string
from privalint.personal import KEY, NAME, split_words, without_brackets
from privalint.project import MODEL_FIELD, MODEL_LINK, REQUEST_BODY, SCHEMA, VALIDATED_READ

COLLECTED = "collected"
# A request read whose fields a schema declared in place (webargs `parser.parse({...})`).
INLINE_FIELDS = "{}"

_COMMENT = re.compile(r"#[^\n]*")
_OPEN_SPACE = re.compile(r"([(\[{]) ")
_CLOSE_SPACE = re.compile(r",? ([)\]}])")


def _string(node: cst.BaseExpression) -> Optional[str]:
    return literal_string(node)


def _last_name(expr: cst.BaseExpression) -> str:
    if type(expr) is cst.Name:
        return expr.value
    if type(expr) is cst.Attribute:
        return expr.attr.value
    if type(expr) is cst.Call:
        return _last_name(expr.func)
    return ""


def _is_true(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value == "True"


def _names_in(annotation: cst.BaseExpression) -> Iterator[str]:
    """The class names an annotation mentions (``Optional[list[Address]]``)."""
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        yield _last_name(annotation)
    elif type(annotation) is cst.Subscript:
        yield from _names_in(annotation.value)
        for element in annotation.slice:
            if type(element.slice) is cst.Index:
                yield from _names_in(element.slice.value)
    elif type(annotation) is cst.BinaryOperation:
        yield from _names_in(annotation.left)
        yield from _names_in(annotation.right)
    elif isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
        # A forward reference: "Address".
        text = _string(annotation)
        if text and text.isidentifier():
            yield text


class CollectionPoints:
    """Records the collection facts of one file; driven by the rule's hooks."""

    def __init__(self, ctx: FileContext, knowledge: Knowledge) -> None:
        self.ctx = ctx
        self.knowledge = knowledge
        # Forms, serializers and schemas of this file, by class node and by name.
        self._form_classes: set[int] = set()
        self._form_names: set[str] = set()
        # GraphQL input types and mutation arguments.
        self._input_classes: set[int] = set()
        # Names bound to string literals or tuples of them, per scope (module first):
        # `FIELD = "phone"`, `for key in ("email", "phone"):`.
        self._constants: list[dict[str, tuple[str, ...]]] = [{}]
        # Names bound to a schema, form or model object or to what one validated, per
        # scope, with the class: `schema = SignupSchema()`, `data = schema.load(...)`.
        self._validated: list[dict[str, str]] = [{}]
        # Per function: the names it stores as personal fields (see
        # `_stored_field_categories`).
        self._stored_fields: dict[int, dict[str, str]] = {}

    # -- helpers ----------------------------------------------------------------------

    def _code(self, node: cst.CSTNode, limit: int = 50) -> str:
        """One line of source for messages, without the comments of a multi-line node."""
        try:
            text = self.ctx.module.code_for_node(node)
        except Exception:  # a node libcst cannot render on its own
            return self.ctx.code(node, limit)
        if "\n" in text:
            text = _COMMENT.sub("", text)
            text = _OPEN_SPACE.sub(r"\1", _CLOSE_SPACE.sub(r"\1", " ".join(text.split())))
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def _record(self, category: str, node: cst.CSTNode, detail: str, kind: str = COLLECTED) -> None:
        self.ctx.fact(kind, category, node, detail)

    def _link(self, kind: str, detail: str) -> None:
        """A fact that joins classes across files; it needs no position."""
        self.ctx.fact(kind, "", None, detail)

    def _class_body_owner(self, depth: int = 4) -> Optional[cst.ClassDef]:
        """The class whose body holds the current statement (``x = ...`` directly in
        ``class C:``), else None."""
        stack = self.ctx.stack
        if len(stack) >= depth and isinstance(stack[-depth], cst.ClassDef):
            return stack[-depth]  # type: ignore[return-value]
        return None

    # -- request reads ------------------------------------------------------------------

    def subscript(self, node: cst.Subscript) -> None:
        """``request.form["phone"]``, ``payload["device_id"]``."""
        if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
            return
        if self._is_target(node):
            return
        self._read_by_key(node, node.value, node.slice[0].slice.value)

    def _read_by_key(
        self, node: cst.BaseExpression, base: cst.BaseExpression, key: cst.BaseExpression
    ) -> None:
        literal = _string(key)
        if literal is not None:
            self._request_read(node, base, literal)
        elif type(key) is cst.Name:
            keys = self._keys(key)
            if keys and self.ctx.categories(base).user_input:
                categories = {c for k in keys if (c := self.ctx.classify(k, "", KEY))}
                self._record_read(categories, node, base)

    def _record_read(
        self, categories: set[str], node: cst.BaseExpression, base: cst.BaseExpression
    ) -> None:
        """A request read. What a schema, form or request model validated is collected
        by that class's fields, so such a read names the class: the project stage
        keeps it only when no checked file declares the class."""
        if not categories:
            return
        detail = f"`{self._code(node)}`"
        schema = self._schema_of(base)
        for category in sorted(categories):
            if schema is None:
                self._record(category, node, detail)
            elif schema != INLINE_FIELDS:
                self._record(category, node, f"{schema} {detail}", VALIDATED_READ)

    # -- names bound to literal keys --------------------------------------------------------

    def enter_scope(self) -> None:
        self._constants.append({})
        self._validated.append({})

    def leave_scope(self) -> None:
        if len(self._constants) > 1:
            self._constants.pop()
            self._validated.pop()

    def bind_constant(self, node: cst.Assign) -> None:
        """``FIELD = "phone"``, ``FIELDS = ("email", "phone")``; any other value unbinds.
        ``data = SignupSchema().load(...)``: what a schema validated."""
        schema = self._schema_of(node.value)
        for target in node.targets:
            name = target.target
            if type(name) is cst.Tuple and name.elements:
                # marshmallow 2: `data, errors = schema.load(request.json)`.
                name = name.elements[0].value
            if type(name) is cst.Name:
                self._bind(name.value, _literal_strings(node.value))
                self._bind_schema(name.value, schema)

    def bind_annotated(self, node: cst.AnnAssign) -> None:
        if type(node.target) is cst.Name and node.value is not None:
            self._bind_schema(node.target.value, self._schema_of(node.value))

    def _bind_schema(self, name: str, schema: Optional[str]) -> None:
        scope = self._validated[-1]
        if schema:
            scope[name] = schema
        else:
            scope.pop(name, None)

    def bind_loop(self, node: cst.For) -> None:
        if type(node.target) is cst.Name:
            self._bind(node.target.value, self._keys(node.iter))

    def _bind(self, name: str, keys: tuple[str, ...]) -> None:
        scope = self._constants[-1]
        if keys:
            scope[name] = keys
        else:
            scope.pop(name, None)

    def _keys(self, expr: cst.BaseExpression) -> tuple[str, ...]:
        """The string keys ``expr`` stands for: a literal, a tuple of literals, or a
        name bound to them (a constant, a loop or comprehension variable)."""
        literal = _literal_strings(expr)
        if literal or type(expr) is not cst.Name:
            return literal
        name = expr.value
        for node in reversed(self.ctx.stack):
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                clause: Optional[cst.CompFor] = node.for_in
                while clause is not None:
                    if type(clause.target) is cst.Name and clause.target.value == name:
                        return self._keys(clause.iter)
                    clause = clause.inner_for_in
        for scope in reversed(self._constants):
            if name in scope:
                return scope[name]
        return ()

    def _is_target(self, node: cst.CSTNode) -> bool:
        parent = self.ctx.parent
        if type(parent) is cst.AssignTarget:
            return True
        if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node:
            return True
        return type(parent) is cst.Del

    def key_getter(self, node: cst.Call) -> None:
        """``request.GET.get("email")``, ``request.form.getlist("phones")``."""
        func = node.func
        if (
            type(func) is not cst.Attribute
            or func.attr.value not in self.knowledge.key_getters
            or not node.args
            or node.args[0].keyword is not None
        ):
            return
        self._read_by_key(node, func.value, node.args[0].value)

    def attribute(self, node: cst.Attribute) -> None:
        """``request.forms.phone``, ``request.query.email`` (Bottle's form dicts)."""
        base = node.value
        if type(base) is not cst.Attribute or not self.ctx.flow.is_request_read(base):
            return
        parent = self.ctx.parent
        if (type(parent) is cst.Call and parent.func is node) or self._is_target(node):
            return
        self._request_read(node, base, node.attr.value)

    def key_method(self, node: cst.Call) -> None:
        """``req.get_param("phone")``, ``self.get_argument("email")``."""
        func = node.func
        if (
            type(func) is not cst.Attribute
            or func.attr.value not in self.knowledge.request_key_methods
            or not node.args
            or node.args[0].keyword is not None
        ):
            return
        key = _string(node.args[0].value)
        if key is None:
            return
        receiver = dotted_name(func.value)
        on_request = receiver in self.knowledge.request_names or receiver == "self"
        if not on_request and not self.ctx.categories(func.value).user_input:
            return
        category = self.ctx.classify(key, "", KEY) or self._destination_category(node)
        if category is not None:
            self._record(category, node, f"`{self._code(node)}`")

    def through_helper(self, node: cst.Call) -> None:
        """``phone = form_value("phone")`` where ``form_value`` (a function of this
        module) reads that key from the request."""
        if not any(_string(arg.value) is not None for arg in node.args):
            return
        flow = self.ctx.flow
        definition = flow.resolve_local(node.func)
        if definition is None:
            return
        for index in sorted(flow.reaching_params(definition, self._read_keys, "collection")):
            arg = flow.argument_for(node, definition, index)
            key = _string(arg) if arg is not None else None
            if key is None:
                continue
            category = self.ctx.classify(key, "", KEY)
            if category is not None:
                self._record(category, node, f"`{self._code(node)}`")

    def _read_keys(self, call: cst.Call) -> list[cst.BaseExpression]:
        """The key expressions of a call that reads a named request input."""
        func = call.func
        if type(func) is not cst.Attribute or not call.args or call.args[0].keyword:
            return []
        name = func.attr.value
        knowledge = self.knowledge
        if name in knowledge.key_getters:
            if self.ctx.categories(func.value).user_input:
                return [call.args[0].value]
        elif name in knowledge.request_key_methods:
            receiver = dotted_name(func.value)
            if receiver in knowledge.request_names or receiver == "self":
                return [call.args[0].value]
        return []

    def _request_read(self, node: cst.BaseExpression, base: cst.BaseExpression, key: str) -> None:
        ctx = self.ctx
        source = ctx.categories(base)
        if not source.user_input or (source.fields is not None and key in source.fields):
            return
        carried = ctx.categories(node)
        if not carried.user_input:
            return
        words = split_words(key)
        if words and words[-1] in self.knowledge.link_words:
            # `request.form["RecordingUrl"]`: where the data is, not the data.
            return
        categories = set(carried.cats)
        if not categories:
            # The name of a request payload says nothing about whose data it holds:
            # `body["email"]` is an email address even though `body.email` would not be.
            fallback = (
                ctx.classify(key, "", KEY)
                or self._destination_category(node)
                or self.knowledge.input_default(key)
            )
            categories = {fallback} if fallback else set()
        self._record_read(categories, node, base)

    def _stored_field_categories(self) -> dict[str, str]:
        """Names the enclosing function stores as fields that name personal data
        (``Message.create(body=text)``: ``text`` -> communications)."""
        function = next((n for n in reversed(self.ctx.stack) if type(n) is cst.FunctionDef), None)
        if function is None:
            return {}
        cached = self._stored_fields.get(id(function))
        if cached is not None:
            return cached
        found: dict[str, str] = {}
        for call in iter_nodes(function.body, cst.Call):
            assert isinstance(call, cst.Call)
            for name, category in self.ctx.flow.stored_fields(call):
                found.setdefault(name.value, category)
        self._stored_fields[id(function)] = found
        return found

    def _destination_category(self, node: cst.BaseExpression) -> Optional[str]:
        """What the code calls a request input whose key names nothing: the keyword it
        is passed as (``sexual_orientation=request.POST.get("orientation")``) or the
        name it is assigned to (``religion = request.form["q7"]``)."""
        stack = self.ctx.stack
        for index in range(len(stack) - 1, 0, -1):
            if stack[index] is node:
                parent = stack[index - 1]
                break
        else:
            return None
        if type(parent) is cst.Arg and parent.keyword is not None:
            return self.ctx.classify(parent.keyword.value, "", KEY)
        if type(parent) is cst.Assign and len(parent.targets) == 1:
            target = parent.targets[0].target
            found = self._target_category(target)
            if found is None and type(target) is cst.Name:
                # `text = request.json["text"]` later stored as `Message(body=text)`.
                found = self._stored_field_categories().get(target.value)
            return found
        if type(parent) is cst.AnnAssign and parent.value is node:
            return self._target_category(parent.target)
        return None

    # -- what schemas, forms and request models validated --------------------------------

    def _schema_of(self, expr: cst.BaseExpression) -> Optional[str]:
        """The class (schema, form, serializer, request model) whose object ``expr`` is,
        or whose validation produced it: ``SignupSchema().load(request.json)``,
        ``form.cleaned_data`` after ``form = SignupForm(request.POST)``,
        ``Signup.model_validate(body).model_dump()``; ``INLINE_FIELDS`` for webargs
        fields declared in place; None when unknown."""
        knowledge = self.knowledge
        if type(expr) is cst.Name:
            for scope in reversed(self._validated):
                if expr.value in scope:
                    return scope[expr.value]
            return None
        if type(expr) is cst.Attribute:
            if expr.attr.value in knowledge.validated_attributes:
                return self._schema_of(expr.value)
            return None
        if type(expr) is cst.Subscript:
            return self._schema_of(expr.value)
        if type(expr) is cst.Await:
            return self._schema_of(expr.expression)
        if type(expr) is not cst.Call:
            return None
        func = expr.func
        qualified = self.ctx.qualname(func)
        if qualified in knowledge.model_loader_functions:
            chosen = _model_argument(expr)
            return self._class_of(chosen.value) if chosen is not None else None
        if qualified in knowledge.schema_parsers:
            first = expr.args[0].value if expr.args and expr.args[0].keyword is None else None
            if type(first) is cst.Dict:
                return INLINE_FIELDS
            return self._class_of(first) if first is not None else None
        if type(func) is cst.Attribute:
            method = func.attr.value
            if knowledge.is_model_loader(method):
                return self._class_of(func.value)
            if method in knowledge.model_dumpers or method in knowledge.key_getters:
                return self._schema_of(func.value)
            return None
        name = _last_name(func)
        # `SignupSchema()`, `SignupForm(request.POST)`, `Signup(**request.json)`.
        return name if knowledge.is_model_name(name) else None

    def _class_of(self, expr: cst.BaseExpression) -> Optional[str]:
        """The class a loader is called on: ``Signup`` in ``Signup.model_validate``,
        ``SignupSchema(many=True)``, or a name bound to such an object."""
        if type(expr) is cst.Call:
            expr = expr.func
        bound = ""
        if type(expr) is cst.Name and not expr.value[:1].isupper():
            bound = expr.value
        elif type(expr) is cst.Attribute and dotted_name(expr.value) in ("self", "cls"):
            bound = expr.attr.value  # `schema = BankDetailsSchema()` in the class body
        if bound:
            for scope in reversed(self._validated):
                if bound in scope:
                    return scope[bound]
            return None
        name = _last_name(expr)
        return name if self.knowledge.is_model_name(name) else None

    # -- fields of forms, serializers, schemas and request models ----------------------

    def class_def(self, node: cst.ClassDef) -> None:
        """Model forms and serializers: the model fields listed in ``Meta.fields``;
        request models: how they include other models (base classes)."""
        knowledge = self.knowledge
        ctx = self.ctx
        bases = [arg.value for arg in node.bases if arg.keyword is None]
        if any(self._is_form(base) for base in bases):
            self._form_classes.add(id(node))
            self._form_names.add(node.name.value)
        elif node.name.value in knowledge.argument_classes or any(
            ctx.qualname(base) in knowledge.input_classes for base in bases
        ):
            self._input_classes.add(id(node))
        for decorator in node.decorators:
            target = decorator.decorator
            if type(target) is cst.Call:
                target = target.func
            if ctx.qualname(target) in knowledge.input_decorators:
                self._link(REQUEST_BODY, node.name.value)
        if _may_be_a_model(node.body):
            for base in bases:
                name = _last_name(base)
                if knowledge.is_model_name(name):
                    self._link(MODEL_LINK, f"{node.name.value} {name}")
        if (
            bases
            and named_as_input(node.name.value, knowledge.request_model_suffixes)
            and _declares_annotated_fields(node.body)
        ):
            # `class SelfieIn(BaseModel)`: named for what a client sends.
            self._link(REQUEST_BODY, node.name.value)
        if type(node.body) is cst.IndentedBlock and any(
            self._is_model_form(base) for base in bases
        ):
            self._meta_fields(node, node.body)
        if (
            id(node) in self._form_classes
            or id(node) in self._input_classes
            or (bases and _may_be_a_model(node.body))
            or _declares_annotated_fields(node.body)
        ):
            # Its fields are collection points: what it validates is collected there.
            self._link(SCHEMA, node.name.value)

    def _meta_fields(self, node: cst.ClassDef, body: cst.IndentedBlock) -> None:
        """The model fields a model form or serializer takes (``Meta.fields``), less
        those it declares itself or only writes out."""
        knowledge = self.knowledge
        ctx = self.ctx
        declared: set[str] = set()
        meta: Optional[cst.ClassDef] = None
        for statement in body.body:
            if type(statement) is cst.ClassDef and statement.name.value == "Meta":
                meta = statement
            for target in _assigned_names(statement):
                declared.add(target)
        if meta is None or type(meta.body) is not cst.IndentedBlock:
            return
        values: dict[str, cst.BaseExpression] = {}
        for statement in meta.body.body:
            if type(statement) is cst.SimpleStatementLine:
                for small in statement.body:
                    if type(small) is cst.Assign and len(small.targets) == 1:
                        target = small.targets[0].target
                        if type(target) is cst.Name:
                            values[target.value] = small.value
        fields = values.get("fields")
        if not isinstance(fields, (cst.List, cst.Tuple)):
            return
        skipped = set(declared)
        for key in ("read_only_fields", "dump_only", "exclude"):
            listed = values.get(key)
            if type(listed) is cst.Name and listed.value == "fields":
                return  # every field is output only (`read_only_fields = fields`)
            if isinstance(listed, (cst.List, cst.Tuple)):
                skipped.update(s for s in (_string(e.value) for e in listed.elements) if s)
        model = values.get("model")
        owner = _last_name(model) if model is not None else ""
        owner = owner or knowledge.owner_of(node.name.value)
        for element in fields.elements:
            field_name = _string(element.value)
            if not field_name or field_name in skipped:
                continue
            category = ctx.classify(field_name, owner, KEY)
            if category is not None:
                detail = f"`{node.name.value}.Meta.fields` entry `{field_name}`"
                self._record(category, element.value, detail)

    def _is_form(self, base: cst.BaseExpression) -> bool:
        knowledge = self.knowledge
        qualified = self.ctx.qualname(base)
        if qualified is not None and (
            qualified in knowledge.form_bases or qualified in knowledge.model_form_bases
        ):
            return True
        name = _last_name(base)
        return name in self._form_names or (
            bool(name) and name.endswith(knowledge.form_suffixes + knowledge.model_form_suffixes)
        )

    def _is_model_form(self, base: cst.BaseExpression) -> bool:
        qualified = self.ctx.qualname(base)
        if qualified is not None and qualified in self.knowledge.model_form_bases:
            return True
        name = _last_name(base)
        return bool(name) and name.endswith(self.knowledge.model_form_suffixes)

    def added_field(self, node: cst.Assign) -> None:
        """``self.fields["phone"] = forms.CharField()``: a field added to a form at
        run time (in ``__init__``)."""
        if len(node.targets) != 1 or type(node.value) is not cst.Call:
            return
        target = node.targets[0].target
        if (
            type(target) is not cst.Subscript
            or dotted_name(target.value) != "self.fields"
            or len(target.slice) != 1
            or type(target.slice[0].slice) is not cst.Index
        ):
            return
        key = _string(target.slice[0].slice.value)
        if key is None or not self._is_input_field(node.value, True):
            return
        owner = self.knowledge.owner_of(self.ctx.current_class or "")
        category = self.ctx.classify(key, owner, KEY) or self._label_category(
            node.value, key, owner
        )
        types = list(_field_types(node.value))
        for type_name in types:
            category = category or self._typed_category(type_name, key, owner)
        category = category or self._named_person(key, types)
        if category is not None:
            self._record(category, target, f"field `{key}` added to `self.fields`")

    def assign(self, node: cst.Assign) -> None:
        """``phone = forms.CharField(...)`` in the body of a form or serializer."""
        owner_class = self._class_body_owner()
        if owner_class is None or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if type(target) is not cst.Name or type(node.value) is not cst.Call:
            return
        call = node.value
        owner = self.knowledge.owner_of(owner_class.name.value)
        if id(owner_class) in self._input_classes:
            if not self._is_input_type(call):
                return
        elif not self._is_input_field(call, id(owner_class) in self._form_classes):
            if _last_name(call.func) in self.knowledge.flag_fields and self._is_input_field(
                call, id(owner_class) in self._form_classes, flags=True
            ):
                # A yes/no answer collects only what it reveals (`pregnant`).
                flag = self.ctx.classify_flag(target.value, owner)
                if flag is not None:
                    self._record(flag, target, f"field `{owner_class.name.value}.{target.value}`")
            return
        category = self._field_category(target.value, owner) or self._label_category(
            call, target.value, owner
        )
        types = list(_field_types(call))
        for type_name in types:
            category = category or self._typed_category(type_name, target.value, owner)
        category = category or self._named_person(target.value, types)
        if category is None and not any(
            t in self.knowledge.container_fields
            or t in self._form_names
            or t.endswith(self.knowledge.form_suffixes)
            for t in types
        ):
            # A plain field, not a nested form or schema (whose own fields say what
            # they hold).
            category = self.knowledge.input_default(target.value)
        if category is not None:
            self._record(category, target, f"field `{owner_class.name.value}.{target.value}`")

    def _field_category(self, name: str, owner: str) -> Optional[str]:
        """The category a field's name says it holds. A field named for holding its data
        encrypted (`passport_number_enc`) still collects it: encryption is undone by
        whoever holds the key, unlike a hash."""
        category = self.ctx.classify(name, owner, NAME)
        if category is None:
            unsealed = self.ctx.classifier.unsealed(name)
            if unsealed is not None:
                category = self.ctx.classify(unsealed, owner, NAME)
        return category

    def _typed_category(self, type_name: str, name: str, owner: str) -> Optional[str]:
        """The category a field's type says it holds (``contact = forms.EmailField()``,
        ``reply_to: EmailStr``), unless its name rules it out (``from_email``)."""
        category = self.knowledge.typed_fields.get(type_name)
        if category is None:
            return None
        known = self.ctx.classifier.categories.get(category)
        words = split_words(name) + split_words(owner)
        if known is not None and any(
            words[i : i + len(phrase)] == phrase
            for phrase in known.exclude
            for i in range(len(words) - len(phrase) + 1)
        ):
            return None
        return category

    def _named_person(self, name: str, types: Sequence[str]) -> Optional[str]:
        """``recipient = forms.CharField()``: a text field named after a person holds
        that person's name (an ``EmailField`` named so holds an address, a relation
        or a nested schema a record)."""
        if not types or types[0] not in self.knowledge.text_types:
            return None
        words = split_words(name)
        while len(words) > 1 and words[-1] in self.ctx.classifier.transparent_suffixes:
            words = words[:-1]
        if words and words[-1] in self.knowledge.named_persons:
            return self.knowledge.named_person_category
        return None

    def _label_category(
        self, call: cst.Call, name: str, owner: str, positional: bool = True
    ) -> Optional[str]:
        """The category a field's label, alias, help text or description names, when
        its name does not (``contact = forms.CharField(label="Mobile phone")``,
        ``location = Field(None, description="Position (lat, lon) of the patient")``)."""
        knowledge = self.knowledge
        for arg in call.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            description = keyword in knowledge.description_keywords
            if (
                description
                or keyword in knowledge.label_keywords
                or (positional and keyword is None and arg is call.args[0])
            ):
                text = self._text(arg.value)
                if text:
                    category = self.ctx.classifier.classify_label(text, name, owner, description)
                    if category is not None:
                        return category
        return None

    def _text(self, node: cst.BaseExpression) -> Optional[str]:
        """A string literal, or the message of a translation call (``_("Phone")``)."""
        if type(node) is cst.Call and _last_name(node.func) in self.knowledge.translations:
            messages = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
            return _string(messages[-1]) if messages else None
        return _string(node)

    def dict_fields(self, node: cst.Dict) -> None:
        """``{"phone": fields.Str()}``: webargs arguments, ``Schema.from_dict``, API
        models of Flask-RESTX."""
        where = ""
        for element in node.elements:
            if type(element) is not cst.DictElement:
                continue
            value = element.value
            if type(value) is cst.Call:
                if not self._is_input_field(value, False):
                    continue
            elif not self._is_field_class(value):
                continue
            key = _string(element.key)
            if key is None:
                continue
            category = self.ctx.classify(key, "", KEY) or (
                self._label_category(value, key, "") if type(value) is cst.Call else None
            )
            if category is None:
                continue
            if not where:
                call = self.ctx.ancestor(cst.Call)
                where = f"`{self._code(call.func, 30)}()`" if type(call) is cst.Call else ""
                where = f" of {where}" if where else ""
            self._record(category, element.key, f"field `{key}`{where}")

    def declared_argument(self, node: cst.Call) -> None:
        """``parser.add_argument("phone", location="json")`` of a request parser."""
        if not node.args or node.args[0].keyword is not None:
            return
        qualified = self.ctx.qualname(node.func)
        if qualified not in self.knowledge.argument_declarations:
            return
        key = _string(node.args[0].value)
        if key is None:
            return
        category = self.ctx.classify(key.lstrip("-"), "", KEY)
        if category is not None:
            self._record(category, node, f"request argument `{self._code(node)}`")

    def _is_field_class(self, expr: cst.BaseExpression) -> bool:
        """A field class of a form library named without a call: Flask-RESTX models
        accept ``{"phone": fields.String}``."""
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return False
        module, _, field_class = (self.ctx.qualname(expr) or "").rpartition(".")
        knowledge = self.knowledge
        return (
            module in knowledge.field_modules
            and field_class not in knowledge.non_data_fields
            and field_class not in knowledge.output_fields
        )

    def _is_input_type(self, call: cst.Call) -> bool:
        """``graphene.String(required=True)`` in a GraphQL input type."""
        qualified = self.ctx.qualname(call.func) or ""
        module, _, type_name = qualified.rpartition(".")
        return (
            module.split(".", 1)[0] in self.knowledge.input_type_modules
            and type_name not in self.knowledge.non_data_fields
        )

    def _is_input_field(self, call: cst.Call, in_form: bool, flags: bool = False) -> bool:
        """A field constructor of a form library, or any ``...Field()`` in the body of a
        form, serializer or schema (with ``flags``, a yes/no field counts too)."""
        knowledge = self.knowledge
        qualified = self.ctx.qualname(call.func)
        module, _, field_class = (qualified or "").rpartition(".")
        if module not in knowledge.field_modules:
            field_class = _last_name(call.func)
            # In a form or serializer, a field class, or a nested form or serializer
            # (`address = AddressSerializer()`).
            if not in_form or not (
                field_class.endswith("Field")
                or field_class.endswith(knowledge.form_suffixes)
                or field_class in self._form_names
            ):
                return False
        if field_class in knowledge.output_fields or (
            field_class in knowledge.non_data_fields
            and not (flags and field_class in knowledge.flag_fields)
        ):
            return False
        return not any(
            arg.keyword is not None
            and arg.keyword.value in knowledge.output_keywords
            and _is_true(arg.value)
            for arg in call.args
        )

    def ann_assign(self, node: cst.AnnAssign) -> None:
        """``email: EmailStr`` in a class body: a field of a possible request model."""
        owner_class = self._class_body_owner()
        if owner_class is None or type(node.target) is not cst.Name:
            return
        class_name = owner_class.name.value
        names = list(_names_in(node.annotation.annotation))
        for name in names:
            if self.knowledge.is_model_name(name):
                self._link(MODEL_LINK, f"{class_name} {name}")
        owner = self.knowledge.owner_of(class_name)
        if names == ["bool"] or (
            "bool" in names and set(names) <= {"bool", "Optional", "None", "Union"}
        ):
            # A yes/no answer collects only what it reveals (`union_member: bool`).
            flag = self.ctx.classify_flag(node.target.value, owner)
            if flag is not None:
                self._record(flag, node.target, f"{class_name}.{node.target.value}", MODEL_FIELD)
            return
        category = self._field_category(node.target.value, owner)
        if category is None and type(node.value) is cst.Call:
            category = self._label_category(node.value, node.target.value, owner, positional=False)
        for name in names:
            category = category or self._typed_category(name, node.target.value, owner)
        held = [n for n in names if n not in ("Optional", "Union", "None", "Annotated")]
        category = category or self._named_person(node.target.value, held)
        if category is not None:
            self._record(category, node.target, f"{class_name}.{node.target.value}", MODEL_FIELD)

    # -- endpoints ----------------------------------------------------------------------

    def function_def(self, node: cst.FunctionDef) -> None:
        if self._is_endpoint(node):
            self._endpoint_parameters(node)
        else:
            self._prompted_parameters(node)
        for decorator in node.decorators:
            if type(decorator.decorator) is cst.Call:
                self._prompt_option(decorator.decorator)

    def _is_endpoint(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            call = decorator.decorator
            if self.ctx.qualname(call) in self.knowledge.endpoint_decorators:
                return True
            if type(call) is not cst.Call:
                continue
            if _last_name(call.func) not in self.knowledge.route_decorators:
                continue
            qualified = self.ctx.qualname(call.func) or ""
            if qualified.split(".", 1)[0] in self.knowledge.web_frameworks:
                return True
            if type(call.func) is cst.Attribute:
                words = split_words(_last_name(call.func.value))
                if words and words[-1] in self.knowledge.route_receivers:
                    return True
            for arg in call.args:
                if arg.keyword is None or arg.keyword.value in ("path", "rule", "url"):
                    if type(arg.value) is cst.FormattedString:
                        return True
                    path = _string(arg.value)
                    if path is not None and (path == "" or path.startswith("/")):
                        return True
                    break
        return False

    def _endpoint_parameters(self, node: cst.FunctionDef) -> None:
        knowledge = self.knowledge
        ctx = self.ctx
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if param.annotation is None and name in knowledge.injected_parameters:
                continue
            default = param.default
            source = ""
            if type(default) is cst.Call:
                source = self._callee(default)
                if source in knowledge.injected_defaults:
                    continue
            annotation = param.annotation.annotation if param.annotation is not None else None
            names = list(_names_in(annotation)) if annotation is not None else []
            if any(n in knowledge.injected_annotations for n in names):
                continue
            source = source or self._annotated_source(annotation)
            if source in knowledge.injected_defaults:
                continue
            models = [n for n in names if knowledge.is_model_name(n)]
            if models:
                for model in models:
                    self._link(REQUEST_BODY, model)
                continue
            category = ctx.classify(name, "", NAME) or knowledge.input_default(name)
            if category is None:
                continue
            via = f" ({source})" if source in knowledge.parameter_sources else ""
            detail = f"parameter `{name}` of `{node.name.value}()`{via}"
            self._record(category, param.name, detail)

    def _callee(self, call: cst.Call) -> str:
        """The name of the function a call calls, through import aliases
        (``D(get_db)`` after ``from fastapi import Depends as D`` is ``Depends``)."""
        qualified = self.ctx.qualname(call.func)
        if qualified:
            return qualified.rsplit(".", 1)[-1].rstrip("()") or _last_name(call.func)
        return _last_name(call.func)

    def _annotated_source(self, annotation: Optional[cst.BaseExpression]) -> str:
        """``Form`` for ``Annotated[str, Form()]``."""
        if (
            type(annotation) is cst.Subscript
            and _last_name(annotation.value) == "Annotated"
            and len(annotation.slice) > 1
        ):
            for element in annotation.slice[1:]:
                if type(element.slice) is cst.Index and isinstance(element.slice.value, cst.Call):
                    return self._callee(element.slice.value)
        return ""

    def model_loaded(self, node: cst.Call) -> None:
        """``Model(**request.json)``, ``Model.model_validate(request.get_json())``,
        ``from_dict(Model, request.json)``: the model is a request body."""
        knowledge = self.knowledge
        ctx = self.ctx
        func = node.func
        model = ""
        data: Sequence[cst.Arg] = node.args
        if ctx.qualname(func) in knowledge.model_loader_functions:
            chosen = _model_argument(node)
            if chosen is None:
                return
            model = _last_name(chosen.value)
            data = [arg for arg in node.args if arg is not chosen and arg.keyword is None]
        elif type(func) is cst.Attribute and knowledge.is_model_loader(func.attr.value):
            receiver = func.value
            if (
                type(receiver) is cst.Call
                and ctx.qualname(receiver.func) in knowledge.model_loader_functions
            ):
                chosen = _model_argument(receiver)
                model = _last_name(chosen.value) if chosen is not None else ""
            else:
                model = self._class_of(receiver) or ""
        elif isinstance(func, (cst.Name, cst.Attribute)) and any(
            arg.star == "**" for arg in node.args
        ):
            model = _last_name(func)
        if not model or not model[:1].isupper() or not data:
            return
        if any(ctx.categories(arg.value).user_input for arg in data):
            self._link(REQUEST_BODY, model)

    # -- prompts ------------------------------------------------------------------------

    def prompt(self, node: cst.Call) -> None:
        """``input("Phone: ")``, ``click.prompt("Email")``, ``getpass.getpass()``."""
        knowledge = self.knowledge
        qualified = self.ctx.qualname(node.func)
        if qualified is None or qualified not in knowledge.prompt_functions:
            return
        text = ""
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value in ("prompt", "text", "message"):
                text = _string(arg.value) or ""
                break
        category = self._prompt_category(text)
        if category is None:
            category = self._assigned_category()
        secret = qualified in knowledge.secret_prompts or any(
            arg.keyword is not None and arg.keyword.value == "hide_input" and _is_true(arg.value)
            for arg in node.args
        )
        if category is None and secret:
            category = "credentials"
        if category is not None:
            self._record(category, node, f"prompt `{self._code(node)}`")

    def _prompt_category(self, text: str) -> Optional[str]:
        cleaned = without_brackets(text).strip(" :?>*-=\t\n")
        if not cleaned or len(cleaned) > 60:
            return None
        return self.ctx.classify(cleaned, "", KEY)

    def _assigned_category(self) -> Optional[str]:
        """The category the variable a prompt's answer is assigned to names."""
        for node in reversed(self.ctx.stack[:-1]):
            if type(node) is cst.Assign and len(node.targets) == 1:
                return self._target_category(node.targets[0].target)
            if isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
                return self._target_category(node.target)
            if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return None
        return None

    def _target_category(self, target: cst.BaseExpression) -> Optional[str]:
        if type(target) is cst.Name:
            return self.ctx.classify(target.value, "", NAME)
        if type(target) is cst.Attribute:
            owner = dotted_name(target.value) or ""
            return self.ctx.classify(target.attr.value, owner.rsplit(".", 1)[-1], NAME)
        return None

    def _prompt_option(self, call: cst.Call) -> None:
        """``@click.option("--phone", prompt=True)``."""
        qualified = self.ctx.qualname(call.func)
        if qualified not in self.knowledge.prompt_options or not _prompts(call.args):
            return
        names = [s for s in (_string(a.value) for a in call.args if a.keyword is None) if s]
        category = None
        for option in names:
            category = self.ctx.classify(option.lstrip("-"), "", KEY)
            if category is not None:
                break
        if category is None and _hides_input(call.args):
            category = "credentials"
        if category is not None:
            self._record(category, call, f"prompt `{self._code(call)}`")

    def _prompted_parameters(self, node: cst.FunctionDef) -> None:
        """``phone: str = typer.Option(..., prompt=True)``."""
        for param in (*node.params.params, *node.params.kwonly_params):
            default = param.default
            if type(default) is not cst.Call:
                continue
            if self.ctx.qualname(default.func) not in self.knowledge.prompt_options:
                continue
            if not _prompts(default.args):
                continue
            category = self.ctx.classify(param.name.value, "", NAME)
            if category is None and _hides_input(default.args):
                category = "credentials"
            if category is not None:
                self._record(category, param.name, f"prompt `{self._code(default)}`")


def _field_types(call: cst.Call) -> Iterator[str]:
    """The class names of a field and of what it contains
    (``fields.List(fields.Email())``, ``ListField(child=EmailField())``)."""
    yield _last_name(call.func)
    for arg in call.args:
        if type(arg.value) is cst.Call and (
            arg.keyword is None or arg.keyword.value in ("child", "cls_or_instance", "values")
        ):
            yield _last_name(arg.value.func)


def _model_argument(call: cst.Call) -> Optional[cst.Arg]:
    """The argument naming the model a loader function builds: ``type=`` (or
    ``data_class=``), else the first positional argument when it names a class."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("type", "data_class", "cl"):
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if positional and _last_name(positional[0].value)[:1].isupper():
        return positional[0]
    return None


def _prompts(args: Sequence[cst.Arg]) -> bool:
    for arg in args:
        if arg.keyword is not None and arg.keyword.value == "prompt":
            value = arg.value
            return not (type(value) is cst.Name and value.value in ("False", "None"))
    return False


def _hides_input(args: Sequence[cst.Arg]) -> bool:
    return any(
        arg.keyword is not None and arg.keyword.value == "hide_input" and _is_true(arg.value)
        for arg in args
    )


def _assigned_names(statement: Union[cst.BaseStatement, cst.BaseSmallStatement]) -> Iterator[str]:
    if type(statement) is cst.SimpleStatementLine:
        for small in statement.body:
            if type(small) is cst.Assign:
                for target in small.targets:
                    if type(target.target) is cst.Name:
                        yield target.target.value
            elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                yield small.target.value


def _declares_annotated_fields(body: cst.BaseSuite) -> bool:
    """``email: str`` directly in a class body."""
    if type(body) is not cst.IndentedBlock:
        return False
    return any(
        type(small) is cst.AnnAssign
        for statement in body.body
        if type(statement) is cst.SimpleStatementLine
        for small in statement.body
    )


def _may_be_a_model(body: cst.BaseSuite) -> bool:
    """A class body that declares annotated fields, or only says ``pass`` or ``...``
    (``class UserCreate(UserBase): pass``): its base classes may hold request fields."""
    statements = body.body if type(body) is cst.IndentedBlock else [body]
    trivial = True
    for statement in statements:
        smalls = (
            statement.body
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            else None
        )
        if smalls is None:
            trivial = False
            continue
        for small in smalls:
            if type(small) is cst.AnnAssign:
                return True
            if not isinstance(small, (cst.Pass, cst.Expr)):
                trivial = False
    return trivial


def _literal_strings(expr: cst.BaseExpression) -> tuple[str, ...]:
    """``("email", "phone")`` for a string literal or a list, tuple or set of them."""
    single = _string(expr)
    if single is not None:
        return (single,)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)) and expr.elements:
        values = tuple(_string(e.value) for e in expr.elements)
        if all(v is not None for v in values):
            return values  # type: ignore[return-value]
    return ()
