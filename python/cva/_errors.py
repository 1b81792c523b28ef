"""Exceptions and warnings of the binding.

Every negative libcva status becomes an instance of a :class:`Error` subclass;
every positive status (a warning: outputs are valid) is issued through the
:mod:`warnings` module with the category :class:`CvaWarning` and is also kept
on the result object.
"""

# Status values pinned by include/cva/common.h (CVA_STATUS_MAP). The names and
# messages come from the library at run time (cva_status_name / cva_strerror);
# only the numbers are needed here to choose an exception class.
OK = 0
W_EMPTY = 1
W_TIES = 2
W_NEGATIVE = 3
W_EXCLUDED = 4
W_SERIES_LIMIT = 5
W_MAXITER = 6
W_MAP = 7
W_BOUNDARY = 8
W_NOT_CONVERGED = 9
E_NULLPTR = -1
E_BADARG = -2
E_NONFINITE = -3
E_DOMAIN = -4
E_NOMEM = -5
E_NOCONVERGE = -6
E_OPTION = -7
E_ABI_MISMATCH = -8
E_WORKSPACE_TOO_SMALL = -9
E_BUFFER_TOO_SMALL = -10
E_CANCELED = -11
E_OVERFLOW = -12
E_INTERNAL = -13


class Error(Exception):
    """Base class of every libcva error.

    Attributes (all set; ``None`` when not applicable):

    status
        the negative libcva status code (``None`` for binding-level errors
        such as a missing library);
    name
        its symbolic name, e.g. ``"CVA_E_NONFINITE"``;
    message
        the library's static English message for the status;
    detail
        the call-specific detail from ``cva_diag`` (e.g. which field);
    arg
        1-based position of the offending C argument (0: none);
    option
        the offending option id (a ``CVA_OPT_*`` value, 0: none);
    option_name
        the Python keyword that corresponds to ``option`` when known;
    index
        the offending element (row) index, or ``None``;
    count
        the call-specific count from ``cva_diag`` (e.g. capacity needed).
    """

    status = None

    def __init__(self, message, status=None, name=None, detail=None, arg=0,
                 option=0, index=None, count=0, option_name=None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.name = name
        self.message = message
        self.detail = detail
        self.arg = arg
        self.option = option
        self.option_name = option_name
        self.index = index
        self.count = count

    def __str__(self):
        parts = []
        if self.name:
            parts.append(self.name + ":")
        parts.append(self.message)
        if self.detail and self.detail != self.message:
            parts.append("(" + self.detail + ")")
        extra = []
        if self.index is not None:
            extra.append("element %d" % self.index)
        if self.option_name:
            extra.append("option %s" % self.option_name)
        elif self.option:
            extra.append("option id %d" % self.option)
        if extra:
            parts.append("[" + ", ".join(extra) + "]")
        return " ".join(parts)


class LibraryError(Error, ImportError):
    """The shared library could not be found or loaded."""


class VersionMismatchError(LibraryError):
    """The shared library's version or struct sizes do not match this binding."""


class NullPointerError(Error, ValueError):
    """CVA_E_NULLPTR: a required array/pointer was missing."""
    status = E_NULLPTR


class BadArgumentError(Error, ValueError):
    """CVA_E_BADARG: an invalid argument (also the base of option and value errors)."""
    status = E_BADARG


class NonFiniteError(BadArgumentError):
    """CVA_E_NONFINITE: NaN or infinity in the input; ``.index`` is the row."""
    status = E_NONFINITE


class DomainError(BadArgumentError):
    """CVA_E_DOMAIN: a model parameter outside its domain."""
    status = E_DOMAIN


class OptionError(BadArgumentError):
    """CVA_E_OPTION: an option value is out of range; ``.option`` says which."""
    status = E_OPTION


class NoMemoryError(Error, MemoryError):
    """CVA_E_NOMEM: the library could not allocate memory."""
    status = E_NOMEM


class ConvergenceError(Error, ArithmeticError):
    """CVA_E_NOCONVERGE: an iterative fit did not converge."""
    status = E_NOCONVERGE


class AbiMismatchError(Error):
    """CVA_E_ABI_MISMATCH: a struct size the library does not support."""
    status = E_ABI_MISMATCH


class CapacityError(Error):
    """Base of the two "too small" errors; ``.count`` is the size needed."""


class WorkspaceTooSmallError(CapacityError):
    """CVA_E_WORKSPACE_TOO_SMALL."""
    status = E_WORKSPACE_TOO_SMALL


class BufferTooSmallError(CapacityError):
    """CVA_E_BUFFER_TOO_SMALL: output capacity below the number of rows needed."""
    status = E_BUFFER_TOO_SMALL


class CanceledError(Error):
    """CVA_E_CANCELED: a progress callback asked to stop."""
    status = E_CANCELED


class CvaOverflowError(Error, OverflowError):
    """CVA_E_OVERFLOW: a count or size exceeds its C type."""
    status = E_OVERFLOW


class InternalError(Error, RuntimeError):
    """CVA_E_INTERNAL: a bug in libcva (please report it)."""
    status = E_INTERNAL


_ERROR_CLASSES = {
    E_NULLPTR: NullPointerError,
    E_BADARG: BadArgumentError,
    E_NONFINITE: NonFiniteError,
    E_DOMAIN: DomainError,
    E_NOMEM: NoMemoryError,
    E_NOCONVERGE: ConvergenceError,
    E_OPTION: OptionError,
    E_ABI_MISMATCH: AbiMismatchError,
    E_WORKSPACE_TOO_SMALL: WorkspaceTooSmallError,
    E_BUFFER_TOO_SMALL: BufferTooSmallError,
    E_CANCELED: CanceledError,
    E_OVERFLOW: CvaOverflowError,
    E_INTERNAL: InternalError,
}


def error_class(status):
    """The exception class used for a negative status (``Error`` if unknown)."""
    return _ERROR_CLASSES.get(status, Error)


class CvaWarning(UserWarning):
    """A positive libcva status: the call succeeded, outputs are valid.

    Attributes: ``status``, ``name``, ``detail``, ``count`` (e.g. rows
    excluded for ``CVA_W_EXCLUDED``).
    """

    def __init__(self, message, status=None, name=None, detail=None, count=0):
        super().__init__(message)
        self.status = status
        self.name = name
        self.detail = detail
        self.count = count
