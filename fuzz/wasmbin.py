"""Reads what the fuzzer needs from a Wasm binary: imports and exports with their types.

Only the type, import, function, global and export sections are decoded; the rest is
skipped by size. Reference types are reduced to 'funcref' or 'externref' (all the JS
boundary distinguishes); a GC type definition makes the module unreadable (ValueError),
which the fuzzer counts as a module it cannot use.
"""

from dataclasses import dataclass, field

VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
               0x70: "funcref", 0x6F: "externref", 0x69: "exnref"}


@dataclass
class FuncType:
    params: list
    results: list


@dataclass
class Import:
    module: str
    name: str
    kind: str          # func, table, memory, global, tag
    type: object = None  # FuncType for functions, value type for globals


@dataclass
class Export:
    name: str
    kind: str
    type: object = None


@dataclass
class ModuleInfo:
    imports: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    has_start: bool = False


class _Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self):
        if self.pos >= self.end:
            raise ValueError("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self):
        result, shift = 0, 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def s33(self):
        result, shift = 0, 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result

    def name(self):
        n = self.u32()
        text = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return text

    def value_type(self):
        b = self.byte()
        if b in VALUE_TYPES:
            return VALUE_TYPES[b]
        if b in (0x63, 0x64):  # (ref null? heaptype)
            heap = self.s33()
            # Function heap types: func (-16 = 0x70), nofunc (-13 = 0x73), a type index.
            return "funcref" if heap >= 0 or heap in (-16, -13) else "externref"
        raise ValueError(f"value type 0x{b:02x}")

    def limits(self):
        flags = self.u32()
        self.u32()
        if flags & 1:
            self.u32()

    def const_expr(self):
        while True:
            op = self.byte()
            if op == 0x0B:
                return
            if op in (0x41, 0x42):
                self.s33()
            elif op in (0x23, 0xD2):
                self.u32()
            elif op == 0x43:
                self.pos += 4
            elif op == 0x44:
                self.pos += 8
            elif op == 0xD0:
                self.s33()
            elif op == 0xFD:
                self.u32()
                self.pos += 16


def read_module(data):
    """Returns the ModuleInfo of a binary module; ValueError if it cannot be read."""
    if data[:4] != b"\0asm":
        raise ValueError("not a binary module")
    r = _Reader(data, 8)
    types, funcs, globals_ = [], [], []
    info = ModuleInfo()
    while r.pos < len(data):
        section = r.byte()
        size = r.u32()
        s = _Reader(data, r.pos, r.pos + size)
        r.pos += size
        if section == 1:
            for _ in range(s.u32()):
                if s.data[s.pos] == 0x4E:  # a rec group: only groups of function types
                    s.byte()
                    count = s.u32()
                else:
                    count = 1
                for _ in range(count):
                    form = s.byte()
                    if form != 0x60:
                        raise ValueError(f"type form 0x{form:02x} (GC) is not supported")
                    params = [s.value_type() for _ in range(s.u32())]
                    results = [s.value_type() for _ in range(s.u32())]
                    types.append(FuncType(params, results))
        elif section == 2:
            for _ in range(s.u32()):
                module, name, kind = s.name(), s.name(), s.byte()
                if kind == 0:
                    t = types[s.u32()]
                    funcs.append(t)
                    info.imports.append(Import(module, name, "func", t))
                elif kind == 1:
                    s.value_type()
                    s.limits()
                    info.imports.append(Import(module, name, "table"))
                elif kind == 2:
                    s.limits()
                    info.imports.append(Import(module, name, "memory"))
                elif kind == 3:
                    t = s.value_type()
                    s.byte()
                    globals_.append(t)
                    info.imports.append(Import(module, name, "global", t))
                elif kind == 4:
                    s.byte()
                    s.u32()
                    info.imports.append(Import(module, name, "tag"))
                else:
                    raise ValueError(f"import kind {kind}")
        elif section == 3:
            funcs.extend(types[s.u32()] for _ in range(s.u32()))
        elif section == 6:
            for _ in range(s.u32()):
                globals_.append(s.value_type())
                s.byte()
                s.const_expr()
        elif section == 7:
            kinds = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
            for _ in range(s.u32()):
                name, kind, index = s.name(), s.byte(), s.u32()
                kind = kinds.get(kind, "other")
                t = funcs[index] if kind == "func" else globals_[index] if kind == "global" else None
                info.exports.append(Export(name, kind, t))
        elif section == 8:
            info.has_start = True
    return info
