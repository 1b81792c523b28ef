"""Input/output array handling, calendar dates and text customer ids.

numpy is optional. With numpy, contiguous ``float64``/``int64`` arrays are
passed to C by pointer without a copy; anything else is converted once. Without
numpy, ``array.array`` buffers of the right type are passed by pointer and other
sequences are copied into one.
"""

import array
import collections.abc
import ctypes
import datetime as _dt
import math
import os
import re
import sys

try:  # optional
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the no-numpy test run
    np = None

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()

# array.array type codes of the C element types
_TYPECODES = {}
for _code in "bhilqBHILQ":
    _TYPECODES.setdefault((_code.islower(), array.array(_code).itemsize), _code)
_INT64_CODE = _TYPECODES[(True, 8)]
_UINT32_CODE = _TYPECODES[(False, 4)]
_INT32_CODE = _TYPECODES[(True, 4)]


def have_numpy():
    return np is not None


# ---------------------------------------------------------------------------
# C buffers

class CArray:
    """A C-contiguous buffer handed to the library plus the Python object that
    owns the memory (kept alive as long as this object)."""

    __slots__ = ("owner", "ptr", "n")

    def __init__(self, owner, ptr, n):
        self.owner = owner
        self.ptr = ptr
        self.n = n


def _ctype_of(kind):
    return {"d": ctypes.c_double, "q": ctypes.c_int64, "I": ctypes.c_uint32,
            "i": ctypes.c_int32}[kind]


def _pointer(obj, kind, n):
    ct = _ctype_of(kind)
    if n == 0:
        return ctypes.cast(None, ctypes.POINTER(ct))
    if np is not None and isinstance(obj, np.ndarray):
        return obj.ctypes.data_as(ctypes.POINTER(ct))
    buf = (ct * n).from_buffer(obj)
    return ctypes.cast(buf, ctypes.POINTER(ct))


def _is_numpy(x):
    return np is not None and isinstance(x, np.ndarray)


def _float_at(v, name, i):
    """float(v), or the error naming the argument and the row: "amount[17]: could not
    convert 'abc' to float" (ValueError for text, TypeError for other objects)."""
    try:
        return float(v)
    except (TypeError, ValueError) as e:
        raise type(e)("%s[%d]: could not convert %r to float" % (name, i, v)) from None


def floats_list(values, name):
    """A list of floats from any sequence, converting element by element (errors name the row)."""
    return [_float_at(v, name, i) for i, v in enumerate(values)]


def as_float64(values, name="array"):
    """Float64 C array from a sequence/array (zero-copy when possible). Text and
    objects are converted element by element; a failure names the argument and
    the row (``amount[17]: could not convert 'abc' to float``)."""
    if _is_numpy(values) or (np is not None and hasattr(values, "__array__")):
        arr = np.asarray(values)
        if arr.dtype.kind in "OUS":
            arr = np.array(floats_list(arr.reshape(-1).tolist(), name), dtype=np.float64)
        elif arr.dtype.kind not in "fiub":
            raise TypeError("%s must be numeric, got dtype %s" % (name, arr.dtype))
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        if arr.ndim != 1:
            arr = arr.reshape(-1)
        return CArray(arr, _pointer(arr, "d", arr.size), arr.size)
    if isinstance(values, array.array) and values.typecode == "d":
        arr = values
    else:
        try:
            arr = array.array("d", values)
        except TypeError:
            arr = array.array("d", floats_list(values, name))
    if np is not None:  # numpy present but a plain list was given: return numpy-backed
        arr = np.frombuffer(arr, dtype=np.float64) if len(arr) else np.empty(0)
    return CArray(arr, _pointer(arr, "d", len(arr)), len(arr))


def as_int64(values, name="array"):
    """Int64 C array; floats must be integral; booleans are refused."""
    if _is_numpy(values) or (np is not None and hasattr(values, "__array__")):
        arr = np.asarray(values)
        if arr.dtype.kind == "f":
            if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))):
                raise ValueError("%s: float values must be integral and finite" % name)
        elif arr.dtype.kind == "u" and arr.size and arr.max() > INT64_MAX:
            raise OverflowError("%s: value above INT64_MAX" % name)
        elif arr.dtype.kind == "O":
            arr = np.array([_to_int(v, name, i) for i, v in enumerate(arr.reshape(-1).tolist())],
                           dtype=np.int64)
        elif arr.dtype.kind not in "iuf":
            raise TypeError("%s must be integers, got dtype %s" % (name, arr.dtype))
        arr = np.ascontiguousarray(arr, dtype=np.int64)
        if arr.ndim != 1:
            arr = arr.reshape(-1)
        return CArray(arr, _pointer(arr, "q", arr.size), arr.size)
    if isinstance(values, array.array) and values.typecode == _INT64_CODE:
        arr = values
    else:
        arr = array.array(_INT64_CODE, (_to_int(v, name, i) for i, v in enumerate(values)))
    if np is not None:
        arr = np.frombuffer(arr, dtype=np.int64) if len(arr) else np.empty(0, dtype=np.int64)
    return CArray(arr, _pointer(arr, "q", len(arr)), len(arr))


def _as_int_kind(values, name, kind):
    """Int32 ('i') or uint32 ('I') C array; floats must be integral, values in range."""
    lo, hi = (-(2 ** 31), 2 ** 31 - 1) if kind == "i" else (0, 2 ** 32 - 1)
    if _is_numpy(values) or (np is not None and hasattr(values, "__array__")):
        arr = np.asarray(values)
        dtype = np.int32 if kind == "i" else np.uint32
        if arr.dtype != dtype:
            if arr.dtype.kind == "f":
                if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))):
                    raise ValueError("%s: float values must be integral and finite" % name)
            elif arr.dtype.kind not in "iub":
                raise TypeError("%s must be integers, got dtype %s" % (name, arr.dtype))
            if arr.size and (arr.min() < lo or arr.max() > hi):
                raise OverflowError("%s: value outside %d..%d" % (name, lo, hi))
        if arr.ndim != 1:
            arr = arr.reshape(-1)
        arr = np.ascontiguousarray(arr, dtype=dtype)
        return CArray(arr, _pointer(arr, kind, arr.size), arr.size)
    code = _INT32_CODE if kind == "i" else _UINT32_CODE
    if isinstance(values, array.array) and values.typecode == code:
        arr = values
    else:
        vals = [_to_int(v, name, i) for i, v in enumerate(values)]
        for i, v in enumerate(vals):
            if v < lo or v > hi:
                raise OverflowError("%s[%d]: value %d outside %d..%d" % (name, i, v, lo, hi))
        arr = array.array(code, vals)
    if np is not None:
        dtype = np.int32 if kind == "i" else np.uint32
        arr = np.frombuffer(arr, dtype=dtype) if len(arr) else np.empty(0, dtype=dtype)
    return CArray(arr, _pointer(arr, kind, len(arr)), len(arr))


def as_int32(values, name="array"):
    """Int32 C array (zero-copy for contiguous numpy int32 and array('i'))."""
    return _as_int_kind(values, name, "i")


def as_uint32(values, name="array"):
    """Uint32 C array (zero-copy for contiguous numpy uint32 and array('I'))."""
    return _as_int_kind(values, name, "I")


def _to_int(v, name, i=None):
    where = name if i is None else "%s[%d]" % (name, i)
    if isinstance(v, bool):
        raise TypeError("%s: booleans are not ids" % where)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    try:
        return int(v.__index__())
    except AttributeError:
        raise TypeError("%s: %r is not an integer" % (where, v)) from None


def whole_number(v):
    """int(v) for an int, an integral float or an integer-like object (numpy ints);
    None for anything else, booleans included."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else None
    try:
        return int(v.__index__())
    except (AttributeError, TypeError):
        if np is not None and isinstance(v, np.floating) and float(v).is_integer():
            return int(v)
        return None


def physical_memory():
    """Bytes of physical memory of this machine, or None when the system does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def _gb(nbytes):
    return "%.3g GB" % (nbytes / 1e9)


def check_memory(nbytes, what, how="needs"):
    """Raise :class:`cva.NoMemoryError` at once when ``nbytes`` cannot fit: more than the
    machine's physical memory (or than the address space). ``what`` starts the message,
    e.g. "simulate: n_customers=1e12" -> "... needs 24000 GB; this machine has 23 GB"."""
    from . import _errors
    mem = physical_memory()
    if nbytes <= sys.maxsize and (mem is None or nbytes <= mem):
        return
    have = "this machine has %s of memory" % _gb(mem) if mem else "more than the address space"
    msg = "%s %s %s; %s" % (what, how, _gb(nbytes), have)
    raise _errors.NoMemoryError(msg, status=_errors.E_NOMEM, name="CVA_E_NOMEM", detail=msg)


def empty_output(kind, n):
    """A zero-filled output buffer of n elements of C type kind ('d','q','I')."""
    if np is not None:
        dtype = {"d": np.float64, "q": np.int64, "I": np.uint32, "i": np.int32}[kind]
        arr = np.zeros(max(n, 1), dtype=dtype)
    else:
        code = {"d": "d", "q": _INT64_CODE, "I": _UINT32_CODE, "i": _INT32_CODE}[kind]
        arr = array.array(code, bytes(array.array(code).itemsize * max(n, 1)))
    return CArray(arr, _pointer(arr, kind, max(n, 1)), n)


def uninit_output(kind, n):
    """An output buffer of n elements of C type kind ('d','q','I','i') for a call
    that writes every element the caller reads: ``numpy.empty`` (no zero fill,
    so large buffers are not first written by calloc or the kernel's zero
    pages; numpy backs them with huge pages where the OS offers them); a
    zero-filled ``array.array`` without numpy."""
    if np is not None:
        dtype = {"d": np.float64, "q": np.int64, "I": np.uint32, "i": np.int32}[kind]
        arr = np.empty(max(n, 1), dtype=dtype)
        return CArray(arr, _pointer(arr, kind, max(n, 1)), n)
    return empty_output(kind, n)


def trim(arr, k):
    """The first k elements of an output buffer of the binding's own."""
    if np is not None and isinstance(arr, np.ndarray):
        if k >= len(arr):
            return arr
        if arr.flags.owndata and arr.base is None:
            # shrink in place: realloc gives the tail back (mremap for large
            # blocks), no copy of the k elements; the ctypes pointer made for
            # the call is the only other reference and is not used again
            arr.resize((k,), refcheck=False)
            return arr
        return arr[:k].copy()
    # array.array: the buffer is still exported to ctypes, so slice (copies)
    return arr[:k]


def to_list(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


# ---------------------------------------------------------------------------
# Dates -> days since 1970-01-01

_DATE_RE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})\s*$")


def _parse_date_string(s):
    m = _DATE_RE.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        try:
            return float(_dt.date(y, mo, d).toordinal() - _EPOCH_ORDINAL)
        except ValueError as e:
            raise ValueError("bad date %r: %s" % (s, e))
    txt = s.strip()
    if txt.endswith(("Z", "z")):
        txt = txt[:-1] + "+00:00"
    try:
        dt = _dt.datetime.fromisoformat(txt)
    except ValueError:
        raise ValueError("cannot parse %r as a date (expected YYYY-MM-DD, YYYYMMDD "
                         "or an ISO 8601 date-time)" % s)
    return _datetime_days(dt)


def _datetime_days(dt):
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    delta = dt - _dt.datetime(1970, 1, 1)
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400.0


def date_to_days(v):
    """One value -> days since 1970-01-01 (float).

    Accepts numbers (returned unchanged: already in the caller's unit),
    ``datetime.date``/``datetime.datetime`` (naive = UTC), numpy
    ``datetime64``, and strings ``YYYY-MM-DD``, ``YYYYMMDD`` or an ISO 8601
    date-time (``YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|+HH:MM]``; a space may
    replace the ``T``). ``None``/NaT give NaN.
    """
    if v is None:
        return math.nan
    if isinstance(v, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, _dt.datetime):
        return _datetime_days(v)
    if isinstance(v, _dt.date):
        return float(v.toordinal() - _EPOCH_ORDINAL)
    if isinstance(v, bytes):
        v = v.decode("ascii")
    if isinstance(v, str):
        return _parse_date_string(v)
    if np is not None:
        if isinstance(v, np.datetime64):
            return float(_datetime64_days(np.asarray(v)))
        if isinstance(v, np.number):
            return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError("cannot convert %r to a time" % (v,))


def _datetime64_days(arr):
    nat = np.isnat(arr)
    ns = arr.astype("datetime64[ns]").astype(np.int64).astype(np.float64) / 86400e9
    if nat.any():
        ns = np.where(nat, np.nan, ns)
    return ns


def times_to_days(values, name="time", bad=None, kinds=None):
    """Sequence of times -> float64 C array in days (numbers pass unchanged).

    A value that is not a time raises, naming ``name[row]``; with a list ``bad``
    it becomes NaN instead and its row is appended to ``bad``. A set ``kinds``
    receives "date" when calendar dates were converted and "number" when
    numbers were passed through (in the caller's unit)."""
    if kinds is None:
        kinds = set()
    if np is not None:
        if hasattr(values, "dtype") and hasattr(values, "to_numpy") and not _is_numpy(values):
            values = values.to_numpy()  # pandas Series / Index
        if _is_numpy(values):
            if values.dtype.kind == "M":
                kinds.add("date")
                return as_float64(_datetime64_days(values.reshape(-1)), name)
            if values.dtype.kind in "fiub":
                kinds.add("number")
                return as_float64(values, name)
            values = values.reshape(-1).tolist()
    elif isinstance(values, array.array):
        kinds.add("number")
        return as_float64(values, name)
    out = array.array("d")
    cache = {}
    for i, v in enumerate(values):
        if isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
            kinds.add("number")
            out.append(float(v))
            continue
        if np is not None and isinstance(v, np.number):
            kinds.add("number")
        elif v is not None:
            kinds.add("date")
        key = v if isinstance(v, (str, bytes)) else None
        try:
            if key is not None:
                d = cache.get(key)
                if d is None:
                    d = cache[key] = date_to_days(v)
                out.append(d)
            else:
                out.append(date_to_days(v))
        except (TypeError, ValueError) as e:
            if bad is None:
                raise type(e)("%s[%d]: %s" % (name, i, e)) from None
            bad.append(i)
            out.append(math.nan)
    return as_float64(out, name)


def days_to_date(days):
    """Inverse helper: days since 1970-01-01 -> ``datetime.datetime`` (UTC, naive)."""
    return _dt.datetime(1970, 1, 1) + _dt.timedelta(days=float(days))


# ---------------------------------------------------------------------------
# Customer ids: integers or text

def _is_int_like(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    if np is not None and isinstance(v, np.integer):
        return True
    return False


def _is_missing(v):
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and v == "":
        return True
    if np is not None and isinstance(v, np.floating) and np.isnan(v):
        return True
    return False


def _as_list(values):
    if np is not None and _is_numpy(values):
        return values.reshape(-1).tolist()
    if hasattr(values, "to_numpy") and np is not None:
        return values.to_numpy().reshape(-1).tolist()
    return list(values)


def _sort_key(v):
    # Text ids sort by their string; type name breaks ties between e.g. 1 and "1".
    if isinstance(v, bytes):
        return (v.decode("utf-8", "surrogateescape"), "bytes")
    return (str(v), type(v).__name__)


class IdCodec:
    """Maps customer/referrer ids to int64 codes for the C core.

    Numeric ids (every value an integer) pass through unchanged. Otherwise
    (text ids such as ``'C-00123'``) the distinct values of the customer and
    referrer columns together are sorted by their text (``str(value)``) and
    numbered 0, 1, 2, ... in that order, so the library's ascending-id output
    order is the sorted order of the original ids; ``decode`` restores them.
    """

    def __init__(self, values=None):
        self.values = values  # None: identity (numeric ids); else list code -> original

    @property
    def is_text(self):
        return self.values is not None

    def decode(self, codes):
        if self.values is None:
            return codes
        if np is not None:
            table = np.empty(len(self.values), dtype=object)
            for i, v in enumerate(self.values):
                table[i] = v
            return table[np.asarray(codes, dtype=np.int64)]
        vals = self.values
        return [vals[c] for c in to_list(codes)]


def _numeric_ids_fast(values):
    """numpy integer (or integral float) array -> ok; returns None if text."""
    if np is None:
        return None
    if hasattr(values, "to_numpy") and not _is_numpy(values):
        values = values.to_numpy()
    if _is_numpy(values) and values.dtype.kind in "iuf":
        return values
    return None


def encode_ids(customer_id, referrer_id=None):
    """Return ``(codec, CArray customer, CArray-or-None referrer)``."""
    cust_fast = _numeric_ids_fast(customer_id)
    ref_fast = _numeric_ids_fast(referrer_id) if referrer_id is not None else None

    if cust_fast is not None and (referrer_id is None or ref_fast is not None):
        c = as_int64(cust_fast, "customer_id")
        r = None
        if referrer_id is not None:
            r = _referrer_numeric(ref_fast)
        return IdCodec(), c, r

    cust = _as_list(customer_id)
    ref = _as_list(referrer_id) if referrer_id is not None else None
    for name, vals in (("customer_id", cust), ("referrer_id", ref or ())):
        if any(isinstance(v, bool) or (np is not None and isinstance(v, np.bool_)) for v in vals):
            raise TypeError("%s: booleans are not ids" % name)
    numeric = all(_is_int_like(v) or (isinstance(v, float) and v.is_integer()) for v in cust)
    if numeric and ref is not None:
        numeric = all(_is_missing(v) or _is_int_like(v) or
                      (isinstance(v, float) and v.is_integer()) for v in ref)
    if numeric:
        c = as_int64(cust, "customer_id")
        r = None
        if ref is not None:
            r = as_int64([NO_REF if _is_missing(v) else _to_int(v, "referrer_id") for v in ref],
                         "referrer_id")
        return IdCodec(), c, r

    # text ids: one dictionary for customers and referrers, codes in sorted order
    for i, v in enumerate(cust):
        if v is None or (_is_missing(v) and v != ""):
            raise ValueError("customer_id[%d] is missing (%r)" % (i, v))
    distinct = set(cust)
    if ref is not None:
        distinct.update(v for v in ref if not _is_missing(v))
    values = sorted(distinct, key=_sort_key)
    code = {v: i for i, v in enumerate(values)}
    c = as_int64(array.array(_INT64_CODE, (code[v] for v in cust)), "customer_id")
    r = None
    if ref is not None:
        r = as_int64(array.array(_INT64_CODE, (NO_REF if _is_missing(v) else code[v] for v in ref)),
                     "referrer_id")
    return IdCodec(values), c, r


NO_REF = INT64_MIN


def _referrer_numeric(arr):
    if arr.dtype.kind == "f":
        nan = np.isnan(arr)
        if nan.any():
            arr = np.where(nan, 0.0, arr)
            out = as_int64(arr, "referrer_id")
            out.owner[nan.reshape(-1)] = NO_REF
            return out
    return as_int64(arr, "referrer_id")


class FieldMapping(collections.abc.Mapping):
    """Base of the binding's table-like results (:class:`Summary`, :class:`Predictions`,
    :class:`Ladder`): a read-only mapping of per-customer columns kept in ``self._fields``,
    each column also reachable as an attribute."""

    def __getitem__(self, key):
        return self._fields[key]

    def __iter__(self):
        return iter(self._fields)

    def __len__(self):
        return len(self._fields)

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields")
        if fields is not None and name in fields:
            return fields[name]
        raise AttributeError("%s has no field %r (fields: %s)"
                             % (type(self).__name__, name, ", ".join(fields or ())))
