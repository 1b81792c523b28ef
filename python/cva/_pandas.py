"""pandas helpers shared by the ``to_pandas()`` methods and the DataFrame entry points.

pandas stays optional: it is imported on first use, and a missing pandas is an
``ImportError`` that says which call needed it."""

from . import _convert as cv


def require(what):
    """Import pandas or raise an ImportError naming ``what``."""
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("%s needs pandas, which is not installed (pip install pandas); "
                          "the array functions of cva work without it (%s)" % (what, e)) from None
    return pandas


def is_frame(obj):
    """True for a pandas DataFrame (checked without importing pandas)."""
    t = type(obj)
    return t.__name__ == "DataFrame" and t.__module__.split(".")[0] == "pandas"


def column(values):
    """A column value for ``pandas.DataFrame``: numpy arrays as they are, else a list."""
    return values if cv.have_numpy() else cv.to_list(values)


def frame(columns, customer_id=None, what="to_pandas()", index=True):
    """A DataFrame from an ordered mapping of columns, indexed by ``customer_id``
    (named ``customer_id``) when given and ``index`` is true; else the ids are the
    first column."""
    pd = require(what)
    cols = {}
    if customer_id is not None:
        cols["customer_id"] = column(customer_id)
    for k, v in columns.items():
        cols[k] = column(v) if not isinstance(v, list) else v
    df = pd.DataFrame(cols)
    if customer_id is not None and index:
        df = df.set_index("customer_id")
    return df
